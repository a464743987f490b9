"""``kg serve`` as a real subprocess on loopback, queried by clients this project did not
write: SPARQLWrapper (every stored query, compared with the checked-in answers),
rdflib's SPARQLStore, Debian's ``roqet`` (rasqal-utils), and ``kg query run
--endpoint``; a slow query does not hold up quick ones; the server stops cleanly.

One server on the shipped data for the whole module (``kg_server``); in CI (CI=true)
a missing roqet is a failure, elsewhere a skip.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph
from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

import kg.store
from kg.cli import cli
from kg.sparql import catalogue as queries
from kg.sparql import text as sparql_text
from kg.sparql.results import Result, parse_json
from result_compare import comparable
from serve_helper import KgServer, kg_server, kg_server_factory  # noqa: F401 (fixtures)
from timing import within

# A real kg serve, queried by SPARQLWrapper, rdflib's SPARQLStore and roqet.
pytestmark = pytest.mark.external

CASES = queries.expected_cases()
EXPECTED = Path(__file__).parent / "queries"
PRODUCT = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CONSTRUCT = "CONSTRUCT { ?s a kgo:Count } WHERE { GRAPH ?g { ?s a kgo:Count } }"
ASK = "ASK { ?s a kgo:Count }"
# Stored queries with a parameter, bound by VALUES (the clients have no binding API).
WITH_PARAMETERS = [
    ("party-members-count", {"body": "body:dang-bo-huyen-nam-truc"}),
    ("evidence-for-fact", {"fact": "statistic:nam-truc-dang-vien-2021-11-01"}),
    ("documents-tied-to-resolution", {"resolution": "document:04-nq-tw-khoa-xii"}),
    ("what-covers-former-unit", {"unit": "place:huyen-nam-truc"}),
]


def expected(case: queries.ExpectedCase) -> Result:
    path = EXPECTED / case.filename
    if case.query.form in ("SELECT", "ASK"):
        return parse_json(path.read_bytes(), case.query.form)
    return Result(case.query.form, graph=Graph().parse(path, format="nt"))


def bound_text(name: str, values: dict[str, str] | None = None, lang: str | None = None) -> str:
    stored = queries.get(name)
    return queries.with_values(stored.text, queries.bindings(stored, values, lang))


@pytest.fixture(scope="module")
def endpoint(kg_server: str) -> str:  # noqa: F811
    return f"{kg_server}/sparql"


# -- SPARQLWrapper: every stored query -----------------------------------------------------


def sparqlwrapper(endpoint: str, case: queries.ExpectedCase) -> Result:
    client = SPARQLWrapper(endpoint)
    # GET with SPARQLWrapper's defaults: Accept and its format=json parameter.
    # The text of the case: its page, for a paged query (one row more, cut below).
    values = {"lang": case.lang} if case.lang else None
    client.setQuery(queries.with_values(case.text, queries.bindings(case.query, values)))
    client.setReturnFormat(JSON if case.query.form in ("SELECT", "ASK") else TURTLE)
    response = client.query()
    assert response.response.status == 200
    result = parse_json(response.response.read(), case.query.form)
    page = queries.page_number(case.query, case.page)
    return result if page is None else queries.cut_page(case.query, page, result)


@pytest.fixture(scope="module")
def sparqlwrapper_answers(
    endpoint: str,
    kg_server_factory: Callable[..., str],  # noqa: F811
) -> Iterator[dict[str, Future[Result]]]:
    """Every case sent at once to two servers (rdflib evaluates the VALUES-bound form of
    some queries slowly, 8-20 s; two processes use two cores)."""
    second = f"{kg_server_factory('--threads', '2')}/sparql"
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield {
            case.id: pool.submit(sparqlwrapper, (endpoint, second)[i % 2], case)
            for i, case in enumerate(sorted(CASES, key=lambda c: c.query.name))
        }


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_sparqlwrapper_gets_the_expected_answers(
    case: queries.ExpectedCase, sparqlwrapper_answers: dict[str, Future[Result]]
) -> None:
    got = sparqlwrapper_answers[case.id].result(timeout=120)
    keys = sparql_text.order_keys(case.query.text)
    want = expected(case)
    assert got.variables == want.variables
    assert comparable(got, keys) == comparable(want, keys)


def test_sparqlwrapper_construct_and_ask(endpoint: str, shipped_dataset: Dataset) -> None:
    local = kg.store.run_text(CONSTRUCT, data=shipped_dataset)
    client = SPARQLWrapper(endpoint)
    client.setQuery(queries.with_prefixes(CONSTRUCT))
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.query().response.read(), format="turtle")
    assert comparable(Result("CONSTRUCT", graph=graph), None) == comparable(local, None)
    assert len(graph) > 0
    client.setQuery(queries.with_prefixes(ASK))
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True


# -- rdflib's SPARQLStore ---------------------------------------------------------------------


@pytest.mark.parametrize(("name", "values"), WITH_PARAMETERS, ids=[n for n, _ in WITH_PARAMETERS])
def test_rdflib_sparqlstore(name: str, values: dict[str, str], endpoint: str) -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    from kg.store.rdflib import from_rdflib

    graph = Graph(SPARQLStore(query_endpoint=endpoint, returnFormat="json"))
    got = from_rdflib(graph.query(bound_text(name, values)))
    case = queries.ExpectedCase(queries.get(name), None)
    keys = sparql_text.order_keys(case.query.text)
    assert got.rows and comparable(got, keys) == comparable(expected(case), keys)


def test_rdflib_sparqlstore_ask_and_construct(endpoint: str, shipped_dataset: Dataset) -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = Graph(SPARQLStore(query_endpoint=endpoint, returnFormat="xml"))
    assert graph.query(queries.with_prefixes(ASK)).askAnswer is True
    constructed = graph.query(queries.with_prefixes(CONSTRUCT)).graph
    local = kg.store.run_text(CONSTRUCT, data=shipped_dataset)
    assert constructed is not None and len(constructed) > 0
    assert comparable(Result("CONSTRUCT", graph=constructed), None) == comparable(local, None)


def test_rdflib_dataset_over_sparqlstore(endpoint: str) -> None:
    # A Dataset sends default-graph-uri=urn:x-rdflib:default, its name for the default
    # graph: the server's own default graph answers (it was a 400, "a graph kg does not
    # hold").
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    remote = Dataset(store=SPARQLStore(query_endpoint=endpoint, returnFormat="json"))
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    [row] = list(remote.query(count))
    plain = Graph(SPARQLStore(query_endpoint=endpoint, returnFormat="json"))  # sends none
    [same] = list(plain.query(count))
    assert int(row[0]) == int(same[0]) > 0
    # returnFormat is also the Accept of a CONSTRUCT: a graph format, or 406.
    graphs = Dataset(store=SPARQLStore(query_endpoint=endpoint, returnFormat="xml"))
    constructed = graphs.query("CONSTRUCT WHERE { ?s a ?t } LIMIT 3").graph
    assert constructed is not None and len(constructed) == 3


@pytest.mark.parametrize("store", ["memory", "rdflib"])
def test_construct_where_with_a_limit(store: str, kg_server_factory: Callable[..., str]) -> None:  # noqa: F811
    # rdflib looked for the pattern of CONSTRUCT WHERE two levels down, under no LIMIT.
    base = kg_server_factory("--store", store)
    text = "CONSTRUCT WHERE { ?s a ?t } ORDER BY ?s ?t OFFSET 2 LIMIT 2"
    url = f"{base}/sparql?{urllib.parse.urlencode({'query': text})}"
    request = urllib.request.Request(url, headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        lines = answer.read().decode("utf-8").splitlines()
    assert answer.status == 200 and len(lines) == 2


# -- roqet ----------------------------------------------------------------------------------


def roqet() -> str:
    found = shutil.which("roqet")
    if found is None:
        message = "no roqet (apt-get install rasqal-utils)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def run_roqet(endpoint: str, text: str, fmt: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [roqet(), "-q", "-i", "sparql", "-p", endpoint, "-e", text, "-r", fmt],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _strings(result: Result) -> Counter[tuple[str, ...]]:
    return Counter(tuple(str(row.get(v, "")) for v in result.variables) for row in result.rows)


@pytest.mark.parametrize(("name", "values"), WITH_PARAMETERS, ids=[n for n, _ in WITH_PARAMETERS])
def test_roqet_csv(name: str, values: dict[str, str], endpoint: str) -> None:
    done = run_roqet(endpoint, bound_text(name, values), "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout)))
    want = expected(queries.ExpectedCase(queries.get(name), None))
    assert rows[0] == want.variables
    assert Counter(tuple(r) for r in rows[1:]) == _strings(want)


def test_roqet_tsv_and_xml(endpoint: str) -> None:
    text = bound_text("party-members-count", {"body": "body:dang-bo-huyen-nam-truc"})
    want = expected(queries.ExpectedCase(queries.get("party-members-count"), None))
    tsv = run_roqet(endpoint, text, "tsv")
    assert tsv.returncode == 0, tsv.stderr
    assert len(tsv.stdout.strip().splitlines()) == len(want.rows) + 1
    xml = run_roqet(endpoint, text, "xml")
    assert xml.returncode == 0, xml.stderr
    assert xml.stdout.count("<result>") == len(want.rows)


def test_roqet_ask_and_construct(endpoint: str) -> None:
    """roqet's protocol mode reads only variable-binding results and asks for SPARQL
    XML results whatever the query: an ASK is answered (roqet shows no boolean, a
    limit of roqet), a CONSTRUCT is refused with 406 (no graph type was accepted)."""
    ask = run_roqet(endpoint, queries.with_prefixes(ASK), "xml")
    assert ask.returncode == 0, ask.stderr
    construct = run_roqet(endpoint, queries.with_prefixes(CONSTRUCT), "xml")
    assert "406" in construct.stderr


# -- kg query run --endpoint -------------------------------------------------------------


@pytest.mark.parametrize("name", ["party-members-count", "violation-types"])
def test_kg_query_run_endpoint_answers_as_embedded(name: str, endpoint: str) -> None:
    local = CliRunner().invoke(cli, ["query", "run", name, "-f", "csv"])
    remote = CliRunner().invoke(cli, ["query", "run", name, "-f", "csv", "--endpoint", endpoint])
    assert local.exit_code == remote.exit_code == 0, remote.output
    assert sorted(remote.output.splitlines()) == sorted(local.output.splitlines())
    assert len(local.output.splitlines()) > 1


# -- a slow query does not block ----------------------------------------------------------


def get(base: str, path: str) -> tuple[int, bytes, float]:
    parsed = urllib.parse.urlsplit(base)
    started = time.monotonic()
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    try:
        connection.request("GET", path, headers={"Accept": "application/sparql-results+json"})
        response = connection.getresponse()
        return response.status, response.read(), time.monotonic() - started
    finally:
        connection.close()


def test_slow_query_times_out_while_others_are_answered(kg_server: str) -> None:  # noqa: F811
    limit = 2.0
    slow_path = "/sparql?" + urllib.parse.urlencode({"query": PRODUCT, "timeout": limit})
    slow: list[tuple[int, bytes, float]] = []
    slow_done: list[float] = []

    def ask_slowly() -> None:
        slow.append(get(kg_server, slow_path))
        slow_done.append(time.monotonic())

    thread = threading.Thread(target=ask_slowly)
    thread.start()
    time.sleep(0.3)
    quick = [get(kg_server, "/sparql?" + urllib.parse.urlencode({"query": ASK})) for _ in range(5)]
    quick_done = time.monotonic()
    thread.join()
    assert not thread.is_alive()
    for status, body, _ in quick:
        assert status == 200 and json.loads(body)["boolean"] is True
    status, body, seconds = slow[0]
    assert status == 503 and b"time limit" in body
    assert limit - 0.1 < seconds < within(limit)
    # Answered while the slow query ran, not queued behind it.
    assert quick_done < slow_done[0]


def test_request_log_lines(kg_server: str) -> None:  # noqa: F811
    from serve_helper import _SERVERS

    get(kg_server, "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?needle ?p ?o }"}))
    server = next(s for s in _SERVERS.values() if s.url == kg_server)
    log = server.log()
    assert "GET /sparql 200 " in log
    assert "needle" not in log


# -- start and stop -------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGINT], ids=["SIGINT"])
def test_port_0_and_clean_stop(sig: int, tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("a-token-of-at-least-16-characters\n", encoding="utf-8")
    server = KgServer("--update-token-file", str(token), "--timeout", "5").start()
    assert server.port > 0 and f"listening on http://127.0.0.1:{server.port}/" in server.log()
    assert server.stop(sig) == 0
    assert "stopped" in server.log()
    assert "a-token-of-at-least" not in server.log()
