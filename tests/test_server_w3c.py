"""The W3C SPARQL 1.1 Protocol tests (tests/fixtures/w3c-sparql11-protocol), run over
real sockets against ``kg serve``.

One parametrized test reads the manifest with rdflib and sends each entry's requests
exactly as written (method, path, headers, body in its stated encoding) with
http.client. ``/sparql/`` is rewritten to the server's ``/sparql``, or to ``/update``
for the update requests of the ``update_*`` and ``bad_update_*`` tests. The server
holds data1-3.nt in named graphs named by their ``rdfs:label``, plus the graph
``data0.rdf`` that the query tests name as their default graph.

Query tests run against a read-only server. Update tests run twice: against the
read-only server, where every update request must be refused (403), and against a
server started with an update token, sending ``Authorization: Bearer``.

Every test runs on both engines of ``kg serve``: ``--store rdflib`` and ``--store
memory`` (Oxigraph, which gets the update's using-graph-uri / using-named-graph-uri as
USING clauses written into its text, ``kg.sparql.update``).
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection

from serve_helper import kg_server_factory  # noqa: F401 (a fixture)

FOLDER = Path(__file__).parent / "fixtures" / "w3c-sparql11-protocol"
MANIFEST = FOLDER / "manifest.ttl"
BASE = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
TOKEN = "w3c-protocol-test-token-0123456789"


def _manifest() -> tuple[Graph, list[URIRef]]:
    graph = Graph()
    graph.parse(MANIFEST, format="turtle", publicID=BASE)
    manifest = next(graph.subjects(MF.entries, None))
    entries = list(Collection(graph, graph.value(manifest, MF.entries)))
    return graph, [URIRef(e) for e in entries]


GRAPH, ENTRIES = _manifest()


def _name(entry: URIRef) -> str:
    return str(entry).rsplit("#", 1)[1]


def _requests(entry: URIRef) -> list[dict[str, Any]]:
    action = GRAPH.value(entry, MF.action)
    out = []
    for request in Collection(GRAPH, GRAPH.value(action, HT.requests)):
        headers = []
        listed = GRAPH.value(request, HT.headers)
        if listed is not None:
            for header in Collection(GRAPH, listed):
                headers.append(
                    (
                        str(GRAPH.value(header, HT.fieldName)),
                        str(GRAPH.value(header, HT.fieldValue)),
                    )
                )
        body = None
        content = GRAPH.value(request, HT.body)
        if content is not None:
            encoding = str(GRAPH.value(content, CNT.characterEncoding) or "UTF-8")
            body = str(GRAPH.value(content, CNT.chars)).encode(encoding.lower())
        response = GRAPH.value(request, HT.resp)
        boolean = GRAPH.value(response, MF.expectedBoolean)
        out.append(
            {
                "method": str(GRAPH.value(request, HT.methodName)),
                "path": str(GRAPH.value(request, HT.absolutePath)),
                "headers": headers,
                "body": body,
                "statuses": {
                    str(s).rsplit("#", 1)[1] for s in GRAPH.objects(response, MF.expectedStatus)
                },
                "format": str(GRAPH.value(response, MF.expectedFormat) or "") or None,
                "boolean": boolean.toPython() if boolean is not None else None,
            }
        )
    return out


def _is_update(entry: URIRef, request: dict[str, Any]) -> bool:
    types = [v for k, v in request["headers"] if k.lower() == "content-type"]
    return "update" in _name(entry) and not any(
        t.startswith("application/sparql-query") for t in types
    )


def _trig(folder: Path) -> Path:
    """data1-3.nt in named graphs named by their rdfs:label (as the manifest's
    ut:graphData says), and data0.rdf, which the query tests name."""
    labels: dict[str, str] = {}
    for entry in ENTRIES:
        for data in GRAPH.objects(entry, UT.graphData):
            labels[str(GRAPH.value(data, UT.graph)).rsplit("/", 1)[1]] = str(
                GRAPH.value(data, RDFS.label)
            )
    assert sorted(labels) == ["data1.nt", "data2.nt", "data3.nt"]
    parts = []
    for file, label in sorted(labels.items()):
        parts.append(f"<{label}> {{\n{(FOLDER / file).read_text(encoding='utf-8')}}}\n")
    data0 = "http://kasei.us/2009/09/sparql/data/data0.rdf"
    parts.append(f"<{data0}> {{ <{data0}> a <http://xmlns.com/foaf/0.1/Document> . }}\n")
    path = folder / "w3c-protocol.trig"
    path.write_text("".join(parts), encoding="utf-8")
    return path


STORES = ("rdflib", "memory")


@pytest.fixture(scope="module", params=STORES, ids=[f"store={s}" for s in STORES])
def servers(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    kg_server_factory: Callable[..., str],  # noqa: F811
) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("w3c")
    data = _trig(folder)
    token = folder / "token"
    token.write_text(TOKEN + "\n", encoding="utf-8")
    store = ("--data", str(data), "--store", str(request.param))
    return {
        "read-only": kg_server_factory(*store),
        "token": kg_server_factory(*store, "--update-token-file", str(token)),
    }


def send(
    base: str, entry: URIRef, request: dict[str, Any], token: str | None
) -> tuple[int, str, bytes]:
    """One request exactly as the manifest writes it, over a real socket."""
    parsed = urllib.parse.urlsplit(base)
    path = request["path"]
    assert path.startswith("/sparql/")
    target = "/update" if _is_update(entry, request) else "/sparql"
    path = target + path[len("/sparql/") :]
    headers = dict(request["headers"])
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    try:
        connection.request(request["method"], path, body=request["body"], headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        connection.close()


def _format(content_type: str) -> str:
    media = content_type.split(";")[0].strip()
    if media in ("application/sparql-results+json", "application/sparql-results+xml"):
        return "results"
    if media in ("text/csv", "text/tab-separated-values"):
        return "tabular"
    if media in (
        "text/turtle",
        "application/n-triples",
        "application/rdf+xml",
        "application/ld+json",
    ):
        return "RDF"
    return media


def _boolean(content_type: str, body: bytes) -> bool | None:
    media = content_type.split(";")[0].strip()
    if media == "application/sparql-results+json":
        value = json.loads(body).get("boolean")
        return value if isinstance(value, bool) else None
    if media == "application/sparql-results+xml":
        found = ElementTree.fromstring(body).find("{http://www.w3.org/2005/sparql-results#}boolean")
        return None if found is None else found.text == "true"
    return None


def check(
    entry: URIRef, request: dict[str, Any], status: int, content_type: str, body: bytes
) -> None:
    where = f"{_name(entry)} {request['method']} {request['path'][:60]}"
    assert f"StatusCode{status // 100}xx" in request["statuses"], (
        f"{where}: status {status}, expected {request['statuses']}: {body[:200]!r}"
    )
    expected = request["format"]
    got = _format(content_type)
    if expected == "boolean":
        assert got == "results" and _boolean(content_type, body) is not None, where
    elif expected == "tabular":
        assert got in ("results", "tabular") and _boolean(content_type, body) is None, where
    elif expected == "RDF":
        assert got == "RDF", f"{where}: {content_type}"
    if request["boolean"] is not None:
        assert _boolean(content_type, body) is request["boolean"], f"{where}: {body[:300]!r}"


QUERY_TESTS = [e for e in ENTRIES if "update" not in _name(e)]
UPDATE_TESTS = [e for e in ENTRIES if "update" in _name(e)]


def test_manifest_is_complete() -> None:
    assert len(ENTRIES) == 34
    assert len(QUERY_TESTS) == 20 and len(UPDATE_TESTS) == 14


@pytest.mark.external
@pytest.mark.parametrize("entry", QUERY_TESTS, ids=_name)
def test_w3c_protocol_query(entry: URIRef, servers: dict[str, str]) -> None:
    for request in _requests(entry):
        check(entry, request, *send(servers["read-only"], entry, request, None))


@pytest.mark.external
@pytest.mark.parametrize("entry", UPDATE_TESTS, ids=_name)
def test_w3c_protocol_update_refused_when_read_only(entry: URIRef, servers: dict[str, str]) -> None:
    """Without a token every update request is refused, 403 whatever its form."""
    updates = [r for r in _requests(entry) if _is_update(entry, r)]
    assert updates
    for request in updates:
        status, _, body = send(servers["read-only"], entry, request, TOKEN)
        assert status == 403, f"{_name(entry)}: {status} {body[:200]!r}"


@pytest.mark.external
@pytest.mark.parametrize("entry", UPDATE_TESTS, ids=_name)
def test_w3c_protocol_update_with_token(entry: URIRef, servers: dict[str, str]) -> None:
    for request in _requests(entry):
        check(entry, request, *send(servers["token"], entry, request, TOKEN))
