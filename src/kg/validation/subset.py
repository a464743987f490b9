"""Validating some named graphs only (``kg validate --graph``): the subset of the data
that validating them needs, and the report restricted to their focus nodes."""

from __future__ import annotations

from collections.abc import Sequence

from rdflib import Dataset
from rdflib.term import Node

from kg.core.errors import InputError
from kg.validation.shacl import ValidationResult


def graph_subset(dataset: Dataset, names: Sequence[str]) -> tuple[Dataset, set[Node]]:
    """What validating the named graphs ``names`` needs, and their focus nodes.

    The subset holds the graphs ``names`` whole; the ontology and vocabulary graphs
    whole; every quad (of any graph) about a node those graphs mention, and about the
    nodes those quads point to (two hops out, not through ``rdf:type``); and every quad
    that points at a subject of those graphs (one hop in). The focus nodes are the
    subjects of ``names``: kg validate --graph reports the results about them only.

    What the shapes and checks follow from a focus node within those hops sees the same
    data as in a full validation. Checks that walk longer chains (the cycle check over
    ``kgo:subOrganizationOf+``) or look at the whole data (a label used twice anywhere)
    may see less; docs/stores.md lists them.
    """
    from rdflib import Literal, URIRef
    from rdflib.namespace import RDF

    from kg.core.namespaces import G_ONTOLOGY, G_VOCABULARY
    from kg.io.parse import add_quads, new_dataset

    present = {str(g.identifier) for g in dataset.graphs()}
    missing = [n for n in names if n not in present]
    if missing:
        raise InputError(f"no graph <{missing[0]}> in the data (kg stats lists the graphs)")
    quads: set[tuple[Node, Node, Node, Node]] = set()
    focus: set[Node] = set()
    mentioned: set[Node] = set()
    for name in [*names, str(G_ONTOLOGY), str(G_VOCABULARY)]:
        graph = dataset.get_context(URIRef(name))
        for s, p, o in graph:
            quads.add((s, p, o, graph.identifier))
            if name in names:
                focus.add(s)
                mentioned.add(s)
                if p != RDF.type and not isinstance(o, Literal):
                    mentioned.add(o)

    def about(nodes: set[Node]) -> set[Node]:
        reached: set[Node] = set()
        for node in nodes:
            for s, p, o, g in dataset.quads((node, None, None, None)):
                quads.add((s, p, o, g))  # type: ignore[arg-type]
                if p != RDF.type and not isinstance(o, Literal):
                    reached.add(o)
        return reached - nodes

    about(about(mentioned))
    for node in focus:
        for s, p, o, g in dataset.quads((None, None, node, None)):
            quads.add((s, p, o, g))  # type: ignore[arg-type]
    subset = new_dataset()
    add_quads(subset, sorted(quads, key=lambda q: tuple(str(t) for t in q)))
    return subset, focus


def restrict(result: ValidationResult, focus: set[Node]) -> ValidationResult:
    """``result`` with only the results about ``focus`` nodes (in its report graph too),
    and conforming unless one of those is a violation."""
    from rdflib import Literal
    from rdflib.namespace import RDF

    from kg.core.namespaces import SH
    from kg.core.terms import short_name
    from kg.validation.shacl import ValidationResult

    shown = {short_name(node) for node in focus}
    kept = [r for r in result.results if r.focus_node in shown]
    conforms = not any(r.severity == "Violation" for r in kept)
    report = result.report_graph
    for report_node in list(report.subjects(RDF.type, SH.ValidationReport)):
        for node in list(report.objects(report_node, SH.result)):
            if report.value(node, SH.focusNode) not in focus:
                report.remove((report_node, SH.result, node))
        report.set((report_node, SH.conforms, Literal(conforms)))
    return ValidationResult(
        conforms=conforms, results=kept, report_graph=report, engine=result.engine
    )
