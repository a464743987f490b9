"""The engine interface: what every store offers, whatever holds the data.

Every query kg runs, from every surface, goes through ``KgStore.query``; every update
through ``KgStore.update``. The engines (``kg.store.oxigraph``, ``kg.store.rdflib``,
``kg.store.remote``) apply the same policy (``kg.sparql.policy``) before anything runs,
give the same ``kg.sparql.results.Result``, and honour the same ``Limits``. Callers
never ask which engine they hold: what differs is behind this interface.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol, runtime_checkable

from kg.sparql.policy import DatasetSpec, Policy

if TYPE_CHECKING:
    from rdflib import Dataset
    from rdflib.term import Identifier

    from kg.sparql.results import Result
    from kg.sparql.terms import Term

#: The environment variable the store setting falls back to.
STORE_VARIABLE = "KG_STORE"
#: Oxigraph in memory: the fastest engine for a process that loads the data once.
DEFAULT_SPEC = "memory"
#: Whether a query's default graph is the union of the named graphs, on every local
#: engine and every kg interface (``kg sparql``, ``kg query run``, ``kg serve``'s
#: /sparql, the Python API): every triple kg holds is in a named graph, so without the
#: union a query with no GRAPH would match nothing. The one place it is chosen; the
#: options ``--union-default-graph/--no-union-default-graph`` default to it. A remote
#: endpoint chooses its own.
UNION_DEFAULT_GRAPH = True


class Limits(NamedTuple):
    """What one query or update may use. ``timeout`` covers the whole evaluation;
    ``max_rows`` caps rows (or triples): over it, TooManyRows, never a cut answer."""

    timeout: float | None = None
    max_rows: int | None = None


NO_LIMITS = Limits()


def cap_message(max_rows: int, what: str) -> str:
    """The message of TooManyRows, the same from every engine."""
    return f"the answer has more than {max_rows} {what}, the limit: add LIMIT (and OFFSET to page)"


@runtime_checkable
class KgStore(Protocol):
    """The data, held somewhere, and the one way to query it."""

    #: The setting that opens this store again (``memory``, ``oxigraph:PATH``, …).
    spec: str
    #: What the store refuses or allows (SERVICE, graphs it does not hold).
    policy: Policy
    #: Whether the default graph of a query is the union of the named graphs.
    union_default: bool

    def load(self, sources: Sequence[str | Path] | None = None) -> None:
        """Hold ``sources`` (default: the shipped data), replacing what was held."""

    def query(
        self,
        text: str,
        terms: Mapping[str, Term | Identifier] | None = None,
        *,
        dataset: DatasetSpec | None = None,
        base: str | None = None,
        limits: Limits = NO_LIMITS,
    ) -> Result:
        """Run SPARQL ``text`` with ``terms`` (variable name -> term) bound as values,
        never pasted into the text. ``dataset`` (the protocol's default-graph-uri and
        named-graph-uri) overrides the query's FROM clauses."""

    def update(
        self,
        text: str,
        *,
        using: DatasetSpec | None = None,
        base: str | None = None,
        limits: Limits = NO_LIMITS,
    ) -> None:
        """Run a SPARQL 1.1 Update request, all of it or nothing."""

    def prepare(self, texts: Sequence[str]) -> None:
        """Parse ``texts`` ahead of their first run (the queries a server runs often),
        where the engine keeps its parsed queries; a text that does not parse is left
        for its run to report."""

    def graph_names(self) -> list[str]:
        """The IRIs of the named graphs held, sorted."""

    def graph_dumps(self) -> Iterator[tuple[str | None, bytes]]:
        """Every graph held, as N-Triples, one graph at a time (None: the default
        graph); for building another engine's copy without an rdflib copy."""

    def dataset(self) -> Dataset:
        """The data as an rdflib Dataset (a copy, except for the rdflib engine)."""

    def export(self, fmt: str) -> bytes:
        """The data serialised as ``fmt`` (``kg.io.serialise``), deterministically."""

    def version(self) -> str:
        """A string that changes whenever the data changes (ETags, answer caches)."""

    def __len__(self) -> int:
        """The number of quads held."""

    def close(self) -> None:
        """Release the store (an Oxigraph folder is locked while open)."""


def store_spec(spec: str | None = None) -> str:
    """The store setting: ``spec``, else ``$KG_STORE``, else ``memory``."""
    if spec is None or not spec.strip():
        spec = os.environ.get(STORE_VARIABLE, "").strip() or DEFAULT_SPEC
    return spec.strip()


def source_files(sources: Sequence[str | Path] | None) -> list[Path]:
    """The files ``sources`` stand for (default: the shipped ontology and data, the
    gazetteer included)."""
    from kg.core import paths

    if sources is None:
        return paths.shipped_sources()
    from kg.io.sources import expand

    return expand(sources)
