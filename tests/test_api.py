"""The Python API as a user calls it: import kg; kg.load(); kg.validate(); kg.export().

It works whatever was imported before it: each module of kg is imported first, in a
process of its own, and the API is called after it (once for the modules whose imports ran
the same modules in the same order). The example of docs/python-api.md runs
as it is.
"""

from __future__ import annotations

import json
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import kg

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(kg.__file__).resolve().parent
EXPECTED = Path(__file__).parent / "queries"
# A stored query that runs in a tenth of a second on the shipped data.
QUERY = "organisation-hierarchy"

SCRIPT = """
import kg
dataset = kg.load()
result = kg.validate(dataset)
assert result.conforms, result.summary()
data = kg.export(dataset, "nt")
assert kg.load() is not None and len(kg.export(kg.load(), "nt")) == len(data)
print("ok", len(dataset))
"""


def kg_environment() -> dict[str, str]:
    """The environment of a subprocess that must import the same ``kg`` as this one."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(PACKAGE_DIR.parent), env.get("PYTHONPATH", "")) if part
    )
    return env


def run_python(code: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env=kg_environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_api_functions_work_in_sequence() -> None:
    done = run_python(SCRIPT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok ")


# --- any order -----------------------------------------------------------------------

# Imports the module named first, then uses the package-level API and prints what it got.
AFTER_IMPORT = """
import importlib, json, sys
from types import FunctionType

importlib.import_module(sys.argv[1])
import kg

functions = {name: isinstance(getattr(kg, name), FunctionType) for name in
             ("load", "validate", "export", "open_store")}
dataset = kg.load()
loaded = sum(1 for _ in dataset.quads((None, None, None, None)))
verdict = kg.validate(dataset)
exported = kg.export(dataset, "nquads")

import pyoxigraph
read_back = sum(1 for _ in pyoxigraph.parse(exported, format=pyoxigraph.RdfFormat.N_QUADS))

from kg.sparql.catalogue import get
from kg.store import run

rows = len(run(get(sys.argv[2]), data=dataset).rows)
print(json.dumps({"functions": functions, "loaded": loaded, "conforms": verdict.conforms,
                  "read_back": read_back, "rows": rows}))
"""


def kg_modules() -> list[str]:
    """Every module and package of kg, from its files (pkgutil imports only packages)."""
    names = ["kg"] + [info.name for info in pkgutil.walk_packages([str(PACKAGE_DIR)], prefix="kg.")]
    return sorted(names)


def test_kg_modules_lists_the_whole_package() -> None:
    modules = kg_modules()
    files = [p for p in PACKAGE_DIR.rglob("*.py") if "__pycache__" not in p.parts]
    assert len(modules) == len(files)
    assert {"kg.core.errors", "kg.io.parse", "kg.store", "kg.cli.query", "kg.__main__"} <= set(
        modules
    )


def expected_rows(query: str) -> int:
    """The number of rows in the checked-in expected answer of a stored query."""
    document = json.loads((EXPECTED / f"{query}.expected.json").read_text(encoding="utf-8"))
    return len(document["results"]["bindings"])


# Forks a process per module from a parent that has imported nothing of kg, only the
# third-party libraries the API goes on to use: each child still imports the module first
# and then kg, as a fresh process would, without paying for those libraries' imports
# again. First each child only imports its module and writes down the modules that import
# brought in, in their order; modules whose imports ran the same module bodies in the same
# order leave the same process behind, so the API runs once for each such group, after its
# first module (``groups.json``: module -> the module the API ran after). A child's exit
# status, standard output and standard error go to files named after its module, in the
# folder given.
FORK_PER_MODULE = """
import importlib, json, os, sys, traceback

script, query, folder, jobs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
modules, preloaded = json.loads(sys.argv[5]), json.loads(sys.argv[6])
for name in preloaded:
    importlib.import_module(name)
kg_loaded = sorted(m for m in sys.modules if m == "kg" or m.startswith("kg."))
assert not kg_loaded, f"the parent imported {kg_loaded}"

def imports_only(module):
    before = set(sys.modules)
    importlib.import_module(module)
    print(json.dumps([name for name in sys.modules if name not in before]))

def api_after(module):
    sys.argv = ["-c", module, query]
    exec(compile(script, "<after-import>", "exec"), {"__name__": "__main__"})

def child(module, run, suffix):
    for fd, stream in ((1, ".out"), (2, ".err")):
        path = os.path.join(folder, module + suffix + stream)
        target = os.open(path, os.O_WRONLY | os.O_CREAT)
        os.dup2(target, fd)
        os.close(target)
    status = 0
    try:
        run(module)
    except SystemExit as stop:
        status = stop.code if isinstance(stop.code, int) else 1
    except BaseException:
        traceback.print_exc()
        status = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)

def fork_each(names, run, suffix):
    running = {}
    def reap():
        pid, status = os.wait()
        module = running.pop(pid)
        with open(os.path.join(folder, module + suffix + ".status"), "w") as out:
            out.write(str(os.waitstatus_to_exitcode(status)))
    for module in names:
        while len(running) >= jobs:
            reap()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            child(module, run, suffix)
        running[pid] = module
    while running:
        reap()

fork_each(modules, imports_only, ".imports")
first_of = {}
groups = {}
for module in modules:
    with open(os.path.join(folder, module + ".imports.out")) as seen:
        imported = seen.read()
    groups[module] = first_of.setdefault(imported, module)
with open(os.path.join(folder, "groups.json"), "w") as out:
    json.dump(groups, out)
fork_each(sorted(set(groups.values())), api_after, "")
"""

# The third-party modules that the API calls of AFTER_IMPORT import (measured with
# sys.modules): importing them in the parent changes nothing kg does, only when it is paid.
PRELOADED = (
    "rdflib",
    "rdflib.plugins.parsers.notation3",
    "rdflib.plugins.parsers.trig",
    "rdflib.plugins.serializers.nquads",
    "rdflib.plugins.serializers.turtle",
    "rdflib.plugins.sparql",
    "rdflib.plugins.stores.memory",
    "pyoxigraph",
    "pyshacl_turbo",
)


@pytest.mark.slow
def test_api_works_after_importing_any_module(tmp_path: Path) -> None:
    pytest.importorskip("pyoxigraph")
    modules = kg_modules()
    # As many children at once as there are cores: they are independent.
    parent = subprocess.run(
        [
            sys.executable,
            "-c",
            FORK_PER_MODULE,
            AFTER_IMPORT,
            QUERY,
            str(tmp_path),
            str(os.cpu_count() or 1),
            json.dumps(modules),
            json.dumps(PRELOADED),
        ],
        env=kg_environment(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert parent.returncode == 0, parent.stderr

    def outcome(module: str, suffix: str) -> str:
        return (tmp_path / f"{module}{suffix}").read_text(encoding="utf-8")

    groups = json.loads(outcome("groups", ".json"))
    assert sorted(groups) == modules
    ran = sorted(set(groups.values()))
    statuses = {m: int(outcome(m, ".imports.status")) for m in modules}
    statuses |= {m: int(outcome(m, ".status")) for m in ran}
    failed = {m: outcome(m, ".err") for m, status in statuses.items() if status != 0}
    assert failed == {}, "\n".join(f"after importing {m}:\n{err}" for m, err in failed.items())
    # The API ran once for a group: only right if every module of it imported what the
    # first did, in that order.
    imported = {m: outcome(m, ".imports.out") for m in modules}
    assert all(imported[m] == imported[first] for m, first in groups.items())
    assert groups["kg"] == "kg" and len(ran) < len(modules)
    answers = {m: json.loads(outcome(groups[m], ".out").splitlines()[-1]) for m in modules}
    first = answers["kg"]
    assert first["functions"] == {
        "load": True,
        "validate": True,
        "export": True,
        "open_store": True,
    }
    assert first["conforms"] is True
    assert first["loaded"] > 1000  # the shipped data, not an empty default
    assert first["read_back"] == first["loaded"]
    assert first["rows"] == expected_rows(QUERY)
    different = {m: answer for m, answer in answers.items() if answer != first}
    assert different == {}, f"the API answered otherwise than after `import kg`: {different}"


# --- the Python API page's example --------------------------------------------------------


def python_api_page_example() -> str:
    """The fenced Python block that opens docs/python-api.md."""
    page = (ROOT / "docs" / "python-api.md").read_text(encoding="utf-8")
    section = page.split("\n", 1)[1]
    block = re.match(r"\s*```python\n(.*?)^```", section, re.S | re.M)
    assert block, "the Python API page opens with a Python example"
    return block.group(1)


# Runs the example, then reports on the names it left, so that what it shows is checked.
RUN_EXAMPLE = """
import json, sys
names = {}
exec(compile(sys.argv[1], "docs/python-api.md", "exec"), names)
import kg
print(json.dumps({
    "report_conforms": names["report"].conforms,
    "rows": len(names["result"].rows),
    "nquads_lines": len(names["nquads"].splitlines()),
    "dataset_quads": sum(1 for _ in names["dataset"].quads((None, None, None, None))),
    "turtle": names["turtle"][:200].decode("utf-8"),
}))
"""


@pytest.mark.slow
def test_python_api_page_example_runs(tmp_path: Path) -> None:
    pytest.importorskip("pyoxigraph")
    example = python_api_page_example()
    assert "import kg" in example
    done = run_python(RUN_EXAMPLE, example, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.splitlines()[-1])
    assert got["report_conforms"] is True
    assert got["rows"] == expected_rows("places")
    assert got["nquads_lines"] == got["dataset_quads"] > 1000
    assert "@prefix" in got["turtle"]
    # The example's store went where it said, relative to the folder it ran in.
    assert (tmp_path / ".kg-store").is_dir()
