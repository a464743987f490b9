"""What the gazetteer costs: `kg build` and `kg validate` with and without it, and its
stored queries on the default engine (issue 16, item 6).

    python bench/gazetteer.py                  # 5 runs each; writes its section of bench/results.md
    python bench/gazetteer.py --runs 3 --report /tmp/gazetteer.md

a. Side by side, one fresh process each, every round in the same order after a warm-up
   round: ``kg build`` and ``kg validate`` of the shipped data (the gazetteer included),
   and of kg's dataset alone (its files given as paths, ``kg.core.paths.default_sources``).
   The bound of issue 16: ``kg build`` with the gazetteer within issue 12's bound for
   ``kg build`` (3 s, ``bench/cold.py``) plus the gazetteer's own validation, that is the
   median of ``kg validate`` with it less the median without it.
b. In one process, the shipped data loaded once on the default engine (Oxigraph in
   memory): every stored query tagged ``gazetteer`` with each of its checked-in cases
   (``kg.sparql.catalogue.expected_cases``), one warm-up run, then the median of
   ``--query-runs`` runs, each within 100 ms to meet the bound.

Nothing is asserted: the bounds are compared, not enforced (tests/test_bench.py runs this
at one run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from cold import (  # noqa: E402
    TARGET_BUILD,
    Measurement,
    fmt_measurement,
    fmt_seconds,
    kg_command,
    loadavg,
    write_section,
)

BEGIN = "<!-- bench/gazetteer.py: begin -->"
END = "<!-- bench/gazetteer.py: end -->"
TARGET_QUERY = 0.1


def kg_sources() -> list[str]:
    """kg's files without the gazetteer, as paths for the command line."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from kg.core import paths\nprint('\\n'.join(str(p) for p in paths.default_sources()))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.split()


def commands(workdir: Path) -> list[Measurement]:
    kg = kg_command(Path(sys.executable))
    alone = kg_sources()
    return [
        Measurement(
            "build-all",
            "`kg build` (with the gazetteer)",
            [*kg, "build", "-d", str(workdir / "all")],
            None,
        ),
        Measurement(
            "build-kg",
            "`kg build` of kg's dataset alone",
            [*kg, "build", *alone, "-d", str(workdir / "kg")],
            None,
        ),
        Measurement("validate-all", "`kg validate` (with the gazetteer)", [*kg, "validate"], None),
        Measurement(
            "validate-kg", "`kg validate` of kg's dataset alone", [*kg, "validate", *alone], None
        ),
    ]


def query_times(runs: int) -> list[tuple[str, int, float]]:
    """(case, rows, median seconds) of every case of the gazetteer's stored queries."""
    import kg.store
    from kg.sparql import catalogue

    store = kg.store.open_store("memory")
    store.load()
    found = []
    for case in catalogue.expected_cases():
        if kg.store.GAZETTEER_TAG not in case.query.tags:
            continue
        rows = len(kg.store.run_case(case, store=store).rows)
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            kg.store.run_case(case, store=store)
            samples.append(time.perf_counter() - start)
        found.append((case.id, rows, statistics.median(samples)))
    store.close()
    return found


def render(
    measured: dict[str, Measurement], queries: list[tuple[str, int, float]], started: str, load: str
) -> str:
    lines = [
        BEGIN,
        "## The gazetteer's cost: `kg build`, `kg validate`, its stored queries (issue 16, item 6)",
        "",
        "```sh",
        "python bench/gazetteer.py --runs 5",
        "```",
        "",
        f"Run {started}, load average at the start {load}, after the end {loadavg()}; "
        "medians of fresh processes side by side, after a warm-up round.",
        "",
        "| measurement | median | min–max | CPU | runs |",
        "|---|---:|---:|---:|---:|",
    ]
    for m in measured.values():
        lines.append(f"| {m.label} | {fmt_measurement(m)} |")
    build = measured["build-all"].median
    validation = measured["validate-all"].median - measured["validate-kg"].median
    bound = TARGET_BUILD + validation
    verdict = "met" if build <= bound else "missed"
    lines += [
        "",
        f"The gazetteer's own validation: {fmt_seconds(validation)} (the medians of `kg "
        f"validate` with and without it). Bound: {fmt_seconds(TARGET_BUILD)} + "
        f"{fmt_seconds(validation)} = {fmt_seconds(bound)}; `kg build` with the gazetteer: "
        f"{fmt_seconds(build)}, **{verdict}**.",
        "",
        "Its stored queries on the default engine (Oxigraph in memory, the shipped data "
        "loaded once), each checked-in case, median of the runs after a warm-up:",
        "",
        "| case | rows | median | ≤ 100 ms? |",
        "|---|---:|---:|---|",
    ]
    for case, rows, seconds in queries:
        met = "met" if seconds <= TARGET_QUERY else "missed"
        lines.append(f"| `{case}` | {rows} | {fmt_seconds(seconds)} | {met} |")
    lines += ["", END]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument("--query-runs", type=int, default=20, help="runs per query case")
    parser.add_argument("--report", type=Path, default=BENCH / "results.md")
    args = parser.parse_args(argv)
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = loadavg()
    with tempfile.TemporaryDirectory(prefix="kg-bench-gazetteer-") as workdir:
        measurements = commands(Path(workdir))
        for round_number in range(args.runs + 1):
            print(f"round {round_number}/{args.runs}", file=sys.stderr, flush=True)
            for m in measurements:
                m.run(keep=round_number > 0)
    queries = query_times(args.query_runs)
    section = render({m.key: m for m in measurements}, queries, started, load)
    write_section(args.report, section, BEGIN, END)
    print(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
