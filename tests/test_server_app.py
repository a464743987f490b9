"""``kg serve``'s WSGI application in-process (werkzeug's test Client): the protocol's
fine points, the limits, the refusals and the update path, fast and without sockets."""

from __future__ import annotations

import http.server
import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from rdflib import Dataset, Graph, Namespace, URIRef
from werkzeug.test import Client, TestResponse

from kg.http.app import create_app
from kg.http.context import ServerConfig
from timing import within

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
TOKEN = "app-test-token-0123456789abcdef"
PRODUCT = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
G_FACTS = URIRef("https://w3id.org/vn-kg/graph/facts/nam-truc-2021-11-01")
G_ONTOLOGY = URIRef("https://w3id.org/vn-kg/graph/ontology")


def client(dataset: Dataset, **options: Any) -> Client:
    return Client(create_app(ServerConfig(**options), dataset=dataset))


@pytest.fixture(scope="module")
def app(shipped_dataset: Dataset) -> Client:
    return client(shipped_dataset, timeout=10)


def query(c: Client, text: str, accept: str | None = None, **params: str) -> TestResponse:
    headers = {"Accept": accept} if accept else {}
    return c.get("/sparql", query_string={"query": text, **params}, headers=headers)


# -- the three ways of sending a query, and content negotiation ---------------------------


def test_get_post_form_and_post_direct_agree(app: Client) -> None:
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?s a kgo:Count }"
    answers = [
        query(app, text),
        app.post("/sparql", data={"query": text}),
        app.post("/sparql", data=text.encode(), content_type="application/sparql-query"),
    ]
    bodies = [r.get_json(force=True) for r in answers]
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert all(r.mimetype == "application/sparql-results+json" for r in answers)
    assert bodies[0] == bodies[1] == bodies[2]
    assert int(bodies[0]["results"]["bindings"][0]["n"]["value"]) > 0


@pytest.mark.parametrize(
    ("accept", "mimetype", "marker"),
    [
        ("application/sparql-results+json", "application/sparql-results+json", '"vars"'),
        ("application/sparql-results+xml", "application/sparql-results+xml", "<sparql"),
        ("text/csv", "text/csv", "s\r\n"),
        ("text/tab-separated-values", "text/tab-separated-values", "?s\n"),
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml", "<"),
        ("*/*", "application/sparql-results+json", '"head"'),
    ],
)
def test_select_content_negotiation(app: Client, accept: str, mimetype: str, marker: str) -> None:
    response = query(app, "SELECT ?s WHERE { ?s a kgo:Count } LIMIT 2", accept)
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert marker in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("accept", "mimetype", "syntax"),
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        (None, "text/turtle", "turtle"),
    ],
)
def test_construct_content_negotiation(
    app: Client, accept: str | None, mimetype: str, syntax: str
) -> None:
    text = "CONSTRUCT { ?s a kgo:Count } WHERE { ?s a kgo:Count }"
    response = query(app, text, accept)
    assert response.status_code == 200 and response.mimetype == mimetype
    body = response.get_data(as_text=True)
    if syntax == "json-ld":
        # The project's context, embedded, never a remote one.
        assert isinstance(json.loads(body)["@context"], dict)
    graph = Graph().parse(data=body, format=syntax)
    assert len(graph) > 0


def test_ask_and_406(app: Client) -> None:
    assert query(app, "ASK { ?s a kgo:Count }").get_json(force=True)["boolean"] is True
    refused = query(app, "ASK {}", "text/csv")
    assert refused.status_code == 406 and "ASK" in refused.get_data(as_text=True)
    assert query(app, "CONSTRUCT WHERE { ?s a kgo:Count }", "text/csv").status_code == 406


def test_format_parameter_overrides_accept(app: Client) -> None:
    text = "SELECT ?s WHERE { ?s a kgo:Count } LIMIT 1"
    assert query(app, text, "text/csv", format="json").mimetype == "application/sparql-results+json"
    assert query(app, text, output="tsv").mimetype == "text/tab-separated-values"
    graph = "CONSTRUCT WHERE { ?s a kgo:Count }"
    assert query(app, graph, format="xml").mimetype == "application/rdf+xml"
    assert query(app, text, format="yaml").status_code == 400
    assert query(app, "ASK {}", format="csv").status_code == 406


def test_protocol_errors(app: Client) -> None:
    assert query(app, "SELECT * WHERE {").status_code == 400
    both = app.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert both.status_code == 400
    wrong = app.post("/sparql", data=b"ASK {}", content_type="text/plain")
    assert wrong.status_code == 415
    utf16 = app.post(
        "/sparql",
        data="ASK {}".encode("utf-16"),
        content_type="application/sparql-query; charset=UTF-16",
    )
    assert utf16.status_code == 415
    broken = app.post("/sparql", data=b"ASK { \xff }", content_type="application/sparql-query")
    assert broken.status_code == 400
    assert app.post("/sparql", data={"nothing": "x"}).status_code == 400


def test_error_bodies_are_one_line_without_paths(app: Client) -> None:
    for response, status in (
        (query(app, "SELECT * WHERE { ?s ?p }"), 400),
        (app.post("/sparql", data=b"\x00\xff", content_type="application/sparql-query"), 400),
        # Content negotiation comes before the lookup: nothing is served as image/png;
        # text/plain is N-Triples (kg.io.formats), so the lookup answers.
        (app.get("/no/such/page/at/all", headers={"Accept": "image/png"}), 406),
        (app.get("/no/such/page/at/all", headers={"Accept": "text/plain"}), 404),
        (app.get("/no/such/page/at/all", headers={"Accept": "text/turtle"}), 404),
    ):
        body = response.get_data(as_text=True)
        assert response.status_code == status, body
        assert body.endswith("\n") and body.count("\n") == 1, body
        assert "Traceback" not in body and "/work" not in body and 'File "' not in body


def test_an_error_inside_evaluation_drops_the_row_and_names_no_path(app: Client) -> None:
    # SPARQL: an expression error in a FILTER makes it false; the answer is no row, not
    # a 4xx or 5xx, and the file: IRI bound before it is not echoed.
    response = query(
        app, 'SELECT * WHERE { BIND(<file:///work/x> AS ?x) FILTER(xsd:integer("a")) }'
    )
    assert response.status_code == 200
    assert json.loads(response.get_data(as_text=True)) == {
        "head": {"vars": ["x"]},
        "results": {"bindings": []},
    }


def test_method_not_allowed_options_head(app: Client) -> None:
    put = app.put("/sparql", data=b"x")
    assert put.status_code == 405 and "POST" in put.headers["Allow"]
    options = app.options("/sparql")
    assert options.status_code == 204 and "GET" in options.headers["Allow"]
    assert "Access-Control-Allow-Origin" not in options.headers
    head = app.head("/sparql", query_string={"query": "ASK {}"})
    assert head.status_code == 200 and head.get_data() == b""


def test_etag_and_cache(app: Client) -> None:
    text = "SELECT ?s WHERE { ?s a kgo:Count } LIMIT 1"
    first = query(app, text)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public")
    again = app.get("/sparql", query_string={"query": text}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    other = query(app, text, "text/csv")
    assert other.headers["ETag"] != etag


# -- the Service Description ----------------------------------------------------------------


def description(c: Client, accept: str = "text/turtle", syntax: str = "turtle") -> Graph:
    response = c.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    return Graph().parse(data=response.get_data(as_text=True), format=syntax)


def test_service_description(app: Client, shipped_dataset: Dataset) -> None:
    graph = description(app)
    service = URIRef("http://localhost/sparql")
    assert (service, SD.endpoint, service) in graph
    languages = set(graph.objects(service, SD.supportedLanguage))
    assert languages == {SD.SPARQL11Query}
    assert SD.SPARQL11Update not in set(graph.objects(None, SD.supportedLanguage))
    formats = {str(f) for f in graph.objects(service, SD.resultFormat)}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
    assert "http://www.w3.org/ns/formats/Turtle" in formats
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    dataset = graph.value(service, SD.defaultDataset)
    counts = {}
    for named in graph.objects(dataset, SD.namedGraph):
        described = graph.value(named, SD.graph)
        counts[graph.value(named, SD.name)] = graph.value(described, VOID.triples).toPython()
    assert counts[G_FACTS] == len(shipped_dataset.get_context(G_FACTS))
    assert counts[G_ONTOLOGY] == len(shipped_dataset.get_context(G_ONTOLOGY))
    default = graph.value(dataset, SD.defaultGraph)
    assert graph.value(default, VOID.triples).toPython() > counts[G_FACTS]
    for accept, syntax in (("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")):
        assert len(description(app, accept, syntax)) == len(graph)


def test_service_description_sends_browsers_to_the_query_page(app: Client) -> None:
    response = app.get("/sparql", headers={"Accept": "text/html,application/xml;q=0.9,*/*;q=0.8"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/query")


def test_service_description_with_a_token_lists_update(shipped_dataset: Dataset) -> None:
    graph = description(client(shipped_dataset, update_token=TOKEN, union_default_graph=False))
    assert SD.SPARQL11Update in set(graph.objects(None, SD.supportedLanguage))
    assert (None, SD.feature, SD.UnionDefaultGraph) not in graph


# -- datasets: never loaded, never added to the shared dataset ------------------------------


def test_dataset_parameters_restrict_the_graphs(app: Client, shipped_dataset: Dataset) -> None:
    before = {c.identifier for c in shipped_dataset.graphs()}
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def n(response: TestResponse) -> int:
        assert response.status_code == 200, response.get_data(as_text=True)
        return int(response.get_json(force=True)["results"]["bindings"][0]["n"]["value"])

    facts = len(shipped_dataset.get_context(G_FACTS))
    assert n(query(app, count, **{"default-graph-uri": str(G_FACTS)})) == facts
    assert n(query(app, f"SELECT (COUNT(*) AS ?n) FROM <{G_FACTS}> WHERE {{ ?s ?p ?o }}")) == facts
    # The protocol's parameters override the query's FROM.
    overridden = f"SELECT (COUNT(*) AS ?n) FROM <{G_FACTS}> WHERE {{ ?s ?p ?o }}"
    ontology = len(shipped_dataset.get_context(G_ONTOLOGY))
    assert n(query(app, overridden, **{"default-graph-uri": str(G_ONTOLOGY)})) == ontology
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    named = query(app, graphs, **{"named-graph-uri": str(G_FACTS)}).get_json(force=True)
    assert [b["g"]["value"] for b in named["results"]["bindings"]] == [str(G_FACTS)]
    # A graph the store does not hold: refused, never fetched.
    for response in (
        query(app, "ASK FROM <http://127.0.0.1:9/x.ttl> { ?s ?p ?o }"),
        query(app, "ASK FROM NAMED <http://example.org/g> { ?s ?p ?o }"),
        query(app, "ASK {}", **{"default-graph-uri": "http://example.org/g"}),
        query(app, "ASK {}", **{"named-graph-uri": "file:///etc/passwd"}),
    ):
        assert response.status_code == 400
        assert "kg does not hold" in response.get_data(as_text=True)
    assert {c.identifier for c in shipped_dataset.graphs()} == before
    assert {c.identifier for c in app.application.ctx.service.dataset.graphs()} >= before  # type: ignore[attr-defined]


@pytest.fixture
def remote_graph() -> Iterator[str]:
    body = b"<http://example.org/remote> a <http://example.org/Thing> .\n"

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/moved.ttl":  # elsewhere, as a hostile server would say
                self.send_response(302)
                self.send_header("Location", "http://127.0.0.1:9/graph.ttl")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/turtle")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/graph.ttl"
    server.shutdown()
    server.server_close()


def test_allow_remote_from_fetches_into_a_copy(shipped_dataset: Dataset, remote_graph: str) -> None:
    c = client(shipped_dataset, allow_remote_from=True)
    text = f"ASK FROM <{remote_graph}> {{ <http://example.org/remote> a ?t }}"
    assert query(c, text).get_json(force=True)["boolean"] is True
    service = c.application.ctx.service  # type: ignore[attr-defined]
    assert URIRef(remote_graph) not in {g.identifier for g in service.dataset.graphs()}


def test_allow_remote_from_follows_no_redirect(shipped_dataset: Dataset, remote_graph: str) -> None:
    c = client(shipped_dataset, allow_remote_from=True)
    moved = remote_graph.replace("/graph.ttl", "/moved.ttl")
    response = query(c, f"ASK FROM <{moved}> {{ ?s ?p ?o }}")
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "redirect" in body and "127.0.0.1:9" in body


def test_service_refused_unless_allowed(app: Client) -> None:
    response = query(app, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert response.status_code == 400 and "SERVICE" in response.get_data(as_text=True)
    nested = "ASK { FILTER EXISTS { SERVICE <http://127.0.0.1:9/s> { ?s ?p ?o } } }"
    assert query(app, nested).status_code == 400


# -- limits ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        PRODUCT,
        # rdflib materialises one side of an uncorrelated join, then loops in Python.
        "SELECT * WHERE { { ?a ?b ?c } { ?d ?e ?f } } ORDER BY ?a ?d",
        "SELECT ?a (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f } GROUP BY ?a ORDER BY DESC(?n)",
        # No store access at all: a product of VALUES rows.
        "SELECT (COUNT(*) AS ?n) WHERE { "
        + " ".join(f"VALUES ?v{i} {{ {' '.join(str(j) for j in range(60))} }}" for i in range(5))
        + " }",
    ],
    ids=["product", "order-by", "aggregate", "values"],
)
def test_timeout_stops_every_shape(shipped_dataset: Dataset, text: str) -> None:
    c = client(shipped_dataset, timeout=1.0)
    started = time.monotonic()
    response = query(c, text)
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.get_data(as_text=True)
    assert "time limit" in response.get_data(as_text=True)
    assert elapsed < within(1.0)


def test_row_cap_is_an_error_never_a_truncated_answer(shipped_dataset: Dataset) -> None:
    c = client(shipped_dataset, max_rows=100)
    over = query(c, "SELECT * WHERE { ?s ?p ?o }")
    assert over.status_code == 422 and "LIMIT" in over.get_data(as_text=True)
    assert query(c, "CONSTRUCT WHERE { ?s ?p ?o }").status_code == 422
    assert query(c, "SELECT * WHERE { ?s ?p ?o } LIMIT 100").status_code == 200


def test_body_cap(shipped_dataset: Dataset) -> None:
    c = client(shipped_dataset, max_body=1000)
    big = "ASK {}" + " " * 2000
    assert c.post("/sparql", data=big, content_type="application/sparql-query").status_code == 413
    assert c.post("/sparql", data={"query": big}).status_code == 413


def test_cors_off_unless_configured(shipped_dataset: Dataset, app: Client) -> None:
    origin = {"Origin": "https://example.org"}
    assert "Access-Control-Allow-Origin" not in app.get("/health", headers=origin).headers
    c = client(shipped_dataset, cors_origins=("https://example.org",))
    answer = c.get("/sparql", query_string={"query": "ASK {}"}, headers=origin)
    assert answer.headers["Access-Control-Allow-Origin"] == "https://example.org"
    other = c.get("/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


@pytest.mark.parametrize("origins", [("https://example.org",), ("*",)])
def test_cors_answers_vary_by_origin(shipped_dataset: Dataset, origins: tuple[str, ...]) -> None:
    # Whether an answer carries Access-Control-Allow-Origin depends on Origin: a shared
    # cache must key on it, for an allowed origin, another one and none at all.
    c = client(shipped_dataset, cors_origins=origins)
    for headers in ({"Origin": "https://example.org"}, {"Origin": "https://evil.example"}, {}):
        answer = c.get("/sparql", query_string={"query": "ASK {}"}, headers=headers)
        assert "Origin" in answer.headers.get("Vary", ""), headers
    preflight = c.options("/sparql", headers={"Origin": "https://example.org"})
    assert "Origin" in preflight.headers.get("Vary", "")


def test_no_vary_origin_without_cors(app: Client) -> None:
    answer = app.get("/health", headers={"Origin": "https://example.org"})
    assert "Origin" not in answer.headers.get("Vary", "")


def test_request_log_has_no_query_and_no_token(
    shipped_dataset: Dataset, caplog: pytest.LogCaptureFixture
) -> None:
    c = client(shipped_dataset, update_token=TOKEN)
    with caplog.at_level(logging.INFO, logger="kg.http.app.access"):
        query(c, "SELECT ?secretvariable WHERE { ?s ?p ?o } LIMIT 1")
        c.post("/update", data={"update": "CLEAR ALL"}, headers={"Authorization": "Bearer x"})
    lines = [r.getMessage() for r in caplog.records if r.name == "kg.http.app.access"]
    assert len(lines) == 2
    assert lines[0].startswith("GET /sparql 200 ") and lines[0].endswith("ms")
    assert lines[1].startswith("POST /update 401 ")
    text = "\n".join(lines)
    assert "secretvariable" not in text and TOKEN not in text and "CLEAR" not in text


# -- updates ---------------------------------------------------------------------------------

INSERT = "INSERT DATA { GRAPH <urn:x-test:g> { <urn:x-test:s> <urn:x-test:p> 1, 2, 3, 4, 5 } }"
COUNT_TEST = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:x-test:g> { ?s ?p ?o } }"


def test_updates_refused_without_a_token(app: Client) -> None:
    for response in (
        app.post("/update", data={"update": INSERT}),
        app.post("/update", data=INSERT, content_type="application/sparql-update"),
        app.get("/update", query_string={"update": INSERT}),
        app.post("/update", data={"update": INSERT}, headers={"Authorization": f"Bearer {TOKEN}"}),
    ):
        assert response.status_code == 403
    # and an update sent to the query endpoint is not run either
    assert app.post("/sparql", data={"update": INSERT}).status_code == 400


def test_updates_need_the_bearer_token(shipped_dataset: Dataset) -> None:
    c = client(shipped_dataset, update_token=TOKEN)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        response = c.post("/update", data={"update": INSERT}, headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    ok = c.post("/update", data={"update": INSERT}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 204
    n = query(c, COUNT_TEST).get_json(force=True)["results"]["bindings"][0]["n"]["value"]
    assert n == "5"
    assert query(c, "SELECT * WHERE { ?s ?p ?o }").headers["Cache-Control"] == "no-cache"
    # The loaded dataset is not the served one: updates never touch what was loaded.
    assert URIRef("urn:x-test:g") not in {g.identifier for g in shipped_dataset.graphs()}


def test_an_update_shows_on_the_entity_page_already_served(shipped_dataset: Dataset) -> None:
    c = client(shipped_dataset, update_token=TOKEN)
    page = "/id/body/huyen-uy-nam-truc"
    label = "Ban viết thử nghiệm cập nhật"
    first = c.get(page, headers={"Accept": "text/turtle"})
    assert first.status_code == 200 and label not in first.get_data(as_text=True)
    assert c.get(page, headers={"Accept": "text/turtle"}).get_data() == first.get_data()
    update = (
        "INSERT DATA { GRAPH <urn:x-test:g> { <https://w3id.org/vn-kg/id/body/huyen-uy-nam-truc> "
        f'<http://www.w3.org/2000/01/rdf-schema#comment> "{label}"@vi }} }}'
    )
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert c.post("/update", data={"update": update}, headers=auth).status_code == 204
    assert label in c.get(page, headers={"Accept": "text/turtle"}).get_data(as_text=True)


def test_failed_update_changes_nothing(shipped_dataset: Dataset) -> None:
    c = client(shipped_dataset, update_token=TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    before = c.get("/health").get_data()
    # The first operation succeeds, the second fails: nothing of the request remains.
    failing = f"{INSERT} ; LOAD <http://example.org/x>"
    assert c.post("/update", data={"update": failing}, headers=auth).status_code == 400
    assert c.post("/update", data={"update": "CLEAR XYZ"}, headers=auth).status_code == 400
    assert c.get("/health").get_data() == before


def test_readers_see_before_or_after_an_update(shipped_dataset: Dataset) -> None:
    """Updates and queries at the same time: a query sees all five inserted triples or
    none, never some."""
    config = ServerConfig(update_token=TOKEN)
    application = create_app(config, dataset=shipped_dataset)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    seen: set[str] = set()
    stop = threading.Event()

    def read() -> None:
        c = Client(application)
        while not stop.is_set():
            body = query(c, COUNT_TEST).get_json(force=True)
            seen.add(body["results"]["bindings"][0]["n"]["value"])

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    writer = Client(application)
    try:
        for _ in range(3):
            assert writer.post("/update", data={"update": INSERT}, headers=auth).status_code == 204
            clear = {"update": "DROP SILENT GRAPH <urn:x-test:g>"}
            assert writer.post("/update", data=clear, headers=auth).status_code == 204
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert seen <= {"0", "5"} and seen


def test_config_defaults_match_the_cli() -> None:
    from kg.cli import serve as cli_serve
    from kg.http import context as server

    for name in (
        "DEFAULT_PORT",
        "DEFAULT_TIMEOUT",
        "DEFAULT_MAX_ROWS",
        "DEFAULT_MAX_BODY",
        "DEFAULT_THREADS",
        "DEFAULT_CACHE_SIZE",
        "DEFAULT_REQUEST_TIMEOUT",
        "DEFAULT_CONNECTION_LIMIT",
        "DEFAULT_QUERY_MEMORY",
        "DEFAULT_CACHE_MEMORY",
        "DEFAULT_MAX_ANSWER",
    ):
        assert getattr(cli_serve, name) == getattr(server, name)
    assert replace(ServerConfig(), port=1).update_token is None


def test_repeated_answers_come_from_the_cache_until_the_data_changes(
    shipped_dataset: Dataset,
) -> None:
    app = create_app(ServerConfig(update_token=TOKEN), dataset=shipped_dataset)
    c = Client(app)
    service = app.ctx.service
    first = query(c, COUNT_TEST).get_json(force=True)
    assert service.cache_hits == 0
    assert query(c, COUNT_TEST).get_json(force=True) == first
    assert service.cache_hits == 1
    # Another spelling is another query; the same text with other bindings too.
    query(c, COUNT_TEST + " ")
    assert service.cache_hits == 1
    ok = c.post("/update", data={"update": INSERT}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 204
    after = query(c, COUNT_TEST).get_json(force=True)
    assert service.cache_hits == 1
    assert after != first


def test_no_cache_when_its_size_is_zero(shipped_dataset: Dataset) -> None:
    app = create_app(ServerConfig(cache_size=0), dataset=shipped_dataset)
    c = Client(app)
    for _ in range(3):
        query(c, COUNT_TEST)
    assert app.ctx.service.cache_hits == 0
