from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from conftest import BAD, CONFORMING, FIXTURE_ONTOLOGY, fixture_sources
from kg.core import paths
from kg.core.errors import InputError, KgError
from kg.core.namespaces import G_ONTOLOGY, G_VOCABULARY, GRAPH, facts_graph
from kg.io.parse import expand, graph_for_file, load, named_graphs, union_graph


def graph_names(ds) -> set[str]:  # type: ignore[no-untyped-def]
    return {str(g) for g in named_graphs(ds)}


def test_fixture_graphs_keep_their_names(fixture_dataset) -> None:  # type: ignore[no-untyped-def]
    names = graph_names(fixture_dataset)
    assert str(G_ONTOLOGY) in names
    assert str(G_VOCABULARY) in names
    assert str(facts_graph("fixture")) in names
    assert str(GRAPH["evidence/fixture"]) in names
    assert len(fixture_dataset.graph(DATASET_DEFAULT_GRAPH_ID)) == 0


def test_shipped_data_loads_into_named_graphs(shipped_dataset) -> None:  # type: ignore[no-untyped-def]
    names = graph_names(shipped_dataset)
    if paths.ontology_path().is_file():
        assert str(G_ONTOLOGY) in names
    if paths.vocabulary_path().is_file():
        assert str(G_VOCABULARY) in names
    assert len(shipped_dataset.graph(DATASET_DEFAULT_GRAPH_ID)) == 0
    # No file:// graphs: every shipped triple is in a graph the data names.
    assert not [n for n in names if n.startswith("file:")]


def test_default_sources_are_sorted_and_exclude_shapes() -> None:
    sources = paths.default_sources()
    trig = [p for p in sources if p.suffix == ".trig"]
    assert trig == sorted(trig)
    assert paths.shapes_path() not in sources


def test_triple_file_goes_into_file_graph(tmp_path: Path) -> None:
    data = tmp_path / "some data.ttl"
    data.write_text("<http://example.org/a> <http://example.org/b> 1 .\n", encoding="utf-8")
    ds = load([data])
    assert graph_names(ds) == {data.resolve().as_uri()}
    assert graph_for_file(data) == URIRef(data.resolve().as_uri())


def test_ontology_files_go_into_their_graphs() -> None:
    assert graph_for_file(FIXTURE_ONTOLOGY / "kg.ttl") == G_ONTOLOGY
    assert graph_for_file(FIXTURE_ONTOLOGY / "vocabularies.ttl") == G_VOCABULARY
    assert graph_for_file(paths.ontology_path()) == G_ONTOLOGY


def test_directory_expands_recursively_sorted_skipping_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    for name in ("b/z.nt", "a.ttl", ".git/x.ttl", "notes.txt"):
        (tmp_path / name).write_text("", encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in expand([tmp_path])] == ["a.ttl", "b/z.nt"]


def test_ontology_directory_leaves_out_shapes_and_context() -> None:
    files = {p.name for p in expand([paths.ontology_dir()])}
    assert paths.SHAPES_FILE not in files
    assert paths.CONTEXT_FILE not in files


def test_every_format_loads(tmp_path: Path) -> None:
    iri = "http://example.org/"
    files = {
        "a.nt": f"<{iri}a> <{iri}p> <{iri}b> .\n",
        "a.nq": f"<{iri}a> <{iri}p> <{iri}b> <{iri}g> .\n",
        "a.jsonld": json.dumps({"@id": f"{iri}a", f"{iri}p": {"@id": f"{iri}b"}}),
        "a.rdf": (
            f'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="{iri}">'
            f'<rdf:Description rdf:about="{iri}a"><ex:p rdf:resource="{iri}b"/></rdf:Description>'
            "</rdf:RDF>"
        ),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        ds = load([tmp_path / name])
        assert len(union_graph(ds)) == 1, name
    assert graph_names(load([tmp_path / "a.nq"])) == {f"{iri}g"}


def test_local_shipped_context_is_inlined(tmp_path: Path) -> None:
    if not paths.context_path().is_file():
        pytest.skip("no shipped context yet")
    doc = tmp_path / "local.jsonld"
    doc.write_text(
        json.dumps(
            {"@context": paths.context_path().resolve().as_uri(), "@id": "kgo:X", "rdfs:label": "x"}
        ),
        encoding="utf-8",
    )
    triples = list(union_graph(load([doc])))
    assert [str(t[0]) for t in triples] == ["https://w3id.org/vn-kg/ontology#X"]


# -- errors --------------------------------------------------------------------------------


def load_error(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        load([path])
    return info.value


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("syntax-error.ttl", 4),
        ("syntax-error.trig", 4),
        ("syntax-error.nt", 3),
        ("syntax-error.jsonld", 3),
        ("syntax-error.rdf", 6),
    ],
)
def test_syntax_errors_name_file_and_line(name: str, line: int) -> None:
    error = load_error(BAD / name)
    assert error.path == str(BAD / name)
    assert error.line == line
    assert str(error).startswith(f"{BAD / name}:{line}:")


def test_turtle_error_has_column() -> None:
    error = load_error(BAD / "syntax-error.ttl")
    assert error.column is not None and error.column > 1


def test_missing_file() -> None:
    error = load_error(BAD / "does-not-exist.ttl")
    assert "no such file" in str(error)
    assert error.line is None


def test_unknown_extension() -> None:
    error = load_error(BAD / "unknown-extension.txt")
    assert "unknown RDF file extension" in str(error)
    assert ".ttl" in str(error)


def test_default_graph_in_trig_is_an_error() -> None:
    error = load_error(BAD / "default-graph.trig")
    assert "default graph" in str(error)


@pytest.mark.parametrize(
    "name", ["remote-context.jsonld", "nested-remote-context.jsonld", "import-context.jsonld"]
)
def test_remote_jsonld_context_is_refused(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("tried to fetch a remote context")

    monkeypatch.setattr("urllib.request.urlopen", no_network)
    error = load_error(BAD / name)
    assert "remote" in str(error)
    assert "example.org" in str(error) or "schema.org" in str(error)


def test_context_file_outside_the_project_is_refused(tmp_path: Path) -> None:
    (tmp_path / "ctx.jsonld").write_text('{"@context": {}}', encoding="utf-8")
    doc = tmp_path / "doc.jsonld"
    doc.write_text('{"@context": "ctx.jsonld", "@id": "http://example.org/a"}', encoding="utf-8")
    assert "not a file shipped with kg" in str(load_error(doc))


def test_rdfxml_doctype_is_refused() -> None:
    error = load_error(BAD / "doctype.rdf")
    assert "DOCTYPE" in str(error)
    assert error.line == 2


def test_rdfxml_doctype_in_utf16_is_refused(tmp_path: Path) -> None:
    utf16 = tmp_path / "doctype-utf16.rdf"
    text = (
        (BAD / "doctype.rdf")
        .read_text(encoding="utf-8")
        .replace('"1.0"?>', '"1.0" encoding="UTF-16"?>')
    )
    utf16.write_bytes(text.encode("utf-16"))
    assert "DOCTYPE" in str(load_error(utf16))


def test_not_utf8(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.ttl"
    bad.write_bytes(b'<http://example.org/a> <http://example.org/b> "\xe9t\xe9" .\n')
    error = load_error(bad)
    assert "UTF-8" in str(error)
    assert error.line == 1


def test_all_or_nothing() -> None:
    with pytest.raises(KgError):
        load([*fixture_sources(), BAD / "syntax-error.ttl"])


def test_load_does_not_keep_going_after_one_bad_file() -> None:
    with pytest.raises(InputError) as info:
        load([BAD / "syntax-error.ttl", CONFORMING])
    assert "syntax-error.ttl" in str(info.value)
