"""Where the data is held: a store setting, ``memory`` (the default) or ``oxigraph:PATH``.

``open_store(spec)`` returns a ``KgStore``; ``spec`` None means ``$KG_STORE``, and an
unset or empty variable means ``memory``. Every command that reads data takes
``--store SPEC`` (``kg.cli.options.store_option``), which wins over the variable.

* ``memory``: rdflib in memory, as kg always was. ``load`` parses the files with
  ``kg.io.parse``; nothing persists.
* ``oxigraph:PATH``: a persistent Oxigraph store (pyoxigraph, the ``kg[oxigraph]``
  extra) in the folder PATH: the database in ``PATH/oxigraph/`` and what it holds in
  ``PATH/kg-store.json``. ``load`` parses the files with Oxigraph's own parsers
  (``bulk_load``) under the named-graph rules of ``kg.io.parse`` (a triple file goes into
  ``kg.io.parse.graph_for_file``; a triple in the default graph of a TriG or N-Quads file
  is an error). JSON-LD and RDF/XML go through ``kg.io.parse`` (it inlines local JSON-LD
  contexts and refuses DTDs) and are added as parsed.

  The manifest records every source file (absolute path, size, modification time in
  nanoseconds), the number of quads and the pyoxigraph version. ``load`` with the same
  files, unchanged, does nothing; any difference (a file added, removed, edited or
  touched; another pyoxigraph) clears the store and loads again, replacing everything.
  A load that fails leaves the store empty and without a manifest, so that the next
  command loads again.

Queries bind parameter values as terms (``initBindings`` on rdflib; on Oxigraph a
custom function returns them, see ``OxigraphStore.raw_query``), never pasted into the
text; SERVICE and FROM are refused
on both stores; answers are ``kg.sparql.results.Result`` with rdflib terms, so that the same
writers serve both.

Oxigraph stores literals of XSD datatypes in canonical form (``"98.0"^^xsd:decimal``
is read back as ``"98"``, ``xsd:nonNegativeInteger`` as ``xsd:integer``); the shipped
data is written in forms that every store keeps as they are (README, "Stores"), and
``tests/test_store.py`` checks that the data read back from Oxigraph is the data loaded.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from kg.core.errors import InputError, KgError, QueryError
from kg.sparql import text as sparql_text
from kg.sparql.catalogue import (
    ExpectedCase,
    StoredQuery,
    bindings,
    parse,
    with_prefixes,
    with_values,
)

if TYPE_CHECKING:
    from rdflib import Dataset
    from rdflib.term import Identifier, Node

    from kg.sparql.results import Result

#: The environment variable the store setting falls back to.
STORE_VARIABLE = "KG_STORE"
DEFAULT_SPEC = "memory"
#: The file in an Oxigraph store folder that records what was loaded.
MANIFEST = "kg-store.json"
_MANIFEST_FORMAT = 1
_EXTRA = "pip install 'kg[oxigraph]'"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: kg.io.parse's parser names that Oxigraph parses itself (the others go through kg.io.parse).
_OXIGRAPH_FORMATS = ("turtle", "nt", "nquads", "trig")


@runtime_checkable
class KgStore(Protocol):
    """The data, held somewhere: what the commands, the API and ``kg serve`` use."""

    spec: str

    def load(self, sources: Sequence[str | Path] | None = None) -> None:
        """Hold ``sources`` (default: the shipped data), replacing what was held."""

    def query(self, text: str, terms: Mapping[str, Identifier] | None = None) -> Result:
        """Run SPARQL ``text`` with ``terms`` (variable name -> term) bound."""

    def dataset(self) -> Dataset:
        """The data as an rdflib Dataset (for export, validation, statistics)."""

    def __len__(self) -> int:
        """The number of quads held."""

    def close(self) -> None:
        """Release the store (an Oxigraph folder is locked while open)."""


def store_spec(spec: str | None = None) -> str:
    """The store setting: ``spec``, else ``$KG_STORE``, else ``memory``."""
    if spec is None or not spec.strip():
        spec = os.environ.get(STORE_VARIABLE, "").strip() or DEFAULT_SPEC
    return spec.strip()


def open_store(spec: str | None = None) -> KgStore:
    """The store ``spec`` names: ``memory`` or ``oxigraph:PATH`` (None: ``$KG_STORE`` or
    ``memory``). InputError for anything else; KgError naming the extra when pyoxigraph
    is not installed."""
    spec = store_spec(spec)
    if spec == "memory":
        return MemoryStore()
    kind, sep, where = spec.partition(":")
    if kind == "oxigraph":
        if not sep or not where:
            raise InputError("--store oxigraph:PATH needs a folder, e.g. oxigraph:.kg-store")
        return OxigraphStore(Path(where).expanduser())
    raise InputError(f"unknown store {spec!r} (known: memory, oxigraph:PATH)")


def _source_files(sources: Sequence[str | Path] | None) -> list[Path]:
    from kg.core import paths

    if sources is None:
        return paths.default_sources()
    from kg.io.parse import expand

    return expand(sources)


# -- memory ------------------------------------------------------------------------------


class MemoryStore:
    """rdflib in memory. Until ``load`` is called it holds the shipped data, parsed once
    per process and shared with ``kg.sparql.catalogue`` (``kg.sparql.catalogue.dataset``)."""

    spec = "memory"

    def __init__(self, data: Dataset | None = None) -> None:
        self._data = data

    def load(self, sources: Sequence[str | Path] | None = None) -> None:
        from kg.io.parse import load

        self._data = load(list(sources) if sources is not None else None)

    def dataset(self) -> Dataset:
        if self._data is None:
            return dataset()
        return self._data

    def query(self, text: str, terms: Mapping[str, Identifier] | None = None) -> Result:
        return run_local(text, terms, data=self.dataset())

    def __len__(self) -> int:
        return sum(1 for _ in self.dataset().quads((None, None, None, None)))

    def close(self) -> None:
        self._data = None


# -- oxigraph ----------------------------------------------------------------------------


def _pyoxigraph() -> Any:
    try:
        import pyoxigraph
    except ImportError:
        raise KgError(f"--store oxigraph needs pyoxigraph: {_EXTRA}") from None
    return pyoxigraph


class OxigraphStore:
    """A persistent Oxigraph store in a folder (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.spec = f"oxigraph:{path}"
        ox = _pyoxigraph()
        if path.exists() and not path.is_dir():
            raise InputError("--store oxigraph:PATH: not a folder", path)
        try:
            path.mkdir(parents=True, exist_ok=True)
            self._store = ox.Store(str(path / "oxigraph"))
        except OSError as exc:
            hint = " (is another kg using it? one process at a time)" if "lock" in str(exc) else ""
            raise InputError(f"cannot open the Oxigraph store: {exc}{hint}", path) from None
        self._ox = ox
        self._prefixes: dict[str, str] | None = None

    # -- loading ---------------------------------------------------------------------

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST

    def manifest(self) -> dict[str, Any] | None:
        """What the store holds, as recorded when it was loaded (None: nothing known)."""
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _wanted(self, files: list[Path]) -> dict[str, Any]:
        entries = []
        for file in files:
            try:
                stat = file.stat()
            except OSError as exc:
                raise InputError(f"cannot read: {exc.strerror or exc}", file) from None
            entries.append(
                {"path": str(file.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
            )
        return {
            "format": _MANIFEST_FORMAT,
            "pyoxigraph": getattr(self._ox, "__version__", "?"),
            "sources": entries,
        }

    def is_current(self, sources: Sequence[str | Path] | None = None) -> bool:
        """Whether the store holds exactly ``sources`` as they are now on disk."""
        return self._current(self._wanted(_source_files(sources)))

    def _current(self, wanted: dict[str, Any]) -> bool:
        held = self.manifest()
        if held is None:
            return False
        return all(held.get(k) == v for k, v in wanted.items())

    def load(self, sources: Sequence[str | Path] | None = None) -> None:
        """Hold ``sources`` (default: the shipped data): nothing to do when the store
        holds them unchanged, else clear the store and load them all."""
        files = _source_files(sources)
        wanted = self._wanted(files)
        if self._current(wanted):
            return
        self.manifest_path.unlink(missing_ok=True)
        self._store.clear()
        try:
            for file in files:
                self._load_file(file)
            self._store.flush()
        except BaseException:
            self._store.clear()
            raise
        wanted["quads"] = len(self._store)
        from kg.core.files import write_atomic

        text = json.dumps(wanted, indent=2, ensure_ascii=False) + "\n"
        write_atomic(self.manifest_path, text.encode("utf-8"))

    def _load_file(self, path: Path) -> None:
        from kg.io.parse import graph_for_file, rdf_format

        ox = self._ox
        fmt = rdf_format(path)
        if fmt not in _OXIGRAPH_FORMATS:
            self._load_with_rdflib(path)
            return
        formats = {
            "turtle": ox.RdfFormat.TURTLE,
            "nt": ox.RdfFormat.N_TRIPLES,
            "nquads": ox.RdfFormat.N_QUADS,
            "trig": ox.RdfFormat.TRIG,
        }
        quads = fmt in ("trig", "nquads")
        target = None if quads else ox.NamedNode(str(graph_for_file(path)))
        try:
            self._store.bulk_load(
                path=str(path),
                format=formats[fmt],
                base_iri=path.resolve().as_uri(),
                to_graph=target,
            )
        except SyntaxError as exc:
            raise InputError(f"bad {fmt} syntax: {_first_line(exc)}", path) from None
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot load: {_first_line(exc)}", path) from None
        if quads:
            stray = sum(
                1 for _ in self._store.quads_for_pattern(None, None, None, ox.DefaultGraph())
            )
            if stray:
                raise InputError(
                    f"{stray} triple(s) in the default graph; "
                    "every triple of a TriG or N-Quads file must be in a named graph",
                    path,
                )

    def _load_with_rdflib(self, path: Path) -> None:
        from kg.io.parse import load_file, new_dataset

        scratch = new_dataset()
        load_file(scratch, path)
        self._store.bulk_extend(
            self._ox.Quad(self.to_ox(s), self.to_ox(p), self.to_ox(o), self.to_ox(g))  # type: ignore[arg-type]
            for s, p, o, g in scratch.quads((None, None, None, None))
        )

    # -- terms -----------------------------------------------------------------------

    def to_ox(self, term: Node) -> Any:
        """The pyoxigraph term for an rdflib term."""
        return to_ox(term)

    # -- queries ---------------------------------------------------------------------

    def query(self, text: str, terms: Mapping[str, Identifier] | None = None) -> Result:
        _local_refusals(text)
        form = sparql_text.shape(text).form
        return to_result(self.raw_query(text, terms), form)

    def raw_query(
        self,
        text: str,
        terms: Mapping[str, Identifier] | None = None,
        **options: Any,
    ) -> Any:
        """pyoxigraph's answer to ``text`` with ``terms`` bound; QueryError for a syntax
        error or a failure.

        The values are bound as a ``VALUES`` block at the start of the outermost WHERE
        group (``kg.sparql.catalogue.with_values``, as for a remote endpoint): each term written
        by rdflib's ``n3()`` after the parameter checks, never raw text. pyoxigraph's
        own ``substitutions`` only reach variables of the top-level SELECT projection;
        an earlier binding through a custom function in ``BIND`` worked everywhere but
        hid the value from Oxigraph's planner, which then scanned and filtered instead
        of looking up (``evidence-for-fact`` 391 ms against 0.5 ms at 10⁵ quads,
        bench/results.md).
        """
        if terms:
            from kg.sparql.catalogue import with_values

            text = with_values(text, terms)
        try:
            return self._store.query(
                text,
                prefixes=self.prefixes(),
                **options,
            )
        except SyntaxError as exc:
            raise QueryError(f"bad SPARQL: {' '.join(str(exc).split())}") from None
        except (OSError, ValueError, TypeError, RuntimeError) as exc:
            raise QueryError(f"query failed: {' '.join(str(exc).split())}") from None

    def prefixes(self) -> dict[str, str]:
        """The project prefixes, declared for every query as rdflib's ``initNs`` does."""
        if self._prefixes is None:
            from kg.core.namespaces import PREFIXES

            self._prefixes = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
        return self._prefixes

    # -- views -----------------------------------------------------------------------

    def dataset(self) -> Dataset:
        from kg.io.parse import add_quads, new_dataset

        data = new_dataset()
        add_quads(data, (_quad(q) for q in self._store))
        return data

    def graph_dumps(self, fmt: str = "N_TRIPLES") -> Iterator[tuple[Any, bytes]]:
        """Every graph (the named graphs, then the default graph) with its content
        serialised by Oxigraph as ``fmt`` (a ``pyoxigraph.RdfFormat`` name), one graph
        at a time: two threads read ahead (Oxigraph serialises without the GIL, and a
        RocksDB store is read faster by two), at most a few graphs held at once."""
        from collections import deque
        from concurrent.futures import ThreadPoolExecutor

        ox = self._ox
        store = self._store
        rdf_format = getattr(ox.RdfFormat, fmt)
        names = [*store.named_graphs(), ox.DefaultGraph()]

        def dump(name: Any) -> bytes:
            data: bytes = store.dump(format=rdf_format, from_graph=name)
            return data

        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kg-dump") as pool:
            pending: deque[tuple[Any, Any]] = deque()
            for name in names:
                pending.append((name, pool.submit(dump, name)))
                if len(pending) > 4:
                    done_name, future = pending.popleft()
                    yield done_name, future.result()
            while pending:
                done_name, future = pending.popleft()
                yield done_name, future.result()

    def union_store(self) -> Any:
        """A new pyoxigraph Store in memory holding the union of every graph in its
        default graph: what ``kg.validation.shacl``'s turbo engine validates on this store (as
        ``kg.io.parse.union_graph`` on a Dataset), built inside Oxigraph.

        Each graph is serialised as N-Triples and loaded into the new store (measured
        fastest: 5.4 s at 10⁶ quads, against 10.5 s for a CONSTRUCT of the union, whose
        deduplication also peaked at 870 MB). Loading renames blank nodes per document,
        so a graph holding one is parsed keeping its labels, which stay the same node
        across graphs."""
        ox = self._ox
        union = ox.Store()
        for _, data in self.graph_dumps("N_TRIPLES"):
            if not data:
                continue
            if b"_:" in data:  # perhaps a blank node (or those characters in a literal)
                union.extend(
                    ox.parse(data, format=ox.RdfFormat.N_TRIPLES, rename_blank_nodes=False)
                )
            else:
                union.load(data, format=ox.RdfFormat.N_TRIPLES, lenient=True)
        return union

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs())

    def graph_quads(self, name: str) -> Iterator[tuple[Node, Node, Node, Node]]:
        """The quads of the named graph ``name``, as rdflib terms."""
        graph = self._ox.NamedNode(name)
        for q in self._store.quads_for_pattern(None, None, None, graph):
            yield _quad(q)

    def version(self) -> str:
        """A string that changes whenever the store is loaded with other data."""
        held = self.manifest() or {}
        digest = json.dumps(held.get("sources", []), sort_keys=True)
        import hashlib

        return hashlib.sha256(digest.encode("utf-8")).hexdigest()[:16]

    def __len__(self) -> int:
        return len(self._store)

    def close(self) -> None:
        store = getattr(self, "_store", None)
        if store is not None:
            self._store = None
            del store


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def to_ox(term: Node) -> Any:
    """The pyoxigraph term for an rdflib term (the inverse of ``to_term``)."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise KgError(f"cannot put {term!r} into an Oxigraph store")


def to_term(value: Any) -> Node:
    """The rdflib term for a pyoxigraph term (an ``xsd:string`` literal is simple)."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if isinstance(value, ox.NamedNode):
        return URIRef(value.value)
    if isinstance(value, ox.BlankNode):
        return BNode(value.value)
    if isinstance(value, ox.Literal):
        if value.language:
            return Literal(value.value, lang=value.language)
        if value.datatype.value == _XSD_STRING:
            return Literal(value.value)
        return Literal(value.value, datatype=URIRef(value.datatype.value))
    if isinstance(value, ox.DefaultGraph):
        from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

        return DATASET_DEFAULT_GRAPH_ID
    raise QueryError(f"the answer holds {value!r}, which kg cannot show (RDF 1.2 triple terms)")


def _quad(q: Any) -> tuple[Node, Node, Node, Node]:
    return (to_term(q.subject), to_term(q.predicate), to_term(q.object), to_term(q.graph_name))


def to_result(
    answer: Any, form: str = "SELECT", max_rows: int | None = None, on_cap: Any = None
) -> Result:
    """A ``kg.sparql.results.Result`` from a pyoxigraph answer to a ``form`` query. With
    ``max_rows``, ``on_cap()`` (an exception) is raised at the first row (or triple)
    over the cap."""
    import pyoxigraph as ox

    from kg.sparql.results import Result

    if isinstance(answer, ox.QueryBoolean):
        return Result("ASK", boolean=bool(answer))
    if isinstance(answer, ox.QuerySolutions):
        variables = [v.value for v in answer.variables]
        rows: list[dict[str, Node]] = []
        # Answers repeat their terms (labels, classes, graphs): each is converted once.
        seen: dict[Any, Node] = {}
        for solution in answer:
            if max_rows is not None and len(rows) >= max_rows:
                raise on_cap()
            row: dict[str, Node] = {}
            for name in variables:
                value = solution[name]
                if value is not None:
                    term = seen.get(value)
                    if term is None:
                        term = seen[value] = to_term(value)
                    row[name] = term
            rows.append(row)
        return Result("SELECT", variables, rows)
    from rdflib import Graph

    from kg.core.namespaces import bind_all

    graph = Graph()
    bind_all(graph)
    for count, triple in enumerate(answer, start=1):
        if max_rows is not None and count > max_rows:
            raise on_cap()
        graph.add((to_term(triple.subject), to_term(triple.predicate), to_term(triple.object)))
    return Result(form if form in ("CONSTRUCT", "DESCRIBE") else "CONSTRUCT", graph=graph)


# -- validating one graph ----------------------------------------------------------------


_DATASETS: dict[tuple[str, ...] | None, Dataset] = {}


def dataset(sources: Sequence[str | Path] | None = None) -> Dataset:
    """The loaded Dataset for ``sources`` (default: the shipped data), loaded once per
    process: queries reuse it instead of parsing the files again."""
    from kg.io.parse import load

    key = tuple(str(Path(s).resolve()) for s in sources) if sources else None
    if key not in _DATASETS:
        _DATASETS[key] = load(list(sources) if sources else None)
    return _DATASETS[key]


def _local_refusals(text: str) -> None:
    # Escapes expanded first, as rdflib's parser does: \u0053ERVICE is SERVICE to it.
    keywords = sparql_text.shape(sparql_text.unescape(text)).keywords
    # rdflib would fetch a FROM graph or a SERVICE endpoint from the network (or read
    # a file: URL); the embedded store already holds every graph.
    for word, why in (
        ("SERVICE", "SERVICE calls another endpoint"),
        ("FROM", "FROM would make rdflib fetch the graph"),
    ):
        if word in keywords:
            raise InputError(
                f"{why}; the embedded store does not go to the network "
                "(use GRAPH for its named graphs, or --endpoint)"
            )


#: rdflib's SPARQL parser (pyparsing) is not thread-safe: parses running at the same
#: time fail, and the failure sticks for the life of the process (pyparsing learns the
#: arity of each parse action on its first call, and two threads teach it wrong). Every
#: parse of SPARQL in kg holds this lock; evaluation needs none.
SPARQL_PARSE_LOCK = threading.Lock()


@lru_cache(maxsize=64)
def _prepared(text: str) -> Any:
    from rdflib.plugins.sparql import prepareQuery

    from kg.core.namespaces import PREFIXES

    try:
        with SPARQL_PARSE_LOCK:
            return prepareQuery(text, initNs=PREFIXES)
    except Exception as exc:  # pyparsing's ParseException, rdflib's own errors
        raise QueryError(f"bad SPARQL: {' '.join(str(exc).split())}") from None


def run_local(
    text: str,
    terms: Mapping[str, Identifier] | None = None,
    sources: Sequence[str | Path] | None = None,
    data: Dataset | None = None,
) -> Result:
    """Run ``text`` on the embedded store with ``terms`` as ``initBindings``."""
    from kg.sparql.results import from_rdflib

    _local_refusals(text)
    prepared = _prepared(text)
    store = data if data is not None else dataset(sources)
    try:
        result = store.query(prepared, initBindings=dict(terms or {}))
        return from_rdflib(result)
    except QueryError:
        raise
    except Exception as exc:
        raise QueryError(f"query failed: {' '.join(str(exc).split())}") from None


def run(
    query: StoredQuery,
    values: Mapping[str, str] | None = None,
    *,
    lang: str | None = None,
    endpoint: str | None = None,
    timeout: float | None = None,
    sources: Sequence[str | Path] | None = None,
    data: Dataset | None = None,
    store: KgStore | str | None = None,
) -> Result:
    """Run a stored query: locally, or on ``endpoint`` when one is given.

    Locally means the embedded rdflib store, unless ``store`` names another: a
    ``kg.store.KgStore`` is queried as it is (load it first; ``sources`` must then be
    None), a store setting (``"memory"``, ``"oxigraph:PATH"``) is opened, loaded with
    ``sources`` (default: the shipped data; a no-op when an Oxigraph store holds them
    already) and closed again. The values are checked first; nothing is loaded or sent
    before they pass.
    """
    terms = bindings(query, values, lang)
    if endpoint is not None:
        from kg.sparql.remote import run_remote

        return run_remote(with_values(query.text, terms), query.form, endpoint, timeout)
    if store is not None and not (isinstance(store, str) and store.strip() == "memory"):
        return run_on_store(query.text, terms, store, sources)
    return run_local(query.text, terms, sources, data)


def run_on_store(
    text: str,
    terms: Mapping[str, Identifier] | None,
    store: KgStore | str,
    sources: Sequence[str | Path] | None = None,
) -> Result:
    """Run ``text`` on ``store``: a KgStore as it is, or a store setting opened, loaded
    with ``sources`` and closed."""
    if not isinstance(store, str):
        if sources is not None:
            raise InputError("give the data to the store (KgStore.load), not to the query")
        return store.query(text, terms)
    from kg.store import open_store

    opened = open_store(store)
    try:
        opened.load(sources)
        return opened.query(text, terms)
    finally:
        opened.close()


def run_text(
    text: str,
    values: Mapping[str, str] | None = None,
    *,
    endpoint: str | None = None,
    timeout: float | None = None,
    sources: Sequence[str | Path] | None = None,
    data: Dataset | None = None,
    store: KgStore | str | None = None,
) -> Result:
    """Run ad-hoc SPARQL; undeclared project prefixes are declared for it."""
    query = parse(with_prefixes(text), name="query")
    return run(
        query,
        values,
        endpoint=endpoint,
        timeout=timeout,
        sources=sources,
        data=data,
        store=store,
    )


def run_case(case: ExpectedCase, **kwargs: Any) -> Result:
    values = {"lang": case.lang} if case.lang else None
    return run(case.query, values, **kwargs)


def export(data: Dataset | KgStore, fmt: str) -> bytes:
    """``data`` serialised as ``fmt`` (a name in ``EXPORTERS``), deterministically.

    ``data`` is an rdflib Dataset or a store (``kg.store``). N-Quads and N-Triples of an
    Oxigraph store are written by Oxigraph's own serialiser (``_store_lines``), the same
    bytes as through an rdflib copy of the store; the other formats, and a store holding
    blank nodes (which need rdflib's canonical labels), go through that copy."""
    from rdflib import Dataset

    from kg.io import serialise

    chosen = serialise.exporter(fmt)
    if isinstance(data, OxigraphStore) and fmt in _STORE_LINE_FORMATS:
        written = _store_lines(data, keep_graphs=chosen.keeps_graphs)
        if written is not None:
            return written
    if not isinstance(data, Dataset):
        data = data.dataset()
    return serialise.export(data, fmt)


#: The formats ``export`` writes from an Oxigraph store without an rdflib copy.
_STORE_LINE_FORMATS = ("nquads", "nt")


# An escape Oxigraph writes and rdflib does not (rdflib leaves tabs, backspaces, form
# feeds and other control characters raw, and escapes only \\, \n, \" and \r, as
# Oxigraph does): a backslash not itself escaped, then t, b, f, u or U.
_OXIGRAPH_ONLY_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\[btfuU]")


def _store_lines(store: OxigraphStore, keep_graphs: bool) -> bytes | None:
    """The N-Quads (``keep_graphs``) or N-Triples lines of an Oxigraph store, written by
    Oxigraph graph by graph and sorted: byte for byte what ``export`` writes from
    ``store.dataset()``; None when the store holds a blank node (or the characters
    ``_:`` anywhere), which the caller exports through rdflib.

    Oxigraph and rdflib write IRIs, language tags and simple literals alike. They differ
    in typed literals (rdflib reads Oxigraph's canonical form and writes its own:
    ``"1E7"^^xsd:double`` as ``"10000000.0"``, a ``Z`` date without it) and in escapes
    (Oxigraph escapes tabs and control characters, rdflib writes them raw): a line with
    either gets its literal as rdflib writes it, computed once per distinct literal with
    the same functions as the rdflib path. UTF-8 bytes sort as their code points, so the
    byte order is rdflib's string order. The default graph is left out, as
    ``canonical_quads`` leaves it out; Oxigraph holds no IRI that ``_refuse_unwritable``
    would refuse (it rejects them on load).
    """
    import pyoxigraph as ox
    from rdflib.plugins.serializers.nt import _quoteLiteral

    from kg.io.serialise import xsd_lexical

    converted: dict[bytes, bytes] = {}

    def literal(text: bytes) -> bytes:
        found = converted.get(text)
        if found is None:
            line = b"<urn:x-kg:s> <urn:x-kg:p> " + text + b" ."
            parsed = next(iter(ox.parse(line, format=ox.RdfFormat.N_TRIPLES)))
            term = xsd_lexical(to_term(parsed.object))
            found = converted[text] = _quoteLiteral(term).encode("utf-8", "replace")  # type: ignore[arg-type]
        return found

    lines: set[bytes] = set()
    for name, data in store.graph_dumps("N_TRIPLES"):
        if isinstance(name, ox.DefaultGraph):
            continue
        if isinstance(name, ox.BlankNode) or b"_:" in data:
            return None
        suffix = b" <" + name.value.encode("utf-8") + b"> ." if keep_graphs else b" ."
        for line in data.split(b"\n"):
            if not line:
                continue
            body = line[:-2]  # "<s> <p> o", without " ."
            if b'"' in body:  # no IRI holds a quote: the object is a literal
                start = body.index(b"> ", body.index(b"> ") + 2) + 2
                value = body[start:]
                if b'"^^<' in value or _OXIGRAPH_ONLY_ESCAPE.search(value):
                    body = body[:start] + literal(value)
            lines.add(body + suffix)
        del data
    if not lines:
        return b""
    return b"\n".join(sorted(lines)) + b"\n"
