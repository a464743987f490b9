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
import stat
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

from conftest import CONFORMING, FIXTURE_CHECKS, FIXTURE_ONTOLOGY, FIXTURE_SHAPES
from kg.cli import cli
from kg.core.errors import EXIT_ERROR, EXIT_OK, InputError
from kg.core.files import PAUSE_VARIABLE
from kg.io.parse import load
from oxigraph_server import OxigraphServer
from timing import within

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


# -- stopped by a signal (issue 13, item 1) -------------------------------------------------

STOPS = [signal.SIGTERM, signal.SIGINT, signal.SIGHUP]
FIXTURE_BUILD = [
    "--shapes",
    str(FIXTURE_SHAPES),
    "--checks",
    str(FIXTURE_CHECKS),
    str(FIXTURE_ONTOLOGY),
    str(CONFORMING),
]
RELEASE_EXTENSIONS = ("ttl", "jsonld", "nt", "nq", "trig", "rdf")


def _default_signals() -> None:
    # The test runner may itself run with SIGINT or SIGHUP ignored (a background job,
    # nohup), which a child inherits and kg rightly keeps: start from the defaults.
    for stop in STOPS:
        signal.signal(stop, signal.SIG_DFL)


def _kg(args: list[str], **options: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "kg", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=options.pop("preexec_fn", _default_signals),
        **options,  # type: ignore[call-overload]
    )


def _wait_for_temporary(process: subprocess.Popen[bytes], folder: Path) -> None:
    """Until a temporary file of kg's writer in ``folder`` holds its first half."""
    deadline = time.monotonic() + 60
    while not any(t.stat().st_size > 0 for t in folder.glob(".*.tmp") if t.is_file()):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no temporary file appeared"
        time.sleep(0.02)


def _caught(pid: int) -> set[int]:
    """The signals process ``pid`` has a handler for (Linux: /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            mask = int(line.split()[1], 16)
            return {n for n in range(1, 65) if mask & (1 << (n - 1))}
    return set()


def _wait_for_handlers(process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while not set(STOPS) <= _caught(process.pid):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "kg did not install its handlers"
        time.sleep(0.02)


def _stopped(process: subprocess.Popen[bytes], stop: int, seconds: float = 30) -> bytes:
    """Send ``stop``; check the exit code (128 + N) and the one line; stdout."""
    process.send_signal(stop)
    out, err = process.communicate(timeout=seconds)
    name = signal.Signals(stop).name
    assert process.returncode == 128 + stop, (process.returncode, err)
    assert err.decode() == f"kg: stopped by {name}\n"
    return out


@pytest.mark.parametrize("stop", STOPS, ids=lambda s: signal.Signals(s).name)
def test_export_stopped_mid_write_leaves_the_old_file_and_no_temporary(
    stop: int, files: tuple[Path, Path], tmp_path: Path
) -> None:
    good, _ = files
    out = tmp_path / "out.nt"
    out.write_bytes(b"the old file\n")
    env = {**os.environ, PAUSE_VARIABLE: "60"}
    process = _kg(["export", "-f", "nt", "-o", str(out), str(good)], env=env)
    _wait_for_temporary(process, tmp_path)
    _stopped(process, stop)
    assert out.read_bytes() == b"the old file\n"
    assert _temps(tmp_path, out.name) == []


@pytest.mark.parametrize(
    "args",
    [
        ["stats", "--format", "json", "-o", "{out}", str(CONFORMING)],
        ["validate", *FIXTURE_BUILD[:4], "-o", "{out}", *FIXTURE_BUILD[4:]],
        ["query", "run", "bounded-figures", "--data", str(CONFORMING), "-o", "{out}"],
        ["sparql", "ASK { ?s ?p ?o }", "--data", str(CONFORMING), "-o", "{out}"],
    ],
    ids=["stats", "validate", "query run", "sparql"],
)
def test_every_output_stopped_mid_write_leaves_the_old_file(
    args: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "out.txt"
    out.write_bytes(b"the old file\n")
    env = {**os.environ, PAUSE_VARIABLE: "60"}
    process = _kg([a.replace("{out}", str(out)) for a in args], env=env)
    _wait_for_temporary(process, tmp_path)
    _stopped(process, signal.SIGTERM)
    assert out.read_bytes() == b"the old file\n"
    assert _temps(tmp_path, out.name) == []


@pytest.mark.parametrize("stop", STOPS, ids=lambda s: signal.Signals(s).name)
def test_build_stopped_mid_write_leaves_the_old_release(stop: int, tmp_path: Path) -> None:
    # The fixture ontology's version is 9.9.9: the previous release of the same version.
    dist = tmp_path / "dist"
    dist.mkdir()
    old = {dist / f"kg-9.9.9.{ext}": f"the old {ext}\n".encode() for ext in RELEASE_EXTENSIONS}
    for path, data in old.items():
        path.write_bytes(data)
    env = {**os.environ, PAUSE_VARIABLE: "60"}
    process = _kg(["build", "-d", str(dist), *FIXTURE_BUILD], env=env)
    _wait_for_temporary(process, dist)
    out = _stopped(process, stop)
    assert b"wrote" not in out
    assert {p: p.read_bytes() for p in dist.iterdir()} == old  # no temporary file either


def test_build_after_a_stop_writes_the_new_release(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    process = _kg(
        ["build", "-d", str(dist), *FIXTURE_BUILD], env={**os.environ, PAUSE_VARIABLE: "60"}
    )
    _wait_for_temporary(process, dist)
    _stopped(process, signal.SIGTERM)
    assert list(dist.iterdir()) == []
    done = subprocess.run(
        [sys.executable, "-m", "kg", "build", "-d", str(dist), *FIXTURE_BUILD],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == EXIT_OK, done.stderr
    assert sorted(p.name for p in dist.iterdir()) == sorted(
        f"kg-9.9.9.{ext}" for ext in RELEASE_EXTENSIONS
    )


@pytest.mark.parametrize("stop", STOPS, ids=lambda s: signal.Signals(s).name)
def test_a_command_waiting_for_input_stops_with_its_code(stop: int) -> None:
    # kg sparql - reads the query from standard input, which never comes.
    process = _kg(["sparql", "-"], stdin=subprocess.PIPE)
    try:
        _wait_for_handlers(process)
        assert _stopped(process, stop) == b""
    finally:
        if process.poll() is None:
            process.kill()


def test_output_to_a_fifo_nobody_reads_stops(tmp_path: Path, files: tuple[Path, Path]) -> None:
    good, _ = files
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    process = _kg(["export", "-o", str(fifo), str(good)])
    _wait_for_handlers(process)
    time.sleep(0.5)  # opening the FIFO blocks until a reader comes
    _stopped(process, signal.SIGTERM)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.ttl", "good.ttl", "pipe"]


@pytest.mark.slow
def test_a_stop_inside_a_native_call_ends_the_process_after_the_grace(tmp_path: Path) -> None:
    # A query Oxigraph works on for minutes, inside one call that Python code cannot
    # interrupt: the watchdog ends the process GRACE_SECONDS after the signal.
    from kg.core.signals import GRACE_SECONDS

    cross = "{ GRAPH ?g { ?a ?b ?c } GRAPH ?h { ?d ?e ?f } GRAPH ?i { ?x ?y ?z } }"
    process = _kg(["sparql", "--store", "memory", f"SELECT (COUNT(*) AS ?n) WHERE {cross}"])
    try:
        _wait_for_handlers(process)
        time.sleep(2)  # the shipped data loaded, the query under way
        started = time.monotonic()
        _stopped(process, signal.SIGTERM, seconds=GRACE_SECONDS + 20)
        assert time.monotonic() - started < within(GRACE_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()


def test_a_signal_ignored_at_start_stays_ignored(tmp_path: Path, files: tuple[Path, Path]) -> None:
    # nohup kg export ...: a hangup must not stop it.
    good, _ = files
    out = tmp_path / "out.nt"

    def ignore_hangups() -> None:
        _default_signals()
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    env = {**os.environ, PAUSE_VARIABLE: "1"}
    process = _kg(
        ["export", "-f", "nt", "-o", str(out), str(good)], env=env, preexec_fn=ignore_hangups
    )
    _wait_for_temporary(process, tmp_path)
    process.send_signal(signal.SIGHUP)
    _, err = process.communicate(timeout=60)
    assert process.returncode == EXIT_OK, err
    assert out.read_bytes().startswith(b"<http://example.org/a>")


HELD_SCRIPT = """
import os, signal, sys
from kg.core import signals
from kg.core.errors import Interrupted
from kg.core.files import write_together
from pathlib import Path

signals.install()
folder = Path(sys.argv[1])
replace = os.replace
def replace_then_stop(source, target):
    replace(source, target)
    os.kill(os.getpid(), signal.SIGTERM)  # between the renames of the set
os.replace = replace_then_stop
try:
    write_together([(folder / name, b"new\\n") for name in ("a", "b", "c")])
except Interrupted as stop:
    print(stop.exit_code, sorted(p.read_bytes().decode().strip() for p in folder.iterdir()))
"""


def test_a_stop_between_the_renames_of_a_set_comes_after_the_last(tmp_path: Path) -> None:
    # In its own process: the handlers and the watchdog are the process's for good.
    for name in ("a", "b", "c"):
        (tmp_path / name).write_bytes(b"old\n")
    done = subprocess.run(
        [sys.executable, "-c", HELD_SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_default_signals,
    )
    assert done.stdout == "143 ['new', 'new', 'new']\n", done.stderr


FORK_SCRIPT = """
import os, signal, threading
from kg.core import signals

signals.install()

def fork() -> None:
    pid = os.fork()
    if pid == 0:
        handlers = [signal.getsignal(s) is signal.SIG_DFL for s in signals.STOP_SIGNALS]
        os._exit(0 if all(handlers) and signal.set_wakeup_fd(-1) == -1 else 1)
    print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))

for where in (fork, lambda: threading.Thread(target=fork).start()):
    where()
"""


def test_a_forked_child_dies_of_stop_signals_as_any_process(tmp_path: Path) -> None:
    # A worker process forked by kg (from the main thread or another) must not keep
    # handlers that wait for Python: its parent stops it with these signals.
    done = subprocess.run(
        [sys.executable, "-c", FORK_SCRIPT],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_default_signals,
    )
    assert done.stdout.split() == ["0", "0"], done.stderr
