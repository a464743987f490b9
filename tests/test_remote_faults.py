"""Remote servers misbehaving (issue 7, item 5): ``kg query run --endpoint``, ``kg sparql
--endpoint`` and ``kg push`` against a programmable endpoint on real sockets
(tests/fake_endpoint.py).

What is shown: 429/500/502/503/504 and connections cut mid-answer are retried (at most
``RETRIES`` times, with backoff, or after the server's ``Retry-After`` in seconds or as
an HTTP-date) and then succeed; a server that keeps failing ends in one line and exit 2
saying how many attempts were made; a ``Retry-After`` past the budget ends at once;
partial answers (206, S1TAT), invalid JSON and 4xx are not retried and never pass for
an answer; a server that never answers ends within ``--timeout`` plus a little, which
is the budget of the whole request, retries included.
"""

from __future__ import annotations

import email.utils
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Literal, URIRef

import kg.store
from fake_endpoint import FakeEndpoint, Step
from kg.cli import cli
from kg.core.errors import EXIT_ERROR, EXIT_OK
from kg.publish.push import PushError, push
from kg.sparql import remote
from kg.sparql.remote import EndpointError, retry_after
from timing import within

ASK = "ASK { }"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEndpoint]:
    # Short backoff so that four attempts take a fraction of a second; the waits that
    # Retry-After asks for are real.
    monkeypatch.setattr(remote, "BACKOFF", 0.05)
    with FakeEndpoint() as server:
        yield server


def _ask(fake: FakeEndpoint, timeout: float = 10) -> bool | None:
    return kg.store.run_text(ASK, endpoint=fake.url, timeout=timeout).boolean


def test_retry_after_seconds_and_http_date() -> None:
    now = time.time()
    assert retry_after("3") == 3.0
    assert retry_after(None) is None and retry_after("soon") is None
    date = email.utils.formatdate(now + 5, usegmt=True)
    assert 3.9 <= (retry_after(date, now) or 0) <= 5.0
    past = email.utils.formatdate(now - 60, usegmt=True)
    assert retry_after(past, now) == 0.0


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_transient_statuses_are_retried_then_answered(fake: FakeEndpoint, status: int) -> None:
    fake.script(Step(status, body=b"busy"), Step(status), "ok")
    assert _ask(fake) is True
    assert len(fake.requests) == 3
    # Exponential backoff: the second wait is longer than the first.
    times = [t for _, t in fake.requests]
    assert times[2] - times[1] > times[1] - times[0] >= 0.05


@pytest.mark.parametrize("fault", ["truncated", "reset"])
def test_a_cut_answer_is_retried(fake: FakeEndpoint, fault: str) -> None:
    fake.script(fault, "ok")
    assert _ask(fake) is True
    assert len(fake.requests) == 2


def test_retry_after_in_seconds_is_honoured(fake: FakeEndpoint) -> None:
    fake.script(Step(429, {"Retry-After": "1"}), "ok")
    assert _ask(fake) is True
    (_, first), (_, second) = fake.requests
    assert 1.0 <= second - first < within(1.0)


def test_retry_after_as_http_date_is_honoured(fake: FakeEndpoint) -> None:
    when = email.utils.formatdate(time.time() + 2, usegmt=True)  # whole seconds
    fake.script(Step(503, {"Retry-After": when}), "ok")
    assert _ask(fake) is True
    (_, first), (_, second) = fake.requests
    assert 1.0 <= second - first < within(2.0)


def test_retry_after_past_the_budget_ends_at_once(fake: FakeEndpoint) -> None:
    fake.script(Step(429, {"Retry-After": "120"}, b"slow down"))
    # A budget of a minute: a client that waited it out, or part of it, would show it by
    # far more than a loaded machine adds to one request on loopback.
    started = time.monotonic()
    with pytest.raises(EndpointError) as info:
        _ask(fake, timeout=60)
    assert time.monotonic() - started < within(0)  # gave up at once
    assert str(info.value) == (
        f"{fake.url}: HTTP 429 Too Many Requests: slow down (1 attempt; the server asks "
        "to wait 120 s would pass the 60 s timeout)"
    )
    assert len(fake.requests) == 1


def test_a_server_that_keeps_failing_gives_up_after_the_retries(fake: FakeEndpoint) -> None:
    fake.script(Step(503, body=b"overloaded"))
    result = CliRunner().invoke(cli, ["sparql", ASK, "--endpoint", fake.url])
    assert result.exit_code == EXIT_ERROR
    assert result.output == (
        f"kg: error: {fake.url}: HTTP 503 Service Unavailable: overloaded "
        f"(gave up after {remote.RETRIES + 1} attempts)\n"
    )
    assert len(fake.requests) == remote.RETRIES + 1


@pytest.mark.parametrize(
    ("step", "cause"),
    [
        ("partial-206", "partial result (HTTP 206 Partial Content), refused"),
        ("partial-s1tat", "partial result (X-SQL-State S1TAT: RC...: Returning incomplete"),
        ("invalid-json", "malformed or truncated SPARQL JSON results"),
        (Step(400, body=b"syntax error"), "HTTP 400 Bad Request"),
        (Step(404), "HTTP 404 Not Found"),
    ],
    ids=["206", "s1tat", "invalid-json", "400", "404"],
)
def test_not_retried_and_never_an_answer(fake: FakeEndpoint, step: Step | str, cause: str) -> None:
    fake.script(step)
    result = CliRunner().invoke(
        cli, ["query", "run", "party-members-count", "--endpoint", fake.url]
    )
    assert result.exit_code == EXIT_ERROR
    assert result.output.startswith(f"kg: error: {fake.url}: ")
    assert cause in result.output
    assert len(result.output.splitlines()) == 1
    assert len(fake.requests) == 1


def test_a_server_that_never_answers_ends_within_the_timeout(fake: FakeEndpoint) -> None:
    fake.script("hang")
    started = time.monotonic()
    with pytest.raises(EndpointError, match=r"no answer within 1\.5 s \(timeout\)$"):
        _ask(fake, timeout=1.5)
    assert 1.5 <= time.monotonic() - started < within(1.5)


def test_the_timeout_includes_the_retries(fake: FakeEndpoint) -> None:
    # One wait of 1 s, then a server that never answers: the second attempt gets only
    # what is left of the 2 s.
    fake.script(Step(503, {"Retry-After": "1"}), "hang")
    started = time.monotonic()
    with pytest.raises(EndpointError, match=r"no answer within 2 s \(timeout\)$"):
        _ask(fake, timeout=2)
    assert 2 <= time.monotonic() - started < within(2)
    assert len(fake.requests) == 2


def test_console_never_answering_exit_2_within_timeout(fake: FakeEndpoint) -> None:
    fake.script("hang")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "kg", "sparql", ASK, "--endpoint", fake.url, "--timeout", "2"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    elapsed = time.monotonic() - started
    assert done.returncode == EXIT_ERROR
    assert done.stderr == f"kg: error: {fake.url}: no answer within 2 s (timeout)\n"
    assert elapsed < within(2) + 2  # interpreter start-up and imports included


# -- kg push ------------------------------------------------------------------------------

G = "https://example.org/graph/"
PUSH = ("push", "--endpoint")


def _dataset(graphs: int = 2) -> Dataset:
    data = Dataset(default_union=False)
    for i in range(graphs):
        graph = data.graph(URIRef(f"{G}{i}"))
        for j in range(3):
            graph.add((URIRef(f"{G}s{j}"), URIRef(f"{G}p"), Literal(f"v{i}-{j}")))
    return data


def test_push_retries_a_put_then_counts_match(fake: FakeEndpoint) -> None:
    fake.script(Step(503, {"Retry-After": "0"}), "reset", "ok")
    report = push(_dataset(), fake.url, graph_store=fake.store_url, timeout=10)
    assert report.ok and report.sent == report.found == 6
    methods = [m for m, _ in fake.requests]
    # the first graph took three PUTs; then one PUT for the second, two counts
    assert methods == ["PUT", "PUT", "PUT", "PUT", "POST", "POST"]


def test_push_gives_up_after_the_retries(fake: FakeEndpoint) -> None:
    fake.script(Step(502, body=b"bad gateway"))
    with pytest.raises(PushError) as info:
        push(_dataset(), fake.url, graph_store=fake.store_url, timeout=10)
    assert str(info.value) == (
        f"{fake.store_url}: graph <{G}0>: HTTP 502 Bad Gateway: bad gateway "
        f"(gave up after {remote.RETRIES + 1} attempts)"
    )


def test_push_to_a_server_that_never_answers_ends_within_the_timeout(
    fake: FakeEndpoint, tmp_path: Path
) -> None:
    data = _dataset(1)
    source = tmp_path / "g.trig"
    source.write_text(data.serialize(format="trig"), encoding="utf-8")
    fake.script("hang")
    started = time.monotonic()
    result = CliRunner().invoke(
        cli,
        [
            *PUSH,
            fake.url,
            "--graph-store",
            fake.store_url,
            "--timeout",
            "1.5",
            "--data",
            str(source),
        ],
    )
    assert time.monotonic() - started < within(1.5)
    assert result.exit_code == EXIT_ERROR
    assert result.output == (
        f"kg: error: {fake.store_url}: graph <{G}0>: no answer within 1.5 s (timeout)\n"
    )


def test_push_cli_completes_after_transient_failures(fake: FakeEndpoint, tmp_path: Path) -> None:
    source = tmp_path / "g.trig"
    source.write_text(_dataset().serialize(format="trig"), encoding="utf-8")
    fake.script("truncated", Step(429, {"Retry-After": "0"}), "ok")
    result = CliRunner().invoke(
        cli,
        [*PUSH, fake.url, "--graph-store", fake.store_url, "--data", str(source)],
    )
    assert result.exit_code == EXIT_OK, result.output
    assert "every graph matches" in result.output
