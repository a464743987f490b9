from __future__ import annotations

import pytest
from rdflib import Graph

from conftest import FIXTURE_ONTOLOGY
from kg.core import paths
from kg.core.errors import InputError
from kg.io.parse import parse_graph
from kg.publish.diagram import (
    README_END,
    README_START,
    dot,
    mermaid,
    model,
    render,
    replace_readme_block,
)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return parse_graph(FIXTURE_ONTOLOGY / "kg.ttl")


def test_model(ontology: Graph) -> None:
    m = model(ontology)
    assert m.local == ["kgo:Agent", "kgo:Body", "kgo:Person"]
    assert "foaf:Person" in m.external and "org:Organization" in m.external
    assert ("kgo:Person", "kgo:Agent") in m.subclass_of
    assert ("kgo:Person", "foaf:Person") in m.subclass_of
    assert ("kgo:Person", "kgo:memberOf", "kgo:Body") in m.associations
    # The owl:unionOf range is drawn as one edge per member.
    assert ("kgo:Person", "kgo:leads", "kgo:Body") in m.associations
    assert ("kgo:Person", "kgo:leads", "org:Post") in m.associations
    assert m.attributes["kgo:Person"] == [("kgo:birthYear", "xsd:gYear")]


def test_mermaid(ontology: Graph) -> None:
    text = mermaid(ontology)
    assert text.startswith("classDiagram\n")
    assert '    class kgo_Agent["kgo:Agent"]\n' in text
    assert "    kgo_Agent <|-- kgo_Person" in text
    # Mermaid ends a relation label at a colon; "#58;" is drawn as one.
    assert "    kgo_Person --> kgo_Body : kgo#58;memberOf" in text
    assert '    class kgo_Person["kgo:Person"] {\n        +xsd:gYear kgo:birthYear\n    }' in text
    assert "    <<external>> foaf_Person" in text


def test_dot(ontology: Graph) -> None:
    text = dot(ontology)
    assert text.startswith("digraph model {")
    assert "kgo_Person -> kgo_Agent [arrowhead=empty];" in text
    assert 'kgo_Person -> kgo_Body [label="kgo:memberOf"];' in text


def test_deterministic(ontology: Graph) -> None:
    shuffled = Graph()
    for triple in sorted(ontology, reverse=True):
        shuffled.add(triple)
    assert mermaid(shuffled) == mermaid(ontology)
    assert dot(shuffled) == dot(ontology)


def test_unknown_format(ontology: Graph) -> None:
    with pytest.raises(InputError, match="mermaid"):
        render(ontology, "plantuml")


def test_readme_block() -> None:
    readme = f"# Title\n\nbefore\n{README_START}\nold\n{README_END}\nafter\n"
    new = replace_readme_block(readme, "classDiagram\n")
    assert new == (
        f"# Title\n\nbefore\n{README_START}\n```mermaid\nclassDiagram\n```\n{README_END}\nafter\n"
    )
    assert replace_readme_block(new, "classDiagram\n") == new


def test_readme_without_markers() -> None:
    with pytest.raises(InputError):
        replace_readme_block("# Title\n", "classDiagram\n")


def test_shipped_ontology_has_local_classes() -> None:
    if not paths.ontology_path().is_file():
        pytest.skip("no shipped ontology yet")
    m = model(parse_graph(paths.ontology_path()))
    assert m.local
    assert all(name.startswith("kgo:") for name in m.local)
