"""A bounded load on a real ``kg serve``: 50 concurrent clients × 20 requests each,
mixed stored queries and ad-hoc SPARQL, must all be answered correctly.

Only correctness under concurrency is asserted; how fast is measured by
``bench/serve_load.py``, never by a timed assertion."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _load_bench() -> ModuleType:
    path = ROOT / "bench" / "serve_load.py"
    spec = importlib.util.spec_from_file_location("serve_load", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["serve_load"] = module
    spec.loader.exec_module(module)
    return module


serve_load = _load_bench()


def test_fifty_clients_twenty_requests_each_no_errors() -> None:
    with serve_load.started_server() as base:
        report = serve_load.run_load(base, clients=50, requests=20, seed=7)
    assert len(report.samples) == 1000
    kinds = {sample.kind.split(":")[0] for sample in report.samples}
    assert kinds == {"stored", "sparql"}
    details = [f"{s.kind}: {s.detail}" for s in report.errors]
    assert details == []
