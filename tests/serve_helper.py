"""``kg serve`` as a real subprocess on loopback, for tests (shared helper).

``KgServer(*args)`` runs ``python -m kg serve --host 127.0.0.1 --port 0 *args``, reads
the port it bound from its log ("listening on http://127.0.0.1:PORT/"), waits until
``/health`` answers, and ``stop()`` sends SIGTERM (or SIGINT) and checks that it exits
with status 0. Its standard error (one line per request) is kept in a file: ``log()``.

Fixtures (import them into a test module: ``from serve_helper import kg_server``):

* ``kg_server``: the base URL (``http://127.0.0.1:PORT``, no trailing slash) of one
  server on the shipped data, started once per test session;
* ``kg_server_factory``: ``kg_server_factory(*args, env=None)`` -> base URL of a server
  started with extra CLI arguments (one process per distinct arguments, shared).

Servers started by either are stopped at the end of the session, and a server that
does not exit cleanly fails the test that stops it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

_LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:(\d+))/")
STARTUP_SECONDS = 60.0


class KgServer:
    """One ``kg serve`` process; ``with KgServer(...) as server: server.url``."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.args = tuple(args)
        self.env = env
        self.url = ""
        self.port = 0
        self.startup_seconds = 0.0
        self.process: subprocess.Popen[bytes] | None = None
        self._log_path = Path(tempfile.mkstemp(prefix="kg-serve-", suffix=".log")[1])

    def start(self) -> KgServer:
        environment = dict(os.environ)
        environment.pop("KG_UPDATE_TOKEN", None)
        environment.update(self.env or {})
        command = [sys.executable, "-m", "kg", "serve", "--host", "127.0.0.1", "--port", "0"]
        started = time.monotonic()
        with self._log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [*command, *self.args], stdout=log, stderr=log, env=environment
            )
        deadline = started + STARTUP_SECONDS
        while not self.url:
            if self.process.poll() is not None:
                pytest.fail(f"kg serve exited with {self.process.returncode}: {self.log()[-2000:]}")
            found = _LISTENING.search(self.log())
            if found:
                self.url, self.port = found.group(1), int(found.group(2))
            elif time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"kg serve did not listen within {STARTUP_SECONDS:g} s")
            else:
                time.sleep(0.05)
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.kill()
                pytest.fail("kg serve did not answer /health")
            time.sleep(0.05)
        self.startup_seconds = time.monotonic() - started
        return self

    def log(self) -> str:
        return self._log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Stop with ``sig``; the exit status (0 is a clean stop)."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
                return -9
        return self.process.returncode

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> KgServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        code = self.stop()
        assert code == 0, f"kg serve did not exit cleanly ({code}): {self.log()[-2000:]}"


_SERVERS: dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...]], KgServer] = {}


def shared_server(*args: str, env: dict[str, str] | None = None) -> KgServer:
    """A server with these arguments, started on first use and kept for the session."""
    key = (tuple(args), tuple(sorted((env or {}).items())))
    if key not in _SERVERS or _SERVERS[key].process is None:
        _SERVERS[key] = KgServer(*args, env=env).start()
    return _SERVERS[key]


def stop_shared() -> None:
    """Stop every shared server; AssertionError naming those that did not exit cleanly."""
    failures = []
    while _SERVERS:
        key, server = _SERVERS.popitem()
        code = server.stop()
        if code != 0:
            failures.append(f"{' '.join(key[0])}: exit {code}: {server.log()[-500:]}")
    assert not failures, "kg serve did not exit cleanly: " + "; ".join(failures)


@pytest.fixture(scope="session")
def kg_server_factory() -> Iterator[Callable[..., str]]:
    def start(*args: str, env: dict[str, str] | None = None) -> str:
        return shared_server(*args, env=env).url

    yield start
    stop_shared()


@pytest.fixture(scope="session")
def kg_server(kg_server_factory: Callable[..., str]) -> str:
    """The base URL of ``kg serve`` on the shipped data with the default options."""
    return kg_server_factory()
