"""The Python API as a user calls it: import kg; kg.load(); kg.validate(); kg.export()."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import kg
dataset = kg.load()
result = kg.validate(dataset)
assert result.conforms, result.summary()
data = kg.export(dataset, "nt")
assert kg.load() is not None and len(kg.export(kg.load(), "nt")) == len(data)
print("ok", len(dataset))
"""


def test_api_functions_work_in_sequence() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok ")
