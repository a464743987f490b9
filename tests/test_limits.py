"""What one query may use in ``kg serve``, and how the server stops (issue 13, items 2-4).

Every query runs in a child process (``kg.store.isolated``) killed at its deadline, with
a memory limit of its own. The hostile queries themselves are files in the catalogue
(tests/hostile/manifest.yaml, the "queries that run long or big" group); this module
checks what a single request cannot show: that a stopped query stops using the CPU,
that ``/health`` is answered while every worker is busy, that the server's memory comes
back after a burst, that the answer cache is bounded in bytes, and that SIGTERM stops
the server and frees its store. How fast is measured by bench/limits.py, not here.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset

import kg.store
from kg.core import paths
from kg.core.errors import EXIT_ERROR, QueryMemoryLimit, QueryTimeout, TooManyRows
from kg.http.app import create_app
from kg.http.context import ServerConfig
from kg.sparql.parse import SparqlSyntaxError
from kg.store import open_store
from kg.store.base import Limits
from kg.store.isolated import AVAILABLE, IsolatedStore
from serve_helper import KgServer
from timing import within

HOSTILE = Path(__file__).parent / "hostile" / "http"
CARTESIAN = (HOSTILE / "cartesian.rq").read_text(encoding="utf-8")
CONCAT = (HOSTILE / "concat-doubling.rq").read_text(encoding="utf-8")
SORT = (HOSTILE / "sort-explosion.rq").read_text(encoding="utf-8")
ENGINES = ["rdflib", "memory"]
MEGABYTE = 1_048_576

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="queries run in-process without fork")


def post_query(base: str, text: str, timeout: float = 30) -> tuple[int, str]:
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        connection.request(
            "POST", "/sparql", text.encode(), {"Content-Type": "application/sparql-query"}
        )
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def get(base: str, path: str) -> tuple[int, str]:
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(child) for child in text]
    return found


def resident_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def server(engine: str) -> Iterator[KgServer]:
    with KgServer("--store", engine, "--timeout", "2", "--threads", "3") as running:
        yield running


# -- the library: IsolatedStore -------------------------------------------------------


@pytest.fixture(scope="module")
def isolated() -> Iterator[IsolatedStore]:
    inner = open_store("memory", union_default=True)
    # kg's dataset: over the gazetteer's 241,000 triples more, the cartesian query meets
    # the memory limit before its deadline.
    inner.load(paths.default_sources())
    store = IsolatedStore(inner, workers=2, memory=256 * MEGABYTE, max_answer_bytes=MEGABYTE // 8)
    yield store
    store.close()


def test_answers_cross_the_process_whole(isolated: IsolatedStore) -> None:
    text = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 50"
    assert isolated.query(text, limits=Limits(10)) == isolated.inner.query(text)
    graph = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 40"
    assert len(isolated.query(graph, limits=Limits(10))) == 40
    assert isolated.query("ASK { ?s ?p ?o }", limits=Limits(10)).boolean is True


def test_errors_cross_the_process_with_their_location() -> None:
    inner = open_store("rdflib")
    inner.load()
    store = IsolatedStore(inner, workers=1)
    with pytest.raises(SparqlSyntaxError) as caught:
        store.query("SELECT * WHERE {\n  ?s ?p\n}", limits=Limits(10))
    assert (caught.value.line, caught.value.column) == (2, 3)
    assert "bad SPARQL" in str(caught.value)


def test_a_query_past_its_deadline_is_killed(isolated: IsolatedStore) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        isolated.query(CARTESIAN, limits=Limits(timeout=1))
    assert time.monotonic() - started < 10  # killed, not waited for
    assert isolated.running() == 0


def test_a_query_over_its_memory_is_stopped_with_its_own_error(isolated: IsolatedStore) -> None:
    with pytest.raises(QueryMemoryLimit, match="256 MB"):
        isolated.query(CONCAT, limits=Limits(timeout=30))


def test_an_answer_over_the_byte_cap_is_refused(isolated: IsolatedStore) -> None:
    text = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"  # 4,701 rows: about 300 KB encoded
    with pytest.raises(TooManyRows, match="larger than the limit"):
        isolated.query(text, limits=Limits(timeout=30))


def test_an_update_is_not_isolated_and_later_queries_see_it() -> None:
    inner = open_store("rdflib")
    inner.load()
    store = IsolatedStore(inner, workers=1)
    store.update("INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }")
    answer = store.query("ASK { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }", limits=Limits(5))
    assert answer.boolean is True


# -- the answer cache -----------------------------------------------------------------


def test_the_answer_cache_is_bounded_in_bytes(shipped_dataset: Dataset) -> None:
    config = ServerConfig(cache_memory=1, cache_size=10_000, isolate_queries=False)
    service = create_app(config, dataset=shipped_dataset).ctx.service
    # Distinct queries of about 200 KB of answer each: more than the cache may hold.
    for offset in range(12):
        service.run(f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT 1500 OFFSET {offset}")
    answers, held = service.cache_usage()
    assert 0 < held <= MEGABYTE
    assert answers < 12
    small = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
    service.run(small)
    hits = service.cache_hits
    service.run(small)
    assert service.cache_hits == hits + 1


# -- kg sparql and the library, locally ------------------------------------------------


@pytest.mark.parametrize("where", ENGINES)
def test_the_library_stops_a_local_query_at_its_deadline(where: str) -> None:
    # In a thread, Oxigraph's query would run on for minutes after its QueryTimeout,
    # using the CPU and keeping the process from exiting; in a child, it is killed.
    before = set(children(os.getpid()))  # servers other tests of this worker started
    with pytest.raises(QueryTimeout, match=r"^the query ran past its time limit of 1\.5 s$"):
        kg.store.run_text(CARTESIAN, store=where, timeout=1.5)
    assert set(children(os.getpid())) <= before
    cpu = time.process_time()
    time.sleep(1)
    assert time.process_time() - cpu < 0.5, "the query still runs in this process"


@pytest.mark.parametrize("where", ENGINES)
def test_kg_sparql_timeout_ends_a_local_query_and_the_process(where: str) -> None:
    command = [sys.executable, "-m", "kg", "sparql", "--store", where, "--timeout", "2", CARTESIAN]
    # Without the limit the query runs for minutes; the process must end with it.
    done = subprocess.run(command, capture_output=True, text=True, timeout=within(2) + 20)
    assert done.returncode == EXIT_ERROR
    assert done.stderr == "kg: error: the query ran past its time limit of 2 s\n"


# -- a real server ------------------------------------------------------------------------


@pytest.mark.external
def test_a_stopped_query_leaves_no_process_using_the_cpu(server: KgServer) -> None:
    assert server.process is not None
    status, body = post_query(server.url, CARTESIAN)
    assert status == 503 and "time limit" in body
    time.sleep(1)
    assert children(server.process.pid) == []


@pytest.mark.external
def test_health_is_answered_while_every_worker_is_busy(server: KgServer) -> None:
    # --threads 3: three queries hold every worker (and every thread) for 2 s.
    busy = [threading.Thread(target=post_query, args=(server.url, CARTESIAN)) for _ in range(3)]
    for thread in busy:
        thread.start()
    try:
        assert server.process is not None
        deadline = time.monotonic() + 10
        while len(children(server.process.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(children(server.process.pid)) == 3
        status, body = get(server.url, "/health")
        assert status == 200 and body.startswith("ok ")
        # Answered while the queries still run, not after their deadline.
        assert len(children(server.process.pid)) == 3
    finally:
        for thread in busy:
            thread.join()


@pytest.mark.external
@pytest.mark.slow
def test_memory_comes_back_after_a_burst_of_heavy_queries(server: KgServer) -> None:
    assert server.process is not None
    pid = server.process.pid
    for _ in range(3):  # the first queries warm caches and allocator pools
        post_query(server.url, "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 1000")
    baseline = resident_bytes(pid)
    heavy = [CONCAT, SORT, CARTESIAN] * 3
    threads = [threading.Thread(target=post_query, args=(server.url, text)) for text in heavy]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert resident_bytes(pid) - baseline < 100 * MEGABYTE
    assert children(pid) == []


@pytest.mark.external
@pytest.mark.parametrize("kind", ["rdflib", "oxigraph"])
def test_sigterm_stops_the_server_and_frees_its_store(kind: str, tmp_path: Path) -> None:
    store = "rdflib" if kind == "rdflib" else f"oxigraph:{tmp_path / 'store'}"
    first = KgServer("--store", store, "--timeout", "20").start()
    assert first.process is not None
    running = threading.Thread(target=post_query, args=(first.url, CARTESIAN, 60))
    running.start()
    deadline = time.monotonic() + 10
    while not children(first.process.pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    first.process.send_signal(signal.SIGTERM)
    first.process.wait(timeout=5)
    running.join()
    assert first.process.returncode == 0
    assert "stopped" in first.log()
    # The store's lock is free: a server on the same store starts and answers.
    with KgServer("--store", store) as second:
        assert get(second.url, "/health")[0] == 200
