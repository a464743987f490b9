"""Queries run in a child process each, stopped at the deadline: the server's engine.

Neither engine can be trusted to stop on time in-process. Oxigraph cannot interrupt a
query it has started; rdflib checks its deadline between solutions, which a regular
expression that backtracks, a string doubled by ``CONCAT`` or a huge ``VALUES`` block
never reach; and either can grow the process by gigabytes that Python never gives back.
So ``IsolatedStore`` forks the process for every query: the child inherits the data as
it is (copy-on-write, nothing is loaded again), runs the query on the inner store with
no time limit of its own, and sends the answer back through a pipe; the parent waits
until the deadline and then kills the child (SIGKILL: its CPU use stops at once).

What one query may use is bounded in the child, where exceeding it harms nobody else:
its address space may grow by ``memory`` bytes over what it inherited (RLIMIT_AS), its
CPU time is capped a little past the deadline in case the parent dies first (RLIMIT_CPU,
and on Linux the child is killed with its parent), and its answer may not exceed
``max_answer_bytes`` once encoded. The parent's memory grows only by the answers it
receives.

Updates, loads and everything but ``query`` run in the parent, on the inner store,
under a lock that no fork happens inside, so a child never starts from a half-applied
update. Where there is no ``fork`` (Windows), queries run in-process with the inner
engine's own limits, as without isolation.

At most ``workers`` queries run at once; a query that finds them all busy waits for one
until its deadline (the wait is part of its time), then is refused (``Busy``, HTTP 503
with Retry-After).
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import math
import os
import pickle
import resource
import select
import signal
import stat
import struct
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.core.errors import KgError, QueryError, QueryMemoryLimit, QueryTimeout, TooManyRows
from kg.sparql.policy import DatasetSpec
from kg.sparql.results import Result
from kg.sparql.terms import parts
from kg.store.base import NO_LIMITS, KgStore, Limits

if TYPE_CHECKING:
    from rdflib import Dataset
    from rdflib.term import Identifier

    from kg.sparql.terms import Term

#: Whether queries can run in child processes here.
AVAILABLE = hasattr(os, "fork") and os.name == "posix"
#: Seconds of CPU a child may use past its deadline before the kernel stops it: only
#: reached when the parent could not kill it (it died first).
_CPU_GRACE = 2
_HEADER = struct.Struct("!Q")


class Busy(QueryError):
    """Every query worker is busy: try again shortly."""

    http_status = 503


class IsolatedStore:
    """``inner`` with every query run in a child process under ``limits`` and ``memory``.

    ``memory``: bytes one query may add to the address space it inherits (None: no
    limit). ``max_answer_bytes``: the largest encoded answer a child may send back.
    ``workers``: queries that may run at once.
    """

    def __init__(
        self,
        inner: KgStore,
        *,
        workers: int,
        memory: int | None = None,
        max_answer_bytes: int | None = None,
    ) -> None:
        self.inner = inner
        self.spec = inner.spec
        self.policy = inner.policy
        self.union_default = inner.union_default
        self.memory = memory
        self.max_answer_bytes = max_answer_bytes
        self.workers = max(1, workers)
        self._slots = threading.BoundedSemaphore(self.workers)
        # No fork while the inner store changes (updates, loads, closing).
        self._quiet = threading.RLock()
        self._children: set[int] = set()
        self._children_lock = threading.Lock()
        self._closed = False
        self._prctl = _prctl() if AVAILABLE and sys.platform == "linux" else None

    # -- queries ---------------------------------------------------------------------

    def query(
        self,
        text: str,
        terms: Mapping[str, Term | Identifier] | None = None,
        *,
        dataset: DatasetSpec | None = None,
        base: str | None = None,
        limits: Limits = NO_LIMITS,
    ) -> Result:
        if not AVAILABLE:
            return self.inner.query(text, terms, dataset=dataset, base=base, limits=limits)
        deadline = None if limits.timeout is None else time.monotonic() + limits.timeout
        wait = -1 if deadline is None else max(0.0, deadline - time.monotonic())
        if not self._slots.acquire(timeout=wait):
            raise Busy(f"all {self.workers} query workers are busy: try again in a moment")
        try:
            inner_limits = Limits(timeout=None, max_rows=limits.max_rows)
            return self._in_child(
                lambda: self.inner.query(
                    text, terms, dataset=dataset, base=base, limits=inner_limits
                ),
                deadline,
                limits.timeout,
            )
        finally:
            self._slots.release()

    def _in_child(self, work: Any, deadline: float | None, timeout: float | None) -> Result:
        read_end, write_end = os.pipe()
        with self._quiet:
            if self._closed:
                os.close(read_end)
                os.close(write_end)
                raise QueryError("the server is stopping")
            pid = os.fork()
            if pid == 0:  # the child: never returns
                os.close(read_end)
                self._child(work, write_end, timeout)
        os.close(write_end)
        with self._children_lock:
            self._children.add(pid)
        try:
            message = _receive(read_end, deadline, self.max_answer_bytes)
        finally:
            os.close(read_end)
            status = self._reap(pid, kill=True)
        if message is None:  # the deadline passed
            raise QueryTimeout("the query ran past the time limit")
        if message is _EOF:
            raise self._died(status)
        return _decode(message, self.memory)

    def _child(self, work: Any, write_end: int, timeout: float | None) -> None:
        code = 0
        try:
            _become_worker(write_end, self.memory, timeout, self._prctl)
            try:
                payload: tuple[str, Any] = ("ok", _encode(work()))
            except MemoryError:
                payload = ("memory", None)
            except KgError as exc:
                payload = ("memory", None) if _ran_out(exc) else ("error", exc)
            except RecursionError:
                payload = ("error", QueryError("the query is nested too deeply to run"))
            except Exception as exc:  # anything else is the engine's failure: its name only
                payload = ("error", QueryError(f"query failed: {type(exc).__name__}"))
            try:
                data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
            except MemoryError:
                data = pickle.dumps(("memory", None))
            if self.max_answer_bytes is not None and len(data) > self.max_answer_bytes:
                data = pickle.dumps(("too-large", len(data)))
            _send(write_end, data)
        except BaseException:  # a child must never return into the server's code
            code = 70
        finally:
            os._exit(code)

    def _reap(self, pid: int, kill: bool) -> int:
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            status = 0
        with self._children_lock:
            self._children.discard(pid)
        return status

    def _died(self, status: int) -> QueryError:
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            if sig == signal.SIGXCPU:
                return QueryTimeout("the query ran past the time limit")
            if self.memory is not None and sig in (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS):
                return _memory_error(self.memory)
            return QueryError(f"the query's worker stopped ({signal.Signals(sig).name})")
        return QueryError("the query's worker stopped without an answer")

    # -- everything else, in this process ---------------------------------------------

    def load(self, sources: Sequence[str | Path] | None = None) -> None:
        with self._quiet:
            self.inner.load(sources)

    def update(
        self,
        text: str,
        *,
        using: DatasetSpec | None = None,
        base: str | None = None,
        limits: Limits = NO_LIMITS,
    ) -> None:
        with self._quiet:
            self.inner.update(text, using=using, base=base, limits=limits)

    def prepare(self, texts: Sequence[str]) -> None:
        """Parsed here, once, the queries are parsed in every child forked after."""
        with self._quiet:
            self.inner.prepare(texts)

    def graph_names(self) -> list[str]:
        return self.inner.graph_names()

    def graph_dumps(self) -> Iterator[tuple[str | None, bytes]]:
        return self.inner.graph_dumps()

    def dataset(self) -> Dataset:
        return self.inner.dataset()

    def export(self, fmt: str) -> bytes:
        return self.inner.export(fmt)

    def version(self) -> str:
        return self.inner.version()

    def __len__(self) -> int:
        return len(self.inner)

    def running(self) -> int:
        """The number of child processes running queries now."""
        with self._children_lock:
            return len(self._children)

    def stop_queries(self) -> None:
        """Kill every running query (the server is stopping); new ones are refused."""
        with self._quiet:
            self._closed = True
        with self._children_lock:
            children = list(self._children)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        self.stop_queries()
        with self._quiet:
            self.inner.close()

    def __getattr__(self, name: str) -> Any:
        # What only one engine offers (native(), prefixes(), persistent, ...).
        return getattr(self.inner, name)


# -- the child's side -------------------------------------------------------------------


def _become_worker(write_end: int, memory: int | None, timeout: float | None, prctl: Any) -> None:
    """Make the freshly forked child a query worker: the parent's signal handlers off,
    its sockets closed, its limits set."""
    # A collection would walk every object inherited, copying each page it touches
    # (copy-on-write): the child lives for one query, under a memory limit, so it does
    # without.
    gc.disable()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    # A crash dump is not the server's log: the parent reports the stop in one line.
    if faulthandler.is_enabled():
        faulthandler.disable()
    # Oxigraph out of memory prints one line ("memory allocation of N bytes failed"),
    # then a backtrace where RUST_BACKTRACE asks for one: the line is enough for the
    # server's log, which also gets the traceback of an engine bug (kg.internal).
    os.environ["RUST_BACKTRACE"] = "0"
    _close_sockets(keep=write_end)
    _die_with_parent(prctl)
    if timeout is not None:
        seconds = math.ceil(timeout) + _CPU_GRACE
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    if memory is not None:
        limit = _address_space() + memory
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _ran_out(error: BaseException) -> bool:
    """Whether ``error`` was raised because memory ran out (an engine may wrap the
    MemoryError in its own error)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, MemoryError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _close_sockets(keep: int) -> None:
    """Close the inherited sockets (the listening one, clients' connections): a child
    holding a copy would keep a finished connection open until it exits. Files stay
    open: an on-disk store reads through them."""
    try:
        descriptors = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return
    for fd in descriptors:
        if fd <= 2 or fd == keep:
            continue
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)
        except OSError:
            pass


def _prctl() -> Any:
    """libc's ``prctl``, looked up once in the parent (ctypes is slow to import in
    every child); None where there is none."""
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PR_SET_PDEATHSIG = 1


def _die_with_parent(prctl: Any) -> None:
    # Linux's PR_SET_PDEATHSIG: a server killed outright takes its queries with it.
    if prctl is not None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _address_space() -> int:
    """Bytes of address space this process has now (VmSize)."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            pages = int(handle.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _encode(result: Result) -> tuple[Any, ...]:
    """``result`` as plain picklable data (an rdflib Graph pickles without its triples)."""
    if result.graph is not None:
        return (result.form, "graph", [tuple(parts(node) for node in t) for t in result.graph])
    if result.form == "ASK":
        return (result.form, "boolean", result.boolean)
    rows = [{name: parts(node) for name, node in row.items()} for row in result.solutions]
    return (result.form, "rows", (result.variables, rows))


def _send(fd: int, data: bytes) -> None:
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


# -- the parent's side ------------------------------------------------------------------

_EOF = b""


def _receive(fd: int, deadline: float | None, cap: int | None) -> bytes | None:
    """The child's message; None when the deadline passed first, ``_EOF`` when the
    child ended without sending all of it."""
    buffer = bytearray()
    expected: int | None = None
    while expected is None or len(buffer) < _HEADER.size + expected:
        wait = None if deadline is None else deadline - time.monotonic()
        if wait is not None and wait <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            return None
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return _EOF
        buffer += chunk
        if expected is None and len(buffer) >= _HEADER.size:
            (expected,) = _HEADER.unpack_from(buffer)
            if cap is not None and expected > cap + 1024:
                return _EOF  # never the case for a child that checks its own size
    return bytes(buffer[_HEADER.size :])


def _decode(message: bytes, memory: int | None) -> Result:
    kind, value = pickle.loads(message)  # written by our own child, never by a client
    if kind == "ok":
        return _result(value)
    if kind == "error":
        raise value
    if kind == "memory":
        raise _memory_error(memory)
    if kind == "too-large":
        raise TooManyRows(f"the answer is larger than the limit ({value:,} bytes encoded)")
    raise QueryError(f"unknown answer from a query worker: {kind!r}")


def _memory_error(memory: int | None) -> QueryMemoryLimit:
    if memory is None:
        return QueryMemoryLimit("the query needed more memory than the machine has")
    return QueryMemoryLimit(
        f"the query needed more than {memory // 1_048_576} MB of memory, the limit"
    )


def _result(encoded: tuple[Any, ...]) -> Result:
    form, kind, value = encoded
    if kind == "graph":
        from rdflib import Graph

        from kg.sparql.terms import to_rdflib

        graph = Graph()
        for triple in value:
            graph.add(tuple(to_rdflib(term) for term in triple))  # type: ignore[arg-type]
        return Result(form, graph=graph)
    if kind == "boolean":
        return Result(form, boolean=value)
    variables, rows = value
    return Result(form, variables, solutions=rows)
