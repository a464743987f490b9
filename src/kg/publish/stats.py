"""Counts: triples per named graph, instances per class, totals."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from rdflib import Dataset

from kg.core.terms import short_name
from kg.store.base import KgStore
from kg.store.rdflib import RdflibStore


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
    """The counts of ``data``: an rdflib Dataset, or a store (``kg.store``), counted by
    the engine that holds it (three GROUP BY queries), without reading its quads into
    Python."""
    store: KgStore = RdflibStore(data) if isinstance(data, Dataset) else data

    def counts(text: str, key: str) -> Counter[str]:
        found: Counter[str] = Counter()
        for row in store.query(text).rows:
            # Counted per IRI, keyed by short name: two IRIs with one short name would
            # add up here (kg's prefixes give every IRI its own short name).
            found[short_name(row[key])] += int(str(row["n"]))
        return found

    per_graph = counts(_PER_GRAPH, "g")
    instances = counts(_PER_CLASS, "c")
    union_total = sum(int(str(row["n"])) for row in store.query(_DISTINCT).rows)
    return Stats(
        graphs=dict(sorted(per_graph.items())),
        # Most instances first, then by name: the order a reader scans for.
        classes=dict(sorted(instances.items(), key=lambda x: (-x[1], x[0]))),
        total=sum(per_graph.values()),
        union_total=union_total,
    )


_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
_PER_CLASS = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c"
_DISTINCT = (
    "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"
)
