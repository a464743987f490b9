"""A page of each paged stored query two ways, side by side in one process: grlc's text
(the query with LIMIT/OFFSET: the whole answer evaluated and sorted) and kg's
``run_page`` (with ``#+ page_key_property``: the smallest key values, then the page
restricted to them). Wall-clock and CPU time (the process's own: on a machine shared
with other work the CPU time says what the query costs, the wall time what a user waits),
medians after one warm-up; both forms' rows are checked to be the same first.

    python bench/paging.py --data /tmp/kg-1e6.nq                    # default engine
    python bench/paging.py --store oxigraph:/tmp/ox-1e6 --data /tmp/kg-1e6.nq
    python bench/paging.py --data /tmp/kg-1e6.nq --pages 1,5 --runs 5
    python bench/paging.py --store oxigraph:/tmp/ox-1e7 --data /tmp/kg-1e7.nq --keyed-only

``--keyed-only`` measures ``run_page`` alone: at 10⁷ quads grlc's text takes minutes
for some queries, so its rows are not compared then.

The data is a file of ``bench/generate.py``; an Oxigraph store that holds data already
is used as it is (load it first, e.g. with ``bench/run.py --keep``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from kg.core import paths
from kg.sparql import catalogue as queries
from kg.store import open_store


def each_run(work: Callable[[], Any], runs: int) -> tuple[list[float], list[float], Any]:
    """The wall and CPU times of ``runs`` runs of ``work`` after a warm-up, and its result."""
    walls: list[float] = []
    cpus: list[float] = []
    result = None
    for attempt in range(runs + 1):
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        if attempt:  # the first is the warm-up
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    return walls, cpus, result


def timed(work: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    walls, cpus, result = each_run(work, runs)
    return statistics.median(walls), statistics.median(cpus), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", default="memory", help="memory (default) or oxigraph:PATH")
    parser.add_argument("--data", required=True, help="generated N-Quads (bench/generate.py)")
    parser.add_argument("--pages", default="1,5", help="pages to measure (1,5)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs after a warm-up (5)")
    parser.add_argument("--queries", help="comma-separated paged queries (default: all)")
    parser.add_argument("--keyed-only", action="store_true", help="run_page only")
    args = parser.parse_args(argv)

    store = open_store(args.store)
    started = time.perf_counter()
    if not (args.store.startswith("oxigraph:") and len(store)):
        store.load([str(paths.ontology_path()), str(paths.vocabulary_path()), args.data])
    print(f"{args.store}: {len(store):,} quads, ready in {time.perf_counter() - started:.1f} s")
    names = args.queries.split(",") if args.queries else None
    paged = [q for q in queries.discover() if q.pagination and (not names or q.name in names)]
    print("| query | page | grlc's text: wall | CPU | run_page: wall | CPU | CPU ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for stored in paged:
        terms = queries.bindings(stored, {})
        for page in (int(p) for p in args.pages.split(",")):

            def plain(stored: Any = stored, page: int = page, terms: Any = terms) -> Any:
                text = queries.page_text(stored, page)
                return queries.cut_page(stored, page, store.query(text, terms))

            def keyed(stored: Any = stored, page: int = page, terms: Any = terms) -> Any:
                return queries.run_page(stored, page, lambda text: store.query(text, terms))

            keyed_wall, keyed_cpu, got = timed(keyed, args.runs)
            if args.keyed_only:
                print(
                    f"| `{stored.name}` | {page} | – | – | {keyed_wall * 1e3:,.0f} ms | "
                    f"{keyed_cpu * 1e3:,.0f} ms | – |",
                    flush=True,
                )
                continue
            plain_wall, plain_cpu, expected = timed(plain, args.runs)
            assert got.rows == expected.rows, f"{stored.name} page {page}: rows differ"
            print(
                f"| `{stored.name}` | {page} | {plain_wall * 1e3:,.0f} ms | "
                f"{plain_cpu * 1e3:,.0f} ms | {keyed_wall * 1e3:,.0f} ms | "
                f"{keyed_cpu * 1e3:,.0f} ms | {plain_cpu / max(keyed_cpu, 1e-9):.1f}× |",
                flush=True,
            )
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
