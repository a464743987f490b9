"""Where ``-o`` may write, and what a command reads (issue 13, item 1).

``-o`` onto a symbolic link replaces the file it points at and keeps the link; onto a
character device, a FIFO or a descriptor of the process it writes through, as shell
redirection does; onto a directory it exits 2; it never replaces what is not a regular
file. ``-o`` naming an input is refused before anything is read or written. A folder
holding no RDF file is an error, not an empty dataset that "conforms". The hostile
catalogue (tests/hostile/manifest.yaml, group "outputs and input sets") has the cases a
subprocess under the audit hook can run; these need a reader thread, a device node or
a descriptor. Stops by signals are in tests/test_atomic.py.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import CONFORMING, FIXTURE_CHECKS, FIXTURE_ONTOLOGY, FIXTURE_SHAPES
from kg.cli import cli
from kg.core.errors import EXIT_ERROR, EXIT_OK, InputError, OutputError
from kg.core.files import write_atomic, write_together
from kg.io.parse import load
from kg.io.sources import expand

DATA = '<https://example.org/x> <https://example.org/p> "x" .\n'
SHAPES = ["--shapes", str(FIXTURE_SHAPES), "--checks", str(FIXTURE_CHECKS)]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "data.ttl"
    path.write_text(DATA, encoding="utf-8")
    return path


def kg(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def one_error(output: str) -> str:
    (line,) = output.splitlines()
    assert line.startswith("kg: error: "), line
    return line


def temporary_files(*folders: Path) -> list[Path]:
    return [p for folder in folders for p in folder.glob(".*.tmp")]


# -- symbolic links ------------------------------------------------------------------------


def test_a_symlink_is_followed_and_stays_a_link(tmp_path: Path, data: Path) -> None:
    # The link and its file in different folders: the temporary file goes beside the
    # file, so that the rename stays on its file system.
    (tmp_path / "links").mkdir()
    (tmp_path / "files").mkdir()
    target = tmp_path / "files" / "out.nt"
    target.write_bytes(b"old\n")
    target.chmod(0o640)
    link = tmp_path / "links" / "out.nt"
    link.symlink_to(Path("..") / "files" / "out.nt")
    code, output = kg("export", "-f", "nt", "-o", link, data)
    assert code == EXIT_OK, output
    assert link.is_symlink() and os.readlink(link) == str(Path("..") / "files" / "out.nt")
    assert target.read_text(encoding="utf-8").startswith("<https://example.org/x>")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the file's mode is kept
    assert temporary_files(tmp_path / "links", tmp_path / "files") == []


def test_a_dangling_symlink_creates_the_file_it_names(tmp_path: Path) -> None:
    link = tmp_path / "link.nt"
    link.symlink_to("made.nt")
    write_atomic(link, b"new\n")
    assert link.is_symlink()
    assert (tmp_path / "made.nt").read_bytes() == b"new\n"


def test_a_symlink_loop_is_an_output_error(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to("loop")
    with pytest.raises(OutputError, match="cannot write"):
        write_atomic(loop, b"x")
    assert loop.is_symlink()


# -- streams: FIFOs, devices, descriptors --------------------------------------------------


def test_a_fifo_is_written_through(tmp_path: Path, data: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as reader:
            received.append(reader.read())

    reader = threading.Thread(target=read)
    reader.start()
    code, output = kg("export", "-f", "nt", "-o", fifo, data)
    reader.join(timeout=30)
    assert code == EXIT_OK, output
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert received == [kg("export", "-f", "nt", data)[1].encode("utf-8")]
    assert temporary_files(tmp_path) == []


@pytest.fixture
def own_null(tmp_path: Path) -> Iterator[Path]:
    """A character device of our own, a second /dev/null (root only; not on nodev)."""
    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        os.close(os.open(device, os.O_WRONLY))
    except OSError as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    yield device


def test_a_character_device_is_written_through(own_null: Path, data: Path) -> None:
    before = own_null.lstat()
    for command in (["export", "-f", "nt"], ["stats"], ["validate", *SHAPES]):
        code, output = kg(*command, "-o", own_null, data)
        assert code in (EXIT_OK, 1), output  # validate: the bare data does not conform
        after = own_null.lstat()
        assert stat.S_ISCHR(after.st_mode)
        assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert temporary_files(own_null.parent) == []


def test_dev_null_stays_the_null_device(data: Path) -> None:
    before = os.stat("/dev/null")
    if not stat.S_ISCHR(before.st_mode):
        # Not this kg's doing (it is checked after the export below): an older kg on
        # the same machine replaced it. A device of the test's own is written through
        # in test_a_character_device_is_written_through.
        pytest.skip("/dev/null is not a character device on this machine")
    code, output = kg("export", "-f", "nt", "-o", "/dev/null", data)
    assert code == EXIT_OK, output
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert after.st_ino == before.st_ino


def test_dev_stdout_is_standard_output_wherever_it_goes(tmp_path: Path, data: Path) -> None:
    # Appended to a file: the descriptor is written, not the file behind it replaced.
    log = tmp_path / "log.txt"
    log.write_bytes(b"before\n")
    exported = kg("export", "-f", "nt", data)[1].encode("utf-8")
    for name in ("/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"):
        inode = log.stat().st_ino
        with open(log, "ab") as appending:
            done = subprocess.run(
                [sys.executable, "-m", "kg", "export", "-f", "nt", "-o", name, str(data)],
                stdout=appending,
                stderr=subprocess.PIPE,
                timeout=60,
            )
        assert done.returncode == EXIT_OK, done.stderr
        assert log.stat().st_ino == inode, f"{name}: the file was replaced"
        assert log.read_bytes().endswith(b"\n" + exported), name
    assert log.read_bytes() == b"before\n" + 3 * exported
    assert temporary_files(tmp_path) == []


def test_a_directory_is_refused(tmp_path: Path, data: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    code, output = kg("export", "-o", folder, data)
    assert code == EXIT_ERROR
    assert one_error(output) == f"kg: error: {folder}: cannot write over a directory"
    assert folder.is_dir() and list(folder.iterdir()) == []
    assert temporary_files(tmp_path) == []


def test_a_socket_is_refused_as_the_shell_refuses_it(tmp_path: Path, data: Path) -> None:
    path = tmp_path / "socket"
    listener = socket.socket(socket.AF_UNIX)
    try:
        listener.bind(str(path))
        code, output = kg("export", "-o", path, data)
    finally:
        listener.close()
    assert code == EXIT_ERROR
    assert one_error(output).startswith(f"kg: error: {path}: cannot write: ")
    assert stat.S_ISSOCK(path.lstat().st_mode)


def test_a_set_of_files_refuses_streams(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    first = tmp_path / "first.nt"
    first.write_bytes(b"old\n")
    with pytest.raises(OutputError, match="a file of a set must be a file"):
        write_together([(first, b"new\n"), (fifo, b"new\n")])
    assert first.read_bytes() == b"old\n"
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert temporary_files(tmp_path) == []


def test_a_set_that_fails_midway_leaves_the_old_files(tmp_path: Path) -> None:
    first, second = tmp_path / "a.nt", tmp_path / "b.nt"
    first.write_bytes(b"old a\n")
    second.write_bytes(b"old b\n")
    missing = tmp_path / "gone" / "c.nt"  # its folder does not exist: fails last
    with pytest.raises(OutputError, match="cannot write"):
        write_together([(first, b"new a\n"), (second, b"new b\n"), (missing, b"c\n")])
    assert (first.read_bytes(), second.read_bytes()) == (b"old a\n", b"old b\n")
    assert temporary_files(tmp_path) == []
    write_together([(first, b"new a\n"), (second, b"new b\n")])
    assert (first.read_bytes(), second.read_bytes()) == (b"new a\n", b"new b\n")


# -- -o naming an input ----------------------------------------------------------------------


def refused(output: str, named: Path) -> None:
    line = one_error(output)
    assert line.startswith(f"kg: error: {named}: is also an input of this command"), line


def test_output_over_an_input_is_refused_for_every_command(tmp_path: Path, data: Path) -> None:
    query = tmp_path / "query.rq"
    query.write_text("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }\n", encoding="utf-8")
    link = tmp_path / "link.ttl"
    link.symlink_to(data.name)
    hard = tmp_path / "hard.ttl"
    os.link(data, hard)
    shapes = tmp_path / "shapes.ttl"
    shapes.write_bytes(FIXTURE_SHAPES.read_bytes())
    before = {p: p.read_bytes() for p in (data, query, shapes)}
    cases: list[tuple[list[str | Path], Path]] = [
        (["export", "-o", data, data], data),
        (["export", "-o", link, data], link),  # through a symbolic link
        (["export", "-o", hard, data], hard),  # a hard link: the same file
        (["export", "-o", data, tmp_path], data),  # a file of an input folder
        (["stats", "-o", data, data], data),
        (["validate", "-o", data, data], data),
        (["validate", "--shapes", shapes, "-o", shapes, data], shapes),
        (["query", "run", "bounded-figures", "--data", data, "-o", data], data),
        (["sparql", query, "--data", data, "-o", query], query),
        (["sparql", query, "--data", data, "-o", data], data),
    ]
    for args, named in cases:
        code, output = kg(*args)
        assert code == EXIT_ERROR, (args, output)
        refused(output, named)
        assert {p: p.read_bytes() for p in before} == before, args
        assert link.is_symlink()
    assert temporary_files(tmp_path) == []


def test_output_over_the_shipped_data_is_refused(tmp_path: Path) -> None:
    # No PATH: the shipped data are the inputs. A symbolic link to one of them as -o
    # stands for writing over the checkout, without risking it if kg gets it wrong.
    from kg.core import paths

    shipped = paths.default_sources()[0]
    link = tmp_path / "ontology.ttl"
    link.symlink_to(shipped)
    before = shipped.read_bytes()
    try:
        code, output = kg("export", "-o", link)
        assert code == EXIT_ERROR
        refused(output, link)
        code, output = kg("query", "run", "bounded-figures", "-o", link)
        assert code == EXIT_ERROR
        refused(output, link)
        assert shipped.read_bytes() == before
    finally:
        # Written over anyway (the bug this test is for): the checkout gets its file
        # back, so one failure does not break every later test of the run.
        if shipped.read_bytes() != before:
            shipped.write_bytes(before)


def test_build_refuses_a_release_file_that_is_an_input(tmp_path: Path) -> None:
    # The fixture ontology's version is 9.9.9, so kg-9.9.9.ttl is a release file.
    out = tmp_path / "dist"
    out.mkdir()
    release_input = out / "kg-9.9.9.ttl"
    release_input.write_text(DATA, encoding="utf-8")
    code, output = kg("build", "-d", out, *SHAPES, FIXTURE_ONTOLOGY, CONFORMING, release_input)
    assert code == EXIT_ERROR, output
    assert f"kg: error: {release_input}: is also an input of this command" in output
    assert release_input.read_text(encoding="utf-8") == DATA
    assert sorted(p.name for p in out.iterdir()) == ["kg-9.9.9.ttl"]  # nothing written


def test_a_new_file_in_an_input_folder_is_not_an_input(tmp_path: Path, data: Path) -> None:
    out = tmp_path / "out.nt"
    code, output = kg("export", "-f", "nt", "-o", out, tmp_path)
    assert code == EXIT_OK, output
    assert out.read_text(encoding="utf-8").startswith("<https://example.org/x>")


# -- empty input sets --------------------------------------------------------------------


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def test_a_folder_without_rdf_files_is_an_input_error(tmp_path: Path, empty: Path) -> None:
    hidden = tmp_path / "hidden"
    (hidden / ".git").mkdir(parents=True)
    (hidden / ".git" / "x.ttl").write_text(DATA, encoding="utf-8")
    (hidden / "notes.txt").write_text("not RDF\n", encoding="utf-8")
    for folder in (empty, hidden):
        for call in (expand, load):
            with pytest.raises(InputError) as info:
                call([folder])
            assert str(info.value).startswith(f"{folder}: no RDF file in this folder (known: ")


def test_commands_refuse_an_empty_folder(empty: Path, data: Path) -> None:
    for args in (
        ["validate", empty],
        ["validate", *SHAPES, data, empty],
        ["export", empty],
        ["stats", "--store", "rdflib", empty],
        ["build", "-d", empty / "dist", empty],
        ["query", "run", "bounded-figures", "--data", empty],
        ["sparql", "ASK { ?s ?p ?o }", "--data", empty, "--store", "rdflib"],
        ["push", "--endpoint", "http://127.0.0.1:9/query", "--data", empty],
    ):
        code, output = kg(*args)
        assert code == EXIT_ERROR, (args, output)
        assert one_error(output).startswith(f"kg: error: {empty}: no RDF file in this folder")
    assert not (empty / "dist").exists()


def test_serve_refuses_an_empty_folder_before_listening(empty: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kg", "serve", "--port", "0", "--data", str(empty)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == EXIT_ERROR, done.stderr
    assert "listening" not in done.stderr
    assert one_error(done.stderr).startswith(f"kg: error: {empty}: no RDF file in this folder")
