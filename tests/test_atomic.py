"""All or nothing (issue 7, item 3): loading several files of which one is bad loads
nothing and names the file and line (library, CLI, ``kg serve``); a ``kg`` process
killed while it writes a file leaves the old file intact, and its temporary file is
removed by the next write; ``kg push`` cut mid-upload leaves each remote graph old or
new, and pushing again completes it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.core.errors import EXIT_ERROR, EXIT_OK, InputError
from kg.core.files import PAUSE_VARIABLE
from kg.io.parse import load
from oxigraph_server import OxigraphServer

GOOD = "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\n"
BAD = "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b .\n"


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    good, bad = tmp_path / "good.ttl", tmp_path / "bad.ttl"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(BAD, encoding="utf-8")
    return good, bad


def test_load_with_a_bad_later_file_loads_nothing(files: tuple[Path, Path]) -> None:
    good, bad = files
    with pytest.raises(InputError) as info:
        load([good, bad])
    assert str(info.value).startswith(f"{bad}:3:")
    result = CliRunner().invoke(cli, ["export", "-f", "nt", str(good), str(bad)])
    assert result.exit_code == EXIT_ERROR
    assert result.output.startswith(f"kg: error: {bad}:3:")
    assert "example.org" not in result.output  # nothing of good.ttl was written


def test_serve_does_not_start_half_loaded(files: tuple[Path, Path]) -> None:
    good, bad = files
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kg",
            "serve",
            "--port",
            "0",
            "--data",
            str(good),
            "--data",
            str(bad),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == EXIT_ERROR
    assert f"{bad}:3:" in done.stderr
    assert "listening" not in done.stderr


def _temps(directory: Path, name: str) -> list[Path]:
    return sorted(directory.glob(f".{name}.*.tmp"))


def test_export_killed_mid_write_leaves_the_old_file(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    good, _ = files
    out = tmp_path / "out.nt"
    out.write_bytes(b"the old file\n")
    environment = {**os.environ, PAUSE_VARIABLE: "60"}
    command = [sys.executable, "-m", "kg", "export", "-f", "nt", "-o", str(out), str(good)]
    process = subprocess.Popen(command, env=environment)
    try:
        deadline = time.monotonic() + 60
        while not any(t.stat().st_size > 0 for t in _temps(tmp_path, out.name)):
            assert process.poll() is None, "kg export ended before it was killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert out.read_bytes() == b"the old file\n"
    # SIGKILL cannot be caught: the half-written temporary file stays...
    (stale,) = _temps(tmp_path, out.name)
    assert stale.name.startswith(f".out.nt.{process.pid}.")
    # ...until the next write to the same file, which removes it.
    done = subprocess.run(command, capture_output=True, timeout=60)
    assert done.returncode == EXIT_OK, done.stderr
    assert out.read_bytes().startswith(b"<http://example.org/a>")
    assert _temps(tmp_path, out.name) == []


# -- kg push cut mid-upload ----------------------------------------------------------------

G1, G2 = "https://example.org/graph/one", "https://example.org/graph/two"


def _trig(version: str) -> str:
    rows = "\n".join(
        f"  <https://example.org/s{i}> <https://example.org/p> '{version}-{i}' ."
        for i in range(2000)
    )
    return f"<{G1}> {{\n{rows}\n}}\n<{G2}> {{\n{rows}\n}}\n"


class CuttingProxy:
    """A TCP proxy to ``port`` that cuts a connection after ``cut_after`` bytes of a
    request whose first line contains ``cut_marker`` (None: never cuts)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cut_marker: bytes | None = None
        self.cut_after = 0
        self.cuts = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listen_port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.port))
        threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()
        sent, cutting = 0, False
        try:
            while data := client.recv(16_384):
                if sent == 0 and self.cut_marker is not None:
                    cutting = self.cut_marker in data.split(b"\r\n", 1)[0]
                if cutting and sent + len(data) > self.cut_after:
                    upstream.sendall(data[: self.cut_after - sent])
                    self.cuts += 1
                    break
                upstream.sendall(data)
                sent += len(data)
        except OSError:
            pass
        for sock in (client, upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(16_384):
                sink.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[OxigraphServer]:
    with OxigraphServer(tmp_path / "oxigraph") as server:
        yield server


def _graph_values(server: OxigraphServer, graph: str) -> set[str]:
    query = f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    url = f"{server.query_url}?query={urllib.parse.quote(query)}"
    request = urllib.request.Request(url, headers={"Accept": "text/csv"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return set(response.read().decode().splitlines()[1:])


@pytest.mark.external
def test_push_cut_mid_upload_leaves_old_or_new_and_a_rerun_completes(
    oxigraph: OxigraphServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kg.sparql import remote

    monkeypatch.setattr(remote, "BACKOFF", 0.05)
    old, new = tmp_path / "old.trig", tmp_path / "new.trig"
    old.write_text(_trig("old"), encoding="utf-8")
    new.write_text(_trig("new"), encoding="utf-8")
    direct = ["push", "--endpoint", oxigraph.query_url]
    assert CliRunner().invoke(cli, [*direct, "--data", str(old)]).exit_code == EXIT_OK
    before = {g: _graph_values(oxigraph, g) for g in (G1, G2)}
    assert all(len(v) == 2000 for v in before.values())

    proxy = CuttingProxy(oxigraph.port)
    try:
        # Every PUT of the second graph is cut 30,000 bytes into the request (its
        # body is about 170 kB): the retries meet the same cut, and kg gives up.
        proxy.cut_marker = urllib.parse.urlencode({"graph": G2}).encode()
        proxy.cut_after = 30_000
        through = f"http://127.0.0.1:{proxy.listen_port}"
        result = CliRunner().invoke(
            cli,
            ["push", "--endpoint", f"{through}/query", "--data", str(new), "--timeout", "10"],
        )
        assert result.exit_code == EXIT_ERROR
        assert result.output.startswith(f"kg: error: {through}/store: graph <{G2}>: ")
        assert len(result.output.splitlines()) == 1
        assert proxy.cuts == remote.RETRIES + 1
        # Each graph is the old one or the new one, never a mix or a part.
        after = {g: _graph_values(oxigraph, g) for g in (G1, G2)}
        expected_new = {v.replace("old-", "new-") for v in before[G1]}
        assert after[G1] == expected_new  # pushed before the cut
        assert after[G2] == before[G2]  # cut: Oxigraph's PUT is a transaction

        # Once the connection holds, the same push completes.
        proxy.cut_marker = None
        result = CliRunner().invoke(
            cli, ["push", "--endpoint", f"{through}/query", "--data", str(new)]
        )
        assert result.exit_code == EXIT_OK, result.output
        assert "every graph matches" in result.output
        assert _graph_values(oxigraph, G2) == expected_new
    finally:
        proxy.close()
