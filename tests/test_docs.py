"""The documentation: the README as a front door, the mkdocs site, the generated pages,
and every example in them, run in a fresh process.

Examples are fenced blocks of README.md and docs/*.md: ```console blocks (``$ `` before
each command, the lines after it its expected output; ``...`` stands for any text within
a line, or alone on a line for any lines), ```sh blocks (commands only) and ```python
blocks (a paragraph "It prints:" and a ```text block after one give its expected
output). Shell examples run from the repository root, Python ones in an empty folder.
A block needing a server or the network says so in a line of its own above it,
``*Not run as a test: needs ...*``; tests/expected/docs-opted-out.txt lists those.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from html import escape
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.core import paths
from kg.core.errors import InputError
from kg.publish import figures
from test_api import python_api_page_example

ROOT = paths.project_root()
pytestmark = pytest.mark.skipif(ROOT is None, reason="needs a source checkout")
CHECKOUT = ROOT if ROOT is not None else Path(".")
PAGES = [CHECKOUT / "README.md", *sorted((CHECKOUT / "docs").glob("*.md"))]
OPTED_OUT_LIST = Path(__file__).parent / "expected" / "docs-opted-out.txt"
README_MAX_LINES = 200

FENCE = re.compile(r"^( *)```(\w*)\s*$")
OPT_OUT = re.compile(r"^\*Not run as a test: (.+)\.\*$")
#: Examples that take more than a few seconds (validation with pyshacl, a whole build).
SLOW = ('engine="pyshacl"', "kg build")


@dataclass(frozen=True)
class Example:
    page: str
    line: int
    language: str
    text: str
    opted_out: str | None = None  # why it is not run
    output: str | None = None  # a Python example's expected output

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def _blocks(path: Path) -> list[tuple[int, str, str, str]]:
    """(line, language, text, the last non-blank line before it) of every fenced block."""
    lines = path.read_text(encoding="utf-8").split("\n")
    found = []
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if match and match.group(2):
            indent = len(match.group(1))
            body = []
            j = i + 1
            while j < len(lines) and lines[j].strip() != "```":
                body.append(lines[j][indent:])
                j += 1
            before = next((x.strip() for x in reversed(lines[:i]) if x.strip()), "")
            found.append((i + 1, match.group(2), "\n".join(body) + "\n", before))
            i = j
        i += 1
    return found


def examples() -> list[Example]:
    found = []
    for path in PAGES:
        page = str(path.relative_to(CHECKOUT))
        blocks = _blocks(path)
        for n, (line, language, text, before) in enumerate(blocks):
            if language not in ("console", "sh", "python"):
                continue
            opt_out = OPT_OUT.match(before)
            output = None
            if language == "python" and n + 1 < len(blocks):
                following = blocks[n + 1]
                if following[1] == "text" and following[3] == "It prints:":
                    output = following[2]
            found.append(
                Example(page, line, language, text, opt_out.group(1) if opt_out else None, output)
            )
    return found


EXAMPLES = examples()


def run_by_test_api(example: Example) -> bool:
    """The example that opens docs/python-api.md: tests/test_api.py runs it, in a fresh
    folder too, and checks what it leaves besides its exit status; not run twice."""
    return example.page == "docs/python-api.md" and example.text == python_api_page_example()


#: An example that only runs a test file of this suite, which the suite runs itself.
SUITE_FILE = re.compile(r"python -m pytest -q (tests/test_\w+\.py)\n")


def suite_file_run(example: Example) -> str | None:
    """The test file an example runs and nothing else, if that is all it does."""
    found = SUITE_FILE.fullmatch(example.text) if example.language == "sh" else None
    return found.group(1) if found else None


RUN = [
    pytest.param(e, id=e.id, marks=[pytest.mark.slow] if any(s in e.text for s in SLOW) else [])
    for e in EXAMPLES
    if e.opted_out is None and not run_by_test_api(e) and suite_file_run(e) is None
]


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("KG_STORE", None)  # the examples mean the default store
    src = str(Path(__import__("kg").__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    # The `kg` of the examples is this checkout's, whatever is installed.
    bin_dir = Path(sys.executable).parent
    env["PATH"] = os.pathsep.join((str(bin_dir), env.get("PATH", "")))
    return env


def _console_steps(text: str) -> list[tuple[str, list[str]]]:
    steps: list[tuple[str, list[str]]] = []
    lines = text.rstrip("\n").split("\n")
    i = 0
    while i < len(lines):
        if lines[i].startswith("$ "):
            command = lines[i][2:]
            while command.endswith("\\") and i + 1 < len(lines):
                i += 1
                command += "\n" + lines[i]
            steps.append((command, []))
        elif steps:
            steps[-1][1].append(lines[i])
        i += 1
    return steps


def _line_pattern(line: str) -> re.Pattern[str]:
    chunks = [" +".join(map(re.escape, c.split())) for c in line.rstrip().split("...")]
    # An indented line is matched with its indent (any run of spaces, as between words).
    indent = " +" if line.startswith(" ") and line.strip() else ""
    return re.compile(indent + "[^\n]*".join(chunks))


def matches(expected: list[str], actual: str) -> bool:
    """Whether ``actual`` is what ``expected`` shows (``...`` elides; runs of spaces,
    the columns of a table, stand for any run of spaces). Line by line, so that no
    pattern backtracks over the whole output."""
    while expected and not expected[-1].strip():
        expected = expected[:-1]
    lines = [line.rstrip() for line in actual.rstrip("\n").split("\n")]
    wanted = [None if e.strip() == "..." else _line_pattern(e) for e in expected]

    @functools.cache
    def rest(i: int, j: int) -> bool:
        if i == len(wanted):
            return j == len(lines)
        pattern = wanted[i]
        if pattern is None:
            return rest(i + 1, j) or (j < len(lines) and rest(i, j + 1))
        return j < len(lines) and pattern.fullmatch(lines[j]) is not None and rest(i + 1, j + 1)

    return rest(0, 0)


def _run_console(example: Example) -> None:
    steps = _console_steps(example.text)
    assert steps, f"{example.id}: a console example without a `$ ` command"
    script = ["exec 2>&1"]
    for command, _ in steps:
        script += [command, "printf '\\n@@kg-step %s@@\\n' \"$?\""]
    done = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=CHECKOUT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    outputs = re.split(r"\n?@@kg-step (\d+)@@\n", done.stdout)
    for k, (command, expected) in enumerate(steps):
        actual, status = outputs[2 * k], int(outputs[2 * k + 1])
        shows_error = any(x.startswith(("kg: error:", "Error:")) for x in expected)
        assert status == (2 if shows_error else 0), f"{example.id}: $ {command}\n{actual}"
        if expected:
            assert matches(expected, actual), (
                f"{example.id}: $ {command}\nexpected:\n"
                + "\n".join(expected)
                + f"\ngot:\n{actual}"
            )


def _run_sh(example: Example) -> None:
    done = subprocess.run(
        ["bash", "-e", "-c", example.text],
        cwd=CHECKOUT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{example.id}:\n{done.stdout}{done.stderr}"


def _run_python(example: Example, folder: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", example.text],
        cwd=folder,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{example.id}:\n{done.stderr}"
    if example.output is not None:
        assert done.stdout == example.output, f"{example.id}: printed\n{done.stdout}"


@pytest.mark.parametrize("example", RUN)
def test_example_runs(example: Example, tmp_path: Path) -> None:
    if example.language == "console":
        _run_console(example)
    elif example.language == "sh":
        _run_sh(example)
    else:
        _run_python(example, tmp_path)


def test_examples_opted_out_are_listed_and_need_a_server_or_the_network() -> None:
    opted_out = [e for e in EXAMPLES if e.opted_out is not None]
    for example in opted_out:
        assert re.search(r"server|network|kg serve", example.opted_out or ""), (
            f"{example.id}: only an example needing a server or the network may opt out"
        )
    listed = OPTED_OUT_LIST.read_text(encoding="utf-8").splitlines()
    assert [f"{e.page}: {e.opted_out}" for e in opted_out] == listed
    run = len(EXAMPLES) - len(opted_out)
    print(f"{len(EXAMPLES)} examples: {run} run, {len(opted_out)} opted out")
    assert run > 3 * len(opted_out)


def test_only_the_python_api_example_is_left_to_test_api() -> None:
    elsewhere = [e.id for e in EXAMPLES if run_by_test_api(e)]
    assert elsewhere == ["docs/python-api.md:3"]
    suite_files = [e for e in EXAMPLES if suite_file_run(e) is not None]
    assert len(RUN) == len([e for e in EXAMPLES if e.opted_out is None]) - 1 - len(suite_files)


def test_an_example_running_a_test_file_names_one_this_suite_runs() -> None:
    """Such an example is not run again inside the suite (it would run the file twice):
    the file it names must be one of the suite's, collected with the rest."""
    named = {e.id: suite_file_run(e) for e in EXAMPLES if suite_file_run(e) is not None}
    # By page, not line: the line moves whenever the page above it changes.
    assert {e.rsplit(":", 1)[0]: f for e, f in named.items()} == {
        "docs/dcat.md": "tests/test_dcat.py"
    }
    for test_file in named.values():
        assert test_file is not None
        path = CHECKOUT / test_file
        assert path.is_file() and path.parent == Path(__file__).parent, test_file


def test_matching_of_expected_output() -> None:
    table = "a    b\n---  ---\n1    x y\n2    z\n(2 rows)\n"
    assert matches(["a b", "...", "1  x ... y", "...", "(2 rows)"], table)
    assert not matches(["a b", "...", "(3 rows)"], table)
    assert not matches(["a b"], table)  # nothing elided: every line must be shown


# -- the README ------------------------------------------------------------------------


def test_readme_is_a_front_door() -> None:
    readme = (CHECKOUT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= README_MAX_LINES
    # The quick start's two commands, which CI (.ci/run) and tests rely on.
    assert "pip install . && kg build" in readme
    assert "pip install -e '.[test]' && python -m pytest" in readme
    python = [e for e in EXAMPLES if e.page == "README.md" and e.language == "python"]
    assert len(python) == 1 and python[0].output, "one Python example, with its output"
    assert len(python[0].text.splitlines()) <= 10


def test_readme_names_every_command() -> None:
    readme = (CHECKOUT / "README.md").read_text(encoding="utf-8")
    group = cli
    assert isinstance(group, click.Group)
    for name in group.list_commands(click.Context(group)):
        assert f"| `kg {name}` |" in readme, f"kg {name} has no line in the README"


def test_readme_links_to_pages_that_exist() -> None:
    readme = (CHECKOUT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\((docs/[^)#]+)", readme)
    assert len(links) > 15
    for link in links:
        assert (CHECKOUT / link).is_file(), link


# -- generated pages and figures ---------------------------------------------------------


@pytest.mark.parametrize(
    "target", ["reference", "catalogue", "cli-reference", "http-api", "readme", "diagram"]
)
def test_generated_page_is_up_to_date(target: str) -> None:
    result = CliRunner().invoke(cli, ["generate", "--check", target])
    assert result.exit_code == 0, result.output


def test_a_figure_the_data_no_longer_holds_is_rewritten() -> None:
    values = figures.compute()
    stale = "<!-- fig:triples -->1<!-- /fig --> triples"
    assert figures.fill(stale, values, Path("x.md")) == (
        f"<!-- fig:triples -->{values['triples']}<!-- /fig --> triples"
    )
    with pytest.raises(InputError, match="no figure 'nonesuch'"):
        figures.fill("<!-- fig:nonesuch -->1<!-- /fig -->", values, Path("x.md"))


def test_readme_quotes_figures_from_the_data() -> None:
    readme = (CHECKOUT / "README.md").read_text(encoding="utf-8")
    quoted = dict(figures.FIGURE.findall(readme))
    assert {"triples", "graphs", "annotations", "statistics", "stored-queries"} <= set(quoted)
    assert quoted == {name: figures.compute()[name] for name in quoted}


# -- the site ----------------------------------------------------------------------------

EXTERNAL_ASSET = re.compile(
    r"<(?:script|link|img|iframe|source|audio|video|embed)\b[^>]*\b(?:src|href)=\"(?:https?:)?//"
    r"|url\(\s*['\"]?(?:https?:)?//|@import\s+(?:url\()?['\"]?(?:https?:)?//",
    re.I,
)


def test_site_builds_strictly_and_loads_nothing_from_elsewhere(tmp_path: Path) -> None:
    if os.environ.get("CI") != "true":
        pytest.importorskip("mkdocs")
        pytest.importorskip("material")
    site = tmp_path / "site"
    done = subprocess.run(
        # Not -q: with it mkdocs stops counting warnings, and --strict checks nothing.
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=CHECKOUT,
        env={**_environment(), "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    built = sorted(site.rglob("*.html")) + sorted(site.rglob("*.css"))
    assert (site / "ontology.html").is_file() and (site / "query-catalogue.html").is_file()
    offenders = [
        f"{path.relative_to(site)}: {match.group(0)}"
        for path in built
        for match in EXTERNAL_ASSET.finditer(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert offenders == []
    # Material's script fetches Mermaid from a CDN for a <pre class="mermaid">, and asks
    # GitHub's API for a repo_url: neither may be there.
    assert not [
        p for p in built if re.search(r'class="(?:[^"]*\s)?mermaid[\s"]', p.read_text("utf-8"))
    ]
    assert "repo_url" not in (CHECKOUT / "mkdocs.yml").read_text(encoding="utf-8")
    # Every term of the ontology is an anchor of its page, as kg serve's IRIs are.
    assert 'id="PartyBody"' in (site / "ontology.html").read_text(encoding="utf-8")


# -- the ontology IRI in a browser ---------------------------------------------------------


def test_kg_serve_answers_the_ontology_iri_with_its_documentation() -> None:
    from werkzeug.test import Client

    import kg
    from kg.http.app import create_app
    from kg.http.context import ServerConfig
    from kg.io.parse import parse_graph
    from kg.publish import reference

    documented = reference.reference(
        parse_graph(paths.ontology_path()), parse_graph(paths.vocabulary_path()), kg.load()
    )
    client = Client(create_app(ServerConfig()))
    answer = client.get("/ontology", headers={"Accept": "text/html,application/xhtml+xml"})
    assert answer.status_code == 200
    assert answer.content_type.startswith("text/html")
    html = answer.get_data(as_text=True)
    terms = [term for _, section in documented.sections for term in section]
    assert len(terms) > 100
    for term in terms:
        start = html.index(f'<section id="{term.local}" class="term">')
        section = html[start : html.index("</section>", start)]
        assert term.labels["en"] in section and escape(term.definition) in section
        if term.example is not None:
            # the same example as the docs page, linked to its page on this server
            assert str(term.example.subject).removeprefix("https://w3id.org/vn-kg") in section
    # RDF clients still get the ontology's triples.
    turtle = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert turtle.content_type.startswith("text/turtle")
    assert "PartyBody" in turtle.get_data(as_text=True)


def test_catalogue_http_examples_answer() -> None:
    """The catalogue's "Over HTTP" requests, made to the app of kg serve, in process."""
    from werkzeug.test import Client

    from kg.http.app import create_app
    from kg.http.context import ServerConfig
    from kg.sparql.catalogue import discover

    page = (CHECKOUT / "docs" / "query-catalogue.md").read_text(encoding="utf-8")
    requests = re.findall(r"^Over HTTP: `GET (\S+)` of `kg serve`\.$", page, re.M)
    assert len(requests) == len(discover()) > 20
    client = Client(create_app(ServerConfig()))
    for url in requests:
        answer = client.get(url, headers={"Accept": "text/csv"})
        assert answer.status_code == 200, f"{url}: {answer.get_data(as_text=True)}"
