"""A real Virtuoso server on loopback, for tests (shared helper, like oxigraph_server).

``VirtuosoServer`` runs ``virtuoso-t`` of the Debian package ``virtuoso-opensource``
(installed by ``.ci/run``) in a temporary directory:

* Debian's ``/etc/virtuoso-opensource-7/virtuoso.ini`` is copied with every file path
  pointed into the directory, the SQL ``ServerPort`` and the HTTP ``ServerPort`` on free
  loopback ports, the directory added to ``DirsAllowed``, the ``[Plugins]`` section
  dropped (the hosting plugins are not needed and not always installed), and
  ``ResultSetMaxRows`` raised from Debian's 10000 so that a whole-graph query is not cut
  (the client still detects a cut result: see ``kg.sparql.remote``);
* ``virtuoso-t +configfile DIR/virtuoso.ini +foreground`` starts it on a fresh database
  (user ``dba``, password ``dba``); once its log says it holds both ports, the fixture
  waits until ``/sparql`` answers. A port found free can be taken by another worker's
  server before Virtuoso binds it: Virtuoso then exits saying so, and starts again, on a
  fresh database, on other ports;
* the Graph Store endpoint with digest authentication, ``/sparql-graph-crud-auth``,
  accepts PUT and DELETE from ``dba`` as it is (measured: no GRANT is needed; another
  user would need the ``SPARQL_UPDATE`` role);
* ``stop()`` asks for ``shutdown;`` through ``isql-vt`` and kills the process if it is
  still there after 20 s.

Without the binaries the test is skipped, except under CI (``CI`` set), where that is a
failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType

import pytest

from oxigraph_server import free_port
from server_wait import wait_until_answering

DEBIAN_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
#: Written to virtuoso.log once both ports are held (the HTTP one is bound first).
LISTENING = "Server online at"
#: What it writes when the SQL or the HTTP port is taken.
PORT_TAKEN = ("Failed to start listening at SQL port", "Failed HTTP listen at")
BIND_ATTEMPTS = 5
STARTUP_SECONDS = 120.0
USER = "dba"
PASSWORD = "dba"
#: Rows a SELECT may return before Virtuoso cuts it (Debian ships 10000).
MAX_ROWS = 20_000

# [section] key -> value, set in the copied ini; "{dir}", "{sql}", "{http}" filled in.
_SETTINGS: dict[str, dict[str, str]] = {
    "Database": {
        "DatabaseFile": "{dir}/virtuoso.db",
        "ErrorLogFile": "{dir}/virtuoso.log",
        "LockFile": "{dir}/virtuoso.lck",
        "TransactionFile": "{dir}/virtuoso.trx",
        "xa_persistent_file": "{dir}/virtuoso.pxa",
    },
    "TempDatabase": {
        "DatabaseFile": "{dir}/virtuoso-temp.db",
        "TransactionFile": "{dir}/virtuoso-temp.trx",
    },
    "Parameters": {
        "ServerPort": "127.0.0.1:{sql}",
        "DirsAllowed": "., {dir}, /usr/share/virtuoso-opensource-7/vad",
        "CheckpointInterval": "0",
        "NumberOfBuffers": "20000",
        "MaxDirtyBuffers": "15000",
    },
    "HTTPServer": {
        "ServerPort": "127.0.0.1:{http}",
        "ServerRoot": "{dir}/vsp",
    },
    "URIQA": {"DefaultHost": "127.0.0.1:{http}"},
    "SPARQL": {"ResultSetMaxRows": "{max_rows}"},
}
_DROPPED_SECTIONS = {"Plugins", "Striping"}


def binaries() -> tuple[str, str] | None:
    server, client = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if server is None or client is None or not DEBIAN_INI.is_file():
        return None
    return server, client


def require_binaries() -> tuple[str, str]:
    found = binaries()
    if found is None:
        message = (
            "no Virtuoso (virtuoso-t, isql-vt and /etc/virtuoso-opensource-7/virtuoso.ini; "
            "apt-get install virtuoso-opensource)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def configure(
    template: str, directory: Path, sql_port: int, http_port: int, max_rows: int = MAX_ROWS
) -> str:
    """Debian's ini text with the settings of ``_SETTINGS`` and without ``[Plugins]``."""
    values = {
        "dir": str(directory),
        "sql": str(sql_port),
        "http": str(http_port),
        "max_rows": str(max_rows),
    }
    out: list[str] = []
    section = ""
    pending: dict[str, str] = {}

    def flush() -> None:
        for key, value in pending.items():
            out.append(f"{key} = {value}")
        pending.clear()

    for line in template.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            flush()
            section = stripped[1:-1]
            pending.update({k: v.format(**values) for k, v in _SETTINGS.get(section, {}).items()})
            if section not in _DROPPED_SECTIONS:
                out.append(line)
            continue
        if section in _DROPPED_SECTIONS:
            continue
        key = stripped.split("=", 1)[0].strip() if "=" in stripped else None
        wanted = _SETTINGS.get(section, {})
        if key is not None and not stripped.startswith(";") and key in wanted:
            if key in pending:
                out.append(f"{key} = {pending.pop(key)}")
            continue  # a second occurrence of a key already set
        out.append(line)
    flush()
    return "\n".join(out) + "\n"


class VirtuosoServer:
    """``with VirtuosoServer(tmp_path) as server: server.sparql_url; server.graph_store_url``."""

    def __init__(self, location: Path, max_rows: int = MAX_ROWS) -> None:
        self.location = location
        self.max_rows = max_rows
        self.sql_port = free_port()
        self.http_port = free_port()
        self.base = f"http://127.0.0.1:{self.http_port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.isql = ""
        self.startup_seconds = 0.0
        #: How many times it was started before it held both its ports.
        self.attempts = 0

    @property
    def sparql_url(self) -> str:
        return f"{self.base}/sparql"

    @property
    def graph_store_url(self) -> str:
        """The Graph Store endpoint that takes digest authentication (PUT, DELETE)."""
        return f"{self.base}/sparql-graph-crud-auth"

    def log(self) -> str:
        log = self.location / "virtuoso.log"
        return log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""

    def __enter__(self) -> VirtuosoServer:
        # The wait for an answer starts only once the log says this server holds its
        # ports, so that it cannot be another server on the same port that answers.
        server, self.isql = require_binaries()
        self.location.mkdir(parents=True, exist_ok=True)
        (self.location / "vsp").mkdir(exist_ok=True)
        started = time.monotonic()
        try:
            while not self._start(server, started):
                if self.attempts == BIND_ATTEMPTS:
                    pytest.fail(f"virtuoso-t found no free ports in {BIND_ATTEMPTS} attempts")
                self.sql_port, self.http_port = free_port(), free_port()
                self.base = f"http://127.0.0.1:{self.http_port}"
            self._wait(started)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def _start(self, server: str, started: float) -> bool:
        """Start Virtuoso on a fresh database and ``self``'s ports: True once it holds
        them, False when one was taken; fails the test on any other exit or after
        ``STARTUP_SECONDS`` from ``started``."""
        self.attempts += 1
        for old in self.location.glob("virtuoso*"):
            old.unlink()
        ini = self.location / "virtuoso.ini"
        ini.write_text(
            configure(
                DEBIAN_INI.read_text(encoding="utf-8", errors="replace"),
                self.location,
                self.sql_port,
                self.http_port,
                self.max_rows,
            ),
            encoding="utf-8",
        )
        if hasattr(self, "_log"):
            self._log.close()
        self._log = (self.location / "server.out").open("wb")
        self.process = subprocess.Popen(
            [server, "+configfile", str(ini), "+foreground"],
            cwd=self.location,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        while LISTENING not in self.log():
            if self.process.poll() is not None:
                if any(taken in self.log() for taken in PORT_TAKEN):
                    return False
                pytest.fail(f"virtuoso-t exited with {self.process.returncode}: {self.log()}")
            if time.monotonic() > started + STARTUP_SECONDS:
                pytest.fail(
                    f"virtuoso-t did not bind ports {self.sql_port} and {self.http_port} "
                    f"within {STARTUP_SECONDS:g} s"
                )
            time.sleep(0.1)
        return True

    def _wait(self, started: float) -> None:
        assert self.process is not None
        wait_until_answering(
            f"{self.sparql_url}?query=ASK%7B%7D",
            self.process,
            max(1.0, started + STARTUP_SECONDS - time.monotonic()),
            "virtuoso-t",
            self.log,
        )

    def stop(self) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            try:
                subprocess.run(
                    [self.isql, f"127.0.0.1:{self.sql_port}", USER, PASSWORD, "exec=shutdown;"],
                    capture_output=True,
                    timeout=20,
                )
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.wait()
        if hasattr(self, "_log"):
            self._log.close()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
