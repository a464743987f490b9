"""What every part of ``kg serve`` shares, below the handlers: the configuration and
its defaults, the context a handler is given, and ``HttpError`` (an answer other than
2xx with a one-line message), so that handlers and the service raise HTTP errors
without importing the application that routes to them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from werkzeug.wrappers import Response

from kg.store.base import UNION_DEFAULT_GRAPH

#: Defaults of the limits; ``kg serve --help`` and docs/serving.md show the same numbers.
DEFAULT_HOST = "127.0.0.1"


DEFAULT_PORT = 8000


DEFAULT_TIMEOUT = 30.0  # seconds one query may run


DEFAULT_MAX_ROWS = 10_000  # rows (or triples) one answer may hold


DEFAULT_MAX_BODY = 1_048_576  # bytes of a request body


DEFAULT_THREADS = 8


DEFAULT_CACHE_SIZE = 512  # answers kept for repeated queries (0: no cache)


DEFAULT_REQUEST_TIMEOUT = 30.0  # seconds to receive one whole request (slow clients)


DEFAULT_CONNECTION_LIMIT = 100  # connections open at once (more wait to be accepted)


DEFAULT_QUERY_MEMORY = 1024  # MB one query may add to the server's memory


DEFAULT_CACHE_MEMORY = 64  # MB the answer cache may hold


DEFAULT_MAX_ANSWER = 256  # MB of one answer, encoded, as a query worker sends it

#: The engine kg serve uses unless told otherwise: the default engine, Oxigraph in
#: memory (its queries, like every engine's, run in a process of their own under
#: kg serve, stopped at the time limit: kg.store.isolated).
SERVE_STORE = "memory"


@dataclass(frozen=True)
class ServerConfig:
    """Everything ``kg serve`` can be told; the defaults are the safe ones."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    sources: tuple[Path, ...] | None = None  # None: the shipped ontology and data
    update_token: str | None = None  # None: read-only, every update is refused (403)
    timeout: float = DEFAULT_TIMEOUT
    max_rows: int = DEFAULT_MAX_ROWS
    max_body: int = DEFAULT_MAX_BODY
    allow_service: bool = False  # SERVICE in queries
    allow_remote_from: bool = False  # FROM / FROM NAMED naming graphs not in the store
    cors_origins: tuple[str, ...] = ()  # empty: no CORS headers; ("*",) any origin
    union_default_graph: bool = UNION_DEFAULT_GRAPH  # the union of the named graphs
    threads: int = DEFAULT_THREADS
    # Answers to repeated queries kept until the data changes (the data is read-only
    # between updates, so a cached answer is never stale); 0 turns the cache off.
    cache_size: int = DEFAULT_CACHE_SIZE
    # Where the server is reached from outside (behind a proxy); None: from the request.
    public_url: str | None = None
    # Where the data is held (a kg.store setting); None: SERVE_STORE.
    store: str | None = None
    # A client that has not sent its whole request (headers and body) this long after
    # its first byte gets 408 and is disconnected (slowloris).
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    connection_limit: int = DEFAULT_CONNECTION_LIMIT
    # Each query runs in a child process killed at its time limit (kg.store.isolated),
    # with this much memory (MB) above what the server holds; 0: no memory limit.
    query_memory: int = DEFAULT_QUERY_MEMORY
    cache_memory: int = DEFAULT_CACHE_MEMORY  # MB; 0 turns the cache off
    max_answer: int = DEFAULT_MAX_ANSWER  # MB
    # False: queries run in the server's own process (tests of the engines' own limits).
    isolate_queries: bool = True
    # The release files answered at /dist/ (a folder of kg build); None: none (404).
    dist: Path | None = None

    def __post_init__(self) -> None:
        if self.update_token is not None:
            check_update_token(self.update_token)


#: What an update token may hold: visible ASCII. HTTP carries header values as
#: ISO-8859-1 bytes, so a token with other characters could never be sent as it is
#: compared, and every update would be refused.
_TOKEN_CHARACTERS = re.compile(r"[\x21-\x7e]+")
MIN_TOKEN_LENGTH = 16


def check_update_token(token: str) -> None:
    """InputError unless ``token`` can be an update token: at least
    ``MIN_TOKEN_LENGTH`` characters, visible ASCII only."""
    from kg.core.errors import InputError

    if len(token) < MIN_TOKEN_LENGTH:
        raise InputError(f"the update token is shorter than {MIN_TOKEN_LENGTH} characters")
    if not _TOKEN_CHARACTERS.fullmatch(token):
        raise InputError(
            "the update token holds a character other than visible ASCII "
            "(a space, a control character or a non-ASCII letter), which an "
            "Authorization header cannot carry"
        )


class HttpError(Exception):
    """An answer other than 2xx with a one-line message for the client."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = " ".join(message.split())
        self.headers = headers or {}


Handler = Callable[..., Response]
