"""``kg query run`` answered without click (``kg.cli.dispatch``) reads and answers every
argument form exactly as the click command does (issue 12, item 5).

Each form of tests/dispatch/forms.json runs twice, each time in a fresh ``python``: once
through ``kg.cli.main`` as the console script runs it, once through ``kg.cli.main``
with the dispatcher switched off, so that click parses it. stdout, stderr, the exit code
and the file written with ``-o`` must be the same, byte for byte. The forms the
dispatcher answers are checked to be answered without importing click; the others to be
left to click.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kg.cli.dispatch import StoredRun, recognise
from kg.core import paths

SRC = Path(__file__).resolve().parents[1] / "src"
FORMS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "dispatch" / "forms.json").read_text(encoding="utf-8")
)["forms"]

# argv[1] "fast" or "click"; the rest the arguments after `kg`. With "click", kg.cli.main
# runs with the dispatcher recognising nothing. The modules imported are written to the
# file named by $KG_TEST_MODULES, out of the way of stdout and stderr. $KG_TEST_QUERIES,
# when set, is the stored queries' folder instead of the shipped one (graph answers:
# no shipped query has one).
_RUN = """\
import atexit, os, sys
from pathlib import Path
import kg.cli
from kg.core import paths
if os.environ.get("KG_TEST_QUERIES"):
    paths.queries_dir = lambda: Path(os.environ["KG_TEST_QUERIES"])
def modules():
    with open(os.environ["KG_TEST_MODULES"], "w") as out:
        out.write("\\n".join(sorted(sys.modules)))
atexit.register(modules)
if sys.argv[1] == "click":
    kg.cli.recognise = lambda argv: None
sys.argv = ["kg", *sys.argv[2:]]
kg.cli.main()
"""


QUERIES = Path(__file__).parent / "dispatch" / "queries"


def _expand(text: str, tmp: Path) -> str:
    return (
        text.replace("{tmp}", str(tmp))
        .replace("{data}", str(paths.data_dir()))
        .replace("{queries}", str(QUERIES))
    )


def _run(way: str, argv: list[str], env: dict[str, str], tmp: Path) -> dict[str, Any]:
    modules = tmp / f"modules-{way}.txt"
    environment = {k: v for k, v in os.environ.items() if k not in ("KG_STORE", "KG_DEBUG")}
    environment.update(env)
    environment["PYTHONPATH"] = os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])
    environment["KG_TEST_MODULES"] = str(modules)
    done = subprocess.run(
        [sys.executable, "-c", _RUN, way, *argv],
        capture_output=True,
        env=environment,
        cwd=tmp,
        timeout=300,
    )
    written = {
        path.name: path.read_bytes() for path in sorted(tmp.glob("answer.*")) if path.is_file()
    }
    for path in tmp.glob("answer.*"):
        path.unlink()
    loaded = modules.read_text(encoding="utf-8").split("\n") if modules.is_file() else []
    return {
        "code": done.returncode,
        "stdout": done.stdout,
        "stderr": done.stderr,
        "written": written,
        "click": "click" in loaded,
    }


@pytest.mark.parametrize("form", FORMS, ids=lambda form: " ".join(form["argv"]) or "-")
def test_the_dispatcher_and_click_give_the_same_bytes(form: dict[str, Any], tmp_path: Path) -> None:
    argv = [_expand(arg, tmp_path) for arg in form["argv"]]
    env = {name: _expand(value, tmp_path) for name, value in form.get("env", {}).items()}
    by_click = _run("click", argv, env, tmp_path)
    as_shipped = _run("fast", argv, env, tmp_path)
    assert by_click["click"], "the click run must have gone through click"
    assert as_shipped["click"] is not form["fast"], "the form went the other way"
    assert as_shipped["code"] == by_click["code"]
    assert as_shipped["stderr"] == by_click["stderr"]
    assert as_shipped["stdout"] == by_click["stdout"]
    assert as_shipped["written"] == by_click["written"]


def test_the_forms_cover_answers_errors_and_files() -> None:
    # The matrix above can only compare what it runs: answers, kg errors, click's
    # errors and a written file must all be among them.
    fast = [form for form in FORMS if form["fast"]]
    assert len(fast) >= 20 and len(FORMS) - len(fast) >= 12
    assert any("-o" in form["argv"] for form in fast)
    assert any(arg.startswith("--store") for form in fast for arg in form["argv"])
    assert any("env" in form for form in fast)
    graphs = [form for form in fast if "KG_TEST_QUERIES" in form.get("env", {})]
    assert {form["argv"][2] for form in graphs} == {p.stem for p in QUERIES.glob("*.rq")}


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["query", "run", "q"], StoredRun("q")),
        (
            ["query", "run", "-p", "a=1", "q", "--param=b=2", "-f", "csv", "--format=json"],
            StoredRun("q", ("a=1", "b=2"), "json"),
        ),
        (
            ["query", "run", "q", "--store", "oxigraph:s", "-o", "out.csv", "--output=x"],
            StoredRun("q", (), None, "oxigraph:s", "x"),
        ),
        (["query", "run", "q", "--format", "nope"], None),
        (["query", "run", "q", "--lang", "vi"], StoredRun("q", lang="vi")),
        (["query", "run", "q", "--lang", "fr"], None),
        (["query", "run", "q", "--page", "2"], None),
        (["query", "run", "q", "-o"], None),
        (["query", "run", "q", "-p", "--help"], None),
        (["query", "run", "-q"], None),
        (["query", "show", "q"], None),
        (["sparql", "ASK {}"], None),
        ([], None),
    ],
)
def test_recognise_reads_only_the_exact_forms(
    argv: list[str], expected: StoredRun | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KG_STORE", raising=False)
    monkeypatch.delenv("_KG_COMPLETE", raising=False)
    assert recognise(argv) == expected


def test_the_store_variable_is_read_as_click_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_STORE", "rdflib")
    assert recognise(["query", "run", "q"]) == StoredRun("q", store="rdflib")
    assert recognise(["query", "run", "q", "--store", "memory"]) == StoredRun("q", store="memory")
    monkeypatch.setenv("KG_STORE", "")
    assert recognise(["query", "run", "q"]) == StoredRun("q")
