"""A bounded load on a real ``kg serve``: 50 concurrent clients × 20 requests each,
mixed stored queries and ad-hoc SPARQL, must all be answered correctly.

Only correctness under concurrency is asserted; how fast is measured by
``bench/serve_load.py``, never by a timed assertion."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench_scripts import bench_script

# A real kg serve under 50 concurrent clients.
pytestmark = pytest.mark.external

ROOT = Path(__file__).resolve().parent.parent


serve_load = bench_script("serve_load")


def test_fifty_clients_twenty_requests_each_no_errors() -> None:
    with serve_load.started_server() as base:
        report = serve_load.run_load(base, clients=50, requests=20, seed=7)
    assert len(report.samples) == 1000
    kinds = {sample.kind.split(":")[0] for sample in report.samples}
    assert kinds == {"stored", "sparql"}
    details = [f"{s.kind}: {s.detail}" for s in report.errors]
    assert details == []
