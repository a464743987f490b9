"""The SPARQL 1.1 Protocol endpoint of ``kg serve``, and the service that runs every
query the server answers under its limits.

``SparqlService.run`` is the one place a query runs for the server (the protocol
endpoint, the stored-query API and the HTML pages all call it): it refuses SERVICE and
FROM unless enabled, enforces the time limit cooperatively (the store checks a
per-thread deadline as it yields triples, so a runaway join stops at the deadline) and
the row cap (an answer over the cap is an error, never a truncated 200).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from rdflib import Dataset
from rdflib.plugins.stores.memory import Memory
from werkzeug.wrappers import Request, Response

from kg.errors import QueryError

if TYPE_CHECKING:
    from rdflib.term import Identifier

    from kg.results import Result
    from kg.server import AppContext, ServerConfig


class QueryTimeout(QueryError):
    """The query ran past the server's time limit."""


class TooManyRows(QueryError):
    """The answer holds more rows (or triples) than the server's cap."""


class _Deadline(threading.local):
    at: float | None = None


_deadline = _Deadline()


def _check_deadline() -> None:
    at = _deadline.at
    if at is not None and time.monotonic() > at:
        raise QueryTimeout("the query ran past the time limit")


class DeadlineMemory(Memory):
    """rdflib's in-memory store, checking the running thread's deadline as it yields."""

    def triples(self, triple_pattern: Any, context: Any = None) -> Iterator[Any]:  # type: ignore[override]
        _check_deadline()
        for count, item in enumerate(super().triples(triple_pattern, context), 1):
            if not count & 0xFF:
                _check_deadline()
            yield item


class SparqlService:
    """Runs queries on a read-only copy of the dataset under the server's limits."""

    def __init__(self, dataset: Dataset, config: ServerConfig) -> None:
        from kg.namespaces import bind_all

        self.config = config
        self.dataset = Dataset(store=DeadlineMemory(), default_union=config.union_default_graph)
        bind_all(self.dataset)
        # A copy in a store that checks deadlines; Dataset.quads gives graph names.
        self.dataset.store.addN(
            (s, p, o, self.dataset.graph(g))
            for s, p, o, g in dataset.quads((None, None, None, None))
        )

    def run(
        self,
        text: str,
        terms: Mapping[str, Identifier] | None = None,
        timeout: float | None = None,
    ) -> Result:
        """Run ``text`` with ``terms`` bound; QueryTimeout, TooManyRows or QueryError."""
        from kg.queries import _prepared
        from kg.results import from_rdflib

        prepared = _prepared(text)
        limit = self.config.timeout if timeout is None else min(timeout, self.config.timeout)
        _deadline.at = time.monotonic() + limit
        try:
            raw = self.dataset.query(prepared, initBindings=dict(terms or {}))
            result: Result = from_rdflib(raw)
        except QueryError:
            raise
        except Exception as exc:
            raise QueryError(f"query failed: {' '.join(str(exc).split())}") from None
        finally:
            _deadline.at = None
        size = len(result.rows) if result.graph is None else len(result.graph)
        if size > self.config.max_rows:
            raise TooManyRows(
                f"the answer has {size} rows, over the server's limit of "
                f"{self.config.max_rows}: add LIMIT (and OFFSET to page)"
            )
        return result


def handle_query(ctx: AppContext, request: Request) -> Response:
    """SPARQL 1.1 Protocol query operation (GET, POST form, POST direct)."""
    raise NotImplementedError


def handle_update(ctx: AppContext, request: Request) -> Response:
    """SPARQL 1.1 Protocol update operation: 403 unless the server has an update token."""
    raise NotImplementedError
