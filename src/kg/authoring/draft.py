"""A draft of a source's facts: the candidates of ``kg.authoring.extract``, each matched
to an entity the graph already holds or given a new IRI by the project's patterns, with
the triples it proposes, written as one CSV row for an author to review.

Matching is Vietnamese-aware (``kg.core.text.match_key``: NFC/NFD, old and new tone
placement, case) and, for places, unit-type aware and bounded by the publication date
(``kg.linking.matching``): an entity the graph holds is re-used, never duplicated.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from kg.authoring.extract import Candidate, candidates
from kg.authoring.lexicon import BOUND_PROPERTY
from kg.core.namespaces import PREFIXES
from kg.core.text import match_key, slugify
from kg.linking.matching import split_unit_name
from kg.store.base import KgStore

COLUMNS = (
    "kind",
    "quote",
    "start",
    "end",
    "value",
    "bound",
    "unit",
    "identifier",
    "iri",
    "confidence",
    "triples",
    "decision",
)

#: The literals an entity is found by.
_NAMES_QUERY = """
SELECT ?entity ?name ?type ?from ?until WHERE {
  GRAPH ?g {
    ?entity ?naming ?name .
    VALUES ?naming { rdfs:label skos:prefLabel foaf:name schema:name eli:id_local
                     dct:identifier skos:altLabel }
  }
  FILTER (isIRI(?entity) && isLiteral(?name) && STRSTARTS(STR(?entity), ?entities))
  OPTIONAL { GRAPH ?tg { ?entity a ?type } }
  OPTIONAL { GRAPH ?fg { ?entity schema:validFrom ?from } }
  OPTIONAL { GRAPH ?ug { ?entity schema:validThrough ?until } }
}
"""

_KIND_TYPES = {
    "person": ("http://xmlns.com/foaf/0.1/Person", "https://schema.org/Person"),
    "post": ("http://www.w3.org/ns/org#Post",),
    "quotation": ("https://schema.org/Quotation",),
}
_KIND_NAMESPACES = {
    "person": "person",
    "post": "post",
    "body": "body",
    "document": "document",
    "place": "place",
    "period": "period",
    "quotation": "quote",
    "figure": "statistic",
}


@dataclass(frozen=True)
class Known:
    iri: str
    types: frozenset[str]
    valid_from: str
    valid_until: str


class EntityIndex:
    """The graph's entities by the match keys of their names, read once."""

    def __init__(self, entries: Iterable[tuple[str, str, str, str, str]]) -> None:
        types: dict[str, set[str]] = defaultdict(set)
        validity: dict[str, tuple[str, str]] = {}
        names: dict[str, set[str]] = defaultdict(set)
        for entity, name, type_, valid_from, valid_until in entries:
            if type_:
                types[entity].add(type_)
            if valid_from or valid_until:
                validity[entity] = (valid_from, valid_until)
            names[match_key(name)].add(entity)
        self._by_key = {
            key: [
                Known(e, frozenset(types[e]), *validity.get(e, ("", ""))) for e in sorted(entities)
            ]
            for key, entities in names.items()
        }

    @classmethod
    def from_store(cls, store: KgStore) -> EntityIndex:
        from kg.core.prefixes import ID
        from kg.sparql.terms import literal

        # Only the graph's entities: not the ontology's classes, whose labels ("Huyện ủy")
        # are the words of the text too.
        result = store.query(_with_prefixes(_NAMES_QUERY), {"entities": literal(ID)})
        return cls(
            (
                str(row["entity"]),
                str(row["name"]),
                str(row.get("type") or ""),
                str(row.get("from") or ""),
                str(row.get("until") or ""),
            )
            for row in result.rows
        )

    def find(self, name: str) -> list[Known]:
        return self._by_key.get(match_key(name), [])


def _with_prefixes(text: str) -> str:
    needed = ("rdfs", "skos", "foaf", "schema", "eli", "dct")
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in needed) + text


def _valid_at(known: Known, date: str | None) -> bool:
    if not date:
        return True
    return (not known.valid_from or known.valid_from <= date) and (
        not known.valid_until or date <= known.valid_until
    )


def _curie(iri: str) -> str:
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda p: -len(p[1])):
        if iri.startswith(namespace) and iri[len(namespace) :].replace("-", "").isalnum():
            return f"{prefix}:{iri[len(namespace) :]}"
    return f"<{iri}>"


def _match(candidate: Candidate, index: EntityIndex, published: str | None) -> str:
    """The IRI of the entity the graph holds for ``candidate``, or ""."""
    if candidate.kind == "document" and candidate.identifier:
        found = index.find(candidate.identifier)
    elif candidate.kind == "place":
        unit_type, bare = split_unit_name(candidate.quote)
        found = [
            k
            for k in index.find(candidate.quote) + index.find(bare)
            if _valid_at(k, published)
            and (
                unit_type is None
                or any(t.endswith(_PLACE_CLASS.get(unit_type, "-")) for t in k.types)
            )
        ]
    elif candidate.kind in ("figure", "period"):
        return ""
    else:
        found = index.find(candidate.label or candidate.quote)
        wanted = _KIND_TYPES.get(candidate.kind)
        if wanted:
            found = [k for k in found if k.types & set(wanted)]
    iris = sorted({k.iri for k in found})
    return iris[0] if len(iris) == 1 else ""


_PLACE_CLASS = {
    "tinh": "#Province",
    "thanh-pho": "#ProvincialCity",
    "huyen": "#District",
    "xa": "#Commune",
    "phuong": "#Ward",
    "thi-tran": "#Township",
}


def _period_slug(value: str, published: str | None) -> str:
    if value.startswith("P") and "/" in value:
        years, end = value.split("/")
        return f"p{years[1:-1]}y-to-{end}"
    if "/" in value:
        start, end = value.split("/")
        return f"{start}-{end}" if len(end) == 4 else f"{start}-to-{end}"
    return value


def _new_iri(candidate: Candidate, source_id: str, published: str | None) -> str:
    namespace = _KIND_NAMESPACES[candidate.kind]
    if candidate.kind == "period":
        if candidate.value == "R/P1Y":
            return "time:unitYear"  # "hằng năm": each year, as kgo:appliesToEach says
        return f"{namespace}:{_period_slug(candidate.value, published)}"
    if candidate.kind == "figure":
        what = (
            slugify(candidate.unit) if candidate.unit and candidate.unit != "percent" else "ty-le"
        )
        return f"{namespace}:{source_id}-{what}-{candidate.start}"
    if candidate.kind == "quotation":
        speaker = next(
            (r.split(":", 1)[1] for r in candidate.related if r.startswith("speaker:")), ""
        )
        return (
            f"{namespace}:{slugify(speaker) + '-' if speaker else ''}{source_id}-{candidate.start}"
        )
    if candidate.kind == "document" and candidate.identifier:
        return f"{namespace}:{slugify(candidate.identifier)}"
    return f"{namespace}:{slugify(candidate.label or candidate.quote)}"


def _literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _triples(candidate: Candidate, iri: str, source_id: str, matched: bool) -> str:
    """Turtle for what ``candidate`` says, with the project's prefixes; nothing for an
    entity the graph already describes beyond what this source adds."""
    article = f"article:{source_id}"
    subject = iri
    parts: list[str] = []
    if candidate.kind == "figure":
        prop, qualifier = BOUND_PROPERTY[candidate.bound]
        types = " , ".join(candidate.types)
        parts.append(f"a {types}")
        if prop:
            value = (
                f'"{candidate.value}"^^xsd:decimal'
                if candidate.unit == "percent"
                else candidate.value
            )
            parts.append(f"{prop} {value}")
            parts.append(f"kgo:valueQualifier {qualifier}")
        parts.append("kgo:unit " + ("unit:PERCENT" if candidate.unit == "percent" else "unit:NUM"))
        parts.append(f"kgo:reportedIn {article}")
    elif candidate.kind == "period":
        if not iri:
            return ""
        if "/" in candidate.value:
            start, end = candidate.value.split("/")
            begin = f"period:{start}" if not start.startswith("P") else ""
            parts.append("a time:ProperInterval")
            if begin:
                parts.append(f"time:hasBeginning {begin}")
            parts.append(f"time:hasEnd period:{end}")
            if start.startswith("P"):
                parts.append(f'time:hasXSDDuration "{start}"^^xsd:duration')
        elif len(candidate.value) == 4:
            parts.append("a time:Instant")
            parts.append(f'time:inXSDgYear "{candidate.value}"^^xsd:gYear')
        else:
            parts.append("a time:Instant")
            parts.append(f'time:inXSDDate "{candidate.value}"^^xsd:date')
    elif matched:
        return ""
    elif candidate.kind == "person":
        parts.append("a foaf:Person , schema:Person")
        parts.append(f"foaf:name {_literal(candidate.label)}")
    elif candidate.kind == "document":
        parts.append(f"a {candidate.types[0]}")
        if candidate.identifier:
            parts.append(f"eli:id_local {_literal(candidate.identifier)}")
        else:
            parts.append(f"rdfs:label {_literal(candidate.label)}@vi")
    elif candidate.kind == "quotation":
        parts.append("a schema:Quotation")
        parts.append(f"schema:isPartOf {article}")
    elif candidate.kind in ("post", "body", "place"):
        if candidate.kind == "post":
            parts.append("a org:Post")
        parts.append(f"rdfs:label {_literal(candidate.label or candidate.quote)}@vi")
    if not parts:
        return ""
    return f"{subject} " + " ;\n    ".join(parts) + " ."


def draft(
    text: str,
    source_id: str,
    index: EntityIndex,
    published: str | None = None,
) -> list[dict[str, str]]:
    """The rows of a draft of ``text``: one per candidate, in the order of the words."""
    rows: list[dict[str, str]] = []
    # "Nghị quyết Trung ương 4" after "Nghị quyết Trung ương 4 (khóa XII)" is the same
    # resolution: the text names the term once.
    found_candidates = candidates(text, published)
    resolution_of_plenum: dict[str, str] = {}
    for candidate in found_candidates:
        plenum = next((r for r in candidate.related if r.startswith("plenum:")), "")
        if plenum and any(r.startswith("term:") for r in candidate.related):
            matched = _match(candidate, index, published)
            resolution_of_plenum.setdefault(
                plenum, _curie(matched) if matched else _new_iri(candidate, source_id, published)
            )
    for candidate in found_candidates:
        plenum = next((r for r in candidate.related if r.startswith("plenum:")), "")
        matched_iri = _match(candidate, index, published)
        iri = _curie(matched_iri) if matched_iri else _new_iri(candidate, source_id, published)
        if plenum in resolution_of_plenum and not any(
            r.startswith("term:") for r in candidate.related
        ):
            iri = matched_iri = resolution_of_plenum[plenum]
        found = replace(candidate, iri=iri)
        rows.append(
            {
                "kind": found.kind,
                "quote": found.quote,
                "start": str(found.start),
                "end": str(found.end),
                "value": found.value,
                "bound": found.bound,
                "unit": found.unit,
                "identifier": found.identifier,
                "iri": _expand(iri),
                "confidence": f"{found.confidence:.2f}",
                "triples": _triples(found, iri, source_id, bool(matched_iri)),
                "decision": "",
            }
        )
    return rows


def _expand(curie: str) -> str:
    if not curie or curie.startswith("<"):
        return curie.strip("<>")
    prefix, _, local = curie.partition(":")
    namespace = PREFIXES.get(prefix)
    return namespace + local if namespace else curie


def to_csv(rows: Sequence[dict[str, str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")
