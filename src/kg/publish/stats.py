"""Counts: triples per named graph, instances per class, totals."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rdflib import Dataset
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import RDF

from kg.core.terms import short_name

if TYPE_CHECKING:
    from kg.store import KgStore, OxigraphStore


@dataclass(frozen=True)
class Stats:
    #: named graph (short name) -> number of triples in it
    graphs: dict[str, int] = field(default_factory=dict)
    #: class (short name) -> number of distinct instances, over all graphs
    classes: dict[str, int] = field(default_factory=dict)
    #: triples summed over the named graphs (a triple in two graphs counts twice)
    total: int = 0
    #: distinct triples in the union of the named graphs
    union_total: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "graphs": self.graphs,
            "classes": self.classes,
            "total": self.total,
            "union_total": self.union_total,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def text(self) -> str:
        lines: list[str] = []
        width = max((len(k) for k in (*self.graphs, *self.classes)), default=0)
        lines.append("Triples per named graph:")
        lines.extend(f"  {name:<{width}}  {count:>7}" for name, count in self.graphs.items())
        lines.append("Instances per class:")
        lines.extend(f"  {name:<{width}}  {count:>7}" for name, count in self.classes.items())
        lines.append(f"Total triples: {self.total} ({self.union_total} distinct)")
        return "\n".join(lines) + "\n"


def stats(data: Dataset | KgStore) -> Stats:
    """The counts of ``data``: an rdflib Dataset, or a store (``kg.store``). An Oxigraph
    store counts inside Oxigraph, without reading its quads into Python."""
    from kg.store import OxigraphStore

    if isinstance(data, OxigraphStore):
        return _store_stats(data)
    if not isinstance(data, Dataset):
        data = data.dataset()
    return _dataset_stats(data)


_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
_PER_CLASS = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c"
_DISTINCT = (
    "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"
)


def _store_stats(store: OxigraphStore) -> Stats:
    from kg.store import to_term

    def counts(text: str, key: str) -> Counter[str]:
        found: Counter[str] = Counter()
        for row in store.raw_query(text):
            # Counted per IRI, keyed by short name: two IRIs with one short name would
            # add up here where the Dataset count unites their instances (kg's prefixes
            # give every IRI its own short name).
            found[short_name(to_term(row[key]))] += int(row["n"].value)
        return found

    per_graph = counts(_PER_GRAPH, "g")
    instances = counts(_PER_CLASS, "c")
    union_total = sum(int(row["n"].value) for row in store.raw_query(_DISTINCT))
    return Stats(
        graphs=dict(sorted(per_graph.items())),
        classes=dict(sorted(instances.items(), key=lambda x: (-x[1], x[0]))),
        total=sum(per_graph.values()),
        union_total=union_total,
    )


def _dataset_stats(dataset: Dataset) -> Stats:
    per_graph: Counter[str] = Counter()
    triples = set()
    instances: dict[str, set[object]] = {}
    for s, p, o, g in dataset.quads((None, None, None, None)):
        if g is None or g == DATASET_DEFAULT_GRAPH_ID:
            continue
        per_graph[short_name(g)] += 1
        triples.add((s, p, o))
        if p == RDF.type:
            instances.setdefault(short_name(o), set()).add(s)
    return Stats(
        graphs=dict(sorted(per_graph.items())),
        # Most instances first, then by name: the order a reader scans for.
        classes=dict(
            sorted(((c, len(i)) for c, i in instances.items()), key=lambda x: (-x[1], x[0]))
        ),
        total=sum(per_graph.values()),
        union_total=len(triples),
    )
