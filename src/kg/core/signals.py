"""Stopping on SIGTERM, SIGINT and SIGHUP: an exception, so cleanups run.

By default SIGTERM and SIGHUP end Python at once (a file being written keeps its
temporary file) and SIGINT raises KeyboardInterrupt, which click reports as exit 1,
the code of "does not conform". ``install`` (called by the ``kg`` command, never on
import) makes the three raise ``kg.core.errors.Interrupted`` instead. ``held`` keeps
them out of a few steps that must not be cut in two (the renames that publish a
release): a signal that arrives meanwhile is raised when the block ends.

Python runs a handler only between two steps of Python code: while the main thread is
inside a long call of a native library (an Oxigraph query, for one), the exception
waits for the call to end, which may be never. So ``install`` also starts a watchdog
thread, woken by the signal itself (``signal.set_wakeup_fd``): if the process is still
there ``GRACE_SECONDS`` later, it removes the temporary files being written
(``temporary``), says it stopped, and ends the process with the same exit code.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from kg.core.errors import Interrupted

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
#: Seconds a stop signal may wait for Python to take it before the process is ended
#: without it (the temporary files being written are still removed).
GRACE_SECONDS = 3.0

_lock = threading.RLock()
_holding = 0
_pending: int | None = None
_temporaries: set[Path] = set()
_announced = False
_watchdog: threading.Thread | None = None


def _stop(signum: int, frame: FrameType | None) -> None:
    global _pending
    if _holding:
        _pending = _pending or signum
        return
    raise Interrupted(signum)


def install() -> None:
    """Make SIGTERM, SIGINT and SIGHUP raise ``Interrupted`` in the main thread, and
    end the process if that cannot happen within ``GRACE_SECONDS``.

    A signal the process was started ignoring stays ignored, as the shell wants it:
    ``nohup kg build`` must survive a hangup, and a job started with ``&`` by a script
    the interrupt key. Python lets only the main thread set handlers; elsewhere this
    does nothing. A command that wants its own handling (``kg serve``) sets its own
    afterwards; the watchdog leaves a signal alone whose handler is not this one. A
    child made by ``fork`` starts with the default actions again.
    """
    global _watchdog
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in STOP_SIGNALS:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _stop)
    if _watchdog is None:
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)
        signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        _watchdog = threading.Thread(target=_watch, args=(read_end,), name="kg-stop", daemon=True)
        _watchdog.start()
        os.register_at_fork(after_in_child=_default_in_child)


def _default_in_child() -> None:
    # A forked worker is stopped by its parent's signals: it must die of them as any
    # process does, not wait for Python code that a native call may never return to.
    global _watchdog
    with contextlib.suppress(ValueError, OSError):
        signal.set_wakeup_fd(-1)
        for signum in STOP_SIGNALS:
            if signal.getsignal(signum) is _stop:
                signal.signal(signum, signal.SIG_DFL)
    _watchdog = None


def _watch(read_end: int) -> None:
    while True:
        try:
            received = os.read(read_end, 64)
        except OSError:
            return
        if not received:
            return
        stops = [n for n in received if n in STOP_SIGNALS and signal.getsignal(n) is _stop]
        if not stops:
            continue
        time.sleep(GRACE_SECONDS)
        # Still alive: Python did not get to the handler, or its cleanup is stuck.
        # Renames in progress (``held``) finish first, for at most one more grace.
        deadline = time.monotonic() + GRACE_SECONDS
        while _holding and time.monotonic() < deadline:
            time.sleep(0.01)
        stop = Interrupted(stops[0])
        with _lock:
            for path in list(_temporaries):
                with contextlib.suppress(OSError):
                    path.unlink()
        announce(stop)
        os._exit(stop.exit_code)


def announce(stop: Interrupted) -> None:
    """Say ``kg: stopped by SIGNAL`` on standard error, once per process."""
    global _announced
    with _lock:
        if _announced:
            return
        _announced = True
    with contextlib.suppress(OSError):
        os.write(2, f"kg: {stop}\n".encode())


def track(path: Path) -> None:
    """``path`` is a temporary file being written: a stop that Python cannot take in
    time (see the module's doc) removes it before the process ends. ``untrack`` once it
    is renamed or removed."""
    with _lock:
        _temporaries.add(path)


def untrack(path: Path) -> None:
    with _lock:
        _temporaries.discard(path)


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Run the block whole: a stop signal that arrives during it is raised after it.

    Only for short steps that cannot block (renames, unlinking a temporary file): a
    stop waits for the block to end.
    """
    global _holding, _pending
    with _lock:
        _holding += 1
    try:
        yield
    finally:
        with _lock:
            _holding -= 1
            signum = _pending if _holding == 0 else None
            if signum is not None:
                _pending = None
        if signum is not None:
            raise Interrupted(signum)
