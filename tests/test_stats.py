from __future__ import annotations

import json
from pathlib import Path

from rdflib import Dataset
from rdflib.namespace import RDF

from conftest import fixture_sources
from kg.core import paths
from kg.core.terms import short_name
from kg.io.parse import load, named_graphs, union_graph
from kg.publish.stats import stats
from kg.store.oxigraph import OxigraphStore


def test_fixture_counts(fixture_dataset: Dataset) -> None:
    result = stats(fixture_dataset)
    assert result.graphs["kgg:facts/fixture"] == len(
        fixture_dataset.graph("https://w3id.org/vn-kg/graph/facts/fixture")
    )
    assert result.classes["kgo:Person"] == 1
    assert result.classes["kgo:Body"] == 1
    # Three named classes and the owl:unionOf class in the range of kgo:leads.
    assert result.classes["owl:Class"] == 4


def test_totals_agree_with_the_dataset(any_dataset: Dataset) -> None:
    result = stats(any_dataset)
    graphs = named_graphs(any_dataset)
    assert result.graphs == {short_name(n): len(g) for n, g in graphs.items()}
    assert result.total == sum(len(g) for g in graphs.values())
    union = union_graph(any_dataset)
    assert result.union_total == len(union)
    assert sum(result.classes.values()) == len(set(union.subject_objects(RDF.type)))


def test_text_and_json(fixture_dataset: Dataset) -> None:
    result = stats(fixture_dataset)
    assert "kgg:facts/fixture" in result.text()
    assert f"Total triples: {result.total}" in result.text()
    assert json.loads(result.to_json())["total"] == result.total


def test_an_oxigraph_store_counts_as_the_dataset_does(
    oxigraph_store: OxigraphStore, shipped_dataset: Dataset, tmp_path: Path
) -> None:
    # Counted inside Oxigraph (GROUP BY), not from quads read into Python. The session's
    # store holds the gazetteer too; the dataset is kg's.
    kg_only = OxigraphStore(tmp_path / "kg")
    try:
        kg_only.load(paths.default_sources())
        assert stats(kg_only) == stats(shipped_dataset)
    finally:
        kg_only.close()
    gazetteer = stats(oxigraph_store).graphs["kgg:gazetteer/admin-units"]
    assert stats(oxigraph_store).total == stats(shipped_dataset).total + gazetteer
    store = OxigraphStore(tmp_path / "fixture")
    try:
        store.load(fixture_sources())
        assert stats(store) == stats(load(fixture_sources()))
    finally:
        store.close()


def test_evidence_coverage_per_facts_graph(shipped_dataset: Dataset) -> None:
    result = stats(shipped_dataset)
    (name,) = result.coverage
    coverage = result.coverage[name]
    assert name.startswith("kgg:facts/")
    assert coverage.statements == result.graphs[name]
    assert coverage.neither == 0 and coverage.covered_percent == 100.0
    assert coverage.quoted + coverage.editorial + coverage.inferred == coverage.statements
    assert coverage.quoted > coverage.statements / 3
    assert f"{coverage.statements} statements: {coverage.quoted} quoted" in result.text()
    assert "100.0 % evidenced or marked" in result.text()
    assert json.loads(result.to_json())["evidence_coverage"][name]["neither"] == 0


def test_a_facts_graph_without_evidence_is_not_covered(fixture_dataset: Dataset) -> None:
    coverage = stats(fixture_dataset).coverage["kgg:facts/fixture"]
    assert coverage.statements > 0
    assert coverage.neither == coverage.statements and coverage.covered_percent == 0.0
