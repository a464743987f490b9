"""The store the benchmark measures: ``kg.store.open_store`` when it exists, else a stand-in.

``bench/run.py`` is written against the interface of ``src/kg/store.py``::

    open_store(spec)  # "memory" (default) | "oxigraph:PATH"
    KgStore.load(sources=None) / .query(text, terms=None) / .dataset() / len() / .close()

Until that module lands, ``open_store`` here returns a stand-in with the same interface,
built only from what exists: the memory store is ``kg.load.load`` and
``kg.queries.run_local`` (exactly what ``kg query run`` does today); the Oxigraph store is
a persistent ``pyoxigraph.Store`` at PATH, loaded with ``bulk_load`` (ontology and
vocabulary into their named graphs, as ``kg.load`` puts them), queried with the
parameters as SEP-0007 substitutions, its answers converted to ``kg.results.Result``.
``IMPLEMENTATION`` says which one is in use; the benchmark prints it with the results.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

try:  # the real thing, once src/kg/store.py exists
    from kg.store import open_store as _real_open_store
except ImportError:  # pragma: no cover - depends on the checkout
    _real_open_store = None

IMPLEMENTATION = "kg.store" if _real_open_store is not None else "bench stand-in (no kg.store)"


def open_store(spec: str | None = None) -> Any:
    """A store for ``spec``: ``memory`` (default) or ``oxigraph:PATH``."""
    if _real_open_store is not None:
        return _real_open_store(spec)
    spec = spec or "memory"
    if spec == "memory":
        return MemoryStore()
    if spec.startswith("oxigraph:") and len(spec) > len("oxigraph:"):
        return OxigraphStore(spec[len("oxigraph:") :])
    raise ValueError(f"unknown store {spec!r} (memory or oxigraph:PATH)")


def _files(sources: Sequence[str | Path] | None) -> list[Path]:
    from kg import paths
    from kg.load import expand

    return list(paths.default_sources()) if sources is None else expand(sources)


class MemoryStore:
    """The embedded rdflib store, as the CLI uses it now."""

    spec = "memory"

    def __init__(self) -> None:
        from kg.load import new_dataset

        self._data = new_dataset()

    def load(self, sources: Sequence[str | Path] | None = None) -> None:
        from kg.load import load

        self._data = load(None if sources is None else list(sources))

    def query(self, text: str, terms: Mapping[str, Any] | None = None) -> Any:
        from kg.queries import run_local

        return run_local(text, terms, data=self._data)

    def dataset(self) -> Any:
        return self._data

    def __len__(self) -> int:
        return sum(1 for _ in self._data.quads((None, None, None, None)))

    def close(self) -> None:
        self._data = None


class OxigraphStore:
    """A persistent pyoxigraph store at ``path``."""

    def __init__(self, path: str) -> None:
        import pyoxigraph as ox

        self.spec = f"oxigraph:{path}"
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self._store = ox.Store(str(self.path))
        self._stamp = self.path.parent / f".{self.path.name}.loaded.json"

    def _fingerprint(self, files: list[Path]) -> str:
        listed = [(str(f.resolve()), f.stat().st_size, f.stat().st_mtime_ns) for f in files]
        return hashlib.sha256(json.dumps(listed).encode()).hexdigest()

    def load(self, sources: Sequence[str | Path] | None = None) -> None:
        import pyoxigraph as ox

        from kg.load import graph_for_file, rdf_format

        files = _files(sources)
        stamp = self._fingerprint(files)
        if self._stamp.is_file() and self._stamp.read_text() == stamp:
            return  # unchanged: nothing to do
        self._stamp.unlink(missing_ok=True)
        self._store.clear()
        formats = {
            "turtle": ox.RdfFormat.TURTLE,
            "nt": ox.RdfFormat.N_TRIPLES,
            "nquads": ox.RdfFormat.N_QUADS,
            "trig": ox.RdfFormat.TRIG,
            "json-ld": ox.RdfFormat.JSON_LD,
            "xml": ox.RdfFormat.RDF_XML,
        }
        for path in files:
            fmt = rdf_format(path)
            to_graph = None
            if fmt not in ("nquads", "trig"):
                to_graph = ox.NamedNode(str(graph_for_file(path)))
            self._store.bulk_load(
                path=str(path),
                format=formats[fmt],
                base_iri=path.resolve().as_uri(),
                to_graph=to_graph,
            )
        self._store.flush()
        self._stamp.write_text(stamp)

    def query(self, text: str, terms: Mapping[str, Any] | None = None) -> Any:
        import pyoxigraph as ox

        from kg.namespaces import PREFIXES
        from kg.queries import with_values
        from kg.results import Result

        # Bound as for a SPARQL endpoint (a VALUES block, kg.queries.with_values): pyoxigraph's
        # substitutions refuse a variable that is not in the SELECT clause.
        answer = self._store.query(
            with_values(text, dict(terms or {})), prefixes={k: str(v) for k, v in PREFIXES.items()}
        )
        if isinstance(answer, ox.QueryBoolean):
            return Result("ASK", boolean=bool(answer))
        if isinstance(answer, ox.QuerySolutions):
            names = [v.value for v in answer.variables]
            rows = []
            for solution in answer:
                row = {}
                for name in names:
                    value = solution[name]
                    if value is not None:
                        row[name] = _from_ox(value)
                rows.append(row)
            return Result("SELECT", names, rows)
        from rdflib import Graph

        graph = Graph()
        for triple in answer:
            graph.add(
                (_from_ox(triple.subject), _from_ox(triple.predicate), _from_ox(triple.object))
            )
        return Result("CONSTRUCT", graph=graph)

    def dataset(self) -> Any:
        from kg.load import add_quads, new_dataset

        data = new_dataset()
        add_quads(
            data,
            (
                (
                    _from_ox(q.subject),
                    _from_ox(q.predicate),
                    _from_ox(q.object),
                    _from_ox(q.graph_name),
                )
                for q in self._store.quads_for_pattern(None, None, None, None)
            ),
        )
        return data

    def __len__(self) -> int:
        return len(self._store)

    def close(self) -> None:
        self._store.flush()
        del self._store


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _to_ox(node: Any) -> Any:
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype is not None:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))
    raise TypeError(f"not an RDF term: {node!r}")


def _from_ox(value: Any) -> Any:
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if isinstance(value, ox.NamedNode):
        return URIRef(value.value)
    if isinstance(value, ox.BlankNode):
        return BNode(value.value)
    if isinstance(value, ox.Literal):
        if value.language:
            return Literal(value.value, lang=value.language)
        if value.datatype.value == _XSD_STRING:
            return Literal(value.value)
        return Literal(value.value, datatype=URIRef(value.datatype.value))
    raise TypeError(f"not an RDF term: {value!r}")


def remove_store(spec: str) -> None:
    """Delete the on-disk data of an ``oxigraph:PATH`` store (and the stand-in's stamp)."""
    if spec.startswith("oxigraph:"):
        path = Path(spec[len("oxigraph:") :])
        shutil.rmtree(path, ignore_errors=True)
        (path.parent / f".{path.name}.loaded.json").unlink(missing_ok=True)
