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
import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from kg.authoring.extract import Candidate, candidates
from kg.authoring.lexicon import (
    BODY_CLASSES,
    BOUND_PROPERTY,
    COUNTED_CLASSES,
    DOCUMENT_CLASS_EN,
    PLACE_CLASSES,
    POST_ROLES,
)
from kg.authoring.sources import turtle_string as _literal
from kg.core.namespaces import PREFIXES
from kg.core.text import english_day, match_key, nfc, slugify
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

#: Where each place lies: a name that several units share (the gazetteer holds 14,000)
#: is told apart by the places around it in the text.
_WITHIN_QUERY = """
SELECT DISTINCT ?entity ?parent WHERE {
  GRAPH ?g { ?entity schema:containedInPlace ?parent }
  FILTER (isIRI(?parent) && STRSTARTS(STR(?entity), ?entities))
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

    def __init__(
        self,
        entries: Iterable[tuple[str, str, str, str, str]],
        within: Iterable[tuple[str, str]] = (),
    ) -> None:
        types: dict[str, set[str]] = defaultdict(set)
        validity: dict[str, tuple[str, str]] = {}
        names: dict[str, set[str]] = defaultdict(set)
        for entity, name, type_, valid_from, valid_until in entries:
            if type_:
                types[entity].add(type_)
            if valid_from or valid_until:
                validity[entity] = (valid_from, valid_until)
            names[match_key(name)].add(entity)
        self._iris = frozenset(types) | frozenset(e for es in names.values() for e in es)
        self._parents: dict[str, set[str]] = defaultdict(set)
        for entity, parent in within:
            self._parents[entity].add(parent)
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
        within = store.query(_with_prefixes(_WITHIN_QUERY), {"entities": literal(ID)})
        return cls(
            (
                (
                    str(row["entity"]),
                    str(row["name"]),
                    str(row.get("type") or ""),
                    str(row.get("from") or ""),
                    str(row.get("until") or ""),
                )
                for row in result.rows
            ),
            ((str(row["entity"]), str(row["parent"])) for row in within.rows),
        )

    def holds(self, iri: str) -> bool:
        return iri in self._iris

    def curies(self) -> frozenset[str]:
        return frozenset(_curie(iri) for iri in self._iris)

    def find(self, name: str) -> list[Known]:
        return self._by_key.get(match_key(name), [])

    def ancestors(self, iri: str) -> set[str]:
        """The places ``iri`` lies in, at every level."""
        found: set[str] = set()
        pending = list(self._parents.get(iri, ()))
        while pending:
            parent = pending.pop()
            if parent not in found:
                found.add(parent)
                pending.extend(self._parents.get(parent, ()))
        return found


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


def _match(
    candidate: Candidate,
    index: EntityIndex,
    published: str | None,
    near: frozenset[str] = frozenset(),
) -> str:
    """The IRI of the entity the graph holds for ``candidate``, or "". A place name that
    several units share is the one among them that lies in a place of ``near`` (the
    places the text names that match one unit only), if exactly one does."""
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
    if len(iris) > 1 and candidate.kind == "place" and near:
        iris = [iri for iri in iris if index.ancestors(iri) & near]
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


@lru_cache(maxsize=64)
def _keyed(table: tuple[tuple[str, ...], ...]) -> list[tuple[str, tuple[str, ...]]]:
    return sorted(((match_key(e[0]), e) for e in table), key=lambda pair: -len(pair[0]))


def _lookup(table: Sequence[tuple[str, ...]], words: str) -> tuple[str, ...] | None:
    """The entry of ``table`` whose words open ``words`` (longest first), keyed alike."""
    key = match_key(words)
    for head, entry in _keyed(tuple(table)):
        if key == head or key.startswith(head + " "):
            return entry
    return None


def _name_after(words: str, head: str) -> str:
    """The words after ``head`` in ``words`` ("Huyện ủy Hải Hậu" after "huyện ủy")."""
    count = len(match_key(head).split())
    return " ".join(words.split()[count:])


def _period_en(value: str) -> str:
    """An English label for a period value, written out mechanically."""

    def day(text: str) -> str:
        return english_day(text) if len(text) == 10 else text

    if value.startswith("P") and "/" in value:
        years, end = value.split("/")
        return f"the {years[1:-1]} years to {day(end)}"
    if "/" in value:
        start, end = value.split("/")
        return f"{start}–{end}" if len(end) == 4 else f"{day(start)} to {day(end)}"
    return day(value)


@dataclass
class _Context:
    """What the words around a candidate say: the body a figure is about, the period it
    covers, the person who holds a post or said a quotation."""

    source_id: str
    published: str | None
    scope: str = ""
    period: str = ""
    person: str = ""
    body: str = ""
    #: The IRIs (CURIEs) the graph holds or the draft proposes.
    known: frozenset[str] = frozenset()

    def holds(self, curie: str) -> bool:
        return curie in self.known


def _labels(vi: str, en: str = "") -> list[str]:
    labels = [f"rdfs:label {_literal(vi)}@vi"]
    if en:
        labels.append(f"rdfs:label {_literal(en)}@en")
    return labels


def _triples(candidate: Candidate, iri: str, matched: bool, context: _Context) -> str:
    """Turtle for what ``candidate`` says, with the project's prefixes; nothing for an
    entity the graph already describes. English labels that cannot be written out
    mechanically are left to the author (the shapes ask for them)."""
    if matched or not iri:
        return ""
    parts: list[str] = []
    if candidate.kind == "figure":
        prop, qualifier = BOUND_PROPERTY[candidate.bound]
        parts.append("a " + " , ".join(candidate.types))
        parts += _labels(candidate.quote)
        parts.append(f"qb:dataSet dataset:{context.source_id}")
        counted = _lookup(COUNTED_CLASSES, candidate.unit) if candidate.unit != "percent" else None
        if counted:
            parts.append(f"kgo:countedClass {counted[1]}")
        if context.scope:
            parts.append(f"kgo:scope {context.scope}")
        if context.period:
            parts.append(f"kgo:period {context.period}")
        if prop:
            percent = candidate.unit == "percent"
            value = f'"{candidate.value}"^^xsd:decimal' if percent else candidate.value
            parts.append(f"{prop} {value}")
            parts.append(f"kgo:valueQualifier {qualifier}")
        parts.append("kgo:unit " + ("unit:PERCENT" if candidate.unit == "percent" else "unit:NUM"))
        parts.append(f"kgo:reportedIn article:{context.source_id}")
    elif candidate.kind == "period":
        value = candidate.value
        parts += _labels(candidate.quote, _period_en(value))
        if "/" in value:
            start, end = value.split("/")
            parts.insert(0, "a time:ProperInterval")
            if not start.startswith("P"):
                parts.append(f"time:hasBeginning period:{start}")
            else:
                parts.append(f'time:hasXSDDuration "{start}"^^xsd:duration')
            parts.append(f"time:hasEnd period:{end}")
        elif len(value) == 4:
            parts.insert(0, "a time:Instant")
            parts.append(f'time:inXSDgYear "{value}"^^xsd:gYear')
        else:
            parts.insert(0, "a time:Instant")
            parts.append(f'time:inXSDDate "{value}"^^xsd:date')
    elif candidate.kind == "person":
        parts.append("a foaf:Person , schema:Person")
        parts += _labels(candidate.label, candidate.label)  # a name reads the same in English
        parts.append(f"foaf:name {_literal(candidate.label)}")
    elif candidate.kind == "document":
        parts.append(f"a {candidate.types[0]}")
        english = ""
        if candidate.identifier:
            parts.append(f"eli:id_local {_literal(candidate.identifier)}")
            english = (
                f"{DOCUMENT_CLASS_EN.get(candidate.types[0], 'Document')} {candidate.identifier}"
            )
        parts += _labels(candidate.label or candidate.quote, english)
    elif candidate.kind == "quotation":
        parts.append("a schema:Quotation")
        words = candidate.quote.split()
        parts += _labels(" ".join(words[:12]) + (" …" if len(words) > 12 else ""))
        parts.append(f"schema:text {_literal(candidate.quote)}@vi")
        if context.person:
            parts.append(f"schema:creator {context.person}")
        parts.append(f"schema:isPartOf article:{context.source_id}")
    elif candidate.kind == "post":
        parts.append("a org:Post")
        role = _lookup(POST_ROLES, candidate.quote)
        english = ""
        if role:
            body = _lookup(BODY_CLASSES, _name_after(candidate.quote, role[0]))
            body_name = _name_after(_name_after(candidate.quote, role[0]), body[0]) if body else ""
            if body and body[2] and body_name:
                english = f"{role[2]} of the {body[2].format(name=body_name)}"
        parts += _labels(candidate.label or candidate.quote, english)
        if role:
            parts.append(f"org:role {role[1]}")
        if context.body:
            parts.append(f"org:postIn {context.body}")
        if context.person:
            parts.append(f"org:heldBy {context.person}")
    elif candidate.kind == "body":
        body = _lookup(BODY_CLASSES, candidate.quote)
        if body:
            head, class_, english, parent, territory = body
            name = _name_after(candidate.quote, head)
            slug = slugify(name) if name else ""
            parts.append(f"a {class_}")
            parts += _labels(
                candidate.quote,
                english.format(name=name) if english and (name or "{name}" not in english) else "",
            )
            for pattern in (parent, f"kgo:territory {territory}" if territory else ""):
                if pattern and (slug or "{slug}" not in pattern):
                    proposed = pattern.format(slug=slug)
                    if context.holds(proposed.split()[-1]):
                        parts.append(proposed)
        else:
            parts += _labels(candidate.quote)
    elif candidate.kind == "place":
        words = candidate.quote.split()
        unit = PLACE_CLASSES.get(words[0].lower()) or PLACE_CLASSES.get(" ".join(words[:2]).lower())
        name = _name_after(
            candidate.quote, words[0] if words[0].lower() in PLACE_CLASSES else " ".join(words[:2])
        )
        if unit:
            parts.append(f"a {unit[0]}")
        parts += _labels(candidate.quote, f"{name} {unit[1]}" if unit else "")
    if not parts:
        return ""
    return f"{iri} " + " ;\n    ".join(parts) + " ."


_SENTENCE_END = re.compile(r"[.!?;\n]")


def _sentences(text: str) -> list[int]:
    """Where each sentence starts: found once, so a long text costs linear time."""
    return [0, *(m.end() for m in _SENTENCE_END.finditer(text))]


def draft(
    text: str,
    source_id: str,
    index: EntityIndex,
    published: str | None = None,
) -> list[dict[str, str]]:
    """The rows of a draft of ``text``: one per candidate, in the order of the words."""
    found_candidates = candidates(text, published)
    text = nfc(text)
    # "Nghị quyết Trung ương 4" after "Nghị quyết Trung ương 4 (khóa XII)" is the same
    # resolution: the text names the term once.
    resolution_of_plenum: dict[str, str] = {}
    for candidate in found_candidates:
        plenum = next((r for r in candidate.related if r.startswith("plenum:")), "")
        if plenum and any(r.startswith("term:") for r in candidate.related):
            found_iri = _match(candidate, index, published)
            resolution_of_plenum.setdefault(
                plenum,
                _curie(found_iri) if found_iri else _new_iri(candidate, source_id, published),
            )
    near = frozenset(
        found
        for candidate in found_candidates
        if candidate.kind == "place" and (found := _match(candidate, index, published))
    )
    resolved: list[tuple[Candidate, str, bool]] = []
    for candidate in found_candidates:
        plenum = next((r for r in candidate.related if r.startswith("plenum:")), "")
        matched_iri = _match(candidate, index, published, near)
        iri = _curie(matched_iri) if matched_iri else _new_iri(candidate, source_id, published)
        if plenum in resolution_of_plenum and not any(
            r.startswith("term:") for r in candidate.related
        ):
            iri, matched_iri = resolution_of_plenum[plenum], "yes"
        if not matched_iri and candidate.kind == "period" and index.holds(_expand(iri)):
            matched_iri = iri  # a period another source named already
        resolved.append((candidate, iri, bool(matched_iri)))
    publication = f"period:{published}" if published else ""
    known = (
        frozenset(iri for _, iri, _ in resolved if iri and not iri.startswith("time:"))
        | index.curies()
    )
    rows: list[dict[str, str]] = []
    starts = _sentences(text)
    by_sentence: dict[int, list[tuple[Candidate, str]]] = defaultdict(list)
    for candidate, iri, _ in resolved:
        by_sentence[bisect_right(starts, candidate.start)].append((candidate, iri))
    for candidate, iri, matched in resolved:
        sentence = by_sentence[bisect_right(starts, candidate.start)]
        around = [(c, i) for c, i in sentence if c is not candidate]
        before = [(c, i) for c, i in around if c.start < candidate.start]
        bodies = [i for c, i in before if c.kind == "body"]
        periods = [i for c, i in around if c.kind == "period" and i.startswith("period:")]
        people = [i for c, i in before if c.kind == "person"]
        inside = [
            i for c, i in around if c.kind == "body" and candidate.start <= c.start < candidate.end
        ]
        context = _Context(
            source_id=source_id,
            published=published,
            scope=bodies[-1] if bodies else "",
            period=periods[0] if periods else publication,
            person=people[-1] if people else "",
            body=inside[0] if inside else "",
            known=known,
        )
        rows.append(
            {
                "kind": candidate.kind,
                "quote": candidate.quote,
                "start": str(candidate.start),
                "end": str(candidate.end),
                "value": candidate.value,
                "bound": candidate.bound,
                "unit": candidate.unit,
                "identifier": candidate.identifier,
                "iri": _expand(iri),
                "confidence": f"{candidate.confidence:.2f}",
                "triples": _triples(candidate, iri, matched, context),
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
