"""A real Oxigraph SPARQL server on loopback, for tests (shared helper).

``OxigraphServer`` runs the ``oxigraph`` binary of the PyPI package ``oxigraph`` (a test
extra): ``oxigraph serve --location DIR --bind 127.0.0.1:PORT``, waits until it has bound the
port and answers,
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
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

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


#: ``oxigraph serve`` writes this once it holds its port (after the bind, not before).
LISTENING = "Listening for requests at"
#: What it writes when the port is taken: see ``OxigraphServer.__enter__``.
PORT_TAKEN = "Address already in use"
BIND_ATTEMPTS = 5
STARTUP_SECONDS = 60.0


def free_port() -> int:
    """A port nothing listens on now; by the time a server binds it, another process may
    have taken it (see ``OxigraphServer.__enter__``)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class OxigraphServer:
    """``with OxigraphServer(tmp_path) as server: server.load(...); server.query_url``."""

    def __init__(self, location: Path, union_default_graph: bool = False) -> None:
        self.location = location
        self.union_default_graph = union_default_graph
        self.port = 0
        self.base = ""
        self.process: subprocess.Popen[bytes] | None = None
        self._log_path = location / "server.log"
        self._log: BinaryIO | None = None

    @property
    def query_url(self) -> str:
        return f"{self.base}/query"

    def log(self) -> str:
        return self._log_path.read_text(encoding="utf-8", errors="replace")

    def __enter__(self) -> OxigraphServer:
        # `oxigraph serve` cannot bind port 0 and say which port it got (it prints the
        # address as given), so the port comes from free_port(), and another test's
        # server, in another xdist worker, can take it before this one binds it. The
        # server that loses exits saying so and is started again on another port; the
        # wait for an answer starts only once this server holds its port, so that it
        # cannot be another server on the same port that answers.
        self.location.mkdir(parents=True, exist_ok=True)
        for _ in range(BIND_ATTEMPTS):
            self.port = free_port()
            self.base = f"http://127.0.0.1:{self.port}"
            if self._start():
                break
        else:
            pytest.fail(f"oxigraph found no free port in {BIND_ATTEMPTS} attempts: {self.log()}")
        assert self.process is not None
        wait_until_answering(
            f"{self.query_url}?query=ASK%7B%7D",
            self.process,
            STARTUP_SECONDS,
            "oxigraph",
            self.log,
            self.stop,
        )
        return self

    def _start(self) -> bool:
        """Start the server on ``self.port``: True once it holds the port, False when
        the port was taken; fails the test on any other exit or after a minute."""
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
        self._log = self._log_path.open("wb")
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_SECONDS
        while LISTENING not in self.log():
            if self.process.poll() is not None:
                if PORT_TAKEN in self.log():
                    self._log.close()
                    return False
                pytest.fail(f"oxigraph exited with {self.process.returncode}: {self.log()}")
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"oxigraph did not bind port {self.port} within {STARTUP_SECONDS:g} s")
            time.sleep(0.05)
        return True

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
        if self._log is not None:
            self._log.close()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
