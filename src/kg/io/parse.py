"""Load RDF files into one rdflib Dataset, keeping each named graph apart.

The rules:

* With no paths, the article's sources are loaded (``kg.core.paths.default_sources``):
  the ontology and vocabulary into their named graphs, then every ``data/**/*.trig`` but
  the gazetteer's (``paths.shipped_sources`` adds it).
* A path that is a directory stands for the RDF files under it, recursively, sorted.
* The format follows from the file extension (``kg.io.formats.by_extension``).
  These naming rules are ``kg.io.sources``, which needs no rdflib.
* Quad formats (TriG, N-Quads) keep the graphs they name; a triple in their default
  graph is an error, because the project puts every triple in a named graph. JSON-LD,
  which also carries plain graphs, is read as a triple format with graphs.
* Triple formats (and the default graph of a JSON-LD document) go into the named
  graph ``<file:///absolute/path>``, except the ontology and vocabulary files, which go
  into ``G_ONTOLOGY`` and ``G_VOCABULARY``.
* All or nothing: every file is parsed into a fresh Dataset and the first failure
  raises ``InputError`` naming the file and, where the parser tells, line and column.
* Nothing is fetched from the network: JSON-LD with a remote ``@context`` and RDF/XML
  with a DTD are refused before any parser sees them.
* A relative IRI is resolved against the base the file declares (``@base``,
  ``xml:base``); with none, it is an error (``NO_BASE``), never resolved against the
  file's location: the same file gives the same IRIs wherever it is read from.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from kg.core import paths
from kg.core.errors import INTERNAL_ERRORS, InputError, one_line
from kg.core.namespaces import bind_all
from kg.io import formats
from kg.io.formats import Kind
from kg.io.sources import expand as expand
from kg.io.sources import file_format as file_format
from kg.io.sources import graph_iri_for_file
from kg.io.sources import rdf_format as rdf_format

_XML_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
# What RFC 3987 (and Turtle's IRIREF) allows nowhere in an IRI: controls, space and
# <>"{}|^`\. rdflib's parsers let some through (a NUL from Turtle, a space from
# RDF/XML) and its serialisers then write what no parser reads back.
FORBIDDEN_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f]')
_MAX_CONTEXT_DEPTH = 8
#: The base IRI a document is parsed against when it declares none. No data holds it
#: (``.invalid`` is reserved, RFC 2606): an IRI under it was relative, and is refused
#: (``refuse_relative``) rather than resolved against a file's location or the current
#: folder, which would make the data's IRIs depend on where it was read.
NO_BASE = "http://no-base.invalid/"
RELATIVE_HINT = (
    "declare a base (@base in Turtle or TriG, xml:base in RDF/XML, @base in a JSON-LD "
    "context) or write the IRI in full"
)


def new_dataset() -> Dataset:
    ds = Dataset(default_union=False)
    bind_all(ds)
    return ds


def graph_for_file(path: Path) -> URIRef:
    """The named graph the triples of a triple-format file go into."""
    return URIRef(graph_iri_for_file(path))


def load(sources: Sequence[str | Path] | None = None, into: Dataset | None = None) -> Dataset:
    """Parse ``sources`` (default: the shipped ontology and data) into a new Dataset, or
    into the empty Dataset ``into`` (an engine's own)."""
    files = paths.default_sources() if sources is None else expand(sources)
    dataset = new_dataset() if into is None else into
    for path in files:
        load_file(dataset, path)
    return dataset


def load_file(dataset: Dataset, path: Path) -> None:
    """Parse one file and add its quads to ``dataset``; raise InputError on failure.

    The file is parsed into a scratch graph first, so ``dataset`` is untouched when
    parsing fails.
    """
    found = file_format(path)
    fmt = rdf_format(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file or directory", path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None

    target = graph_for_file(path)
    if fmt == "xml":
        refuse_dtd(raw, path)
        scratch = _parse(path, raw, fmt, NO_BASE)
    else:
        text = _decode(raw, path)
        if fmt == "json-ld":
            text = _safe_jsonld(text, path)
        scratch = _parse(path, text, fmt, NO_BASE)

    _refuse_bad_iris(scratch, path)
    default = scratch.graph(DATASET_DEFAULT_GRAPH_ID)
    # A format that carries only datasets names the graph of every triple.
    if Kind.GRAPH not in found.kinds and len(default) > 0:
        raise InputError(
            f"{len(default)} triple(s) in the default graph; "
            "every triple of a TriG or N-Quads file must be in a named graph",
            path,
        )
    add_quads(
        dataset,
        (
            (s, p, o, g if g is not None and g != DATASET_DEFAULT_GRAPH_ID else target)
            for s, p, o, g in scratch.quads((None, None, None, None))
        ),
    )


def add_quads(dataset: Dataset, quads: Iterable[tuple[Node, Node, Node, Node]]) -> None:
    """Add ``(s, p, o, graph name)`` quads to ``dataset``, in the order given."""
    graphs: dict[Node, Graph] = {}
    for s, p, o, g in quads:
        graph = graphs.get(g)
        if graph is None:
            graph = graphs[g] = dataset.graph(g)  # type: ignore[arg-type]
        graph.add((s, p, o))


def _parse(path: Path, data: str | bytes, fmt: str, public_id: str) -> Dataset:
    scratch = Dataset(default_union=False)
    try:
        scratch.parse(data=data, format=fmt, publicID=public_id)
    except InputError:
        raise
    except Exception as exc:
        raise _parse_error(exc, path, data, fmt) from None
    return scratch


def _parse_error(exc: Exception, path: Path, data: str | bytes, fmt: str) -> InputError:
    if isinstance(exc, INTERNAL_ERRORS):
        # rdflib's parser tripped over the input's shape (JSON-LD: {"@context": 5}
        # gives "'int' object has no attribute 'get'"): the input's fault, in Python's
        # words, which would mean nothing to the user.
        return InputError(
            f"cannot parse as {fmt}: malformed (a value of a type its place does not allow)",
            path,
        )
    line_based = any(f.line_based for f in formats.readable_formats() if f.parser == fmt)
    # Turtle and TriG: rdflib's notation3 BadSyntax keeps the input (bytes) and the
    # offset of the failure; its own line count is 0-based and has no column.
    source = getattr(exc, "_str", None)
    offset = getattr(exc, "_i", None)
    why = getattr(exc, "_why", None)
    if isinstance(source, bytes) and isinstance(offset, int):
        line, column = _line_column(source, offset)
        return InputError(f"bad {fmt} syntax: {why or exc}", path, line, column)
    # RDF/XML: the SAX exception carries the location (column 0-based).
    get_line = getattr(exc, "getLineNumber", None)
    get_column = getattr(exc, "getColumnNumber", None)
    if callable(get_line) and callable(get_column):
        message = getattr(exc, "getMessage", lambda: str(exc))()
        return InputError(f"bad RDF/XML: {message}", path, get_line(), get_column() + 1)
    # N-Triples and N-Quads: the parser says "Invalid line" without a number; the
    # formats are line based, so the first line that fails alone is the culprit.
    if line_based and isinstance(data, str):
        line_no = _first_bad_line(data, fmt)
        return InputError(f"bad {fmt} syntax: {one_line(exc)}", path, line_no)
    return InputError(f"cannot parse as {fmt}: {one_line(exc)}", path)


def _refuse_bad_iris(scratch: Dataset, path: Path) -> None:
    seen: set[Node] = set()
    for quad in scratch.quads((None, None, None, None)):
        for term in quad:
            if not isinstance(term, URIRef) or term in seen:
                continue
            seen.add(term)
            refuse_relative(term, path)
            bad = FORBIDDEN_IN_IRI.search(term)
            if bad:
                shown = str(term) if len(term) <= 80 else str(term)[:77] + "..."
                raise InputError(
                    f"IRI {shown!r} holds U+{ord(bad.group()):04X}, which no IRI may hold",
                    path,
                )


def refuse_relative(term: Node, where: str | Path) -> None:
    """InputError if ``term`` is an IRI that was relative in a document parsed against
    ``NO_BASE`` (a document without a base of its own)."""
    if isinstance(term, URIRef) and term.startswith(NO_BASE):
        relative = str(term)[len(NO_BASE) :]
        shown = relative if len(relative) <= 80 else relative[:77] + "..."
        raise InputError(f"relative IRI <{shown}> and no base IRI: {RELATIVE_HINT}", where)


def _line_column(source: bytes, offset: int) -> tuple[int, int]:
    offset = max(0, min(offset, len(source)))
    line = source.count(b"\n", 0, offset) + 1
    start = source.rfind(b"\n", 0, offset) + 1
    column = len(source[start:offset].decode("utf-8", "replace")) + 1
    return line, column


def _first_bad_line(text: str, fmt: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            Dataset().parse(data=line + "\n", format=fmt)
        except Exception:
            return number
    return None


def _decode(raw: bytes, path: Path) -> str:
    try:
        # utf-8-sig: a byte-order mark (which some editors write) is not content; rdflib's
        # parsers would stop at it.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _line_column(raw, exc.start)
        raise InputError("not valid UTF-8", path, line, column) from None


def refuse_dtd(raw: bytes, path: str | Path) -> None:
    # A DTD is how entity expansion bombs and external entities get in; RDF/XML
    # never needs one, so refuse it outright rather than trust parser settings.
    text = raw
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4]:
        # UTF-16 or UTF-32 would hide the declaration from a byte search.
        for encoding in ("utf-16", "utf-32"):
            try:
                text = raw.decode(encoding).encode("utf-8")
                break
            except UnicodeDecodeError:
                continue
    match = _XML_DTD.search(text)
    if match:
        line, column = _line_column(text, match.start())
        raise InputError(
            f"RDF/XML with a <!{match.group(1).decode().upper()}> declaration is refused "
            "(DTDs and entities are not allowed)",
            path,
            line,
            column,
        )


# -- JSON-LD ---------------------------------------------------------------------------


def _safe_jsonld(text: str, path: Path) -> str:
    """The JSON-LD text with every local ``@context`` reference inlined.

    A context given by IRI would make rdflib fetch it. A reference to a file shipped
    with the project is replaced by that file's context; anything else is refused.
    """
    document = _load_json(text, path)
    try:
        _inline_contexts(document, path, depth=0)
        return json.dumps(document, ensure_ascii=False)
    except RecursionError:
        raise InputError("JSON-LD nested too deep", path) from None


def _load_json(text: str, path: Path) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"bad JSON: {exc.msg}", path, exc.lineno, exc.colno) from None
    except RecursionError:
        # json's decoder recurses once per level of arrays and objects.
        raise InputError("bad JSON: nested too deep", path) from None


def _inline_contexts(node: Any, path: Path, depth: int) -> None:
    if isinstance(node, list):
        for item in node:
            _inline_contexts(item, path, depth)
        return
    if not isinstance(node, dict):
        return
    for key in list(node):
        value = node[key]
        if key == "@context":
            node[key] = _resolve_context(value, path, depth)
        elif key == "@import":
            # JSON-LD 1.1: a context may import another one by IRI.
            if isinstance(value, str):
                imported = _local_context(value, path, depth)
                del node[key]
                if isinstance(imported, dict):
                    for k, v in imported.items():
                        node.setdefault(k, v)
        else:
            _inline_contexts(value, path, depth)


def _resolve_context(value: Any, path: Path, depth: int) -> Any:
    if isinstance(value, str):
        return _local_context(value, path, depth)
    if isinstance(value, list):
        return [_resolve_context(item, path, depth) for item in value]
    # An inline context object may itself hold scoped contexts and imports.
    _inline_contexts(value, path, depth)
    return value


def _local_context(reference: str, path: Path, depth: int) -> Any:
    if depth >= _MAX_CONTEXT_DEPTH:
        raise InputError(f"JSON-LD @context {reference!r}: contexts nested too deep", path)
    parsed = urlparse(reference)
    if parsed.scheme and parsed.scheme != "file":
        raise InputError(
            f"JSON-LD @context {reference!r} is remote; remote contexts are never fetched "
            f"(inline the context or refer to {paths.CONTEXT_FILE} shipped with kg)",
            path,
        )
    target = Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(reference)
    if not target.is_absolute():
        target = path.resolve().parent / target
    target = target.resolve()
    root = paths.resource_root().resolve()
    if not target.is_relative_to(root) or not target.is_file():
        raise InputError(
            f"JSON-LD @context {reference!r} is not a file shipped with kg "
            f"(only files under {root} are allowed)",
            path,
        )
    document = _load_json(target.read_text(encoding="utf-8"), target)
    context = document.get("@context", {}) if isinstance(document, dict) else {}
    context = copy.deepcopy(context)
    return _resolve_context(context, target, depth + 1)


# -- views -----------------------------------------------------------------------------


def union_graph(dataset: Dataset) -> Graph:
    """A new Graph holding every triple of every graph of ``dataset``.

    A copy rather than a live view: pyshacl and SPARQL then see a plain Graph, and
    nothing done to it can leak back into the dataset.
    """
    union = Graph()
    bind_all(union)
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    return union


def named_graphs(dataset: Dataset) -> dict[URIRef, Graph]:
    """The non-empty named graphs of ``dataset``, by name, sorted."""
    graphs: dict[URIRef, Graph] = {}
    for graph in dataset.graphs():
        ident = graph.identifier
        if ident == DATASET_DEFAULT_GRAPH_ID or len(graph) == 0:
            continue
        graphs[URIRef(str(ident))] = graph
    return dict(sorted(graphs.items()))


def parse_graph(path: str | Path) -> Graph:
    """One RDF file (shapes, the ontology alone) as a plain Graph, errors as for ``load``."""
    dataset = new_dataset()
    load_file(dataset, Path(path))
    return union_graph(dataset)
