"""The rdflib engine: the data in an rdflib Dataset in memory (``--store rdflib``).

One module because the deadline, the views for FROM and the copy-on-write updates all
work on the same snapshot of the data: apart, each would have to know the others' locks.

The reference engine of the Python API, and the one whose evaluation kg can stop: a
per-thread deadline is checked by the store as it yields triples (``DeadlineMemory``)
*and* every time rdflib's evaluator makes a solution (``FrozenBindings``: joins,
products of ``VALUES``, ``BIND``, projections), so a cartesian product stops at the
deadline even when rdflib has materialised one side and loops in pure Python. What
escapes is one long step that makes no solution: sorting rows already made, one
regular expression on one long string (Python's ``re`` holds the GIL), serialising.

The row cap is enforced while rows stream out of rdflib: a SELECT stops at the first
row over it. A query with a dataset (FROM, FROM NAMED, or the protocol's parameters)
runs on a view holding only those graphs (cached per data version), never on the
shared data, and rdflib never loads a graph itself (``SPARQL_LOAD_GRAPHS = False``).

Updates run on a copy of the data under a lock and replace it in one assignment when
the whole request succeeded: a reader sees the data before or after an update, never
half of it, and a failed update changes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import rdflib.plugins.sparql
from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.stores.memory import Memory
from rdflib.term import Identifier

from kg.core.errors import InputError, QueryError, QueryTimeout, Refused, TooManyRows, one_line
from kg.core.namespaces import bind_all
from kg.sparql import parse
from kg.sparql.policy import LOCAL, DatasetSpec, Policy, check_query, check_update
from kg.sparql.results import Result, in_query_order, plain_literal, rdf_triples
from kg.sparql.terms import Term, to_rdflib
from kg.store.base import (
    NO_LIMITS,
    UNION_DEFAULT_GRAPH,
    Limits,
    cap_message,
    source_files,
)

# Never let rdflib fetch a FROM / FROM NAMED / USING / LOAD graph from the network or
# a file: the engine decides which graphs a query sees.
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False


def _rdflib_terms(terms: Mapping[str, Term | Identifier] | None) -> dict[str, Identifier]:
    """``terms`` as rdflib's ``initBindings`` takes them."""
    return {name: cast(Identifier, to_rdflib(term)) for name, term in (terms or {}).items()}


# -- the deadline -------------------------------------------------------------------------


class _Deadline(threading.local):
    at: float | None = None


_deadline = _Deadline()


def _check_deadline() -> None:
    at = _deadline.at
    if at is not None and time.monotonic() > at:
        raise QueryTimeout("the query ran past the time limit")


class DeadlineMemory(Memory):
    """rdflib's in-memory store, checking the running thread's deadline as it yields."""

    def triples(self, triple_pattern: Any, context: Any = None) -> Iterator[Any]:  # type: ignore[override]
        _check_deadline()
        for count, item in enumerate(super().triples(triple_pattern, context), 1):
            if not count & 0xFF:
                _check_deadline()
            yield item


def _install_solution_check() -> None:
    """Check the deadline whenever rdflib's evaluator makes a solution. The check costs
    a thread-local read on threads without a deadline."""
    from rdflib.plugins.sparql import sparql

    original = sparql.FrozenBindings.__init__
    if getattr(original, "_kg_deadline", False):
        return

    def __init__(self: Any, ctx: Any, *args: Any, **kwargs: Any) -> None:
        at = _deadline.at
        if at is not None and time.monotonic() > at:
            raise QueryTimeout("the query ran past the time limit")
        original(self, ctx, *args, **kwargs)

    __init__._kg_deadline = True  # type: ignore[attr-defined]
    sparql.FrozenBindings.__init__ = __init__  # type: ignore[method-assign]


_install_solution_check()


class _deadline_of:
    """Set the running thread's deadline for the length of a ``with`` block."""

    def __init__(self, limits: Limits) -> None:
        self.timeout = limits.timeout

    def __enter__(self) -> None:
        _deadline.at = None if self.timeout is None else time.monotonic() + self.timeout

    def __exit__(self, *exc: object) -> None:
        _deadline.at = None


# -- the data ------------------------------------------------------------------------------


def new_dataset(union: bool = False) -> Dataset:
    """An empty Dataset whose store checks the deadline."""
    dataset = Dataset(store=DeadlineMemory(), default_union=union)
    bind_all(dataset)
    return dataset


def copy_of(source: Dataset, union: bool = False) -> Dataset:
    target = new_dataset(union)
    # Dataset.quads gives graph names; the default graph is DATASET_DEFAULT_GRAPH_ID.
    target.store.addN(
        (s, p, o, target.get_context(g)) for s, p, o, g in source.quads((None, None, None, None))
    )
    return target


def default_graph(dataset: Dataset) -> Graph:
    """The default graph (``default_graph`` in rdflib 7.2+, ``default_context`` before)."""
    graph: Graph = getattr(type(dataset), "default_graph", None) and dataset.default_graph  # type: ignore[assignment]
    return graph if graph is not None else dataset.default_context


def _names(dataset: Dataset) -> frozenset[str]:
    return frozenset(
        str(c.identifier)
        for c in dataset.store.contexts()
        if c.identifier != DATASET_DEFAULT_GRAPH_ID and isinstance(c.identifier, URIRef)
    )


def content_version(dataset: Dataset) -> str:
    """A hash of the quads, independent of their order."""
    total = 0
    for quad in dataset.quads((None, None, None, None)):
        text = " ".join(term.n3() if term is not None else "" for term in quad)
        digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
        total = (total + int.from_bytes(digest, "big")) % (1 << 64)
    return f"{total:016x}{len(dataset):x}"


@dataclass(frozen=True)
class _Snapshot:
    """The data at one moment: an update replaces the whole snapshot at once.
    ``queried`` is the same quads with the default graph as the store shows it (the
    union of the named graphs, or not): another Dataset over the same rdflib store."""

    dataset: Dataset
    queried: Dataset
    generation: int
    names: frozenset[str]


_SHIPPED: dict[tuple[str, ...] | None, Dataset] = {}
_SHIPPED_LOCK = threading.Lock()


def shared_dataset(sources: Sequence[str | Path] | None = None) -> Dataset:
    """The Dataset of ``sources`` (default: the article's data, as ``kg.io.parse.load``
    gives it: rdflib takes seconds to parse the gazetteer and minutes to query it, so it
    is held by the Oxigraph engines alone), parsed once per process
    and shared by every read-only user (never updated in place: updates copy)."""
    from kg.io.parse import load

    key = tuple(str(Path(s).resolve()) for s in sources) if sources else None
    with _SHIPPED_LOCK:
        if key not in _SHIPPED:
            _SHIPPED[key] = load(list(sources) if sources else None, into=new_dataset())
        return _SHIPPED[key]


class RdflibStore:
    """rdflib in memory. Until ``load`` is called it holds the shipped data (parsed
    once per process, ``shared_dataset``); ``RdflibStore(dataset)`` holds a Dataset
    that is already loaded, as it is (queries read it; an update replaces it)."""

    def __init__(
        self,
        data: Dataset | None = None,
        *,
        policy: Policy = LOCAL,
        union_default: bool = UNION_DEFAULT_GRAPH,
    ) -> None:
        self.spec = "rdflib"
        self.policy = policy
        self.union_default = union_default
        self._snapshot: _Snapshot | None = None
        self._generations = itertools.count()
        self._update_lock = threading.Lock()
        self._views: OrderedDict[tuple[int, DatasetSpec], Dataset] = OrderedDict()
        self._views_lock = threading.Lock()
        self._version: tuple[int, str] | None = None
        if data is not None:
            self._hold(data)

    def _hold(self, data: Dataset) -> None:
        # Every snapshot a store holds gets a new generation, never reused (a load after
        # an update must not find the update's cached views or version).
        generation = next(self._generations)
        queried = data
        if data.default_union != self.union_default:
            queried = Dataset(store=data.store, default_union=self.union_default)
        self._snapshot = _Snapshot(data, queried, generation, _names(data))

    @property
    def snapshot(self) -> _Snapshot:
        if self._snapshot is None:
            self._hold(shared_dataset())
        assert self._snapshot is not None
        return self._snapshot

    # -- loading -------------------------------------------------------------------

    def load(self, sources: Sequence[str | Path] | None = None) -> None:
        if sources is None:
            self._hold(shared_dataset())
            return
        from kg.io.parse import load

        self._hold(load(source_files(sources), into=new_dataset()))

    # -- queries ---------------------------------------------------------------------

    def query(
        self,
        text: str,
        terms: Mapping[str, Term | Identifier] | None = None,
        *,
        dataset: DatasetSpec | None = None,
        base: str | None = None,
        limits: Limits = NO_LIMITS,
    ) -> Result:
        snapshot = self.snapshot
        verdict = check_query(text, snapshot.names.__contains__, self.policy, dataset, _prefixes())
        prepared = parse.prepare(text, base)
        with _deadline_of(limits):
            try:
                target = self._view(snapshot, verdict.dataset, verdict.remote)
                bound = {
                    name: cast(Identifier, to_rdflib(term)) for name, term in (terms or {}).items()
                }
                raw = target.query(streamed(prepared.query), initBindings=bound)
                return in_query_order(from_rdflib(raw, prepared.form, limits.max_rows), text)
            except QueryError:
                raise
            except RecursionError:
                raise QueryError("query failed: the query is nested too deeply") from None
            except Exception as exc:
                raise QueryError(f"query failed: {one_line(exc)}") from None

    def _view(self, snapshot: _Snapshot, spec: DatasetSpec, remote: Sequence[str]) -> Dataset:
        """The dataset a query runs on: the data itself, or a view holding only the
        graphs ``spec`` names (a copy, cached per data generation), with the graphs in
        ``remote`` fetched (only when the policy allows it)."""
        if not spec:
            return snapshot.queried
        key = (snapshot.generation, spec)
        with self._views_lock:
            if key in self._views:
                self._views.move_to_end(key)
                return self._views[key]
        fetched = {name: fetch_graph(name) for name in set(remote)}
        view = new_dataset()

        def triples(name: str) -> Iterator[tuple[Any, Any, Any]]:
            if name in fetched:
                yield from fetched[name]
            else:
                # get_context does not add a graph to the store (Dataset.graph would).
                yield from snapshot.dataset.get_context(URIRef(name)).triples((None, None, None))

        default = default_graph(view)
        for name in spec.default:
            view.store.addN((s, p, o, default) for s, p, o in triples(name))
        for name in spec.named:
            context = view.get_context(URIRef(name))
            view.store.addN((s, p, o, context) for s, p, o in triples(name))
            view.store.add_graph(context)
        if not fetched:  # fetched graphs may change: never cached
            with self._views_lock:
                self._views[key] = view
                while len(self._views) > 16:
                    self._views.popitem(last=False)
        return view

    # -- updates ---------------------------------------------------------------------

    def update(
        self,
        text: str,
        *,
        using: DatasetSpec | None = None,
        base: str | None = None,
        limits: Limits = NO_LIMITS,
    ) -> None:
        check_update(text, self.policy)
        update = parse.prepare_update(text, base)
        for operation in update.algebra:
            if using and (operation.using or operation.withClause):
                raise QueryError(
                    "using-graph-uri/using-named-graph-uri given with USING or WITH in the "
                    "update: the protocol forbids both"
                )
        with self._update_lock, _deadline_of(limits):
            current = self.snapshot
            work = copy_of(current.dataset, current.dataset.default_union)
            try:
                self._apply(work, update, using)
            except QueryError:
                raise
            except Exception as exc:
                raise QueryError(f"update failed: {one_line(exc)}") from None
            self._hold(work)
            with self._views_lock:
                self._views.clear()

    def _apply(self, dataset: Dataset, update: Any, using: DatasetSpec | None) -> None:
        from rdflib.plugins.sparql import update as rdflib_update
        from rdflib.plugins.sparql.sparql import QueryContext

        for operation in update.algebra:
            ctx = QueryContext(dataset, initBindings={})
            ctx.prologue = operation.prologue
            try:
                if operation.name == "Modify" and (using or operation.using):
                    self._modify_using(ctx, operation, using)
                else:
                    getattr(rdflib_update, f"eval{operation.name}")(ctx, operation)
            except QueryTimeout:
                raise
            except Exception:
                if not operation.silent:
                    raise

    def _modify_using(self, ctx: Any, operation: Any, using: DatasetSpec | None) -> None:
        """DELETE/INSERT ... WHERE with a dataset for its WHERE (USING, USING NAMED or
        the protocol's parameters): rdflib's own evalModify would not restrict the
        named graphs, so the WHERE runs on a copy holding only those graphs."""
        from rdflib.plugins.sparql.evaluate import evalPart
        from rdflib.plugins.sparql.sparql import QueryContext
        from rdflib.plugins.sparql.update import _fillTemplate  # type: ignore[attr-defined]

        if not using:
            using = DatasetSpec(
                tuple(str(d.default) for d in operation.using if d.default is not None),
                tuple(str(d.named) for d in operation.using if d.named is not None),
            )
        dataset = ctx.dataset
        where = new_dataset()
        for name in using.default:
            where.store.addN(
                (s, p, o, default_graph(where))
                for s, p, o in dataset.get_context(URIRef(name)).triples((None, None, None))
            )
        for name in using.named:
            context = where.get_context(URIRef(name))
            where.store.addN(
                (s, p, o, context)
                for s, p, o in dataset.get_context(URIRef(name)).triples((None, None, None))
            )
            where.store.add_graph(context)
        where_ctx = QueryContext(where, initBindings={})
        where_ctx.prologue = operation.prologue
        solutions = list(evalPart(where_ctx, operation.where))
        if operation.withClause:
            ctx = ctx.pushGraph(dataset.get_context(operation.withClause))
        for solution in solutions:
            target = ctx.graph if type(ctx.graph) is Graph else default_graph(dataset)
            if operation.delete:
                target -= _fillTemplate(operation.delete.triples, solution)
                for g, quads in operation.delete.quads.items():
                    dataset.get_context(solution.get(g)).__isub__(_fillTemplate(quads, solution))
            if operation.insert:
                target += _fillTemplate(operation.insert.triples, solution)
                for g, quads in operation.insert.quads.items():
                    dataset.get_context(solution.get(g)).__iadd__(_fillTemplate(quads, solution))

    # -- views -----------------------------------------------------------------------

    def prepare(self, texts: Sequence[str]) -> None:
        for text in texts:
            with contextlib.suppress(QueryError):
                parse.prepare(text)

    def graph_names(self) -> list[str]:
        return sorted(self.snapshot.names)

    def graph_dumps(self) -> Iterator[tuple[str | None, bytes]]:
        from kg.io.serialise import export_graph

        dataset = self.snapshot.dataset
        for name in self.graph_names():
            graph = dataset.get_context(URIRef(name))
            yield name, export_graph(graph, "nt") if len(graph) else b""
        default = default_graph(dataset)
        if len(default):
            yield None, export_graph(default, "nt")

    def dataset(self) -> Dataset:
        return self.snapshot.dataset

    def export(self, fmt: str) -> bytes:
        from kg.io.serialise import export

        return export(self.snapshot.dataset, fmt)

    def version(self) -> str:
        snapshot = self.snapshot
        known = self._version
        if known is None or known[0] != snapshot.generation:
            known = self._version = (snapshot.generation, content_version(snapshot.dataset))
        return known[1]

    def __len__(self) -> int:
        return len(self.snapshot.dataset)

    def close(self) -> None:
        self._snapshot = None


def _prefixes() -> dict[str, str]:
    from kg.core.namespaces import PREFIXES

    return {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}


# -- CONSTRUCT and DESCRIBE as a stream ------------------------------------------------
#
# rdflib builds the whole graph of a CONSTRUCT or DESCRIBE answer before returning it:
# the triple cap could only be checked after the memory was spent. kg's own queries
# (marked by ``streamed``) are evaluated here instead, the answer being a generator of
# triples that ``from_rdflib`` consumes under the deadline and the cap.


@lru_cache(maxsize=256)
def streamed(query: Any) -> Any:
    """``query`` (a prepared rdflib Query, cached by ``kg.sparql.parse``) marked so that
    a CONSTRUCT or DESCRIBE answers with a stream of triples; other forms unchanged."""
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.plugins.sparql.sparql import Query

    algebra = query.algebra
    if algebra.name not in ("ConstructQuery", "DescribeQuery"):
        return query
    marked = CompValue(algebra.name, **dict(algebra.items()))
    marked["kg_streamed"] = True
    return Query(query.prologue, marked)


def _graph_answer(ctx: Any, part: Any) -> dict[str, Any]:
    """rdflib's custom evaluation of a ``streamed`` CONSTRUCT or DESCRIBE."""
    # dict.get: CompValue.get gives the key itself for a key it does not hold.
    if part.name not in ("ConstructQuery", "DescribeQuery") or not dict.get(part, "kg_streamed"):
        raise NotImplementedError  # rdflib evaluates it as usual
    if part.name == "ConstructQuery":
        return {"type_": "CONSTRUCT", "graph": _constructed(ctx, part)}
    return {"type_": "DESCRIBE", "graph": _described(ctx, part)}


def _constructed(ctx: Any, part: Any) -> Iterator[tuple[Any, Any, Any]]:
    from rdflib.plugins.sparql.evaluate import evalPart
    from rdflib.plugins.sparql.evalutils import _fillTemplate

    template = part.template or _where_pattern(part)  # CONSTRUCT WHERE: the pattern itself
    for solution in evalPart(ctx, part.p):
        yield from _fillTemplate(template, solution)


def _where_pattern(part: Any) -> list[Any]:
    """The triples of ``CONSTRUCT WHERE { … }``: its basic graph pattern, under whatever
    LIMIT, OFFSET, ORDER BY or DISTINCT wrap it (rdflib looks two levels down only, so
    ``CONSTRUCT WHERE { … } LIMIT 1`` failed)."""
    node = part.p
    while node is not None and dict.get(node, "triples") is None:
        node = dict.get(node, "p")
    return list(dict.get(node, "triples") or []) if node is not None else []


def _described(ctx: Any, part: Any) -> Iterator[tuple[Any, Any, Any]]:
    """What rdflib's DESCRIBE gives (the concise bounded description of each resource),
    one resource at a time."""
    from rdflib.plugins.sparql.evaluate import evalPart

    resources = {iri for iri in part.PV if isinstance(iri, URIRef)}
    if part.p is not None:
        for solution in evalPart(ctx, part.p):
            resources.update(solution.values())
    for resource in resources:
        yield from ctx.graph.cbd(resource)


rdflib.plugins.sparql.CUSTOM_EVALS["kg-graph-answers"] = _graph_answer


def from_rdflib(raw: Any, form: str | None = None, max_rows: int | None = None) -> Result:
    """A Result from an rdflib query result; TooManyRows at the first row (or triple)
    over ``max_rows``. A simple literal and an ``xsd:string`` are the same term in RDF
    1.1; rdflib keeps them apart, the W3C formats and the other engines do not.
    A graph answer keeps only RDF triples (``kg.sparql.results.rdf_triples``: SPARQL
    1.1 §16.2.1 leaves out the rest); a streamed one (``streamed``) stops at the first
    triple over the cap."""
    form = form or str(raw.type)
    if form == "SELECT":
        variables = [str(v) for v in raw.vars or []]
        rows: list[dict[str, Any]] = []
        for row in raw:  # rows stream out of rdflib: stop at the first over the cap
            if max_rows is not None and len(rows) >= max_rows:
                raise TooManyRows(cap_message(max_rows, "rows"))
            rows.append(
                {
                    name: plain_literal(term)
                    for name, term in zip(variables, row, strict=True)
                    if term is not None
                }
            )
        return Result("SELECT", variables, rows)
    if form == "ASK":
        return Result("ASK", boolean=bool(raw.askAnswer))
    graph = Graph()
    bind_all(graph)
    for triple in rdf_triples(raw.graph if raw.graph is not None else ()):
        graph.add(triple)
        if max_rows is not None and len(graph) > max_rows:
            raise TooManyRows(cap_message(max_rows, "triples"))
    return Result(form, graph=graph)


def fetch_graph(name: str, max_bytes: int = 10_485_760) -> Graph:
    """``name`` fetched over HTTP(S) (only when the policy allows remote FROM): Turtle,
    N-Triples or RDF/XML without a DTD, at most ``max_bytes``, within the query's
    remaining time."""
    import urllib.parse
    import urllib.request

    from kg.io.parse import refuse_dtd

    parsed = urllib.parse.urlparse(name)
    if parsed.scheme not in ("http", "https"):
        raise Refused(f"<{name}> is not in the store and not an http(s) URL to fetch")
    at = _deadline.at
    seconds = max(0.1, at - time.monotonic()) if at is not None else 10.0
    request = urllib.request.Request(
        name,
        headers={"Accept": "text/turtle, application/n-triples;q=0.9, application/rdf+xml;q=0.8"},
    )
    from kg.sparql.remote import Budget, exchange

    try:
        # The one transport of remote exchanges: no redirect followed, the whole
        # exchange within the time left, the size cap applied while reading.
        _, headers, body = exchange(request, Budget(seconds), max_bytes, f"<{name}>")
        content_type = (headers.get("Content-Type") or "").split(";")[0].strip()
    except Exception as exc:
        raise Refused(f"cannot fetch <{name}>: {one_line(exc)}") from None
    syntax = {
        "application/n-triples": "nt",
        "text/plain": "nt",
        "application/rdf+xml": "xml",
    }.get(content_type, "turtle")
    if syntax == "xml":
        try:
            refuse_dtd(body, name)
        except InputError as exc:
            raise Refused(exc.message) from None
    graph = Graph()
    try:
        graph.parse(data=body, format=syntax, publicID=name)
    except Exception as exc:
        raise Refused(f"<{name}> is not {syntax}: {one_line(exc)}") from None
    return graph
