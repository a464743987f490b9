"""bench/run.py end to end at a tiny size, one run: the report has every row and column.

No timing is asserted: speed is measured by the benchmark, never tested.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kg import queries

ROOT = Path(__file__).resolve().parents[1]


def test_bench_report_has_every_row_and_column(tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    command = [
        sys.executable,
        str(ROOT / "bench" / "run.py"),
        "--sizes",
        "1500",
        "--runs",
        "1",
        "--budget",
        "0",
        "--query-budget",
        "0",
        "--query-timeout",
        "20",
        "--cold-runs",
        "1",
        "--workdir",
        str(tmp_path / "work"),
        "--report",
        str(report),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    text = report.read_text(encoding="utf-8")
    assert done.stdout.strip() == text.strip()
    header = "| measurement | quads | rows | memory (rdflib) | oxigraph | memory/oxigraph |"
    assert header in text
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    first = {line.split("|")[1].strip() for line in rows}
    expected = {"load", "validate", "export N-Quads"}
    expected |= {f"query {name}" for name in queries.names()}
    expected |= {f"peak memory ({kind})" for kind in ("load", "queries", "validate", "export")}
    assert expected <= first, expected - first
    for line in rows:
        if line.split("|")[1].strip() in expected:
            cells = [c.strip() for c in line.split("|")[1:-1]]
            assert len(cells) == 6, line
            assert cells[3] not in ("", "–") and cells[4] not in ("", "–"), line
            assert "failed" not in line, line
    for section in ("## Cold start", "## Targets", "## Growth with size", "- CPU:", "- command:"):
        assert section in text
