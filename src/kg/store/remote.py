"""A remote SPARQL 1.1 endpoint as an engine: query-only.

``--endpoint URL`` and a store setting that is an http(s) URL open this engine. Queries
go out through ``kg.sparql.remote`` (no redirect followed, retries of transient failures, one
time budget per request, answers cut by the server refused); parameter values are bound
with a checked ``VALUES`` block, as on Oxigraph. SERVICE and FROM are the endpoint's business
(it holds its own graphs and makes its own calls, kg does not), so the policy allows
them; the endpoint applies its own.

Loading, updating and exporting are refused: push to a store with ``kg push``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from kg.core.errors import KgError, TooManyRows
from kg.sparql.catalogue import with_values
from kg.sparql.policy import DatasetSpec, Policy, check_query
from kg.sparql.remote import check_endpoint, run_remote
from kg.sparql.results import Result, in_query_order, rdf_triples
from kg.store.base import NO_LIMITS, Limits, cap_message

if TYPE_CHECKING:
    from rdflib import Dataset
    from rdflib.term import Identifier

    from kg.sparql.terms import Term


#: What kg lets through to an endpoint: its SERVICE calls and FROM graphs are its own.
REMOTE = Policy(allow_service=True, allow_remote_from=True)


class RemoteStore:
    """The SPARQL 1.1 endpoint at ``url``, query-only."""

    union_default = False

    def __init__(self, url: str, *, timeout: float | None = None, policy: Policy = REMOTE) -> None:
        self.url = check_endpoint(url)
        self.spec = self.url
        self.timeout = timeout
        self.policy = policy

    def query(
        self,
        text: str,
        terms: Mapping[str, Term | Identifier] | None = None,
        *,
        dataset: DatasetSpec | None = None,
        base: str | None = None,
        limits: Limits = NO_LIMITS,
    ) -> Result:
        if dataset:
            raise KgError("a remote endpoint takes its dataset from the query's FROM clauses")
        verdict = check_query(text, lambda _: True, self.policy)
        bound = with_values(text, terms) if terms else text
        timeout = self.timeout if limits.timeout is None else limits.timeout
        result = in_query_order(run_remote(bound, verdict.form, self.url, timeout), text)
        cap = limits.max_rows
        if result.graph is not None:
            return _rdf_only(result, cap)
        if cap is not None and len(result) > cap:
            raise TooManyRows(cap_message(cap, "rows"))
        return result

    def _query_only(self, what: str) -> NoReturn:
        raise KgError(
            f"{self.url} is a remote SPARQL endpoint, which kg only queries: "
            f"it cannot {what} (kg push sends data to a store)"
        )

    def load(self, sources: Sequence[str | Path] | None = None) -> None:
        if sources is not None:
            self._query_only("load files")

    def update(
        self,
        text: str,
        *,
        using: DatasetSpec | None = None,
        base: str | None = None,
        limits: Limits = NO_LIMITS,
    ) -> None:
        self._query_only("run updates")

    def prepare(self, texts: Sequence[str]) -> None:
        """Nothing to do: the endpoint parses what it receives."""

    def graph_names(self) -> list[str]:
        result = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        return sorted(str(row["g"]) for row in result.rows if "g" in row)

    def graph_dumps(self) -> Iterator[tuple[str | None, bytes]]:
        self._query_only("dump its graphs")

    def dataset(self) -> Dataset:
        self._query_only("copy its data")

    def export(self, fmt: str) -> bytes:
        self._query_only("export its data")

    def version(self) -> str:
        return self.url

    def __len__(self) -> int:
        result = self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(str(result.rows[0]["n"])) if result.rows else 0

    def close(self) -> None:
        pass


def _rdf_only(result: Result, cap: int | None) -> Result:
    """``result``'s graph without what is not RDF (a literal subject, a predicate that
    is not an IRI: rdflib's Turtle parser reads them), TooManyRows at the first triple
    over ``cap``, as the local engines give a CONSTRUCT or DESCRIBE answer."""
    from rdflib import Graph

    from kg.core.namespaces import bind_all

    assert result.graph is not None
    graph = Graph()
    bind_all(graph)
    for triple in rdf_triples(result.graph):
        graph.add(triple)
        if cap is not None and len(graph) > cap:
            raise TooManyRows(cap_message(cap, "triples"))
    return Result(result.form, graph=graph)
