"""Stored queries against real SPARQL servers: parity with Oxigraph, injection payloads
on both engines, and every way a remote endpoint can fail.

The Oxigraph server (the `oxigraph` binary of the PyPI package `oxigraph`, a test
extra) runs on loopback for the session. In CI a missing binary is a failure, not a skip.
"""

from __future__ import annotations

import hashlib
import http.server
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from rdflib import Dataset

import kg.store
from kg.cli import cli
from kg.core.errors import EXIT_ERROR, InputError
from kg.sparql import catalogue as queries
from kg.sparql import text as sparql_text
from kg.sparql.remote import EndpointError
from kg.sparql.results import Result
from kg.store import export
from oxigraph_server import OxigraphServer, free_port
from result_compare import comparable, value

STORED = queries.discover()
CASES = queries.expected_cases()


# -- the Oxigraph server -----------------------------------------------------------------


@pytest.fixture(scope="session")
def oxigraph(tmp_path_factory: pytest.TempPathFactory, shipped_dataset: Dataset) -> Iterator[str]:
    """The query URL of an Oxigraph server holding `kg export --format nquads` (loaded
    through the Graph Store Protocol, graphs kept), stopped with SIGTERM at the end."""
    with OxigraphServer(tmp_path_factory.mktemp("oxigraph")) as server:
        server.load(export(shipped_dataset, "nquads"), "application/n-quads")
        yield server.query_url


@pytest.mark.external
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_oxigraph_answers_as_the_embedded_store(
    case: queries.ExpectedCase, oxigraph: str, shipped_dataset: Dataset
) -> None:
    keys = sparql_text.order_keys(case.query.text)
    local = kg.store.run_case(case, data=shipped_dataset)
    remote = kg.store.run_case(case, endpoint=oxigraph)
    assert remote.variables == local.variables
    assert comparable(remote, keys) == comparable(local, keys), (
        f"{case.id}: Oxigraph and rdflib disagree; make the query portable SPARQL 1.1"
    )


@pytest.mark.external
def test_query_run_endpoint_on_the_command_line(oxigraph: str) -> None:
    local = CliRunner().invoke(cli, ["query", "run", "party-members-count", "-f", "csv"])
    remote = CliRunner().invoke(
        cli,
        ["query", "run", "party-members-count", "-f", "csv", "--endpoint", oxigraph],
    )
    assert remote.exit_code == local.exit_code == 0
    assert remote.stdout_bytes == local.stdout_bytes


@pytest.mark.external
def test_sparql_construct_on_the_endpoint(oxigraph: str) -> None:
    text = (
        "CONSTRUCT { ?s rdfs:label ?l } "
        "WHERE { GRAPH ?g { ?s rdfs:label ?l } VALUES ?s { body:huyen-uy-nam-truc } }"
    )
    local = kg.store.run_text(text)
    remote = kg.store.run_text(text, endpoint=oxigraph)
    assert local.graph is not None and len(local.graph) > 0
    assert comparable(remote, None) == comparable(local, None)


# -- injection -----------------------------------------------------------------------------

PAYLOADS = [
    '"',
    "\\u0022",  # the six characters: SPARQL decodes \u escapes before it parses
    "x> } ; DROP ALL #",
    "1 } UNION { ?s ?p ?o }",
    "a\nb",
    "x" * 100_000,
    "'''\"\"\"\\",
]
PAYLOAD_IDS = ["quote", "u0022", "drop-all", "union", "newline", "100kB", "quotes-backslash"]

ROUND_TRIP = queries.parse("SELECT ?_x WHERE { }", name="round-trip")
LABEL_MATCH = queries.parse(
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?s WHERE { GRAPH ?g { ?s rdfs:label ?_label_literal } FILTER (?_label_literal != '') }",
    name="label-match",
)


def _fingerprint_local(data: Dataset) -> tuple[int, str]:
    nquads = export(data, "nquads")
    return len(nquads.splitlines()), hashlib.sha256(nquads).hexdigest()


def _fingerprint_remote(endpoint: str) -> tuple[int, str]:
    result = kg.store.run_text(
        "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }", endpoint=endpoint
    )
    rows = sorted(
        "\t".join(str(value(row.get(v))) for v in ("s", "p", "o", "g")) for row in result.rows
    )
    return len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()


_STORES: dict[str, Any] = {}


def _oxigraph_store() -> Any:
    # The persistent Oxigraph store (kg.store), loaded once per test session: its
    # parameters are bound the way a remote endpoint's are, so it meets the same payloads.
    if "store" not in _STORES:
        import tempfile

        from kg.store import open_store

        folder = tempfile.mkdtemp(prefix="kg-injection-store-")
        store = open_store(f"oxigraph:{folder}")
        store.load()
        _STORES["store"] = store
    return _STORES["store"]


def _engines(oxigraph: str, data: Dataset) -> list[tuple[str, Callable[..., Result]]]:
    store = _oxigraph_store()
    return [
        ("rdflib", lambda q, v: kg.store.run(q, v, data=data)),
        ("oxigraph", lambda q, v: kg.store.run(q, v, endpoint=oxigraph)),
        ("oxigraph-store", lambda q, v: kg.store.run(q, v, store=store)),
    ]


@pytest.mark.external
@pytest.mark.parametrize("payload", PAYLOADS, ids=PAYLOAD_IDS)
def test_string_payloads_are_values_not_syntax(
    payload: str, oxigraph: str, shipped_dataset: Dataset
) -> None:
    before = (_fingerprint_local(shipped_dataset), _fingerprint_remote(oxigraph))
    for engine, run in _engines(oxigraph, shipped_dataset):
        # The engine hands back exactly the string it was given...
        echoed = run(ROUND_TRIP, {"x": payload})
        assert [str(row["_x"]) for row in echoed.rows] == [payload], engine
        # ...and a pattern with it matches what a harmless unknown value matches: nothing.
        assert run(LABEL_MATCH, {"label": payload}).rows == [], engine
        assert run(LABEL_MATCH, {"label": "no such label"}).rows == [], engine
    after = (_fingerprint_local(shipped_dataset), _fingerprint_remote(oxigraph))
    assert after == before


@pytest.mark.external
@pytest.mark.parametrize("payload", PAYLOADS, ids=PAYLOAD_IDS)
def test_iri_payloads_are_refused_or_harmless(
    payload: str, oxigraph: str, shipped_dataset: Dataset
) -> None:
    stored = queries.get("describe-entity")
    iri = "https://w3id.org/vn-kg/id/body/" + payload
    harmless = {"entity": "https://w3id.org/vn-kg/id/body/no-such-body"}
    for engine, run in _engines(oxigraph, shipped_dataset):
        if any(c in payload for c in ' <>"{}|^`\\\n'):
            with pytest.raises(InputError, match=r"parameter 'entity'.*IRI"):
                run(stored, {"entity": iri})
        else:
            assert run(stored, {"entity": iri}).rows == run(stored, harmless).rows == [], engine
    # Refused on the command line too, before anything runs.
    result = CliRunner().invoke(
        cli, ["query", "run", "describe-entity", "-p", f"entity={iri}", "--endpoint", oxigraph]
    )
    if any(c in payload for c in ' <>"{}|^`\\\n'):
        assert result.exit_code == EXIT_ERROR
        assert "parameter 'entity'" in result.output


def test_the_lang_enumeration_refuses_payloads() -> None:
    with pytest.raises(InputError, match="not one of vi, en"):
        queries.bindings(queries.get("bounded-figures"), {"lang": '" } UNION { ?s ?p ?o } #'})


# -- remote failures -------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    behaviour = "ok"

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        behaviour = self.server.behaviour  # type: ignore[attr-defined]
        if behaviour == "sleep":
            time.sleep(3)
            return
        if behaviour == "500":
            self._send(500, b"Internal failure: the store is on fire\nsecond line", "text/plain")
        elif behaviour == "400":
            self._send(400, b"Parse error: unexpected '}'", "text/plain")
        elif behaviour == "garbage":
            self._send(200, b"<html>not results</html>", "text/html")
        elif behaviour == "not-results":
            self._send(200, b'{"hello": "world"}', "application/sparql-results+json")
        elif behaviour == "truncated-json":
            self._send(
                200,
                b'{"head": {"vars": ["s"]}, "results": {"bindings": [{"s": {"ty',
                "application/sparql-results+json",
            )
        elif behaviour == "short-body":
            # Content-Length promises more than is sent before the connection closes.
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"head": {"vars": []}')
            self.wfile.flush()
            self.close_connection = True

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def fake_endpoint() -> Iterator[Callable[[str], str]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def endpoint(behaviour: str) -> str:
        server.behaviour = behaviour  # type: ignore[attr-defined]
        return f"http://127.0.0.1:{server.server_address[1]}/sparql"

    yield endpoint
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("behaviour", "cause"),
    [
        (
            "500",
            "HTTP 500 Internal Server Error: Internal failure: the store is on fire second line",
        ),
        ("400", "HTTP 400 Bad Request (the endpoint rejects the query): Parse error"),
        ("garbage", "malformed or truncated SPARQL JSON results (Content-Type text/html)"),
        ("not-results", "malformed or truncated SPARQL JSON results"),
        ("truncated-json", "malformed or truncated SPARQL JSON results"),
        ("short-body", "truncated response"),
        ("sleep", "no answer within 0.5 s (timeout)"),
    ],
)
def test_remote_failures_are_one_line_naming_endpoint_and_cause(
    behaviour: str, cause: str, fake_endpoint: Callable[[str], str]
) -> None:
    url = fake_endpoint(behaviour)
    with pytest.raises(EndpointError) as info:
        kg.store.run(queries.get("party-members-count"), endpoint=url, timeout=0.5)
    assert str(info.value).startswith(f"{url}: ")
    assert cause in str(info.value)
    result = CliRunner().invoke(
        cli, ["query", "run", "party-members-count", "--endpoint", url, "--timeout", "0.5"]
    )
    assert result.exit_code == EXIT_ERROR
    assert result.output == f"kg: error: {info.value}\n"


def test_unreachable_endpoint() -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"  # nothing listens there
    result = CliRunner().invoke(cli, ["sparql", "ASK {}", "--endpoint", url])
    assert result.exit_code == EXIT_ERROR
    assert result.output.startswith(f"kg: error: {url}: cannot connect: ")
    assert "refused" in result.output.lower()
    assert len(result.output.splitlines()) == 1


def test_console_script_remote_error_has_no_traceback() -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"
    done = subprocess.run(
        [sys.executable, "-m", "kg", "query", "run", "bounded-figures", "--endpoint", url],
        capture_output=True,
        text=True,
    )
    assert done.returncode == EXIT_ERROR
    assert done.stderr.startswith(f"kg: error: {url}: cannot connect")
    assert "Traceback" not in done.stderr
