"""Run a query on a remote SPARQL 1.1 endpoint through SPARQLWrapper.

Every failure becomes one ``EndpointError`` whose message names the endpoint and the
cause (cannot connect, HTTP status and the server's first line, timeout, malformed or
truncated results, a partial result: HTTP 206, Virtuoso's ``X-SQL-State: S1TAT`` or an
answer cut at ``X-SPARQL-MaxRows``), which the CLI prints as one line with exit code 2.

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

import ast
import email.utils
import http.client
import random
import time
import urllib.error
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlparse

from kg.core.errors import QueryError
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
#: Bytes read at a time from an answer (the budget is checked between reads).
_CHUNK = 65_536

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
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit] + "…"


def run_remote(text: str, form: str, endpoint: str, timeout: float | None = None) -> Result:
    """POST ``text`` to ``endpoint`` (SPARQL 1.1 Protocol) and read the answer.

    SELECT and ASK ask for SPARQL JSON results; CONSTRUCT and DESCRIBE for Turtle
    (any RDF syntax the server picks is read). ``timeout`` (default ``DEFAULT_TIMEOUT``)
    bounds the whole request, retries of transient failures included (module docstring).
    """
    check_endpoint(endpoint)
    budget = Budget(DEFAULT_TIMEOUT if timeout is None else timeout)
    body, content_type, headers = retrying(
        lambda left: _attempt(text, form, endpoint, left, budget), budget
    )
    result = _read(body, content_type, form, endpoint)
    _refuse_cut(result, headers, endpoint)
    return result


def _attempt(
    text: str, form: str, endpoint: str, seconds: float, budget: Budget
) -> tuple[bytes, str, Message]:
    """One request: the body, its media type and the headers; ``Transient`` for what
    ``retrying`` may repeat, ``EndpointError`` for the rest."""
    from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, SPARQLWrapperException

    client = SPARQLWrapper(endpoint, agent=f"kg/{__version__}")
    client.setQuery(text)
    # POST: a long parameter value must not turn into a URL too long for the server.
    client.setMethod(POST)
    client.setOnlyConneg(True)
    # setTimeout() truncates to int (0.5 would become 0, no timeout at all); the
    # attribute goes to urlopen() as given: what is left of the budget.
    client.timeout = seconds  # type: ignore[assignment]
    client.setReturnFormat(JSON if form in ("SELECT", "ASK") else TURTLE)
    whole = budget.seconds
    try:
        response = client.query().response
        content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip()
        _refuse_partial(response.getcode(), response.headers, endpoint)
        chunks = []
        while chunk := response.read(_CHUNK):
            chunks.append(chunk)
            if budget.left() <= 0:
                # A server trickling its answer: the socket timeout alone would not end it.
                raise TimeoutError
        body = b"".join(chunks)
        missing = getattr(response, "length", None)
        if missing:
            # read(n) returns b"" at a closed connection even when Content-Length
            # promised more (only read() with no size raises IncompleteRead).
            raise http.client.IncompleteRead(body, missing)
        return body, content_type, response.headers
    except EndPointInternalError as exc:
        # SPARQLWrapper turns a 500 into its own exception (its Retry-After is lost).
        raise Transient(f"{endpoint}: {_http_cause(exc)}") from None
    except SPARQLWrapperException as exc:
        # SPARQLWrapper maps 400, 401, 404, 414 and 500 to its own exceptions.
        raise EndpointError(f"{endpoint}: {_http_cause(exc)}") from None
    except urllib.error.HTTPError as exc:
        body = exc.read() if exc.fp is not None else b""
        detail = f": {one_line(body)}" if body.strip() else ""
        message = f"{endpoint}: HTTP {exc.code} {exc.reason}{detail}"
        if exc.code in RETRY_STATUSES:
            raise Transient(message, retry_after(exc.headers.get("Retry-After"))) from None
        raise EndpointError(message) from None
    except http.client.IncompleteRead as exc:
        raise Transient(
            f"{endpoint}: truncated response ({len(exc.partial)} bytes received, "
            f"{exc.expected} more expected)"
        ) from None
    except TRANSPORT_ERRORS as exc:
        raise transport_error(exc, endpoint, f"{whole:g}", EndpointError) from None


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


def _http_cause(exc: Exception) -> str:
    name = type(exc).__name__
    status = {
        "QueryBadFormed": "HTTP 400 Bad Request (the endpoint rejects the query)",
        "Unauthorized": "HTTP 401 Unauthorized",
        "EndPointNotFound": "HTTP 404 Not Found (no SPARQL endpoint at this URL)",
        "URITooLong": "HTTP 414 URI Too Long",
        "EndPointInternalError": "HTTP 500 Internal Server Error",
    }.get(name, name)
    # The server's body survives only inside the message, as the repr() of bytes.
    _, marker, shown = str(exc).partition("\n\nResponse:\n")
    detail = ""
    if marker:
        try:
            body = ast.literal_eval(shown)
        except (ValueError, SyntaxError):
            body = shown
        if isinstance(body, bytes | str) and body.strip():
            detail = f": {one_line(body)}"
    return status + detail


def _read(body: bytes, content_type: str, form: str, endpoint: str) -> Result:
    from kg.sparql.results import Result, ResultsFormatError, parse_json

    if form in ("SELECT", "ASK"):
        try:
            return parse_json(body, form)
        except ResultsFormatError as exc:
            got = f" (Content-Type {content_type})" if content_type else ""
            raise EndpointError(
                f"{endpoint}: malformed or truncated SPARQL JSON results{got}: {exc}"
            ) from None
    from rdflib import Graph

    from kg.core.namespaces import bind_all
    from kg.io import formats

    readable = [f for f in formats.formats_for(form) if f.name in _READ_GRAPH_FORMATS]
    found = formats.by_media_type(content_type, readable) or readable[0]
    syntax = found.parser or found.name
    from kg.core.errors import InputError
    from kg.io.parse import NO_BASE, refuse_relative

    graph = Graph()
    bind_all(graph)
    try:
        # An answer has no base of its own: a relative IRI in it is refused, never
        # resolved against the current folder (rdflib's default).
        graph.parse(data=body, format=syntax, publicID=NO_BASE)
        for triple in graph:
            for term in triple:
                refuse_relative(term, endpoint)
    except InputError as exc:
        raise EndpointError(f"{endpoint}: {exc.message}") from None
    except Exception as exc:
        raise EndpointError(
            f"{endpoint}: malformed or truncated {syntax} result: {one_line(str(exc))}"
        ) from None
    return Result(form, graph=graph)
