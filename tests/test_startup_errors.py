"""Startup and stores (issue 13, item 7): ``kg serve`` on a port in use or an invalid
host, and ``kg stats``, ``kg query run`` and ``kg serve`` on an Oxigraph store folder
that kg built and the test then damaged, each end in one line ``kg: error: …`` with exit
code 2, within seconds and under a memory limit, with a hint to rebuild the store.

Every command runs in a fresh process (``python -m kg``) under ``RLIMIT_AS``: a
traceback, a crash of RocksDB or a runaway query (an aggregate over a garbled table
grew ``kg stats`` past 20 GB before the tables were checked at open) fails the test.
"""

from __future__ import annotations

import random
import resource
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.core.errors import EXIT_ERROR
from kg.store.oxigraph import REBUILD_HINT

MEMORY_LIMIT = 2 * 1024**3
SECONDS = 20


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def kg(*args: str) -> tuple[int, str, str, float]:
    """``kg ARGS`` in a fresh process under the memory limit: exit code, stdout,
    stderr, seconds."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "kg", *args],
        capture_output=True,
        text=True,
        timeout=SECONDS * 3,
        preexec_fn=_limited,
    )
    return done.returncode, done.stdout, done.stderr, time.monotonic() - started


def assert_one_error(code: int, stderr: str, seconds: float, starts: str) -> str:
    assert code == EXIT_ERROR, stderr[-2000:]
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr[-2000:]
    assert lines[0].startswith(f"kg: error: {starts}"), lines[0]
    assert seconds < SECONDS
    return lines[0]


# -- damaged Oxigraph stores --------------------------------------------------------------


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store folder kg built from the shipped data (closed)."""
    folder = tmp_path_factory.mktemp("pristine") / "store"
    code, stdout, stderr, _ = kg("stats", "--store", f"oxigraph:{folder}")
    assert code == 0, stderr
    assert "Total triples" in stdout
    return folder


def _tables(database: Path, largest: int = 8) -> list[Path]:
    return sorted(database.glob("*.sst"), key=lambda f: -f.stat().st_size)[:largest]


def _overwrite(file: Path, offset: int, size: int, keep_time: bool = False) -> None:
    stat = file.stat()
    noise = random.Random(file.name).randbytes(size)
    with file.open("r+b") as stream:
        stream.seek(offset)
        stream.write(noise)
    if keep_time:
        import os

        os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _truncate(file: Path, size: int) -> None:
    with file.open("r+b") as stream:
        stream.truncate(size)


DAMAGES: dict[str, Callable[[Path], None]] = {
    "current-deleted": lambda db: (db / "CURRENT").unlink(),
    "current-garbled": lambda db: (db / "CURRENT").write_bytes(b"\x00garbage\xff\n"),
    "current-emptied": lambda db: _truncate(db / "CURRENT", 0),
    "manifest-deleted": lambda db: [f.unlink() for f in db.glob("MANIFEST-*")] and None,
    "manifest-truncated": lambda db: [_truncate(f, 100) for f in db.glob("MANIFEST-*")] and None,
    "tables-halved": lambda db: [_truncate(f, f.stat().st_size // 2) for f in _tables(db)] and None,
    "tables-emptied": lambda db: [_truncate(f, 0) for f in db.glob("*.sst")] and None,
    # Data blocks, past the first: RocksDB opens the store and fails only on reading them.
    "tables-overwritten": lambda db: [_overwrite(f, 3000, 2000) for f in _tables(db)] and None,
    "tables-overwritten-time-kept": lambda db: (
        [_overwrite(f, 3000, 2000, keep_time=True) for f in _tables(db)] and None
    ),
    "table-header-overwritten": lambda db: (
        [_overwrite(f, 200, 500) for f in _tables(db, 1)] and None
    ),
}


def _damaged(pristine: Path, tmp_path: Path, damage: str) -> Path:
    folder = tmp_path / "store"
    shutil.copytree(pristine, folder)  # copy2: times kept, as a backup restored would
    DAMAGES[damage](folder / "oxigraph")
    return folder


COMMANDS = {
    "stats": ("stats",),
    "query": ("query", "run", "places"),
    "serve": ("serve", "--port", "0"),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_stats_on_a_damaged_store(pristine: Path, tmp_path: Path, damage: str) -> None:
    folder = _damaged(pristine, tmp_path, damage)
    code, _, stderr, seconds = kg("stats", "--store", f"oxigraph:{folder}")
    line = assert_one_error(code, stderr, seconds, f"{folder}: the Oxigraph store is damaged (")
    assert line.endswith(f"); {REBUILD_HINT}")


@pytest.mark.slow
@pytest.mark.parametrize("command", ["query", "serve"])
@pytest.mark.parametrize("damage", list(DAMAGES))
def test_query_and_serve_on_a_damaged_store(
    pristine: Path, tmp_path: Path, damage: str, command: str
) -> None:
    folder = _damaged(pristine, tmp_path, damage)
    code, _, stderr, seconds = kg(*COMMANDS[command], "--store", f"oxigraph:{folder}")
    line = assert_one_error(code, stderr, seconds, f"{folder}: the Oxigraph store is damaged (")
    assert line.endswith(f"); {REBUILD_HINT}")


def test_a_copy_that_did_not_keep_times_still_opens(pristine: Path, tmp_path: Path) -> None:
    folder = tmp_path / "store"
    shutil.copytree(pristine, folder, copy_function=shutil.copyfile)
    code, stdout, stderr, _ = kg("query", "run", "places", "--store", f"oxigraph:{folder}")
    assert code == 0, stderr
    assert "(39 rows)" in stdout


@pytest.mark.parametrize("removed", ["database", "kg-manifest"])
def test_a_store_without_its_database_or_manifest_loads_again(
    pristine: Path, tmp_path: Path, removed: str
) -> None:
    """A manifest beside no database vouched for data that was gone (every answer was
    empty); without its manifest a store loads again, as before."""
    folder = tmp_path / "store"
    shutil.copytree(pristine, folder)
    if removed == "database":
        shutil.rmtree(folder / "oxigraph")
    else:
        (folder / "kg-store.json").unlink()
    code, stdout, stderr, _ = kg("query", "run", "places", "--store", f"oxigraph:{folder}")
    assert code == 0, stderr
    assert "(39 rows)" in stdout


# -- kg serve: the address ----------------------------------------------------------------


@pytest.mark.parametrize("host", ["999.1.1.1", "256.0.0.1", "1.2.3", "not a host", "-bad-", ""])
def test_serve_refuses_an_invalid_host(host: str) -> None:
    result = CliRunner().invoke(cli, ["serve", "--host", host, "--port", "0"])
    assert result.exit_code == EXIT_ERROR
    assert result.output == f"kg: error: --host {host!r}: not an IP address or a host name\n"


def test_serve_refuses_a_host_of_another_machine() -> None:
    result = CliRunner().invoke(cli, ["serve", "--host", "192.0.2.1", "--port", "0"])
    assert result.exit_code == EXIT_ERROR
    assert result.output == (
        "kg: error: cannot listen on 192.0.2.1 port 0: 192.0.2.1 is not an address of "
        "this machine\n"
    )


def test_serve_on_a_port_in_use_ends_before_loading(pristine: Path, tmp_path: Path) -> None:
    """One line, and before the data loads: the damaged store behind it is not reached
    (it would have ended the command with its own error: shown by the line, not by a
    bound on the time, which measured the machine's load as much as the order)."""
    folder = _damaged(pristine, tmp_path, "current-deleted")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, stderr, seconds = kg("serve", "--port", str(port), "--store", f"oxigraph:{folder}")
    assert_one_error(
        code,
        stderr,
        seconds,
        f"cannot listen on 127.0.0.1 port {port}: the port is in use (another server? "
        "choose another with --port, or --port 0 for any free one)",
    )
