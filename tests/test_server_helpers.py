"""The helpers that start real servers for the tests hold up when test files run in
parallel (pytest-xdist): a port taken between finding it free and binding it (a real
socket holds it: it accepts connections but never answers)."""

from __future__ import annotations

import itertools
import socket
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import oxigraph_server
import virtuoso_server
from oxigraph_server import OxigraphServer
from virtuoso_server import VirtuosoServer


@contextmanager
def offering(module: object, monkeypatch: pytest.MonkeyPatch, taken_at: set[int]) -> Iterator[int]:
    """Make ``module.free_port()`` offer a port a real socket holds at the calls
    numbered ``taken_at`` (from 0), and free ports otherwise; yields the held port."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        taken_port = taken.getsockname()[1]
        real_free_port = module.free_port  # type: ignore[attr-defined]
        calls = itertools.count()
        monkeypatch.setattr(
            module,
            "free_port",
            lambda: taken_port if next(calls) in taken_at else real_free_port(),
        )
        yield taken_port


@pytest.mark.external
def test_oxigraph_starts_on_another_port_when_its_port_is_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another worker's server holds the port free_port() gave first: a real socket
    # listening on it, which accepts connections but never answers HTTP.
    with (
        offering(oxigraph_server, monkeypatch, {0}) as taken_port,
        OxigraphServer(tmp_path / "oxigraph") as server,
    ):
        assert server.port != taken_port
        with urllib.request.urlopen(f"{server.query_url}?query=ASK%7B%7D") as response:
            assert response.status == 200
        assert oxigraph_server.LISTENING in server.log()
        assert server.base == f"http://127.0.0.1:{server.port}"


@pytest.mark.slow
@pytest.mark.external
def test_virtuoso_starts_on_other_ports_when_its_ports_are_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # free_port() is asked for the SQL port, then the HTTP port: the held port is offered
    # as the SQL port of the first start and as the HTTP port of the second.
    with offering(virtuoso_server, monkeypatch, {0, 3}) as taken_port:
        server = VirtuosoServer(tmp_path / "virtuoso")
        assert server.sql_port == taken_port
        with server:
            assert server.attempts == 3
            assert taken_port not in (server.sql_port, server.http_port)
            with urllib.request.urlopen(f"{server.sparql_url}?query=ASK%7B%7D") as response:
                assert response.status == 200
            assert virtuoso_server.LISTENING in server.log()
            assert server.base == f"http://127.0.0.1:{server.http_port}"
