"""Load on a running ``kg serve``: concurrent clients, mixed stored and ad-hoc queries.

Usage::

    python bench/serve_load.py                      # starts kg serve on a free port
    python bench/serve_load.py --url http://127.0.0.1:8000 --clients 50 --requests 20

Prints one table: requests, errors, throughput, and latency percentiles (p50, p90,
p99, max) per kind of request and overall. Every answer is checked (status 200 and a
well-formed body with the expected number of rows), so an error is never counted as a
fast answer. ``tests/test_server_load.py`` runs the same load, bounded, and asserts
only that there were no errors.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Ad-hoc queries a user of the public endpoint might send (the default graph is the
# union of the named graphs); each with the number of rows it must answer, or None to
# only check that it answers.
AD_HOC = [
    ("count", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", 1),
    (
        "labels",
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT ?s ?l WHERE { ?s rdfs:label ?l FILTER(lang(?l) = 'vi') } ORDER BY ?s LIMIT 50",
        None,
    ),
    ("ask", "ASK { ?s a <http://www.w3.org/ns/org#Organization> }", 1),
    (
        "types",
        "SELECT ?t (COUNT(?s) AS ?n) WHERE { ?s a ?t } GROUP BY ?t ORDER BY DESC(?n) LIMIT 20",
        None,
    ),
]


@dataclass
class Sample:
    kind: str
    seconds: float
    ok: bool
    detail: str = ""


@dataclass
class Report:
    samples: list[Sample] = field(default_factory=list)
    wall: float = 0.0

    @property
    def errors(self) -> list[Sample]:
        return [s for s in self.samples if not s.ok]


def _stored_queries(base: str) -> list[str]:
    status, body = _get(base, "/api/queries", "application/json")
    if status != 200:
        raise SystemExit(f"{base}/api/queries answered {status}")
    catalogue = json.loads(body)
    entries = catalogue["queries"] if isinstance(catalogue, dict) else catalogue
    return [entry["name"] for entry in entries]


def _get(base: str, path: str, accept: str, timeout: float = 60) -> tuple[int, bytes]:
    parsed = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Accept": accept})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _one(base: str, kind: str, path: str, expected_rows: int | None) -> Sample:
    start = time.perf_counter()
    try:
        status, body = _get(base, path, "application/sparql-results+json")
    except OSError as exc:
        return Sample(kind, time.perf_counter() - start, False, f"{type(exc).__name__}: {exc}")
    elapsed = time.perf_counter() - start
    if status != 200:
        return Sample(kind, elapsed, False, f"HTTP {status}: {body[:120]!r}")
    try:
        document = json.loads(body)
    except ValueError:
        return Sample(kind, elapsed, False, "not JSON")
    rows = 1 if "boolean" in document else len(document["results"]["bindings"])
    if expected_rows is not None and rows != expected_rows:
        return Sample(kind, elapsed, False, f"{rows} rows, expected {expected_rows}")
    return Sample(kind, elapsed, True)


def run_load(
    base: str, clients: int = 50, requests: int = 20, seed: int = 1, stored_share: float = 0.5
) -> Report:
    """``clients`` threads each send ``requests`` requests, a seeded mix of stored
    queries (``/api/queries/NAME``, defaults) and ad-hoc SPARQL (``/sparql?query=``)."""
    names = _stored_queries(base)
    rng = random.Random(seed)
    plans: list[list[tuple[str, str, int | None]]] = []
    for _ in range(clients):
        plan = []
        for _ in range(requests):
            if rng.random() < stored_share:
                name = rng.choice(names)
                plan.append((f"stored:{name}", f"/api/queries/{name}", None))
            else:
                label, text, rows = rng.choice(AD_HOC)
                path = "/sparql?" + urllib.parse.urlencode({"query": text})
                plan.append((f"sparql:{label}", path, rows))
        plans.append(plan)

    report = Report()
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client(plan: list[tuple[str, str, int | None]]) -> None:
        barrier.wait()
        for kind, path, rows in plan:
            sample = _one(base, kind, path, rows)
            with lock:
                report.samples.append(sample)

    threads = [threading.Thread(target=client, args=(plan,)) for plan in plans]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report.wall = time.perf_counter() - start
    return report


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def table(report: Report) -> str:
    groups: dict[str, list[Sample]] = {}
    for sample in report.samples:
        groups.setdefault(sample.kind.split(":")[0], []).append(sample)
    groups["all"] = report.samples
    lines = [
        "| requests | n | errors | req/s | p50 ms | p90 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, samples in groups.items():
        seconds = [s.seconds * 1000 for s in samples]
        errors = sum(not s.ok for s in samples)
        rate = len(samples) / report.wall if report.wall else 0.0
        lines.append(
            f"| {name} | {len(samples)} | {errors} | {rate:.1f} | "
            f"{statistics.median(seconds):.0f} | {_percentile(seconds, 0.9):.0f} | "
            f"{_percentile(seconds, 0.99):.0f} | {max(seconds):.0f} |"
        )
    return "\n".join(lines)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def started_server(*args: str) -> Iterator[str]:
    """``kg serve`` in a subprocess on a free loopback port; yields its base URL."""
    with started_process(*args) as (base, _):
        yield base


@contextmanager
def started_process(*args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``kg serve`` in a subprocess on a free loopback port; yields its base URL and
    the process (stopped with SIGINT at the end, unless it has stopped already).

    Its log (a line per request) goes to a temporary file, not to a pipe: a pipe nobody
    reads fills up after a few hundred requests and then blocks the server."""
    port = _free_port()
    command = [sys.executable, "-m", "kg", "serve", "--port", str(port), *args]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    err = log.read().decode("utf-8", "replace")
                    raise SystemExit(f"kg serve exited with {process.returncode}: {err}")
                try:
                    if _get(base, "/health", "text/plain", timeout=2)[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("kg serve did not answer within 60 s")
                time.sleep(0.1)
            yield base, process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running kg serve (default: start one)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="per client")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=1, help="rounds before measuring")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="start kg serve with --cache-size 0: every request is evaluated",
    )
    args = parser.parse_args()

    def measure(base: str) -> Report:
        for _ in range(args.warmup):
            run_load(base, clients=4, requests=10, seed=args.seed + 1000)
        return run_load(base, args.clients, args.requests, args.seed)

    if args.url:
        report = measure(args.url.rstrip("/"))
    else:
        with started_server(*(["--cache-size", "0"] if args.no_cache else [])) as base:
            report = measure(base)
    print(
        f"kg serve under load: {args.clients} clients × {args.requests} requests, "
        f"seed {args.seed}, cache {'off' if args.no_cache else 'on'}, "
        f"{len(report.samples)} requests in {report.wall:.1f} s "
        f"on {platform.node() or 'this machine'} ({os.cpu_count()} CPUs, "
        f"Python {platform.python_version()})"
    )
    print()
    print(table(report))
    for sample in report.errors[:10]:
        print(f"error: {sample.kind}: {sample.detail}", file=sys.stderr)
    sys.exit(1 if report.errors else 0)


if __name__ == "__main__":
    main()
