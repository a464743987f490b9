"""Cold-start time of `kg query run NAME`: every run a fresh Python process.

    python bench/query_cold.py [--runs N] [NAME ...]

Prints, per stored query (default: all), the minimum, median and maximum wall time of
N runs of `python -m kg query run NAME -f csv -o /dev/null`, then what a cold start is
made of: the interpreter alone, importing kg.cli (the console script's module, which
answers `kg query run` without click), importing the click command tree (what
`kg --help` pays), and, in one process, reading the query, loading the shipped data into
Oxigraph in memory and running the query, as `kg query run` does. No timing is asserted
anywhere; this is for reading. bench/cold.py compares the same against pyoxigraph.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence


def wall(argv: Sequence[str], runs: int) -> list[float]:
    times: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            sys.exit(f"{' '.join(argv)}: exit {done.returncode}: {done.stderr.decode().strip()}")
    return times


def row(label: str, times: list[float]) -> str:
    ms = [t * 1000 for t in times]
    return f"{label:<36} {min(ms):>8.0f} {statistics.median(ms):>8.0f} {max(ms):>8.0f}"


_IN_PROCESS = """
import time
t0 = time.perf_counter()
from kg.sparql import catalogue as queries
stored = queries.get({name!r})
t1 = time.perf_counter()
import kg.store
store = kg.store.open_store("memory")
store.load()
t2 = time.perf_counter()
kg.store.run(stored, store=store)
t3 = time.perf_counter()
print(f"{{(t1 - t0) * 1000:.0f}} {{(t2 - t1) * 1000:.0f}} {{(t3 - t2) * 1000:.0f}}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="stored queries (default: all)")
    parser.add_argument("--runs", type=int, default=5, help="runs per query (default 5)")
    args = parser.parse_args()

    from kg.sparql import catalogue as queries

    names = args.names or queries.names()
    python = sys.executable
    env_note = f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.runs} runs each"
    print(f"cold start of `kg query run NAME` ({env_note}); milliseconds")
    print(f"{'':<36} {'min':>8} {'median':>8} {'max':>8}")
    medians = []
    for name in names:
        times = wall(
            [python, "-m", "kg", "query", "run", name, "-f", "csv", "-o", os.devnull], args.runs
        )
        medians.append(statistics.median(times))
        print(row(name, times))
    print(f"{'(median of the medians)':<36} {'':>8} {statistics.median(medians) * 1000:>8.0f}")
    print()
    print("what a cold start is made of")
    print(row("python -c pass", wall([python, "-c", "pass"], args.runs)))
    print(row("import kg.cli (no click)", wall([python, "-c", "import kg.cli"], args.runs)))
    print(
        row(
            "import kg.cli.commands (kg --help)",
            wall([python, "-c", "import kg.cli.commands"], args.runs),
        )
    )
    parts = []
    for _ in range(args.runs):
        out = subprocess.run(
            [python, "-c", _IN_PROCESS.format(name=names[0])],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        parts.append([float(x) / 1000 for x in out])
    for i, label in enumerate(("read the query", "load the data into Oxigraph", "run the query")):
        print(row(f"  in process: {label}", [p[i] for p in parts]))


if __name__ == "__main__":
    main()
