"""Serialise a Dataset in every format kg publishes, byte for byte reproducibly.

One module because every format shares one canonical form of the data (blank nodes
relabelled, literals in their lexical form, quads sorted) and the same refusals of what a
format cannot carry; each writer is short, and the rules they share are the point.

rdflib's serialisers are not deterministic on their own: blank node labels are random,
and TriG, N-Triples, N-Quads, RDF/XML and JSON-LD walk Python sets (graph order,
generated prefixes), so the output changes with PYTHONHASHSEED. Here every export

1. relabels blank nodes canonically (``canonical_quads``: rdflib's own canonical
   colouring, then short labels ``b0``, ``b1``... in order of the canonical hashes),
2. feeds the serialiser a store filled in sorted order, with every prefix that it
   could generate assigned beforehand in sorted order,
3. sorts what a serialiser still leaves in set order (N-Triples and N-Quads lines,
   TriG graphs, JSON-LD nodes and values).

Triple formats (turtle, nt, xml) export the union of all named graphs; quad formats
(trig, nquads, json-ld) keep the named graphs.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import _TripleCanonicalizer
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import RDF
from rdflib.plugins.serializers.nquads import _nq_row
from rdflib.plugins.serializers.nt import _nt_row
from rdflib.plugins.serializers.rdfxml import XMLSerializer
from rdflib.plugins.serializers.trig import TrigSerializer
from rdflib.plugins.serializers.turtle import TurtleSerializer
from rdflib.term import Node

from kg.core import paths
from kg.core.errors import InputError, OutputError, one_line
from kg.core.namespaces import PREFIXES, SH, bind_all
from kg.io import formats
from kg.io.formats import Format, Kind
from kg.io.parse import FORBIDDEN_IN_IRI, add_quads

Quad = tuple[Node, Node, Node, Node]
Triple = tuple[Node, Node, Node]

# Marks, for the canonicaliser only, which graph a blank node occurs in, so that two
# blank nodes alike in every way but their graph still get stable, distinct labels.
_IN_GRAPH = URIRef("urn:x-kg:in-graph")


# -- JSON-LD context ---------------------------------------------------------------------


def jsonld_context() -> dict[str, Any]:
    """The JSON-LD context document generated from ``namespaces.PREFIXES``."""
    return {"@context": dict(sorted(PREFIXES.items()))}


def jsonld_context_text() -> str:
    """The text of ``ontology/context.jsonld`` as ``kg generate context`` writes it."""
    return json.dumps(jsonld_context(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _shipped_context() -> dict[str, Any]:
    path = paths.context_path()
    if path.is_file():
        document = json.loads(path.read_text(encoding="utf-8"))
        context = document.get("@context") if isinstance(document, dict) else None
        if isinstance(context, dict):
            return context
    return dict(jsonld_context()["@context"])


# -- canonical order ---------------------------------------------------------------------


def _sort_key(term: Node) -> tuple[int, str, str, str]:
    # IRIs, then blank nodes, then literals; literals by value, datatype and language.
    if isinstance(term, URIRef):
        return (0, str(term), "", "")
    if isinstance(term, BNode):
        return (1, str(term), "", "")
    if isinstance(term, Literal):
        return (2, str(term), str(term.datatype or ""), term.language or "")
    return (3, str(term), "", "")


def _quad_key(quad: Quad) -> tuple[tuple[int, str, str, str], ...]:
    s, p, o, g = quad
    return (_sort_key(g), _sort_key(s), _sort_key(p), _sort_key(o))


#: Blank nodes an export labels canonically at most. rdflib's labelling grows faster
#: than linearly (measured: 1,000 nested 10 s, 1,000 side by side 19 s, 2,000 side by
#: side 119 s; 250 about 1 s), and kg's own data has none. pyoxigraph's RDFC-1.0 is fast
#: on flat data but took 117 s on a 1,000-deep nesting and overflowed its stack at 10,000.
MAX_BLANK_NODES = 250


def canonical_quads(dataset: Dataset) -> list[Quad]:
    """The quads of ``dataset`` with blank nodes relabelled canonically, sorted.

    The default graph is left out: the loader never puts triples there.
    """
    quads: list[Quad] = [
        (s, p, o, g)
        for s, p, o, g in dataset.quads((None, None, None, None))
        if g is not None and g != DATASET_DEFAULT_GRAPH_ID
    ]
    bnodes = {t for q in quads for t in (q[0], q[2], q[3]) if isinstance(t, BNode)}
    if len(bnodes) > MAX_BLANK_NODES:
        per_graph = Counter(
            g for s, _, o, g in quads if isinstance(s, BNode) or isinstance(o, BNode)
        )
        worst = per_graph.most_common(1)[0][0]
        raise OutputError(
            f"the data holds {len(bnodes)} blank nodes, most in the graph <{worst}>; kg "
            "labels them canonically for a reproducible export, which takes minutes beyond "
            f"{MAX_BLANK_NODES} (give them IRIs: kg's own data has no blank nodes)"
        )
    if bnodes:
        relabel = _canonical_bnode_labels(quads)
        quads = [
            (relabel.get(s, s), p, relabel.get(o, o), relabel.get(g, g)) for s, p, o, g in quads
        ]
    quads = [(s, p, xsd_lexical(o), g) for s, p, o, g in quads]
    return sorted(set(quads), key=_quad_key)


_XSD = "http://www.w3.org/2001/XMLSchema#"
_FLOAT_TYPES = frozenset({URIRef(_XSD + "double"), URIRef(_XSD + "float")})
# rdflib normalises "INF", "-INF" and "NaN" (and 1e999) to Python's spelling, which is
# not in the lexical space of xsd:double or xsd:float, and its N-Triples, N-Quads,
# RDF/XML and JSON-LD writers print that spelling as it is.
_FLOAT_SPECIALS = {"inf": "INF", "-inf": "-INF", "nan": "NaN"}


def xsd_lexical(term: Node) -> Node:
    if isinstance(term, Literal) and term.datatype in _FLOAT_TYPES:
        special = _FLOAT_SPECIALS.get(str(term))
        if special is not None:
            return Literal(special, datatype=term.datatype, normalize=False)
    return term


def _canonical_bnode_labels(quads: list[Quad]) -> dict[Node, BNode]:
    graph = Graph()
    for s, p, o, g in quads:
        graph.add((s, p, o))
        for term in (s, o):
            if isinstance(term, BNode):
                graph.add((term, _IN_GRAPH, g))
    # rdflib.compare has no public API for the node -> canonical label map that
    # to_canonical_graph uses internally; these are the same steps.
    canon = _TripleCanonicalizer(graph)
    coloring = canon._initial_color()
    coloring = canon._refine(coloring, coloring[:])
    if not canon._discrete(coloring):
        coloring = canon._traces(coloring)
    hashes = {c.nodes[0]: c.hash_color() for c in coloring if isinstance(c.nodes[0], BNode)}
    order = {h: i for i, h in enumerate(sorted(set(hashes.values())))}
    return {node: BNode(f"b{order[h]}") for node, h in hashes.items()}


def _fill(graph: Graph, triples: Iterable[Triple]) -> Graph:
    # rdflib's Memory store iterates in insertion order: sorted in, sorted out.
    for triple in triples:
        graph.add(triple)
    return graph


class _SortedGraph(Graph):
    """A Graph whose ``subjects()`` come sorted.

    rdflib's RDF/XML serialiser writes subjects in the order ``subjects()`` yields
    them, and the Memory store keeps a graph's triples in a set.
    """

    def subjects(  # type: ignore[override]
        self,
        predicate: Any = None,
        object: Any = None,
        unique: bool = False,
    ) -> Iterator[Node]:
        if predicate is None and object is None:
            found = {s for s, _, _ in self.triples((None, None, None))}
            yield from sorted(found, key=_sort_key)
        else:
            yield from super().subjects(predicate, object, unique)


def _bind(graph: Graph) -> None:
    bind_all(graph)
    # Not a data prefix, but validation reports are exported through here too.
    graph.bind("sh", SH, override=False)


def _union(quads: list[Quad]) -> Graph:
    graph = _SortedGraph(bind_namespaces="none")
    _bind(graph)
    seen: set[Triple] = set()
    ordered: list[Triple] = []
    for s, p, o, _ in sorted(quads, key=lambda q: _quad_key(q)[1:]):
        if (s, p, o) not in seen:
            seen.add((s, p, o))
            ordered.append((s, p, o))
    return _fill(graph, ordered)


def _dataset(quads: list[Quad]) -> Dataset:
    ds = Dataset(default_union=False)
    _bind(ds)
    add_quads(ds, quads)
    return ds


def _assign_prefixes(graph: Graph, strict: bool) -> None:
    """Generate the ``ns1``, ``ns2``... prefixes a serialiser would invent, in sorted order.

    Serialisers invent prefixes for unbound namespaces while walking sets; doing it
    first, sorted, fixes which namespace gets which number.
    """
    nm = graph.namespace_manager
    terms: set[URIRef] = {p for p in graph.predicates() if isinstance(p, URIRef)}
    terms |= {o for o in graph.objects(None, RDF.type) if isinstance(o, URIRef)}
    for term in sorted(terms):
        try:
            if strict:
                nm.compute_qname_strict(term)
            else:
                nm.compute_qname(term)
        except (ValueError, KeyError):
            continue


# -- writers ---------------------------------------------------------------------------


def _serialize(serializer: Any) -> bytes:
    buffer = io.BytesIO()
    serializer.serialize(buffer, encoding="utf-8")
    return buffer.getvalue()


_XSD_DECIMAL = URIRef(_XSD + "decimal")
_XSD_DOUBLE = URIRef(_XSD + "double")


def _label(serializer: Any, node: Node, position: int, label: Any) -> str:
    # rdflib writes every xsd:decimal in Turtle's shorthand, adding ".0" to a whole
    # one: "98"^^xsd:decimal (the canonical form, which every store keeps) would come
    # back as "98.0", another literal. Such a decimal is written in full instead.
    # And every xsd:double as f"{value:e}": six significant digits, 10000001.0 became
    # 1.000000e+07; a double is written in full too.
    if isinstance(node, Literal) and (
        (node.datatype == _XSD_DECIMAL and "." not in str(node)) or node.datatype == _XSD_DOUBLE
    ):
        return node._literal_n3(
            use_plain=False,
            qname_callback=lambda dt: serializer.get_pname(dt, True),
        )
    return str(label(node, position))


class _RememberedNames(TurtleSerializer):
    """rdflib's Turtle serialiser, each IRI's prefixed name worked out once per graph.

    rdflib works it out again at every occurrence, and an IRI it cannot shorten (no cache
    for a failure in its namespace manager) costs a walk of its namespace trie each time:
    a third of the time of writing the shipped data. The answer cannot change while
    writing, since every prefix a serialiser may invent was assigned beforehand
    (``_assign_prefixes``); and ``reset``, where the serialiser forgets the namespaces it
    declared, forgets the names too.
    """

    def reset(self) -> None:
        super().reset()
        self._names: dict[tuple[int, Node, bool], str | None] = {}

    def get_pname(self, uri: Node, gen_prefix: bool = True) -> str | None:
        key = (id(self.store), uri, gen_prefix)
        try:
            return self._names[key]
        except KeyError:
            name = self._names[key] = super().get_pname(uri, gen_prefix)
            return name


class _TurtleSerializer(_RememberedNames):
    """rdflib's Turtle serialiser, keeping whole decimals as written (``_label``)."""

    def label(self, node: Node, position: int) -> str:
        return _label(self, node, position, super().label)


def write_turtle(quads: list[Quad]) -> bytes:
    graph = _union(quads)
    _assign_prefixes(graph, strict=False)
    return _serialize(_TurtleSerializer(graph))


_NAME_START = (
    "A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
    "\u200c\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
    "\U00010000-\U000effff"
)
#: An XML name without a colon (NCName), what an RDF/XML property element's local part is.
_NCNAME = re.compile(f"[{_NAME_START}][{_NAME_START}\\-.0-9\u00b7\u0300-\u036f\u203f\u2040]*")


def write_xml(quads: list[Quad]) -> bytes:
    graph = _union(quads)
    _assign_prefixes(graph, strict=True)
    # A predicate is an element name: namespace + local name. rdflib accepts a local
    # name XML does not (d%20e) and writes the namespace unescaped (a & in a query
    # string), and the file is then not XML. Refuse such a predicate instead.
    nm = graph.namespace_manager
    for predicate in sorted({p for _, p, _ in graph if isinstance(p, URIRef)}):
        try:
            _, namespace, local = nm.compute_qname_strict(predicate)
        except ValueError:
            local, namespace = "", ""
        if not _NCNAME.fullmatch(local) or any(c in str(namespace) for c in '&<>"'):
            raise OutputError(
                f"RDF/XML cannot write the predicate <{predicate}> as an XML element name; "
                "export as turtle, trig, nt, nquads or json-ld"
            )
    return _serialize(XMLSerializer(graph))


def _sorted_lines(data: str) -> bytes:
    # split("\n"), not splitlines(): that also splits at \x0b, \x0c, \x1c-\x1e, \x85,
    # \u2028 and \u2029, which rdflib leaves unescaped inside literals.
    lines = sorted({line for line in data.split("\n") if line.strip()})
    return "".join(line + "\n" for line in lines).encode("utf-8")


def write_nt(quads: list[Quad]) -> bytes:
    # rdflib's own line writer, without the Graph its serialiser would need first; the
    # lines are sorted and deduplicated anyway. encode() as its serialiser does: strict.
    lines = (_nt_row((s, p, o)) for s, p, o, _ in quads)
    return _sorted_lines("".join(line.encode().decode("utf-8") for line in lines))


def write_nquads(quads: list[Quad]) -> bytes:
    # As write_nt; rdflib's N-Quads serialiser encodes with errors="replace".
    lines = (_nq_row((s, p, o), g) for s, p, o, g in quads)  # type: ignore[no-untyped-call]
    return _sorted_lines("".join(line.encode("utf-8", "replace").decode() for line in lines))


class _SortedTrigSerializer(_RememberedNames, TrigSerializer):
    """rdflib's TriG serialiser, with graphs written in IRI order, not set order."""

    def __init__(self, store: Dataset) -> None:
        super().__init__(store)
        self.contexts.sort(key=lambda g: _sort_key(g.identifier))

    def label(self, node: Node, position: int) -> str:
        return _label(self, node, position, super().label)


def write_trig(quads: list[Quad]) -> bytes:
    ds = _dataset(quads)
    for graph in ds.graphs():
        _assign_prefixes(graph, strict=False)
    return _serialize(_SortedTrigSerializer(ds))


def write_jsonld(quads: list[Quad]) -> bytes:
    return _jsonld_bytes(_dataset(quads))


def _jsonld_bytes(data: Graph) -> bytes:
    """``data`` (a Dataset, or one graph) as the project's JSON-LD: compacted with the
    shipped context, nodes and values sorted."""
    context = _shipped_context()
    document = _jsonld_document(data, context)
    if isinstance(document, list):
        nodes: list[Any] = document
    elif "@graph" in document and "@id" not in document:
        nodes = document["@graph"]
    else:
        # One object: a node, or the only named graph ({"@id": G, "@graph": [...]}),
        # whose name would be lost if its @graph were taken for the default graph.
        nodes = [{k: v for k, v in document.items() if k != "@context"}]
    result = {"@context": context, "@graph": _sorted_nodes(nodes)}
    # allow_nan=False: a NaN or an infinity would be written as JSON has no word for.
    text = json.dumps(result, indent=2, ensure_ascii=False, sort_keys=True, allow_nan=False)
    return (text + "\n").encode()


def _jsonld_document(ds: Graph, context: dict[str, Any]) -> Any:
    """rdflib's JSON-LD conversion of ``ds``, with what it got wrong set right.

    With a context, rdflib writes xsd:integer, xsd:double, xsd:boolean and xsd:string
    literals as bare JSON values. These read back differently: INF, -INF and NaN
    (orjson wrote ``null``, json ``Infinity``), an ill-typed value (``""`` as
    xsd:integer: a bare string) and an explicit xsd:string (read back untyped). They
    are written as ``{"@type": ..., "@value": ...}``. And blank nodes that only occur
    in a cycle were left out (``from_graph``)."""
    from rdflib.namespace import XSD
    from rdflib.plugins.serializers.jsonld import PLAIN_LITERAL_TYPES, Converter
    from rdflib.plugins.shared.jsonld.context import Context

    class _Converter(Converter):
        def to_raw_value(self, graph: Graph, s: Any, o: Any, nodemap: Any) -> Any:
            if isinstance(o, Literal) and o.datatype in PLAIN_LITERAL_TYPES:
                lexical = _FLOAT_SPECIALS.get(str(o), str(o))
                if (
                    o.datatype == XSD.string  # a bare string reads back untyped
                    or o.ill_typed  # "" or "abc" as xsd:integer: a bare string too
                    or lexical in _FLOAT_SPECIALS.values()
                ):
                    return {
                        self.context.type_key: self.context.to_symbol(o.datatype),
                        self.context.value_key: lexical,
                    }
            return super().to_raw_value(graph, s, o, nodemap)

        def from_graph(self, graph: Graph) -> Any:
            # rdflib starts only from IRIs and blank nodes that are no triple's object,
            # so blank nodes that only occur in a cycle (_:a :p _:a) were left out.
            nodemap: dict[Any, Any] = {}
            subjects: list[Any] = sorted(set(graph.subjects()), key=_sort_key)
            roots = [
                s for s in subjects if isinstance(s, URIRef) or not any(graph.subjects(None, s))
            ]
            for s in roots:
                self.process_subject(graph, s, nodemap)
            # What the roots reach was written (as a node, embedded, or as a @list).
            reached = set(roots)
            todo = list(roots)
            while todo:
                for o in graph.objects(todo.pop(), None):
                    if isinstance(o, BNode) and o not in reached:
                        reached.add(o)
                        todo.append(o)
            for s in subjects:
                if s not in reached:
                    self.process_subject(graph, s, nodemap)
            return list(nodemap.values())

    return _Converter(Context(context), False, False).convert(ds)


def _json_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _sorted_nodes(nodes: list[Any]) -> list[Any]:
    normalised = [_normalise(node) for node in nodes]
    return sorted(
        normalised,
        key=lambda n: (str(n.get("@id", "")), _json_key(n)) if isinstance(n, dict) else ("", ""),
    )


def _normalise(value: Any) -> Any:
    # Property values in JSON-LD are unordered sets, so any order is faithful; sort
    # them. "@list" is the exception: there order is the data.
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "@list":
                out[key] = [_normalise(v) for v in item] if isinstance(item, list) else item
            elif key == "@graph" and isinstance(item, list):
                out[key] = _sorted_nodes(item)
            elif isinstance(item, list):
                out[key] = sorted((_normalise(v) for v in item), key=_json_key)
            else:
                out[key] = _normalise(item)
        return out
    if isinstance(value, list):
        return sorted((_normalise(v) for v in value), key=_json_key)
    return value


def exporter(fmt: str) -> Format:
    """The export format named ``fmt`` (``formats.export_formats``); InputError if none is."""
    chosen = next((f for f in formats.export_formats() if f.name == fmt), None)
    if chosen is None:
        valid = ", ".join(formats.names(formats.export_formats()))
        raise InputError(f"unknown export format {fmt!r} (valid: {valid})")
    return chosen


def _writer(chosen: Format) -> Callable[[list[Quad]], bytes]:
    # The registry names each writer; the RDF ones live here (a format that keeps the
    # graphs has a dataset writer, one that merges them a graph writer).
    module, function = chosen.writer(Kind.DATASET) or chosen.writer(Kind.GRAPH) or ("", "")
    if module != __name__:
        raise InputError(f"{chosen.name} is not written by kg.io.serialise")
    write: Callable[[list[Quad]], bytes] = globals()[function]
    return write


# XML 1.0 has no way to write these, not even as character references.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _refuse_unwritable(quads: list[Quad], fmt: str) -> None:
    """Raise OutputError for what ``fmt`` cannot carry, rather than write something
    that reads back differently (or not at all): an IRI with a character no IRI may
    hold, in any format (rdflib lets a NUL through); in RDF/XML, a character XML 1.0
    cannot hold (NUL, most C0 controls)."""
    seen: set[Node] = set()
    for quad in quads:
        for term in quad:
            if term in seen or isinstance(term, BNode):
                continue
            seen.add(term)
            text = str(term)
            if isinstance(term, URIRef):
                bad = FORBIDDEN_IN_IRI.search(text)
                if bad:
                    raise OutputError(
                        f"cannot serialise as {fmt}: IRI {text[:80]!r} holds "
                        f"U+{ord(bad.group()):04X}, which no IRI may hold"
                    )
            if fmt == "xml":
                bad = _NOT_XML.search(text)
                if bad:
                    raise OutputError(
                        f"RDF/XML cannot hold U+{ord(bad.group()):04X} (in {text[:80]!r}); "
                        "export as turtle, trig, nt, nquads or json-ld"
                    )


def _write(chosen: Format, quads: list[Quad]) -> bytes:
    _refuse_unwritable(quads, chosen.name)
    write = _writer(chosen)
    try:
        return write(quads)
    except Exception as exc:
        raise OutputError(f"cannot serialise as {chosen.name}: {one_line(exc)}") from exc


def export(dataset: Dataset, fmt: str) -> bytes:
    """``dataset`` serialised as ``fmt`` (a name of ``formats.export_formats()``),
    deterministically."""
    return _write(exporter(fmt), canonical_quads(dataset))


def export_all(dataset: Dataset, fmts: Iterable[str] | None = None) -> dict[str, bytes]:
    """Several formats at once (default: all), canonicalising blank nodes only once."""
    names = formats.names(formats.export_formats()) if fmts is None else fmts
    chosen = [exporter(f) for f in names]
    quads = canonical_quads(dataset)
    return {e.name: _write(e, quads) for e in chosen}


def graph_jsonld(graph: Graph) -> bytes:
    """A single graph (a CONSTRUCT or DESCRIBE answer) as JSON-LD compacted with the
    project's context, deterministically: blank nodes labelled canonically, nodes and
    values sorted, as ``write_jsonld`` writes a dataset (rdflib's own writer followed
    the hash seed: its blank node labels and order changed from run to run)."""
    name = URIRef("urn:x-kg:graph")
    ds = Dataset(default_union=False)
    add_quads(ds, ((s, p, o, name) for s, p, o in graph))
    return _jsonld_bytes(_fill(Graph(), ((s, p, o) for s, p, o, _ in canonical_quads(ds))))


def export_graph(graph: Graph, fmt: str = "turtle") -> bytes:
    """A single graph (a SHACL report, say) serialised as a triple format, deterministically."""
    chosen = exporter(fmt)
    if chosen.keeps_graphs:
        raise InputError(f"export_graph needs a triple format, not {fmt!r}")
    name = URIRef("urn:x-kg:graph")
    ds = Dataset(default_union=False)
    add_quads(ds, ((s, p, o, name) for s, p, o in graph))
    return _write(chosen, canonical_quads(ds))
