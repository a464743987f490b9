"""How long validation takes, per engine, on the shipped data and on one invalid fixture.

Run: python bench/validate_speed.py [--runs N] [--fixture NAME]

Prints a table of medians (and the fastest run) over N runs of kg.validation.shacl.validate,
after one warm-up run, for each engine that is installed: pyshacl (the reference:
pyshacl and rdflib SPARQL) and turbo (pyshacl-turbo and pyoxigraph). The fixture row
includes what tests/test_shacl_fixtures.py does per fixture: copy the parsed dataset and
apply the fixture's SPARQL Update. The SHACL and checks columns split the validation.
Speed is measured here, never asserted in a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from rdflib import Dataset, Graph  # noqa: E402

from kg import paths  # noqa: E402
from kg.io.parse import load, parse_graph, union_graph  # noqa: E402
from kg.validation.shacl import (  # noqa: E402
    _check_files,
    _pyshacl,
    _turbo_shacl,
    check_runner,
    run_check,
    turbo_available,
    validate,
)


def timed(function: Callable[[], object], runs: int) -> tuple[float, float]:
    function()  # warm-up: imports, caches
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), min(samples)


def parts(dataset: Dataset, shapes: Graph, engine: str, runs: int) -> tuple[float, float]:
    """Median seconds of the SHACL part and of the checks part alone."""
    data = union_graph(dataset)
    checks = _check_files(paths.checks_dir())

    def shacl() -> object:
        if engine == "turbo":
            return _turbo_shacl(data, shapes)
        return _pyshacl(dataset, data, shapes)

    def run_checks() -> object:
        runner = check_runner(data, engine)
        return [run_check(check, data, runner) for check in checks]

    return timed(shacl, runs)[0], timed(run_checks, runs)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per cell (default 5)")
    parser.add_argument("--fixture", default="activity-without-agent", help="fixture name")
    args = parser.parse_args()

    from test_shacl_fixtures import FIXTURE_DIR, mutated, read_fixture

    base = load()
    shapes = parse_graph(paths.shapes_path())
    fixture = read_fixture(FIXTURE_DIR / f"{args.fixture}.ttl")
    engines = ["pyshacl", *(["turbo"] if turbo_available() else [])]

    print(f"kg validate, median of {args.runs} runs (fastest in brackets), seconds")
    print()
    width = max(len("shipped data"), len(f"fixture {args.fixture}"))
    print(f"| engine  | {'data':<{width}} |          total |  SHACL | checks |")
    print(f"|---------|-{'-' * width}-|----------------|--------|--------|")
    for engine in engines:
        rows: list[tuple[str, Callable[[], object], Dataset]] = [
            (
                "shipped data",
                lambda engine=engine: validate(base, shapes=shapes, engine=engine),
                base,
            ),
            (
                f"fixture {args.fixture}",
                lambda engine=engine: validate(
                    mutated(base, fixture.update), shapes=shapes, engine=engine
                ),
                mutated(base, fixture.update),
            ),
        ]
        for label, function, dataset in rows:
            median, fastest = timed(function, args.runs)
            shacl, checks = parts(dataset, shapes, engine, args.runs)
            total = f"{median:6.2f} ({fastest:5.2f})"
            cells = f"{total:>14} | {shacl:6.2f} | {checks:6.2f}"
            print(f"| {engine:<7} | {label:<{width}} | {cells} |")
    if "turbo" not in engines:
        print("\nturbo is not installed: pip install 'kg[fast]'")


if __name__ == "__main__":
    main()
