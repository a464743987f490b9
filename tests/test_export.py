from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from conftest import BAD, fixture_sources
from kg.core import paths
from kg.core.errors import InputError, OutputError
from kg.core.files import write_atomic
from kg.io.formats import export_formats
from kg.io.parse import named_graphs, union_graph
from kg.io.serialise import export, jsonld_context

EXPORTERS = {f.name: f for f in export_formats()}


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_round_trip(any_dataset: Dataset, fmt: str) -> None:
    data = export(any_dataset, fmt)
    if EXPORTERS[fmt].keeps_graphs:
        back = Dataset(default_union=False)
        back.parse(data=data, format=EXPORTERS[fmt].parser)
        want, got = named_graphs(any_dataset), named_graphs(back)
        assert sorted(got) == sorted(want)
        for name, graph in want.items():
            assert isomorphic(got[name], graph), f"graph {name} differs after {fmt}"
    else:
        back_graph = Graph()
        back_graph.parse(data=data, format=EXPORTERS[fmt].parser)
        assert isomorphic(back_graph, union_graph(any_dataset))


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_same_bytes_twice_in_one_process(fixture_dataset: Dataset, fmt: str) -> None:
    assert export(fixture_dataset, fmt) == export(fixture_dataset, fmt)


_HASH_ALL = """
import hashlib, sys
from kg.io.formats import export_formats
from kg.io.serialise import export
from kg.io.parse import load
ds = load(sys.argv[1:] or None)
for fmt in sorted(f.name for f in export_formats()):
    print(fmt, hashlib.sha256(export(ds, fmt)).hexdigest())
"""


@pytest.mark.slow
@pytest.mark.parametrize("which", ["fixture", "shipped"])
def test_deterministic_across_hash_seeds(which: str) -> None:
    args = [str(p) for p in fixture_sources()] if which == "fixture" else []
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _HASH_ALL, *args],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1, "export output depends on PYTHONHASHSEED"
    assert len(next(iter(outputs)).splitlines()) == len(EXPORTERS)


def test_line_formats_are_sorted(fixture_dataset: Dataset) -> None:
    for fmt in ("nt", "nquads"):
        lines = export(fixture_dataset, fmt).decode("utf-8").splitlines()
        assert lines == sorted(lines)


def test_blank_nodes_get_canonical_labels(fixture_dataset: Dataset) -> None:
    text = export(fixture_dataset, "nt").decode("utf-8")
    assert "_:b0" in text


def test_jsonld_embeds_the_context_and_is_sorted(fixture_dataset: Dataset) -> None:
    text = export(fixture_dataset, "json-ld").decode("utf-8")
    document = json.loads(text)
    shipped = paths.context_path()
    if shipped.is_file():
        expected = json.loads(shipped.read_text(encoding="utf-8"))["@context"]
    else:
        expected = jsonld_context()["@context"]
    assert document["@context"] == expected
    assert expected["label"] == {"@id": "rdfs:label", "@container": "@language"}
    assert text == json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    # "id" is the context's alias of "@id".
    ids = [node["id"] for node in document["@graph"]]
    assert ids == sorted(ids)
    for node in document["@graph"]:
        assert set(node) == {"id", "@graph"}
        inner = [n["id"] for n in node["@graph"]]
        assert inner == sorted(inner)


def test_turtle_uses_project_prefixes(fixture_dataset: Dataset) -> None:
    text = export(fixture_dataset, "turtle").decode("utf-8")
    assert "@prefix kgo: <https://w3id.org/vn-kg/ontology#> ." in text
    assert "person:nguyen-van-a" in text


def test_unknown_format_lists_valid_names(fixture_dataset: Dataset) -> None:
    with pytest.raises(InputError) as info:
        export(fixture_dataset, "yaml")
    for name in EXPORTERS:
        assert name in str(info.value)


def test_write_atomic_writes_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "out.ttl"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["out.ttl"]


def test_write_atomic_leaves_nothing_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OutputError):
        write_atomic(tmp_path / "out.ttl", b"data")
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as info:
        write_atomic(tmp_path / "no" / "such" / "dir.ttl", b"x")
    assert "dir.ttl" in str(info.value)


def test_bad_input_fixture_exists() -> None:
    # The CLI tests rely on it to make an export fail before anything is written.
    assert (BAD / "syntax-error.ttl").is_file()
