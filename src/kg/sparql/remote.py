"""Run a query on a remote SPARQL 1.1 endpoint (the SPARQL 1.1 Protocol: a POST).

One module because queries and ``kg push`` share its transport, its retries and its
error messages: a failure reads the same whichever of them met it.

Every failure becomes one ``EndpointError`` whose message names the endpoint and the
cause (cannot connect, HTTP status and the server's first line, timeout, malformed or
truncated results, a partial result: HTTP 206, Virtuoso's ``X-SQL-State: S1TAT`` or an
answer cut at ``X-SPARQL-MaxRows``, a redirect, an answer over the size limit), which
the CLI prints as one line with exit code 2. Text from the server is stripped of
terminal escape sequences and control characters before it is quoted.

**Transport** (``exchange``, shared with ``kg.publish.push``). No redirect is followed:
one to another scheme, host or port could send the query, or a push's data and
credentials, to a server the user did not name, and one to the same server would turn
the POST into a GET without the query; the error names both URLs. The timeout bounds
the whole exchange, connecting, sending, waiting, reading and parsing: the request's
sockets are shut at the deadline, so a server trickling its answer a byte at a time is
stopped there too. An answer larger than ``$KG_REMOTE_MAX_BYTES`` (default
``DEFAULT_MAX_BYTES``, 64 MiB) is refused while it is read, without being held whole.
(SPARQLWrapper opened its requests with urllib's global opener, which follows every
redirect and cannot be given a deadline or a size limit; kg sends its own.)

**Retries.** A query is idempotent, so a transient failure is retried (``retrying``):
HTTP 429, 500, 502, 503 and 504, and a connection reset or cut before the whole answer
arrived, at most ``RETRIES`` times after the first attempt, waiting ``BACKOFF`` seconds
before the first retry and twice as long before each next one (0.5, 1, 2 s), or what
the server's ``Retry-After`` asks (seconds or an HTTP-date). The timeout is the budget
of the whole request, retries and waits included: a wait that would end past it is not
made, and the last error is reported. Not retried: a refused connection (nothing
listens: a wrong URL, most likely), a timeout (the budget is spent), any other status,
and an answer that arrived whole but is malformed or partial.
"""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import io
import os
import random
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from functools import partial
from typing import IO, TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode, urlparse

from kg.core.errors import InputError, QueryError
from kg.core.text import printable
from kg.core.version import __version__

if TYPE_CHECKING:
    from email.message import Message

    from kg.sparql.results import Result

#: Seconds to wait for an endpoint, unless told otherwise: the budget of one request,
#: its retries and the waits between them included.
DEFAULT_TIMEOUT = 30.0
#: Statuses that are retried (requests kg repeats are idempotent: queries, PUT).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Retries after the first attempt, at most.
RETRIES = 3
#: Seconds before the first retry, doubled before each next one (plus up to 10 %).
BACKOFF = 0.5
#: Bytes an answer may have, unless ``$KG_REMOTE_MAX_BYTES`` says otherwise.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
MAX_BYTES_VARIABLE = "KG_REMOTE_MAX_BYTES"
#: Bytes read at a time from an answer (the budget and the size are checked between reads).
_CHUNK = 65_536
#: Bytes of an error status's body read, at most: its first line is all that is shown.
_ERROR_BODY = 4096

T = TypeVar("T")

# The graph formats read from an endpoint's answer (by its Content-Type, Turtle when it
# names none of them). Not RDF/XML or JSON-LD: a DTD or a remote @context in an answer
# could make the parser fetch or expand things; Turtle and N-Triples cannot.
_READ_GRAPH_FORMATS = ("turtle", "nt")


class EndpointError(QueryError):
    """A remote endpoint could not answer, or answered something unusable."""


class Transient(EndpointError):
    """A failure that the same request may not meet again (``retrying`` repeats it);
    ``retry_after``: the seconds the server asked to wait, if it did."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Budget:
    """The seconds one request may take, retries included, counted from creation."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from ``Retry-After`` (RFC 9110: delay-seconds or an HTTP-date); None when
    absent or unreadable, never negative."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def retrying(attempt: Callable[[float], T], budget: Budget) -> T:
    """``attempt(seconds_left)`` until it returns, raises something not ``Transient``,
    has been retried ``RETRIES`` times, or the next wait would pass the budget; the last
    error is raised as an ``EndpointError`` saying how many attempts were made."""
    made = 0
    while True:
        made += 1
        try:
            return attempt(max(budget.left(), 0.001))
        except Transient as exc:
            last = exc
        if made > RETRIES:
            raise EndpointError(f"{last} (gave up after {made} attempts)") from None
        asked = last.retry_after
        wait = (
            asked if asked is not None else BACKOFF * 2 ** (made - 1) * (1 + random.random() / 10)
        )
        if wait >= budget.left():
            why = f"the server asks to wait {asked:g} s" if asked is not None else "a retry"
            raise EndpointError(
                f"{last} ({made} attempt{'s' if made > 1 else ''}; {why} would pass the "
                f"{budget.seconds:g} s timeout)"
            ) from None
        time.sleep(wait)


def transient_oserror(exc: object) -> bool:
    """A connection reset, aborted or closed mid-request: worth one more attempt."""
    return isinstance(
        exc,
        ConnectionResetError
        | ConnectionAbortedError
        | BrokenPipeError
        | http.client.RemoteDisconnected
        | http.client.IncompleteRead,
    )


#: The transport failures ``transport_error`` maps (an HTTP error status is not one:
#: each caller reads its body in its own way).
TRANSPORT_ERRORS = (urllib.error.URLError, TimeoutError, http.client.HTTPException, OSError)


def transport_error(
    exc: BaseException, where: str, whole: str, fatal: Callable[[str], Exception]
) -> Exception:
    """The error to raise for the transport failure ``exc`` of a request to ``where``
    with a budget of ``whole`` seconds: a ``Transient`` one (worth another attempt) for
    a connection reset or cut mid-answer, else ``fatal(message)``. Queries and pushes
    share it so that one failure reads the same whichever of them met it."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError):
        return fatal(f"{where}: no answer within {whole} s (timeout)")
    if isinstance(exc, urllib.error.URLError) and not transient_oserror(reason):
        return fatal(f"{where}: cannot connect: {_reason(reason)}")
    message = f"{where}: connection failed: {_reason(reason)}"
    return Transient(message) if transient_oserror(reason) else fatal(message)


def check_endpoint(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise EndpointError(f"{url}: not an http(s) URL of a SPARQL endpoint")
    return url


def one_line(data: bytes | str, limit: int = 200) -> str:
    """A server's answer as one line of at most ``limit`` characters, to quote in an error."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    # A server's text may hold escape sequences that would act on the user's terminal.
    line = " ".join(printable(text).split())
    return line if len(line) <= limit else line[:limit] + "…"


def run_remote(
    text: str,
    form: str,
    endpoint: str,
    timeout: float | None = None,
    max_bytes: int | None = None,
) -> Result:
    """POST ``text`` to ``endpoint`` (SPARQL 1.1 Protocol) and read the answer.

    SELECT and ASK ask for SPARQL JSON results; CONSTRUCT and DESCRIBE for Turtle or
    N-Triples. ``timeout`` (default ``DEFAULT_TIMEOUT``) bounds the whole request:
    connecting, sending, waiting, reading and parsing, retries of transient failures
    included (module docstring); ``max_bytes`` (default: ``answer_limit()``) the answer.
    """
    check_endpoint(endpoint)
    budget = Budget(DEFAULT_TIMEOUT if timeout is None else timeout)
    cap = answer_limit() if max_bytes is None else max_bytes
    body, content_type, headers = retrying(
        lambda left: _attempt(text, form, endpoint, budget, cap), budget
    )
    result = _read(body, content_type, form, endpoint, budget)
    _refuse_cut(result, headers, endpoint)
    return result


_STATUS_HINTS = {
    400: " (the endpoint rejects the query)",
    404: " (no SPARQL endpoint at this URL)",
}

#: The media types asked for: what ``_read`` reads.
_ACCEPT = {
    "SELECT": "application/sparql-results+json, application/json;q=0.9",
    "ASK": "application/sparql-results+json, application/json;q=0.9",
    "CONSTRUCT": "application/n-triples, text/turtle;q=0.9",
    "DESCRIBE": "application/n-triples, text/turtle;q=0.9",
}


def _attempt(
    text: str, form: str, endpoint: str, budget: Budget, cap: int
) -> tuple[bytes, str, Message]:
    """One request: the body, its media type and the headers; ``Transient`` for what
    ``retrying`` may repeat, ``EndpointError`` for the rest."""
    # POST: a long parameter value must not turn into a URL too long for the server.
    request = urllib.request.Request(
        endpoint,
        data=urlencode({"query": text}).encode("ascii"),
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": _ACCEPT.get(form, "*/*"),
            "User-Agent": f"kg/{__version__}",
        },
    )
    whole = f"{budget.seconds:g}"
    try:
        status, headers, body = exchange(request, budget, cap, endpoint)
    except urllib.error.HTTPError as exc:
        why = _STATUS_HINTS.get(exc.code, "")
        message = f"{endpoint}: HTTP {exc.code} {status_text(exc)}{why}{error_detail(exc)}"
        if exc.code in RETRY_STATUSES:
            raise Transient(message, retry_after(exc.headers.get("Retry-After"))) from None
        raise EndpointError(message) from None
    except http.client.IncompleteRead as exc:
        raise Transient(
            f"{endpoint}: truncated response ({len(exc.partial)} bytes received, "
            f"{exc.expected} more expected)"
        ) from None
    except TRANSPORT_ERRORS as exc:
        raise transport_error(exc, endpoint, whole, EndpointError) from None
    _refuse_partial(status, headers, endpoint)
    content_type = (headers.get("Content-Type") or "").split(";")[0].strip()
    return body, content_type, headers


def exchange(
    request: urllib.request.Request,
    budget: Budget,
    max_bytes: int,
    where: str,
    handlers: Sequence[urllib.request.BaseHandler] = (),
) -> tuple[int, Message, bytes]:
    """Send ``request`` and read its whole answer: the status, headers and body.

    Everything happens before ``budget`` ends (``TimeoutError`` after it): a socket
    timeout bounds each wait for a byte, not a server that trickles them, so the
    sockets of the request are shut at the deadline. No redirect is followed
    (``EndpointError`` naming both URLs), and an answer over ``max_bytes`` stops
    while it is read (``EndpointError``). ``urllib.error.HTTPError`` for an error
    status (read its body with ``error_detail``); ``handlers`` add to the opener
    (authentication)."""
    with _Deadline(budget) as deadline:
        opener = urllib.request.build_opener(
            _NoRedirect(),
            _HTTPHandler(deadline),
            _HTTPSHandler(deadline),
            *handlers,
        )
        try:
            with opener.open(request, timeout=max(budget.left(), 0.001)) as response:
                body = _read_capped(response, budget, max_bytes, where)
                if deadline.expired:
                    # Shut mid-headers, http.client takes what came as a whole answer.
                    raise TimeoutError
                return response.status, response.headers, body
        except urllib.error.HTTPError:
            raise
        except (OSError, http.client.HTTPException):
            if deadline.expired or budget.left() <= 0:
                raise TimeoutError from None
            raise


def _read_capped(
    response: http.client.HTTPResponse, budget: Budget, max_bytes: int, where: str
) -> bytes:
    declared = response.headers.get("Content-Length") or ""
    if declared.strip().isdigit() and int(declared) > max_bytes:
        raise EndpointError(_too_large(where, max_bytes, f"{int(declared)} bytes announced"))
    chunks = []
    size = 0
    while chunk := response.read(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise EndpointError(_too_large(where, max_bytes, f"over {size} bytes read"))
        chunks.append(chunk)
        if budget.left() <= 0:
            raise TimeoutError
    body = b"".join(chunks)
    missing = getattr(response, "length", None)
    if missing:
        # read(n) returns b"" at a closed connection even when Content-Length
        # promised more (only read() with no size raises IncompleteRead).
        raise http.client.IncompleteRead(body, missing)
    return body


def _too_large(where: str, max_bytes: int, seen: str) -> str:
    return (
        f"{where}: the answer is larger than the limit of {max_bytes} bytes ({seen}; "
        f"${MAX_BYTES_VARIABLE} sets the limit), refused"
    )


def answer_limit() -> int:
    """The most bytes a remote answer may have: ``$KG_REMOTE_MAX_BYTES``, else
    ``DEFAULT_MAX_BYTES``."""
    value = os.environ.get(MAX_BYTES_VARIABLE, "").strip()
    if not value:
        return DEFAULT_MAX_BYTES
    if not value.isdigit() or int(value) == 0:
        raise InputError(f"${MAX_BYTES_VARIABLE}={value!r}: not a positive number of bytes")
    return int(value)


def error_detail(exc: urllib.error.HTTPError) -> str:
    """``": "`` and the first line of an error status's body, or nothing; never more
    than ``_ERROR_BODY`` bytes are read."""
    try:
        body = exc.read(_ERROR_BODY) if exc.fp is not None else b""
    except (OSError, http.client.HTTPException):
        body = b""
    return f": {one_line(body)}" if body.strip() else ""


def status_text(exc: urllib.error.HTTPError) -> str:
    """The standard reason phrase of the status (a server's own is not shown: it is
    free text), or the one urllib gave when the status is not a standard one."""
    return http.client.responses.get(exc.code) or one_line(str(exc.reason), 80)


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port of ``url``, the port filled in for http and https."""
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    try:
        port = parsed.port
    except ValueError:
        port = -1
    if port is None:
        port = {"http": 80, "https": 443}.get(scheme)
    return scheme, (parsed.hostname or "").lower(), port


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuses every redirect, naming both URLs. A redirect to another origin could
    send the query (and, from ``kg push``, the credentials and data) to a server the
    user did not name; one to the same origin would, for a POST, be followed as a GET
    without the query: the user gives the URL it names instead."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> urllib.request.Request | None:
        old = req.full_url
        fp.close()
        where = (
            "the same server" if origin(newurl) == origin(old) else "another scheme, host or port"
        )
        raise EndpointError(
            f"{old}: redirected (HTTP {code}) to {one_line(newurl, 300)}, on {where}: "
            "not followed (kg follows no redirect; give the URL it names if you trust it)"
        )


class _Deadline:
    """Shuts the sockets of one request when its budget ends."""

    def __init__(self, budget: Budget) -> None:
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(budget.left(), 0.0), self._expire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


def _shut(sock: socket.socket) -> None:
    # shutdown() wakes a thread blocked in recv() or send() on the socket; close()
    # alone would not.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _WatchedHTTPConnection(http.client.HTTPConnection):
    """A connection whose socket the deadline shuts when it passes."""

    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline = deadline

    def connect(self) -> None:
        super().connect()
        self._deadline.watch(self.sock)


class _WatchedHTTPSConnection(_WatchedHTTPConnection, http.client.HTTPSConnection):
    """The same over TLS (by the method order, the watched ``connect`` runs
    HTTPSConnection's, which opens and wraps the socket, then watches the wrapped one)."""


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(partial(_WatchedHTTPConnection, deadline=self._deadline), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(context=self._tls)
        self._deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(
            partial(_WatchedHTTPSConnection, deadline=self._deadline), req, context=self._tls
        )


def _refuse_partial(status: int | None, headers: Message, endpoint: str) -> None:
    """EndpointError if the server says that the answer is incomplete.

    HTTP 206 (Partial Content) and Virtuoso's ``X-SQL-State: S1TAT`` ("Returning
    incomplete results, query interrupted by result timeout", its "anytime query")
    come with a well-formed but partial answer, which must not pass for the answer.
    """
    state = (headers.get("X-SQL-State") or "").strip()
    if status == 206:
        raise EndpointError(f"{endpoint}: partial result (HTTP 206 Partial Content), refused")
    if state.upper() == "S1TAT":
        message = headers.get("X-SQL-Message") or ""
        detail = f": {one_line(message, 120)}" if message.strip() else ""
        raise EndpointError(f"{endpoint}: partial result (X-SQL-State S1TAT{detail}), refused")


def _refuse_cut(result: Result, headers: Message, endpoint: str) -> None:
    """EndpointError if the server cut the answer at its row limit.

    Virtuoso stops a SELECT at ``ResultSetMaxRows`` rows (10000 in Debian's
    virtuoso.ini) with status 200 and says so only in ``X-SPARQL-MaxRows: N``, which it
    sends when the answer reached the limit. (It cuts CONSTRUCT and DESCRIBE at the
    limit too, without any header; that cannot be detected.)
    """
    limit = (headers.get("X-SPARQL-MaxRows") or "").strip()
    if not limit:
        return
    size = len(result.rows) if result.form == "SELECT" else None
    if size is None or not limit.isdigit() or size >= int(limit):
        raise EndpointError(
            f"{endpoint}: partial result: the answer was cut at the server's limit of "
            f"{limit} rows (X-SPARQL-MaxRows; Virtuoso's ResultSetMaxRows), refused"
        )


def _reason(reason: object) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__


class _UntilDeadline(io.BytesIO):
    """An answer's bytes that ``check`` (which raises at the deadline) guards: the
    parser reading them stops there."""

    def __init__(self, data: bytes, check: Callable[[], None]) -> None:
        super().__init__(data)
        self._check = check

    def read(self, size: int | None = -1) -> bytes:
        self._check()
        return super().read(size)


def _read(body: bytes, content_type: str, form: str, endpoint: str, budget: Budget) -> Result:
    from kg.sparql.results import Result, ResultsFormatError, parse_json

    def in_time() -> None:
        if budget.left() <= 0:
            raise EndpointError(
                f"{endpoint}: no answer within {budget.seconds:g} s (timeout, while reading "
                "the answer)"
            )

    if form in ("SELECT", "ASK"):
        try:
            result = parse_json(body, form, in_time)
        except ResultsFormatError as exc:
            got = f" (Content-Type {one_line(content_type, 80)})" if content_type else ""
            raise EndpointError(
                f"{endpoint}: malformed or truncated SPARQL JSON results{got}: {one_line(str(exc))}"
            ) from None
        in_time()
        return result
    from rdflib import Graph

    from kg.core.namespaces import bind_all
    from kg.io import formats

    readable = [f for f in formats.formats_for(form) if f.name in _READ_GRAPH_FORMATS]
    found = formats.by_media_type(content_type, readable) or readable[0]
    syntax = found.parser or found.name
    from kg.io.parse import NO_BASE, refuse_relative

    graph = Graph()
    bind_all(graph)
    try:
        # rdflib's N-Triples parser reads 2 KiB at a time, so the deadline stops it
        # midway; its Turtle parser reads all at once, bounded by the size limit only
        # (which is why N-Triples is asked for first). An answer has no base of its
        # own: a relative IRI in it is refused, never resolved against the current
        # folder (rdflib's default).
        graph.parse(source=_UntilDeadline(body, in_time), format=syntax, publicID=NO_BASE)
        for triple in graph:
            for term in triple:
                refuse_relative(term, endpoint)
    except EndpointError:
        raise
    except InputError as exc:
        raise EndpointError(f"{endpoint}: {exc.message}") from None
    except Exception as exc:
        raise EndpointError(
            f"{endpoint}: malformed or truncated {syntax} result: {one_line(str(exc))}"
        ) from None
    in_time()
    return Result(form, graph=graph)
