"""Stopping on SIGTERM, SIGINT and SIGHUP: an exception, so cleanups run.

By default SIGTERM and SIGHUP end Python at once (a file being written keeps its
temporary file) and SIGINT raises KeyboardInterrupt, which click reports as exit 1,
the code of "does not conform". ``install`` (called by the ``kg`` command, never on
import) makes the three raise ``kg.core.errors.Interrupted`` instead. ``held`` keeps
them out of a few steps that must not be cut in two (the renames that publish a
release): a signal that arrives meanwhile is raised when the block ends.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from kg.core.errors import Interrupted

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)

_lock = threading.Lock()
_holding = 0
_pending: int | None = None


def _stop(signum: int, frame: FrameType | None) -> None:
    global _pending
    if _holding:
        _pending = _pending or signum
        return
    raise Interrupted(signum)


def install() -> None:
    """Make SIGTERM, SIGINT and SIGHUP raise ``Interrupted`` in the main thread.

    A signal the process was started ignoring stays ignored, as the shell wants it:
    ``nohup kg build`` must survive a hangup, and a job started with ``&`` by a script
    the interrupt key. Python lets only the main thread set handlers; elsewhere this
    does nothing. A command that wants its own handling (``kg serve``) sets its own
    afterwards.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in STOP_SIGNALS:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _stop)


@contextmanager
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
