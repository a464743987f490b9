"""Stored queries on data that restates what it mentions, as real sources do.

Every generated article (bench/generate.py) restates the national documents and bodies,
its district, places and people in its own facts graph, as the shipped article does for
what it mentions. A query that looks parts of an answer up in independent ``GRAPH ?g``
blocks then returns each row once per combination of graphs (``documents-mentioned``
gave 4,816 rows for 16 documents on 7 articles, and ran out of time at 10^5 quads).
Here, on a generated graph of 3 districts x 3 years:

* no stored query repeats a row, except the three whose rows are one per thing the
  answer does not show (below, with the reason);
* the embedded store (rdflib) and the Oxigraph store give the same answers;
* the label chosen for the other end of a link (``describe-entity``, ``article-metadata``)
  is the one in the language asked for, once, and none when it has none in that
  language, also where an image shows nothing.

No timing is asserted (bench/run.py measures them).
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rdflib import Dataset

import kg.store
from bench_scripts import bench_script
from kg.core import paths
from kg.io.parse import load
from kg.sparql import catalogue as queries
from kg.sparql import text as sparql_text
from kg.sparql.results import Result
from kg.store.oxigraph import OxigraphStore
from result_compare import comparable

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "bench" / "generate.py"
CASES = queries.expected_cases()
DISTRICTS, YEARS = 3, 3
ARTICLES = DISTRICTS * YEARS

#: Queries whose equal rows stand for different things the answer does not show.
ONE_ROW_PER_UNSHOWN = {
    # one row per annotation: articles of the same shape quote the same words at the
    # same offsets (the annotation and its source are not in the answer)
    "facts-with-evidence",
    # one row per set of review suggestions (each article has one; not shown)
    "review-topics",
    # one row per disciplinary handling naming the type (not shown)
    "violation-types",
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    if not GENERATOR.is_file() or not paths.ontology_path().is_file():
        pytest.skip("needs a source checkout")
    out = tmp_path_factory.mktemp("plans") / "restated.nq"
    args = [
        "--districts",
        str(DISTRICTS),
        "--years",
        str(YEARS),
        "--seed",
        "1",
        "--error-rate",
        "0",
    ]
    assert bench_script("generate").main([*args, "-o", str(out)], out=io.StringIO()) == 0
    return [paths.ontology_path(), paths.vocabulary_path(), out]


@pytest.fixture(scope="module")
def generated_store(
    generated: list[Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OxigraphStore]:
    store = OxigraphStore(tmp_path_factory.mktemp("plans-store") / "kg")
    store.load(generated)
    yield store
    store.close()


@pytest.fixture(scope="module")
def generated_dataset(generated: list[Path]) -> Dataset:
    data: Dataset = load(generated)
    return data


@pytest.fixture(scope="module")
def parameters(generated_store: OxigraphStore) -> dict[str, str]:
    """An entity of the generated graph for describe-entity: a district committee."""
    found = generated_store.query(
        "PREFIX kgo: <https://w3id.org/vn-kg/ontology#> SELECT ?body WHERE {"
        " GRAPH ?g { ?body a kgo:DistrictPartyCommittee } } ORDER BY ?body LIMIT 1"
    )
    return {"entity": str(found.rows[0]["body"])}


def _values(case: queries.ExpectedCase, parameters: dict[str, str]) -> dict[str, str]:
    values = {"lang": case.lang} if case.lang else {}
    if case.query.name == "describe-entity":
        values.update(parameters)
    return values


def _rows(result: Result) -> Counter[tuple[tuple[str, str], ...]]:
    return Counter(tuple(sorted((k, v.n3()) for k, v in row.items())) for row in result.rows)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_no_row_is_repeated_by_restated_resources(
    case: queries.ExpectedCase, generated_store: OxigraphStore, parameters: dict[str, str]
) -> None:
    result = kg.store.run(case.query, _values(case, parameters), store=generated_store)
    repeated = {row: n for row, n in _rows(result).items() if n > 1}
    if case.query.name in ONE_ROW_PER_UNSHOWN:
        # at most once per article (one annotation, set of suggestions or handling each),
        # not once per article for every graph that restates a label as well
        assert max(repeated.values(), default=1) <= ARTICLES, case.id
        return
    assert not repeated, (
        f"{case.id}: {len(repeated)} rows repeated on a graph that restates resources "
        f"(e.g. {next(iter(repeated.items()))}); look each part up once (DISTINCT) "
        "instead of in independent GRAPH ?g blocks"
    )


def test_the_answers_are_not_empty_where_the_generated_graph_has_the_facts(
    generated_store: OxigraphStore, parameters: dict[str, str]
) -> None:
    """So that the test above is about real answers: 9 articles, their documents, places,
    people, organisations and evidence."""
    sizes = {
        case.query.name: len(
            kg.store.run(case.query, _values(case, parameters), store=generated_store).rows
        )
        for case in CASES
        if case.lang is None
    }
    for name in (
        "article-metadata",
        "describe-entity",
        "documents-mentioned",
        "facts-with-evidence",
        "organisation-hierarchy",
        "people-and-posts",
        "places",
    ):
        assert sizes[name] > 0, name
    # the national documents once, the district's own once a year: 2 + 3 x 3 x 2
    assert sizes["documents-mentioned"] == 20
    assert sizes["article-metadata"] == 9


@pytest.mark.parametrize("case", [c for c in CASES if c.lang is None], ids=lambda c: c.id)
def test_embedded_and_oxigraph_stores_agree_on_restated_data(
    case: queries.ExpectedCase,
    generated_store: OxigraphStore,
    generated_dataset: Dataset,
    parameters: dict[str, str],
) -> None:
    values = _values(case, parameters)
    keys = sparql_text.order_keys(case.query.text)
    local = kg.store.run(case.query, values, data=generated_dataset)
    stored = kg.store.run(case.query, values, store=generated_store)
    assert local.variables == stored.variables
    assert comparable(local, keys) == comparable(stored, keys), case.id


# -- the label in the language asked for ------------------------------------------------

LABELS = """\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix schema: <https://schema.org/> .
@prefix ex: <https://example.org/> .

ex:one {
    ex:entity ex:link ex:both , ex:vi-only , ex:none .
    ex:both rdfs:label "hai"@vi , "both"@en .
    ex:vi-only rdfs:label "chỉ tiếng Việt"@vi .
    ex:article a schema:NewsArticle ; dct:title "Bài"@vi ;
        schema:datePublished "2021-11-01T08:10:00+07:00"^^xsd:dateTime ;
        schema:author ex:author ; schema:image ex:image-vi , ex:image-both , ex:image-nothing .
    ex:author foaf:name "Tác giả" .
    ex:image-vi schema:caption "ảnh 1"@vi ; foaf:depicts ex:vi-only .
    ex:image-both schema:caption "ảnh 2"@vi ; foaf:depicts ex:both .
    ex:image-nothing schema:caption "ảnh 3"@vi .
}

ex:two {
    ex:entity ex:link ex:both .
    ex:both rdfs:label "both"@en .
}
"""


@pytest.fixture(scope="module")
def label_sources(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    path = tmp_path_factory.mktemp("labels") / "labels.trig"
    path.write_text(LABELS, encoding="utf-8")
    return [path]


Run = Callable[[str, dict[str, str]], Result]


@pytest.fixture(scope="module", params=["memory", "oxigraph"])
def run_on_labels(
    request: pytest.FixtureRequest,
    label_sources: list[Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Run]:
    if request.param == "memory":
        data = load(label_sources)
        yield lambda name, values: kg.store.run(queries.get(name), values, data=data)
        return
    store = OxigraphStore(tmp_path_factory.mktemp("labels-store") / "kg")
    store.load(label_sources)
    yield lambda name, values: kg.store.run(queries.get(name), values, store=store)
    store.close()


def _table(result: Result, *names: str) -> set[tuple[str | None, ...]]:
    rows = [tuple(str(row[n]) if n in row else None for n in names) for row in result.rows]
    assert len(rows) == len(set(rows)), rows
    return set(rows)


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_describe_entity_labels_the_other_end_in_the_language_or_not_at_all(
    run_on_labels: Run, lang: str
) -> None:
    result = run_on_labels(
        "describe-entity", {"entity": "https://example.org/entity", "lang": lang}
    )
    ex = "https://example.org/"
    both = "both" if lang == "en" else "hai"
    vi_only = None if lang == "en" else "chỉ tiếng Việt"
    assert _table(result, "graph", "value", "valueLabel") == {
        (f"{ex}one", f"{ex}both", both),
        (f"{ex}one", f"{ex}vi-only", vi_only),
        (f"{ex}one", f"{ex}none", None),
        (f"{ex}two", f"{ex}both", both),
    }


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_article_metadata_labels_what_an_image_shows_in_the_language_or_not_at_all(
    run_on_labels: Run, lang: str
) -> None:
    result = run_on_labels("article-metadata", {"lang": lang})
    ex = "https://example.org/"
    assert _table(result, "image", "depicts", "depictsLabel") == {
        (f"{ex}image-vi", f"{ex}vi-only", None if lang == "en" else "chỉ tiếng Việt"),
        (f"{ex}image-both", f"{ex}both", "both" if lang == "en" else "hai"),
        (f"{ex}image-nothing", None, None),
    }
