"""The server's side of every query: the store under the server's limits, with an
answer cache, and the update token.

Every handler (the protocol endpoint, the stored-query API, the HTML pages) runs its
queries through ``SparqlService.run``, which runs them through the one engine interface
(``kg.store.KgStore.query``) with the server's policy (``--allow-service``,
``--allow-remote-from``), time limit and row cap. Repeated answers come from a cache
keyed by the data's version: an update makes every older answer unreachable.

HTTP statuses come with the errors (``http_status`` in ``kg.core.errors``):
``QueryTimeout`` 503 (as Fuseki), ``TooManyRows`` 422, ``Refused`` and other
``QueryError``s 400.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kg.core.errors import QueryTimeout
from kg.http.context import ServerConfig
from kg.sparql.policy import DatasetSpec, Policy, Verdict, check_query
from kg.sparql.results import approximate_size
from kg.sparql.text import query_form
from kg.store.base import KgStore, Limits

if TYPE_CHECKING:
    from rdflib import Dataset
    from rdflib.term import Identifier

    from kg.sparql.results import Result
    from kg.sparql.terms import Term

#: Answers larger than this many rows (or triples) are not cached: the cache is for
#: the many small answers a public endpoint repeats, not for bulk downloads.
_CACHEABLE_SIZE = 2_000


#: When the request being answered on this thread began (``request_began``): the time
#: limit of its queries counts from then, so that reading its body, checking it and
#: waiting for a worker are part of it.
_request_began: ContextVar[float | None] = ContextVar("kg_request_began", default=None)


@contextmanager
def request_began(at: float) -> Iterator[None]:
    """Queries run inside this block share one deadline counted from ``at``
    (``time.monotonic()``)."""
    token = _request_began.set(at)
    try:
        yield
    finally:
        _request_began.reset(token)


def server_policy(config: ServerConfig) -> Policy:
    return Policy(allow_service=config.allow_service, allow_remote_from=config.allow_remote_from)


class SparqlService:
    """Runs queries (and, with a token, updates) on ``store`` under the server's limits."""

    def __init__(self, store: KgStore, config: ServerConfig) -> None:
        self.config = config
        self.store = store
        self._answers: OrderedDict[tuple[Any, ...], tuple[Result, int]] = OrderedDict()
        self._answers_lock = threading.Lock()
        self._cached_bytes = 0
        self._cache_limit = config.cache_memory * 1_048_576 if config.cache_size else 0
        self.cache_hits = 0
        self._size: tuple[str, int] | None = None

    @property
    def dataset(self) -> Dataset:
        """The data as an rdflib Dataset (the rdflib engine's own; a copy otherwise)."""
        return self.store.dataset()

    def version(self) -> str:
        """Changes whenever the data changes: the base of ETags and cache keys."""
        return self.store.version()

    def size(self) -> int:
        """The number of quads the health check reports: counted once per version of
        the data (``/health`` is answered on the server's own thread)."""
        version = self.store.version()
        known = self._size
        if known is None or known[0] != version:
            known = self._size = (version, len(self.store))
        return known[1]

    def _limits(self, timeout: float | None) -> Limits:
        """The limits of a query run now: the time left of the request's (see
        ``request_began``), never more than ``timeout``."""
        limit = self.config.timeout if timeout is None else min(timeout, self.config.timeout)
        began = _request_began.get()
        if began is not None:
            limit -= time.monotonic() - began
            if limit <= 0:
                raise QueryTimeout("the request ran past the time limit")
        return Limits(timeout=limit, max_rows=self.config.max_rows)

    # -- queries --------------------------------------------------------------------

    def form(self, text: str) -> str:
        """The form of query ``text``, from its first words: the rest of the text is
        read where the query runs, under its time limit."""
        return query_form(text)

    def check(self, text: str, dataset: DatasetSpec | None = None) -> Verdict:
        """The policy's verdict on ``text`` (its form, before it runs); Refused or
        QueryError."""
        from kg.core.namespaces import PREFIXES

        held: set[str] | None = None

        def holds(name: str) -> bool:
            nonlocal held
            if held is None:  # only a query with a dataset asks
                held = set(self.store.graph_names())
            return name in held

        return check_query(text, holds, self.store.policy, dataset, PREFIXES)

    def run(
        self,
        text: str,
        terms: Mapping[str, Term | Identifier] | None = None,
        timeout: float | None = None,
        *,
        dataset: DatasetSpec | None = None,
        base: str | None = None,
    ) -> Result:
        """Run ``text`` with ``terms`` bound (by variable name). ``timeout`` may only
        lower the server's limit. ``dataset`` (the protocol's ``default-graph-uri`` /
        ``named-graph-uri``) overrides the query's FROM clauses. Raises QueryTimeout,
        TooManyRows, Refused or QueryError."""
        key = (
            self.store.version(),
            text,
            base,
            dataset,
            tuple(sorted((terms or {}).items())),
        )
        if self._cache_limit:
            with self._answers_lock:
                cached = self._answers.get(key)
                if cached is not None:
                    self._answers.move_to_end(key)
                    self.cache_hits += 1
                    return cached[0]
        result = self.store.query(
            text, terms, dataset=dataset or None, base=base, limits=self._limits(timeout)
        )
        if self._cache_limit and len(result) <= _CACHEABLE_SIZE:
            self._keep(key, result)
        return result

    def _keep(self, key: tuple[Any, ...], result: Result) -> None:
        """Cache ``result``, dropping the least recently used answers past the cache's
        limits: ``cache_size`` answers, ``cache_memory`` megabytes."""
        size = approximate_size(result)
        if size > self._cache_limit:
            return
        with self._answers_lock:
            previous = self._answers.pop(key, None)
            if previous is not None:
                self._cached_bytes -= previous[1]
            self._answers[key] = (result, size)
            self._cached_bytes += size
            while self._answers and (
                len(self._answers) > self.config.cache_size
                or self._cached_bytes > self._cache_limit
            ):
                _, (_, dropped) = self._answers.popitem(last=False)
                self._cached_bytes -= dropped

    def cache_usage(self) -> tuple[int, int]:
        """Answers cached, and about how many bytes they hold."""
        with self._answers_lock:
            return len(self._answers), self._cached_bytes

    def close(self) -> None:
        """Stop the running queries and release the store."""
        self.store.close()

    # -- updates --------------------------------------------------------------------

    def check_token(self, header: str | None) -> bool:
        """Whether ``Authorization: Bearer <token>`` carries the server's token."""
        token = self.config.update_token
        if token is None or not header:
            return False
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(given.strip().encode("utf-8"), token.encode("utf-8"))

    def update(
        self,
        text: str,
        *,
        using: DatasetSpec | None = None,
        base: str | None = None,
        timeout: float | None = None,
    ) -> None:
        """Run a SPARQL 1.1 Update request atomically (all of it, or nothing)."""
        self.store.update(text, using=using or None, base=base, limits=self._limits(timeout))

    # -- description ----------------------------------------------------------------

    def graph_sizes(self) -> tuple[int, list[tuple[str, int]]]:
        """Triples in the default graph (the union, when it is one) and per named graph,
        counted by the store."""
        named = self.store.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
        sizes = sorted((str(row["g"]), int(str(row["n"]))) for row in named.rows)
        if self.store.union_default:
            text = (
                "SELECT (COUNT(*) AS ?n) WHERE "
                "{ SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"
            )
        else:
            text = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        total = self.store.query(text).rows
        return (int(str(total[0]["n"])) if total else 0), sizes


@dataclass
class AppContext:
    """What every handler may use: the configuration and the SPARQL service that runs
    queries under the limits."""

    config: ServerConfig
    service: SparqlService
    extra: dict[str, Any] = field(default_factory=dict)
