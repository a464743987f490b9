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
    (OWL.AnnotationProperty, "Annotation properties"),
)
#: The last section: every other ``kgo:`` term (Data Cube component specifications,
#: the data structure definition, the annotations' motivation), with its types.
OTHER_TERMS = "Other terms"
_DCT = "http://purl.org/dc/terms/"
#: Graphs that define the terms or describe the dataset: no examples from them (the
#: vocabulary's concepts are data for the properties they use, such as kgo:rank).
NOT_DATA = (str(G_ONTOLOGY), str(G_VOID))
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
    iri: URIRef
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


@dataclass
class Uses:
    """How the data uses the terms: the first instance of each class and the first
    triple of each property (IRI order), and the English labels of those subjects."""

    instances: dict[URIRef, URIRef] = field(default_factory=dict)
    triples: dict[URIRef, tuple[URIRef, Node]] = field(default_factory=dict)
    labels: dict[URIRef, str] = field(default_factory=dict)

    def add_instance(self, cls: URIRef, subject: URIRef) -> None:
        if cls not in self.instances or str(subject) < str(self.instances[cls]):
            self.instances[cls] = subject

    def add_triple(self, prop: URIRef, subject: URIRef, value: Node) -> None:
        known = self.triples.get(prop)
        if known is None or (str(subject), str(value)) < (str(known[0]), str(known[1])):
            self.triples[prop] = (subject, value)

    def add_label(self, subject: URIRef, label: str) -> None:
        self.labels[subject] = min(self.labels.get(subject, label), label)


def uses_in(data: Dataset) -> Uses:
    """The uses of every term in ``data``, outside the graphs that define the terms."""
    uses = Uses()
    for s, p, o, g in data.quads((None, None, None, None)):
        if not isinstance(s, URIRef) or str(getattr(g, "identifier", g)) in NOT_DATA:
            continue
        if p == RDFS.label and isinstance(o, Literal) and o.language == "en":
            uses.add_label(s, str(o))
        if p == RDF.type and isinstance(o, URIRef):
            uses.add_instance(o, s)
        elif isinstance(p, URIRef):
            uses.add_triple(p, s, o)
    return uses


def _examples(graph: Graph, uses: Uses) -> dict[URIRef, Example]:
    """An example of every class (an instance, else one of a subclass) and property."""

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
        found = [uses.instances[c] for c in [cls, *below(cls)] if c in uses.instances]
        if found:
            subject = uses.instances.get(cls) or min(found, key=str)
            examples[cls] = Example(subject, uses.labels.get(subject, ""))
    for prop, (subject, value) in uses.triples.items():
        examples[prop] = Example(subject, uses.labels.get(subject, ""), value)
    return examples


def _term(graph: Graph, term: URIRef, example: Example | None, typed: bool = False) -> Term:
    relations = [
        (label, _names(graph.objects(term, predicate)))
        for predicate, label in (
            *([(RDF.type, "type")] if typed else []),
            (RDFS.subClassOf, "subclass of"),
            (RDFS.subPropertyOf, "subproperty of"),
            (RDFS.domain, "domain"),
            (RDFS.range, "range"),
        )
    ]
    if typed:
        # A term outside the OWL kinds says what it is by its other statements
        # (a component specification: qb:componentProperty, qb:order, ...).
        shown = {RDF.type, RDFS.label, SKOS.definition, RDFS.subClassOf, RDFS.subPropertyOf}
        for predicate in sorted({p for p in graph.predicates(term) if p not in shown}, key=str):
            if isinstance(predicate, URIRef):
                values = sorted(example_value(o) for o in graph.objects(term, predicate))
                relations.append((short_name(predicate), values))
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
                        c,
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


def reference(
    ontology: Graph, vocabulary: Graph, data: Dataset | None = None, uses: Uses | None = None
) -> Reference:
    """The reference of ``ontology`` and ``vocabulary``, with examples of the terms'
    use in ``data`` (or as ``uses`` found them)."""
    graph = ontology + vocabulary
    iri = URIRef(ONTOLOGY_IRI)
    if uses is None:
        uses = uses_in(data) if data is not None else Uses()
    examples = _examples(graph, uses)
    sections = []
    covered: set[URIRef] = set()
    for kind, title in _KINDS:
        terms = sorted(
            (
                t
                for t in graph.subjects(RDF.type, kind)
                if isinstance(t, URIRef) and t.startswith(KGO)
            ),
            key=str,
        )
        covered.update(terms)
        sections.append((title, [_term(graph, t, examples.get(t)) for t in terms]))
    others = sorted(
        {t for t in ontology.subjects() if isinstance(t, URIRef) and t.startswith(KGO)} - covered,
        key=str,
    )
    sections.append((OTHER_TERMS, [_term(graph, t, examples.get(t), typed=True) for t in others]))
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
            lines.append(f"| vi | {_cell(term.labels['vi']) or '—'} |")
            lines.append(f"| en | {_cell(term.labels['en']) or '—'} |")
            lines.append(f"| definition | {_cell(term.definition) or '—'} |")
            for label, names in term.relations:
                lines.append(f"| {label} | {', '.join(_code(n) for n in names)} |")
            if term.example is not None:
                lines.append(f"| example | {_example_markdown(term.example)} |")
            elif title != OTHER_TERMS:
                lines.append("| example | none in the shipped data |")
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
