"""One default graph on every kg interface (audit finding F-default-graph) and one column
order for ``SELECT *`` on every engine and run (F-select-star-order).

Every triple kg holds is in a named graph; ``kg.store.base.UNION_DEFAULT_GRAPH`` makes
the default graph their union on ``kg sparql``, ``kg query run``, ``kg serve``'s
/sparql and the Python API alike, and ``--no-union-default-graph`` leaves it empty.
The engines' agreement on queries without GRAPH is in tests/test_parity.py
(``default-graph-*``, ``select-star-*``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from werkzeug.test import Client

import kg.store
from kg.core.errors import EXIT_ERROR, EXIT_OK
from kg.http.app import create_app
from kg.http.context import ServerConfig
from kg.io.parse import load
from kg.sparql import catalogue
from kg.sparql.text import star_order
from kg.store.base import UNION_DEFAULT_GRAPH

FIXTURE = Path(__file__).parent / "parity" / "data.trig"
#: Two places have a population in the fixture's one named graph.
WITHOUT_GRAPH = (
    "PREFIX ex: <http://example.org/parity/> "
    "SELECT (COUNT(*) AS ?n) WHERE { ?place ex:population ?population }"
)
STAR = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1"


def kg_cli(*args: str, seed: str = "0") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    env.pop("KG_STORE", None)
    return subprocess.run(
        [sys.executable, "-m", "kg", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_the_union_is_the_default_and_serve_shares_it() -> None:
    assert UNION_DEFAULT_GRAPH is True
    assert ServerConfig().union_default_graph is UNION_DEFAULT_GRAPH
    for spec in ("memory", "rdflib"):
        store = kg.store.open_store(spec)
        try:
            assert store.union_default is UNION_DEFAULT_GRAPH, spec
        finally:
            store.close()


@pytest.mark.parametrize("engine", ["memory", "rdflib"])
@pytest.mark.parametrize(("flag", "expected"), [(None, "2"), ("--no-union-default-graph", "0")])
def test_kg_sparql_reads_the_union_unless_told_not_to(
    engine: str, flag: str | None, expected: str
) -> None:
    args = ["sparql", WITHOUT_GRAPH, "--data", str(FIXTURE), "--store", engine, "-f", "csv"]
    done = kg_cli(*args, *([flag] if flag else []))
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stdout.splitlines() == ["n", expected]


def test_the_python_api_and_another_folders_query_read_the_union(tmp_path: Path) -> None:
    data = load([FIXTURE])
    assert kg.store.run_text(WITHOUT_GRAPH, data=data).rows[0]["n"].toPython() == 2
    empty = kg.store.run_text(WITHOUT_GRAPH, data=data, union_default=False)
    assert empty.rows[0]["n"].toPython() == 0
    query_file = tmp_path / "populations.rq"
    query_file.write_text("#+ summary: places with a population\n" + WITHOUT_GRAPH + "\n")
    for spec in ("memory", "rdflib"):
        store = kg.store.open_store(spec)
        try:
            store.load([FIXTURE])
            answer = kg.store.run(catalogue.read(query_file), store=store)
            assert answer.rows[0]["n"].toPython() == 2, spec
        finally:
            store.close()


def test_sparql_endpoint_reads_the_same_union() -> None:
    app = Client(create_app(ServerConfig(), dataset=load([FIXTURE])))
    response = app.get(
        "/sparql", query_string={"query": WITHOUT_GRAPH}, headers={"Accept": "text/csv"}
    )
    assert response.status_code == 200
    assert response.get_data(as_text=True).splitlines() == ["n", "2"]


@pytest.mark.parametrize("flag", ["--union-default-graph", "--no-union-default-graph"])
def test_the_switch_is_refused_for_a_remote_endpoint(flag: str) -> None:
    # Refused before anything is sent: the endpoint chooses its own default graph.
    done = kg_cli("sparql", "ASK { ?s ?p ?o }", "--endpoint", "http://192.0.2.1/sparql", flag)
    assert done.returncode == EXIT_ERROR
    assert done.stderr.startswith("kg: error: ") and done.stderr.count("\n") == 1
    assert "endpoint chooses its own default graph" in done.stderr


@pytest.mark.parametrize(
    ("text", "order"),
    [
        ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", ["g", "s", "p", "o"]),
        ("select distinct * { ?z ?a ?z . BIND (1 AS $m) }", ["z", "a", "m"]),
        ('SELECT * WHERE { ?b ?a "?c" } # ?d', ["b", "a"]),
        # ?p is in the text but not in the answer: the engine's variables are put in
        # this order, never extended by it.
        (
            "SELECT * WHERE { VALUES ?z { 1 } { SELECT ?y ?a WHERE { ?y ?p ?a } } }",
            ["z", "y", "a", "p"],
        ),
        ("SELECT ?o ?s WHERE { ?s ?p ?o }", None),
        ("ASK { ?s ?p ?o }", None),
    ],
)
def test_star_order_is_the_order_of_first_appearance(text: str, order: list[str] | None) -> None:
    assert star_order(text) == order


@pytest.mark.parametrize("engine", ["memory", "rdflib"])
def test_select_star_columns_do_not_change_with_the_hash_seed(engine: str) -> None:
    headers = {
        kg_cli(
            "sparql", STAR, "--data", str(FIXTURE), "--store", engine, "-f", "csv", seed=seed
        ).stdout.splitlines()[0]
        for seed in ("1", "2", "3", "4")
    }
    assert headers == {"g,s,p,o"}
