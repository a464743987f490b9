from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SH

from conftest import (
    BAD,
    CONFORMING,
    FIXTURE_CHECKS,
    FIXTURE_ONTOLOGY,
    FIXTURE_SHAPES,
    FIXTURES,
    NONCONFORMING,
)
from kg import __version__
from kg.cli import EXPORT_FORMATS, cli
from kg.core.errors import EXIT_ERROR, EXIT_NONCONFORMING, EXIT_OK
from kg.io import formats

FIXTURE = [str(FIXTURE_ONTOLOGY), str(CONFORMING)]
KGO = Namespace("https://w3id.org/vn-kg/ontology#")
SHAPES = ["--shapes", str(FIXTURE_SHAPES), "--checks", str(FIXTURE_CHECKS)]


def invoke(*args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def walk(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield prefix
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from walk(command, (*prefix, name))
        else:
            yield (*prefix, name)


COMMANDS = list(walk(cli))


def test_command_tree_is_complete() -> None:
    for expected in [("validate",), ("export",), ("stats",), ("build",), ("generate", "all")]:
        assert expected in COMMANDS


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "kg")
def test_every_command_has_help(command: tuple[str, ...]) -> None:
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.output
    # A description, not just the usage line: the first line of the docstring.
    obj: click.Command = cli
    for name in command:
        assert isinstance(obj, click.Group)
        obj = obj.commands[name]
    assert obj.help and obj.help.strip()
    first_line = obj.help.strip().splitlines()[0]
    assert " ".join(first_line.split()) in " ".join(result.output.split())


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert __version__ in result.output


def test_import_is_cheap() -> None:
    code = "import sys, kg.cli; sys.exit(int('rdflib' in sys.modules or 'pyshacl' in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


# -- validate ------------------------------------------------------------------------------


def test_validate_conforming_exits_0() -> None:
    result = invoke("validate", *FIXTURE, *SHAPES)
    assert result.exit_code == EXIT_OK
    assert "conforms" in result.output


def test_validate_nonconforming_exits_1() -> None:
    result = invoke("validate", str(FIXTURE_ONTOLOGY), str(NONCONFORMING), *SHAPES)
    assert result.exit_code == EXIT_NONCONFORMING
    assert "person:tran-thi-b" in result.output
    assert "Nothing is a member of itself." in result.output
    assert "does not conform" in result.output


def test_validate_error_exits_2_with_one_line() -> None:
    result = CliRunner().invoke(cli, ["validate", str(BAD / "syntax-error.ttl"), *SHAPES])
    assert result.exit_code == EXIT_ERROR
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"kg: error: {BAD / 'syntax-error.ttl'}:4:")
    assert "Traceback" not in result.output


def test_validate_turtle_report() -> None:
    result = invoke(
        "validate", str(FIXTURE_ONTOLOGY), str(NONCONFORMING), *SHAPES, "--format", "turtle"
    )
    assert result.exit_code == EXIT_NONCONFORMING
    report = Graph().parse(data=result.output, format="turtle")
    (verdict,) = report.subjects(RDF.type, SH.ValidationReport)
    assert report.value(verdict, SH.conforms) == Literal(False)
    results = {
        (
            report.value(r, SH.resultSeverity),
            report.value(r, SH.focusNode),
            report.value(r, SH.resultPath),
            report.value(r, SH.sourceConstraintComponent),
            str(report.value(r, SH.resultMessage)),
        )
        for r in report.objects(verdict, SH.result)
    }
    # The three problems of tests/fixtures/nonconforming, as the text report lists them.
    assert results == {
        (
            SH.Violation,
            URIRef("https://w3id.org/vn-kg/id/body/self"),
            KGO.memberOf,
            SH.SPARQLConstraintComponent,
            "Nothing is a member of itself.",
        ),
        (
            SH.Violation,
            URIRef("https://w3id.org/vn-kg/id/person/tran-thi-b"),
            RDFS.label,
            SH.MinCountConstraintComponent,
            "An agent has a label with a language tag.",
        ),
        (
            SH.Warning,
            URIRef("https://w3id.org/vn-kg/id/person/tran-thi-b"),
            KGO.birthYear,
            SH.MaxCountConstraintComponent,
            "A person has at most one birth year, an xsd:gYear.",
        ),
    }
    # The engine is a comment, so the graph is the same whichever engine ran.
    assert result.output.startswith("# engine: ")


def test_validate_engines_give_the_same_report() -> None:
    pytest.importorskip("pyshacl_turbo")
    args = ("validate", str(FIXTURE_ONTOLOGY), str(NONCONFORMING), *SHAPES)
    reference = invoke(*args, "--engine", "pyshacl")
    turbo = invoke(*args, "--engine", "turbo")
    assert reference.exit_code == turbo.exit_code == EXIT_NONCONFORMING
    # The first line names the engine; the rest is the same report.
    reference_engine, reference_report = reference.output.split("\n", 1)
    turbo_engine, turbo_report = turbo.output.split("\n", 1)
    assert reference_engine.startswith("engine: pyshacl (pyshacl 0."), reference_engine
    assert turbo_engine.startswith("engine: turbo (pyshacl-turbo 0."), turbo_engine
    assert reference_report == turbo_report
    assert invoke(*args).output == turbo.output  # auto is turbo when it is installed


def test_validate_turbo_missing_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kg.validation.shacl.turbo_available", lambda: False)
    result = CliRunner().invoke(cli, ["validate", *FIXTURE, *SHAPES, "--engine", "turbo"])
    assert result.exit_code == EXIT_ERROR
    assert "vn-kg[fast]" in result.output
    # auto falls back to pyshacl, and says so
    fallback = invoke("validate", *FIXTURE, *SHAPES)
    assert fallback.exit_code == EXIT_OK
    assert fallback.output.startswith("engine: pyshacl (pyshacl ")


def test_validate_output_file(tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    result = invoke("validate", *FIXTURE, *SHAPES, "-o", str(out))
    assert result.exit_code == EXIT_OK
    assert "conforms" in out.read_text(encoding="utf-8")


def test_console_script_error_has_no_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kg", "export", str(BAD / "does-not-exist.ttl")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == EXIT_ERROR
    assert (
        done.stderr.strip() == f"kg: error: {BAD / 'does-not-exist.ttl'}: no such file or directory"
    )


# -- export --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_export_to_stdout_and_file_agree(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"out.{fmt}"
    to_file = invoke("export", "--format", fmt, "-o", str(out), *FIXTURE)
    to_stdout = invoke("export", "--format", fmt, *FIXTURE)
    assert to_file.exit_code == to_stdout.exit_code == 0
    assert out.read_bytes() == to_stdout.stdout_bytes
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_export_wrong_format_name() -> None:
    result = CliRunner().invoke(cli, ["export", "--format", "yaml", *FIXTURE])
    assert result.exit_code == EXIT_ERROR
    assert "turtle" in result.output


def test_failed_export_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "out.ttl"
    result = CliRunner().invoke(cli, ["export", "-o", str(out), str(BAD / "syntax-error.ttl")])
    assert result.exit_code == EXIT_ERROR
    assert list(tmp_path.iterdir()) == []


def test_failed_export_keeps_previous_file(tmp_path: Path) -> None:
    out = tmp_path / "out.ttl"
    out.write_text("previous", encoding="utf-8")
    result = CliRunner().invoke(cli, ["export", "-o", str(out), str(BAD / "doctype.rdf")])
    assert result.exit_code == EXIT_ERROR
    assert out.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.ttl"]


def test_remote_context_refused_on_the_command_line() -> None:
    result = CliRunner().invoke(cli, ["export", str(BAD / "remote-context.jsonld")])
    assert result.exit_code == EXIT_ERROR
    assert "remote" in result.output


# -- stats, build --------------------------------------------------------------------------


def test_stats_json() -> None:
    result = invoke("stats", "--format", "json", *FIXTURE)
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["classes"]["kgo:Person"] == 1
    assert data["total"] == sum(data["graphs"].values())


def test_build_writes_every_format(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    result = invoke("build", "-d", str(out), *SHAPES, *FIXTURE)
    assert result.exit_code == 0, result.output
    # The fixture ontology's owl:versionInfo is 9.9.9.
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        f"kg-9.9.9.{ext}" for ext in ("ttl", "jsonld", "nt", "nq", "trig", "rdf")
    )
    assert "Total triples" in result.output
    assert result.output.startswith("engine: ")
    assert result.output.splitlines()[1].startswith("wrote ")  # no results: no report
    # The release files are the same bytes `kg export` gives.
    exported = invoke("export", "--format", "nquads", *FIXTURE)
    assert (out / "kg-9.9.9.nq").read_bytes() == exported.stdout_bytes


def test_build_stops_when_data_does_not_conform(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    result = invoke("build", "-d", str(out), *SHAPES, str(FIXTURE_ONTOLOGY), str(NONCONFORMING))
    assert result.exit_code == EXIT_NONCONFORMING
    assert result.output.startswith("engine: ")
    assert "does not conform" in result.output
    assert not out.exists()


def test_build_without_version_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", "-d", str(tmp_path), *SHAPES, str(CONFORMING)])
    assert result.exit_code == EXIT_ERROR
    assert "owl:versionInfo" in result.output


# -- generate ------------------------------------------------------------------------------


def test_generate_diagram_to_stdout() -> None:
    for fmt, marker in (("mermaid", "classDiagram"), ("dot", "digraph model")):
        result = invoke("generate", "diagram", "--format", fmt, "-o", "-")
        assert result.exit_code == 0
        assert result.output.startswith(marker)


def test_generate_check_reports_stale_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from kg.publish import generate

    stale_target = tmp_path / "context.jsonld"
    stale_target.write_text("{}", encoding="utf-8")
    monkeypatch.setattr(
        generate, "context_outputs", lambda: [generate.Output(stale_target, b"new\n")]
    )
    result = CliRunner().invoke(cli, ["generate", "--check", "context"])
    assert result.exit_code == EXIT_NONCONFORMING
    assert str(stale_target) in result.output
    assert stale_target.read_text(encoding="utf-8") == "{}"
    # The flag works after the target too.
    assert CliRunner().invoke(cli, ["generate", "context", "--check"]).exit_code == 1


# -- a new user's mistakes ------------------------------------------------------------

MESSAGES = Path(__file__).parent / "expected" / "cli-messages.yaml"
MESSAGE_CASES: list[dict[str, Any]] = yaml.safe_load(MESSAGES.read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", MESSAGE_CASES, ids=[c["id"] for c in MESSAGE_CASES])
def test_a_new_users_mistake_gets_one_line_that_says_what_to_do(case: dict[str, Any]) -> None:
    args = [str(arg).replace("{fixtures}", str(FIXTURES)) for arg in case["args"]]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == EXIT_ERROR, result.output
    assert result.stderr == f"kg: error: {case['error']}\n"
    for text in case.get("absent", []):
        assert text not in result.stderr


def test_page_as_a_parameter_is_the_page_option() -> None:
    # The API and grlc take page=N in the query string with the other parameters.
    as_option = invoke("query", "run", "facts-with-evidence", "--page", "2", "-f", "csv")
    as_param = invoke("query", "run", "facts-with-evidence", "-p", "page=2", "-f", "csv")
    first = invoke("query", "run", "facts-with-evidence", "-f", "csv")
    assert as_param.exit_code == 0, as_param.output
    assert as_param.stdout == as_option.stdout != first.stdout
    assert "page 2, 100 rows a page" in as_param.stderr


EXPORT_ALIASES = [
    (alias, fmt.name)
    for fmt in formats.export_formats()
    for alias in (*fmt.aliases, fmt.name.upper())
    if not any(other.name == alias for other in formats.export_formats())
]


@pytest.mark.parametrize(("alias", "name"), EXPORT_ALIASES)
def test_export_takes_the_registrys_aliases(alias: str, name: str) -> None:
    # The server's ?format= takes them (kg.io.formats); so does every -f.
    by_alias = invoke("export", "-f", alias, *FIXTURE)
    assert by_alias.exit_code == 0, by_alias.output
    assert by_alias.stdout_bytes == invoke("export", "-f", name, *FIXTURE).stdout_bytes


@pytest.mark.parametrize(
    ("args", "alias", "name"),
    [
        (["sparql", "CONSTRUCT WHERE { ?s a kgo:PartyBody } LIMIT 2"], "jsonld", "json-ld"),
        (["sparql", "CONSTRUCT WHERE { ?s a kgo:PartyBody } LIMIT 2"], "rdfxml", "xml"),
        (["sparql", "SELECT ?s WHERE { ?s a kgo:PartyBody } LIMIT 2"], "srj", "json"),
        (["query", "run", "party-members-count"], "srx", "xml"),
        (["describe", "person:nguyen-van-a"], "ttl", "turtle"),
        (["describe", "person:nguyen-van-a"], "ntriples", "nt"),
    ],
)
def test_every_format_option_takes_the_registrys_aliases(
    args: list[str], alias: str, name: str
) -> None:
    data = ["--data", str(CONFORMING)]
    by_alias = invoke(*args, *data, "-f", alias)
    assert by_alias.exit_code == 0, by_alias.output
    assert by_alias.stdout_bytes == invoke(*args, *data, "-f", name).stdout_bytes


def test_format_help_lists_the_names_not_the_aliases() -> None:
    shown = invoke("export", "--help").output
    assert "[turtle|nt|xml|trig|nquads|json-ld]" in shown and "jsonld" not in shown
