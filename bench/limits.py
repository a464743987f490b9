"""What the limits of ``kg serve`` hold, measured on a real server (issue 13, items 2-4).

    python bench/limits.py                     # both stores, 5 rounds; writes its section
    python bench/limits.py --rounds 3 --report /tmp/limits.md

For each store (rdflib, kg serve's default, and Oxigraph in memory), one server with
``--timeout 2 --threads 3`` and the default memory limit:

a. every hostile query of the catalogue's "run long or big" group (tests/hostile/http):
   the wall time to its answer (503 at the time or memory limit, or 200), and the CPU the
   server's processes used in the second after it (the query's own process is killed:
   none should be left);
b. ``GET /health`` while three queries hold every worker and every thread, against
   ``GET /health`` on the idle server, side by side: medians of ``--rounds`` × 10;
c. the server's resident memory before, at the peak of, and after a burst of nine
   heavy queries;
d. SIGTERM while a query runs: the seconds until the server has exited.

Nothing is asserted (tests/test_limits.py and the catalogue check the behaviour); the
section between the markers of ``--report`` (default bench/results.md) is replaced.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import signal
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import cold  # noqa: E402 - a sibling script
import serve_load  # noqa: E402 - a sibling script

HOSTILE = BENCH.parent / "tests" / "hostile" / "http"
QUERIES = [
    "regex-backtracking",
    "concat-doubling",
    "huge-values",
    "sort-explosion",
    "aggregate-explosion",
    "cartesian",
]
STORES = {"rdflib": ["--store", "rdflib"], "Oxigraph in memory": ["--store", "memory"]}
SERVE_ARGS = ["--timeout", "2", "--threads", "3"]
BEGIN = "<!-- bench/limits.py: begin -->"
END = "<!-- bench/limits.py: end -->"


def post(base: str, text: str, timeout: float = 60) -> tuple[int, str]:
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/sparql-query"}
        connection.request("POST", "/sparql", text.encode(), headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def health_seconds(base: str) -> float:
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    started = time.perf_counter()
    try:
        connection.request("GET", "/health")
        connection.getresponse().read()
    finally:
        connection.close()
    return time.perf_counter() - started


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += tree(int(child))
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def resident(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def hostile(base: str, pid: int) -> list[tuple[str, int, float, float]]:
    rows = []
    for name in QUERIES:
        text = (HOSTILE / f"{name}.rq").read_text(encoding="utf-8")
        started = time.perf_counter()
        status, _ = post(base, text)
        took = time.perf_counter() - started
        before = cpu_seconds(tree(pid))
        time.sleep(1)
        after = cpu_seconds(tree(pid))
        rows.append((name, status, took, after - before))
    return rows


def health(base: str, pid: int, rounds: int) -> tuple[list[float], list[float]]:
    cartesian = (HOSTILE / "cartesian.rq").read_text(encoding="utf-8")
    idle: list[float] = []
    busy: list[float] = []
    for _ in range(rounds):
        idle += [health_seconds(base) for _ in range(10)]
        holders = [threading.Thread(target=post, args=(base, cartesian)) for _ in range(3)]
        for thread in holders:
            thread.start()
        deadline = time.monotonic() + 5
        while len(tree(pid)) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        busy += [health_seconds(base) for _ in range(10)]
        for thread in holders:
            thread.join()
    return idle, busy


def burst(base: str, pid: int) -> tuple[int, int, int]:
    texts = [
        (HOSTILE / f"{name}.rq").read_text(encoding="utf-8")
        for name in ("concat-doubling", "sort-explosion", "cartesian")
    ] * 3
    for _ in range(3):
        post(base, "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 1000")
    baseline = resident(pid)
    peak = baseline
    threads = [threading.Thread(target=post, args=(base, text)) for text in texts]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        peak = max(peak, sum(resident(p) for p in tree(pid)))
        time.sleep(0.05)
    return baseline, peak, resident(pid)


def stop_seconds(store_args: list[str]) -> float:
    cartesian = (HOSTILE / "cartesian.rq").read_text(encoding="utf-8")
    with serve_load.started_process(*store_args, "--timeout", "30") as (base, process):
        running = threading.Thread(target=post, args=(base, cartesian))
        running.start()
        deadline = time.monotonic() + 5
        while len(tree(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.perf_counter()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        took = time.perf_counter() - started
        running.join()
    return took


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def mb(size: int) -> str:
    return f"{size / 1_048_576:.0f} MB"


def render(results: dict[str, dict[str, Any]], rounds: int, started: dt.datetime) -> str:
    lines = [
        BEGIN,
        "## The limits of `kg serve` (issue 13, items 2-4)",
        "",
        f"- command: `python bench/limits.py --rounds {rounds}`: "
        f"{started:%Y-%m-%d %H:%M} UTC",
        f"- server: `kg serve {' '.join(SERVE_ARGS)}` (other limits at their defaults: "
        "1024 MB per query, 10,000 rows)",
        f"- machine: {os.cpu_count()} cores, load average before: "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        "",
        "a. The hostile queries of tests/hostile/http: time to the answer, and the CPU "
        "the server's processes used in the second after it.",
        "",
        "| query | store | status | answered after | CPU in the next second |",
        "|---|---|---:|---:|---:|",
    ]
    for store, result in results.items():
        for name, status, took, cpu in result["hostile"]:
            lines.append(f"| {name} | {store} | {status} | {ms(took)} | {cpu:.2f} s |")
    lines += [
        "",
        "b. `GET /health`, idle and while three queries hold every worker and thread "
        f"(median of {rounds * 10}, min–max):",
        "",
        "| store | idle | every worker busy | ratio |",
        "|---|---:|---:|---:|",
    ]
    for store, result in results.items():
        idle, busy = result["health"]
        ratio = statistics.median(busy) / statistics.median(idle)
        lines.append(
            f"| {store} | {ms(statistics.median(idle))} ({ms(min(idle))}–{ms(max(idle))}) "
            f"| {ms(statistics.median(busy))} ({ms(min(busy))}–{ms(max(busy))}) "
            f"| {ratio:.1f}× |"
        )
    lines += [
        "",
        "c. Resident memory of the server around a burst of nine heavy queries "
        "(the peak counts the queries' processes):",
        "",
        "| store | before | peak | after | after − before |",
        "|---|---:|---:|---:|---:|",
    ]
    for store, result in results.items():
        before, peak, after = result["burst"]
        lines.append(
            f"| {store} | {mb(before)} | {mb(peak)} | {mb(after)} | {mb(after - before)} |"
        )
    lines += ["", "d. SIGTERM while a query runs: seconds until the server has exited.", ""]
    lines += ["| store | stopped after |", "|---|---:|"]
    for store, result in results.items():
        lines.append(f"| {store} | {ms(result['stop'])} |")
    lines += ["", END]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--report", type=Path, default=BENCH / "results.md")
    args = parser.parse_args(argv)
    started = dt.datetime.now(dt.timezone.utc)
    results: dict[str, dict[str, Any]] = {}
    for store, store_args in STORES.items():
        with serve_load.started_process(*store_args, *SERVE_ARGS) as (base, process):
            results[store] = {
                "hostile": hostile(base, process.pid),
                "health": health(base, process.pid, args.rounds),
                "burst": burst(base, process.pid),
            }
        results[store]["stop"] = stop_seconds(store_args)
    section = render(results, args.rounds, started)
    cold.write_section(args.report, section, BEGIN, END)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
