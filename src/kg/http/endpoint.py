"""The SPARQL 1.1 Protocol endpoint of ``kg serve``, and the service that runs every
query the server answers under its limits.

``SparqlService.run`` is the one place a query runs for the server (the protocol
endpoint, the stored-query API and the HTML pages all call it). It

* refuses ``SERVICE`` (unless ``--allow-service``) and FROM / FROM NAMED /
  ``default-graph-uri`` / ``named-graph-uri`` naming graphs the store does not hold
  (unless ``--allow-remote-from``); rdflib is never allowed to load a graph itself
  (``SPARQL_LOAD_GRAPHS = False``) and a query with a dataset runs on a *copy* holding
  only the graphs it names, so the shared dataset is never touched;
* enforces the time limit cooperatively: a per-thread deadline is checked by the store
  as it yields triples (``DeadlineMemory.triples``) *and* every time rdflib's evaluator
  makes a solution (``FrozenBindings``: joins, products of ``VALUES``, ``BIND``,
  projections), so a cartesian product stops at the deadline even when rdflib has
  materialised one side and loops in pure Python; what escapes is a single long step
  that makes no solution: sorting rows already made, one regular expression on one long
  string (Python's ``re`` holds the GIL), serialising a large answer;
* enforces the row cap while the rows stream out of rdflib (a SELECT stops at the
  first row over the cap): an answer over the cap is an error (``TooManyRows``), never
  a truncated 200.

Updates (``SparqlService.update``) run on a copy of the data under a lock and replace
the data in one assignment when the whole request succeeded: a reader sees the data
before or after an update, never half of it, and a failed update changes nothing.

HTTP statuses (the ``http_status`` of the exceptions, mapped by ``kg.http.app``):
``QueryTimeout`` 503 (as Fuseki), ``TooManyRows`` 422, ``Refused`` and other
``QueryError``s 400.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import rdflib.plugins.sparql
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.stores.memory import Memory
from werkzeug.wrappers import Request, Response

from kg.core.errors import QueryError
from kg.io import formats
from kg.io.formats import Format

if TYPE_CHECKING:
    from rdflib.term import Identifier

    from kg.http.context import AppContext, ServerConfig
    from kg.sparql.results import Result
    from kg.store import OxigraphStore

# Never let rdflib fetch a FROM / FROM NAMED / USING / LOAD graph from the network or
# a file: the server decides which graphs a query sees (see SparqlService._restricted).
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False


class QueryTimeout(QueryError):
    """The query ran past the server's time limit."""

    http_status = 503


class TooManyRows(QueryError):
    """The answer holds more rows (or triples) than the server's cap."""

    http_status = 422


class Refused(QueryError):
    """A query or update the server does not run (SERVICE, a graph not in the store)."""

    http_status = 400


# -- the deadline -------------------------------------------------------------------------


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


def _install_solution_check() -> None:
    """Check the deadline whenever rdflib's evaluator makes a solution.

    Every join, product, VALUES row, BIND and projection makes a ``FrozenBindings``;
    checking there stops the loops that never go back to the store. The check costs
    a thread-local read on threads without a deadline (the CLI, validation).
    """
    from rdflib.plugins.sparql import sparql

    original = sparql.FrozenBindings.__init__
    if getattr(original, "_kg_deadline", False):
        return

    def __init__(self: Any, ctx: Any, *args: Any, **kwargs: Any) -> None:
        at = _deadline.at
        if at is not None and time.monotonic() > at:
            raise QueryTimeout("the query ran past the time limit")
        original(self, ctx, *args, **kwargs)

    __init__._kg_deadline = True  # type: ignore[attr-defined]
    sparql.FrozenBindings.__init__ = __init__  # type: ignore[method-assign]


_install_solution_check()


# -- the service ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DatasetSpec:
    """The RDF dataset of one request: the graphs merged into its default graph and its
    named graphs (FROM / FROM NAMED, or the protocol's ``default-graph-uri`` /
    ``named-graph-uri``, which override the query's)."""

    default: tuple[URIRef, ...] = ()
    named: tuple[URIRef, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.default or self.named)


@dataclass(frozen=True)
class PreparedQuery:
    """A parsed query: its form, the rdflib query without its FROM clauses (the server
    builds the dataset itself), the dataset its FROM clauses name, whether it calls
    SERVICE."""

    text: str
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    query: Any
    dataset: DatasetSpec
    uses_service: bool


@dataclass(frozen=True)
class Snapshot:
    """The data at one moment: updates replace the whole snapshot at once."""

    dataset: Dataset
    generation: int
    version: str  # a hash of the quads, order-independent: the ETag's base
    graph_names: frozenset[URIRef]


_FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}


def _walk(node: Any) -> Iterator[Any]:
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, CompValue):
            yield item
            stack.extend(item.values())
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set):
            stack.extend(item)


def _uses_service(algebra: Any) -> bool:
    return any(getattr(n, "name", "") == "ServiceGraphPattern" for n in _walk(algebra))


@lru_cache(maxsize=128)
def _prepare(text: str, base: str | None) -> PreparedQuery:
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.plugins.sparql.sparql import Query

    from kg.core.namespaces import PREFIXES
    from kg.store import SPARQL_PARSE_LOCK

    try:
        with SPARQL_PARSE_LOCK:
            parsed = prepareQuery(text, initNs=PREFIXES, base=base)
    except Exception as exc:  # pyparsing's ParseException, rdflib's own errors
        raise QueryError(f"bad SPARQL: {' '.join(str(exc).split())}") from None
    algebra = parsed.algebra
    form = _FORMS.get(algebra.name)
    if form is None:
        raise QueryError(f"not a SPARQL query form: {algebra.name}")
    default: list[URIRef] = []
    named: list[URIRef] = []
    for clause in algebra.datasetClause or []:
        if clause.default is not None:
            default.append(URIRef(clause.default))
        elif clause.named is not None:
            named.append(URIRef(clause.named))
    # A copy of the algebra without FROM: rdflib would otherwise build the dataset
    # itself (and, with SPARQL_LOAD_GRAPHS, fetch graphs).
    stripped = CompValue(algebra.name, **dict(algebra.items()))
    stripped["datasetClause"] = None
    return PreparedQuery(
        text,
        form,
        Query(parsed.prologue, stripped),
        DatasetSpec(tuple(default), tuple(named)),
        _uses_service(algebra),
    )


def _version(dataset: Dataset) -> str:
    total = 0
    for quad in dataset.quads((None, None, None, None)):
        text = " ".join(term.n3() if term is not None else "" for term in quad)
        digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
        total = (total + int.from_bytes(digest, "big")) % (1 << 64)
    return f"{total:016x}{len(dataset):x}"


def _copy(source: Dataset, union: bool) -> Dataset:
    from kg.core.namespaces import bind_all

    target = Dataset(store=DeadlineMemory(), default_union=union)
    bind_all(target)
    # Dataset.quads gives graph names; the default graph is DATASET_DEFAULT_GRAPH_ID.
    target.store.addN(
        (s, p, o, target.get_context(g)) for s, p, o, g in source.quads((None, None, None, None))
    )
    return target


def _default(dataset: Dataset) -> Graph:
    """The default graph (``default_graph`` in rdflib 7.2+, ``default_context`` before)."""
    graph: Graph = getattr(type(dataset), "default_graph", None) and dataset.default_graph  # type: ignore[assignment]
    return graph if graph is not None else dataset.default_context


def _names(dataset: Dataset) -> frozenset[URIRef]:
    return frozenset(
        URIRef(c.identifier)
        for c in dataset.store.contexts()
        if c.identifier != DATASET_DEFAULT_GRAPH_ID and isinstance(c.identifier, URIRef)
    )


#: Answers larger than this many rows (or triples) are not cached: the cache is for
#: the many small answers a public endpoint repeats, not for bulk downloads.
_CACHEABLE_SIZE = 2_000


class SparqlService:
    """Runs queries (and, with a token, updates) under the server's limits.

    ``run(text, terms=None, timeout=None)`` is the call every handler uses; the
    keyword-only ``dataset`` (a ``DatasetSpec``) and ``base`` are for the protocol
    endpoint. ``dataset`` is the current data (after any update); ``AppContext.dataset``
    is the data as loaded.
    """

    def __init__(
        self, dataset: Dataset, config: ServerConfig, store: OxigraphStore | None = None
    ) -> None:
        self.config = config
        #: ``kg serve --store oxigraph:PATH``: queries run on the Oxigraph store, read-only.
        self.store = store
        if store is not None:
            names = frozenset(URIRef(name) for name in store.graph_names())
            self._snapshot = Snapshot(dataset, 0, store.version(), names)
            # pyoxigraph cannot stop a query: it runs in a worker and is answered 503 at
            # the deadline while the worker finishes in the background. As many workers
            # as request threads, so that runaway queries cannot pile up without bound.
            self._workers = ThreadPoolExecutor(
                max_workers=config.threads, thread_name_prefix="kg-oxigraph"
            )
        else:
            copied = _copy(dataset, config.union_default_graph)
            self._snapshot = Snapshot(copied, 0, _version(copied), _names(copied))
        self._update_lock = threading.Lock()
        self._views: OrderedDict[tuple[int, DatasetSpec], Dataset] = OrderedDict()
        self._views_lock = threading.Lock()
        self._answers: OrderedDict[tuple[Any, ...], Result] = OrderedDict()
        self._answers_lock = threading.Lock()
        self.cache_hits = 0

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    @property
    def dataset(self) -> Dataset:
        return self._snapshot.dataset

    def size(self) -> int:
        """The number of triples the health check reports."""
        if self.store is not None:
            return len(self.store)
        return len(self.dataset)

    # -- queries --------------------------------------------------------------------

    def prepare(self, text: str, base: str | None = None) -> PreparedQuery:
        """Parse ``text`` (QueryError if it is not SPARQL) and apply the refusals."""
        prepared = _prepare(text, base)
        if prepared.uses_service and not self.config.allow_service:
            raise Refused(
                "SERVICE is disabled on this server (it would call another endpoint); "
                "start kg serve with --allow-service to allow it"
            )
        return prepared

    def run(
        self,
        text: str,
        terms: Mapping[str, Identifier] | None = None,
        timeout: float | None = None,
        *,
        dataset: DatasetSpec | None = None,
        base: str | None = None,
    ) -> Result:
        """Run ``text`` with ``terms`` bound (by variable name, as ``initBindings``).

        ``timeout`` may only lower the server's limit. ``dataset`` (the protocol's
        ``default-graph-uri``/``named-graph-uri``) overrides the query's FROM clauses.
        Raises QueryTimeout, TooManyRows, Refused or QueryError.
        """
        prepared = self.prepare(text, base)
        snapshot = self._snapshot
        spec = dataset if dataset else prepared.dataset
        # Keyed by the data's generation: an update makes every older answer unreachable.
        key = (snapshot.generation, text, base, spec, tuple(sorted((terms or {}).items())))
        if self.config.cache_size:
            with self._answers_lock:
                cached = self._answers.get(key)
                if cached is not None:
                    self._answers.move_to_end(key)
                    self.cache_hits += 1
                    return cached
        result = self._evaluate(prepared, snapshot, spec, terms, timeout, base)
        size = len(result.rows) if result.graph is None else len(result.graph)
        if self.config.cache_size and size <= _CACHEABLE_SIZE:
            with self._answers_lock:
                self._answers[key] = result
                while len(self._answers) > self.config.cache_size:
                    self._answers.popitem(last=False)
        return result

    def _evaluate(
        self,
        prepared: PreparedQuery,
        snapshot: Snapshot,
        spec: DatasetSpec,
        terms: Mapping[str, Identifier] | None,
        timeout: float | None,
        base: str | None = None,
    ) -> Result:
        from kg.sparql.results import Result, _plain

        limit = self.config.timeout if timeout is None else min(timeout, self.config.timeout)
        max_rows = self.config.max_rows
        if self.store is not None:
            return self._evaluate_oxigraph(prepared, snapshot, spec, terms, limit, base)
        _deadline.at = time.monotonic() + limit
        try:
            target = self._restricted(snapshot, spec) if spec else snapshot.dataset
            raw = target.query(prepared.query, initBindings=dict(terms or {}))
            if prepared.form == "SELECT":
                variables = [str(v) for v in raw.vars or []]
                rows: list[dict[str, Any]] = []
                for row in raw:  # rows stream out of rdflib: stop at the first over the cap
                    if len(rows) >= max_rows:
                        raise TooManyRows(self._cap_message("rows"))
                    rows.append(
                        {
                            name: _plain(term)
                            for name, term in zip(variables, row, strict=True)  # type: ignore[arg-type]
                            if term is not None
                        }
                    )
                result = Result("SELECT", variables, rows)
            elif prepared.form == "ASK":
                result = Result("ASK", boolean=bool(raw.askAnswer))
            else:
                from kg.core.namespaces import bind_all

                graph = raw.graph if raw.graph is not None else Graph()
                bind_all(graph)
                if len(graph) > max_rows:
                    raise TooManyRows(self._cap_message("triples"))
                result = Result(prepared.form, graph=graph)
        except QueryError:
            raise
        except RecursionError:
            raise QueryError("query failed: the query is nested too deeply") from None
        except Exception as exc:
            raise QueryError(f"query failed: {' '.join(str(exc).split())}") from None
        finally:
            _deadline.at = None
        return result

    def _evaluate_oxigraph(
        self,
        prepared: PreparedQuery,
        snapshot: Snapshot,
        spec: DatasetSpec,
        terms: Mapping[str, Identifier] | None,
        limit: float,
        base: str | None,
    ) -> Result:
        """Run the query on the Oxigraph store in a worker; QueryTimeout at ``limit``."""
        from kg.store import to_result

        store = self.store
        assert store is not None
        missing = [g for g in (*spec.default, *spec.named) if g not in snapshot.graph_names]
        if missing:
            shown = ", ".join(f"<{g}>" for g in missing[:3])
            raise Refused(
                f"no graph {shown} in this store; the dataset of a query (FROM, FROM NAMED, "
                "default-graph-uri, named-graph-uri) may only name graphs of the store "
                "(graphs are never fetched with --store oxigraph)"
            )
        options: dict[str, Any] = {}
        if spec:
            ox = store._ox
            options["default_graph"] = [ox.NamedNode(str(g)) for g in spec.default]
            options["named_graphs"] = [ox.NamedNode(str(g)) for g in spec.named]
        else:
            options["use_default_graph_as_union"] = self.config.union_default_graph
        if base:
            options["base_iri"] = base

        def work() -> Result:
            answer = store.raw_query(prepared.text, terms, **options)
            return to_result(
                answer,
                prepared.form,
                self.config.max_rows,
                lambda: TooManyRows(
                    self._cap_message("rows" if prepared.form == "SELECT" else "triples")
                ),
            )

        future = self._workers.submit(work)
        try:
            return future.result(timeout=limit)
        except FutureTimeout:
            raise QueryTimeout("the query ran past the time limit") from None

    def _cap_message(self, what: str) -> str:
        return (
            f"the answer has more than {self.config.max_rows} {what}, the server's limit: "
            "add LIMIT (and OFFSET to page)"
        )

    def _restricted(self, snapshot: Snapshot, spec: DatasetSpec) -> Dataset:
        """A dataset holding only the graphs ``spec`` names: a copy (cached), so that the
        shared dataset is never modified and GRAPH ?g sees only the named graphs."""
        missing = [g for g in (*spec.default, *spec.named) if g not in snapshot.graph_names]
        if missing and not self.config.allow_remote_from:
            shown = ", ".join(f"<{g}>" for g in missing[:3])
            raise Refused(
                f"no graph {shown} in this store; the dataset of a query (FROM, FROM NAMED, "
                "default-graph-uri, named-graph-uri) may only name graphs of the store "
                "(start kg serve with --allow-remote-from to fetch others)"
            )
        key = (snapshot.generation, spec)
        with self._views_lock:
            if key in self._views:
                self._views.move_to_end(key)
                return self._views[key]
        view = Dataset(store=DeadlineMemory(), default_union=False)
        fetched = {g: _fetch_graph(g, self.config.max_body) for g in set(missing)}

        def triples(name: URIRef) -> Iterator[tuple[Any, Any, Any]]:
            if name in fetched:
                yield from fetched[name]
            else:
                # get_context does not add a graph to the store (Dataset.graph would).
                yield from snapshot.dataset.get_context(name).triples((None, None, None))

        default = _default(view)
        for name in spec.default:
            view.store.addN((s, p, o, default) for s, p, o in triples(name))
        for name in spec.named:
            context = view.get_context(name)
            view.store.addN((s, p, o, context) for s, p, o in triples(name))
            view.store.add_graph(context)
        if not fetched:  # fetched graphs may change: never cached
            with self._views_lock:
                self._views[key] = view
                while len(self._views) > 16:
                    self._views.popitem(last=False)
        return view

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
        """Run a SPARQL 1.1 Update request atomically (all of it, or nothing).

        ``using`` is the protocol's ``using-graph-uri``/``using-named-graph-uri``;
        given with USING or WITH in the request, it is an error (the protocol's rule).
        """
        from rdflib.plugins.sparql.algebra import translateUpdate
        from rdflib.plugins.sparql.parser import parseUpdate

        from kg.store import SPARQL_PARSE_LOCK

        try:
            # No initNs: rdflib then forgets the request's own PREFIXes after the first
            # operation; an update declares the prefixes it uses.
            with SPARQL_PARSE_LOCK:
                update = translateUpdate(parseUpdate(text), base=base)
        except Exception as exc:
            raise QueryError(f"bad SPARQL Update: {' '.join(str(exc).split())}") from None
        for operation in update.algebra:
            if operation.name == "Load":
                raise Refused("LOAD is disabled on this server (it would fetch from the network)")
            if _uses_service(operation) and not self.config.allow_service:
                raise Refused("SERVICE is disabled on this server")
            if using and (operation.using or operation.withClause):
                raise QueryError(
                    "using-graph-uri/using-named-graph-uri given with USING or WITH in the "
                    "update: the protocol forbids both"
                )
        if self.store is not None:
            raise Refused(
                "updates are not supported on an Oxigraph store (kg serve --store oxigraph); "
                "change the source files instead: the store reloads them on the next start"
            )
        limit = self.config.timeout if timeout is None else min(timeout, self.config.timeout)
        with self._update_lock:
            _deadline.at = time.monotonic() + limit
            try:
                current = self._snapshot
                work = _copy(current.dataset, self.config.union_default_graph)
                self._apply(work, update, using)
            except QueryError:
                raise
            except Exception as exc:
                raise QueryError(f"update failed: {' '.join(str(exc).split())}") from None
            finally:
                _deadline.at = None
            self._snapshot = Snapshot(work, current.generation + 1, _version(work), _names(work))
            with self._views_lock:
                self._views.clear()

    def _apply(self, dataset: Dataset, update: Any, using: DatasetSpec | None) -> None:
        from rdflib.plugins.sparql import update as rdflib_update
        from rdflib.plugins.sparql.sparql import QueryContext

        for operation in update.algebra:
            ctx = QueryContext(dataset, initBindings={})
            ctx.prologue = operation.prologue
            try:
                if operation.name == "Modify" and (using or operation.using):
                    self._modify_using(ctx, operation, using)
                else:
                    getattr(rdflib_update, f"eval{operation.name}")(ctx, operation)
            except QueryTimeout:
                raise
            except Exception:
                if not operation.silent:
                    raise

    def _modify_using(self, ctx: Any, operation: Any, using: DatasetSpec | None) -> None:
        """DELETE/INSERT ... WHERE with a dataset for its WHERE (USING, USING NAMED or
        the protocol's parameters): rdflib's own evalModify would not restrict the
        named graphs, so the WHERE runs on a copy holding only those graphs."""
        from rdflib.plugins.sparql.evaluate import evalPart
        from rdflib.plugins.sparql.sparql import QueryContext
        from rdflib.plugins.sparql.update import _fillTemplate  # type: ignore[attr-defined]

        if not using:
            using = DatasetSpec(
                tuple(URIRef(d.default) for d in operation.using if d.default is not None),
                tuple(URIRef(d.named) for d in operation.using if d.named is not None),
            )
        dataset = ctx.dataset
        where = Dataset(store=DeadlineMemory(), default_union=False)
        for name in using.default:
            where.store.addN(
                (s, p, o, _default(where))
                for s, p, o in dataset.get_context(name).triples((None, None, None))
            )
        for name in using.named:
            context = where.get_context(name)
            where.store.addN(
                (s, p, o, context)
                for s, p, o in dataset.get_context(name).triples((None, None, None))
            )
            where.store.add_graph(context)
        where_ctx = QueryContext(where, initBindings={})
        where_ctx.prologue = operation.prologue
        solutions = list(evalPart(where_ctx, operation.where))
        if operation.withClause:
            ctx = ctx.pushGraph(dataset.get_context(operation.withClause))
        for solution in solutions:
            target = ctx.graph if type(ctx.graph) is Graph else _default(dataset)
            if operation.delete:
                target -= _fillTemplate(operation.delete.triples, solution)
                for g, quads in operation.delete.quads.items():
                    dataset.get_context(solution.get(g)).__isub__(_fillTemplate(quads, solution))
            if operation.insert:
                target += _fillTemplate(operation.insert.triples, solution)
                for g, quads in operation.insert.quads.items():
                    dataset.get_context(solution.get(g)).__iadd__(_fillTemplate(quads, solution))

    # -- description ----------------------------------------------------------------

    def graph_sizes(self) -> tuple[int, list[tuple[URIRef, int]]]:
        """Triples in the default graph (the union, when it is one) and per named graph."""
        snapshot = self._snapshot
        if self.store is not None:
            counts = {
                name: sum(1 for _ in self.store.graph_quads(str(name)))
                for name in snapshot.graph_names
            }
            total = len(self.store) if self.config.union_default_graph else 0
            return total, sorted(counts.items())
        dataset = snapshot.dataset
        named = sorted((name, len(dataset.get_context(name))) for name in snapshot.graph_names)
        if self.config.union_default_graph:
            default = len(set(dataset.triples((None, None, None))))
        else:
            default = len(_default(dataset))
        return default, named


def _fetch_graph(name: URIRef, max_bytes: int) -> Graph:
    """``name`` fetched over HTTP(S) (``--allow-remote-from`` only): Turtle, N-Triples or
    RDF/XML without a DTD, at most ``max_bytes``, within the query's remaining time."""
    import urllib.parse
    import urllib.request

    from kg.io.parse import _XML_DTD

    parsed = urllib.parse.urlparse(str(name))
    if parsed.scheme not in ("http", "https"):
        raise Refused(f"<{name}> is not in the store and not an http(s) URL to fetch")
    at = _deadline.at
    seconds = max(0.1, at - time.monotonic()) if at is not None else 10.0
    request = urllib.request.Request(
        str(name),
        headers={"Accept": "text/turtle, application/n-triples;q=0.9, application/rdf+xml;q=0.8"},
    )
    try:
        with urllib.request.urlopen(request, timeout=seconds) as response:
            body = response.read(max_bytes + 1)
            content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip()
    except Exception as exc:
        raise Refused(f"cannot fetch <{name}>: {' '.join(str(exc).split())}") from None
    if len(body) > max_bytes:
        raise Refused(f"<{name}> is larger than {max_bytes} bytes")
    syntax = {
        "application/n-triples": "nt",
        "text/plain": "nt",
        "application/rdf+xml": "xml",
    }.get(content_type, "turtle")
    if syntax == "xml" and _XML_DTD.search(body):
        raise Refused(f"<{name}>: RDF/XML with a DTD is refused")
    graph = Graph()
    try:
        graph.parse(data=body, format=syntax, publicID=str(name))
    except Exception as exc:
        raise Refused(f"<{name}> is not {syntax}: {' '.join(str(exc).split())}") from None
    return graph


# -- the protocol -----------------------------------------------------------------------------


def content_type(fmt: Format) -> str:
    """The Content-Type of a protocol answer: the media type, with the charset where
    its registration defines one (text/*): the SPARQL results and RDF types are UTF-8
    by definition."""
    return fmt.content_type if fmt.media_type.startswith("text/") else fmt.media_type


def negotiate(request: Request, form: str) -> Format:
    """The format of the answer to a ``form`` query: ``format``/``output`` parameter
    first (a name, an alias or a media type), then the Accept header; HttpError 400 for
    a format name nobody knows, 406 when nothing acceptable can hold the answer."""
    from kg.http.context import HttpError

    offered = formats.formats_for(form)
    override = request.args.get("format") or request.args.get("output")
    if override is None and request.mimetype == "application/x-www-form-urlencoded":
        override = request.form.get("format") or request.form.get("output")
    if override:
        chosen = formats.by_name(override, offered)
        if chosen is not None:
            return chosen
        if "/" not in override and not formats.is_answer_format(override):
            raise HttpError(400, f"unknown format {override!r}")
        raise HttpError(406, f"format {override!r} cannot hold the answer to this {form} query")
    accepted = request.accept_mimetypes if request.headers.get("Accept", "").strip() else None
    chosen = formats.negotiate(accepted, offered)
    if chosen is None:
        allowed = ", ".join(sorted({m for f in offered for m in f.media_types}))
        raise HttpError(
            406, f"no accepted type can hold the answer to this {form} query (offered: {allowed})"
        )
    return chosen


def _one(values: list[str], name: str) -> str | None:
    from kg.http.context import HttpError

    if len(values) > 1:
        raise HttpError(400, f"more than one {name} parameter")
    return values[0] if values else None


def _iris(values: list[str], name: str) -> tuple[URIRef, ...]:
    from kg.core.errors import KgError
    from kg.http.context import HttpError
    from kg.sparql.catalogue import check_iri

    out = []
    for value in values:
        try:
            out.append(URIRef(check_iri(value.strip(), f"{name} {value[:60]!r}")))
        except KgError as exc:
            raise HttpError(400, exc.message) from None
    return tuple(out)


def _body_text(request: Request, what: str) -> str:
    from kg.http.context import HttpError

    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise HttpError(415, f"the {what} must be UTF-8 (got charset={charset})")
    try:
        return request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError:
        raise HttpError(400, f"the {what} is not valid UTF-8") from None


def _operation(request: Request, kind: str) -> tuple[str | None, Any]:
    """The query (or update) text and the parameters of a protocol request:
    GET (``?query=``), POST form-encoded, or POST direct (``application/sparql-query``
    / ``application/sparql-update``)."""
    from kg.http.context import HttpError

    direct = "application/sparql-query" if kind == "query" else "application/sparql-update"
    params = request.args
    if request.method in ("GET", "HEAD"):
        return _one(params.getlist(kind), kind), params
    mimetype = request.mimetype
    if mimetype == "application/x-www-form-urlencoded":
        from werkzeug.datastructures import CombinedMultiDict

        combined = CombinedMultiDict([request.args, request.form])
        return _one(combined.getlist(kind), kind), combined
    if mimetype == direct:
        if kind in params:
            raise HttpError(400, f"a {kind} both in the URL and in the body")
        return _body_text(request, kind), params
    if not mimetype:
        raise HttpError(
            415,
            f"a POST needs Content-Type application/x-www-form-urlencoded or {direct}",
        )
    raise HttpError(
        415,
        f"unsupported Content-Type {mimetype}: use application/x-www-form-urlencoded or {direct}",
    )


def _base(ctx: AppContext, request: Request, path: str) -> str:
    root = ctx.config.public_url or request.host_url
    return root.rstrip("/") + path


def _timeout(params: Any) -> float | None:
    from kg.http.context import HttpError

    raw = params.get("timeout")
    if raw is None or raw == "":
        return None
    try:
        seconds = float(raw)
    except ValueError:
        raise HttpError(400, f"timeout {raw[:20]!r} is not a number of seconds") from None
    if not seconds > 0:
        raise HttpError(400, "timeout must be positive")
    return seconds


def handle_query(ctx: AppContext, request: Request) -> Response:
    """SPARQL 1.1 Protocol query operation (GET, POST form, POST direct); with no
    query, the Service Description."""
    from kg.http.context import HttpError

    text, params = _operation(request, "query")
    if text is None:
        if "update" in params:
            raise HttpError(400, "updates go to /update (POST), not /sparql")
        if request.method == "POST":
            raise HttpError(
                400, "no query: send query=... or a body of type application/sparql-query"
            )
        return service_description(ctx, request)
    dataset = DatasetSpec(
        _iris(params.getlist("default-graph-uri"), "default-graph-uri"),
        _iris(params.getlist("named-graph-uri"), "named-graph-uri"),
    )
    timeout = _timeout(params)
    base = _base(ctx, request, "/sparql")
    service = ctx.service
    prepared = service.prepare(text, base)
    fmt = negotiate(request, prepared.form)
    snapshot = service.snapshot
    key = "\x1f".join([snapshot.version, text, fmt.name, repr(dataset), str(timeout), base]).encode(
        "utf-8"
    )
    etag = hashlib.blake2b(key, digest_size=12).hexdigest()
    cache = "public, max-age=300" if ctx.config.update_token is None else "no-cache"
    if request.method in ("GET", "HEAD") and request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        from kg.sparql.results import serialise

        result = service.run(text, timeout=timeout, dataset=dataset, base=base)
        response = Response(serialise(result, fmt), content_type=content_type(fmt))
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = cache
    response.vary.add("Accept")
    return response


def handle_update(ctx: AppContext, request: Request) -> Response:
    """SPARQL 1.1 Protocol update operation: 403 unless the server has an update token,
    then 401 (``WWW-Authenticate: Bearer``) without ``Authorization: Bearer <token>``."""
    from kg.http.context import HttpError

    if ctx.config.update_token is None:
        raise HttpError(403, "this server is read-only: updates are disabled")
    if request.method != "POST":
        raise HttpError(405, "updates are sent with POST", {"Allow": "POST"})
    if not ctx.service.check_token(request.headers.get("Authorization")):
        raise HttpError(
            401,
            "an update needs 'Authorization: Bearer <token>' with the server's token",
            {"WWW-Authenticate": 'Bearer realm="kg"'},
        )
    text, params = _operation(request, "update")
    if text is None:
        raise HttpError(
            400, "no update: send update=... or a body of type application/sparql-update"
        )
    using = DatasetSpec(
        _iris(params.getlist("using-graph-uri"), "using-graph-uri"),
        _iris(params.getlist("using-named-graph-uri"), "using-named-graph-uri"),
    )
    ctx.service.update(
        text, using=using, base=_base(ctx, request, "/update"), timeout=_timeout(params)
    )
    return Response(status=204)


# -- the Service Description --------------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = formats.W3C_FORMATS
VOID = "http://rdfs.org/ns/void#"


def description(ctx: AppContext, endpoint: str) -> Graph:
    """The SPARQL 1.1 Service Description of the endpoint at ``endpoint``."""
    from rdflib import RDF, Namespace

    from kg.core.namespaces import bind_all

    sd = Namespace(SD)
    void = Namespace(VOID)
    graph = Graph()
    bind_all(graph)
    graph.bind("sd", sd)
    graph.bind("void", void)
    graph.bind("formats", FORMATS_NS)
    service = URIRef(endpoint)
    graph.add((service, RDF.type, sd.Service))
    graph.add((service, sd.endpoint, service))
    graph.add((service, sd.supportedLanguage, sd.SPARQL11Query))
    for iri in result_formats():
        graph.add((service, sd.resultFormat, URIRef(iri)))
    if ctx.config.union_default_graph:
        graph.add((service, sd.feature, sd.UnionDefaultGraph))
    if ctx.config.allow_service:
        graph.add((service, sd.feature, sd.BasicFederatedQuery))
    graph.add(
        (
            service,
            sd.defaultEntailmentRegime,
            URIRef("http://www.w3.org/ns/entailment/Simple"),
        )
    )
    if ctx.config.update_token is not None:
        update = URIRef(endpoint.rsplit("/", 1)[0] + "/update")
        graph.add((update, RDF.type, sd.Service))
        graph.add((update, sd.endpoint, update))
        graph.add((update, sd.supportedLanguage, sd.SPARQL11Update))
    default_size, named = ctx.service.graph_sizes()
    dataset = URIRef(endpoint + "#dataset")
    graph.add((service, sd.defaultDataset, dataset))
    graph.add((dataset, RDF.type, sd.Dataset))
    default = URIRef(endpoint + "#default-graph")
    graph.add((dataset, sd.defaultGraph, default))
    graph.add((default, RDF.type, sd.Graph))
    graph.add((default, void.triples, Literal(default_size)))
    for index, (name, size) in enumerate(named, 1):
        node = URIRef(f"{endpoint}#named-graph-{index}")
        described = URIRef(f"{endpoint}#graph-{index}")
        graph.add((dataset, sd.namedGraph, node))
        graph.add((node, RDF.type, sd.NamedGraph))
        graph.add((node, sd.name, name))
        graph.add((node, sd.graph, described))
        graph.add((described, RDF.type, sd.Graph))
        graph.add((described, void.triples, Literal(size)))
    return graph


def result_formats() -> list[str]:
    """The W3C IRIs of the formats the endpoint answers queries in, whatever their form."""
    found = (f for form in ("SELECT", "ASK", "CONSTRUCT") for f in formats.formats_for(form))
    return list(dict.fromkeys(f.w3c_iri for f in found if f.w3c_iri))


def service_description(ctx: AppContext, request: Request) -> Response:
    """The Service Description by content negotiation; a browser (text/html first) is
    sent to the HTML query page (303)."""
    from kg.http.context import HttpError

    rdf = formats.formats_for("CONSTRUCT")
    html = formats.formats_for("CONSTRUCT", formats.Audience.BROWSER)[0]
    accepted = request.accept_mimetypes if request.headers.get("Accept", "").strip() else None
    fmt = formats.negotiate(accepted, (*rdf, html))
    if fmt is None:
        served = ", ".join(f.label for f in rdf[:-1]) + f" or {rdf[-1].label}"
        raise HttpError(406, f"the service description is served as {served}")
    if fmt is html:
        response = Response(status=303)
        response.headers["Location"] = "/query"
        response.vary.add("Accept")
        return response
    graph = description(ctx, _base(ctx, request, "/sparql"))
    # Written by rdflib with the description's own prefixes (sd:, void:, formats:), which
    # the deterministic writers of kg.io.serialise do not know.
    if fmt.name == "json-ld":
        from kg.io.serialise import jsonld_context

        context = {
            **jsonld_context()["@context"],
            "sd": SD,
            "void": VOID,
            "formats": FORMATS_NS,
        }
        text = graph.serialize(format="json-ld", context=context, auto_compact=True)
    else:
        text = graph.serialize(format="pretty-xml" if fmt.name == "xml" else fmt.name)
    response = Response(text.encode("utf-8"), content_type=content_type(fmt))
    response.vary.add("Accept")
    return response
