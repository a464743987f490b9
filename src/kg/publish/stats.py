"""Counts: triples per named graph, instances per class, totals, and how many statements
of each facts graph have evidence or are marked editorial or inferred."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from rdflib import Dataset

from kg.core.terms import short_name
from kg.store.base import KgStore
from kg.store.rdflib import RdflibStore


@dataclass(frozen=True)
class Coverage:
    """The statements of one facts graph by their basis (docs/evidence.md): each counts
    once, as quoted if any words support it, else as marked."""

    statements: int = 0
    quoted: int = 0
    editorial: int = 0
    inferred: int = 0

    @property
    def neither(self) -> int:
        return self.statements - self.quoted - self.editorial - self.inferred

    def percent(self, count: int) -> float:
        return 100.0 * count / self.statements if self.statements else 0.0

    @property
    def covered_percent(self) -> float:
        return self.percent(self.statements - self.neither)

    def to_dict(self) -> dict[str, object]:
        return {
            "statements": self.statements,
            "quoted": self.quoted,
            "editorial": self.editorial,
            "inferred": self.inferred,
            "neither": self.neither,
            "covered_percent": round(self.covered_percent, 1),
        }

    def text(self) -> str:
        parts = [
            f"{count} {name} ({self.percent(count):.1f} %)"
            for name, count in (
                ("quoted", self.quoted),
                ("editorial", self.editorial),
                ("inferred", self.inferred),
                ("neither", self.neither),
            )
        ]
        return (
            f"{self.statements} statements: {', '.join(parts)}; "
            f"{self.covered_percent:.1f} % evidenced or marked"
        )


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
    #: facts graph (short name) -> its statements by basis
    coverage: dict[str, Coverage] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "graphs": self.graphs,
            "classes": self.classes,
            "total": self.total,
            "union_total": self.union_total,
            "evidence_coverage": {name: c.to_dict() for name, c in self.coverage.items()},
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
        if self.coverage:
            lines.append("Evidence per facts graph (docs/evidence.md):")
            lines.extend(f"  {name}  {c.text()}" for name, c in self.coverage.items())
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
    coverage = {
        short_name(row["g"]): Coverage(
            *(int(str(row[key])) for key in ("n", "quoted", "editorial", "inferred"))
        )
        for row in store.query(_COVERAGE).rows
    }
    return Stats(
        graphs=dict(sorted(per_graph.items())),
        # Most instances first, then by name: the order a reader scans for.
        classes=dict(sorted(instances.items(), key=lambda x: (-x[1], x[0]))),
        total=sum(per_graph.values()),
        union_total=union_total,
        coverage=dict(sorted(coverage.items())),
    )


_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
_PER_CLASS = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c"
_DISTINCT = (
    "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"
)
# Each statement of a facts graph kgg:facts/SLUG, looked up among the rdf:Statement nodes
# of kgg:evidence/SLUG (kg.publish.evidence): quoted if an annotation has it as body, else
# editorial or inferred if so marked with a reason.
_COVERAGE = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX kgo: <https://w3id.org/vn-kg/ontology#>
SELECT ?g (COUNT(*) AS ?n) (SUM(?q) AS ?quoted) (SUM(?e) AS ?editorial) (SUM(?i) AS ?inferred)
WHERE {
    GRAPH ?g { ?s ?p ?o }
    FILTER (STRSTARTS(STR(?g), "https://w3id.org/vn-kg/graph/facts/"))
    BIND (IRI(CONCAT("https://w3id.org/vn-kg/graph/evidence/",
        STRAFTER(STR(?g), "https://w3id.org/vn-kg/graph/facts/"))) AS ?ev)
    BIND (IF(EXISTS { GRAPH ?ev {
        ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o . ?a oa:hasBody ?st } }, 1, 0) AS ?q)
    BIND (IF(?q = 0 && EXISTS { GRAPH ?ev {
        ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
            kgo:basis kgo:editorial ; kgo:reason ?r } }, 1, 0) AS ?e)
    BIND (IF(?q = 0 && ?e = 0 && EXISTS { GRAPH ?ev {
        ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
            kgo:basis kgo:inferred ; kgo:reason ?r } }, 1, 0) AS ?i)
}
GROUP BY ?g
"""
