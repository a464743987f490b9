"""`kg serve --store oxigraph:PATH`: the SPARQL endpoint and the stored-query API answer
from the Oxigraph store as from the embedded one, under the same time limit and row cap."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Dataset
from werkzeug.test import Client

from kg.core import paths
from kg.http.app import create_app
from kg.http.context import ServerConfig
from kg.sparql import catalogue as queries

# pyoxigraph answers must be dropped on the thread that made them (an answer over the row
# cap once reached the request thread inside the error's traceback): a warning is a failure.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")

SELECT = (
    "SELECT ?s (COUNT(?n) AS ?c) WHERE { GRAPH ?g { ?s rdfs:label ?n } } "
    "GROUP BY ?s ORDER BY ?s LIMIT 50"
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("serve-store") / "kg"


def both(folder: Path, shipped: Dataset, **options: object) -> tuple[Client, Client]:
    memory = Client(create_app(ServerConfig(**options), dataset=shipped))  # type: ignore[arg-type]
    # The same data on both: kg's dataset (the shipped_dataset fixture has no gazetteer).
    config = ServerConfig(
        store=f"oxigraph:{folder}",
        sources=tuple(paths.default_sources()),
        **options,  # type: ignore[arg-type]
    )
    oxigraph = Client(create_app(config))
    return memory, oxigraph


@pytest.mark.slow
def test_the_endpoint_and_the_api_answer_alike(folder: Path, shipped_dataset: Dataset) -> None:
    memory, oxigraph = both(folder, shipped_dataset)
    text = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" + SELECT
    accept = {"Accept": "application/sparql-results+json"}
    a = memory.get("/sparql", query_string={"query": text}, headers=accept)
    b = oxigraph.get("/sparql", query_string={"query": text}, headers=accept)
    assert a.status_code == b.status_code == 200
    assert json.loads(b.data) == json.loads(a.data)
    for name in ("party-members-count", "describe-entity", "places"):
        stored = queries.get(name)
        a = memory.get(f"/api/queries/{name}", headers=accept)
        b = oxigraph.get(f"/api/queries/{name}", headers=accept)
        assert a.status_code == b.status_code == 200, b.data
        rows = [sorted(json.loads(r.data)["results"]["bindings"], key=str) for r in (a, b)]
        assert rows[0] == rows[1], stored.name
    assert (
        oxigraph.get("/health").data == f"ok {sum(1 for _ in shipped_dataset.quads())}\n".encode()
    )


@pytest.mark.slow
def test_the_row_cap_and_the_time_limit(tmp_path: Path) -> None:
    capped = Client(create_app(ServerConfig(store=f"oxigraph:{tmp_path / 'a'}", max_rows=3)))
    response = capped.get(
        "/sparql", query_string={"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"}
    )
    assert response.status_code == 422
    # pyoxigraph cannot stop a query: it is answered 503 at the deadline, and the worker
    # finishes in the background (a product of two graphs: seconds, not minutes).
    slow = Client(create_app(ServerConfig(store=f"oxigraph:{tmp_path / 'b'}", timeout=0.05)))
    product = (
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?a { ?s ?p ?o } GRAPH ?b { ?x ?y ?z } "
        "FILTER (STRLEN(STR(?o)) > STRLEN(STR(?z))) }"
    )
    response = slow.get("/sparql", query_string={"query": product})
    assert response.status_code == 503
    refused = capped.get(
        "/sparql",
        query_string={"query": "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }"},
    )
    assert refused.status_code == 400
