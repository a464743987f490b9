"""Every stored query on a loaded store, each in a fresh process: its default answer, or its
first page when it is paged (``run_page``, as ``kg query run`` asks for it), one warm-up
and then ``--runs`` runs; median wall and CPU time. The bound of issue 14: every stored
query within 1 s at 10⁷ quads on the Oxigraph store.

    python bench/generate.py --triples 1e7 --seed 1 --error-rate 0.01 -o /tmp/kg-1e7.nq
    python bench/every_query.py --load --store oxigraph:/tmp/ox-1e7 --data /tmp/kg-1e7.nq
    python bench/every_query.py --store oxigraph:/tmp/ox-1e7 --data /tmp/kg-1e7.nq

``--load`` loads the ontology, the vocabulary, the gazetteer (its stored queries need it)
and the generated file into the store first; parameters are those of ``bench/run.py``
(the first article's district).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def one(store_spec: str, name: str, values: dict[str, str], runs: int) -> dict[str, object]:
    from kg.sparql import catalogue as queries
    from kg.store import open_store

    store = open_store(store_spec)
    stored = queries.get(name)
    terms = queries.bindings(stored, values)
    page = queries.page_number(stored, None)

    def run() -> int:
        if page is None:
            result = store.query(stored.text, terms)
        else:
            result = queries.run_page(stored, page, lambda text: store.query(text, terms))
        return len(result.rows or [])

    sys.path.insert(0, str(BENCH))
    from paging import each_run

    walls, cpus, rows = each_run(run, runs)
    store.close()
    return {
        "rows": rows,
        "wall": statistics.median(walls),
        "cpu": statistics.median(cpus),
        "low": min(walls),
        "high": max(walls),
    }


def load(store_spec: str, data: str) -> None:
    from kg.core import paths
    from kg.store import open_store

    store = open_store(store_spec)
    started = time.perf_counter()
    sources = [paths.ontology_path(), paths.vocabulary_path(), *paths.gazetteer_sources()]
    store.load([*map(str, sources), data])
    print(f"loaded {len(store):,} quads in {time.perf_counter() - started:.0f} s", flush=True)
    store.close()


def shown(seconds: float) -> str:
    return f"{seconds * 1e3:,.0f} ms" if seconds >= 0.01 else f"{seconds * 1e3:.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True, help="oxigraph:PATH")
    parser.add_argument("--data", required=True, help="the generated N-Quads (bench/generate.py)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs after a warm-up (3)")
    parser.add_argument("--load", action="store_true", help="load the store first")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--values", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.store, args.one, json.loads(args.values), args.runs)))
        return 0
    if args.load:
        load(args.store, args.data)
    sys.path.insert(0, str(BENCH))
    import run as scale  # the parameters bench/run.py uses

    from kg.sparql import catalogue as queries

    parameters = scale.pick_parameters(Path(args.data))
    print("| query | rows | wall (median) | range | CPU | ≤ 1 s? |")
    print("|---|---:|---:|---|---:|---|")
    for name in queries.names():
        command = [sys.executable, __file__, "--store", args.store, "--data", args.data]
        command += ["--runs", str(args.runs), "--one", name]
        command += ["--values", json.dumps(parameters.get(name, {}))]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode:
            last = (done.stderr.strip().splitlines() or ["?"])[-1]
            print(f"| `{name}` | error: {last[:150]} | | | | missed |", flush=True)
            continue
        r = json.loads(done.stdout)
        verdict = "met" if r["wall"] <= 1 else "missed"
        print(
            f"| `{name}` | {r['rows']} | {shown(r['wall'])} | {shown(r['low'])}–"
            f"{shown(r['high'])} | {shown(r['cpu'])} | {verdict} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
