"""A reference page of the ontology and its vocabularies, generated as Markdown.

Like the pages pyLODE or Widoco make, but small and deterministic: every local class
and property with its Vietnamese and English labels, its definition, its superclasses
or superproperties, domain and range, and an example from the data; then every
concept scheme with its concepts. ``kg generate reference`` writes it to
``docs/ontology.md``; ``kg serve`` answers the ontology IRI with the same reference
for browsers (``reference()`` is the model both render).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from kg.core.namespaces import G_ONTOLOGY, G_VOID, KGO, ONTOLOGY_IRI
from kg.core.terms import short_name

_KINDS = (
    (OWL.Class, "Classes"),
    (OWL.ObjectProperty, "Object properties"),
    (OWL.DatatypeProperty, "Datatype properties"),
)
_DCT = "http://purl.org/dc/terms/"
#: Graphs that define the terms or describe the dataset: no examples from them (the
#: vocabulary's concepts are data for the properties they use, such as kgo:rank).
_NOT_DATA = {str(G_ONTOLOGY), str(G_VOID)}
#: Characters of a literal shown in an example; the source text is a whole article.
EXAMPLE_CHARS = 80


@dataclass(frozen=True)
class Example:
    """One use of a term in the data: an instance of a class, a triple of a property."""

    subject: URIRef
    subject_label: str = ""
    value: Node | None = None


@dataclass(frozen=True)
class Term:
    iri: URIRef
    name: str  # kgo:Local
    local: str  # the IRI's fragment, the page's anchor
    labels: dict[str, str]
    definition: str
    relations: list[tuple[str, list[str]]]  # ("domain", ["kgo:X", ...])
    example: Example | None


@dataclass(frozen=True)
class Concept:
    name: str
    vi: str
    en: str
    broader: list[str]


@dataclass(frozen=True)
class Scheme:
    iri: URIRef
    vi: str
    en: str
    definition: str
    concepts: list[Concept]


@dataclass(frozen=True)
class Reference:
    iri: str
    version: str
    version_iri: str
    licence: str
    description: str
    sections: list[tuple[str, list[Term]]]
    schemes: list[Scheme] = field(default_factory=list)


def _text(graph: Graph, subject: Node, predicate: URIRef, lang: str) -> str:
    for value in graph.objects(subject, predicate):
        if isinstance(value, Literal) and value.language == lang:
            return str(value)
    return ""


def _names(nodes: Iterable[Node]) -> list[str]:
    return sorted(short_name(node) for node in nodes if isinstance(node, URIRef))


def _examples(graph: Graph, data: Dataset | None) -> dict[URIRef, Example]:
    """The first use, in IRI order, of every class (by instance, its subclasses' too)
    and every property, in the graphs that hold data."""
    if data is None:
        return {}
    instances: dict[URIRef, URIRef] = {}
    triples: dict[URIRef, tuple[URIRef, Node]] = {}
    labels: dict[URIRef, str] = {}
    for s, p, o, g in data.quads((None, None, None, None)):
        if not isinstance(s, URIRef) or str(getattr(g, "identifier", g)) in _NOT_DATA:
            continue
        if p == RDFS.label and isinstance(o, Literal) and o.language == "en":
            labels[s] = min(labels.get(s, str(o)), str(o))
        if p == RDF.type and isinstance(o, URIRef):
            if o not in instances or str(s) < str(instances[o]):
                instances[o] = s
        elif isinstance(p, URIRef):
            known = triples.get(p)
            if known is None or (str(s), str(o)) < (str(known[0]), str(known[1])):
                triples[p] = (s, o)

    def below(cls: URIRef) -> list[URIRef]:
        seen: list[URIRef] = []
        todo = [cls]
        while todo:
            current = todo.pop()
            for sub in sorted(graph.subjects(RDFS.subClassOf, current), key=str):
                if isinstance(sub, URIRef) and sub not in seen and sub != cls:
                    seen.append(sub)
                    todo.append(sub)
        return seen

    examples: dict[URIRef, Example] = {}
    for cls in graph.subjects(RDF.type, OWL.Class):
        if not isinstance(cls, URIRef):
            continue
        found = [instances[c] for c in [cls, *below(cls)] if c in instances]
        if found:
            subject = min(found, key=str) if cls not in instances else instances[cls]
            examples[cls] = Example(subject, labels.get(subject, ""))
    for prop, (subject, value) in triples.items():
        examples[prop] = Example(subject, labels.get(subject, ""), value)
    return examples


def _term(graph: Graph, term: URIRef, example: Example | None) -> Term:
    relations = [
        (label, _names(graph.objects(term, predicate)))
        for predicate, label in (
            (RDFS.subClassOf, "subclass of"),
            (RDFS.subPropertyOf, "subproperty of"),
            (RDFS.domain, "domain"),
            (RDFS.range, "range"),
        )
    ]
    return Term(
        iri=term,
        name=short_name(term),
        local=str(term)[len(str(KGO)) :],
        labels={lang: _text(graph, term, RDFS.label, lang) for lang in ("vi", "en")},
        definition=_text(graph, term, SKOS.definition, "en"),
        relations=[(label, names) for label, names in relations if names],
        example=example,
    )


def _notation_key(notation: Node | None) -> tuple[tuple[int, str], ...]:
    """Notations such as "2", "10", "1.3" sort by number, others by text."""
    parts = str(notation or "").split(".")
    return tuple((int(p), "") if p.isdigit() else (0, p) for p in parts)


def _schemes(graph: Graph) -> list[Scheme]:
    schemes = sorted(
        (s for s in graph.subjects(RDF.type, SKOS.ConceptScheme) if isinstance(s, URIRef)), key=str
    )
    found = []
    for scheme in schemes:
        concepts = sorted(
            (c for c in graph.subjects(SKOS.inScheme, scheme) if isinstance(c, URIRef)),
            key=lambda c: (_notation_key(graph.value(c, SKOS.notation)), str(c)),
        )
        found.append(
            Scheme(
                iri=scheme,
                vi=_text(graph, scheme, SKOS.prefLabel, "vi"),
                en=_text(graph, scheme, SKOS.prefLabel, "en"),
                definition=_text(graph, scheme, SKOS.definition, "en"),
                concepts=[
                    Concept(
                        short_name(c),
                        _text(graph, c, SKOS.prefLabel, "vi"),
                        _text(graph, c, SKOS.prefLabel, "en"),
                        _names(graph.objects(c, SKOS.broader)),
                    )
                    for c in concepts
                ],
            )
        )
    return found


def reference(ontology: Graph, vocabulary: Graph, data: Dataset | None = None) -> Reference:
    """The reference of ``ontology`` and ``vocabulary``, with examples from ``data``."""
    graph = ontology + vocabulary
    iri = URIRef(ONTOLOGY_IRI)
    examples = _examples(graph, data)
    sections = []
    for kind, title in _KINDS:
        terms = sorted(
            (t for t in graph.subjects(RDF.type, kind) if isinstance(t, URIRef) and t.startswith(KGO)),
            key=str,
        )
        sections.append((title, [_term(graph, t, examples.get(t)) for t in terms]))
    return Reference(
        iri=str(iri),
        version=str(graph.value(iri, OWL.versionInfo)),
        version_iri=str(graph.value(iri, OWL.versionIRI)),
        licence=str(graph.value(iri, URIRef(_DCT + "license"))),
        description=_text(graph, iri, URIRef(_DCT + "description"), "en"),
        sections=sections,
        schemes=_schemes(graph),
    )


def example_value(value: Node) -> str:
    """A value of an example as a reader would write it: a prefixed name, or the
    literal's text (cut to ``EXAMPLE_CHARS``) with its language or datatype."""
    if not isinstance(value, Literal):
        return short_name(value)
    text = " ".join(str(value).split())
    if len(text) > EXAMPLE_CHARS:
        text = text[: EXAMPLE_CHARS - 1].rstrip() + "…"
    if value.language:
        return f'"{text}"@{value.language}'
    if value.datatype is not None:
        return f'"{text}"^^{short_name(value.datatype)}'
    return f'"{text}"'


# -- Markdown ----------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(name: str) -> str:
    return f"`{name}`"


def _example_markdown(example: Example) -> str:
    subject = f"[{_code(short_name(example.subject))}]({example.subject})"
    if example.value is None:
        about = f" ({_cell(example.subject_label)})" if example.subject_label else ""
        return subject + about
    value = example.value
    shown = _code(example_value(value).replace("`", "'"))
    if isinstance(value, URIRef):
        shown = f"[{shown}]({value})"
    return f"{subject} → {_cell(shown)}"


def markdown(ontology: Graph, vocabulary: Graph, data: Dataset | None = None) -> str:
    """The reference page for ``ontology`` and ``vocabulary`` (both parsed graphs), with
    an example of each term from ``data`` where it is used."""
    ref = reference(ontology, vocabulary, data)
    lines = [
        "# Ontology reference",
        "",
        "<!-- Generated by `kg generate reference` from ontology/kg.ttl, "
        "ontology/vocabularies.ttl and the shipped data. Do not edit. -->",
        "",
        f"- IRI: <{ref.iri}>",
        f"- Version: {ref.version} (<{ref.version_iri}>)",
        f"- Licence: <{ref.licence}>",
        f"- Preferred prefix: `kgo:` <{KGO}>",
        "- Every term's IRI is `kgo:` followed by its name; `kg serve` answers each with",
        "  this page for a browser, and with RDF for an RDF client.",
        "",
        ref.description,
        "",
    ]
    for title, terms in ref.sections:
        lines += [f"## {title}", ""]
        for term in terms:
            lines += [f"### `{term.name}` {{ #{term.local} }}", "", f"<{term.iri}>", ""]
            lines += ["| | |", "|---|---|"]
            lines.append(f"| vi | {_cell(term.labels['vi'])} |")
            lines.append(f"| en | {_cell(term.labels['en'])} |")
            lines.append(f"| definition | {_cell(term.definition)} |")
            for label, names in term.relations:
                lines.append(f"| {label} | {', '.join(_code(n) for n in names)} |")
            example = "none in the shipped data"
            if term.example is not None:
                example = _example_markdown(term.example)
            lines.append(f"| example | {example} |")
            lines.append("")
    lines += ["## Concept schemes", ""]
    for scheme in ref.schemes:
        lines += [f"### {scheme.en}", "", f"<{scheme.iri}> — {scheme.vi}", ""]
        if scheme.definition:
            lines += [scheme.definition, ""]
        lines += ["| concept | vi | en | broader |", "|---|---|---|---|"]
        for c in scheme.concepts:
            broader = ", ".join(_code(b) for b in c.broader)
            lines.append(f"| `{c.name}` | {_cell(c.vi)} | {_cell(c.en)} | {broader} |")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
