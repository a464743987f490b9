"""Files kg writes: whole or absent.

``write_atomic`` is the one way kg writes a file (exports, releases, generated files,
store manifests); ``Output`` and ``stale``/``write`` are the generated files of
``kg generate`` and ``kg link``, compared byte for byte with what is checked in.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from kg.core.errors import OutputError

#: Seconds ``write_atomic`` pauses halfway through a file, for tests only: a test sets
#: it to kill the process mid-write (``tests/test_atomic.py``). Never set it otherwise.
PAUSE_VARIABLE = "KG_TEST_WRITE_PAUSE"


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never
    a part; on failure neither the file nor the temporary file is left behind.

    The data goes to ``.NAME.PID.RANDOM.tmp`` in the target's folder, is flushed to disk
    (fsync), then renamed over the target, and the folder is fsynced. A process killed
    outright (SIGKILL, power loss) cannot remove its temporary file: the next write to
    the same target removes those whose process (PID) is gone.
    """
    target = Path(path)
    directory = target.parent
    try:
        mode = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        # Same permissions as open() would give; mkstemp's are 0600.
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", target) from None
    _remove_stale_temps(directory, target.name)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=directory
        )
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", target) from None
    tmp = Path(tmp_name)
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
        os.replace(tmp, target)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write: {exc.strerror or exc}", target) from None
        raise
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
        except FileNotFoundError:
            current = None
        if current != output.data:
            out.append(output.path)
    return out


def write(planned: list[Output]) -> list[Path]:
    """Write the outputs that changed; the paths written."""
    written: list[Path] = []
    for output in planned:
        try:
            if output.path.read_bytes() == output.data:
                continue
        except FileNotFoundError:
            pass
        output.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(output.path, output.data)
        written.append(output.path)
    return written
