"""Paging, as grlc pages (issue 14, item 4): ``#+ pagination: N`` on a stored query, its
pages from ``kg query run --page`` and ``/api/queries/NAME?page=``, the ``Link`` header and
the OpenAPI ``page`` parameter. Every page's rows are grlc's own rewriting's rows; the
pages of the shipped data are the checked-in expected answers (``NAME.page2.expected.json``
beside ``NAME.expected.json``)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from werkzeug.test import Client

import kg.store
from kg.cli import cli
from kg.core.errors import EXIT_ERROR, ParameterError, QueryError
from kg.http.app import create_app
from kg.http.context import ServerConfig
from kg.publish.generate import EXPECTED_DIR
from kg.sparql import catalogue as queries
from kg.sparql import text as sparql_text
from kg.sparql.results import Result, parse_json, to_json

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = ROOT.joinpath(*EXPECTED_DIR)
PAGED = [q for q in queries.discover() if q.pagination is not None]
ORDERED = """#+ summary: Labels
#+ pagination: 2
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?label WHERE { GRAPH ?g { ?s rdfs:label ?label } }
"""


def projected(text: str) -> list[str]:
    """The variables a SELECT shows: ``?x`` and ``(... AS ?x)`` up to its WHERE group."""
    toks = list(sparql_text.tokens(text))
    start = next(i for i, t in enumerate(toks) if t.keyword == "SELECT" and t.depth == 0)
    shown: list[str] = []
    nesting = 0
    for tok in toks[start + 1 :]:
        if tok.kind == "open" or tok.keyword == "WHERE":
            break
        if tok.text == "(":
            nesting += 1
        elif tok.text == ")":
            nesting -= 1
        elif tok.kind == "var" and (nesting == 0 or shown_as(toks, tok)):
            shown.append(tok.text[1:])
    return shown


def shown_as(toks: list[sparql_text.Token], tok: sparql_text.Token) -> bool:
    at = toks.index(tok)
    return at > 0 and toks[at - 1].keyword == "AS"


def expected(name: str, page: int | None = None) -> str:
    middle = f".page{page}" if page else ""
    return (EXPECTED / f"{name}{middle}.expected.json").read_text(encoding="utf-8")


# -- the catalogue -------------------------------------------------------------------------


def test_the_lists_that_grow_with_the_data_are_paged() -> None:
    assert {"facts-with-evidence", "organisation-hierarchy"} <= {q.name for q in PAGED}


@pytest.mark.parametrize("stored", PAGED, ids=lambda q: q.name)
def test_a_paged_query_orders_by_every_column(stored: queries.StoredQuery) -> None:
    """Stable pages: rows equal in every ORDER BY key are equal rows, so no engine can put
    one row on two pages, or on none, by ordering ties differently from one page to the
    next."""
    keys = sparql_text.order_keys(stored.text)
    assert keys is not None, f"{stored.name}: #+ pagination without ORDER BY"
    columns = projected(stored.text)
    assert columns and set(columns) <= set(keys), (
        f"{stored.name}: ORDER BY leaves out {sorted(set(columns) - set(keys))}"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (ORDERED, "needs an ORDER BY"),
        (ORDERED + "ORDER BY ?s LIMIT 10\n", "must have none"),
        (ORDERED.replace("?label }", "?label } LIMIT 3") + "ORDER BY ?s\n", "must have none"),
        (ORDERED.replace("2", "0") + "ORDER BY ?s\n", "from 1 to"),
        (ORDERED.replace("2", "many") + "ORDER BY ?s\n", "whole number"),
        (ORDERED.replace("SELECT ?s ?label", "CONSTRUCT") + "ORDER BY ?s\n", "pages SELECT"),
        (ORDERED.replace("?label }", "?label FILTER (?s != ?_page) }") + "ORDER BY ?s", "rename"),
    ],
    ids=["no-order", "limit", "subquery-limit", "zero", "not-a-number", "construct", "page"],
)
def test_a_query_that_cannot_be_paged_is_refused(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        queries.parse(text)


@pytest.mark.parametrize("value", ["100", "7", "010", "1e3", "0x10", "'2'", "2.0"])
def test_pagination_is_read_without_yaml_as_yaml_reads_it(value: str) -> None:
    import yaml

    from kg.sparql import header

    lines = [" summary: Labels", f" pagination: {value}"]
    plain = header.read(lines)
    assert plain is None or plain == yaml.safe_load("\n".join(lines))
    # a leading zero is octal to YAML 1.1: left to PyYAML
    assert (plain is not None) == (value in ("100", "7"))


def test_pagination_must_be_a_number_not_text() -> None:
    assert queries.parse(ORDERED + "ORDER BY ?s\n").pagination == 2
    with pytest.raises(QueryError, match="whole number"):
        queries.parse(ORDERED.replace("2", "'2'") + "ORDER BY ?s\n")


@pytest.mark.parametrize("raw", ["0", "-1", "x", "1.5", "", "9" * 30])
def test_a_bad_page_number_is_a_parameter_error(raw: str) -> None:
    stored = queries.get("facts-with-evidence")
    with pytest.raises(ParameterError, match="is not a page number"):
        queries.page_number(stored, raw)


def test_a_page_is_grlcs_limit_and_offset_plus_one_row() -> None:
    stored = queries.get("facts-with-evidence")
    assert stored.pagination == 100
    assert queries.page_number(stored, None) == 1
    assert queries.page_text(stored, 3).endswith("\nLIMIT 101 OFFSET 200\n")
    with pytest.raises(ParameterError, match="not paged"):
        queries.page_number(queries.get("places"), "2")
    assert queries.page_number(queries.get("places"), None) is None


def test_expected_cases_hold_the_second_page_of_each_paged_query() -> None:
    second = [c for c in queries.expected_cases() if c.page == 2]
    assert sorted(c.query.name for c in second) == sorted(q.name for q in PAGED)
    assert {c.filename for c in second} >= {"facts-with-evidence.page2.expected.json"}


# -- the pages, against grlc and against the whole answer ------------------------------------


@pytest.mark.parametrize("store", ["rdflib", "memory"])
@pytest.mark.parametrize("stored", PAGED, ids=lambda q: q.name)
def test_pages_are_grlcs_pages_and_together_the_whole_answer(
    stored: queries.StoredQuery, store: str
) -> None:
    gquery = pytest.importorskip("grlc.gquery")
    # grlc's text has no header: the defaults are sent as values.
    values = {p.name: p.default for p in stored.parameters if p.default is not None}
    whole = kg.store.run_text(stored.text, values, store=store)
    rows = []
    page = 1
    while True:
        got = kg.store.run(stored, page=page, store=store)
        # grlc's own rewriting of the same query, run as it sends it
        theirs = gquery.paginate_query(stored.sparql, stored.pagination, {"page": page})
        assert got.rows == kg.store.run_text(theirs, values, store=store).rows, page
        assert len(got.rows) <= (stored.pagination or 0)
        rows.extend(got.rows)
        if got.next_page is None:
            break
        assert got.next_page == page + 1 and len(got.rows) == stored.pagination
        page += 1
    assert rows == whole.rows
    assert kg.store.run(stored, page=page + 1, store=store).rows == []


def test_the_shipped_data_has_a_second_page_of_facts() -> None:
    stored = queries.get("facts-with-evidence")
    first = kg.store.run(stored)
    assert len(first.rows) == 100 and first.next_page == 2
    second = kg.store.run(stored, page="2")
    assert second.next_page is None and 0 < len(second.rows) < 100
    assert to_json(second) == to_json(parse_json(expected(stored.name, 2), "SELECT"))


# -- kg query run --page ---------------------------------------------------------------------


def test_kg_query_run_prints_the_page_and_says_what_follows() -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["query", "run", "facts-with-evidence", "-f", "json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == json.loads(expected("facts-with-evidence"))
    assert first.stderr == ("kg: facts-with-evidence: page 1, 100 rows a page; next: --page 2\n")
    second = runner.invoke(
        cli, ["query", "run", "facts-with-evidence", "--page", "2", "-f", "json"]
    )
    assert second.exit_code == 0, second.output
    assert json.loads(second.stdout) == json.loads(expected("facts-with-evidence", 2))
    assert second.stderr == "kg: facts-with-evidence: page 2, 100 rows a page; last page\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["facts-with-evidence", "--page", "0"], "page '0' is not a page number (1, 2, 3 ...)"),
        (["places", "--page", "2"], "query 'places' is not paged: it has no page to ask for"),
    ],
)
def test_kg_query_run_refuses_a_bad_page_in_one_line(args: list[str], message: str) -> None:
    done = CliRunner().invoke(cli, ["query", "run", *args])
    assert done.exit_code == EXIT_ERROR
    assert done.stderr == f"kg: error: {message}\n" and done.stdout == ""


def test_kg_query_show_and_list_name_the_page_size() -> None:
    shown = CliRunner().invoke(cli, ["query", "show", "organisation-hierarchy"])
    assert "pages:       100 rows a page (--page N, default 1)" in shown.stdout
    listed = CliRunner().invoke(cli, ["query", "list"]).stdout.splitlines()
    line = next(row for row in listed if row.startswith("facts-with-evidence\t"))
    assert line.endswith("[lang=en page?=1]")


def test_kg_sparql_runs_a_paged_file_as_written(tmp_path: Path) -> None:
    source = tmp_path / "facts.rq"
    source.write_text(queries.get("facts-with-evidence").text, encoding="utf-8")
    done = CliRunner().invoke(cli, ["sparql", str(source), "-p", "lang=en", "-f", "csv"])
    assert done.exit_code == 0, done.output
    assert len(done.stdout.splitlines()) == 1 + 181


# -- /api/queries/NAME?page= -----------------------------------------------------------------


@pytest.fixture(scope="module")
def client() -> Client:
    return Client(create_app(ServerConfig()))


def test_api_answers_the_page_with_link_headers(client: Client) -> None:
    base = "http://localhost/api/queries/facts-with-evidence"
    first = client.get("/api/queries/facts-with-evidence?lang=en&format=json")
    assert first.status_code == 200
    assert json.loads(first.data) == json.loads(expected("facts-with-evidence"))
    assert first.headers["Link"] == (
        f'<{base}?lang=en&format=json&page=2>; rel="next", '
        f'<{base}?lang=en&format=json&page=1>; rel="first"'
    )
    second = client.get("/api/queries/facts-with-evidence?page=2&lang=en&format=json")
    assert json.loads(second.data) == json.loads(expected("facts-with-evidence", 2))
    assert second.headers["Link"] == (
        f'<{base}?lang=en&format=json&page=1>; rel="prev", '
        f'<{base}?lang=en&format=json&page=1>; rel="first"'
    )
    beyond = client.get("/api/queries/facts-with-evidence?page=5")
    assert json.loads(beyond.data)["results"]["bindings"] == []
    assert beyond.headers["Link"] == f'<{base}?page=4>; rel="prev", <{base}?page=1>; rel="first"'


def test_api_links_keep_the_form_fields_of_a_post_and_the_public_url() -> None:
    public = Client(create_app(ServerConfig(public_url="https://kg.example.org/")))
    response = public.post("/api/queries/facts-with-evidence", data={"lang": "vi", "page": "1"})
    assert response.status_code == 200
    assert response.headers["Link"].startswith(
        '<https://kg.example.org/api/queries/facts-with-evidence?lang=vi&page=2>; rel="next"'
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/api/queries/facts-with-evidence?page=0", "page '0' is not a page number (1, 2, 3 ...)"),
        ("/api/queries/places?page=2", "query 'places' is not paged: it has no page to ask for"),
    ],
)
def test_api_refuses_a_bad_page_as_the_cli_does(client: Client, url: str, message: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert json.loads(response.data) == {"status": 400, "error": message}
    assert "Link" not in response.headers


def test_openapi_declares_page_for_paged_queries_only(client: Client) -> None:
    document = json.loads(client.get("/api/openapi.json").data)
    for stored in queries.discover():
        operation = document["paths"][f"/api/queries/{stored.name}"]["get"]
        page = [p for p in operation["parameters"] if p["name"] == "page"]
        ok = operation["responses"]["200"]
        if stored.pagination is None:
            assert page == [] and "headers" not in ok, stored.name
            continue
        assert page[0]["schema"] == {"type": "integer", "minimum": 1, "default": 1}
        assert page[0]["required"] is False
        assert f"{stored.pagination} rows a page" in page[0]["description"]
        assert set(ok["headers"]) == {"Link"}
    catalogue = json.loads(client.get("/api/queries").data)["queries"]
    sizes = {entry["name"]: entry["pagination"] for entry in catalogue}
    assert sizes == {q.name: q.pagination for q in queries.discover()}


def test_the_query_page_shows_a_page_and_links_the_next(client: Client) -> None:
    first = client.get("/queries/facts-with-evidence?lang=en").get_data(as_text=True)
    assert '<a href="/queries/facts-with-evidence?lang=en&amp;page=2" rel="next">' in first
    last = client.get("/queries/facts-with-evidence?lang=en&page=2").get_data(as_text=True)
    assert 'rel="next"' not in last
    refused = client.get("/queries/places?page=2")
    assert refused.status_code == 400
    assert "is not paged" in refused.get_data(as_text=True)


# -- pages by key (#+ page_key_property) -----------------------------------------------------

KEYED = [q for q in PAGED if q.page_key_property is not None]


def test_facts_with_evidence_pages_by_its_source_texts() -> None:
    """By source text, then offset: every source has a quote at offset 0, so a key of
    offsets would tie across every source; a page asks for a twentieth as many source
    texts as rows (``#+ page_key_rows: 20``)."""
    stored = queries.get("facts-with-evidence")
    assert stored.page_key_property == "https://w3id.org/vn-kg/ontology#text"
    assert stored.page_key_subject and stored.page_key_rows == 20
    assert queries.page_key_text(stored, 6).startswith("SELECT DISTINCT ?source WHERE {")


def test_page_key_rows_sets_how_many_subjects_a_page_asks_for() -> None:
    """A page of 100 rows asks for 101 subjects by default (a row each), for 6 when a
    subject has about 20 rows; with too few rows it asks for four times as many."""
    from rdflib import URIRef

    text = ORDERED.replace("2\n", "100\n#+ page_key_property: ^rdfs:label\n", 1)
    text += "ORDER BY ?s ?label\n"
    subjects = [URIRef(f"http://example.org/s{n:03}") for n in range(500)]

    def asked(stored: queries.StoredQuery) -> list[int]:
        counts: list[int] = []

        def run(sent: str) -> Result:
            if sent.startswith("SELECT DISTINCT ?s WHERE"):
                return Result("SELECT", ["s"], solutions=[{"s": s} for s in subjects])
            counts.append(sent.count("<http://example.org/s"))
            return Result("SELECT", ["s", "label"], solutions=[])

        queries.run_page(stored, 1, run)
        return counts

    assert asked(queries.parse(text))[0] == 101
    many = queries.parse(
        text.replace("#+ page_key_property", "#+ page_key_rows: 20\n#+ page_key_property")
    )
    assert many.page_key_rows == 20
    assert asked(many)[:2] == [6, 24]


@pytest.mark.parametrize(
    ("rows", "message"),
    [("0", "from 1 to"), ("many", "from 1 to"), ("true", "from 1 to")],
)
def test_a_bad_page_key_rows_is_refused(rows: str, message: str) -> None:
    text = ORDERED.replace(
        "2\n", f"2\n#+ page_key_property: ^rdfs:label\n#+ page_key_rows: {rows}\n", 1
    )
    with pytest.raises(QueryError, match=message):
        queries.parse(text + "ORDER BY ?s ?label\n")


def test_page_key_rows_needs_a_subject_key() -> None:
    text = ORDERED.replace("2\n", "2\n#+ page_key_property: rdfs:label\n#+ page_key_rows: 5\n", 1)
    with pytest.raises(QueryError, match="needs a subject key"):
        queries.parse(text + "ORDER BY ?label ?s\n")


def test_a_keyed_page_restricts_the_sub_selects_that_use_the_key() -> None:
    """The page's key values go first in the outer WHERE group and in each sub-select
    whose own group uses the key variable, so that an engine that evaluates sub-selects in
    full (Oxigraph) evaluates them for the page only; a sub-select that does not use the
    key (only one nested in it does) is left as it is."""
    from rdflib import Literal, URIRef

    text = """#+ summary: Labels
#+ pagination: 2
#+ page_key_property: rdfs:label
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?label WHERE {
    GRAPH ?g { ?s rdfs:label ?label }
    OPTIONAL {
        SELECT ?s ?comment WHERE {
            { SELECT DISTINCT ?s WHERE { GRAPH ?h { ?s rdfs:label ?label } } }
            OPTIONAL { GRAPH ?c { ?s rdfs:comment ?comment } }
        }
    }
}
ORDER BY ?label ?s
"""
    keyed = queries.keyed_page_text(queries.parse(text), 1, [Literal("a"), Literal("b")])
    block = ' VALUES ?label { "a" "b" }\n'
    assert keyed.count(block) == 2
    assert f"SELECT ?s ?label WHERE {{{block}" in keyed
    assert f"SELECT DISTINCT ?s WHERE {{{block}" in keyed
    assert "SELECT ?s ?comment WHERE {\n" in keyed
    stored = queries.get("facts-with-evidence")
    source = URIRef("https://w3id.org/vn-kg/id/source/nam-truc-2021-11-01")
    assert queries.keyed_page_text(stored, 1, [source]).count(" VALUES ?source {") == 2


def test_a_subject_key_from_several_properties() -> None:
    """``^p|q``: the key is the subject of either property; kg asks for the distinct
    subjects, unsorted (it sorts the IRIs itself)."""
    stored = queries.get("bounded-figures")
    kgo = "https://w3id.org/vn-kg/ontology#"
    assert stored.page_key_subject
    assert stored.page_key_properties == tuple(
        kgo + p for p in ("minExclusive", "minInclusive", "maxExclusive", "maxInclusive")
    )
    assert stored.page_key_property == kgo + "minExclusive"
    text = queries.page_key_text(stored, 101)
    assert text.startswith("SELECT DISTINCT ?statistic WHERE {")
    assert f"?statistic <{kgo}minExclusive>|<{kgo}minInclusive>|" in text
    assert "ORDER BY" not in text and "LIMIT" not in text


def test_an_engine_that_orders_iris_otherwise_gets_grlcs_page() -> None:
    """kg sorts subject keys by their text, as SPARQL orders IRIs; where the engine's page
    comes in another order, the keys found are not the first ones, and grlc's text runs."""
    stored = replace_pagination(queries.get("documents-mentioned"), 2)
    # The shared store of the shipped data: other tests of this process use it, so it
    # stays open.
    store = kg.store.shipped("memory")
    terms = queries.bindings(stored, {})
    expected = queries.cut_page(stored, 1, store.query(queries.page_text(stored, 1), terms))
    sent: list[str] = []

    def reversed_keys(text: str) -> Result:
        sent.append(text)
        result = store.query(text, terms)
        if " VALUES ?document {" in text:
            result.solutions.reverse()
        return result

    got = queries.run_page(stored, 1, reversed_keys)
    assert sent[-1] == queries.page_text(stored, 1)
    assert got.rows == expected.rows
    sent.clear()
    assert queries.run_page(stored, 1, lambda t: sent.append(t) or store.query(t, terms)).rows == (
        expected.rows
    )
    assert queries.page_text(stored, 1) not in sent


def replace_pagination(stored: queries.StoredQuery, size: int) -> queries.StoredQuery:

    return stored._replace(pagination=size)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated graph with many pages, start offsets shared by many sources (ties at
    every page boundary) and planted errors (facts without a label in a language)."""
    from bench_scripts import bench_script

    out = tmp_path_factory.mktemp("paging") / "generated.nq"
    args = ["--triples", "1e4", "--seed", "5", "--error-rate", "0.05", "-o", str(out)]
    assert bench_script("generate").main(args, out=io.StringIO()) == 0
    return out


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["memory", "rdflib"])
@pytest.mark.parametrize("stored", KEYED, ids=lambda q: q.name)
def test_pages_by_key_are_grlcs_pages_on_generated_data(
    stored: queries.StoredQuery, engine: str, generated: Path
) -> None:
    """Every page found by key is grlc's page (the query with LIMIT and OFFSET), on data
    where keys tie across page boundaries and some rows have no label, without falling
    back to grlc's text. Pages of a fifth of the answer (at most the query's own size), so
    that every query has several.

    grlc's page is the slice of the whole ordered answer, evaluated once: a paged query
    orders by every column (``test_a_paged_query_orders_by_every_column``), so its LIMIT
    and OFFSET can only cut that slice; on Oxigraph each page's own text is run too, to
    show it. rdflib takes up to a minute a page of documents-mentioned: it runs the first
    page, the second (its keys start past a page boundary) and the last (the keys found
    are all there are); the pages between differ from the second only in the offset."""

    from kg.core import paths

    store = kg.store.open_store(engine)
    store.load([str(paths.ontology_path()), str(paths.vocabulary_path()), str(generated)])
    try:
        for lang in ("en", "vi") if engine == "memory" else ("en",):
            terms = queries.bindings(stored, {"lang": lang})
            whole = store.query(stored.text, terms)
            rows = len(whole.rows)
            assert rows >= 5, "the generated data should have rows for every paged query"
            size = min(stored.pagination or 0, rows // 5)
            paged = stored._replace(pagination=size)
            last = -(-rows // size)
            assert last >= 4, "the generated data should have several pages"
            fell_back = []
            for page in range(1, last + 1) if engine == "memory" else (1, 2, last):
                sent: list[str] = []

                def run(text: str, sent: list[str] = sent, terms: Any = terms) -> Result:
                    sent.append(text)
                    return store.query(text, terms)

                keyed = queries.run_page(paged, page, run)
                start = (page - 1) * size
                ahead = whole.solutions[start : start + size + 1]
                plain = queries.cut_page(
                    paged, page, Result(whole.form, whole.variables, solutions=ahead)
                )
                if engine == "memory":
                    grlcs = store.query(queries.page_text(paged, page), terms)
                    assert queries.cut_page(paged, page, grlcs).rows == plain.rows, (lang, page)
                assert keyed.rows == plain.rows, (lang, page)
                assert keyed.next_page == plain.next_page, (lang, page)
                if queries.page_text(paged, page) in sent:
                    fell_back.append(page)
            assert keyed.next_page is None, "the last page says so"
            assert fell_back == [], fell_back
    finally:
        store.close()


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("#+ page_key_property: rdfs:label\n", "page_key_property needs"),
        ("#+ pagination: 2\n#+ page_key_property: ex:start\n", "prefixed name the query"),
        ("#+ pagination: 2\n#+ page_key_property: <a b>\n", "is not an <IRI>"),
    ],
    ids=["not-paged", "undeclared-prefix", "bad-iri"],
)
def test_a_bad_page_key_property_is_refused(header: str, message: str) -> None:
    text = ORDERED.replace("#+ pagination: 2\n", header) + "ORDER BY ?label ?s\n"
    with pytest.raises(QueryError, match=message):
        queries.parse(text)


def test_a_page_key_needs_an_ascending_first_order_key() -> None:
    text = ORDERED.replace("2\n", "2\n#+ page_key_property: rdfs:label\n", 1)
    assert queries.parse(text + "ORDER BY ASC(?label) ?s\n").page_key_property == (
        "http://www.w3.org/2000/01/rdf-schema#label"
    )
    for order in ("ORDER BY DESC(?label) ?s\n", "ORDER BY STR(?label) ?s\n"):
        with pytest.raises(QueryError, match="ascending variable"):
            queries.parse(text + order)
