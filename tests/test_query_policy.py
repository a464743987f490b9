"""One policy for SERVICE, FROM and LOAD, the same verdict on every surface.

Each case of ``tests/policy/cases.yaml`` (a query text and its verdict) is sent through
every surface that takes SPARQL from a user: the library on each embedded engine, the
command line, the server's protocol endpoint on both of its engines, the HTML query
page, and a validation check. A refusal is the same one-line message everywhere (exit
2 on the command line, 400 over HTTP); an allowed query runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from werkzeug.test import Client

import kg.store
from kg.cli import cli
from kg.core.errors import KgError, QueryError
from kg.http.app import create_app
from kg.http.context import ServerConfig
from kg.sparql.text import query_form
from kg.validation.shacl import run_check

CASES_FILE = Path(__file__).parent / "policy" / "cases.yaml"


def _text(case: dict[str, Any]) -> str:
    if "query" in case:
        return str(case["query"])
    repeat = case["query_repeat"]
    times = int(repeat["times"])
    return repeat["prefix"] + repeat["open"] * times + repeat["middle"] + repeat["close"] * times


CASES = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))

#: A verdict: ("allowed", "") or ("refused", the one-line message).
Verdict = tuple[str, str]


def _library(spec: str) -> Callable[[str, Path], Verdict]:
    def run(text: str, tmp: Path) -> Verdict:
        store = spec if spec != "oxigraph" else f"oxigraph:{tmp / 'store'}"
        try:
            kg.store.run_text(text, store=store)
        except KgError as exc:
            return "refused", str(exc)
        return "allowed", ""

    return run


def _cli(text: str, tmp: Path) -> Verdict:
    query = tmp / "query.rq"
    query.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["sparql", str(query)])
    if result.exit_code == 0:
        return "allowed", ""
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return "refused", lines[-1]


_SERVERS: dict[str, Client] = {}


def _server(store: str) -> Client:
    if store not in _SERVERS:
        _SERVERS[store] = Client(create_app(ServerConfig(store=store, timeout=20)))
    return _SERVERS[store]


def _protocol(store: str) -> Callable[[str, Path], Verdict]:
    def run(text: str, tmp: Path) -> Verdict:
        response = _server(store).get("/sparql", query_string={"query": text})
        body = response.get_data(as_text=True)
        if response.status_code == 200:
            return "allowed", ""
        assert response.status_code == 400, body
        return "refused", body.strip()

    return run


def _query_page(text: str, tmp: Path) -> Verdict:
    response = _server("rdflib").get("/query", query_string={"query": text, "format": "json"})
    body = response.get_data(as_text=True)
    if response.status_code == 200:
        return "allowed", ""
    assert response.status_code == 400, body
    return "refused", body


def _check(text: str, tmp: Path) -> Verdict:
    check = tmp / "policy-violation.rq"
    check.write_text("# a policy case as a check\n" + text + "\n", encoding="utf-8")
    store = kg.store.shipped("memory")
    try:
        run_check(check, None, store)
    except KgError as exc:
        return "refused", str(exc)
    return "allowed", ""


SURFACES: dict[str, Callable[[str, Path], Verdict]] = {
    "library-rdflib": _library("rdflib"),
    "library-memory": _library("memory"),
    "library-oxigraph": _library("oxigraph"),
    "cli-sparql": _cli,
    "http-sparql-rdflib": _protocol("rdflib"),
    "http-sparql-memory": _protocol("memory"),
    "http-query-page": _query_page,
    "validation-check": _check,
}


@pytest.fixture(autouse=True, scope="module")
def _servers() -> Iterator[None]:
    yield
    _SERVERS.clear()


@pytest.mark.parametrize("surface", sorted(SURFACES))
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_same_verdict_everywhere(case: dict[str, Any], surface: str, tmp_path: Path) -> None:
    expected = case["verdict"]
    if surface == "validation-check" and "checks" in case:
        expected = case["checks"]
    verdict, message = SURFACES[surface](_text(case), tmp_path)
    assert verdict == expected, f"{case['id']} on {surface}: {verdict} ({message})"
    if verdict == "refused" and "message" in case and expected == case["verdict"]:
        assert case["message"] in message, message
        assert "Traceback" not in message
        if surface != "http-query-page":  # a page, with the message in it
            assert "\n" not in message.strip(), message


def test_every_case_is_refused_or_allowed_by_the_policy_itself() -> None:
    """The cases name what kg.sparql.policy decides, not an engine's accident: each
    refusal comes from the policy before any engine parses the text."""
    from kg.core.errors import QueryError, Refused
    from kg.sparql.policy import check_query

    held = {
        "https://w3id.org/vn-kg/graph/ontology",
        "https://w3id.org/vn-kg/graph/vocabulary",
    }
    from kg.core.namespaces import PREFIXES

    for case in CASES:
        try:
            check_query(_text(case), held.__contains__, prefixes=PREFIXES)
        except (Refused, QueryError) as exc:
            assert case["verdict"] == "refused", (case["id"], str(exc))
            assert case["message"] in str(exc)
        else:
            assert case["verdict"] == "allowed", case["id"]


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        (
            "PREFIX ex: <urn:x:>\nBASE <urn:b>\n# a comment\nconstruct { ?s ?p ?o } WHERE {}",
            "CONSTRUCT",
        ),
        ("PREFIX : <urn:x:> ASK { :a :b :c }", "ASK"),
        ("\\u0044ESCRIBE <urn:x>", "DESCRIBE"),
    ],
)
def test_the_query_form_is_read_from_the_first_words(text: str, form: str) -> None:
    assert query_form(text) == form


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "is a SPARQL update"),
        ("{ SELECT * WHERE { ?s ?p ?o } }", "not a SPARQL query"),
        ("hello SELECT * {}", "not a SPARQL query"),
        ("", "not a SPARQL query"),
    ],
)
def test_text_that_is_no_query_has_no_form(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        query_form(text)
