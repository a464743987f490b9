"""Where the data is held, and the one way every query reaches it.

``open_store(spec)`` gives a ``KgStore`` (``kg.store.base``), whatever engine is
behind it: ``memory`` (Oxigraph in memory, the default), ``rdflib``, ``oxigraph:PATH``
or a SPARQL endpoint's URL (query-only). ``spec`` None means ``$KG_STORE``, then
``memory``; every command that reads data takes ``--store SPEC``.

``run`` and ``run_text`` run a stored or an ad-hoc query on the store a caller names (or
on an rdflib Dataset it already holds, or on an endpoint); ``export`` serialises a store
or a Dataset. Everything above this layer queries through these and ``KgStore.query``;
nothing above it asks which engine it holds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.core.errors import InputError, QueryTimeout
from kg.sparql.catalogue import (
    ExpectedCase,
    StoredQuery,
    bindings,
    page_number,
    parse,
    run_page,
    with_prefixes,
)
from kg.sparql.policy import LOCAL, Policy
from kg.store.base import (
    DEFAULT_SPEC,
    NO_LIMITS,
    STORE_VARIABLE,
    UNION_DEFAULT_GRAPH,
    KgStore,
    Limits,
    store_spec,
)

if TYPE_CHECKING:
    from rdflib import Dataset
    from rdflib.term import Identifier
    from typing_extensions import TypeIs

    from kg.sparql.results import Result
    from kg.sparql.terms import Term

__all__ = [
    "DEFAULT_SPEC",
    "NO_LIMITS",
    "STORE_VARIABLE",
    "UNION_DEFAULT_GRAPH",
    "KgStore",
    "Limits",
    "export",
    "open_store",
    "run",
    "run_case",
    "run_text",
    "shipped",
    "store_spec",
]

SPECS = "memory, rdflib, oxigraph:PATH or an http(s) SPARQL endpoint URL"

#: The tag of the project's stored queries that read the gazetteer (``data/gazetteer``).
GAZETTEER_TAG = "gazetteer"


def open_store(
    spec: str | None = None,
    *,
    policy: Policy = LOCAL,
    union_default: bool = UNION_DEFAULT_GRAPH,
    timeout: float | None = None,
) -> KgStore:
    """The store ``spec`` names (None: ``$KG_STORE``, else ``memory``):

    * ``memory``: Oxigraph in memory (the default);
    * ``rdflib``: rdflib in memory (the reference engine of the Python API);
    * ``oxigraph:PATH``: a persistent Oxigraph store in the folder PATH;
    * ``http://…`` or ``https://…``: a SPARQL 1.1 endpoint, query-only (``timeout``
      bounds each request, retries included).

    ``union_default``: whether a query's default graph is the union of the named graphs
    (``UNION_DEFAULT_GRAPH``); an endpoint chooses its own, whatever is asked here.
    InputError for anything else."""
    spec = store_spec(spec)
    if spec == "memory":
        from kg.store.oxigraph import OxigraphStore

        return OxigraphStore(None, policy=policy, union_default=union_default)
    if spec == "rdflib":
        from kg.store.rdflib import RdflibStore

        return RdflibStore(policy=policy, union_default=union_default)
    kind, sep, where = spec.partition(":")
    if kind == "oxigraph":
        if not sep or not where:
            raise InputError("--store oxigraph:PATH needs a folder, e.g. oxigraph:.kg-store")
        from kg.store.oxigraph import OxigraphStore

        return OxigraphStore(Path(where).expanduser(), policy=policy, union_default=union_default)
    if kind in ("http", "https"):
        from kg.store.remote import RemoteStore

        return RemoteStore(spec, timeout=timeout)
    raise InputError(f"unknown store {spec!r} (known: {SPECS})")


_SHIPPED: dict[tuple[str, tuple[str, ...] | None, bool], KgStore] = {}
_SHIPPED_LOCK = threading.Lock()


def shipped(
    spec: str = DEFAULT_SPEC,
    sources: Sequence[str | Path] | None = None,
    *,
    union_default: bool = UNION_DEFAULT_GRAPH,
) -> KgStore:
    """A store in memory (``memory`` or ``rdflib``) holding ``sources`` (default: the
    shipped data), loaded once per process and shared by the callers that only read."""
    held = tuple(str(Path(s).resolve()) for s in sources) if sources else None
    key = (spec, held, union_default)
    with _SHIPPED_LOCK:
        found = _SHIPPED.get(key)
        if found is None:
            found = open_store(spec, union_default=union_default)
            found.load(list(sources) if sources else None)
            _SHIPPED[key] = found
        return found


def run(
    query: StoredQuery,
    values: Mapping[str, str] | None = None,
    *,
    lang: str | None = None,
    endpoint: str | None = None,
    timeout: float | None = None,
    sources: Sequence[str | Path] | None = None,
    data: Dataset | None = None,
    store: KgStore | str | None = None,
    page: str | int | None = None,
    union_default: bool = UNION_DEFAULT_GRAPH,
) -> Result:
    """Run a stored query with ``values`` for its parameters, checked first (nothing
    is loaded or sent before they pass); a paged one (``#+ pagination``) gives ``page``
    (default 1, as grlc), with ``Result.next_page`` set if there is another. On:

    * ``endpoint``: a SPARQL endpoint (``timeout`` bounds the request);

    * ``data``: an rdflib Dataset already loaded (the rdflib engine, in place);
    * ``store``: a ``KgStore`` as it is (load it first; ``sources`` must be None), or
      a store setting, opened, loaded with ``sources`` and closed again;
    * else the default engine holding ``sources`` (default: the shipped data), loaded
      once per process.

    ``union_default`` (the default graph is the union of the named graphs) applies to
    the stores ``run`` opens and to ``data``; a ``KgStore`` given keeps its own setting,
    an endpoint its own.

    ``timeout`` covers everything a local call does, every page's queries included (on
    an endpoint, each request with its retries); on a local store the query then runs
    in a child process killed at the deadline, so a stopped query stops using CPU
    (``kg.store.isolated``).
    """
    terms = bindings(query, values, lang)
    number = page_number(query, page)
    if sources is None and data is None and endpoint is None and _in_memory(store):
        sources = _sources_read(query)
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        if number is None:
            return _on(
                query.text, terms, timeout, deadline, endpoint, sources, data, store, union_default
            )
        return run_page(
            query,
            number,
            lambda text: _on(
                text, terms, timeout, deadline, endpoint, sources, data, store, union_default
            ),
        )
    except QueryTimeout:
        if timeout is None:  # the store's own limit (a KgStore given with one): its words
            raise
        raise QueryTimeout(f"the query ran past its time limit of {timeout:g} s") from None


def _in_memory(store: KgStore | str | None) -> TypeIs[str | None]:
    """Whether ``store`` names an engine in memory (None: the default one)."""
    return store is None or (isinstance(store, str) and store_spec(store) in ("memory", "rdflib"))


def _sources_read(query: StoredQuery) -> list[Path] | None:
    """What the default engine loads for ``query``: the article's data alone for the
    project's own stored queries not tagged ``gazetteer`` (their answers are the same
    without it: tests/test_queries.py compares them on a store holding everything; it
    is 50 times the rest to load), else
    None (everything shipped). Ad-hoc queries and other folders' queries see it all."""
    from kg.core import paths

    if GAZETTEER_TAG in query.tags or query.path is None:
        return None
    if query.path.resolve().parent != paths.queries_dir().resolve():
        return None
    return paths.default_sources()


def run_text(
    text: str,
    values: Mapping[str, str] | None = None,
    *,
    endpoint: str | None = None,
    timeout: float | None = None,
    sources: Sequence[str | Path] | None = None,
    data: Dataset | None = None,
    store: KgStore | str | None = None,
    union_default: bool = UNION_DEFAULT_GRAPH,
) -> Result:
    """Run ad-hoc SPARQL (as ``run``); undeclared project prefixes are declared for it.
    It runs as written: a ``#+ pagination`` header pages stored queries only."""
    query = parse(with_prefixes(text), name="query")._replace(pagination=None)
    return run(
        query,
        values,
        endpoint=endpoint,
        timeout=timeout,
        sources=sources,
        data=data,
        store=store,
        union_default=union_default,
    )


def run_case(case: ExpectedCase, **kwargs: Any) -> Result:
    """Run one checked-in case of a stored query (``kg.sparql.catalogue.expected_cases``)."""
    values = {"lang": case.lang} if case.lang else None
    return run(case.query, values, page=case.page, **kwargs)


def _on(
    text: str,
    terms: Mapping[str, Term | Identifier],
    timeout: float | None,
    deadline: float | None,
    endpoint: str | None,
    sources: Sequence[str | Path] | None,
    data: Dataset | None,
    store: KgStore | str | None,
    union_default: bool,
) -> Result:
    if endpoint is not None:
        from kg.store.remote import RemoteStore

        # Each request its own budget, retries included: what the error names.
        return RemoteStore(endpoint, timeout=timeout).query(text, terms, limits=Limits(timeout))
    if data is not None:
        from kg.store.rdflib import RdflibStore

        return _bounded(RdflibStore(data, union_default=union_default), text, terms, deadline)
    if _in_memory(store):
        spec = DEFAULT_SPEC if store is None else store_spec(store)
        held = shipped(spec, sources, union_default=union_default)
        return _bounded(held, text, terms, deadline)
    if not isinstance(store, str):
        if sources is not None:
            raise InputError("give the data to the store (KgStore.load), not to the query")
        return _bounded(store, text, terms, deadline)
    opened = open_store(store, union_default=union_default)
    try:
        opened.load(sources)
        return _bounded(opened, text, terms, deadline)
    finally:
        opened.close()


def _left(deadline: float | None) -> float | None:
    """Seconds until ``deadline`` (None: no limit); past it, a QueryTimeout."""
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        raise QueryTimeout("the query ran past the time limit")
    return left


def _bounded(
    store: KgStore, text: str, terms: Mapping[str, Term | Identifier], deadline: float | None
) -> Result:
    """``text`` on ``store``, stopped at ``deadline``: in a child process killed there
    (``kg.store.isolated``), because an engine's own limit leaves the query running in a
    thread, using CPU and holding the process open until it ends on its own."""
    left = _left(deadline)
    if left is None:
        return store.query(text, terms)
    from kg.store.isolated import IsolatedStore

    if isinstance(store, IsolatedStore):
        return store.query(text, terms, limits=Limits(left))
    return IsolatedStore(store, workers=1).query(text, terms, limits=Limits(left))


def export(data: Dataset | KgStore, fmt: str) -> bytes:
    """``data`` (an rdflib Dataset or a store) serialised as ``fmt``, deterministically:
    the same bytes whichever holds the data (``kg.io.serialise``)."""
    from rdflib import Dataset

    if isinstance(data, Dataset):
        from kg.io.serialise import export as serialise

        return serialise(data, fmt)
    return data.export(fmt)
