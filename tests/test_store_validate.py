"""Validation on both stores: `kg validate --store oxigraph:PATH` gives pyshacl's results
(the reference, on the data as rdflib parses it), on the article graph and on a generated
graph with planted errors; `--graph G` gives the full validation's results about G's
subjects, without validating the rest."""

from __future__ import annotations

import importlib.util
import io
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset

from kg import paths
from kg.cli import cli
from kg.load import load
from kg.render import short_name
from kg.store import OxigraphStore, graph_subset, restrict
from kg.validate import ValidationResult, validate

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "generate.py"


def _generator() -> object:
    spec = importlib.util.spec_from_file_location("kg_bench_generate_store", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], dict[str, object]]:
    """A small generated graph with every kind of planted error, and its manifest."""
    gen = _generator()
    out = tmp_path_factory.mktemp("gen") / "errors.nq"
    args = ["--districts", "1", "--years", "2", "--seed", "8", "--error-rate", "1"]
    assert gen.main([*args, "-o", str(out)], out=io.StringIO()) == 0  # type: ignore[attr-defined]
    manifest = json.loads(gen.manifest_for(out).read_text(encoding="utf-8"))  # type: ignore[attr-defined]
    return [paths.ontology_path(), paths.vocabulary_path(), out], manifest


def keys(result: ValidationResult) -> list[tuple[object, ...]]:
    return sorted(
        (r.severity, r.focus_node, r.path, r.source_shape, r.constraint_component, r.message)
        for r in result.results
    )


def test_oxigraph_validates_as_pyshacl_on_the_article_graph(
    oxigraph_store: OxigraphStore, shipped_dataset: Dataset, tmp_path: Path
) -> None:
    reference = validate(shipped_dataset, engine="pyshacl")
    on_store = validate(oxigraph_store.dataset())  # auto: turbo, as kg validate runs
    assert keys(on_store) == keys(reference)
    assert on_store.conforms == reference.conforms
    command = CliRunner().invoke(cli, ["validate", "--store", f"oxigraph:{tmp_path / 's'}"])
    assert command.exit_code == 0, command.output
    assert command.output == reference.text()


def test_oxigraph_validates_as_pyshacl_on_generated_errors(
    generated: tuple[list[Path], dict[str, object]], tmp_path: Path
) -> None:
    sources, manifest = generated
    reference = validate(load(sources), engine="pyshacl")
    assert not reference.conforms and manifest["errors"]
    store = OxigraphStore(tmp_path / "store")
    store.load(sources)
    on_store = validate(store.dataset())
    store.close()
    assert keys(on_store) == keys(reference)
    runner = CliRunner()
    args = ["validate", *map(str, sources), "--store", f"oxigraph:{tmp_path / 'store'}"]
    command = runner.invoke(cli, args)
    assert command.exit_code == 1
    assert command.output == reference.text()


def _per_graph(data: Dataset) -> None:
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


def test_one_graph_gives_the_full_results_about_its_subjects_article(
    oxigraph_store: OxigraphStore,
) -> None:
    _per_graph(oxigraph_store.dataset())


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
