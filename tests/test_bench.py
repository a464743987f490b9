"""bench/run.py end to end at a tiny size, one run: the report has every row and column.

No timing is asserted: speed is measured by the benchmark, never tested.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench_scripts import bench_script
from kg.sparql import catalogue as queries

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
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
    header = (
        "| measurement | quads | rows | memory (rdflib) | default (Oxigraph in memory) | "
        "oxigraph | memory/oxigraph |"
    )
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
            assert len(cells) == 7, line
            assert all(cell not in ("", "–") for cell in cells[3:6]), line
            assert "failed" not in line, line
    for section in ("## Cold start", "## Targets", "## Growth with size", "- CPU:", "- command:"):
        assert section in text


@pytest.mark.slow
def test_cold_bench_writes_its_section_with_every_row_and_target(tmp_path: Path) -> None:
    """bench/cold.py at one run, `kg build` timed in this environment (a fresh venv would
    need the package index): its section replaces the previous one, the rest stays."""
    report = tmp_path / "results.md"
    report.write_text("# Earlier results\n\nkept as they are\n", encoding="utf-8")
    command = [sys.executable, str(ROOT / "bench" / "cold.py"), "--runs", "1"]
    command += ["--build-python", sys.executable, "--workdir", str(tmp_path / "work")]
    command += ["--report", str(report)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    cold = bench_script("cold")
    # A second run writes its section with the same function (write_section) as the
    # first: called again here with another section, rather than measuring again.
    earlier = report.read_text(encoding="utf-8")
    cold.write_section(report, earlier[earlier.index(cold.BEGIN) :].replace("CPU", "cpu", 1))
    assert "- cpu:" in report.read_text(encoding="utf-8")
    cold.write_section(report, done.stdout)
    text = report.read_text(encoding="utf-8")
    assert text == earlier
    assert text.startswith("# Earlier results\n\nkept as they are\n")
    assert text.count(cold.BEGIN) == text.count(cold.END) == 1
    section = text[text.index(cold.BEGIN) :]
    assert section == done.stdout
    rows = {line.split("|")[1].strip(): line for line in section.splitlines() if "|" in line}
    for label in (
        "a. `kg query run party-members-count` (default engine)",
        "a. pyoxigraph: `Store()`, load the release N-Quads, query",
        "b. `kg query run party-members-count --store oxigraph:PATH`",
        "b. pyoxigraph: `Store(PATH)`, query",
        "c. `kg build` (after a plain install)",
    ):
        cells = [c.strip() for c in rows[label].split("|")[1:-1]]
        assert cells[1].endswith((" ms", " s")) and cells[4] == "1", rows[label]
    for target in (
        "a. cold query, default engine: kg ÷ pyoxigraph",
        "b. cold query, --store: kg ÷ pyoxigraph",
        "c. `kg build` after a plain install",
    ):
        assert rows[target].split("|")[4].strip().startswith(("met", "missed")), rows[target]
    assert "| rdflib |" in section or "| kg |" in section  # the imports by package
    assert "- CPU:" in section and "- command:" in section


@pytest.mark.slow
def test_gazetteer_bench_writes_its_section_with_every_row_and_bound(tmp_path: Path) -> None:
    """bench/gazetteer.py at one run: `kg build` and `kg validate` with and without the
    gazetteer, the bound they make, and every case of the gazetteer's stored queries."""
    report = tmp_path / "results.md"
    command = [sys.executable, str(ROOT / "bench" / "gazetteer.py"), "--runs", "1"]
    command += ["--query-runs", "2", "--report", str(report)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    section = report.read_text(encoding="utf-8")
    gazetteer = bench_script("gazetteer")
    assert section.count(gazetteer.BEGIN) == section.count(gazetteer.END) == 1
    rows = {line.split("|")[1].strip(): line for line in section.splitlines() if "|" in line}
    for label in (
        "`kg build` (with the gazetteer)",
        "`kg build` of kg's dataset alone",
        "`kg validate` (with the gazetteer)",
        "`kg validate` of kg's dataset alone",
    ):
        cells = [c.strip() for c in rows[label].split("|")[1:-1]]
        assert cells[1].endswith((" ms", " s")) and cells[4] == "1", rows[label]
    assert "**met**" in section or "**missed**" in section
    cases = [c.id for c in queries.expected_cases() if "gazetteer" in c.query.tags]
    assert cases
    for case in cases:
        assert rows[f"`{case}`"].split("|")[4].strip() in ("met", "missed"), case


def _synthetic(seconds_rows: dict[str, list[tuple[float, int]]]) -> dict:
    """Measurements at 1e4, 1e5, 1e6 quads: per query, (median seconds, rows) per size."""
    sizes = {}
    for index, label in enumerate(("1e4", "1e5", "1e6")):
        records = [
            {"kind": "query", "name": name, "rows": points[index][1], "samples": [points[index][0]]}
            for name, points in seconds_rows.items()
        ]
        sizes[label] = {
            "generated_quads": 10 ** (4 + index),
            "expected_results": 0,
            "stores": {"oxigraph": {"records": {"queries": records}}},
        }
    return {"sizes": sizes}


def test_growth_flags_a_scan_and_worse_than_linear_but_not_a_lookup_or_a_growing_answer() -> None:
    run = bench_script("run")
    out = _synthetic(
        {
            "lookup": [(0.001, 1), (0.0011, 1), (0.0012, 1)],
            "scan": [(0.002, 1), (0.02, 1), (0.2, 1)],
            "growing-answer": [(0.002, 10), (0.02, 100), (0.2, 1000)],
            "quadratic": [(0.001, 10), (0.1, 100), (10.0, 1000)],
        }
    )
    table = run.collect(out)
    text = run.render_growth(out, table, ["1e4", "1e5", "1e6"])
    assert out["scanning"] == ["query scan (oxigraph)"], text
    assert out["flagged"] == ["query quadratic (oxigraph)"], text


def test_paging_bench_compares_both_forms_of_every_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """bench/paging.py: grlc's text and run_page side by side (same rows, checked by the
    script itself), a table row for every paged query and page asked for."""
    import io

    data = tmp_path / "small.nq"
    assert (
        bench_script("generate").main(["--triples", "1e4", "-o", str(data)], out=io.StringIO()) == 0
    )
    assert bench_script("paging").main(["--data", str(data), "--pages", "1,2", "--runs", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert int(out[0].split()[1].replace(",", "")) > 10_000, out[0]  # the generated data
    rows = [line for line in out if line.startswith("| `")]
    paged = [q.name for q in queries.discover() if q.pagination]
    assert [row.split("`")[1] for row in rows] == [name for name in paged for _ in (1, 2)]
    assert all(row.endswith("× |") for row in rows)


def test_every_query_bench_has_a_row_for_every_stored_query(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """bench/every_query.py: loads a store (with the gazetteer) and answers every stored
    query, each in a fresh process; an error would be a row of its own."""
    import io

    data = tmp_path / "small.nq"
    assert (
        bench_script("generate").main(["--triples", "1e4", "-o", str(data)], out=io.StringIO()) == 0
    )
    store = f"oxigraph:{tmp_path / 'store'}"
    args = ["--store", store, "--data", str(data), "--runs", "1", "--load"]
    assert bench_script("every_query").main(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("loaded ") and int(out[0].split()[1].replace(",", "")) > 250_000
    rows = [line for line in out if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == queries.names()
    assert not [row for row in rows if "error" in row or not row.endswith(" |")]
