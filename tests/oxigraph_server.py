"""A real Oxigraph SPARQL server on loopback, for tests (shared helper).

``OxigraphServer`` runs the ``oxigraph`` binary of the PyPI package ``oxigraph`` (a test
extra): ``oxigraph serve --location DIR --bind 127.0.0.1:PORT``, waits until it answers,
loads data through the Graph Store Protocol (POST to /store: N-Quads and TriG keep their
graphs; N-Triples and Turtle go to the default graph, through ``?default``) and stops
it with SIGTERM. Without
the binary the test is skipped, except under CI, where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

import pytest

from server_wait import stop_process, wait_until_answering


def binary() -> str | None:
    beside_python = Path(sys.executable).with_name("oxigraph")
    if beside_python.is_file():
        return str(beside_python)
    return shutil.which("oxigraph")


def require_binary() -> str:
    found = binary()
    if found is None:
        message = "no oxigraph binary (pip install oxigraph, a test extra)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class OxigraphServer:
    """``with OxigraphServer(tmp_path) as server: server.load(...); server.query_url``."""

    def __init__(self, location: Path, union_default_graph: bool = False) -> None:
        self.location = location
        self.union_default_graph = union_default_graph
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def query_url(self) -> str:
        return f"{self.base}/query"

    def __enter__(self) -> OxigraphServer:
        self.location.mkdir(parents=True, exist_ok=True)
        command = [
            require_binary(),
            "serve",
            "--location",
            str(self.location / "db"),
            "--bind",
            f"127.0.0.1:{self.port}",
        ]
        if self.union_default_graph:
            command.append("--union-default-graph")
        self._log = (self.location / "server.log").open("wb")
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT)
        log = self.location / "server.log"
        wait_until_answering(
            f"{self.query_url}?query=ASK%7B%7D",
            self.process,
            60,
            "oxigraph",
            lambda: log.read_text(encoding="utf-8", errors="replace"),
            self.stop,
        )
        return self

    def load(self, data: bytes, content_type: str) -> None:
        """POST ``data`` to the store: quads keep their graphs, triples go to the default
        graph (a Graph Store POST without ``?default`` would make a new named graph)."""
        quads = content_type in ("application/n-quads", "application/trig")
        url = f"{self.base}/store" if quads else f"{self.base}/store?default"
        request = urllib.request.Request(
            url, data=data, method="POST", headers={"Content-Type": content_type}
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            assert response.status in (200, 201, 204)

    def stop(self) -> None:
        stop_process(self.process)
        self._log.close()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
