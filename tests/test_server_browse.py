"""The HTML pages and browsable IRIs of kg serve (kg.http.pages), in process with
werkzeug's test client: start page, catalogue forms, stored-query results, the SPARQL
query page, entity pages (labels, types, facts and their graphs, evidence in context,
what points here), RDF by content negotiation, 404s, and escaping."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from rdflib import Graph, Literal, URIRef
from werkzeug.test import Client

import kg.store
from kg.core.namespaces import BASE, GRAPH, KGO, RDFS
from kg.core.terms import short_name
from kg.http.app import create_app
from kg.http.context import ServerConfig
from kg.io.parse import load
from kg.sparql import catalogue as queries

BODY = BASE + "id/body/huyen-uy-nam-truc"
STATISTIC = BASE + "id/statistic/nam-truc-dang-vien-2021-11-01"
ANNOTATION = BASE + "id/annotation/nam-truc-2021-11-01/0-69"
VOID_ELEMENTS = {"meta", "link", "br", "input", "img", "hr"}


class Page(HTMLParser):
    """Well-formedness (every element closed, in order), and what a test looks for."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.cells: list[list[str]] = []
        self._cell: list[str] | None = None
        self.feed(text)
        self.close()
        assert not self.stack, f"unclosed: {self.stack}"
        assert not self.errors, self.errors

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        if tag == "tr":
            self.cells.append([])
        if tag in ("td", "th"):
            self._cell = []
        if tag not in VOID_ELEMENTS:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        if tag in ("td", "th") and self._cell is not None:
            self.cells[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [
            a
            for t, a in self.elements
            if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]

    @property
    def all_text(self) -> str:
        return "".join(self.text)


@pytest.fixture(scope="module")
def client() -> Client:
    return Client(create_app(ServerConfig()))


def html(client: Client, url: str, status: int = 200) -> Page:
    response = client.get(url, headers={"Accept": "text/html"})
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    text = response.get_data(as_text=True)
    assert text.startswith("<!DOCTYPE html>\n<html lang=")
    # Nothing from elsewhere: no script, and styles only from this server.
    assert "<script" not in text
    parsed = Page(text)
    assert [a["href"] for a in parsed.find("link", rel="stylesheet")] == ["/static/kg.css"]
    return parsed


def labelled(page: Page) -> None:
    """Every input, select and textarea has a <label for=...>."""
    ids = {a["for"] for a in page.find("label")}
    for tag in ("input", "select", "textarea"):
        for attrs in page.find(tag):
            assert attrs.get("id") in ids, f"{tag} {attrs} has no label"


# -- start, catalogue, results --------------------------------------------------------------


def test_start_page_links_the_catalogue_and_query_page(client: Client) -> None:
    page = html(client, "/")
    hrefs = {a.get("href") for a in page.find("a")}
    assert {"/queries", "/query", "/ontology", "/api/queries", "/api/openapi.json"} <= hrefs
    assert "/id/body" in hrefs
    assert page.find("span", lang="vi")


def test_catalogue_has_a_form_per_stored_query(client: Client) -> None:
    page = html(client, "/queries")
    forms = page.find("form")
    assert [f["action"] for f in forms] == [f"/queries/{n}" for n in queries.names()]
    labelled(page)
    lang = page.find("select", id="review-topics--lang")
    assert lang and lang[0]["name"] == "lang"
    selected = [a for a in page.find("option", value="en") if "selected" in a]
    assert len(selected) == len([q for q in queries.discover() if q.parameter("lang")])
    entity = page.find("input", id="describe-entity--entity")
    assert entity[0]["value"] == BODY


def test_stored_results_table_is_the_embedded_answer(client: Client) -> None:
    page = html(client, "/queries/review-topics?lang=vi")
    result = kg.store.run(queries.get("review-topics"), {"lang": "vi"})
    header, *rows = [r for r in page.cells if r]
    assert header == result.variables
    expected = [
        [
            (short_name(v) if isinstance(v, URIRef) else str(v)) if v is not None else ""
            for v in (row.get(name) for name in result.variables)
        ]
        for row in result.rows
    ]
    assert sorted(rows) == sorted(expected)
    hrefs = {a["href"] for a in page.find("a")}
    assert "/api/queries/review-topics?lang=vi&format=json" in hrefs
    assert "/api/queries/review-topics?lang=vi&format=csv" in hrefs
    # Entities of the graph link to their pages here.
    assert "/id/concept/review-topic/xay-dung-ntm" in hrefs
    cells = page.find("td", lang="vi")
    assert cells, "Vietnamese literals carry lang=vi"


def test_stored_bad_value_is_400_with_the_message(client: Client) -> None:
    page = html(client, "/queries/review-topics?lang=%3Cb%3Efr", status=400)
    assert "parameter 'lang': '<b>fr' is not one of vi, en" in page.all_text
    assert not page.find("b")
    html(client, "/queries/no-such-query", status=404)


# -- the SPARQL query page ------------------------------------------------------------------


def test_query_page_form_and_results(client: Client) -> None:
    page = html(client, "/query")
    labelled(page)
    assert page.find("textarea", name="query")
    assert {a["value"] for a in page.find("option")} >= {"html", "json", "csv", "turtle"}
    text = "SELECT ?label WHERE { GRAPH ?g { body:huyen-uy-nam-truc rdfs:label ?label } }"
    page = html(client, "/query?" + _qs(query=text, format="html"))
    header, *rows = [r for r in page.cells if r]
    assert header == ["label"]
    assert sorted(rows) == [["Huyện ủy Nam Trực"], ["Nam Trực district party committee"]]
    response = client.get("/query?" + _qs(query=text, format="csv"))
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.get_data(as_text=True).split("\r\n")
    assert lines[0] == "label" and lines[-1] == ""
    assert sorted(lines[1:-1]) == ["Huyện ủy Nam Trực", "Nam Trực district party committee"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }", "SERVICE calls another endpoint"),
        ("SELECT ?x WHERE { nonsense", "bad SPARQL"),
        ("SELEC nonsense", "not a SPARQL query"),
    ],
)
def test_query_page_refusals(client: Client, text: str, message: str) -> None:
    page = html(client, "/query?" + _qs(query=text, format="html"), status=400)
    assert message in page.all_text


def _qs(**values: str) -> str:
    from urllib.parse import urlencode

    return urlencode(values)


# -- entity pages ----------------------------------------------------------------------------


def test_entity_page(client: Client) -> None:
    response = client.get("/id/body/huyen-uy-nam-truc", headers={"Accept": "text/html"})
    assert response.headers["Vary"] == "Accept"
    page = html(client, "/id/body/huyen-uy-nam-truc")
    h1 = page.all_text
    assert "Huyện ủy Nam Trực" in h1 and "Nam Trực district party committee" in h1
    hrefs = {a["href"] for a in page.find("a")}
    # Its type links to the ontology page's anchor; its facts' values to their pages.
    assert "/ontology#DistrictPartyCommittee" in hrefs
    assert "/id/body/dang-bo-huyen-nam-truc" in hrefs
    assert "/id/place/huyen-nam-truc" in hrefs
    # The named graph of each fact.
    assert "/graph/facts/nam-truc-2021-11-01" in hrefs
    # What points here: the posts in it, the annotations whose body it is.
    assert page.find("section", id="incoming")
    assert page.find("section", id="related")
    assert "district party committee" in page.all_text  # readable type label
    assert "territory" in page.all_text  # readable property label


def test_entity_page_shows_evidence_in_context(client: Client) -> None:
    response = client.get(
        "/id/statistic/nam-truc-dang-vien-2021-11-01", headers={"Accept": "text/html"}
    )
    text = response.get_data(as_text=True)
    Page(text)
    rows = kg.store.run(queries.get("evidence-for-fact"), {"fact": STATISTIC}).rows
    assert rows
    for row in rows:
        from html import escape

        quoted = (
            escape(str(row["prefix"]))
            + "<mark>"
            + escape(str(row["exact"]))
            + "</mark>"
            + escape(str(row["suffix"]))
        )
        assert quoted in text
        assert f"characters {row['start']}–{row['end']}" in text
    assert 'href="/id/article/nam-truc-2021-11-01"' in text
    assert 'lang="vi">…' in text


def test_hash_iris_are_sections_of_their_page(client: Client) -> None:
    page = html(client, "/id/annotation/nam-truc-2021-11-01/0-69")
    ids = {a.get("id") for _, a in page.elements}
    assert {"target", "quote", "position", "evidence"} <= ids
    assert "<mark>" not in page.all_text  # the text is marked up, not escaped markup
    assert page.find("mark")


def test_ontology_page_has_an_anchor_per_term(client: Client, shipped_dataset: Any) -> None:
    page = html(client, "/ontology")
    ids = {a.get("id") for _, a in page.elements}
    terms = {
        str(s)[len(str(KGO)) :]
        for s in shipped_dataset.graph(GRAPH["ontology"]).subjects()
        if str(s).startswith(str(KGO))
    }
    assert terms and terms <= ids
    assert "cơ quan, tổ chức của Đảng" in page.all_text  # kgo:PartyBody's Vietnamese label


def test_kind_and_graph_pages(client: Client) -> None:
    page = html(client, "/id/body")
    assert "/id/body/huyen-uy-nam-truc" in {a["href"] for a in page.find("a")}
    page = html(client, "/graph/facts/nam-truc-2021-11-01")
    assert "/id/body/huyen-uy-nam-truc" in {a["href"] for a in page.find("a")}


def test_unknown_entity_is_a_404_page(client: Client) -> None:
    page = html(client, "/id/body/no-such-body", status=404)
    assert f"nothing in the graph is called {BASE}id/body/no-such-body" in page.all_text
    response = client.get("/id/body/no-such-body", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.headers["Vary"] == "Accept"


@pytest.mark.parametrize("accept", ["text/html", "text/turtle"])
@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/id/body/%ZZ", "percent encoding"),
        ("/id/%ZZ", "percent encoding"),
        ("/id/a%20b", "U+0020"),
    ],
)
def test_a_path_no_iri_can_have_is_a_404_that_says_so(
    client: Client, path: str, reason: str, accept: str
) -> None:
    # Not a SPARQL error: the user's URL is wrong, not the server's query.
    response = client.get(path, headers={"Accept": accept})
    text = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "is not a valid IRI" in text and reason in text
    assert "bad SPARQL" not in text and "parsing failed" not in text


# -- RDF by content negotiation ---------------------------------------------------------------


def description(dataset: Any, iri: str) -> set[tuple[Any, Any, Any]]:
    union = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        if str(s) == iri or str(s).startswith(iri + "#") or o == URIRef(iri):
            union.add((s, p, o))
    return set(union)


@pytest.mark.parametrize(
    ("accept", "fmt", "rdf_format", "media_type"),
    [
        ("text/turtle", None, "turtle", "text/turtle"),
        ("application/ld+json", None, "json-ld", "application/ld+json"),
        ("application/n-triples", None, "nt", "application/n-triples"),
        ("text/html", "turtle", "turtle", "text/turtle"),
        ("text/turtle;q=0.5, application/ld+json", None, "json-ld", "application/ld+json"),
    ],
)
@pytest.mark.parametrize("iri", [BODY, ANNOTATION])
def test_entity_rdf_by_accept(
    client: Client,
    shipped_dataset: Any,
    iri: str,
    accept: str,
    fmt: str | None,
    rdf_format: str,
    media_type: str,
) -> None:
    path = iri[len(BASE) - 1 :] + (f"?format={fmt}" if fmt else "")
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == f"{media_type}; charset=utf-8"
    assert response.headers["Vary"] == "Accept"
    body = response.get_data(as_text=True)
    if rdf_format == "json-ld":
        context = json.loads(body)["@context"]
        assert isinstance(context, dict), "the local context, inline, never a remote one"
        assert context["kgo"] == str(KGO)
    graph = Graph().parse(data=body, format=rdf_format)
    expected = description(shipped_dataset, iri)
    # Beside the description, the label of each thing linked (an rdfs:label, or a
    # skos:prefLabel, its subproperty, written as rdfs:label).
    labels = {t for t in graph if t[1] == RDFS.label and t not in expected}
    assert set(graph) - labels == expected
    label_of = (RDFS.label, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"))
    for s, _, o in labels:
        assert any(any(shipped_dataset.quads((s, p, o, None))) for p in label_of), (s, o)


def test_nothing_acceptable_on_an_entity_is_406(client: Client) -> None:
    response = client.get("/id/body/huyen-uy-nam-truc", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert (
        "text/html, text/turtle, application/n-triples, application/ld+json, application/rdf+xml"
        in response.get_data(as_text=True)
    )


# -- escaping ------------------------------------------------------------------------------


def test_everything_is_escaped() -> None:
    dataset = load()
    evil = URIRef(BASE + "id/body/evil")
    graph = dataset.graph(GRAPH["facts/nam-truc-2021-11-01"])
    graph.add((evil, RDFS.label, Literal('<script>alert("x")</script>', lang="vi")))
    graph.add((evil, RDFS.comment, Literal("a & b \" ' <img src=x onerror=alert(1)>")))
    graph.add((evil, RDFS.seeAlso, URIRef("javascript:alert(1)")))
    graph.add((evil, RDFS.seeAlso, URIRef(BODY)))
    client = Client(create_app(ServerConfig(), dataset))
    response = client.get("/id/body/evil", headers={"Accept": "text/html"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "<script" not in text and "<img" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    assert "a &amp; b &quot; &#x27; &lt;img src=x onerror=alert(1)&gt;" in text
    page = Page(text)
    assert not page.find("script") and not page.find("img")
    hrefs = [a["href"] for a in page.find("a")]
    assert not [h for h in hrefs if h.lower().startswith("javascript:")]
    assert "/id/body/huyen-uy-nam-truc" in hrefs
    # ... and on the page of the body it points at, in "what points here".
    text = client.get("/id/body/huyen-uy-nam-truc").get_data(as_text=True)
    assert "&lt;script&gt;" in text and "<script" not in text


def test_static_files(client: Client) -> None:
    response = client.get("/static/kg.css")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/css; charset=utf-8"
    assert "mark" in response.get_data(as_text=True)
    assert not re.search(r"url\(|@import|https?://", response.get_data(as_text=True))
    assert client.get("/static/nope.css").status_code == 404
    assert client.get("/static/..%2Fbrowse.py").status_code == 404
