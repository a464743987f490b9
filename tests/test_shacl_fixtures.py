"""Invalid fixtures for every constraint of the shapes and every SPARQL check.

Each file in ``tests/fixtures/shacl/`` is a W3C SHACL test-suite style entry (an
``sht:Validate`` with ``mf:action`` and ``mf:result``). Its action is a SPARQL 1.1
Update (``kgt:update``) applied to a copy of the shipped dataset; its result is the
validation report that the mutated dataset must produce, exactly: the set of
(focus node, result path, source shape, constraint component, message, source
constraint) of the actual results must equal the expected set, nothing more.

* A named source shape (``kgsh:LabelVi``, ``kgsh:StatisticShape``) is matched by IRI.
* An anonymous property shape is written ``sh:sourceShape [ sh:path <path> ]`` and is
  matched by its path, together with the component and the message of the result.
* A SHACL-SPARQL constraint also names ``sh:sourceConstraint`` (``kgsh:PartsAddUp``).
* A row of ``queries/checks/NAME-violation.rq`` is written ``kgt:check
  "NAME-violation"`` with its focus node and ``?message``; its path is not compared.
* A blank focus node (``sh:focusNode []``) matches any blank focus node.
* Messages are compared by their text (pyshacl drops the language tag of messages it
  fills in from a SPARQL constraint's template).

``test_every_constraint_has_a_fixture`` reads the constraints from
``ontology/shapes.ttl`` and the checks folder, so a new constraint or check without a
fixture fails the suite.

The fixtures run as ``kg validate`` runs by default: the update is applied to an Oxigraph
store in memory (``kg.store``'s default engine) holding ``base_dataset`` (written once as
N-Quads), which is validated with the ``auto`` engine, turbo (pyshacl-turbo and
pyoxigraph, in the ``test`` extra): 0.16 s of CPU a fixture, where an rdflib copy of the
dataset, updated by rdflib and validated through rdflib's serialisation, took 0.54 s, and
pyshacl takes 3.4 s. Both updates give the same quads but for one literal of
``source-text-not-string``, which rdflib normalises as an ``xsd:normalizedString`` and
Oxigraph keeps as written; the fixture compares its datatype, not its text.
``tests/test_engine_parity.py`` runs pyshacl, the reference, on rdflib copies updated by
rdflib (``mutated``) for one fixture per kind of result, requires the same results from
both engines, and the fixture's expected results from pyshacl.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple, TypeAlias

import pytest
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF
from rdflib.term import Node

from kg.core import paths
from kg.core.namespaces import SH
from kg.core.prefixes import KGSH
from kg.io.parse import add_quads, load, new_dataset, parse_graph
from kg.store import open_store
from kg.store.base import KgStore
from kg.validation.shacl import ValidationResult, render_path, validate

FIXTURE_DIR = Path(__file__).parent / "fixtures" / "shacl"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
KGT = Namespace("https://w3id.org/vn-kg/test#")
CHECK_SUFFIX = "-violation.rq"
#: The check that every statement of the facts has evidence or a mark (see test_invalid_fixture).
STATEMENT_EVIDENCE = ("check", "statement-evidence-violation")

#: Constraint parameters of SHACL Core and the component each one reports as.
COMPONENTS: dict[URIRef, URIRef] = {
    SH[param]: SH[f"{component}ConstraintComponent"]
    for param, component in {
        "class": "Class",
        "datatype": "Datatype",
        "nodeKind": "NodeKind",
        "minCount": "MinCount",
        "maxCount": "MaxCount",
        "minExclusive": "MinExclusive",
        "minInclusive": "MinInclusive",
        "maxExclusive": "MaxExclusive",
        "maxInclusive": "MaxInclusive",
        "minLength": "MinLength",
        "maxLength": "MaxLength",
        "pattern": "Pattern",
        "languageIn": "LanguageIn",
        "uniqueLang": "UniqueLang",
        "equals": "Equals",
        "disjoint": "Disjoint",
        "lessThan": "LessThan",
        "lessThanOrEquals": "LessThanOrEquals",
        "not": "Not",
        "and": "And",
        "or": "Or",
        "xone": "Xone",
        "node": "Node",
        "qualifiedMinCount": "QualifiedMinCount",
        "qualifiedMaxCount": "QualifiedMaxCount",
        "closed": "Closed",
        "hasValue": "HasValue",
        "in": "In",
    }.items()
}
#: sh: predicates on a shape that are not constraints of their own.
NOT_CONSTRAINTS = frozenset(
    SH[name]
    for name in (
        *("path", "property", "sparql", "message", "severity", "deactivated"),
        *("name", "description", "order", "group", "defaultValue", "declare", "prefixes"),
        *("target", "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf"),
        *("flags", "qualifiedValueShape", "qualifiedValueShapesDisjoint", "ignoredProperties"),
    )
)

# -- result keys -------------------------------------------------------------------------

#: A property path as a hashable value: an IRI, ("^", p), ("|", (p, ...)), ("/", (p, ...)),
#: ("*", p), ("+", p) or ("?", p).
PathKey: TypeAlias = URIRef | tuple[str, object]
#: An IRI (named shape), ("anonymous", path) or ("check", "NAME-violation").
ShapeKey: TypeAlias = URIRef | tuple[str, object]
BLANK = "_:blank"  # any blank focus node


class ResultKey(NamedTuple):
    focus: Node | str
    path: PathKey | None
    shape: ShapeKey
    component: URIRef | None
    message: str
    constraint: Node | None

    def constraint_id(self) -> tuple[object, ...]:
        """What this result counts as coverage of (anonymous shapes by path and message)."""
        shape: object = self.shape
        if isinstance(shape, tuple) and shape[0] == "anonymous":
            shape = (*shape, self.message)
        return (shape, self.component, self.constraint)


def path_key(graphs: Iterable[Graph], node: Node) -> PathKey:
    """A SHACL property path as a hashable value, read from the first graph describing it."""
    graphs = tuple(graphs)
    if isinstance(node, URIRef):
        return node
    for graph in graphs:
        if graph.value(node, RDF.first) is not None:
            members = tuple(path_key(graphs, p) for p in Collection(graph, node))
            return ("/", members)
        for predicate, tag in (
            (SH.inversePath, "^"),
            (SH.zeroOrMorePath, "*"),
            (SH.oneOrMorePath, "+"),
            (SH.zeroOrOnePath, "?"),
        ):
            inner = graph.value(node, predicate)
            if inner is not None:
                return (tag, path_key(graphs, inner))
        alternatives = graph.value(node, SH.alternativePath)
        if alternatives is not None:
            return ("|", tuple(path_key(graphs, p) for p in Collection(graph, alternatives)))
    raise AssertionError(f"cannot read the property path {node!r}")


def _focus(node: Node | None) -> Node | str:
    assert node is not None, "a result without sh:focusNode"
    return BLANK if isinstance(node, BNode) else node


def _check_name(shape: Node | None) -> str | None:
    """The check a result of ``kg.validation.shacl`` comes from (its source shape names
    it: ``kgsh:NAME`` for a shipped check, ``urn:kg:check:NAME`` for another)."""
    text = str(shape) if isinstance(shape, URIRef) else ""
    suffix = CHECK_SUFFIX.removesuffix(".rq")
    for prefix in (KGSH, "urn:kg:check:"):
        if text.startswith(prefix) and text.endswith(suffix):
            return text[len(prefix) :]
    return None


def test_a_check_is_named_by_an_iri_that_is_no_file_path(tmp_path: Path) -> None:
    from kg.validation.shacl import check_iri

    shipped_check = next(paths.checks_dir().glob("*" + CHECK_SUFFIX))
    name = shipped_check.name.removesuffix(".rq")
    assert check_iri(shipped_check) == URIRef(KGSH + name)
    own = tmp_path / "my check-violation.rq"
    assert check_iri(own) == URIRef("urn:kg:check:my%20check-violation")


def _report_results(report: Graph) -> Iterator[Node]:
    for report_node in report.subjects(RDF.type, SH.ValidationReport):
        yield from report.objects(report_node, SH.result)


def actual_keys(result: ValidationResult, shapes: Graph) -> set[ResultKey]:
    """The results of a ``kg.validation.shacl`` run, from its report graph."""
    report = result.report_graph
    graphs = (shapes, report)
    keys: set[ResultKey] = set()
    for node in _report_results(report):
        shape = report.value(node, SH.sourceShape)
        message = " | ".join(sorted(str(m) for m in report.objects(node, SH.resultMessage)))
        focus = _focus(report.value(node, SH.focusNode))
        check = _check_name(shape)
        if check is not None:
            keys.add(ResultKey(focus, None, ("check", check), None, message, None))
            continue
        path = report.value(node, SH.resultPath)
        shape_key: ShapeKey
        if isinstance(shape, BNode):
            shape_path = shapes.value(shape, SH.path) or report.value(shape, SH.path)
            assert shape_path is not None, f"anonymous source shape without sh:path: {node}"
            shape_key = ("anonymous", path_key(graphs, shape_path))
        else:
            assert isinstance(shape, URIRef), f"result without sh:sourceShape: {node}"
            shape_key = shape
        keys.add(
            ResultKey(
                focus,
                path_key(graphs, path) if path is not None else None,
                shape_key,
                report.value(node, SH.sourceConstraintComponent),  # type: ignore[arg-type]
                message,
                report.value(node, SH.sourceConstraint),
            )
        )
    return keys


# -- fixtures ----------------------------------------------------------------------------


class Fixture(NamedTuple):
    name: str
    label: str
    update: str
    expected: frozenset[ResultKey]


def read_fixture(path: Path) -> Fixture:
    try:
        graph = Graph().parse(path, format="turtle", publicID=path.resolve().as_uri())
    except Exception as exc:  # a syntax error names the fixture, not rdflib's internals
        raise AssertionError(f"{path.name}: not valid Turtle: {exc}") from None
    tests = list(graph.subjects(RDF.type, SHT.Validate))
    assert len(tests) == 1, f"{path.name}: expected one sht:Validate, found {len(tests)}"
    test = tests[0]
    label = graph.value(test, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
    action = graph.value(test, MF.action)
    update = graph.value(action, KGT.update) if action is not None else None
    assert isinstance(update, Literal), f"{path.name}: mf:action has no kgt:update"
    report = graph.value(test, MF.result)
    assert report is not None, f"{path.name}: no mf:result"
    assert (report, RDF.type, SH.ValidationReport) in graph, f"{path.name}: result not a report"
    conforms = graph.value(report, SH.conforms)
    assert conforms is not None and conforms.toPython() is False, (
        f"{path.name}: an invalid fixture expects sh:conforms false"
    )
    expected: set[ResultKey] = set()
    for node in graph.objects(report, SH.result):
        message = " | ".join(sorted(str(m) for m in graph.objects(node, SH.resultMessage)))
        assert message, f"{path.name}: an expected result without sh:resultMessage"
        focus = _focus(graph.value(node, SH.focusNode))
        check = graph.value(node, KGT.check)
        if check is not None:
            expected.add(ResultKey(focus, None, ("check", str(check)), None, message, None))
            continue
        shape = graph.value(node, SH.sourceShape)
        shape_key: ShapeKey
        if isinstance(shape, BNode):
            shape_path = graph.value(shape, SH.path)
            assert shape_path is not None, f"{path.name}: anonymous sh:sourceShape needs sh:path"
            shape_key = ("anonymous", path_key([graph], shape_path))
        else:
            assert isinstance(shape, URIRef), f"{path.name}: a result without sh:sourceShape"
            shape_key = shape
        component = graph.value(node, SH.sourceConstraintComponent)
        assert isinstance(component, URIRef), f"{path.name}: no sh:sourceConstraintComponent"
        result_path = graph.value(node, SH.resultPath)
        expected.add(
            ResultKey(
                focus,
                path_key([graph], result_path) if result_path is not None else None,
                shape_key,
                component,
                message,
                graph.value(node, SH.sourceConstraint),
            )
        )
    assert expected, f"{path.name}: expects no result"
    return Fixture(path.stem, str(label or path.stem), str(update), frozenset(expected))


def fixture_paths() -> list[Path]:
    return sorted(FIXTURE_DIR.glob("*.ttl"))


def mutated(base: Dataset, update: str) -> Dataset:
    """A copy of ``base`` with ``update`` applied; ``base`` is left as it is.

    The copy is of parsed quads: the shipped files are parsed once per module."""
    dataset = new_dataset()
    add_quads(dataset, base.quads((None, None, None, None)))  # type: ignore[arg-type]
    dataset.update(update)
    return dataset


def compare(fixture: Fixture, actual: set[ResultKey]) -> str:
    """Empty when ``actual`` is exactly what ``fixture`` expects, else what differs."""
    missing = fixture.expected - actual
    unexpected = actual - fixture.expected
    if not missing and not unexpected:
        return ""
    return (
        f"{fixture.name}: {fixture.label}\n"
        + "".join(f"  missing:    {k}\n" for k in sorted(missing, key=repr))
        + "".join(f"  unexpected: {k}\n" for k in sorted(unexpected, key=repr))
    )


@pytest.fixture(scope="module")
def base_dataset() -> Dataset:
    """The shipped dataset: ontology, vocabulary and every data/**/*.trig, by graph."""
    return load()


@pytest.fixture(scope="module")
def base_quads(base_dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``base_dataset`` as one N-Quads file, which each fixture's store loads afresh."""
    path = tmp_path_factory.mktemp("shacl-fixtures") / "shipped.nq"
    path.write_bytes(base_dataset.serialize(format="nquads", encoding="utf-8"))
    return path


def mutated_store(base_quads: Path, update: str) -> KgStore:
    """A new Oxigraph store in memory holding ``base_quads`` with ``update`` applied."""
    store = open_store("memory")
    store.load([base_quads])
    store.update(update)
    return store


@pytest.fixture(scope="module")
def shapes_graph() -> Graph:
    return parse_graph(paths.shapes_path())


# -- constraints declared by the shapes and the checks ------------------------------------


def _shapes_with_constraints(shapes: Graph) -> list[Node]:
    """Node shapes (typed or targeted) and the property shapes they list."""
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape))
    for predicate in targets:
        node_shapes.update(shapes.subjects(predicate, None))
    found: list[Node] = []
    for node_shape in sorted(node_shapes):
        found.append(node_shape)
        found.extend(sorted(shapes.objects(node_shape, SH.property)))
    return found


def declared_constraints(shapes: Graph, checks_dir: Path) -> dict[tuple[object, ...], str]:
    """Every constraint there is, as ``ResultKey.constraint_id`` values, with a description."""
    declared: dict[tuple[object, ...], str] = {}
    anonymous: dict[tuple[object, ...], Node] = {}
    for shape in _shapes_with_constraints(shapes):
        message = " | ".join(sorted(str(m) for m in shapes.objects(shape, SH.message)))
        shape_id: object
        if isinstance(shape, BNode):
            path = shapes.value(shape, SH.path)
            assert path is not None, "a nested node shape with its own target is not supported"
            shape_id = ("anonymous", path_key([shapes], path), message)
            assert shape_id not in anonymous, (
                f"two anonymous property shapes with the same path and message: {shape_id}"
            )
            anonymous[shape_id] = shape
            parent = shapes.value(None, SH.property, shape)
            owner = shapes.namespace_manager.normalizeUri(parent) if parent is not None else ""
            name = f"{owner} [ sh:path {render_path(shapes, path)} ] ({message})"
        else:
            shape_id = shape
            name = shapes.namespace_manager.normalizeUri(shape)
        for predicate, value in shapes.predicate_objects(shape):
            if predicate == SH.sparql:
                constraint = f"SPARQL {shapes.namespace_manager.normalizeUri(value)}"
                declared[(shape_id, SH.SPARQLConstraintComponent, value)] = f"{name} {constraint}"
            elif predicate in COMPONENTS:
                component = COMPONENTS[predicate]
                declared[(shape_id, component, None)] = f"{name} {component.fragment}"
            elif str(predicate).startswith(str(SH)) and predicate not in NOT_CONSTRAINTS:
                raise AssertionError(f"{name}: unknown SHACL parameter {predicate}")
    for check in sorted(checks_dir.glob(f"*{CHECK_SUFFIX}")):
        declared[(("check", check.stem), None, None)] = f"check {check.name}"
    return declared


# -- tests -------------------------------------------------------------------------------


def test_shipped_data_conforms(base_dataset: Dataset, shapes_graph: Graph) -> None:
    result = validate(base_dataset, shapes=shapes_graph)
    assert result.results == [], result.text()
    assert result.conforms


@pytest.mark.slow
@pytest.mark.parametrize("path", fixture_paths(), ids=lambda p: p.stem)
def test_invalid_fixture(path: Path, base_quads: Path, shapes_graph: Graph) -> None:
    fixture = read_fixture(path)
    store = mutated_store(base_quads, fixture.update)
    try:
        result = validate(store, shapes=shapes_graph)
    finally:
        store.close()
    actual = actual_keys(result, shapes_graph)
    if not any(key.shape == STATEMENT_EVIDENCE for key in fixture.expected):
        # A fixture that adds a triple to the facts to break another constraint adds it
        # without evidence: that the statement check names it is not what it tests.
        actual = {key for key in actual if key.shape != STATEMENT_EVIDENCE}
    difference = compare(fixture, actual)
    assert not difference, difference
    assert not result.conforms


def test_every_constraint_has_a_fixture(shapes_graph: Graph) -> None:
    declared = declared_constraints(shapes_graph, paths.checks_dir())
    expected: set[tuple[object, ...]] = set()
    for path in fixture_paths():
        expected.update(key.constraint_id() for key in read_fixture(path).expected)
    missing = sorted(description for cid, description in declared.items() if cid not in expected)
    assert not missing, f"{len(missing)} constraint(s) without an invalid fixture:\n" + "\n".join(
        missing
    )
    unknown = sorted(repr(cid) for cid in expected - set(declared))
    assert not unknown, "fixtures expect constraints the shapes do not declare:\n" + "\n".join(
        unknown
    )
