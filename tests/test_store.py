"""The store setting (kg.store): memory and a persistent Oxigraph store give the same
data and the same answers; an Oxigraph store keeps its data between runs and reloads
only when the sources change."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Literal
from rdflib.compare import isomorphic

import kg.store
from kg.cli import cli
from kg.core import paths
from kg.core.errors import InputError
from kg.sparql import catalogue as queries
from kg.store import open_store, store_spec
from kg.store.oxigraph import MANIFEST, OxigraphStore
from kg.store.rdflib import RdflibStore
from kg.store.remote import RemoteStore


def graphs(dataset: Dataset) -> dict[str, Dataset]:
    return {str(g.identifier): g for g in dataset.graphs() if len(g)}  # type: ignore[misc]


def test_oxigraph_gives_back_the_data_loaded(
    oxigraph_store: OxigraphStore, shipped_dataset: Dataset
) -> None:
    """Oxigraph stores XSD literals in canonical form; the shipped data is written in
    those forms, so what comes back is the data as rdflib parsed it, graph by graph."""
    import pyoxigraph as ox

    from kg.linking.gazetteer import G_GAZETTEER

    back = oxigraph_store.dataset()
    mine, theirs = graphs(back), graphs(shipped_dataset)
    # The store holds the gazetteer too (paths.shipped_sources), which rdflib's default
    # load leaves out: compared by its size, read by Oxigraph alone.
    assert set(mine) == set(theirs) | {str(G_GAZETTEER)}
    for name, graph in theirs.items():
        assert isomorphic(mine[name], graph), f"graph {name} differs after Oxigraph"
    alone = ox.Store()
    for path in paths.gazetteer_sources():
        alone.load(path=str(path), format=ox.RdfFormat.TRIG)
    assert len(mine[str(G_GAZETTEER)]) == len(alone)
    assert len(oxigraph_store) == len(alone) + sum(1 for _ in shipped_dataset.quads())


def test_the_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KG_STORE", raising=False)
    assert store_spec(None) == "memory"
    monkeypatch.setenv("KG_STORE", f"oxigraph:{tmp_path}")
    assert store_spec(None) == f"oxigraph:{tmp_path}"
    assert store_spec("memory") == "memory"  # the option wins
    memory = open_store("memory")  # the default engine: Oxigraph in memory
    assert isinstance(memory, OxigraphStore) and memory.path is None
    assert isinstance(open_store("rdflib"), RdflibStore)
    remote = open_store("http://127.0.0.1:9/sparql")  # query-only, nothing contacted yet
    assert isinstance(remote, RemoteStore) and remote.url == "http://127.0.0.1:9/sparql"
    for bad in ("oxigraph:", "oxigraph", "virtuoso:x"):
        with pytest.raises(InputError):
            open_store(bad)


def test_a_loaded_store_is_not_loaded_again_until_a_source_changes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(Path(__file__).parent / "fixtures" / "conforming", data)
    where = tmp_path / "store"
    store = OxigraphStore(where)
    store.load([data])
    first = json.loads((where / MANIFEST).read_text(encoding="utf-8"))
    assert first["quads"] == len(store) > 0
    store.close()

    again = OxigraphStore(where)
    assert again.is_current([data])
    again.load([data])  # unchanged: nothing happens, the manifest is not rewritten
    assert json.loads((where / MANIFEST).read_text(encoding="utf-8")) == first
    size = len(again)

    edited = sorted(data.rglob("*.trig"))[0]
    edited.write_text(
        edited.read_text(encoding="utf-8") + '\n<urn:x:g> { <urn:x:s> <urn:x:p> "added" . }\n',
        encoding="utf-8",
    )
    assert not again.is_current([data])
    again.load([data])  # changed: everything replaced, once
    assert len(again) == size + 1
    assert again.is_current([data])
    again.close()


def test_a_failed_load_leaves_an_empty_store_that_loads_next_time(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("<urn:x:s> <urn:x:p> .\n", encoding="utf-8")
    store = OxigraphStore(tmp_path / "store")
    with pytest.raises(InputError, match=r"bad\.ttl"):
        store.load([bad])
    assert len(store) == 0 and store.manifest() is None
    stray = tmp_path / "stray.trig"
    stray.write_text("<urn:x:s> <urn:x:p> <urn:x:o> .\n", encoding="utf-8")
    with pytest.raises(InputError, match="default graph"):
        store.load([stray])
    store.close()


@pytest.mark.parametrize("where", ["memory", "oxigraph"])
def test_both_stores_refuse_the_network_and_bind_values_as_values(
    where: str, request: pytest.FixtureRequest
) -> None:
    store = request.getfixturevalue("oxigraph_store") if where == "oxigraph" else RdflibStore()
    for text in (
        "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }",
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    ):
        with pytest.raises(InputError, match="network"):
            store.query(text)
    stored = queries.get("describe-entity")
    payload = '"} } UNION { GRAPH ?g { ?value ?property ?x } } #'
    result = kg.store.run(stored, {"entity": "body:huyen-uy-nam-truc", "lang": "en"}, store=store)
    assert result.rows
    injected = kg.store.run(stored, {"entity": "body:huyen-uy-nam-truc", "lang": "vi"}, store=store)
    assert injected.rows
    text = "SELECT ?n WHERE { GRAPH ?g { ?s rdfs:label ?n } FILTER(?n = ?_x) }"
    found = kg.store.run_text(text, {"x": payload}, store=store)
    assert found.rows == []
    label = Literal("Huyện ủy Nam Trực", lang="vi")
    found = store.query(
        "SELECT ?s WHERE { GRAPH ?g { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?_x } }",
        {"_x": label},
    )
    assert [str(r["s"]) for r in found.rows] == ["https://w3id.org/vn-kg/id/body/huyen-uy-nam-truc"]


@pytest.mark.slow
def test_commands_take_the_store_option_and_the_variable(
    oxigraph_store: OxigraphStore, tmp_path: Path
) -> None:
    where = tmp_path / "cli-store"
    runner = CliRunner()
    memory = runner.invoke(cli, ["query", "run", "party-members-count", "-f", "csv"])
    on_ox = runner.invoke(
        cli, ["query", "run", "party-members-count", "-f", "csv", "--store", f"oxigraph:{where}"]
    )
    assert on_ox.exit_code == 0, on_ox.output
    assert on_ox.output == memory.output
    assert (where / MANIFEST).is_file()
    env = {**os.environ, "KG_STORE": f"oxigraph:{where}"}
    stats = runner.invoke(cli, ["stats", "--format", "json"], env=env)
    assert stats.exit_code == 0, stats.output
    assert stats.output == runner.invoke(cli, ["stats", "--format", "json"]).output
    ask = runner.invoke(
        cli, ["sparql", "ASK { GRAPH ?g { ?s ?p ?o } }", "--store", f"oxigraph:{where}"]
    )
    assert ask.output == "true\n"


def test_rdflib_store_forgets_views_and_version_of_data_it_no_longer_holds(tmp_path: Path) -> None:
    """Each load (and update) gets a new generation: the view a FROM query made of the
    old data, and the old data's version, are never served for the new."""
    first, second = tmp_path / "first.trig", tmp_path / "second.trig"
    first.write_text("<urn:x:g> { <urn:x:s> <urn:x:p> 1 . }\n", encoding="utf-8")
    second.write_text("<urn:x:g> { <urn:x:s> <urn:x:p> 2 . }\n", encoding="utf-8")
    store = RdflibStore()
    store.load([first])
    text = "SELECT ?o FROM <urn:x:g> WHERE { ?s ?p ?o }"
    assert [str(r["o"]) for r in store.query(text).rows] == ["1"]
    before = store.version()
    store.load([second])
    assert [str(r["o"]) for r in store.query(text).rows] == ["2"]
    assert store.version() != before
    store.update("INSERT DATA { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> 3 } }")
    assert sorted(str(r["o"]) for r in store.query(text).rows) == ["2", "3"]
