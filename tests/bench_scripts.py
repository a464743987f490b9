"""The scripts under bench/ as modules, for the tests that call them in-process."""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parent.parent / "bench"


@cache
def bench_script(name: str) -> ModuleType:
    """``bench/NAME.py`` imported once per test process, as ``kg_bench_NAME``."""
    spec = importlib.util.spec_from_file_location(f"kg_bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module
