"""Readable JSON-LD (issue 15, item 5): the context with term definitions, generated and
drift-checked; served at its stable address; entity descriptions framed; and round
trips through pyld and rdflib's JSON-LD parser. pyld fetches nothing here."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pyld import jsonld
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from werkzeug.test import Client

from kg.cli import cli
from kg.cli.describe import DESCRIBE_FORMATS
from kg.core import paths
from kg.core.errors import InputError
from kg.core.prefixes import BASE, KGO, PREFIXES
from kg.http import pages
from kg.http.app import create_app
from kg.http.context import ServerConfig
from kg.io import jsonld as kgjsonld
from kg.io.jsonld import CONTEXT_IRI, build_context, document_loader, shipped_context
from kg.io.parse import load, parse_graph
from kg.io.serialise import export

ROOT = paths.project_root()
SCHEMA = PREFIXES["schema"]
ID = BASE + "id/"
#: Entities whose descriptions show each shape: nested owned nodes (an annotation's
#: target and selectors), a figure and its bound, many incoming links (a body), the
#: ontology's own page, a concept.
ENTITIES = (
    ID + "annotation/nam-truc-2021-11-01/0-69",
    ID + "statistic/nam-truc-dang-vien-2021-11-01",
    ID + "statistic/nam-truc-to-chuc-co-so-dang-hoan-thanh-tot-tro-len-2016-2020",
    ID + "body/dang-bo-huyen-nam-truc",
    ID + "concept/value-qualifier/more-than",
    BASE + "ontology",
)


@pytest.fixture(autouse=True)
def pyld_offline() -> Iterator[None]:
    """pyld's own default loader would fetch over HTTP: replace it with one that fails
    the test, so that every call that should pass kg's loader and does not is caught."""

    def refuse(url: str, options: Any = None) -> Any:
        raise AssertionError(f"pyld tried to fetch {url}")

    previous = jsonld.get_document_loader()
    jsonld.set_document_loader(refuse)
    yield
    jsonld.set_document_loader(previous)


@pytest.fixture(scope="module")
def client() -> Client:
    return Client(create_app(ServerConfig(isolate_queries=False)))


def _term_iris(context: dict[str, Any]) -> dict[str, str]:
    """term -> full IRI, for every term that is not a prefix or a keyword alias."""
    out: dict[str, str] = {}
    for name, definition in context.items():
        iri = definition if isinstance(definition, str) else definition["@id"]
        if iri.startswith("@") or iri in PREFIXES.values():
            continue
        prefix, _, local = iri.partition(":")
        out[name] = PREFIXES[prefix] + local if prefix in context else iri
    return out


# -- the context -----------------------------------------------------------------------


def test_context_file_is_what_the_generator_makes_of_the_model_and_data() -> None:
    if ROOT is None:
        pytest.skip("needs a source checkout")
    text = paths.context_path().read_text(encoding="utf-8")
    assert text == kgjsonld.context_text(kgjsonld.generated_context())


def test_every_class_and_property_of_the_ontology_has_a_short_name() -> None:
    model = parse_graph(paths.ontology_path())
    owl = "http://www.w3.org/2002/07/owl#"
    kinds = ("Class", "ObjectProperty", "DatatypeProperty", "AnnotationProperty")
    declared = {
        str(s)
        for kind in kinds
        for s in model.subjects(URIRef(PREFIXES["rdf"] + "type"), URIRef(owl + kind))
        if str(s).startswith(KGO)
    }
    assert len(declared) > 90
    named = _term_iris(shipped_context())
    by_iri = {iri: name for name, iri in named.items()}
    missing = sorted(iri for iri in declared if iri not in by_iri)
    assert not missing
    # kg's own terms always get their bare local name.
    assert all(by_iri[iri] == iri[len(KGO) :] for iri in declared)


def test_every_predicate_and_class_the_data_uses_has_a_short_name() -> None:
    dataset = load(None)
    used = {str(p) for _, p, _, _ in dataset.quads()}
    used |= {str(o) for _, p, o, _ in dataset.quads() if str(p) == PREFIXES["rdf"] + "type"}
    used.discard(PREFIXES["rdf"] + "type")  # that is "type", the alias of @type
    named = set(_term_iris(shipped_context()).values())
    assert sorted(used - named) == []


def test_short_names_are_unique_and_shared_local_names_are_resolved_by_precedence() -> None:
    context = shipped_context()
    named = _term_iris(context)
    assert len(set(named.values())) == len(named)
    assert context["id"] == "@id" and context["type"] == "@type"
    # kgo first; then schema.org before FOAF and Dublin Core; the others get prefix_local.
    assert named["about"] == KGO + "about"
    assert named["schema_about"] == SCHEMA + "about"
    assert named["name"] == SCHEMA + "name"
    assert named["foaf_name"] == PREFIXES["foaf"] + "name"
    assert named["creator"] == SCHEMA + "creator"
    assert named["dct_creator"] == PREFIXES["dct"] + "creator"
    # A term took the name of the QUDT prefix (kgo:unit): the prefix is left out.
    assert named["unit"] == KGO + "unit"
    # No prefix of kg's own entities: "term", "period", "source" are properties.
    assert named["term"] == KGO + "term" and "body" not in context


def test_values_are_coerced_as_the_data_has_them() -> None:
    context = shipped_context()
    for label in ("label", "prefLabel", "altLabel", "definition", "title", "description"):
        assert context[label]["@container"] == "@language", label
    assert context["ledBy"]["@type"] == "@id"
    assert context["hasSelector"] == {
        "@id": "oa:hasSelector",
        "@type": "@id",
        "@container": "@set",
    }
    assert context["validFrom"]["@type"] == "xsd:date"
    assert context["datePublished"]["@type"] == "xsd:dateTime"
    assert context["start"]["@type"] == "xsd:integer"
    assert context["isPartition"]["@type"] == "xsd:boolean"
    # Plain strings need nothing; a figure is an integer or a decimal: left as it is.
    assert context["exact"] == "oa:exact"
    assert context["minExclusive"] == "kgo:minExclusive"


def test_build_context_rules_on_a_small_model() -> None:
    ex = "http://example.org/"
    model = Graph()
    rdf_type = URIRef(PREFIXES["rdf"] + "type")
    owl = "http://www.w3.org/2002/07/owl#"
    model.add((URIRef(KGO + "name"), rdf_type, URIRef(owl + "DatatypeProperty")))
    model.add((URIRef(KGO + "amount"), rdf_type, URIRef(owl + "DatatypeProperty")))
    model.add(
        (
            URIRef(KGO + "amount"),
            URIRef(PREFIXES["rdfs"] + "range"),
            URIRef(PREFIXES["xsd"] + "decimal"),
        )
    )
    data = [
        (URIRef(ex + "a"), URIRef(SCHEMA + "name"), Literal("A", lang="en")),
        (URIRef(ex + "a"), URIRef(PREFIXES["foaf"] + "name"), Literal("A")),
        (URIRef(ex + "a"), URIRef(SCHEMA + "knows"), URIRef(ex + "b")),
        (URIRef(ex + "a"), URIRef(SCHEMA + "knows"), URIRef(ex + "c")),
        (URIRef(ex + "a"), rdf_type, URIRef(SCHEMA + "Person")),
        # A term takes the name of the QUDT prefix: IRIs under it are written in full.
        (URIRef(ex + "a"), URIRef(KGO + "unit"), URIRef(PREFIXES["unit"] + "NUM")),
        (URIRef(ex + "a"), URIRef(PREFIXES["unit"] + "scale"), Literal("1")),
    ]
    context = build_context(model, data)
    assert context["name"] == "kgo:name"
    assert context["schema_name"] == {"@id": "schema:name", "@container": "@language"}
    assert context["foaf_name"] == "foaf:name"
    assert context["amount"] == {"@id": "kgo:amount", "@type": "xsd:decimal"}
    assert context["knows"] == {"@id": "schema:knows", "@type": "@id", "@container": "@set"}
    assert context["Person"] == "schema:Person"
    assert context["unit"] == {"@id": "kgo:unit", "@type": "@id"}
    assert context["scale"] == PREFIXES["unit"] + "scale"


def test_the_context_has_one_address() -> None:
    from kg.io import parse

    assert CONTEXT_IRI == parse.CONTEXT_IRI == BASE + "context.jsonld"


def test_the_loader_knows_the_kg_context_and_refuses_everything_else() -> None:
    answer = document_loader(CONTEXT_IRI)
    assert answer["document"] == {"@context": shipped_context()}
    for url in ("https://schema.org/", "http://127.0.0.1:9/context.jsonld", "file:///etc/passwd"):
        with pytest.raises(InputError, match="not fetched"):
            document_loader(url)


def test_a_document_may_name_the_context_by_its_address(tmp_path: Path) -> None:
    document = {
        "@context": CONTEXT_IRI,
        "id": ID + "body/x",
        "type": "PartyBody",
        "label": {"vi": "x"},
    }
    expanded = jsonld.expand(document, {"documentLoader": document_loader})
    assert expanded[0]["@type"] == [KGO + "PartyBody"]
    # kg's own loader reads it from the package too (a remote context is refused).
    path = tmp_path / "x.jsonld"
    path.write_text(json.dumps(document), encoding="utf-8")
    loaded = load([path])
    labels = loaded.quads((URIRef(ID + "body/x"), None, Literal("x", lang="vi"), None))
    assert [str(p) for _, p, _, _ in labels] == [PREFIXES["rdfs"] + "label"]


# -- served ----------------------------------------------------------------------------


def test_context_is_served_at_its_stable_path_to_any_origin(client: Client) -> None:
    response = client.get("/context.jsonld", headers={"Origin": "https://example.org"})
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.get_data() == paths.context_path().read_bytes()


def test_describe_formats_are_the_server_ones() -> None:
    assert sorted(DESCRIBE_FORMATS) == sorted(f.name for f in pages.GRAPH_FORMATS)


def _entity(client: Client, iri: str, accept: str) -> bytes:
    response = client.get("/" + iri[len(BASE) :], headers={"Accept": accept})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data()


def test_entity_document_is_framed_for_a_reader(client: Client) -> None:
    iri = ID + "annotation/nam-truc-2021-11-01/0-69"
    document = json.loads(_entity(client, iri, "application/ld+json"))
    assert list(document)[:3] == ["@context", "id", "type"]
    assert document["id"] == iri and document["type"] == "Annotation"
    target = document["hasTarget"]
    assert target["id"] == iri + "#target" and target["type"] == "SpecificResource"
    selectors = {s["type"]: s for s in target["hasSelector"]}
    assert selectors["TextPositionSelector"]["start"] == "0"
    assert selectors["TextQuoteSelector"]["exact"].startswith("Đảng bộ Nam Trực")
    # A referenced entity is a stub: its address and its labels.
    assert target["hasSource"] == {
        "id": ID + "source/nam-truc-2021-11-01",
        "label": {
            "en": "source text nam-truc-2021-11-01",
            "vi": "văn bản nguồn nam-truc-2021-11-01",
        },
    }
    # The context carries the terms the document uses, no more.
    assert "ledBy" not in document["@context"]
    assert document["@context"]["hasTarget"] == {"@id": "oa:hasTarget", "@type": "@id"}


def test_entity_document_keeps_what_points_here_under_reverse(client: Client) -> None:
    iri = ID + "statistic/nam-truc-dang-vien-2021-11-01"
    document = json.loads(_entity(client, iri, "application/ld+json"))
    assert document["label"]["vi"] == "số đảng viên của Đảng bộ huyện Nam Trực"
    assert document["minExclusive"] == {"@value": "10000", "type": "xsd:integer"}
    assert document["valueQualifier"]["label"]["en"] == "more than"
    evidence = document["@reverse"]["hasBody"]
    assert [e["id"] for e in evidence] == [ID + "annotation/nam-truc-2021-11-01/225-251"]
    assert "hasBody" not in evidence[0]  # the link back is the @reverse entry itself


def test_cli_prints_what_the_server_answers(client: Client) -> None:
    iri = ID + "body/dang-bo-huyen-nam-truc"
    result = CliRunner().invoke(cli, ["describe", "body:dang-bo-huyen-nam-truc"])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == _entity(client, iri, "application/ld+json")
    turtle = CliRunner().invoke(cli, ["describe", iri, "-f", "turtle"])
    assert turtle.stdout_bytes == _entity(client, iri, "text/turtle")


def test_cli_describe_of_an_unknown_iri_is_one_line() -> None:
    result = CliRunner().invoke(cli, ["describe", "body:no-such-body"])
    assert result.exit_code == 2
    assert result.output == (f"kg: error: nothing in the graph is called {ID}body/no-such-body\n")


# -- round trips -----------------------------------------------------------------------


def _pyld_graph(document: Any) -> Graph:
    nquads = jsonld.to_rdf(
        document, {"format": "application/n-quads", "documentLoader": document_loader}
    )
    return Graph().parse(data=nquads, format="nquads")


@pytest.mark.parametrize("iri", ENTITIES)
def test_entity_document_reads_back_as_the_turtle_description(client: Client, iri: str) -> None:
    turtle = Graph().parse(data=_entity(client, iri, "text/turtle"), format="turtle")
    text = _entity(client, iri, "application/ld+json")
    assert len(turtle) > 0
    assert isomorphic(_pyld_graph(json.loads(text)), turtle)
    expanded = jsonld.expand(json.loads(text), {"documentLoader": document_loader})
    assert isomorphic(_pyld_graph(expanded), turtle)
    assert isomorphic(Graph().parse(data=text, format="json-ld"), turtle)


def _quads(dataset: Dataset) -> set[tuple[Any, ...]]:
    return set(dataset.quads((None, None, None, None)))


def test_dataset_jsonld_reads_back_through_pyld_and_rdflib() -> None:
    dataset = load(None)
    nquads = export(dataset, "nquads").decode("utf-8")
    expected = _quads(Dataset().parse(data=nquads, format="nquads"))
    text = export(dataset, "json-ld").decode("utf-8")
    document = json.loads(text)
    assert document["@context"] == shipped_context()
    assert _quads(Dataset().parse(data=text, format="json-ld")) == expected
    from_pyld = jsonld.to_rdf(
        document, {"format": "application/n-quads", "documentLoader": document_loader}
    )
    assert _quads(Dataset().parse(data=from_pyld, format="nquads")) == expected


def test_blank_nodes_are_nested_and_read_back() -> None:
    from conftest import fixture_sources

    # The rdflib engine: Oxigraph cannot be handed a blank node to describe.
    config = ServerConfig(sources=tuple(fixture_sources()), store="rdflib", isolate_queries=False)
    fixture_client = Client(create_app(config))
    iri = ID + "body/ban-chap-hanh"
    text = _entity(fixture_client, iri, "application/ld+json")
    document = json.loads(text)
    # kgo:note is no term of the shipped context: its compact IRI is the key.
    assert document["kgo:note"] == {"label": {"en": "a blank node, so exports must relabel it"}}
    assert document["@reverse"]["kgo:memberOf"] == {
        "id": ID + "person/nguyen-van-a",
        "label": {"vi": "Nguyễn Văn A"},
    }
    turtle = Graph().parse(data=_entity(fixture_client, iri, "text/turtle"), format="turtle")
    assert isomorphic(_pyld_graph(document), turtle)
    assert isomorphic(Graph().parse(data=text, format="json-ld"), turtle)


@pytest.mark.slow
def test_describe_is_the_same_bytes_whatever_the_hash_seed(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from conftest import fixture_sources

    outputs = []
    for seed in ("1", "2"):
        command = [
            sys.executable,
            "-m",
            "kg",
            "describe",
            "body:ban-chap-hanh",
            "--store",
            "rdflib",
        ]
        for source in fixture_sources():
            command += ["--data", str(source)]
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(command, capture_output=True, env=env, check=True, timeout=120)
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert b'"kgo:note"' in outputs[0]


BLANK_CHAINS = """\
@prefix kgo: <https://w3id.org/vn-kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/vn-kg/graph/test> {
  <https://w3id.org/vn-kg/id/body/x> rdfs:label "X"@vi ;
      kgo:note [ rdfs:label "one"@en ; kgo:note [ rdfs:label "two"@en ] ] ;
      kgo:part _:a .
  _:a kgo:next _:b .
  _:b kgo:next _:a ; rdfs:label "cycle"@en .
  <https://w3id.org/vn-kg/id/body/y> kgo:note [ rdfs:label "not x's"@en ] .
}
"""


@pytest.mark.parametrize("store", ["memory", "rdflib"])
def test_describe_follows_blank_nodes_on_every_engine(store: str, tmp_path: Path) -> None:
    # Blank nodes cannot be bound into a query (Oxigraph refused the VALUES block that
    # bound them: "expected UNDEF"): each depth is walked from the entity itself.
    data = tmp_path / "blank.trig"
    data.write_text(BLANK_CHAINS, encoding="utf-8")
    args = ["describe", "body:x", "-f", "nt", "--data", str(data), "--store", store]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    described = Graph().parse(data=result.stdout, format="nt")
    whole = Dataset()
    whole.parse(data=BLANK_CHAINS, format="trig")
    expected = Graph()
    for s, p, o, _ in whole.quads():
        if not (isinstance(s, URIRef) and str(s).endswith("/y")) and "not x's" not in str(o):
            expected.add((s, p, o))
    assert isomorphic(described, expected)
