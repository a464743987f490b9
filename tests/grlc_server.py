"""grlc's own app on loopback, serving a local folder of queries (shared helper).

``GrlcServer(directory, queries, endpoint)`` runs grlc's Flask app (``grlc.server:app``
of the PyPI package ``grlc``, a test extra) under waitress (a dependency of kg), with
its working directory ``directory``: grlc reads ``config.ini`` from there when it is
imported. The file written there names the folder of queries (``[local]
local_sparql_dir``; grlc serves it at ``/api-local/NAME``, no GitHub involved) and the
SPARQL endpoint every query goes to (``[defaults] sparql_endpoint``), so the queries
need no ``#+ endpoint:`` header. waitress binds port 0 and logs the port it got ("Serving
on http://127.0.0.1:PORT"), so that no other test's server can take it first. Without
grlc the test is skipped, except under CI, where that is a failure.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import pytest

from server_wait import stop_process, wait_until_answering

STARTUP_SECONDS = 60.0
_SERVING = re.compile(r"Serving on http://127\.0\.0\.1:(\d+)")


def require_grlc() -> None:
    if importlib.util.find_spec("grlc") is None:
        message = "no grlc (pip install grlc, a test extra)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


class GrlcServer:
    """``with GrlcServer(tmp, queries, endpoint) as grlc: grlc.api_url`` (``/api-local``)."""

    def __init__(self, directory: Path, queries: Path, endpoint: str) -> None:
        self.directory = directory
        self.queries = queries
        self.endpoint = endpoint
        self.port = 0
        self.base = ""
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = directory / "grlc.log"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api-local"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def __enter__(self) -> GrlcServer:
        require_grlc()
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "config.ini").write_text(
            f"[local]\nlocal_sparql_dir = {self.queries}\n"
            f"[defaults]\nsparql_endpoint = {self.endpoint}\n",
            encoding="utf-8",
        )
        command = [
            sys.executable,
            "-m",
            "waitress",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "grlc.server:app",
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=self.directory, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while not (found := _SERVING.search(self.log())):
            if self.process.poll() is not None:
                pytest.fail(f"grlc exited with {self.process.returncode}: {self.log()[-2000:]}")
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"grlc did not listen within {STARTUP_SECONDS:g} s")
            time.sleep(0.05)
        self.port = int(found.group(1))
        self.base = f"http://127.0.0.1:{self.port}"
        wait_until_answering(
            f"{self.base}/", self.process, STARTUP_SECONDS, "grlc", self.log, self.stop
        )
        return self

    def stop(self) -> None:
        stop_process(self.process)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
