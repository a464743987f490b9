"""Cold start against pyoxigraph, and `kg build` after a plain install (issue 12, item 5).

    python bench/cold.py                      # 5 runs each; writes its section of bench/results.md
    python bench/cold.py --runs 9 --report /tmp/cold.md
    python bench/cold.py --build-python ~/venvs/kg/bin/python   # `kg build` of that environment

Every measurement is a fresh process, run side by side with the others: each round runs
every command once, in the same order, after one warm-up round (disk cache, .pyc files);
the tables show the median, min–max and the number of runs.

a. ``kg query run QUERY`` on the shipped data, default engine, against a pyoxigraph script
   that loads the release N-Quads (written by ``kg build`` beforehand) into a Store in
   memory and runs the same query text;
b. the same with ``--store oxigraph:PATH`` (loaded beforehand), against a pyoxigraph script
   that opens that store (``pyoxigraph.Store(PATH/oxigraph)``) and runs the query; kg opens
   a loaded folder read-only, so a third row, not a target, shows pyoxigraph opening it
   read-only too (``Store.read_only``): how much of b is the open, how much the rest;
c. ``kg build`` in a fresh virtual environment after a plain ``pip install`` of this
   checkout (not editable; the install itself is not timed and needs the package index),
   or in the environment of ``--build-python``, of kg's dataset (its files given as paths,
   ``kg.core.paths.default_sources``): the shipped gazetteer adds its own validation,
   which issue 16 bounds apart (``bench/gazetteer.py``).

"The same query text" is what kg sends to Oxigraph: the stored query with its default
parameters bound in a VALUES block (``kg.sparql.catalogue.with_values``) and the project
prefixes it uses. Both sides write the answer as CSV to /dev/null; before timing, their
answers are checked to have the same number of rows.

The programs are called directly, not through shims: ``kg`` is the console script next
to ``sys.executable`` (``sys.executable -m kg`` when there is none), pyoxigraph runs under
``sys.executable``. Then one more ``kg query run`` under ``python -X importtime`` shows what
its imports cost, by top-level package.

The section of the report is written between two marker lines of ``--report`` (default
bench/results.md), replacing the previous one, or appended; the rest of the file is left
as it is. Nothing is asserted: the targets are compared, not enforced
(tests/test_bench.py runs this at one run, with the current environment for c).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
BEGIN = "<!-- bench/cold.py: begin -->"
END = "<!-- bench/cold.py: end -->"

# -- targets of issue 12, item 5 (compared in the report, never in a test) -----------------
TARGET_RATIO = 1.5
GOAL_RATIO = 1.25
TARGET_BUILD = 3.0

#: Loads the release N-Quads into a Store in memory and runs the query: argv[1] the
#: N-Quads file, argv[2] the query file.
OX_MEMORY = """\
import sys
from pyoxigraph import QueryResultsFormat, RdfFormat, Store
store = Store()
store.bulk_load(path=sys.argv[1], format=RdfFormat.N_QUADS)
query = open(sys.argv[2], encoding="utf-8").read()
sys.stdout.buffer.write(store.query(query).serialize(format=QueryResultsFormat.CSV))
"""
#: Opens a loaded Oxigraph store and runs the query: argv[1] the store, argv[2] the query.
OX_STORE = """\
import sys
from pyoxigraph import QueryResultsFormat, Store
store = Store(sys.argv[1])
query = open(sys.argv[2], encoding="utf-8").read()
sys.stdout.buffer.write(store.query(query).serialize(format=QueryResultsFormat.CSV))
"""

#: The same, the store opened read-only, as kg opens a loaded folder.
OX_STORE_READ_ONLY = OX_STORE.replace("Store(sys.argv[1])", "Store.read_only(sys.argv[1])")


def kg_command(python: Path) -> list[str]:
    """The ``kg`` console script next to ``python``, else ``python -m kg``."""
    script = python.parent / ("kg.exe" if os.name == "nt" else "kg")
    return [str(script)] if script.is_file() else [str(python), "-m", "kg"]


def run_checked(command: list[str], env: dict[str, str] | None = None, **kw: Any) -> str:
    done = subprocess.run(command, capture_output=True, text=True, env=env, **kw)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)}: exit {done.returncode}\n{done.stderr.strip()}")
    return done.stdout


def csv_rows(text: str) -> int:
    """Rows of a SPARQL CSV answer (the header line not counted)."""
    import csv
    import io

    return max(0, sum(1 for _ in csv.reader(io.StringIO(text))) - 1)


def query_text(name: str) -> str:
    """What kg sends to Oxigraph for the stored query ``name`` with its defaults."""
    from kg.sparql import catalogue

    stored = catalogue.get(name)
    return catalogue.with_prefixes(catalogue.with_values(stored.text, catalogue.bindings(stored)))


def fresh_venv(workdir: Path) -> Path:
    """A new virtual environment with this checkout installed by a plain ``pip install``;
    its python."""
    venv = workdir / "venv"
    print(f"creating {venv} and installing {ROOT} (not timed)", file=sys.stderr, flush=True)
    run_checked([sys.executable, "-m", "venv", str(venv)])
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    run_checked([str(python), "-m", "pip", "install", "-q", str(ROOT)], env=_without_pythonpath())
    return python


def _without_pythonpath() -> dict[str, str]:
    # A PYTHONPATH pointing at a source tree would shadow the installed package.
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


class Measurement:
    def __init__(self, key: str, label: str, command: list[str], env: dict[str, str] | None):
        self.key, self.label, self.command, self.env = key, label, command, env
        self.samples: list[float] = []
        #: CPU time (user + system) of each run: what a busy machine does not inflate.
        self.cpu: list[float] = []

    def run(self, keep: bool) -> None:
        cpu_before = children_cpu()
        start = time.perf_counter()
        done = subprocess.run(
            self.command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=self.env
        )
        elapsed = time.perf_counter() - start
        cpu = children_cpu() - cpu_before
        if done.returncode != 0:
            sys.exit(f"{self.label}: exit {done.returncode}\n{done.stderr.decode().strip()}")
        if keep:
            self.samples.append(elapsed)
            self.cpu.append(cpu)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


def children_cpu() -> float:
    """User and system time of the finished child processes so far (0 where unknown)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def fmt_seconds(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def fmt_measurement(m: Measurement) -> str:
    spread = f"{fmt_seconds(min(m.samples))}–{fmt_seconds(max(m.samples))}"
    cpu = fmt_seconds(statistics.median(m.cpu)) if any(m.cpu) else "?"
    return f"{fmt_seconds(m.median)} | {spread} | {cpu} | {len(m.samples)}"


def import_costs(
    command: list[str], env: dict[str, str] | None
) -> tuple[float, list[tuple], list[str]]:
    """One run of ``command`` (a ``python ... `` command) under ``-X importtime``: the
    total import time, the self time per top-level package, largest first, and the kg
    modules it imported."""
    done = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    per_package: dict[str, float] = defaultdict(float)
    kg_modules: list[str] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, self_us, name = (part.strip() for part in line.split("|"))
        if not self_us.isdigit():
            continue  # the header line
        per_package[name.split(".")[0]] += int(self_us) / 1e6
        if name.split(".")[0] == "kg":
            kg_modules.append(name)
    total = sum(per_package.values())
    return total, sorted(per_package.items(), key=lambda item: -item[1]), kg_modules


def _as_python_script(kg: list[str]) -> list[str]:
    """``kg`` (the console script, or ``python -m kg``) as arguments of a python."""
    return kg[1:] if len(kg) > 1 else kg


def _py(code: str) -> list[str]:
    return [sys.executable, "-c", code]


#: The parts of a cold ``kg query run`` in one process, through the library as
#: ``kg.cli.dispatch`` runs it: argv[1] the stored query. Prints seconds per part, one a line.
PHASES = """\
import sys, time
t0 = time.perf_counter()
import kg.cli
t1 = time.perf_counter()
import kg.store, kg.store.oxigraph
from kg.sparql import catalogue
from kg.sparql.results import serialise
t2 = time.perf_counter()
stored = catalogue.get(sys.argv[1])
t3 = time.perf_counter()
store = kg.store.open_store("memory")
store.load()
t4 = time.perf_counter()
result = store.query(stored.text, catalogue.bindings(stored))
t5 = time.perf_counter()
serialise(result, "csv")
t6 = time.perf_counter()
times = (t0, t1, t2, t3, t4, t5, t6)
for a, b in zip(times, times[1:]):
    print(b - a)
"""
PHASE_LABELS = (
    "import kg.cli (the console script's module: the dispatcher, no click)",
    "import the query path: kg.store, the Oxigraph engine, the catalogue, results "
    "(pyoxigraph, json, csv)",
    "read the stored query (`catalogue.get`: header, parameters, defaults checked)",
    "load the shipped sources into Oxigraph in memory (`open_store`, `load`: 12 files)",
    "run the query (defaults bound, Oxigraph, answers converted)",
    "write the answer as CSV",
)


def phases(python: Path, name: str, runs: int) -> list[tuple[str, list[float]]] | str:
    """Each part of a cold ``kg query run`` (``PHASES``), ``runs`` fresh processes; the
    error line instead when the library no longer runs it that way."""
    samples: list[list[float]] = []
    for _ in range(runs):
        done = subprocess.run([str(python), "-c", PHASES, name], capture_output=True, text=True)
        if done.returncode != 0:
            return (done.stderr.strip().splitlines() or ["?"])[-1]
        samples.append([float(x) for x in done.stdout.split()])
    return [(label, [s[i] for s in samples]) for i, label in enumerate(PHASE_LABELS)]


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def render(info: dict[str, Any]) -> str:
    ms: dict[str, Measurement] = info["measurements"]
    lines = [
        BEGIN,
        "## Cold start against pyoxigraph, and `kg build` (issue 12, item 5)",
        "",
        f"- command: `{info['command']}`: {info['date']}, {info['elapsed']:.0f} s, "
        f"commit {info['machine']['commit']}",
    ]
    lines += [f"- {key}: {value}" for key, value in info["machine"].items() if key != "commit"]
    lines += [
        f"- load average (1, 5, 15 min): {info['load_before']} before, "
        f"{info['load_after']} after (2 cores shared with other work: medians, not best cases)",
        "- PYTHONDONTWRITEBYTECODE: "
        + (
            "set: modules without a `__pycache__` (kg's own, in a source checkout) are "
            "compiled again in every run"
            if os.environ.get("PYTHONDONTWRITEBYTECODE")
            else "not set (kg's modules compiled once, as a plain install does)"
        ),
        f"- query: `{info['query']}` with its defaults, {info['rows']} row(s) on both sides "
        "(the text both run: the stored query, its defaults in a VALUES block, its prefixes)",
        f"- kg: `{' '.join(info['kg'])}`; pyoxigraph scripts run by `{sys.executable}`",
        f"- release N-Quads: `kg build` of the shipped data, {info['nquads_bytes']:,} bytes",
        f"- `kg build`: {info['build_env']}",
        "",
        "Verdicts are on the wall-clock medians. Each round runs every command once, "
        "in this order, after a warm-up round; "
        "median, min–max, the median CPU time (user + system, which a busy machine does not "
        "inflate) and the number of runs, each a fresh process.",
        "",
        "| measurement | median | min–max | CPU | n |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [f"| {m.label} | {fmt_measurement(m)} |" for m in ms.values()]
    lines += [
        "",
        "### Targets",
        "",
        "| target | measured | bound | verdict |",
        "|---|---:|---|---|",
    ]
    for key, what in (("a", "a. cold query, default engine"), ("b", "b. cold query, --store")):
        kg, ox = ms.get(f"{key}-kg"), ms.get(f"{key}-ox")
        if kg is None or ox is None:
            continue
        ratio = kg.median / ox.median
        verdict = "met" if ratio <= TARGET_RATIO else f"missed ({ratio / TARGET_RATIO:.1f}× over)"
        if ratio <= GOAL_RATIO:
            verdict += ", goal met too"
        bound = f"≤ {TARGET_RATIO}× pyoxigraph (goal {GOAL_RATIO}×)"
        measured = f"{ratio:.2f}×"
        if any(ox.cpu):
            measured += f" (CPU {statistics.median(kg.cpu) / statistics.median(ox.cpu):.2f}×)"
        lines.append(f"| {what}: kg ÷ pyoxigraph | {measured} | {bound} | {verdict} |")
        read_only = ms.get("b-ox-ro")
        if key == "b" and read_only is not None:
            measured = f"{kg.median / read_only.median:.2f}×"
            if any(read_only.cpu):
                measured += (
                    f" (CPU {statistics.median(kg.cpu) / statistics.median(read_only.cpu):.2f}×)"
                )
            lines.append(
                "| b. the same, pyoxigraph opening read-only as kg does | "
                f"{measured} | for comparison | not a target |"
            )
    build = ms.get("c-build")
    if build is not None:
        verdict = "met" if build.median <= TARGET_BUILD else "missed"
        measured = fmt_seconds(build.median)
        if any(build.cpu):
            measured += f" (CPU {fmt_seconds(statistics.median(build.cpu))})"
        bound = f"≤ {TARGET_BUILD:g} s"
        lines.append(f"| c. `kg build` after a plain install | {measured} | {bound} | {verdict} |")
    floor = {
        key: ms[key].median for key in ("f-python", "f-ox", "f-kg", "a-kg", "a-ox") if key in ms
    }
    if len(floor) == 5:
        work_ox = floor["a-ox"] - floor["f-ox"]
        imports_kg = floor["f-kg"] - floor["f-ox"]
        best = floor["f-kg"] + work_ox
        lines += [
            "",
            "### The floor of a",
            "",
            "From the floor rows (medians): what each side spends beyond starting Python and "
            "importing pyoxigraph, and what kg would take if its own work cost no more than "
            "pyoxigraph's script (its imports kept as they are).",
            "",
            "| part | time |",
            "|---|---:|",
            f"| the interpreter starting (`python -c pass`) | {fmt_seconds(floor['f-python'])} |",
            f"| importing pyoxigraph | {fmt_seconds(floor['f-ox'] - floor['f-python'])} |",
            f"| pyoxigraph's script: load the N-Quads, query, write | {fmt_seconds(work_ox)} |",
            f"| kg's imports beyond pyoxigraph (the modules `kg query run` imports) | "
            f"{fmt_seconds(imports_kg)} |",
            f"| kg's work: dispatch, read the query, load the sources, query, write | "
            f"{fmt_seconds(floor['a-kg'] - floor['f-kg'])} |",
            f"| kg with its imports and pyoxigraph's work: the floor of a | {fmt_seconds(best)} "
            f"({best / floor['a-ox']:.2f}× pyoxigraph) |",
        ]
    total, packages, _ = info["imports"]
    lines += [
        "",
        "### Where the cold `kg query run` goes: imports",
        "",
        f"One run under `python -X importtime` (which slows imports a little): {total:.2f} s "
        "of imports in all; self time by top-level package, the largest:",
        "",
        "| package | import time |",
        "|---|---:|",
    ]
    lines += [f"| {name} | {fmt_seconds(seconds)} |" for name, seconds in packages[:12]]
    lines += ["", "### Where it goes: the parts, in one process", ""]
    parts = info["phases"]
    if isinstance(parts, str):
        lines.append(f"Not measured: the library runs a query another way now ({parts}).")
    else:
        lines += [
            "The same work through the library, part by part (bench/cold.py `PHASES`), "
            f"{len(parts[0][1])} fresh process(es); the interpreter's own start "
            f"(`python -c pass`) is {fmt_seconds(info['python_start'])}:",
            "",
            "| part | median | min–max |",
            "|---|---:|---:|",
        ]
        for label, samples in parts:
            spread = f"{fmt_seconds(min(samples))}–{fmt_seconds(max(samples))}"
            lines.append(f"| {label} | {fmt_seconds(statistics.median(samples))} | {spread} |")
    lines += ["", END]
    return "\n".join(lines) + "\n"


def write_section(report: Path, section: str, begin: str = BEGIN, end: str = END) -> None:
    """Replace the section between the markers ``begin`` and ``end`` in ``report``, or
    append it."""
    text = report.read_text(encoding="utf-8") if report.is_file() else ""
    if begin in text and end in text:
        before, rest = text.split(begin, 1)
        after = rest.split(end, 1)[1].lstrip("\n")
        text = before + section + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + ("\n\n---\n\n" if text.strip() else "") + section
    report.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each (default 5)")
    parser.add_argument("--query", default="party-members-count", help="the stored query")
    parser.add_argument(
        "--build-python",
        type=Path,
        default=None,
        metavar="PYTHON",
        help="time `kg build` of the environment of this interpreter instead of a fresh venv",
    )
    parser.add_argument("--skip-build", action="store_true", help="no `kg build` timing (c)")
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder")
    parser.add_argument(
        "--report",
        type=Path,
        default=BENCH / "results.md",
        help="the file whose section is written (default bench/results.md)",
    )
    parser.add_argument("--no-report", action="store_true", help="print the section only")
    args = parser.parse_args(argv)
    started = time.time()
    load_before = loadavg()
    sys.path.insert(0, str(BENCH))
    from run import machine

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="kg-cold-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        info = measure(args, workdir)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    info.update(
        command=" ".join(
            ["python", "bench/cold.py", *(argv if argv is not None else sys.argv[1:])]
        ),
        date=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        elapsed=time.time() - started,
        machine=machine(),
        load_before=load_before,
        load_after=loadavg(),
    )
    section = render(info)
    print(section, end="")
    if not args.no_report:
        write_section(args.report, section)
    return 0


def measure(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    python = Path(sys.executable)
    kg = kg_command(python)
    print("building the release N-Quads and loading the Oxigraph store", file=sys.stderr)
    run_checked([*kg, "build", "-d", str(workdir / "dist")])
    # kg's N-Quads, not the gazetteer's (kg-VERSION.gazetteer.nq): what kg query run loads.
    nquads = next(p for p in (workdir / "dist").glob("kg-*.nq") if ".gazetteer." not in p.name)
    query = workdir / "query.rq"
    query.write_text(query_text(args.query), encoding="utf-8")
    store = workdir / "store"
    answer = [*kg, "query", "run", args.query, "-f", "csv"]
    store_args = ["--store", f"oxigraph:{store}"]
    # Both sides write CSV to stdout, which the timed runs send to /dev/null.
    run_query = answer
    on_store = [*answer, *store_args]
    run_checked(on_store)  # loads the store
    ox_memory = [str(python), "-c", OX_MEMORY, str(nquads), str(query)]
    ox_store = [str(python), "-c", OX_STORE, str(store / "oxigraph"), str(query)]
    ox_store_read_only = [
        str(python),
        "-c",
        OX_STORE_READ_ONLY,
        str(store / "oxigraph"),
        str(query),
    ]

    # Both sides answer the same: the same number of rows.
    answers = {
        "kg": run_checked(answer),
        "kg --store": run_checked([*answer, *store_args]),
        "pyoxigraph memory": run_checked(ox_memory),
        "pyoxigraph store": run_checked(ox_store),
        "pyoxigraph store, read-only": run_checked(ox_store_read_only),
    }
    rows = {name: csv_rows(text) for name, text in answers.items()}
    if len(set(rows.values())) != 1 or not next(iter(rows.values())):
        sys.exit(f"the answers differ or are empty: {rows}")

    measurements = [
        Measurement("a-kg", f"a. `kg query run {args.query}` (default engine)", run_query, None),
        Measurement(
            "a-ox", "a. pyoxigraph: `Store()`, load the release N-Quads, query", ox_memory, None
        ),
        Measurement(
            "b-kg", f"b. `kg query run {args.query} --store oxigraph:PATH`", on_store, None
        ),
        Measurement("b-ox", "b. pyoxigraph: `Store(PATH)`, query", ox_store, None),
        Measurement(
            "b-ox-ro",
            "b. pyoxigraph: `Store.read_only(PATH)`, query (the open kg makes; not a target)",
            ox_store_read_only,
            None,
        ),
    ]
    build_env = "not timed (--skip-build)"
    if not args.skip_build:
        if args.build_python is not None:
            build_python, env = args.build_python, None
            build_env = f"the environment of {args.build_python}"
        else:
            build_python, env = fresh_venv(workdir), _without_pythonpath()
            build_env = "a fresh venv, `pip install .` of this checkout (plain, not editable)"
        build_kg = kg_command(build_python)
        # kg's dataset, as the bound was set: the gazetteer (issue 16) adds its own
        # validation to the build, measured beside it by bench/gazetteer.py.
        kg_sources = run_checked(
            [
                str(build_python),
                "-c",
                "from kg.core import paths\n"
                "print('\\n'.join(str(p) for p in paths.default_sources()))",
            ],
            env,
        ).split()
        build_env += f", `{' '.join(build_kg)} build KG_SOURCES -d DIR`"
        out = workdir / "build"
        measurements.append(
            Measurement(
                "c-build",
                "c. `kg build` (after a plain install)",
                [*build_kg, "build", *kg_sources, "-d", str(out)],
                env,
            )
        )
    # What no kg could go below: the interpreter, pyoxigraph, and importing the modules
    # a `kg query run` imports (read from one run under -X importtime), nothing run.
    imports = import_costs([str(python), *_as_python_script(kg), *run_query[len(kg) :]], None)
    measurements += [
        Measurement("f-python", "floor: `python -c pass` (the interpreter)", _py("pass"), None),
        Measurement(
            "f-ox", "floor: `python -c 'import pyoxigraph'`", _py("import pyoxigraph"), None
        ),
        Measurement(
            "f-kg",
            "floor: import the modules `kg query run` imports, run nothing",
            _py("import " + ", ".join(imports[2])),
            None,
        ),
    ]
    for round_number in range(args.runs + 1):
        print(f"round {round_number}/{args.runs}", file=sys.stderr, flush=True)
        for m in measurements:
            m.run(keep=round_number > 0)
    return {
        "measurements": {m.key: m for m in measurements},
        "kg": kg,
        "query": args.query,
        "rows": rows["kg"],
        "nquads_bytes": nquads.stat().st_size,
        "build_env": build_env,
        "imports": imports,
        "phases": phases(python, args.query, args.runs),
        "python_start": statistics.median(
            _wall([str(python), "-c", "pass"]) for _ in range(args.runs)
        ),
    }


def _wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
