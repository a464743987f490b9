"""Messages never show Python's insides: an exception that is a bug (in kg or a library,
``kg.core.errors.INTERNAL_ERRORS``) reaches the user as ``internal error (incident N)``,
its traceback logged under N (the server's log), and the inputs found to raise them
either work or get a message of their own.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib import Dataset
from werkzeug.test import Client

import kg.cli
from conftest import CONFORMING
from kg.core.errors import QueryError
from kg.http.app import create_app
from kg.http.context import ServerConfig
from kg.store.base import KgStore
from kg.store.oxigraph import OxigraphStore
from kg.store.rdflib import RdflibStore

#: rdflib evaluates YEAR of a date it could not read as `Literal.year`: AttributeError.
MALFORMED_DATE = 'SELECT (YEAR("2020-13-45"^^xsd:date) AS ?y) WHERE { }'
INTERNALS = ("object has no attribute", "islice", "Traceback", "<function", "Error:")


def test_an_engine_bug_is_an_internal_error_logged_with_its_traceback(
    fixture_dataset: Dataset, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.ERROR, logger="kg.internal"),
        pytest.raises(QueryError) as caught,
    ):
        RdflibStore(fixture_dataset).query(MALFORMED_DATE)
    message = caught.value.message
    assert message.startswith("query failed: internal error (incident ")
    assert not any(text in message for text in INTERNALS), message
    incident = message.rsplit(" ", 1)[1].rstrip(")")
    [record] = [r for r in caplog.records if r.name == "kg.internal"]
    assert incident in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is AttributeError


@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "isolated"])
def test_an_engine_bug_over_http_is_one_line_and_logged(
    isolated: bool, fixture_dataset: Dataset, caplog: pytest.LogCaptureFixture
) -> None:
    config = ServerConfig(isolate_queries=isolated)
    client = Client(create_app(config, dataset=fixture_dataset))
    with caplog.at_level(logging.ERROR, logger="kg.internal"):
        answer = client.get("/sparql", query_string={"query": MALFORMED_DATE})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert body.count("\n") == 1 and "internal error (incident " in body
    assert not any(text in body for text in INTERNALS), body
    if not isolated:  # a query's own process logs to the server's stderr, not to caplog
        assert any(r.exc_info for r in caplog.records if r.name == "kg.internal")


@pytest.mark.parametrize("where", ["rdflib", "oxigraph"])
@pytest.mark.parametrize(
    "slice_",
    ["LIMIT 9223372036854775808", "OFFSET 9223372036854775808", "LIMIT 18446744073709551615"],
)
def test_limit_and_offset_past_pythons_integers(
    where: str, slice_: str, fixture_dataset: Dataset
) -> None:
    # rdflib slices with islice, which takes at most sys.maxsize (2^63 - 1): kg clamps
    # the slice, which no answer can reach, instead of failing in islice's words.
    store: KgStore = RdflibStore(fixture_dataset) if where == "rdflib" else OxigraphStore()
    text = f"SELECT ?n WHERE {{ VALUES ?n {{ 1 2 3 }} }} ORDER BY ?n {slice_}"
    rows = store.query(text).rows
    expected = [] if slice_.startswith("OFFSET") else ["1", "2", "3"]
    assert [str(row["n"]) for row in rows] == expected
    assert sys.maxsize == 2**63 - 1


def test_the_command_lines_catch_all_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise AttributeError("'Literal' object has no attribute 'year'")

    monkeypatch.delenv("KG_DEBUG", raising=False)
    monkeypatch.setattr(kg.cli.cli, "main", broken)
    with pytest.raises(SystemExit) as exited:
        kg.cli.main(["stats"])
    assert exited.value.code == 2
    stderr = capsys.readouterr().err
    assert stderr.count("\n") == 1 and stderr.startswith("kg: error: internal error (incident ")
    assert "Literal" not in stderr


def test_the_command_lines_catch_all_shows_the_traceback_under_kg_debug(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise AttributeError("the bug")

    monkeypatch.setenv("KG_DEBUG", "1")
    monkeypatch.setattr(kg.cli.cli, "main", broken)
    with pytest.raises(AttributeError, match="the bug"):
        kg.cli.main(["stats"])


# The `kg sparql` cases of the command line's messages (tests/expected/cli-messages.yaml)
# on the default engine: /sparql answers them in the same words.
MESSAGES = Path(__file__).parent / "expected" / "cli-messages.yaml"
SPARQL_CASES = [
    case
    for case in yaml.safe_load(MESSAGES.read_text(encoding="utf-8"))["cases"]
    if case["args"][0] == "sparql" and "--store" not in case["args"]
]


@pytest.mark.parametrize("case", SPARQL_CASES, ids=[c["id"] for c in SPARQL_CASES])
def test_a_syntax_error_reads_the_same_at_sparql(case: dict[str, Any]) -> None:
    config = ServerConfig(sources=(CONFORMING,), isolate_queries=False)  # Oxigraph, as kg sparql
    client = Client(create_app(config))
    answer = client.get("/sparql", query_string={"query": case["args"][1]})
    assert answer.status_code == 400
    assert answer.get_data(as_text=True) == case["error"] + "\n"
