"""How much of the hand-encoded seed article `kg draft` finds, and how fast.

The drafter is run as an author would run it on a new article: against the graph
WITHOUT the article's own facts and evidence (the ontology, the vocabularies and the
links, the administrative units among them), so that nothing it finds comes from the
answers. Its candidates are then compared with the hand-encoded facts:

* figures: a statistic is found when a `figure` candidate has its value and its bound
  kind and overlaps the words of its evidence;
* documents: when a `document` candidate overlaps its evidence (the words that name it);
* people with posts: a person when a `person` candidate has the name, and, if the person
  holds a post, a `post` candidate read with that person overlaps the post's evidence;
* places and periods: when a candidate has the IRI the hand encoding uses (a place the
  drafter matched in the graph, a period named by the project's IRI pattern).

Precision: the share of candidates that overlap the evidence of a hand-encoded resource
of their kind (or, for places and periods, have its IRI).

Usage: python bench/draft_recall.py [--runs 7] [--words 2000] [-o bench/results-draft.md]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kg.authoring.draft import EntityIndex, draft  # noqa: E402
from kg.core.paths import default_sources  # noqa: E402
from kg.core.text import match_key  # noqa: E402
from kg.store import open_store  # noqa: E402

SOURCE_ID = "nam-truc-2021-11-01"
PUBLISHED = "2021-11-01"
TEXT = (ROOT / "data" / "sources" / f"{SOURCE_ID}.txt").read_text(encoding="utf-8")

QUALIFIER_BOUND = {
    "exact": "exact",
    "more-than": "min-exclusive",
    "at-least": "min-inclusive",
    "less-than": "max-exclusive",
    "at-most": "max-inclusive",
}

GOLD_QUERY = """
PREFIX kgo: <https://w3id.org/vn-kg/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?entity ?type ?start ?end WHERE {
  GRAPH ?f { ?entity a ?type }
  FILTER (STRSTARTS(STR(?f), "https://w3id.org/vn-kg/graph/facts/"))
  OPTIONAL {
    GRAPH ?e {
      ?a oa:hasBody ?entity ; oa:hasTarget/oa:hasSelector ?p .
      ?p a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
    }
  }
}
"""

VALUES_QUERY = """
PREFIX kgo: <https://w3id.org/vn-kg/ontology#>
SELECT ?entity ?property ?value ?qualifier WHERE {
  GRAPH ?f {
    ?entity kgo:valueQualifier ?qualifier ; ?property ?value .
    VALUES ?property { kgo:exactValue kgo:minExclusive kgo:minInclusive
                       kgo:maxExclusive kgo:maxInclusive }
  }
}
"""

PEOPLE_QUERY = """
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX org: <http://www.w3.org/ns/org#>
SELECT ?person ?name ?post WHERE {
  GRAPH ?f { ?person foaf:name ?name OPTIONAL { ?person org:holds ?post } }
}
"""

PLACE_USE_QUERY = """
SELECT DISTINCT ?place WHERE {
  GRAPH ?f { ?place a ?t . ?s ?p ?place }
  FILTER (STRSTARTS(STR(?place), "https://w3id.org/vn-kg/id/place/"))
  FILTER (STRSTARTS(STR(?f), "https://w3id.org/vn-kg/graph/facts/"))
}
"""

DERIVED_QUERY = """
PREFIX kgo: <https://w3id.org/vn-kg/ontology#>
SELECT ?s WHERE { GRAPH ?f { ?s a kgo:DerivedStatistic } }
"""

EACH_QUERY = """
PREFIX kgo: <https://w3id.org/vn-kg/ontology#>
SELECT DISTINCT ?each WHERE { GRAPH ?f { ?s kgo:appliesToEach ?each } }
"""

KIND_OF_TYPE = {
    "Count": "figure",
    "Percentage": "figure",
    "Resolution": "document",
    "Directive": "document",
    "Regulation": "document",
    "DutiesAndPowersDocument": "document",
    "Person": "person",
    "Post": "post",
    "Quotation": "quotation",
    "ProperInterval": "period",
    "Instant": "period",
}
BODY_TYPES = {
    "PartyCommittee",
    "StandingCommittee",
    "StandingOffice",
    "Politburo",
    "CentralCommittee",
    "DistrictPartyOrganisation",
    "DistrictPartyCommittee",
    "PartyBuildingBoard",
    "FatherlandFront",
    "SocioPoliticalOrganisation",
    "PoliticalParty",
    "StateBody",
    "Organization",
    "PartyOrganisation",
}


def local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def load_gold() -> tuple[dict[str, dict[str, object]], dict[str, list[tuple[int, int]]]]:
    store = open_store("memory")
    store.load(None)
    kinds: dict[str, set[str]] = defaultdict(set)
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for row in store.query(GOLD_QUERY).rows:
        entity, type_ = str(row["entity"]), local(str(row["type"]))
        kind = KIND_OF_TYPE.get(type_) or ("body" if type_ in BODY_TYPES else None)
        if kind:
            kinds[entity].add(kind)
        if row.get("start") is not None:
            span = (int(row["start"]), int(row["end"]))
            if span not in spans[entity]:
                spans[entity].append(span)
    derived = {str(r["s"]) for r in store.query(DERIVED_QUERY).rows}
    gold: dict[str, dict[str, object]] = {}
    for entity, entity_kinds in kinds.items():
        if entity in derived:
            continue  # a figure the editors computed is in no words
        for kind in entity_kinds:
            gold[entity] = {"kind": kind}
    for row in store.query(VALUES_QUERY).rows:
        entity = str(row["entity"])
        if entity in gold:
            gold[entity]["value"] = Decimal(str(row["value"]))
            gold[entity]["bound"] = QUALIFIER_BOUND[local(str(row["qualifier"]))]
    for row in store.query(PEOPLE_QUERY).rows:
        entity = str(row["person"])
        gold.setdefault(entity, {"kind": "person"})
        gold[entity]["name"] = str(row["name"])
        if row.get("post") is not None:
            gold[entity]["post"] = str(row["post"])
    for row in store.query(EACH_QUERY).rows:
        gold[str(row["each"])] = {"kind": "period", "recurring": True}
    for row in store.query(PLACE_USE_QUERY).rows:
        gold[str(row["place"])] = {"kind": "place"}
    store.close()
    return gold, spans


def overlaps(row: dict[str, str], spans: list[tuple[int, int]]) -> bool:
    start, end = int(row["start"]), int(row["end"])
    return any(start < e and s < end for s, e in spans)


def index_without_article() -> EntityIndex:
    store = open_store("memory")
    store.load([p for p in default_sources() if SOURCE_ID not in str(p)])
    index = EntityIndex.from_store(store)
    store.close()
    return index


def evaluate() -> dict[str, tuple[int, int]]:
    gold, spans = load_gold()
    rows = draft(TEXT, SOURCE_ID, index_without_article(), PUBLISHED)
    found: dict[str, tuple[int, int]] = {}

    def count(kind: str, hits: list[bool]) -> None:
        found[kind] = (sum(hits), len(hits))

    figure_hits = []
    for entity, facts in gold.items():
        if facts["kind"] != "figure" or "value" not in facts:
            continue
        figure_hits.append(
            any(
                r["kind"] == "figure"
                and Decimal(r["value"]) == facts["value"]
                and r["bound"] == facts["bound"]
                and overlaps(r, spans[entity])
                for r in rows
            )
        )
    count("figures (value and bound)", figure_hits)
    count(
        "documents",
        [
            any(r["kind"] == "document" and overlaps(r, spans[e]) for r in rows)
            for e, f in gold.items()
            if f["kind"] == "document"
        ],
    )
    people_hits = []
    for facts in gold.values():
        if facts["kind"] != "person" or "name" not in facts:
            continue
        person = any(r["kind"] == "person" and r["quote"] == facts["name"] for r in rows)
        post = facts.get("post")
        if post:
            person = person and any(
                r["kind"] == "post" and overlaps(r, spans[str(post)]) for r in rows
            )
        people_hits.append(person)
    count("people with posts", people_hits)
    count(
        "places",
        [
            any(r["kind"] == "place" and r["iri"] == e for r in rows)
            for e, f in gold.items()
            if f["kind"] == "place"
        ],
    )
    # A period is found when a row has its IRI, or proposes it in its triples (the
    # years that begin and end "giai đoạn 2016-2020").
    proposed = " ".join(r["triples"] for r in rows)
    count(
        "periods",
        [
            any(r["kind"] == "period" and r["iri"] == e for r in rows)
            or f"period:{local(e)} " in proposed + " "
            or f"period:{local(e)} ;" in proposed
            or f"period:{local(e)} ." in proposed
            for e, f in gold.items()
            if f["kind"] == "period"
        ],
    )
    # A candidate is right when it is a mention of a hand-encoded resource of its kind:
    # it overlaps that resource's evidence, or says the same words as that evidence (or
    # the start of them: "Ban Thường vụ Huyện ủy" for "… Huyện ủy Nam Trực").
    quoted: dict[str, set[str]] = defaultdict(set)
    for e, f in gold.items():
        for s, e_ in spans[e]:
            quoted[str(f["kind"])].add(match_key(TEXT[s:e_]))
    correct = 0
    wrong: list[str] = []
    for r in rows:
        if r["kind"] in ("place", "period"):
            ok = r["iri"] in gold and gold[r["iri"]]["kind"] == r["kind"]
        else:
            key = match_key(r["quote"])
            ok = any(
                f["kind"] == r["kind"] and overlaps(r, spans[e]) for e, f in gold.items()
            ) or any(q == key or q.startswith(key + " ") for q in quoted[r["kind"]])
        correct += ok
        if not ok:
            wrong.append(f"{r['kind']}: {r['quote'][:60]}")
    found["precision"] = (correct, len(rows))
    found["_wrong"] = (0, 0)
    evaluate.wrong = wrong  # type: ignore[attr-defined]
    return found


def article_of(words: int) -> str:
    """A text of about ``words`` words made of the seed article's paragraphs."""
    paragraphs = [p for p in TEXT.split("\n\n") if len(p.split()) > 20]
    out: list[str] = []
    while sum(len(p.split()) for p in out) < words:
        out.append(paragraphs[len(out) % len(paragraphs)])
    return "\n\n".join(out)


def time_draft(words: int, runs: int) -> tuple[float, float, int]:
    """Medians of cold runs of `kg draft` (a fresh process each, the shipped data loaded)
    on a ``words``-word text, against `python -c pass` run side by side."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        text = Path(tmp) / "long.txt"
        text.write_text(article_of(words), encoding="utf-8")
        out = Path(tmp) / "draft.csv"
        kg = [
            sys.executable,
            "-m",
            "kg",
            "draft",
            "bench-article",
            "--text",
            str(text),
            "--published",
            PUBLISHED,
            "-o",
            str(out),
        ]
        base = [sys.executable, "-c", "pass"]
        kg_times, base_times = [], []
        for _ in range(runs):
            for command, times in ((kg, kg_times), (base, base_times)):
                began = time.perf_counter()
                subprocess.run(command, check=True, cwd=ROOT)
                times.append(time.perf_counter() - began)
        rows = out.read_text(encoding="utf-8").count("\n") - 1
        return statistics.median(kg_times), statistics.median(base_times), rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--words", type=int, default=2000)
    parser.add_argument("-o", "--output", default=str(ROOT / "bench" / "results-draft.md"))
    args = parser.parse_args()
    found = evaluate()
    lines = [
        "# `kg draft` on the seed article",
        "",
        "Generated by `python bench/draft_recall.py` (do not edit). The drafter sees the",
        "graph without the article's facts and evidence; see the script's docstring for",
        "what counts as found.",
        "",
        "| measure | found | of | % |",
        "|---|---:|---:|---:|",
    ]
    total_hit = total = 0
    for name, (hit, of) in found.items():
        if name.startswith("_"):
            continue
        lines.append(f"| {name} | {hit} | {of} | {100 * hit / of:.0f} |")
        if name != "precision":
            total_hit, total = total_hit + hit, total + of
    lines.append(f"| all kinds (recall) | {total_hit} | {total} | {100 * total_hit / total:.0f} |")
    wrong = getattr(evaluate, "wrong", [])
    lines += ["", f"Candidates that match nothing hand-encoded ({len(wrong)}):", ""]
    lines += [f"- {w}" for w in wrong]
    if args.runs:
        kg_time, base_time, rows = time_draft(args.words, args.runs)
        lines += [
            "",
            f"Speed: `kg draft` on a {args.words}-word text (the seed's paragraphs repeated), "
            f"cold, median of {args.runs} runs: {kg_time:.2f} s ({rows} candidates); "
            f"`python -c pass` beside it: {base_time:.2f} s.",
        ]
    Path(args.output).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
