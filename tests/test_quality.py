"""What ``make lint types imports`` checks, as tests: ``python -m pytest`` (the README's
test command, which CI runs) fails when ``ruff check``, ``ruff format --check``, mypy
(strict, on ``src/``) or the import contracts of pyproject.toml fail, and shows the
tool's own report. The import contracts (``lint-imports``) are checked once, by
``tests/test_architecture.py::test_import_contracts_are_kept``, which also requires that
both contracts were read.

Each tool runs as a subprocess of the current interpreter, from the project root, so
that it reads the same pyproject.toml settings as ``make`` and finds the same ``kg``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def assert_passes(*command: str, timeout: float = 300) -> None:
    done = subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    report = f"{done.stdout}{done.stderr}"
    assert done.returncode == 0, f"{' '.join(command)} exited {done.returncode}:\n{report}"


def test_ruff_check() -> None:
    assert_passes("-m", "ruff", "check", "src", "tests")


def test_ruff_format() -> None:
    assert_passes("-m", "ruff", "format", "--check", "src", "tests")


@pytest.mark.slow
def test_mypy_strict() -> None:
    assert_passes("-m", "mypy", "src", timeout=900)
