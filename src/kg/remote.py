"""Run a query on a remote SPARQL 1.1 endpoint through SPARQLWrapper.

Every failure becomes one ``EndpointError`` whose message names the endpoint and the
cause (cannot connect, HTTP status and the server's first line, timeout, malformed or
truncated results, a partial result: HTTP 206, Virtuoso's ``X-SQL-State: S1TAT`` or an
answer cut at ``X-SPARQL-MaxRows``), which the CLI prints as one line with exit code 2.
"""

from __future__ import annotations

import ast
import http.client
import urllib.error
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from kg import __version__
from kg.errors import QueryError

if TYPE_CHECKING:
    from email.message import Message

    from kg.results import Result

#: Seconds to wait for an endpoint, unless told otherwise.
DEFAULT_TIMEOUT = 30.0

_GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "nt",
    "text/plain": "nt",
}
# Not RDF/XML or JSON-LD: a DTD or a remote @context in an answer could make the
# parser fetch or expand things; Turtle and N-Triples cannot.


class EndpointError(QueryError):
    """A remote endpoint could not answer, or answered something unusable."""


def check_endpoint(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise EndpointError(f"{url}: not an http(s) URL of a SPARQL endpoint")
    return url


def _one_line(data: bytes | str, limit: int = 200) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit] + "…"


def run_remote(text: str, form: str, endpoint: str, timeout: float | None = None) -> Result:
    """POST ``text`` to ``endpoint`` (SPARQL 1.1 Protocol) and read the answer.

    SELECT and ASK ask for SPARQL JSON results; CONSTRUCT and DESCRIBE for Turtle
    (any RDF syntax the server picks is read).
    """
    from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    check_endpoint(endpoint)
    seconds = DEFAULT_TIMEOUT if timeout is None else timeout
    client = SPARQLWrapper(endpoint, agent=f"kg/{__version__}")
    client.setQuery(text)
    # POST: a long parameter value must not turn into a URL too long for the server.
    client.setMethod(POST)
    client.setOnlyConneg(True)
    # setTimeout() truncates to int (0.5 would become 0, no timeout at all); the
    # attribute goes to urlopen() as given.
    client.timeout = seconds  # type: ignore[assignment]
    client.setReturnFormat(JSON if form in ("SELECT", "ASK") else TURTLE)
    try:
        response = client.query().response
        content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip()
        _refuse_partial(response.getcode(), response.headers, endpoint)
        body = response.read()
    except SPARQLWrapperException as exc:
        # SPARQLWrapper maps 400, 401, 404, 414 and 500 to its own exceptions.
        raise EndpointError(f"{endpoint}: {_http_cause(exc)}") from None
    except urllib.error.HTTPError as exc:
        body = exc.read() if exc.fp is not None else b""
        detail = f": {_one_line(body)}" if body.strip() else ""
        raise EndpointError(f"{endpoint}: HTTP {exc.code} {exc.reason}{detail}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise EndpointError(f"{endpoint}: no answer within {seconds:g} s (timeout)") from None
        raise EndpointError(f"{endpoint}: cannot connect: {_reason(exc.reason)}") from None
    except TimeoutError:
        raise EndpointError(f"{endpoint}: no answer within {seconds:g} s (timeout)") from None
    except http.client.IncompleteRead as exc:
        raise EndpointError(
            f"{endpoint}: truncated response ({len(exc.partial)} bytes received, "
            f"{exc.expected} more expected)"
        ) from None
    except (http.client.HTTPException, OSError) as exc:
        raise EndpointError(f"{endpoint}: connection failed: {_reason(exc)}") from None
    result = _read(body, content_type, form, endpoint)
    _refuse_cut(result, response.headers, endpoint)
    return result


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
        detail = f": {_one_line(message, 120)}" if message.strip() else ""
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
            detail = f": {_one_line(body)}"
    return status + detail


def _read(body: bytes, content_type: str, form: str, endpoint: str) -> Result:
    from kg.results import Result, ResultsFormatError, parse_json

    if form in ("SELECT", "ASK"):
        try:
            return parse_json(body, form)
        except ResultsFormatError as exc:
            got = f" (Content-Type {content_type})" if content_type else ""
            raise EndpointError(
                f"{endpoint}: malformed or truncated SPARQL JSON results{got}: {exc}"
            ) from None
    from rdflib import Graph

    from kg.namespaces import bind_all

    syntax = _GRAPH_TYPES.get(content_type, "turtle")
    graph = Graph()
    bind_all(graph)
    try:
        graph.parse(data=body, format=syntax)
    except Exception as exc:
        raise EndpointError(
            f"{endpoint}: malformed or truncated {syntax} result: {_one_line(str(exc))}"
        ) from None
    return Result(form, graph=graph)
