"""Validation on both stores: `kg validate --store oxigraph:PATH` gives pyshacl's results
(the reference, on the data as rdflib parses it), on the article graph and on a generated
graph with planted errors; `--graph G` gives the full validation's results about G's
subjects, without validating the rest.

`validate(store)` on an Oxigraph store with the turbo engine works inside pyoxigraph (no
rdflib copy): it is compared with pyshacl, with the turbo engine on the rdflib copy
(`store.dataset()`, every field and the report graph), and at 10^4 quads with the
generator's manifest (pyshacl would take minutes there)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, URIRef

from bench_scripts import bench_script
from kg.cli import cli
from kg.core import paths
from kg.core.terms import short_name
from kg.io.parse import load, parse_graph
from kg.store.oxigraph import OxigraphStore
from kg.validation.shacl import (
    ValidationResult,
    engine_description,
    turbo_available,
    validate,
)
from kg.validation.subset import graph_subset, restrict
from test_shacl_fixtures import actual_keys

needs_turbo = pytest.mark.skipif(
    not turbo_available(), reason="the turbo engine is not installed (pip install 'vn-kg[fast]')"
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], dict[str, object]]:
    """A small generated graph with every kind of planted error, and its manifest."""
    gen = bench_script("generate")
    out = tmp_path_factory.mktemp("gen") / "errors.nq"
    args = ["--districts", "1", "--years", "2", "--seed", "8", "--error-rate", "1"]
    assert gen.main([*args, "-o", str(out)], out=io.StringIO()) == 0  # type: ignore[attr-defined]
    manifest = json.loads(gen.manifest_for(out).read_text(encoding="utf-8"))  # type: ignore[attr-defined]
    return [paths.ontology_path(), paths.vocabulary_path(), out], manifest


def _generate(out: Path, *args: str) -> dict[str, object]:
    gen = bench_script("generate")
    assert gen.main([*args, "-o", str(out)], out=io.StringIO()) == 0  # type: ignore[attr-defined]
    return json.loads(gen.manifest_for(out).read_text(encoding="utf-8"))  # type: ignore[attr-defined,no-any-return]


@pytest.fixture(scope="module")
def article_copy(oxigraph_store: OxigraphStore) -> tuple[Dataset, ValidationResult]:
    """The rdflib copy of the session's store of the shipped data, and its validation:
    with the gazetteer, each takes tens of seconds, and two tests compare with both."""
    copy = oxigraph_store.dataset()
    return copy, validate(copy)


def keys(result: ValidationResult) -> list[tuple[object, ...]]:
    return sorted(
        (r.severity, r.focus_node, r.path, r.source_shape, r.constraint_component, r.message)
        for r in result.results
    )


@pytest.mark.slow
def test_oxigraph_validates_as_pyshacl_on_the_article_graph(
    oxigraph_store: OxigraphStore,
    article_copy: tuple[Dataset, ValidationResult],
    shipped_dataset: Dataset,
    tmp_path: Path,
) -> None:
    reference = validate(shipped_dataset, engine="pyshacl")
    # The store itself, as kg validate --store passes it, and its rdflib copy (auto:
    # turbo, as kg validate runs): both as pyshacl.
    _, on_copy = _same_as_copy(oxigraph_store, reference, article_copy[1])
    assert keys(on_copy) == keys(reference)
    assert on_copy.conforms == reference.conforms
    command = CliRunner().invoke(cli, ["validate", "--store", f"oxigraph:{tmp_path / 's'}"])
    assert command.exit_code == 0, command.output
    engine_line = f"engine: {engine_description()}\n"
    assert command.output == engine_line + reference.text(with_engine=False)


@pytest.mark.slow
def test_oxigraph_validates_as_pyshacl_on_generated_errors(
    generated: tuple[list[Path], dict[str, object]], tmp_path: Path
) -> None:
    sources, manifest = generated
    reference = validate(load(sources), engine="pyshacl")
    assert not reference.conforms and manifest["errors"]
    store = OxigraphStore(tmp_path / "store")
    store.load(sources)
    _, on_copy = _same_as_copy(store, reference)
    store.close()
    assert keys(on_copy) == keys(reference)
    runner = CliRunner()
    args = ["validate", *map(str, sources), "--store", f"oxigraph:{tmp_path / 'store'}"]
    command = runner.invoke(cli, args)
    assert command.exit_code == 1
    engine_line = f"engine: {engine_description()}\n"
    assert command.output == engine_line + reference.text(with_engine=False)


def _same_as_copy(
    store: OxigraphStore,
    reference: ValidationResult | None,
    copy: ValidationResult | None = None,
) -> tuple[ValidationResult, ValidationResult]:
    """``validate(store)`` (turbo inside pyoxigraph when installed) against the turbo
    engine on the store's rdflib copy (``copy``, when already validated), field for field
    and in the report graph, and against the pyshacl ``reference`` (when given) in every
    field it shares; both results, the store's first."""
    on_store = validate(store)
    if copy is None:
        copy = validate(store.dataset())
    assert on_store.results == copy.results
    assert on_store.conforms == copy.conforms
    assert on_store.text() == copy.text()
    shapes = parse_graph(paths.shapes_path())
    assert actual_keys(on_store, shapes) == actual_keys(copy, shapes)
    if reference is not None:
        assert keys(on_store) == keys(reference)
        assert on_store.text(with_engine=False) == reference.text(with_engine=False)
        assert actual_keys(on_store, shapes) == actual_keys(reference, shapes)
    return on_store, copy


@pytest.mark.slow
@needs_turbo
def test_store_path_at_1e4_gives_the_manifest_results(tmp_path: Path) -> None:
    """A generated graph of about 10^4 quads with planted errors (5 %): the store path
    finds exactly what the manifest says, as the rdflib copy does."""
    out = tmp_path / "kg-1e4.nq"
    manifest = _generate(out, "--triples", "1e4", "--seed", "1", "--error-rate", "0.05")
    assert manifest["errors"]
    store = OxigraphStore(tmp_path / "store")
    store.load([paths.ontology_path(), paths.vocabulary_path(), out])
    try:
        result, _ = _same_as_copy(store, None)
    finally:
        store.close()
    expected = sorted(
        (short_name(URIRef(r["focus"])), r["constraint"].removeprefix("check:"))
        for e in manifest["errors"]  # type: ignore[attr-defined]
        for r in e["expected"]
    )
    assert sorted((r.focus_node, r.constraint_component) for r in result.results) == expected


@needs_turbo
def test_union_store_keeps_a_blank_node_shared_by_two_graphs(tmp_path: Path) -> None:
    """Loading a graph's N-Triples renames its blank nodes; the union keeps them one."""
    data = tmp_path / "b.nq"
    data.write_text(
        '_:x <urn:x-kg:p> "1" <urn:x-kg:g1> .\n'
        '_:x <urn:x-kg:q> "2" <urn:x-kg:g2> .\n'
        '<urn:x-kg:s> <urn:x-kg:p> "1" <urn:x-kg:g1> .\n'
        '<urn:x-kg:s> <urn:x-kg:p> "1" <urn:x-kg:g2> .\n',
        encoding="utf-8",
    )
    store = OxigraphStore(tmp_path / "store")
    store.load([data])
    try:
        union = store.union_store()
    finally:
        store.close()
    assert len(union) == 3
    assert len({q.subject for q in union.native()}) == 2


def _per_graph(data: Dataset, full: ValidationResult | None = None) -> None:
    """Each graph's ``--graph`` validation against ``full``, the validation of ``data``
    (done here when not given)."""
    if full is None:
        full = validate(data)
    names = sorted(
        str(g.identifier)
        for g in data.graphs()  # type: ignore[misc]
        if len(g) and str(g.identifier).startswith("https://w3id.org/vn-kg/graph/")
    )
    assert names
    for name in names:
        subset, focus = graph_subset(data, [name])
        mine = restrict(validate(subset), focus)
        shown = {short_name(n) for n in focus}
        wanted = [r for r in full.results if r.focus_node in shown]
        assert keys(mine) == sorted(
            (r.severity, r.focus_node, r.path, r.source_shape, r.constraint_component, r.message)
            for r in wanted
        ), name


@pytest.mark.slow
def test_one_graph_gives_the_full_results_about_its_subjects_article(
    article_copy: tuple[Dataset, ValidationResult],
) -> None:
    _per_graph(*article_copy)


@pytest.mark.slow
def test_one_graph_gives_the_full_results_about_its_subjects_generated(
    generated: tuple[list[Path], dict[str, object]], tmp_path: Path
) -> None:
    sources, _ = generated
    store = OxigraphStore(tmp_path / "store")
    store.load(sources)
    data = store.dataset()
    store.close()
    _per_graph(data)
    # On the command line: a graph of the generated data with planted errors.
    facts = next(
        str(g.identifier)
        for g in data.graphs()  # type: ignore[misc]
        if "/graph/facts/" in str(g.identifier)
    )
    subset, focus = graph_subset(data, [facts])
    assert sum(1 for _ in subset.quads()) < sum(1 for _ in data.quads())
    command = CliRunner().invoke(
        cli,
        [
            "validate",
            *map(str, sources),
            "--store",
            f"oxigraph:{tmp_path / 'store'}",
            "--graph",
            facts,
        ],
    )
    expected = restrict(validate(subset), focus)
    assert command.output == expected.text()
