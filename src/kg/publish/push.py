"""Push the graph to a remote triple store over the SPARQL 1.1 Graph Store Protocol.

``push`` sends every named graph of a dataset to the store, each one **replaced whole**
(HTTP ``PUT`` on ``GRAPH_STORE?graph=IRI``; a graph the store held before is dropped,
so pushing twice leaves the same triples), then asks the SPARQL query endpoint how many
triples each graph holds (``SELECT (COUNT(*) AS ?n) WHERE { GRAPH <IRI> { ?s ?p ?o } }``)
and reports, per graph, the triples sent and found. The graphs of the store that are not
in the dataset are left alone.

A graph larger than ``BATCH_TRIPLES`` goes in batches: the first replaces it (``PUT``),
the next ones add to it (``POST``), so that no request is larger than a store accepts
(Virtuoso resets the connection of a PUT of 50,000 of the gazetteer's triples). Adding a
triple a graph holds changes nothing, so a batch that is retried is harmless.

The body is N-Triples (``application/n-triples``), sorted, in UTF-8 without ``\\u``
escapes: the Vietnamese text (NFC) arrives byte for byte, which the tests check by
reading literals back from Oxigraph and Virtuoso. The data has no blank nodes (a test
checks), so a store cannot merge or split any and the counts are comparable.

**The Graph Store URL.** Given with ``graph_store``, or derived from the query endpoint
for the two servers the project tests against:

* Oxigraph: ``http://HOST/query`` → ``http://HOST/store``;
* Virtuoso: ``http://HOST/sparql`` → ``http://HOST/sparql-graph-crud-auth`` with a user
  (digest authentication), ``http://HOST/sparql-graph-crud`` without one.

Any other endpoint path needs ``graph_store`` (Fuseki: ``http://HOST/DATASET/data``;
GraphDB: ``http://HOST/repositories/REPO/rdf-graphs/service``): nothing is probed.

**Authentication.** ``user`` and ``password`` authenticate the uploads, with HTTP digest
(``auth="digest"``, what Virtuoso's ``/sparql-graph-crud-auth`` asks for) or basic
(``auth="basic"``, sent with the first request). The count queries go to the query
endpoint without credentials. The password appears in no message.

Every failure is a ``PushError`` (an ``EndpointError``) whose one-line message names the
URL, the graph where there is one, and the cause.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlparse, urlunparse

from kg.core.errors import InputError
from kg.core.version import __version__
from kg.sparql.remote import (
    DEFAULT_TIMEOUT,
    RETRY_STATUSES,
    TRANSPORT_ERRORS,
    Budget,
    EndpointError,
    Transient,
    answer_limit,
    error_detail,
    exchange,
    retry_after,
    retrying,
    status_text,
    transport_error,
)

if TYPE_CHECKING:
    from rdflib import Dataset

AUTH_SCHEMES = ("digest", "basic")
CONTENT_TYPE = "application/n-triples"
#: Triples a request carries at most (about 0.7 MB of N-Triples): a larger graph goes
#: in batches, the first PUT, the others POST. Virtuoso 7 resets the connection of a
#: request of 50,000 of the gazetteer's triples; 5,000 pass.
BATCH_TRIPLES = 5_000


class PushError(EndpointError):
    """An upload or a count failed: the message names the URL, the graph and the cause."""


@dataclass(frozen=True)
class GraphPush:
    """One named graph: triples sent, and triples the query endpoint found afterwards."""

    graph: str
    sent: int
    found: int
    size: int  # bytes of N-Triples sent

    @property
    def ok(self) -> bool:
        return self.sent == self.found

    @property
    def status(self) -> str:
        return "ok" if self.ok else "mismatch"


@dataclass(frozen=True)
class PushReport:
    endpoint: str
    graph_store: str
    graphs: tuple[GraphPush, ...]
    seconds: float  # uploads and counts

    @property
    def ok(self) -> bool:
        """Every graph holds, on the store, as many triples as were sent."""
        return bool(self.graphs) and all(g.ok for g in self.graphs)

    @property
    def sent(self) -> int:
        return sum(g.sent for g in self.graphs)

    @property
    def found(self) -> int:
        return sum(g.found for g in self.graphs)

    def table(self) -> str:
        """One row per graph (IRI, sent, found, ok/mismatch) and a summary line."""
        header = ("graph", "sent", "found", "status")
        rows = [(g.graph, str(g.sent), str(g.found), g.status) for g in self.graphs]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]

        def line(row: tuple[str, str, str, str]) -> str:
            return (
                f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]}"
            ).rstrip()

        out = [line(header), "  ".join("-" * w for w in widths)]
        out.extend(line(row) for row in rows)
        mismatched = sum(not g.ok for g in self.graphs)
        verdict = (
            "every graph matches"
            if self.ok
            else f"{mismatched} graph{'s' if mismatched != 1 else ''} mismatched"
        )
        out.append(
            f"{len(self.graphs)} graphs, {self.sent} triples sent to {self.graph_store}, "
            f"{self.found} found at {self.endpoint} ({self.seconds:.1f} s): {verdict}"
        )
        return "\n".join(out) + "\n"


def graph_store_url(endpoint: str, graph_store: str | None = None, user: str | None = None) -> str:
    """The Graph Store URL: ``graph_store`` if given, else derived from ``endpoint`` for
    Oxigraph (``/query`` → ``/store``) and Virtuoso (``/sparql`` →
    ``/sparql-graph-crud-auth`` with a user, ``/sparql-graph-crud`` without); InputError
    for any other endpoint."""
    if graph_store is not None:
        _check_url(graph_store, "--graph-store")
        return graph_store
    parsed = urlparse(endpoint)
    derived = {
        "/query": "/store",
        "/sparql": "/sparql-graph-crud-auth" if user is not None else "/sparql-graph-crud",
    }.get(parsed.path)
    if derived is None or parsed.query:
        raise InputError(
            f"cannot derive the Graph Store URL from the endpoint {endpoint} (known: "
            "Oxigraph .../query -> .../store, Virtuoso .../sparql -> "
            ".../sparql-graph-crud-auth); give it with --graph-store"
        )
    return urlunparse(parsed._replace(path=derived, params="", query="", fragment=""))


def _check_url(url: str, what: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InputError(f"{what} {url}: not an http(s) URL")
    if parsed.username is not None or parsed.password is not None:
        # Never echo it: the URL holds a password.
        raise InputError(f"{what}: put the user and password in --user/--password, not the URL")


def graph_url(graph_store: str, graph: str) -> str:
    """``graph_store?graph=IRI`` (SPARQL 1.1 Graph Store Protocol, indirect naming)."""
    separator = "&" if "?" in graph_store else "?"
    return graph_store + separator + urlencode({"graph": graph})


def _auth_handlers(
    graph_store: str, user: str | None, password: str | None, auth: str
) -> list[urllib.request.BaseHandler]:
    handlers: list[urllib.request.BaseHandler] = []
    if user is not None and password is not None:
        if auth == "digest":
            digest = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            digest.add_password(None, graph_store, user, password)
            handlers.append(urllib.request.HTTPDigestAuthHandler(digest))
        else:
            prior = urllib.request.HTTPPasswordMgrWithPriorAuth()
            prior.add_password(None, graph_store, user, password, is_authenticated=True)
            handlers.append(urllib.request.HTTPBasicAuthHandler(prior))
    return handlers


def batches(body: bytes, size: int = 0) -> list[bytes]:
    """The lines of the N-Triples ``body`` in batches of ``size`` (default
    ``BATCH_TRIPLES``) lines, each batch whole lines; one batch (maybe empty) at least."""
    size = size or BATCH_TRIPLES
    lines = body.splitlines(keepends=True)
    if len(lines) <= size:
        return [body]
    return [b"".join(lines[start : start + size]) for start in range(0, len(lines), size)]


def _put(
    handlers: Sequence[urllib.request.BaseHandler],
    graph_store: str,
    graph: str,
    body: bytes,
    timeout: float,
    authenticated: bool,
    method: str = "PUT",
) -> None:
    """PUT (or POST) one graph's batch; a transient failure is retried as for queries
    (``kg.sparql.remote``: a PUT replaces the graph and a POST adds triples it may already
    hold, so repeating either is safe), within ``timeout`` in all."""
    budget = Budget(timeout)
    try:
        retrying(
            lambda left: _put_once(
                handlers, graph_store, graph, body, authenticated, budget, method
            ),
            budget,
        )
    except PushError:
        raise
    except EndpointError as exc:
        raise PushError(str(exc)) from None


def _put_once(
    handlers: Sequence[urllib.request.BaseHandler],
    graph_store: str,
    graph: str,
    body: bytes,
    authenticated: bool,
    budget: Budget,
    method: str = "PUT",
) -> None:
    where = f"{graph_store}: graph <{graph}>"
    request = urllib.request.Request(
        graph_url(graph_store, graph),
        data=body,
        method=method,
        headers={"Content-Type": CONTENT_TYPE, "User-Agent": f"kg/{__version__}"},
    )
    try:
        exchange(request, budget, answer_limit(), where, handlers)
    except urllib.error.HTTPError as exc:
        message = f"{where}: {_http_cause(exc, authenticated)}"
        if exc.code in RETRY_STATUSES:
            raise Transient(message, retry_after(exc.headers.get("Retry-After"))) from None
        raise PushError(message) from None
    except EndpointError as exc:
        raise PushError(str(exc)) from None
    except TRANSPORT_ERRORS as exc:
        raise transport_error(exc, where, f"{budget.seconds:g}", PushError) from None


def _http_cause(exc: urllib.error.HTTPError, authenticated: bool) -> str:
    if exc.code in (401, 403):
        why = (
            "the store refuses the user or password"
            if authenticated
            else "the store wants credentials (--user, --password)"
        )
        return f"HTTP {exc.code} {status_text(exc)} ({why})"
    return f"HTTP {exc.code} {status_text(exc)}{error_detail(exc)}"


def count(endpoint: str, graph: str, timeout: float | None = None) -> int:
    """The number of triples the query endpoint finds in ``graph``."""
    from kg.store.remote import RemoteStore

    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    try:
        result = RemoteStore(endpoint, timeout=timeout).query(query)
    except EndpointError as exc:
        raise PushError(f"{exc} (counting the triples of <{graph}>)") from None
    values = [row.get("n") for row in result.rows]
    try:
        if len(values) != 1 or values[0] is None:
            raise ValueError(values)
        return int(str(values[0]))
    except ValueError:
        raise PushError(
            f"{endpoint}: counting the triples of <{graph}>: expected one number, "
            f"got {[str(v) for v in values]}"
        ) from None


def push(
    dataset: Dataset,
    endpoint: str,
    graph_store: str | None = None,
    user: str | None = None,
    password: str | None = None,
    auth: str = "digest",
    timeout: float | None = None,
) -> PushReport:
    """Replace each named graph of ``dataset`` on the store, then count what it holds.

    ``endpoint`` is the SPARQL query endpoint; ``graph_store`` the Graph Store URL
    (derived for Oxigraph and Virtuoso, see the module). Raises InputError for bad
    arguments and PushError when an upload or a count fails; a count that differs is
    not an error but a ``mismatch`` row of the report (``report.ok`` is False).
    """
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

    from kg.io.parse import named_graphs
    from kg.io.serialise import export_graph

    _check_url(endpoint, "--endpoint")
    if auth not in AUTH_SCHEMES:
        raise InputError(f"unknown authentication {auth!r} (known: {', '.join(AUTH_SCHEMES)})")
    if (user is None) != (password is None):
        raise InputError(
            "--user and --password go together (the password may come from KG_PUSH_PASSWORD)"
        )
    store = graph_store_url(endpoint, graph_store, user)
    seconds = DEFAULT_TIMEOUT if timeout is None else timeout
    default = len(dataset.graph(DATASET_DEFAULT_GRAPH_ID))
    if default:
        raise InputError(
            f"{default} triple(s) in the default graph: push sends named graphs only "
            "(every triple of the project is in a named graph)"
        )
    graphs = named_graphs(dataset)
    if not graphs:
        raise InputError("nothing to push: the data has no named graph")

    started = time.monotonic()
    handlers = _auth_handlers(store, user, password, auth)
    sent: dict[str, tuple[int, int]] = {}
    for name, graph in graphs.items():
        body = export_graph(graph, "nt")
        for number, batch in enumerate(batches(body)):
            method = "PUT" if number == 0 else "POST"
            _put(handlers, store, str(name), batch, seconds, user is not None, method)
        sent[str(name)] = (len(graph), len(body))
    results = tuple(
        GraphPush(name, triples, count(endpoint, name, seconds), size)
        for name, (triples, size) in sent.items()
    )
    return PushReport(endpoint, store, results, time.monotonic() - started)
