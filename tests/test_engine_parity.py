"""The turbo engine against pyshacl, the reference: the same results on the shipped data
and on one invalid fixture per kind of result.

Compared: every field ``kg.validation.shacl`` reports (severity, focus node, path, value, source
shape, constraint component, message), ``conforms``, and the fixture keys of
``test_shacl_fixtures`` (which add the source constraint and the structure of result
paths). Nothing is normalised between the engines.

The sample, by rule rather than by hand: for each kind of result the fixtures expect
(each SHACL constraint component, SHACL-SPARQL counted once, and each check), the first
fixture in name order that expects one. A SHACL kind runs the shapes alone (no checks)
on both engines; a check kind runs that check alone on rdflib and on pyoxigraph. A new
component or check joins the sample by itself.

Why a sample is enough: every fixture runs on turbo in ``test_shacl_fixtures`` and is
compared exactly with its expected report, which pyshacl produced; what the sample adds
is the fields the fixtures do not compare (severity, value, rendered path and shape).
pyshacl takes about 3 s a fixture, so all 256 would take longer than the whole suite.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest
from rdflib import Dataset, Graph

from kg.core import paths
from kg.core.namespaces import SH
from kg.io.parse import load, parse_graph, union_graph
from kg.store import open_store
from kg.validation.shacl import (
    Result,
    check_runner,
    read_check,
    run_check,
    turbo_available,
    validate,
)
from test_shacl_fixtures import (
    FIXTURE_DIR,
    ResultKey,
    actual_keys,
    fixture_paths,
    mutated,
    read_fixture,
)

pytestmark = [
    pytest.mark.skipif(
        not turbo_available(), reason="the turbo engine is not installed (pip install 'kg[fast]')"
    ),
    # Every test validates with both engines, pyshacl on each fixture: minutes in all.
    pytest.mark.slow,
]


def kind(key: ResultKey) -> str:
    """The kind of result a key is: its check, SPARQL constraint or constraint component."""
    if isinstance(key.shape, tuple) and key.shape[0] == "check":
        return f"check:{key.shape[1]}"
    return f"component:{key.component}"


@lru_cache(maxsize=1)
def sample() -> dict[str, str]:
    """Kind of result -> the first fixture, in name order, that expects one."""
    chosen: dict[str, str] = {}
    for path in fixture_paths():
        for key in read_fixture(path).expected:
            chosen.setdefault(kind(key), path.stem)
    return dict(sorted(chosen.items()))


def shacl_sample() -> list[str]:
    return sorted({name for k, name in sample().items() if not k.startswith("check:")})


def check_sample() -> list[tuple[str, str]]:
    return [(k[len("check:") :], name) for k, name in sample().items() if k.startswith("check:")]


@pytest.fixture(scope="module")
def base_dataset() -> Dataset:
    return load()


@pytest.fixture(scope="module")
def shapes_graph() -> Graph:
    return parse_graph(paths.shapes_path())


def _differences(reference: list[Result], turbo: list[Result]) -> str:
    return "".join(f"  only pyshacl: {r}\n" for r in reference if r not in turbo) + "".join(
        f"  only turbo:   {r}\n" for r in turbo if r not in reference
    )


def test_sample_covers_every_kind() -> None:
    # The rule picks a fixture for each SHACL component and each check; an empty or
    # shrunken sample must not pass unnoticed.
    kinds = sample()
    assert f"component:{SH.SPARQLConstraintComponent}" in kinds
    assert f"component:{SH.MinCountConstraintComponent}" in kinds
    assert len([k for k in kinds if k.startswith("check:")]) >= 9


def test_shipped_data_same_results(base_dataset: Dataset, shapes_graph: Graph) -> None:
    reference = validate(base_dataset, shapes=shapes_graph, engine="pyshacl")
    turbo = validate(base_dataset, shapes=shapes_graph, engine="turbo")
    assert reference.results == turbo.results, _differences(reference.results, turbo.results)
    assert reference.conforms == turbo.conforms
    assert reference.summary() == turbo.summary()


@pytest.mark.parametrize("name", shacl_sample())
def test_fixture_same_shacl_results(
    name: str, base_dataset: Dataset, shapes_graph: Graph, tmp_path: Path
) -> None:
    fixture = read_fixture(FIXTURE_DIR / f"{name}.ttl")
    dataset = mutated(base_dataset, fixture.update)
    no_checks = tmp_path / "no-checks"
    reference = validate(dataset, shapes=shapes_graph, checks_dir=no_checks, engine="pyshacl")
    turbo = validate(dataset, shapes=shapes_graph, checks_dir=no_checks, engine="turbo")
    assert reference.results == turbo.results, _differences(reference.results, turbo.results)
    assert reference.conforms == turbo.conforms
    assert actual_keys(reference, shapes_graph) == actual_keys(turbo, shapes_graph)
    # and the reference gives what the fixture expects of the shapes
    expected = {k for k in fixture.expected if not kind(k).startswith("check:")}
    assert actual_keys(reference, shapes_graph) == expected


@pytest.mark.parametrize(("check", "name"), check_sample())
def test_fixture_same_check_results(
    name: str, check: str, base_dataset: Dataset, tmp_path: Path
) -> None:
    fixture = read_fixture(FIXTURE_DIR / f"{name}.ttl")
    changed = mutated(base_dataset, fixture.update)
    data = union_graph(changed)
    path = paths.checks_dir() / f"{check}.rq"
    if read_check(path).named_graphs:
        # A check that reads named graphs (`# graphs: named`) runs on the data as
        # loaded, graphs kept apart, as kg validate runs it: on each engine's store.
        quads = tmp_path / "data.nq"
        quads.write_bytes(changed.serialize(format="nquads", encoding="utf-8"))
        stores = {}
        for engine, spec in (("pyshacl", "rdflib"), ("turbo", "memory")):
            stores[engine] = open_store(spec)
            stores[engine].load([quads])
        reference_store, turbo_store = stores["pyshacl"], stores["turbo"]
    else:
        reference_store, turbo_store = check_runner(data, "pyshacl"), check_runner(data, "turbo")
    reference = sorted((r for r, _ in run_check(path, data, reference_store)), key=Result.sort_key)
    turbo = sorted((r for r, _ in run_check(path, data, turbo_store)), key=Result.sort_key)
    assert reference == turbo, _differences(reference, turbo)
    assert reference, f"{name}: the check {check} finds nothing"
