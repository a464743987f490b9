"""Validate the dataset: SHACL shapes first, then the stored SPARQL checks.

One module because both engines end in the same report: the SHACL results and the
checks' rows rendered, sorted and added to one report graph by the same code, so that
the two engines cannot drift apart in what a user reads.

SHACL runs through pyshacl on the union of all named graphs, with the ontology and
vocabulary graphs as ``ont_graph`` so that ``rdfs:subClassOf`` counts for targets.
No inference is run (``inference='none'``): the data must state what the shapes ask
for. ``advanced=True`` enables SHACL-SPARQL constraints and SHACL-AF targets.

Each ``queries/checks/*-violation.rq`` is a SELECT whose every row is a violation.
Its first ``#`` comment line is the message of its results unless a row binds
``?message``; rows may bind ``?focus``, ``?path`` and ``?value``. A header line
``# severity: Warning`` (or ``Info``) lowers the severity of a check's results. A check
runs on the union of the data's graphs, unless its header says ``# graphs: named``: then
it runs on the data as they are, and reads its graphs with ``GRAPH`` (where the data are
one graph, such a check finds nothing).

Two engines give the same results (``tests/test_engine_parity.py`` compares them):

* ``pyshacl``, the reference: pyshacl for the shapes, rdflib's SPARQL for the checks.
* ``turbo``: pyshacl-turbo (SHACL in Rust) for the shapes and Oxigraph for the checks,
  both on the union of the data's graphs, built once in an Oxigraph store in memory from
  the N-Triples of each graph the store holds (``_validate_turbo``; no rdflib copy).
  Both are core dependencies, pyshacl-turbo only on the platforms it has wheels for
  (pyproject.toml).

``auto`` (the default) is ``turbo`` when both packages are importable, else ``pyshacl``.
The result says which engine ran, and which version of it (``ValidationResult.engine``,
the first line of ``text()``).

Differences the turbo engine is allowed, and why they do not change results:

* pyshacl gets the ontology and vocabulary graphs as ``ont_graph``; turbo does not,
  because the data graph is the union of all graphs and so already holds every triple
  ``ont_graph`` would mix in.
* A pyoxigraph Store keeps literals of XSD datatypes in canonical form
  (``"07"^^xsd:integer`` is read back as ``"7"``, ``xsd:nonNegativeInteger`` as
  ``xsd:integer``), which is why SHACL never runs on the Store. A check that returned
  such a literal as ``?value``, or put its ``STR`` into ``?message``, would show the
  canonical form; no shipped check tests datatypes or lexical forms of such literals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from kg.core import paths
from kg.core.errors import InputError, KgError, QueryError
from kg.core.namespaces import G_ONTOLOGY, G_VOCABULARY, SH
from kg.core.terms import short_name
from kg.io.parse import parse_graph, union_graph
from kg.sparql.parse import SparqlSyntaxError, prepare
from kg.sparql.policy import refuse_remote
from kg.store import shipped
from kg.store.base import KgStore
from kg.store.oxigraph import graphs_of, union_of
from kg.store.rdflib import RdflibStore

SEVERITIES = ("Violation", "Warning", "Info")
_SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
_SEVERITY_LINE = re.compile(r"^#\s*severity\s*:\s*(\w+)\s*$", re.IGNORECASE)
_GRAPHS_LINE = re.compile(r"^#\s*graphs\s*:\s*named\s*$", re.IGNORECASE)
CHECK_SUFFIX = "-violation.rq"
#: The names ``validate(engine=...)`` and ``kg validate --engine`` accept.
ENGINES = ("auto", "pyshacl", "turbo")
_CHECK_VARIABLES = ("focus", "path", "value", "message")
#: The distribution that runs the shapes, per engine: its version names the engine.
_ENGINE_DISTRIBUTIONS = {"pyshacl": "pyshacl", "turbo": "pyshacl-turbo"}


@dataclass(frozen=True, order=False)
class Result:
    """One validation result, every field already rendered for people."""

    severity: str
    focus_node: str
    path: str | None
    value: str | None
    source_shape: str
    constraint_component: str
    message: str

    def sort_key(self) -> tuple[int, str, str, str, str, str, str]:
        return (
            _SEVERITY_RANK.get(self.severity, len(SEVERITIES)),
            self.focus_node,
            self.path or "",
            self.source_shape,
            self.constraint_component,
            self.value or "",
            self.message,
        )


@dataclass
class ValidationResult:
    conforms: bool
    results: list[Result]
    #: pyshacl's report graph, with one sh:ValidationResult added per check row
    report_graph: Graph = field(repr=False)
    #: The engine that ran, for people (``engine_description``); empty if not known.
    engine: str = ""

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for result in self.results:
            counts[result.severity] = counts.get(result.severity, 0) + 1
        return counts

    def summary(self) -> str:
        parts = [
            f"{n} {name.lower()}{'s' if n != 1 else ''}" for name, n in self.counts().items() if n
        ]
        verdict = "conforms" if self.conforms else "does not conform"
        return f"{verdict}: " + (", ".join(parts) if parts else "no results")

    def text(self, *, with_engine: bool = True) -> str:
        """The report for people: the engine line (unless ``with_engine`` is false or
        the engine is not known), every result, and the summary line."""
        lines: list[str] = [f"engine: {self.engine}"] if with_engine and self.engine else []
        for result in self.results:
            lines.append(f"{result.severity}: {result.message}")
            lines.append(f"  focus node: {result.focus_node}")
            if result.path is not None:
                lines.append(f"  path:       {result.path}")
            if result.value is not None:
                lines.append(f"  value:      {result.value}")
            lines.append(f"  shape:      {result.source_shape}")
            lines.append(f"  constraint: {result.constraint_component}")
            lines.append("")
        lines.append(f"Validation {self.summary()}")
        return "\n".join(lines) + "\n"

    def to_turtle(self) -> str:
        """The report graph in Turtle, after a comment naming the engine: a comment, so
        that the graph, which both engines make the same, stays the same."""
        from kg.io.serialise import export_graph

        turtle = export_graph(self.report_graph, "turtle").decode("utf-8")
        return f"# engine: {self.engine}\n{turtle}" if self.engine else turtle


def turbo_available() -> bool:
    """Whether the turbo engine can run: pyshacl-turbo and pyoxigraph are importable."""
    from importlib.util import find_spec

    return all(find_spec(name) is not None for name in ("pyshacl_turbo", "pyoxigraph"))


def resolve_engine(engine: str = "auto") -> str:
    """``pyshacl`` or ``turbo``: the engine ``engine`` stands for here."""
    if engine not in ENGINES:
        raise InputError(f"unknown validation engine {engine!r} (known: {', '.join(ENGINES)})")
    if engine == "auto":
        return "turbo" if turbo_available() else "pyshacl"
    if engine == "turbo" and not turbo_available():
        raise KgError(
            "the turbo engine needs pyshacl-turbo, which kg installs only where it has "
            "binary wheels; elsewhere pip install 'vn-kg[fast]' builds it (Rust), "
            "or use --engine pyshacl"
        )
    return engine


def engine_description(engine: str = "auto") -> str:
    """The engine ``engine`` stands for here and the version of what runs its shapes,
    as ``kg validate`` reports it: ``turbo (pyshacl-turbo 0.6.5)``."""
    from importlib.metadata import PackageNotFoundError, version

    resolved = resolve_engine(engine)
    distribution = _ENGINE_DISTRIBUTIONS[resolved]
    try:
        return f"{resolved} ({distribution} {version(distribution)})"
    except PackageNotFoundError:  # importable without metadata: a source checkout
        return f"{resolved} ({distribution})"


def validate(
    dataset: Dataset | KgStore | None = None,
    shapes: Graph | str | Path | None = None,
    checks_dir: str | Path | None = None,
    engine: str = "auto",
) -> ValidationResult:
    """Validate ``dataset`` (default: the shipped data) against ``shapes`` (default:
    ``ontology/shapes.ttl``) and the checks in ``checks_dir`` (default:
    ``queries/checks``), with ``engine`` (``auto``, ``pyshacl`` or ``turbo``).

    ``dataset`` is an rdflib Dataset or a store (``kg.store``). The turbo engine works
    on the union of the store's graphs built inside Oxigraph from the graphs the store
    dumps (no rdflib copy); the pyshacl engine on the store's rdflib Dataset."""
    engine = resolve_engine(engine)
    ran = engine_description(engine)
    shapes_graph = _shapes(shapes)
    refuse_unsafe_shapes(shapes_graph, shapes if isinstance(shapes, str | Path) else None)
    directory = paths.checks_dir() if checks_dir is None else Path(checks_dir)
    checks = _check_files(directory)
    if dataset is None:
        store: KgStore = shipped()
    elif isinstance(dataset, Dataset):
        store = RdflibStore(dataset)
    else:
        store = dataset
    if engine == "turbo":
        return replace(_validate_turbo(store, shapes_graph, checks), engine=ran)
    data_set = store.dataset()
    data = union_graph(data_set)
    if len(shapes_graph):
        conforms, report = _pyshacl(data_set, data, shapes_graph)
    else:
        conforms, report = True, _empty_report()
    union = RdflibStore(data_set, union_default=True)
    found = [(check, run_check(check, None, union)) for check in checks]
    return replace(_result(conforms, report, shapes_graph, found), engine=ran)


def _validate_turbo(store: KgStore, shapes_graph: Graph, checks: list[Path]) -> ValidationResult:
    """The turbo engine: SHACL in Rust and the checks on Oxigraph, on the union of the
    store's graphs built once in an Oxigraph store in memory (``union_of``).

    The checks run on it in a second thread while pyshacl-turbo validates a snapshot of
    it (its N-Quads text, taken as pyshacl-turbo takes it from any Store): pyshacl-turbo
    releases the GIL, so the two share the machine's cores, and the union is dropped as
    soon as the checks are done, halfway through the SHACL validation.

    The data are Oxigraph's, literals in canonical form, as a query on an Oxigraph store
    sees them; through rdflib, a few of those forms read differently (an ``xsd:double``
    ``"10000000"`` as ``"10000000.0"``, a date's ``Z``), which only a shape on lexical
    forms, or a result's value, could show; no shipped or generated data hold such a
    literal."""
    from concurrent.futures import ThreadPoolExecutor

    on_store = [check for check in checks if read_check(check).named_graphs]
    dumps = list(store.graph_dumps())
    union = union_of(iter(dumps))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-checks") as pool:
        on_union = [check for check in checks if check not in on_store]
        checking = pool.submit(_run_checks, union, on_union)
        data = _turbo_input(union.native()) if len(shapes_graph) else None
        del union  # the checks hold it until they are done
        if data is None:
            conforms, report = True, _empty_report()
        else:
            conforms, report = _turbo_shacl(data, shapes_graph)
        del data
        found = checking.result()
    # The union has lost which graph a triple came from; these checks need to know, and
    # run on Oxigraph holding the graphs apart, whatever engine holds the data (rdflib
    # took 1.1 s for the statement-evidence check that Oxigraph answers in 0.03 s).
    found += _run_checks(graphs_of(iter(dumps)) if on_store else store, on_store)
    del dumps
    return _result(conforms, report, shapes_graph, found)


def _run_checks(
    store: KgStore, checks: list[Path]
) -> list[tuple[Path, list[tuple[Result, dict[str, Node | None]]]]]:
    """Every check on the default graph of ``store``."""
    return [(check, run_check(check, None, store)) for check in checks]


def _turbo_input(union: Any) -> Any:
    """What pyshacl-turbo is given for the pyoxigraph Store ``union``: the snapshot it
    would take of it itself (``pyshacl_turbo.rdf.input_graph``: the N-Quads text), so
    that the Store can be dropped before the validation ends; the Store itself if that
    function is not there (another pyshacl-turbo)."""
    try:
        from pyshacl_turbo.rdf import input_graph
    except ImportError:
        return union
    return input_graph(union)  # type: ignore[no-untyped-call]


def _result(
    conforms: bool,
    report: Graph,
    shapes_graph: Graph,
    found: list[tuple[Path, list[tuple[Result, dict[str, Node | None]]]]],
) -> ValidationResult:
    """The SHACL report's results and the checks' (each check file with its results),
    added to the report, sorted."""
    results = [_shacl_result(report, node, shapes_graph) for node in _result_nodes(report)]
    for check, check_results in found:
        for result, row_node in check_results:
            results.append(result)
            _add_to_report(report, result, row_node, check)
        if any(r.severity == "Violation" for r, _ in check_results):
            conforms = False
    _set_conforms(report, bool(conforms))
    results.sort(key=Result.sort_key)
    return ValidationResult(conforms=bool(conforms), results=results, report_graph=report)


# -- SHACL -----------------------------------------------------------------------------


def _pyshacl(dataset: Dataset, data: Graph, shapes: Graph) -> tuple[bool, Graph]:
    import pyshacl

    ontology = Graph()
    for name in (G_ONTOLOGY, G_VOCABULARY):
        for triple in dataset.graph(name):
            ontology.add(triple)
    conforms, report, text = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology if len(ontology) else None,
        inference="none",
        advanced=True,
        allow_warnings=True,
        allow_infos=True,
    )
    if not isinstance(report, Graph):
        raise KgError(f"pyshacl could not validate: {' '.join(str(text).split())[:300]}")
    return bool(conforms), report


def _turbo_shacl(data: Any, shapes: Graph) -> tuple[bool, Graph]:
    """pyshacl-turbo on ``data``: an rdflib Graph, or a pyoxigraph Store holding the
    union in its default graph (which pyshacl-turbo reads as N-Quads, no rdflib)."""
    import pyshacl_turbo

    # No ont_graph: ``data`` is the union of every graph, ontology and vocabulary
    # included, so there is nothing for pyshacl's ontology mixing to add.
    try:
        conforms, report, text = pyshacl_turbo.validate(
            data,
            shacl_graph=shapes,
            inference="none",
            advanced=True,
            allow_warnings=True,
            allow_infos=True,
        )
    except NotImplementedError as exc:
        # A SHACL feature the native engine does not have (it says which).
        raise KgError(f"pyshacl-turbo cannot validate: {exc} (try --engine pyshacl)") from None
    if not isinstance(report, Graph):
        raise KgError(f"pyshacl-turbo could not validate: {text}")
    if not isinstance(data, Graph):
        _simple_strings(report)
    return bool(conforms), report


def _simple_strings(report: Graph) -> None:
    """Data terms in ``report`` (values, focus nodes) that are ``xsd:string`` literals,
    written as simple literals: pyshacl-turbo reading a pyoxigraph Store reports them
    typed, where the same data read into rdflib (``kg.store.to_term``) is simple. The
    same term in RDF 1.1; written the same way, the results read the same."""
    for predicate in (SH.value, SH.focusNode):
        for node, term in list(report.subject_objects(predicate)):
            if isinstance(term, Literal) and term.datatype == XSD.string and not term.language:
                report.remove((node, predicate, term))
                report.add((node, predicate, Literal(str(term))))


def _shapes(shapes: Graph | str | Path | None) -> Graph:
    if isinstance(shapes, Graph):
        return shapes
    if shapes is None:
        default = paths.shapes_path()
        # Before the shapes are written there is nothing to check them against.
        return parse_graph(default) if default.is_file() else Graph()
    return parse_graph(shapes)


#: SPARQL words that would make an engine leave the machine: rdflib and pyoxigraph
#: both call a SERVICE endpoint (pyoxigraph from native code, out of sight of Python's
#: audit hooks), rdflib loads a FROM / FROM NAMED graph from its IRI, LOAD fetches.
#: Where a shapes graph holds SPARQL (constraints, targets, rules, functions).
_SHAPE_SPARQL = frozenset(SH[name] for name in ("select", "ask", "construct", "update"))


def refuse_unsafe_shapes(shapes: Graph, where: str | Path | None = None) -> None:
    """Raise InputError if a shapes graph could run code or reach the network:
    SHACL-JS (``sh:js``, ``sh:jsLibrary``, ``sh:jsLibraryURL``, ``sh:jsFunctionName``,
    a ``sh:JS...`` class) or SPARQL with SERVICE, FROM or LOAD. ``owl:imports`` in
    shapes is never followed (pyshacl's ``do_owl_imports`` stays off)."""
    sh = str(SH)
    for _, p, o in shapes:
        for term in (p, o) if p == RDF.type else (p,):
            if isinstance(term, URIRef) and str(term).startswith(sh):
                local = str(term)[len(sh) :]
                if local.lower().startswith("js"):
                    raise InputError(
                        f"SHACL-JS (sh:{local}) is refused: kg runs no JavaScript and "
                        "fetches no library",
                        where,
                    )
        if p in _SHAPE_SPARQL and isinstance(o, Literal):
            refuse_remote(str(o), None if where is None else str(where))


def _empty_report() -> Graph:
    report = Graph()
    report.add((BNode(), RDF.type, SH.ValidationReport))
    return report


def _set_conforms(report: Graph, conforms: bool) -> None:
    for node in report.subjects(RDF.type, SH.ValidationReport):
        report.set((node, SH.conforms, Literal(conforms)))


def _result_nodes(report: Graph) -> list[Node]:
    # Only the results the report lists; nested sh:detail results belong to them.
    return [
        r
        for report_node in report.subjects(RDF.type, SH.ValidationReport)
        for r in report.objects(report_node, SH.result)
    ]


def _severity(node: Node | None) -> str:
    if isinstance(node, URIRef) and str(node).startswith(str(SH)):
        return str(node)[len(str(SH)) :]
    return short_name(node) if node is not None else "Violation"


def _shacl_result(report: Graph, node: Node, shapes: Graph) -> Result:
    focus = report.value(node, SH.focusNode)
    path = report.value(node, SH.resultPath)
    value = report.value(node, SH.value)
    shape = report.value(node, SH.sourceShape)
    component = report.value(node, SH.sourceConstraintComponent)
    messages = sorted(str(m) for m in report.objects(node, SH.resultMessage))
    if not messages and shape is not None:
        messages = sorted(str(m) for m in shapes.objects(shape, SH.message))
    return Result(
        severity=_severity(report.value(node, SH.resultSeverity)),
        focus_node=short_name(focus) if focus is not None else "",
        path=render_path(report, path) if path is not None else None,
        value=short_name(value) if value is not None else None,
        source_shape=_shape_name(shapes, shape),
        constraint_component=short_name(component) if component is not None else "",
        message=" | ".join(messages) if messages else "(no message)",
    )


def _shape_name(shapes: Graph, shape: Node | None) -> str:
    if shape is None:
        return ""
    if not isinstance(shape, BNode):
        return short_name(shape)
    # A property shape nested in a node shape is a blank node: name it by its parent
    # and path, which is how the shapes file reads.
    parent = shapes.value(None, SH.property, shape)
    path = shapes.value(shape, SH.path)
    rendered = render_path(shapes, path) if path is not None else "[]"
    if parent is not None:
        return f"{_shape_name(shapes, parent)} / {rendered}"
    return f"[property shape {rendered}]"


def render_path(graph: Graph, path: Node, depth: int = 0) -> str:
    """A SHACL property path written the SPARQL way (``^p``, ``p/q``, ``(p|q)``, ``p*``)."""
    if not isinstance(path, BNode) or depth > 10:
        return short_name(path)
    first = graph.value(path, RDF.first)
    if first is not None:
        return "/".join(render_path(graph, p, depth + 1) for p in Collection(graph, path))
    for predicate, template in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = graph.value(path, predicate)
        if inner is not None:
            return template.format(render_path(graph, inner, depth + 1))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        members = (render_path(graph, p, depth + 1) for p in Collection(graph, alternatives))
        return "(" + "|".join(members) + ")"
    return short_name(path)


# -- SPARQL checks ---------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    path: Path
    name: str
    message: str
    severity: str
    query: str
    #: ``# graphs: named`` in the header: the check reads named graphs (``GRAPH``), so it
    #: runs on the store as it is, not on the union of its graphs
    named_graphs: bool = False


def _check_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(directory.glob(f"*{CHECK_SUFFIX}"))


def read_check(path: Path) -> Check:
    try:
        query = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    except UnicodeDecodeError:
        raise InputError("not valid UTF-8", path) from None
    header = _header_comments(query)
    severity = "Violation"
    description: list[str] = []
    named_graphs = False
    for line in header:
        match = _SEVERITY_LINE.match(line)
        if _GRAPHS_LINE.match(line):
            named_graphs = True
        elif match:
            severity = match.group(1).capitalize()
            if severity not in SEVERITIES:
                raise InputError(f"unknown severity {match.group(1)!r}", path)
        else:
            description.append(line.lstrip("#").strip())
    description = [d for d in description if d]
    name = path.name[: -len(CHECK_SUFFIX)] if path.name.endswith(CHECK_SUFFIX) else path.stem
    message = description[0] if description else f"check {name} failed"
    return Check(
        path=path,
        name=name,
        message=message,
        severity=severity,
        query=query,
        named_graphs=named_graphs,
    )


def _header_comments(query: str) -> list[str]:
    lines: list[str] = []
    for line in query.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            lines.append(stripped)
        elif stripped:
            break
    return lines


def check_runner(graph: Graph, engine: str = "auto") -> KgStore:
    """The store the check queries run on for ``engine``, holding ``graph`` as its
    default graph: Oxigraph for ``turbo``, rdflib for ``pyshacl``. Build it once and run
    every check on it."""
    if resolve_engine(engine) == "turbo":
        return union_of(iter([(None, graph.serialize(format="nt", encoding="utf-8"))]))
    dataset = Dataset(default_union=False)
    default = dataset.default_context
    for triple in graph:
        default.add(triple)
    return RdflibStore(dataset)


def run_check(
    path: Path, graph: Graph | None, store: KgStore | None = None
) -> list[tuple[Result, dict[str, Node | None]]]:
    """Run one check file on ``store`` (default: rdflib over ``graph``, which may then
    not be None): its results, each with the row it came from.

    The check is parsed by rdflib first, whatever engine runs it, so that a syntax
    error reads the same (its message, line and column) on every engine."""
    check = read_check(path)
    refuse_remote(check.query, str(path))
    try:
        form = prepare(check.query).form
    except SparqlSyntaxError as exc:
        raise QueryError(f"bad SPARQL query: {exc.reason}", path, exc.line, exc.column) from None
    if form != "SELECT":
        raise QueryError(f"a check must be a SELECT query, not {form}", path)
    if store is None:
        if graph is None:
            raise KgError("run_check needs a graph or a store")
        store = check_runner(graph, "pyshacl")
    try:
        answer = store.query(check.query)
    except QueryError as exc:
        raise QueryError(exc.message, path, exc.line, exc.column) from None
    results: list[tuple[Result, dict[str, Node | None]]] = []
    for row in answer.rows:
        bound: dict[str, Node | None] = {k: row.get(k) for k in _CHECK_VARIABLES}
        focus, row_path, value, message = (bound[k] for k in ("focus", "path", "value", "message"))
        result = Result(
            severity=check.severity,
            focus_node=short_name(focus) if focus is not None else "",
            path=short_name(row_path) if row_path is not None else None,
            value=short_name(value) if value is not None else None,
            source_shape=path.name,
            constraint_component=check.name,
            message=str(message) if message is not None else check.message,
        )
        results.append((result, bound))
    return results


def check_iri(check: Path) -> URIRef:
    """The IRI that names a SPARQL check in a report: ``kgsh:NAME`` for a shipped check
    (``queries/checks/NAME.rq``), ``urn:kg:check:NAME`` for one of ``--checks``. Never
    its file's path, which would tell a published report where the files were."""
    from urllib.parse import quote

    from kg.core.prefixes import KGSH

    name = check.name.removesuffix(".rq")
    try:
        shipped_check = check.resolve().parent == paths.checks_dir().resolve()
    except OSError:
        shipped_check = False
    if shipped_check:
        return URIRef(KGSH + quote(name, safe=""))
    return URIRef("urn:kg:check:" + quote(name, safe=""))


def _add_to_report(report: Graph, result: Result, row: dict[str, Node | None], check: Path) -> None:
    # The check rows go into the SHACL report too, so `--format turtle` shows all.
    reports: Iterable[Node] = report.subjects(RDF.type, SH.ValidationReport)
    report_node = next(iter(reports), None)
    if report_node is None:
        report_node = BNode()
        report.add((report_node, RDF.type, SH.ValidationReport))
    node = BNode()
    report.add((report_node, SH.result, node))
    report.add((node, RDF.type, SH.ValidationResult))
    report.add((node, SH.resultSeverity, SH[result.severity]))
    report.add((node, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
    report.add((node, SH.sourceShape, check_iri(check)))
    report.add((node, SH.resultMessage, Literal(result.message)))
    for key, predicate in (("focus", SH.focusNode), ("path", SH.resultPath), ("value", SH.value)):
        term = row.get(key)
        if term is not None:
            report.add((node, predicate, term))
