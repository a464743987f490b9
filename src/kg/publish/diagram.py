"""A picture of the model, generated from the ontology: Mermaid and Graphviz DOT.

What is drawn:

* every class the ontology declares in the ``kgo:`` namespace;
* ``rdfs:subClassOf`` edges from those classes to named classes, local or external
  (external classes are drawn too, marked ``<<external>>``);
* every ``owl:ObjectProperty`` as a labelled association from each class in its
  ``rdfs:domain`` to each class in its ``rdfs:range`` (``owl:unionOf`` lists are
  expanded; a missing domain or range is ``owl:Thing``);
* every ``owl:DatatypeProperty`` as an attribute of its domain class(es).

Everything is sorted, so the same ontology always gives the same text.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from kg.core.errors import InputError, OutputError
from kg.core.namespaces import KGO
from kg.core.terms import short_name

README_START = "<!-- model:start -->"
README_END = "<!-- model:end -->"


@dataclass
class Model:
    """The parts of the ontology a diagram shows, by prefixed name, all sorted."""

    local: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    #: (subclass, superclass)
    subclass_of: list[tuple[str, str]] = field(default_factory=list)
    #: (domain, property, range)
    associations: list[tuple[str, str, str]] = field(default_factory=list)
    #: class -> [(property, datatype)]
    attributes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def _members(graph: Graph, node: Node) -> list[Node]:
    """The named classes ``node`` stands for: itself, or the members of its union."""
    if isinstance(node, URIRef):
        return [node]
    union = graph.value(node, OWL.unionOf)
    if isinstance(node, BNode) and union is not None:
        return [m for m in Collection(graph, union) if isinstance(m, URIRef)]
    return []


def _ends(graph: Graph, prop: Node, predicate: URIRef, default: URIRef) -> list[str]:
    found: list[Node] = []
    for value in graph.objects(prop, predicate):
        found.extend(_members(graph, value))
    return sorted({short_name(n) for n in found} or {short_name(default)})


def model(graph: Graph) -> Model:
    """What to draw of ``graph`` (the ontology)."""
    local_nodes = {
        c
        for kind in (OWL.Class, RDFS.Class)
        for c in graph.subjects(RDF.type, kind)
        if isinstance(c, URIRef) and str(c).startswith(str(KGO))
    }
    local = {short_name(c) for c in local_nodes}
    result = Model()
    classes = set(local)

    for cls in local_nodes:
        for parent in graph.objects(cls, RDFS.subClassOf):
            for member in _members(graph, parent):
                result.subclass_of.append((short_name(cls), short_name(member)))
                classes.add(short_name(member))

    for prop in set(graph.subjects(RDF.type, OWL.ObjectProperty)):
        name = short_name(prop)
        for domain in _ends(graph, prop, RDFS.domain, OWL.Thing):
            for range_ in _ends(graph, prop, RDFS.range, OWL.Thing):
                result.associations.append((domain, name, range_))
                classes.update((domain, range_))

    for prop in set(graph.subjects(RDF.type, OWL.DatatypeProperty)):
        name = short_name(prop)
        datatype = ", ".join(_ends(graph, prop, RDFS.range, RDFS.Literal))
        for domain in _ends(graph, prop, RDFS.domain, OWL.Thing):
            result.attributes.setdefault(domain, []).append((name, datatype))
            classes.add(domain)

    result.local = sorted(local)
    result.external = sorted(classes - local)
    result.subclass_of = sorted(set(result.subclass_of))
    result.associations = sorted(set(result.associations))
    result.attributes = {k: sorted(set(v)) for k, v in sorted(result.attributes.items())}
    return result


def _ident(name: str) -> str:
    # Mermaid and DOT identifiers: "kgo:Person" -> "kgo_Person".
    return re.sub(r"\W", "_", name)


def _mermaid_label(text: str) -> str:
    # A colon in a relation label would start a new label in Mermaid's grammar;
    # Mermaid decodes the entity code "#58;" back to ":" when it draws.
    return text.replace(":", "#58;")


def mermaid(graph: Graph) -> str:
    """The model as a Mermaid ``classDiagram``."""
    m = model(graph)
    lines = ["classDiagram", "    direction LR"]
    for name in (*m.local, *m.external):
        attributes = m.attributes.get(name, [])
        if not attributes:
            lines.append(f'    class {_ident(name)}["{name}"]')
            continue
        # Inside braces a member may contain colons; after "Class :" it may not.
        lines.append(f'    class {_ident(name)}["{name}"] {{')
        lines.extend(f"        +{datatype} {prop}" for prop, datatype in attributes)
        lines.append("    }")
    for name in m.external:
        lines.append(f"    <<external>> {_ident(name)}")
    for child, parent in m.subclass_of:
        lines.append(f"    {_ident(parent)} <|-- {_ident(child)}")
    for domain, prop, range_ in m.associations:
        lines.append(f"    {_ident(domain)} --> {_ident(range_)} : {_mermaid_label(prop)}")
    return "\n".join(lines) + "\n"


def _dot_escape(text: str) -> str:
    return re.sub(r'([{}|<>"\\])', r"\\\1", text)


def dot(graph: Graph) -> str:
    """The model as a Graphviz ``digraph``."""
    m = model(graph)
    lines = [
        "digraph model {",
        "    rankdir=LR;",
        '    node [shape=record, fontname="Helvetica", fontsize=10];',
        '    edge [fontname="Helvetica", fontsize=9];',
    ]
    for name in (*m.local, *m.external):
        fields = "".join(
            f"{_dot_escape(p)} : {_dot_escape(t)}\\l" for p, t in m.attributes.get(name, [])
        )
        # With rankdir=LR a record's top level stacks vertically: name over attributes.
        label = f"{_dot_escape(name)}|{fields}" if fields else _dot_escape(name)
        style = ', style=filled, fillcolor="#eeeeee"' if name in m.external else ""
        lines.append(f'    {_ident(name)} [label="{label}"{style}];')
    for child, parent in m.subclass_of:
        lines.append(f"    {_ident(child)} -> {_ident(parent)} [arrowhead=empty];")
    for domain, prop, range_ in m.associations:
        lines.append(f'    {_ident(domain)} -> {_ident(range_)} [label="{_dot_escape(prop)}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


RENDERERS = {"mermaid": mermaid, "dot": dot}


def render(graph: Graph, fmt: str) -> str:
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise InputError(
            f"unknown diagram format {fmt!r} (valid: {', '.join(RENDERERS)})"
        ) from None
    return renderer(graph)


def readme_block(mermaid_text: str) -> str:
    return f"{README_START}\n```mermaid\n{mermaid_text}```\n{README_END}"


def replace_readme_block(readme: str, mermaid_text: str, path: Path | None = None) -> str:
    """``readme`` with the text between the model markers replaced by the diagram."""
    start = readme.find(README_START)
    end = readme.find(README_END, start + len(README_START)) if start >= 0 else -1
    if start < 0 or end < 0:
        raise InputError(f"no {README_START} ... {README_END} block to rewrite", path)
    return readme[:start] + readme_block(mermaid_text) + readme[end + len(README_END) :]


def render_svg(dot_text: str) -> bytes | None:
    """The DOT text rendered by Graphviz, or None when ``dot`` is not installed."""
    executable = shutil.which("dot")
    if executable is None:
        return None
    try:
        done = subprocess.run(
            [executable, "-Tsvg"], input=dot_text.encode(), capture_output=True, check=True
        )
    except subprocess.CalledProcessError as exc:
        raise OutputError(f"dot failed: {exc.stderr.decode(errors='replace').strip()}") from None
    return done.stdout
