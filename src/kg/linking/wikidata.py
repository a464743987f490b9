"""Wikidata candidates for the graph's places and topics, for a person to review.

``candidates`` asks a Wikidata-style SPARQL endpoint (the remote engine of ``kg.store``;
by default the public Wikidata endpoint, or any endpoint the user names, such as a local
Oxigraph loaded with Wikidata-shaped data) for items whose Vietnamese or English label
is a spelling of the resource's label, or, for a place, whose OpenStreetMap relation ID
(P402) is the place's. Each candidate is scored from what agrees: the name (by the
Vietnamese-aware matcher), the OSM relation, the country (P17 Vietnam), the type (P31's
English label names the unit type) and the parent (P131's label is the name of the place
the unit lies in). Nothing here writes to ``data/links/``: only links that a person has
reviewed enter it, through ``data/links/mappings-reviewed.tsv``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from kg.core.namespaces import KGO, OSMREL, SDO, WD
from kg.linking.matching import UnitName, same_unit, split_unit_name, unit_key

DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"
#: Wikidata's item for Vietnam (P17 country), reviewed: see mappings-reviewed.tsv.
VIETNAM = WD["Q881"]

WEIGHTS = {"name": 0.4, "osm": 0.3, "country": 0.1, "type": 0.1, "parent": 0.1}

TYPE_WORDS = {
    KGO.Province: ("province",),
    KGO.District: ("district",),
    KGO.Commune: ("commune",),
    KGO.Ward: ("ward",),
    KGO.Township: ("township", "town"),
    KGO.ProvincialCity: ("city",),
}


@dataclass(frozen=True)
class Entity:
    iri: URIRef
    labels: tuple[tuple[str, str], ...]  # (text, language)
    kind: URIRef | None
    parent_label: str | None
    osm: tuple[str, ...]


@dataclass(frozen=True)
class Candidate:
    subject: URIRef
    subject_label: str
    item: str
    item_label: str
    score: float
    evidence: tuple[str, ...]

    def row(self) -> list[str]:
        return [
            str(self.subject),
            self.subject_label,
            self.item,
            self.item_label,
            f"{self.score:.2f}",
            ",".join(self.evidence),
        ]


CANDIDATE_COLUMNS = (
    "subject_id",
    "subject_label",
    "object_id",
    "object_label",
    "score",
    "evidence",
)


def entities(dataset: Dataset) -> list[Entity]:
    """The places (kgo:AdministrativeUnit and its subclasses) and topics to find items for."""
    union = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    kinds = [KGO.Province, KGO.District, KGO.ProvincialCity, KGO.Commune, KGO.Ward, KGO.Township]
    found: list[Entity] = []
    seen: set[URIRef] = set()
    subjects: list[tuple[URIRef, URIRef | None]] = []  # (resource, its kind)
    for cls in kinds:
        subjects += [(s, cls) for s in union.subjects(RDF.type, cls) if isinstance(s, URIRef)]
    subjects += [
        (s, None)  # a topic: no unit kind
        for s in union.subjects(RDF.type, SDO.Event)
        if isinstance(s, URIRef) and "/id/topic/" in str(s)
    ]
    for iri, kind in sorted(subjects, key=lambda x: str(x[0])):
        if iri in seen:
            continue
        seen.add(iri)
        labels = tuple(
            sorted(
                (str(o), str(o.language))
                for o in union.objects(iri, RDFS.label)
                if isinstance(o, Literal) and o.language in ("vi", "en")
            )
        )
        parent = union.value(iri, SDO.containedInPlace)
        parent_label = None
        if parent is not None:
            parent_label = next(
                (
                    str(o)
                    for o in union.objects(parent, RDFS.label)
                    if getattr(o, "language", None) == "vi"
                ),
                None,
            )
        osm = tuple(
            sorted(
                str(o)[len(str(OSMREL)) :]
                for o in union.objects(iri, SKOS.closeMatch)
                if str(o).startswith(str(OSMREL))
            )
        )
        found.append(Entity(iri, labels, kind, parent_label, osm))
    return found


def _label_variants(entity: Entity) -> list[tuple[str, str]]:
    """Spellings to look up exactly: the label, the bare name, and the prefixed forms."""
    variants: set[tuple[str, str]] = set()
    for text, lang in entity.labels:
        bare = text.split(" (")[0]
        variants.add((bare, lang))
        if lang == "vi":
            kind, name_key = split_unit_name(bare)
            words = bare.split(" ")
            if kind is not None:
                # "huyện Nam Trực" -> "Nam Trực", "Huyện Nam Trực"
                n = len(words) - len(name_key.split(" "))
                name, prefix = " ".join(words[n:]), " ".join(words[:n])
                variants.add((name, "vi"))
                variants.add((prefix[:1].upper() + prefix[1:] + " " + name, "vi"))
        elif lang == "en":
            for word in ("province", "district", "commune", "ward", "township", "city"):
                if bare.endswith(" " + word):
                    name = bare[: -len(word) - 1]
                    variants.add((name, "en"))
                    variants.add((f"{name} {word.capitalize()}", "en"))
    return sorted(variants)


def _literal(text: str, lang: str) -> str:
    return json.dumps(text, ensure_ascii=False) + "@" + lang


def query_for(entity: Entity, limit: int = 50) -> str:
    values = " ".join(_literal(t, lang) for t, lang in _label_variants(entity))
    osm = ""
    if entity.osm:
        osm_values = " ".join(json.dumps(o) for o in entity.osm)
        osm = f"""
    UNION {{ VALUES ?osmKey {{ {osm_values} }} ?item wdt:P402 ?osmKey . }}"""
    return f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
SELECT DISTINCT ?item ?label ?osm ?country ?typeLabel ?parentLabel WHERE {{
    {{ VALUES ?matched {{ {values} }} ?item rdfs:label ?matched . }}{osm}
    ?item rdfs:label ?label . FILTER (LANG(?label) IN ("vi", "en"))
    OPTIONAL {{ ?item wdt:P402 ?osm . }}
    OPTIONAL {{ ?item wdt:P17 ?country . }}
    OPTIONAL {{ ?item wdt:P31 ?type . ?type rdfs:label ?typeLabel .
        FILTER (LANG(?typeLabel) = "en") }}
    OPTIONAL {{ ?item wdt:P131 ?parent . ?parent rdfs:label ?parentLabel .
        FILTER (LANG(?parentLabel) = "vi") }}
}}
LIMIT {limit}"""


def _run(endpoint: str, query: str, timeout: float) -> list[dict[str, Any]]:
    """The rows of ``query`` on ``endpoint`` (the remote engine of ``kg.store``), as
    SPARQL JSON bindings."""
    from kg.sparql.results import to_json_document
    from kg.store.remote import RemoteStore

    result = RemoteStore(endpoint, timeout=timeout).query(query)
    bindings: list[dict[str, Any]] = to_json_document(result)["results"]["bindings"]
    return bindings


def score(entity: Entity, rows: list[dict[str, Any]]) -> list[Candidate]:
    """Candidates (one per item) with their score and what agreed, best first."""
    by_item: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_item.setdefault(row["item"]["value"], []).append(row)
    names = [UnitName(text.split(" (")[0], entity.parent_label) for text, _ in entity.labels]
    best_label = next(
        (t for t, lang in entity.labels if lang == "vi"),
        entity.labels[0][0] if entity.labels else "",
    )
    out: list[Candidate] = []
    for item, item_rows in by_item.items():
        labels = {(r["label"]["value"], r["label"].get("xml:lang", "")) for r in item_rows}
        evidence: list[str] = []
        if any(same_unit(n, UnitName(label)) for n in names for label, _ in labels):
            evidence.append("name")
        osm = {r["osm"]["value"] for r in item_rows if "osm" in r}
        if osm & set(entity.osm):
            evidence.append("osm")
        if any(r.get("country", {}).get("value") == str(VIETNAM) for r in item_rows):
            evidence.append("country")
        type_labels = {r["typeLabel"]["value"].lower() for r in item_rows if "typeLabel" in r}
        words = TYPE_WORDS.get(entity.kind, ()) if entity.kind is not None else ()
        if any(w in t for w in words for t in type_labels):
            evidence.append("type")
        parents = {r["parentLabel"]["value"] for r in item_rows if "parentLabel" in r}
        if entity.parent_label and any(
            unit_key(p) == unit_key(entity.parent_label) for p in parents
        ):
            evidence.append("parent")
        total = round(sum(WEIGHTS[e] for e in evidence), 2)
        item_label = sorted(label for label, lang in labels if lang == "vi") or sorted(
            label for label, _ in labels
        )
        out.append(Candidate(entity.iri, best_label, item, item_label[0], total, tuple(evidence)))
    return sorted(out, key=lambda c: (-c.score, c.item))


def candidates(
    dataset: Dataset,
    endpoint: str = DEFAULT_ENDPOINT,
    timeout: float = 30.0,
    only: list[str] | None = None,
) -> list[Candidate]:
    """Ask ``endpoint`` about every place and topic (or those whose IRI is in ``only``)."""
    found: list[Candidate] = []
    for entity in entities(dataset):
        if only and str(entity.iri) not in only:
            continue
        if not entity.labels:
            continue
        found.extend(score(entity, _run(endpoint, query_for(entity), timeout)))
    return found


def candidates_tsv(found: list[Candidate], endpoint: str) -> bytes:
    lines = [
        f"# Wikidata candidates from {endpoint}, for review: score = "
        + " + ".join(f"{w} {k}" for k, w in WEIGHTS.items())
        + ". Only reviewed links enter data/links/ (mappings-reviewed.tsv).",
        "\t".join(CANDIDATE_COLUMNS),
    ]
    lines += ["\t".join(c.row()) for c in found]
    return ("\n".join(lines) + "\n").encode("utf-8")
