from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF

from conftest import (
    BAD,
    CONFORMING,
    FIXTURE_CHECKS,
    FIXTURE_ONTOLOGY,
    FIXTURE_SHAPES,
    NONCONFORMING,
)
from kg.core import paths
from kg.core.errors import InputError, KgError, QueryError
from kg.core.namespaces import SH
from kg.io.parse import load
from kg.validation.shacl import (
    engine_description,
    read_check,
    resolve_engine,
    turbo_available,
    validate,
)

ENGINES = [
    "pyshacl",
    pytest.param(
        "turbo",
        marks=pytest.mark.skipif(not turbo_available(), reason="pyshacl-turbo not installed"),
    ),
]


def run(data: Path, engine: str = "auto"):  # type: ignore[no-untyped-def]
    return validate(
        load([FIXTURE_ONTOLOGY, data]),
        shapes=FIXTURE_SHAPES,
        checks_dir=FIXTURE_CHECKS,
        engine=engine,
    )


def test_conforming_fixture() -> None:
    result = run(CONFORMING)
    assert result.conforms
    assert result.results == []
    assert "conforms" in result.text()


@pytest.mark.parametrize("engine", ENGINES)
def test_nonconforming_fixture(engine: str) -> None:
    result = run(NONCONFORMING, engine)
    assert not result.conforms
    by_component = {r.constraint_component: r for r in result.results}
    # Reached only because rdfs:subClassOf from the ontology graph is honoured.
    label = by_component["sh:MinCountConstraintComponent"]
    assert label.focus_node == "person:tran-thi-b"
    assert label.path == "rdfs:label"
    assert label.source_shape == "kgo:AgentShape / rdfs:label"
    assert label.message == "An agent has a label with a language tag."
    assert label.severity == "Violation"
    # A warning does not make the data fail, but is reported.
    assert by_component["sh:MaxCountConstraintComponent"].severity == "Warning"
    # The SPARQL check: message from its first comment line.
    check = by_component["self-membership"]
    assert check.source_shape == "self-membership-violation.rq"
    assert check.message == "Nothing is a member of itself."
    assert check.focus_node == "body:self"
    assert check.path == "kgo:memberOf"


@pytest.mark.parametrize("engine", ENGINES)
def test_results_are_sorted_violations_first(engine: str) -> None:
    results = run(NONCONFORMING, engine).results
    assert results == sorted(results, key=lambda r: r.sort_key())
    assert results[0].severity == "Violation"
    assert results[-1].severity == "Warning"


def test_warning_checks_do_not_fail(tmp_path: Path) -> None:
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "any-body-violation.rq").write_text(
        "# Every body is reported.\n# severity: Warning\n"
        "PREFIX kgo: <https://w3id.org/vn-kg/ontology#>\n"
        "SELECT ?focus WHERE { ?focus a kgo:Body }\n",
        encoding="utf-8",
    )
    result = validate(
        load([FIXTURE_ONTOLOGY, CONFORMING]), shapes=FIXTURE_SHAPES, checks_dir=checks
    )
    assert result.conforms
    assert [r.severity for r in result.results] == ["Warning"]
    assert result.results[0].message == "Every body is reported."


@pytest.mark.parametrize("engine", ENGINES)
def test_report_graph_holds_shacl_and_check_results(engine: str) -> None:
    result = run(NONCONFORMING, engine)
    report = Graph().parse(data=result.to_turtle(), format="turtle")
    assert len(list(report.subjects(RDF.type, SH.ValidationResult))) == len(result.results)
    assert (None, SH.conforms, None) in report
    assert result.to_turtle() == run(NONCONFORMING, engine).to_turtle()


@pytest.mark.parametrize("data", [CONFORMING, NONCONFORMING], ids=["conforming", "nonconforming"])
def test_engines_give_the_same_results(data: Path) -> None:
    if not turbo_available():
        pytest.skip("pyshacl-turbo not installed")
    reference, turbo = run(data, "pyshacl"), run(data, "turbo")
    assert reference.results == turbo.results
    assert reference.conforms == turbo.conforms


def test_engine_names() -> None:
    assert resolve_engine("pyshacl") == "pyshacl"
    assert resolve_engine("auto") == ("turbo" if turbo_available() else "pyshacl")
    with pytest.raises(InputError, match="unknown validation engine"):
        resolve_engine("jena")


@pytest.mark.parametrize("engine", ENGINES)
def test_the_result_names_the_engine_that_ran_and_its_version(engine: str) -> None:
    from importlib.metadata import version

    distribution = {"pyshacl": "pyshacl", "turbo": "pyshacl-turbo"}[engine]
    expected = f"{engine} ({distribution} {version(distribution)})"
    result = run(NONCONFORMING, engine)
    assert result.engine == expected == engine_description(engine)
    assert result.text().splitlines()[0] == f"engine: {expected}"
    assert result.text() == f"engine: {expected}\n" + result.text(with_engine=False)
    assert result.to_turtle().splitlines()[0] == f"# engine: {expected}"


def test_turbo_missing_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kg.validation.shacl.turbo_available", lambda: False)
    assert resolve_engine("auto") == "pyshacl"
    with pytest.raises(KgError, match=r"kg\[fast\]"):
        resolve_engine("turbo")


def test_bad_check_query_names_the_file(tmp_path: Path) -> None:
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "bad-query-violation.rq").write_bytes((BAD / "bad-query-violation.rq").read_bytes())
    for engine in ("pyshacl", "turbo") if turbo_available() else ("pyshacl",):
        with pytest.raises(QueryError) as info:
            validate(
                load([FIXTURE_ONTOLOGY, CONFORMING]),
                shapes=FIXTURE_SHAPES,
                checks_dir=checks,
                engine=engine,
            )
        assert "bad-query-violation.rq" in str(info.value)


def test_read_check_header() -> None:
    check = read_check(FIXTURE_CHECKS / "unused-warning-violation.rq")
    assert check.name == "unused-warning"
    assert check.severity == "Warning"
    assert check.message == "Bodies without members are suspicious."


def test_bad_shapes_file_is_an_input_error() -> None:
    with pytest.raises(KgError) as info:
        validate(load([FIXTURE_ONTOLOGY, CONFORMING]), shapes=BAD / "syntax-error.ttl")
    assert "syntax-error.ttl:4" in str(info.value)


@pytest.mark.slow
def test_shipped_data_conforms(shipped_dataset) -> None:  # type: ignore[no-untyped-def]
    result = validate(shipped_dataset)
    assert result.conforms, result.text()


def test_every_shipped_check_has_a_description() -> None:
    for path in sorted(paths.checks_dir().glob("*-violation.rq")):
        assert not read_check(path).message.startswith("check "), path


@pytest.mark.parametrize("engine", ["pyshacl", "turbo"])
def test_a_check_that_reads_named_graphs_sees_them_on_either_engine(
    tmp_path: Path, engine: str
) -> None:
    # The union the other checks read has lost which graph a triple came from.
    from kg.validation.shacl import read_check, validate

    check = tmp_path / "facts-graph-violation.rq"
    check.write_text(
        "# A triple is in a facts graph.\n# graphs: named\n"
        "SELECT ?focus WHERE { GRAPH ?g { ?focus ?p ?o } "
        'FILTER (STRSTARTS(STR(?g), "https://w3id.org/vn-kg/graph/facts/")) } LIMIT 1\n',
        encoding="utf-8",
    )
    assert read_check(check).named_graphs
    assert read_check(check).message == "A triple is in a facts graph."
    result = validate(
        load([FIXTURE_ONTOLOGY, CONFORMING]), shapes=Graph(), checks_dir=tmp_path, engine=engine
    )
    assert [r.source_shape for r in result.results] == ["facts-graph-violation.rq"]
    assert not read_check(paths.checks_dir() / "blank-node-violation.rq").named_graphs
