"""The stored queries over HTTP (kg.http.api), in process with werkzeug's test client:
the catalogue, results by content negotiation, the same error messages as the command
line for the same bad values, and the OpenAPI document (valid, checked in, and true to
what the server answers)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rdflib import Graph
from werkzeug.test import Client

import kg.store
from kg.cli import cli
from kg.http import api
from kg.http.app import App, create_app
from kg.http.context import ServerConfig
from kg.sparql import catalogue as queries
from kg.sparql.results import normalised, parse_json, serialise, to_json
from kg.sparql.text import order_keys

ROOT = Path(__file__).resolve().parents[1]
OPENAPI_FILE = ROOT / "docs" / "openapi.json"
# The parameters each stored query's #+ header and ?_name_type variables declare, as the
# API describes them (checked in, reviewed against the headers, not computed by the code
# under test); edit it with the query when a parameter changes on purpose.
PARAMETERS_FILE = ROOT / "tests" / "expected" / "api-query-parameters.json"

# A stored query of each kind the shipped ones lack: typed parameters (integer, number,
# IRI, enumerated and plain string, none with a default), and a CONSTRUCT. Named
# "query" so that `kg sparql FILE` (which names its query "query") and the API give
# the very same messages for it.
TYPED_QUERY = """#+ summary: Typed parameters, none with a default
#+ enumerate:
#+   - colour:
#+     - red
#+     - blue
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?label WHERE {
    GRAPH ?g { ?s rdfs:label ?label }
    FILTER (?s = ?_e_iri || STR(?label) = ?_name || STR(?_n_integer) = "x"
            || STR(?_x_number) = "x" || ?_colour = "x")
}
"""
CONSTRUCT_QUERY = """#+ summary: The labels of one entity, as a graph
#+ defaults:
#+   - entity: https://w3id.org/vn-kg/id/body/huyen-uy-nam-truc
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT { ?_entity_iri rdfs:label ?label } WHERE { GRAPH ?g { ?_entity_iri rdfs:label ?label } }
"""


@pytest.fixture(scope="module")
def app() -> App:
    return create_app(ServerConfig())


@pytest.fixture(scope="module")
def client(app: App) -> Client:
    return Client(app)


@pytest.fixture(scope="module")
def own_queries(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("queries")
    (folder / "query.rq").write_text(TYPED_QUERY, encoding="utf-8")
    (folder / "labels.rq").write_text(CONSTRUCT_QUERY, encoding="utf-8")
    return folder


@pytest.fixture()
def own_client(app: App, own_queries: Path) -> Iterator[Client]:
    """The same server, offering the queries of ``own_queries`` instead."""
    app.ctx.extra["queries_dir"] = own_queries
    try:
        yield Client(app)
    finally:
        del app.ctx.extra["queries_dir"]


def get_json(client: Client, url: str, **kwargs: Any) -> Any:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("application/json")
    return json.loads(response.get_data(as_text=True))


# -- the catalogue -------------------------------------------------------------------------


def test_catalogue_lists_every_stored_query_with_its_header(client: Client) -> None:
    document = get_json(client, "/api/queries")
    entries = {entry["name"]: entry for entry in document["queries"]}
    assert list(entries) == queries.names()
    for stored in queries.discover():
        entry = entries[stored.name]
        assert entry["summary"] == stored.summary
        assert entry["description"] == stored.description
        assert entry["tags"] == list(stored.tags)
        assert entry["form"] == stored.form
        assert entry["links"]["run"] == f"http://localhost/api/queries/{stored.name}"
    assert {name: entry["parameters"] for name, entry in entries.items()} == json.loads(
        PARAMETERS_FILE.read_text(encoding="utf-8")
    )
    review = entries["review-topics"]["parameters"]
    assert review == [
        {"name": "lang", "type": "string", "required": True, "default": "en", "enum": ["vi", "en"]}
    ]
    assert document["openapi"] == "http://localhost/api/openapi.json"


def test_sparql_link_gives_the_query_text(client: Client) -> None:
    entry = get_json(client, "/api/queries")["queries"][0]
    response = client.get(entry["links"]["sparql"])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/sparql-query; charset=utf-8"
    assert response.get_data(as_text=True) == queries.get(entry["name"]).text


def test_unknown_query_is_404_naming_the_known_ones(client: Client) -> None:
    response = client.get("/api/queries/no-such-query")
    assert response.status_code == 404
    error = json.loads(response.get_data(as_text=True))
    assert error["status"] == 404
    assert error["error"].startswith("no stored query 'no-such-query' (known: article-metadata,")


# -- results by content negotiation -----------------------------------------------------------


def embedded(name: str, values: dict[str, str] | None = None) -> Any:
    return kg.store.run(queries.get(name), values)


def canonical_json(name: str, data: str) -> str:
    keys = order_keys(queries.get(name).text)
    return to_json(normalised(parse_json(data, "SELECT"), keys))


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/html, text/csv;q=0.5, application/sparql-results+json;q=0.9", None),
    ],
)
def test_select_answer_by_accept(
    client: Client, accept: str | None, media_type: str | None
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/api/queries/review-topics?lang=vi", headers=headers)
    assert response.status_code == 200
    expected_type = media_type or "application/sparql-results+json"
    assert response.headers["Content-Type"] == f"{expected_type}; charset=utf-8"
    assert response.headers["Vary"] == "Accept"
    body = response.get_data(as_text=True)
    result = embedded("review-topics", {"lang": "vi"})
    if expected_type.endswith("+json"):
        assert canonical_json("review-topics", body) == canonical_json(
            "review-topics", to_json(result)
        )
    elif expected_type.endswith("+xml"):
        assert body.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<sparql')
        assert body.count("<result>") == len(result.rows)
    elif expected_type == "text/csv":
        rows = list(csv.reader(io.StringIO(body)))
        expected = list(csv.reader(io.StringIO(serialise(result, "csv").decode())))
        assert rows[0] == expected[0] == result.variables
        assert sorted(rows[1:]) == sorted(expected[1:])
        assert "Trách nhiệm lãnh đạo, chỉ đạo" in body
    else:
        assert sorted(body.splitlines()) == sorted(serialise(result, "tsv").decode().splitlines())


def test_answer_matches_the_checked_in_expected_results(client: Client) -> None:
    """The API's JSON is the embedded store's answer, as tests/queries holds it."""
    for name, lang in (("review-topics", "vi"), ("violation-types", None)):
        url = f"/api/queries/{name}" + (f"?lang={lang}" if lang else "")
        body = client.get(url).get_data(as_text=True)
        suffix = f".{lang}" if lang else ""
        expected = (ROOT / "tests" / "queries" / f"{name}{suffix}.expected.json").read_text("utf-8")
        assert canonical_json(name, body) == expected


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("json", "application/sparql-results+json"),
        ("xml", "application/sparql-results+xml"),
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
        ("text/csv", "text/csv"),
    ],
)
def test_format_parameter_overrides_accept(client: Client, fmt: str, media_type: str) -> None:
    response = client.get(
        f"/api/queries/violation-types?format={fmt}", headers={"Accept": "text/html"}
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == f"{media_type}; charset=utf-8"


def test_nothing_acceptable_is_406(client: Client) -> None:
    response = client.get("/api/queries/violation-types", headers={"Accept": "text/html"})
    assert response.status_code == 406
    error = json.loads(response.get_data(as_text=True))
    assert error == {
        "status": 406,
        "error": "none of the accepted media types is available (available: "
        "application/sparql-results+json, application/sparql-results+xml, text/csv, "
        "text/tab-separated-values, application/sparql-query)",
    }


def test_format_that_cannot_hold_the_answer_is_400(client: Client) -> None:
    response = client.get("/api/queries/violation-types?format=turtle")
    assert response.status_code == 400
    assert json.loads(response.get_data(as_text=True))["error"] == (
        "format 'turtle' is not available here (use one of: json, xml, csv, tsv, sparql)"
    )


def test_head_has_headers_and_no_body(client: Client) -> None:
    response = client.head("/api/queries/violation-types", headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.get_data() == b""


def test_post_form_values_are_parameters(client: Client) -> None:
    response = client.post(
        "/api/queries/review-topics", data={"lang": "vi"}, headers={"Accept": "text/csv"}
    )
    assert response.status_code == 200
    assert "Trách nhiệm lãnh đạo, chỉ đạo" in response.get_data(as_text=True)


def test_post_json_values_are_parameters(client: Client) -> None:
    as_form = client.post(
        "/api/queries/review-topics", data={"lang": "vi"}, headers={"Accept": "text/csv"}
    )
    as_json = client.post(
        "/api/queries/review-topics", json={"lang": "vi"}, headers={"Accept": "text/csv"}
    )
    assert as_json.status_code == 200
    assert as_json.get_data() == as_form.get_data()
    assert "Trách nhiệm lãnh đạo, chỉ đạo" in as_json.get_data(as_text=True)


def test_post_json_values_are_checked_as_form_values(client: Client) -> None:
    wrong = client.post("/api/queries/review-topics", json={"lang": "fr"})
    assert wrong.status_code == 400
    assert wrong.get_json()["error"] == api_message(client, "review-topics", [("lang", "fr")])


@pytest.mark.parametrize(
    ("body", "content_type", "status", "message"),
    [
        (b'["vi"]', "application/json", 400, "must be an object"),
        (b'{"lang": {"x": 1}}', "application/json", 400, "string, a number or a boolean"),
        (b'{"lang": ', "application/json", 400, "not valid UTF-8 JSON"),
        (b"lang=vi", "text/plain", 415, "type text/plain is not read here"),
        (b"<lang>vi</lang>", "application/xml", 415, "not read here"),
        (b'{"lang": "vi"}', "application/json; charset=latin-1", 415, "must be UTF-8"),
    ],
)
def test_post_bodies_that_cannot_hold_parameters_are_refused(
    client: Client, body: bytes, content_type: str, status: int, message: str
) -> None:
    # Never ignored: a body kg does not read would run the query without its values.
    response = client.post("/api/queries/review-topics", data=body, content_type=content_type)
    assert response.status_code == status
    assert message in response.get_json()["error"]


def test_openapi_describes_the_post_bodies(client: Client) -> None:
    operation = get_json(client, "/api/openapi.json")["paths"]["/api/queries/review-topics"]
    post = operation["post"]
    assert post["operationId"] == "review-topics-post"
    body = post["requestBody"]["content"]
    assert sorted(body) == ["application/json", "application/x-www-form-urlencoded"]
    assert body["application/json"]["schema"]["properties"]["lang"]["enum"] == ["vi", "en"]
    assert "415" in post["responses"]
    # review-topics is paged (#+ pagination): the page is asked in the URL, as grlc does.
    assert [p["name"] for p in post["parameters"]] == ["page", "format"]


@pytest.mark.parametrize(
    ("accept", "fmt", "media_type"),
    [
        ("text/turtle", None, "text/turtle"),
        ("application/ld+json", None, "application/ld+json"),
        ("application/n-triples", None, "application/n-triples"),
        (None, None, "text/turtle"),
        ("text/csv", "nt", "application/n-triples"),
    ],
)
def test_construct_answers_a_graph(
    own_client: Client, accept: str | None, fmt: str | None, media_type: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    url = "/api/queries/labels" + (f"?format={fmt}" if fmt else "")
    response = own_client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == f"{media_type}; charset=utf-8"
    rdf_format = {
        "text/turtle": "turtle",
        "application/ld+json": "json-ld",
        "application/n-triples": "nt",
    }[media_type]
    body = response.get_data(as_text=True)
    if rdf_format == "json-ld":
        assert "http://" not in json.loads(body)["@context"].get("@import", "")
    graph = Graph().parse(data=body, format=rdf_format)
    labels = sorted(f"{o}@{o.language}" for o in graph.objects())  # type: ignore[attr-defined]
    assert labels == ["Huyện ủy Nam Trực@vi", "Nam Trực district party committee@en"]


def test_construct_refuses_table_formats(own_client: Client) -> None:
    response = own_client.get("/api/queries/labels", headers={"Accept": "text/csv"})
    assert response.status_code == 406


# -- bad values: the command line's messages -------------------------------------------------


def cli_message(args: list[str]) -> str:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kg: error: "), result.stderr
    return lines[0].removeprefix("kg: error: ")


def api_message(client: Client, name: str, params: list[tuple[str, str]]) -> str:
    from urllib.parse import urlencode

    response = client.get(f"/api/queries/{name}?{urlencode(params)}")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/json"
    error = json.loads(response.get_data(as_text=True))
    assert set(error) == {"status", "error"} and error["status"] == 400
    message = error["error"]
    assert isinstance(message, str)
    return message


SHIPPED_BAD = [
    ("review-topics", [("lang", "fr")], "parameter 'lang': 'fr' is not one of vi, en"),
    ("review-topics", [("nope", "1")], "unknown parameter 'nope' for query 'review-topics'"),
    ("review-topics", [("lang", "vi"), ("lang", "en")], "--param lang given twice"),
    ("describe-entity", [("entity", "not an iri")], "is not a valid IRI: U+0020"),
    ("describe-entity", [("entity", "no-scheme")], "is not an absolute IRI"),
    ("party-members-count", [("body", 'https://x"}')], "'\"' is not allowed in an IRI"),
    ("describe-entity", [("lang", 'vi" } #')], "is not one of vi, en"),
    # Oxigraph's IRI parser refused these as bad SPARQL, at a position in the query.
    ("describe-entity", [("entity", "http://a/b#%")], "Invalid IRI percent encoding '%'"),
    ("describe-entity", [("entity", "http://[::1")], "Invalid character '[' in host"),
]
TYPED_BAD = [
    ([], "missing required parameter 'e' for query 'query'"),
    ([("e", "https://a"), ("name", "x")], "missing required parameter 'n'"),
    (
        [("e", "https://a"), ("name", "x"), ("n", "1.5"), ("x", "1"), ("colour", "red")],
        "parameter 'n': '1.5' is not an integer",
    ),
    (
        [("e", "https://a"), ("name", "x"), ("n", "1"), ("x", "one"), ("colour", "red")],
        "parameter 'x': 'one' is not a number",
    ),
    (
        [("e", "https://a"), ("name", "x"), ("n", "1"), ("x", "1"), ("colour", "green")],
        "parameter 'colour': 'green' is not one of red, blue",
    ),
    (
        [("e", "a b"), ("name", "x"), ("n", "1"), ("x", "1"), ("colour", "red")],
        "is not a valid IRI",
    ),
]


@pytest.mark.parametrize(("name", "params", "part"), SHIPPED_BAD)
def test_bad_value_same_message_as_cli(
    client: Client, name: str, params: list[tuple[str, str]], part: str
) -> None:
    args = ["query", "run", name]
    for key, value in params:
        args += ["-p", f"{key}={value}"]
    message = api_message(client, name, params)
    assert message == cli_message(args)
    assert part in message


@pytest.mark.parametrize(("params", "part"), TYPED_BAD)
def test_bad_typed_value_same_message_as_cli(
    own_client: Client, own_queries: Path, params: list[tuple[str, str]], part: str
) -> None:
    args = ["sparql", str(own_queries / "query.rq")]
    for key, value in params:
        args += ["-p", f"{key}={value}"]
    message = api_message(own_client, "query", params)
    assert message == cli_message(args)
    assert part in message


def test_values_are_bound_not_pasted(own_client: Client) -> None:
    """A value written to break out of a string literal is a string to compare with."""
    payload = 'x" || true) } UNION { GRAPH ?g { ?s ?p ?label } } #'
    params = {"e": "https://a", "name": payload, "n": "1", "x": "1", "colour": "red"}
    response = own_client.get("/api/queries/query", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    document = json.loads(response.get_data(as_text=True))
    assert document["results"]["bindings"] == []
    params["name"] = "Huyện ủy Nam Trực"
    document = json.loads(own_client.get("/api/queries/query", query_string=params).data)
    assert [b["s"]["value"] for b in document["results"]["bindings"]] == [
        "https://w3id.org/vn-kg/id/body/huyen-uy-nam-truc"
    ]


# -- OpenAPI -------------------------------------------------------------------------------


def test_openapi_document_is_valid_and_checked_in(client: Client) -> None:
    from openapi_spec_validator import validate

    document = get_json(client, "/api/openapi.json")
    validate(document)
    assert OPENAPI_FILE.read_text("utf-8") == api.openapi_text(), (
        "docs/openapi.json is out of date: python -m kg.http.api > docs/openapi.json"
    )
    assert document == json.loads(OPENAPI_FILE.read_text("utf-8"))


def test_openapi_has_a_path_and_parameters_per_stored_query(client: Client) -> None:
    document = get_json(client, "/api/openapi.json")
    paths = document["paths"]
    assert sorted(paths) == sorted(
        ["/api/queries"] + [f"/api/queries/{n}" for n in queries.names()]
    )
    operation = paths["/api/queries/describe-entity"]["get"]
    assert operation["operationId"] == "describe-entity"
    assert operation["tags"] == ["entities"]
    by_name = {p["name"]: p for p in operation["parameters"]}
    assert by_name["entity"]["schema"] == {
        "type": "string",
        "format": "iri",
        "default": "https://w3id.org/vn-kg/id/body/huyen-uy-nam-truc",
    }
    assert by_name["entity"]["required"] is False  # the query needs it, but has a default
    assert by_name["lang"]["schema"] == {"type": "string", "enum": ["vi", "en"], "default": "en"}
    assert by_name["format"]["schema"]["enum"] == ["json", "xml", "csv", "tsv", "sparql"]
    assert sorted(operation["responses"]["200"]["content"]) == [
        "application/sparql-query",
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ]


def test_openapi_types_of_typed_and_graph_queries(own_client: Client) -> None:
    from openapi_spec_validator import validate

    document = get_json(own_client, "/api/openapi.json")
    validate(document)
    typed = {p["name"]: p for p in document["paths"]["/api/queries/query"]["get"]["parameters"]}
    assert typed["e"] == {
        "name": "e",
        "in": "query",
        "description": "SPARQL variable ?_e_iri, iri; a full IRI, <IRI> or prefix:local "
        "with a project prefix",
        "required": True,
        "schema": {"type": "string", "format": "iri"},
    }
    assert typed["n"]["schema"] == {"type": "integer"} and typed["n"]["required"] is True
    assert typed["x"]["schema"] == {"type": "number"}
    assert typed["colour"]["schema"] == {"type": "string", "enum": ["red", "blue"]}
    graph = document["paths"]["/api/queries/labels"]["get"]["responses"]["200"]["content"]
    assert sorted(graph) == [
        "application/ld+json",
        "application/n-triples",
        "application/rdf+xml",
        "application/sparql-query",
        "text/turtle",
    ]


def test_answers_conform_to_the_openapi_schemas(client: Client) -> None:
    from openapi_schema_validator import OAS30Validator

    document = get_json(client, "/api/openapi.json")

    def check(schema_name: str, instance: Any) -> None:
        schema = {
            "$ref": f"#/components/schemas/{schema_name}",
            "components": document["components"],
        }
        OAS30Validator(schema).validate(instance)

    check("Catalogue", get_json(client, "/api/queries"))
    check("SparqlResults", json.loads(client.get("/api/queries/review-topics?lang=vi").data))
    check("Error", json.loads(client.get("/api/queries/review-topics?lang=fr").data))
    with pytest.raises(Exception, match="required"):
        check("Error", {"status": 400})


def test_row_cap_is_422_and_timeout_503() -> None:
    capped = Client(create_app(ServerConfig(max_rows=3)))
    response = capped.get("/api/queries/review-topics")
    assert response.status_code == 422
    assert "3 rows" in json.loads(response.get_data(as_text=True))["error"]
    slow = Client(create_app(ServerConfig(timeout=1e-9)))
    response = slow.get("/api/queries/organisation-hierarchy")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
