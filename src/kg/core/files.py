"""Files kg writes: whole or absent.

``write_atomic`` is the one way kg writes a file (exports, generated files, store
manifests), and ``write_together`` several that go together (a release, the files of one
``kg generate``); ``refuse_overwriting`` keeps a command from writing over its inputs.
``Output`` and ``stale``/``write`` are the generated files of ``kg generate`` and
``kg link``, compared byte for byte with what is checked in.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kg.core import signals
from kg.core.errors import OutputError

#: Seconds ``write_atomic`` pauses halfway through a file, for tests only: a test sets
#: it to kill the process mid-write (``tests/test_atomic.py``). Never set it otherwise.
PAUSE_VARIABLE = "KG_TEST_WRITE_PAUSE"


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never
    a part; on failure or a stop (``Interrupted``) neither the file nor the temporary
    file is left behind.

    The data goes to ``.NAME.PID.RANDOM.tmp`` in the target's folder, is flushed to disk
    (fsync), then renamed over the target, and the folder is fsynced. A process killed
    outright (SIGKILL, power loss) cannot remove its temporary file: the next write to
    the same target removes those whose process (PID) is gone.

    What is there decides how, so that nothing but a regular file is ever replaced: a
    symbolic link is followed (the file it points at is replaced, the link stays); a
    character device, FIFO or socket is written through, as shell redirection does
    (``/dev/null``, ``/dev/stdout``, a named pipe); anything else (a directory, a block
    device) is an OutputError. A name of one of this process's descriptors
    (``/dev/stdout``, ``/dev/fd/N``, ``/proc/self/fd/N``) writes to that descriptor.
    """
    target = Path(path)
    if _write_through(target, data):
        return
    pending = _write_temporary(target, data)
    with signals.held():
        _publish([pending])


def write_together(files: Sequence[tuple[Path, bytes]]) -> None:
    """Write several files so that a stop leaves the old set or the new one.

    Each is written to its temporary file first, as by ``write_atomic``; only when all
    are on disk are they renamed over their targets, one after the other, with stop
    signals held (``kg.core.signals.held``) so that a stop is taken after the last
    rename. A failure before the renames leaves the old files and no temporary file.
    Targets must be regular files or missing (a symbolic link is followed): a stream
    cannot be part of a set that is replaced at once.
    """
    pending: list[_Pending] = []
    try:
        for target, data in files:
            if _own_descriptor(target) is not None or _is_stream(target):
                raise OutputError("not a regular file: a file of a set must be a file", target)
            pending.append(_write_temporary(target, data))
    except BaseException:
        with signals.held():
            for written in pending:
                written.temporary.unlink(missing_ok=True)
                signals.untrack(written.temporary)
        raise
    with signals.held():
        _publish(pending)


@dataclass(frozen=True)
class _Pending:
    """A temporary file written and flushed, waiting to be renamed over ``target``."""

    temporary: Path
    target: Path


def _is_stream(target: Path) -> bool:
    """Whether ``target`` (a symbolic link followed) is a character device, FIFO or
    socket (True) or a regular file kg may replace, or nothing yet (False); anything
    else is an OutputError."""
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return False  # nothing there, or a dangling link: created where it points
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", target) from None
    if stat.S_ISREG(mode):
        return False
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return True
    what = "a directory" if stat.S_ISDIR(mode) else "a block device" if stat.S_ISBLK(mode) else None
    raise OutputError(f"cannot write over {what or 'what is not a file'}", target)


#: The names of a descriptor of this process (``/dev/stdout``, ``/dev/fd/3``,
#: ``/proc/self/fd/1``): a link to whatever that descriptor holds.
_STANDARD_STREAMS = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
_DESCRIPTOR_PATH = re.compile(r"/(?:dev/fd|proc/(?:self|thread-self|(\d+))/fd)/(\d+)")
#: The kernel follows at most this many symbolic links in a path.
_MAX_LINKS = 40


def _own_descriptor(target: Path) -> int | None:
    """The descriptor ``target`` names (directly or through symbolic links), if it is
    one of this process's: ``-o /dev/stdout`` means standard output wherever it goes
    (a pipe, a terminal, a file opened for appending), not the file behind it."""
    path = os.path.abspath(target)
    for _ in range(_MAX_LINKS):
        if path in _STANDARD_STREAMS:
            return _STANDARD_STREAMS[path]
        named = _DESCRIPTOR_PATH.fullmatch(path)
        if named and named[1] in (None, str(os.getpid())):
            return int(named[2])
        try:
            link = os.readlink(path)
        except OSError:
            return None
        path = os.path.normpath(os.path.join(os.path.dirname(path), link))
    return None


def _write_to_descriptor(fd: int, data: bytes, target: Path) -> None:
    # What Python has buffered for the same descriptor goes first.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            if stream is not None and stream.fileno() == fd:
                stream.flush()
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view) :]
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", target) from None


def _write_through(target: Path, data: bytes) -> bool:
    """Write ``data`` into ``target`` if it is a descriptor of this process, a device, a
    FIFO or a socket (True), as shell redirection would: no temporary file, no rename.
    False: it is a file to replace."""
    fd = _own_descriptor(target)
    if fd is not None:
        _write_to_descriptor(fd, data, target)
        return True
    if not _is_stream(target):
        return False
    try:
        # No O_CREAT: if the stream went away since, nothing is created in its place.
        fd = os.open(target, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", target) from None
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            raise OutputError("cannot write: it became a regular file while opening", target)
        with os.fdopen(fd, "wb", closefd=False) as handle:
            handle.write(data)
            handle.flush()
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", target) from None
    finally:
        os.close(fd)
    return True


def _write_temporary(target: Path, data: bytes) -> _Pending:
    # A symbolic link stays a link: its file is the one replaced, beside that file.
    final = Path(os.path.realpath(target))
    directory = final.parent
    try:
        mode = final.stat().st_mode & 0o7777
    except FileNotFoundError:
        # Same permissions as open() would give; mkstemp's are 0600.
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", target) from None
    _remove_stale_temps(directory, final.name)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{final.name}.{os.getpid()}.", suffix=".tmp", dir=directory
        )
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", target) from None
    tmp = Path(tmp_name)
    signals.track(tmp)
    try:
        with os.fdopen(fd, "wb") as handle:
            pause = os.environ.get(PAUSE_VARIABLE)
            if pause:
                half = len(data) // 2
                handle.write(data[:half])
                handle.flush()
                time.sleep(float(pause))
                handle.write(data[half:])
            else:
                handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
    except BaseException as exc:
        # Held: a second signal must not cut the cleanup short.
        with signals.held():
            tmp.unlink(missing_ok=True)
            signals.untrack(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write: {exc.strerror or exc}", target) from None
        raise
    return _Pending(tmp, final)


def _publish(pending: list[_Pending]) -> None:
    """Rename each temporary file over its target, then fsync their folders; on a
    failure, remove the temporary files not yet renamed."""
    for index, written in enumerate(pending):
        try:
            os.replace(written.temporary, written.target)
        except OSError as exc:
            for left in pending[index:]:
                left.temporary.unlink(missing_ok=True)
                signals.untrack(left.temporary)
            message = f"cannot write: {exc.strerror or exc}"
            raise OutputError(message, written.target) from None
        signals.untrack(written.temporary)
    for directory in dict.fromkeys(written.target.parent for written in pending):
        _fsync_dir(directory)


def _remove_stale_temps(directory: Path, name: str) -> None:
    """Remove ``.NAME.PID.*.tmp`` files left by a killed writer (its PID is gone).

    POSIX only (elsewhere they stay; they are hidden and harmless). A PID reused by
    another process keeps its file until that one ends; a temporary file written from
    another machine on a shared folder is judged by a local PID, so do not let two
    machines write the same target at once.
    """
    if os.name != "posix":
        return
    prefix = f".{name}."
    try:
        entries = os.listdir(directory)
    except OSError:
        return
    for entry in entries:
        if not (entry.startswith(prefix) and entry.endswith(".tmp")):
            continue
        pid_text = entry[len(prefix) :].split(".", 1)[0]
        if not pid_text.isdigit() or int(pid_text) == os.getpid():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                os.unlink(directory / entry)
        except OSError:
            pass  # alive, under another user


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not every platform can open a directory.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Output:
    path: Path
    data: bytes
    #: False for files whose bytes depend on the installed tool (Graphviz SVG):
    #: written, but never reported stale.
    checked: bool = True


def stale(planned: list[Output]) -> list[Path]:
    """The checked outputs whose file is missing or differs from what it should be."""
    out: list[Path] = []
    for output in planned:
        if not output.checked:
            continue
        try:
            current = output.path.read_bytes()
        except OSError:  # missing, or not a file
            current = None
        if current != output.data:
            out.append(output.path)
    return out


def write(planned: list[Output]) -> list[Path]:
    """Write the outputs that changed, as a set (``write_together``: a failure or a
    stop leaves them all as they were); the paths written."""
    changed: list[Output] = []
    for output in planned:
        try:
            if output.path.read_bytes() == output.data:
                continue
        except OSError:
            pass  # missing, or not a file: write_together says what is wrong
        changed.append(output)
    for output in changed:
        try:
            output.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            message = f"cannot create its folder: {exc.strerror or exc}"
            raise OutputError(message, output.path) from None
    write_together([(output.path, output.data) for output in changed])
    return [output.path for output in changed]


def refuse_overwriting(output: str | Path, inputs: Iterable[str | Path]) -> None:
    """OutputError if ``output`` is one of ``inputs`` (the same file, through a symbolic
    or hard link too): a command never writes over what it reads. A missing output is
    none of them."""
    try:
        written = os.stat(output)
    except OSError:
        return
    for source in inputs:
        try:
            read = os.stat(source)
        except OSError:
            continue
        if (read.st_dev, read.st_ino) == (written.st_dev, written.st_ino):
            same = "" if str(source) == str(output) else f" ({source})"
            message = f"is also an input of this command{same}: write the output elsewhere"
            raise OutputError(message, output)
