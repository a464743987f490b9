"""Readable JSON-LD: the project's context with a short name for every term, and the
framed description of one entity.

The context (``ontology/context.jsonld``, served at ``CONTEXT_IRI``) is generated from
the model and the data (``build_context``):

* every class and property the ontology declares, and every predicate and class the
  data uses, gets a term named after its local name (``label``, ``ledBy``,
  ``PartyBody``); ``id`` and ``type`` stand for ``@id`` and ``@type``;
* where two vocabularies share a local name, the one earlier in ``PRECEDENCE`` keeps it
  and the others get ``<prefix>_<local>`` (``schema_about`` beside kgo's ``about``);
* how a property's values are written follows what they are in the data: all IRIs,
  ``"@type": "@id"``; all language-tagged strings, a language map
  (``"@container": "@language"``); all of one datatype, that type (``xsd:date``...);
  anything else (plain strings, mixed values) is left as it is. A property the data does
  not use takes the same from its ``rdfs:range`` in the ontology. A property some subject
  has two values of is always an array (``"@container": "@set"``);
* the vocabulary prefixes stay, for terms without a name of their own; a prefix whose
  name a term took (``unit``: kgo's property) is left out, and its IRIs are written in
  full. The prefixes of kg's own entities (``body:``, ``term:``...) are left out too: many
  of them are also property names (``term``, ``period``, ``post``, ``source``), and an
  entity's full IRI is its address, the URL a web developer fetches.

An entity's document (``entity_document``) is the description graph framed with pyld:
the entity at the top, what it owns (blank nodes, its ``#`` IRIs: an annotation's target
and selectors) nested inside it, everything else it points to as ``{"id", "label"}``,
and what points at it under ``@reverse``.

pyld never fetches anything here: every call passes ``document_loader``, which answers
the kg context from the shipped file and refuses every other URL.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.core import paths
from kg.core.errors import InputError, OutputError, one_line
from kg.core.prefixes import BASE, GRAPH, KGO, KIND_IRIS, PREFIXES, RDF, SCHEME_IRIS, XSD

#: The stable address of the context: ``kg serve`` answers it at ``/context.jsonld``.
CONTEXT_IRI = BASE + paths.CONTEXT_FILE
MEDIA_TYPE = "application/ld+json"

_RDF_TYPE = RDF + "type"
_LANG_STRING = RDF + "langString"
_OWL = "http://www.w3.org/2002/07/owl#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"

#: Namespaces of things, not of terms: no short names, and no prefixes in the context.
_ENTITY_NAMESPACES = frozenset(
    {*KIND_IRIS.values(), *SCHEME_IRIS.values(), GRAPH, PREFIXES["wd"], PREFIXES["osmrel"]}
)
#: The vocabulary prefixes, in the order in which they get a shared local name: the
#: project's own ontology first, then the vocabularies a web developer knows best
#: (schema.org before the older FOAF and Dublin Core), then the rest as in ``PREFIXES``.
_FIRST = ("kgo", "rdf", "rdfs", "skos", "schema", "dct", "org", "prov", "oa", "time", "qb")
PRECEDENCE: tuple[str, ...] = (
    *_FIRST,
    *(p for p, ns in PREFIXES.items() if p not in _FIRST and ns not in _ENTITY_NAMESPACES),
)
#: Keyword aliases; they come before any term.
_ALIASES = {"id": "@id", "type": "@type"}
# A term name a JavaScript programmer can write after a dot.
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _split(iri: str) -> tuple[str, str] | None:
    """(prefix, local name) under the longest vocabulary namespace, or None."""
    best: tuple[str, str] | None = None
    for prefix in PRECEDENCE:
        namespace = PREFIXES[prefix]
        if iri.startswith(namespace) and (best is None or len(namespace) > len(PREFIXES[best[0]])):
            best = (prefix, iri[len(namespace) :])
    return best


def _kind(value: Node) -> str:
    if isinstance(value, Literal):
        if value.language:
            return "@language"
        if value.datatype is None or str(value.datatype) == XSD + "string":
            return "string"
        return str(value.datatype)
    return "@id"


def _declared(model: Graph) -> tuple[set[str], set[str], dict[str, str]]:
    """The classes and properties of the kg ontology, and the rdfs:range of each property."""
    classes: set[str] = set()
    properties: set[str] = set()
    ranges: dict[str, str] = {}
    class_types = {_OWL + "Class", _RDFS + "Class"}
    property_types = {
        _OWL + "ObjectProperty",
        _OWL + "DatatypeProperty",
        _OWL + "AnnotationProperty",
        RDF + "Property",
    }
    for s, _, o in model.triples((None, URIRef(_RDF_TYPE), None)):
        if not isinstance(s, URIRef) or not str(s).startswith(KGO):
            continue
        if str(o) in class_types:
            classes.add(str(s))
        elif str(o) in property_types:
            properties.add(str(s))
            if str(o) == _OWL + "ObjectProperty":
                ranges.setdefault(str(s), "@id")
    for s, _, o in model.triples((None, URIRef(_RDFS + "range"), None)):
        if str(s) in properties:
            if str(o) == _LANG_STRING:
                ranges[str(s)] = "@language"
            elif str(o).startswith(XSD):
                ranges[str(s)] = "string" if str(o) == XSD + "string" else str(o)
            else:
                ranges[str(s)] = "@id"
    return classes, properties, ranges


def _names(iris: Iterable[str]) -> dict[str, str]:
    """A short name for each IRI that has a usable local name: IRI -> name."""
    by_local: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for iri in iris:
        split = _split(iri)
        if split is None or not _NAME.match(split[1]):
            continue
        prefix, local = split
        by_local[local].append((PRECEDENCE.index(prefix), prefix, iri))
    names: dict[str, str] = {}
    for local, claims in by_local.items():
        claims.sort()
        for rank, (_, prefix, iri) in enumerate(claims):
            names[iri] = local if rank == 0 and local not in _ALIASES else f"{prefix}_{local}"
    return names


def _compact(iri: str, taken: Iterable[str] = ()) -> str:
    """``prefix:local``, or the full IRI where the prefix's name is a term's (``taken``)."""
    split = _split(iri)
    if split is None or split[0] in taken:
        return iri
    return f"{split[0]}:{split[1]}"


def build_context(model: Graph, data: Iterable[tuple[Node, Node, Node]]) -> dict[str, Any]:
    """The ``@context`` object of kg's JSON-LD from the ontology ``model`` and the
    triples of ``data`` (the module's docstring gives the rules)."""
    classes, properties, ranges = _declared(model)
    kinds: dict[str, set[str]] = defaultdict(set)
    values: Counter[tuple[Node, str]] = Counter()
    for s, p, o in data:
        predicate = str(p)
        if predicate == _RDF_TYPE:
            if isinstance(o, URIRef):
                classes.add(str(o))
            continue
        properties.add(predicate)
        kind = _kind(o)
        kinds[predicate].add(kind)
        if kind != "@language":
            values[(s, predicate)] += 1
    several = {p for (_, p), n in values.items() if n > 1}

    names = _names(classes | properties)
    taken = set(names.values())
    context: dict[str, Any] = dict(_ALIASES)
    for iri, name in names.items():
        if iri in classes and iri not in properties:
            context[name] = _compact(iri, taken)
            continue
        seen = kinds.get(iri) or ({ranges[iri]} if iri in ranges else set())
        definition: dict[str, Any] = {"@id": _compact(iri, taken)}
        coerced = next(iter(seen)) if len(seen) == 1 else None
        if coerced == "@language":
            definition["@container"] = "@language"
        elif coerced == "@id":
            definition["@type"] = "@id"
        elif coerced is not None and coerced != "string":
            definition["@type"] = _compact(coerced, taken)
        if iri in several and coerced != "@language":
            definition["@container"] = "@set"
        context[name] = definition if len(definition) > 1 else definition["@id"]
    for prefix in PRECEDENCE:
        if prefix not in context:
            context[prefix] = PREFIXES[prefix]
    return dict(sorted(context.items()))


def generated_context() -> dict[str, Any]:
    """The context built from the shipped ontology and data (``kg generate context``)."""
    from kg.io.parse import load, union_graph

    dataset = load(paths.default_sources())
    model = load([p for p in (paths.ontology_path(),) if p.is_file()])
    return build_context(union_graph(model), ((s, p, o) for s, p, o, _ in dataset.quads()))


def context_text(context: Mapping[str, Any]) -> str:
    """The context document as ``kg generate context`` writes it."""
    document = {"@context": dict(context)}
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def shipped_context() -> dict[str, Any]:
    """The ``@context`` of the shipped ``ontology/context.jsonld``; OutputError if the
    file is missing or holds no context object (``kg generate context`` writes it)."""
    path = paths.context_path()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OutputError(f"cannot read the JSON-LD context {path}: {one_line(exc)}") from None
    context = document.get("@context") if isinstance(document, dict) else None
    if not isinstance(context, dict):
        raise OutputError(f"{path} holds no @context object (run: kg generate context)")
    return context


# -- pyld ------------------------------------------------------------------------------


def document_loader(url: str, options: Any = None) -> dict[str, Any]:
    """A pyld document loader that knows one document, the kg context, at its stable
    address (and as the shipped file), and refuses every other URL: pyld run by kg, or
    by its tests, never reaches the network."""
    if url in (CONTEXT_IRI, paths.context_path().resolve().as_uri()):
        return {
            "contentType": MEDIA_TYPE,
            "contextUrl": None,
            "documentUrl": url,
            "document": {"@context": shipped_context()},
        }
    raise InputError(f"JSON-LD: {url} is not fetched (kg resolves only {CONTEXT_IRI})")


def _options(**more: Any) -> dict[str, Any]:
    return {"documentLoader": document_loader, **more}


def _expanded(graph: Graph) -> list[Any]:
    """``graph`` as expanded JSON-LD (pyld's RDF algorithm, from N-Quads)."""
    from pyld import jsonld
    from rdflib import Dataset

    from kg.io.parse import add_quads
    from kg.io.serialise import canonical_quads, write_nt

    # Blank nodes labelled canonically and the lines sorted: pyld numbers blank nodes in
    # the order it meets them, and the document is then the same bytes every run.
    name = URIRef("urn:x-kg:graph")
    dataset = Dataset(default_union=False)
    add_quads(dataset, ((s, p, o, name) for s, p, o in graph))
    nquads = write_nt(canonical_quads(dataset)).decode("utf-8")
    expanded: list[Any] = jsonld.from_rdf(
        nquads, _options(format="application/n-quads", useNativeTypes=False)
    )
    return expanded


def _unreached(graph: Graph, iri: str) -> list[str]:
    """The subjects of ``graph`` a frame rooted at ``iri`` would leave out: neither
    reached from it nor pointing at it (the classes on the ontology's page)."""
    subject = URIRef(iri)
    reached: set[Node] = {subject, *graph.subjects(None, subject)}
    todo = list(reached)
    while todo:
        for o in graph.objects(todo.pop(), None):
            if not isinstance(o, Literal) and o not in reached:
                reached.add(o)
                todo.append(o)
    left = {s for s in graph.subjects() if s not in reached}
    if any(isinstance(s, BNode) for s in left):
        raise OutputError(f"cannot frame {iri} as JSON-LD: a blank node is out of its reach")
    return sorted(str(s) for s in left)


def _frame(graph: Graph, iri: str, context: Mapping[str, Any], also: list[str]) -> dict[str, Any]:
    # Incoming properties are named in the frame: pyld embeds reverse values only for
    # the properties a frame asks for.
    subject = URIRef(iri)
    incoming = sorted({str(p) for s, p, _ in graph.triples((None, None, subject)) if s != subject})
    frame: dict[str, Any] = {
        "@context": dict(context),
        "@id": [iri, *also] if also else iri,
        "@embed": "@once",
    }
    if incoming:
        frame["@reverse"] = {p: {"@embed": "@once"} for p in incoming}
    return frame


def entity_document(graph: Graph, iri: str, context: Mapping[str, Any] | None = None) -> Any:
    """The framed JSON-LD description of ``iri`` from its description graph: the entity
    at the top with short keys, what it points to nested in it (what it owns in full,
    the rest as ``{"id", "label"}``, so far as the graph holds their labels), what points
    at it under ``@reverse``.

    Every triple of ``graph`` is in the document: the subjects neither reached from the
    entity nor pointing at it (the ontology's classes on the ontology's page) follow it
    in a ``@graph``.
    """
    from pyld import jsonld

    context = dict(context if context is not None else shipped_context())
    also = _unreached(graph, iri)
    options = _options(omitGraph=not also, pruneBlankNodeIdentifiers=True)
    try:
        framed: dict[str, Any] = jsonld.frame(
            _expanded(graph), _frame(graph, iri, context, also), options
        )
    except jsonld.JsonLdError as exc:
        raise OutputError(f"cannot frame {iri} as JSON-LD: {one_line(exc)}") from None
    framed.pop("@context", None)
    _drop_echoes(framed, iri)
    context = _used(framed, context)
    if also:
        nodes = sorted(framed.get("@graph", []), key=lambda n: (n.get("id") != iri, n.get("id")))
        body: dict[str, Any] = {"@graph": [_ordered(_normalise(n)) for n in nodes]}
    else:
        body = _ordered(_normalise(framed))
    return {"@context": context, **body}


_CURIE = re.compile(r"^([A-Za-z_][\w.\-]*):")


def _used(document: Any, context: Mapping[str, Any]) -> dict[str, Any]:
    """The part of ``context`` that ``document`` uses: the terms among its keys and
    types, and the prefixes of its compact IRIs and of those terms. An entity's document
    carries this much and stays readable (the whole context is at ``CONTEXT_IRI``)."""
    names: set[str] = set()

    def walk(value: Any, key: str | None) -> None:
        if isinstance(value, dict):
            for name, item in value.items():
                names.add(name)
                walk(item, name)
        elif isinstance(value, list):
            for item in value:
                walk(item, key)
        elif isinstance(value, str):
            if key in ("type", "@type"):
                names.add(value)
            match = _CURIE.match(value)
            if match:
                names.add(match.group(1))

    walk(document, None)
    used = {name: context[name] for name in names if name in context}
    for definition in list(used.values()):
        for iri in [definition] if isinstance(definition, str) else definition.values():
            match = _CURIE.match(iri) if isinstance(iri, str) else None
            if match and match.group(1) in context:
                used[match.group(1)] = context[match.group(1)]
    return dict(sorted(used.items()))


def _drop_echoes(node: Any, iri: str) -> None:
    """Leave out, in each node under ``@reverse``, the link back to ``iri``: the
    ``@reverse`` entry states that triple already, and the echo only repeats it."""
    reverse = node.get("@reverse") if isinstance(node, dict) else None
    if not isinstance(reverse, dict):
        return
    for name, nodes in reverse.items():
        for other in nodes if isinstance(nodes, list) else [nodes]:
            if not isinstance(other, dict) or name not in other:
                continue
            values = other[name] if isinstance(other[name], list) else [other[name]]
            kept = [
                v for v in values if v != iri and not (isinstance(v, dict) and v == {"id": iri})
            ]
            if kept:
                other[name] = kept
            else:
                del other[name]


#: Keys a reader looks for first, in this order; the others follow sorted, ``@reverse``
#: (what points here) last.
_FIRST_KEYS = ("@id", "id", "@type", "type", "label", "prefLabel")


def _ordered(value: Any) -> Any:
    if isinstance(value, list):
        return [_ordered(v) for v in value]
    if not isinstance(value, dict):
        return value

    def key(name: str) -> tuple[int, str]:
        if name in _FIRST_KEYS:
            return (_FIRST_KEYS.index(name) - len(_FIRST_KEYS), name)
        return (1 if name == "@reverse" else 0, name)

    return {name: _ordered(value[name]) for name in sorted(value, key=key)}


def _json_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _normalise(value: Any) -> Any:
    # Values in JSON-LD are sets, so any order is faithful: sort them ("@list" keeps its
    # order, that is the data), so that a document is the same bytes every time.
    if isinstance(value, dict):
        return {
            key: (
                [_normalise(v) for v in item]
                if key == "@list" and isinstance(item, list)
                else _normalise(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return sorted((_normalise(v) for v in value), key=_json_key)
    return value


def entity_bytes(graph: Graph, iri: str) -> bytes:
    document = entity_document(graph, iri)
    # Not sort_keys: _ordered put the keys a reader looks for first, the same every time.
    text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")
