"""Query results, whichever engine gave them, and the formats kg writes them in.

One ``Result`` type holds a SELECT table, an ASK boolean or a CONSTRUCT/DESCRIBE
graph, so that local and remote answers go through the same writers. A table's cells
are rdflib terms, or ``kg.sparql.terms.Term``s as the Oxigraph engine gives them: the
writers read both through ``kg.sparql.terms.parts`` (kind, value, datatype, language),
so that writing an Oxigraph answer imports no rdflib; ``Result.rows`` converts Terms to
rdflib terms the first time a consumer reads it.
``serialise`` is the one way an answer is written, in a format of ``kg.io.formats``:

* ``csv``, ``tsv``, ``json``, ``xml``: the W3C SPARQL 1.1 Query Results formats
  (CSV and TSV for SELECT only; JSON and XML for SELECT and ASK), written here;
* ``table``: aligned columns for a terminal, measuring Vietnamese text by display
  width (wide characters take two columns, combining marks none), written here;
* for CONSTRUCT and DESCRIBE, the graph formats: JSON-LD compacted with the project's
  context (here), the others by ``kg.io.serialise``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from kg.core.errors import InputError
from kg.core.prefixes import compact
from kg.io import formats
from kg.io.formats import Format
from kg.sparql.terms import BNODE, LITERAL, Term, parts, to_rdflib
from kg.sparql.terms import XSD_STRING as XSD_STRING
from kg.sparql.text import star_order

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node

_XSD = "http://www.w3.org/2001/XMLSchema#"
_SPARQL_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"
_BOOLEAN_CANONICAL = {"1": "true", "0": "false"}
_XML_NS = "http://www.w3.org/XML/1998/namespace"

#: A row of a table: variable name -> term (an unbound variable is absent).
Row = dict[str, "Node | Term"]


class Result:
    """A SELECT table (``variables``, rows), an ASK ``boolean`` or a ``graph``.

    ``rows`` are given as rdflib terms, or ``solutions`` as they come (Terms or rdflib
    terms); ``solutions`` is what the writers read, ``rows`` the rdflib view of it,
    converted once, when first read.
    """

    def __init__(
        self,
        form: str,  # SELECT, ASK, CONSTRUCT or DESCRIBE
        variables: Sequence[str] | None = None,
        rows: list[dict[str, Node]] | None = None,
        boolean: bool | None = None,
        graph: Graph | None = None,
        *,
        solutions: list[Row] | None = None,
    ) -> None:
        self.form = form
        self.variables = list(variables or [])
        self.boolean = boolean
        self.graph = graph
        self._solutions = solutions
        # None until read: converted from ``solutions`` then.
        self._rows: list[dict[str, Node]] | None = rows
        if rows is None and solutions is None:
            self._rows = []
        # A page of a paged stored query (``kg.sparql.catalogue.cut_page``): the number of
        # the page after it, None if it is the last (or not a page).
        self.next_page: int | None = None

    @property
    def solutions(self) -> list[Row]:
        """The rows as they are held: Terms, rdflib terms, or both."""
        if self._solutions is not None:
            return self._solutions
        return self._rows  # type: ignore[return-value]

    @property
    def rows(self) -> list[dict[str, Node]]:
        """The rows as rdflib terms."""
        if self._rows is None:
            converted: dict[Term, Node] = {}
            rows: list[dict[str, Node]] = []
            for solution in self._solutions or []:
                row: dict[str, Node] = {}
                for name, term in solution.items():
                    if isinstance(term, Term):
                        found = converted.get(term)
                        if found is None:
                            found = converted[term] = to_rdflib(term)
                        row[name] = found
                    else:
                        row[name] = term
                rows.append(row)
            self._rows = rows
        return self._rows

    @rows.setter
    def rows(self, rows: list[dict[str, Node]]) -> None:
        self._rows, self._solutions = rows, None

    def __len__(self) -> int:
        """The number of rows (of triples, for a graph)."""
        if self.graph is not None:
            return len(self.graph)
        return len(self.solutions)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        return (self.form, self.variables, self.boolean, self.graph) == (
            other.form,
            other.variables,
            other.boolean,
            other.graph,
        ) and self.rows == other.rows

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        if self.form == "ASK":
            return f"Result('ASK', boolean={self.boolean!r})"
        if self.graph is not None:
            return f"Result({self.form!r}, graph=<{len(self.graph)} triples>)"
        return f"Result({self.form!r}, {self.variables!r}, <{len(self.solutions)} rows>)"


# -- from engines ----------------------------------------------------------------------


def plain_literal(term: Node) -> Node:
    """``term``, an ``xsd:string`` literal written as the simple literal it is."""
    # RDF 1.1: a simple literal is an xsd:string; rdflib keeps the two apart, the
    # W3C formats and other engines write both as the simple form.
    from rdflib import Literal

    if isinstance(term, Literal) and term.datatype is not None and str(term.datatype) == XSD_STRING:
        return Literal(str(term))
    return term


def approximate_size(result: Result) -> int:
    """About how many bytes ``result`` holds in memory: what the server's answer cache
    counts against its limit. Strings dominate; every term and row adds a fixed cost."""
    per_term = 64
    if result.graph is not None:
        return sum(sum(len(str(node)) + per_term for node in triple) for triple in result.graph)
    size = 256
    for row in result.solutions:
        size += per_term
        for node in row.values():
            term = parts(node)
            size += per_term + len(term.value) + len(term.datatype or "") + len(term.language or "")
    return size


def rdf_triples(triples: Iterable[tuple[Node, Node, Node]]) -> Iterator[tuple[Node, Node, Node]]:
    """The triples of a CONSTRUCT or DESCRIBE answer that are RDF: SPARQL 1.1 §16.2.1
    leaves out a template instance with a literal subject or a predicate that is not an
    IRI (rdflib's evaluator and its Turtle parser keep them)."""
    from rdflib import BNode, Literal, URIRef

    for triple in triples:
        s, p, o = triple
        if (
            isinstance(s, URIRef | BNode)
            and isinstance(p, URIRef)
            and isinstance(o, URIRef | BNode | Literal)
        ):
            yield triple


#: Bindings read between two calls of ``parse_json``'s ``check``.
_CHECK_EVERY = 10_000


class ResultsFormatError(ValueError):
    """Results that are not well-formed SPARQL JSON results."""


def parse_json(data: bytes | str, form: str, check: Callable[[], None] | None = None) -> Result:
    """A Result from SPARQL 1.1 Query Results JSON; ResultsFormatError if malformed.
    ``check`` is called every ``_CHECK_EVERY`` bindings (it raises to stop: a deadline)."""
    from rdflib import BNode, Literal, URIRef

    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ResultsFormatError(f"not JSON ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("head"), dict):
        raise ResultsFormatError("no 'head' object")
    if form == "ASK":
        if not isinstance(document.get("boolean"), bool):
            raise ResultsFormatError("an ASK result without a boolean")
        return Result("ASK", boolean=document["boolean"])
    variables = document["head"].get("vars")
    results = document.get("results")
    if not isinstance(variables, list) or not isinstance(results, dict):
        raise ResultsFormatError("no 'head.vars' list or no 'results' object")
    bindings = results.get("bindings")
    if not isinstance(bindings, list):
        raise ResultsFormatError("no 'results.bindings' list")
    rows: list[dict[str, Node]] = []
    for number, binding in enumerate(bindings):
        if check is not None and number % _CHECK_EVERY == 0:
            check()
        if not isinstance(binding, dict):
            raise ResultsFormatError("a binding that is not an object")
        row: dict[str, Node] = {}
        for name, value in binding.items():
            if not isinstance(value, dict) or not isinstance(value.get("value"), str):
                raise ResultsFormatError(f"a value of {name!r} without 'type' and 'value'")
            kind, text = value.get("type"), value["value"]
            if kind == "uri":
                row[name] = URIRef(text)
            elif kind == "bnode":
                row[name] = BNode(text)
            elif kind in ("literal", "typed-literal"):
                # "typed-literal": the SPARQL JSON of Virtuoso (and of the 2005 draft).
                datatype = value.get("datatype")
                lang = value.get("xml:lang")
                if datatype == _XSD + "boolean" and text in _BOOLEAN_CANONICAL:
                    # Virtuoso writes xsd:boolean as 1 and 0: the canonical forms of the
                    # same values, so that every engine's answer reads alike.
                    text = _BOOLEAN_CANONICAL[text]
                row[name] = plain_literal(
                    Literal(text, lang=lang, datatype=URIRef(datatype) if datatype else None)
                )
            else:
                raise ResultsFormatError(f"unknown term type {kind!r}")
        rows.append(row)
    return Result("SELECT", [str(v) for v in variables], rows)


# -- W3C formats -----------------------------------------------------------------------


def _json_term(node: Node | Term) -> dict[str, str]:
    term = parts(node)
    if term.kind == LITERAL:
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype is not None and term.datatype != XSD_STRING:
            out["datatype"] = term.datatype
        return out
    return {"type": term.kind, "value": term.value}


def to_json_document(result: Result) -> dict[str, Any]:
    if result.form == "ASK":
        return {"head": {}, "boolean": bool(result.boolean)}
    return {
        "head": {"vars": list(result.variables)},
        "results": {
            "bindings": [
                {name: _json_term(row[name]) for name in result.variables if name in row}
                for row in result.solutions
            ]
        },
    }


def to_json(result: Result) -> str:
    return json.dumps(to_json_document(result), ensure_ascii=False, indent=2) + "\n"


def to_xml(result: Result) -> str:
    # ElementTree is imported here: the other formats do without it.
    from xml.etree import ElementTree

    ElementTree.register_namespace("", _SPARQL_RESULTS_NS)
    ns = "{" + _SPARQL_RESULTS_NS + "}"
    root = ElementTree.Element(ns + "sparql")
    head = ElementTree.SubElement(root, ns + "head")
    if result.form == "ASK":
        ElementTree.SubElement(root, ns + "boolean").text = "true" if result.boolean else "false"
    else:
        for name in result.variables:
            ElementTree.SubElement(head, ns + "variable", name=name)
        results = ElementTree.SubElement(root, ns + "results")
        for row in result.solutions:
            element = ElementTree.SubElement(results, ns + "result")
            for name in result.variables:
                if name not in row:
                    continue
                term = parts(row[name])
                binding = ElementTree.SubElement(element, ns + "binding", name=name)
                value = ElementTree.SubElement(binding, ns + term.kind)
                if term.kind == LITERAL:
                    if term.language:
                        value.set("{" + _XML_NS + "}lang", term.language)
                    elif term.datatype is not None and term.datatype != XSD_STRING:
                        value.set("datatype", term.datatype)
                value.text = term.value
    ElementTree.indent(root)
    body = ElementTree.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _csv_value(node: Node | Term | None) -> str:
    if node is None:
        return ""
    term = parts(node)
    return f"_:{term.value}" if term.kind == BNODE else term.value


def to_csv(result: Result) -> str:
    # SPARQL 1.1 CSV: RFC 4180 with CRLF line ends; values without type or language.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(result.variables)
    for row in result.solutions:
        writer.writerow([_csv_value(row.get(name)) for name in result.variables])
    return buffer.getvalue()


_NUMERIC_SHORT = {
    _XSD + "integer": re.compile(r"^[+-]?[0-9]+$"),
    _XSD + "decimal": re.compile(r"^[+-]?[0-9]*\.[0-9]+$"),
    _XSD + "double": re.compile(r"^[+-]?(?:[0-9]+\.[0-9]*|\.?[0-9]+)[eE][+-]?[0-9]+$"),
    _XSD + "boolean": re.compile(r"^(?:true|false)$"),
}
_TSV_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def tsv_term(node: Node | Term | None) -> str:
    """A term as SPARQL 1.1 TSV writes it: Turtle syntax, with tabs and newlines escaped."""
    if node is None:
        return ""
    term = parts(node)
    if term.kind == BNODE:
        return f"_:{term.value}"
    if term.kind != LITERAL:
        return f"<{term.value}>"
    text, datatype = term.value, term.datatype
    if datatype in _NUMERIC_SHORT and _NUMERIC_SHORT[datatype].match(text):
        return text
    quoted = '"' + "".join(_TSV_ESCAPES.get(c, c) for c in text) + '"'
    if term.language:
        return f"{quoted}@{term.language}"
    if datatype and datatype != XSD_STRING:
        return f"{quoted}^^<{datatype}>"
    return quoted


def to_tsv(result: Result) -> str:
    lines = ["\t".join(f"?{name}" for name in result.variables)]
    for row in result.solutions:
        lines.append("\t".join(tsv_term(row.get(name)) for name in result.variables))
    return "\n".join(lines) + "\n"


# -- table -----------------------------------------------------------------------------


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: East Asian wide and fullwidth characters
    two, combining marks and other zero-width characters none, the rest one."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _cell(node: Node | Term | None) -> str:
    if node is None:
        return ""
    term = parts(node)
    if term.kind == LITERAL:
        text = term.value
    elif term.kind == BNODE:
        text = f"_:{term.value}"
    else:
        # As kg.core.terms.short_name writes an IRI.
        text = compact(term.value) or f"<{term.value}>"
    # A newline or tab in a cell would break the alignment of every row after it.
    return _CONTROL.sub(lambda m: {"\n": "↵", "\t": "⇥"}.get(m.group(), "�"), text)


#: The widest a ``table`` cell is, in terminal columns: past it a value is cut, ``…`` at
#: its end (one article's text is 7,000 characters, on every line of its column).
#: The other formats (csv, tsv, json, xml) always hold every value whole.
MAX_CELL_WIDTH = 80


def cut_to_width(text: str, width: int = MAX_CELL_WIDTH) -> str:
    """``text`` if it takes at most ``width`` columns, else its start and ``…`` in
    ``width`` columns. Never cut between a letter and the marks that follow it (a
    decomposed ``ự`` stays whole): a mark takes no column and goes with its letter."""
    if display_width(text) <= width:
        return text
    kept: list[str] = []
    used = 0
    for char in text:
        columns = display_width(char)
        if columns and used + columns > width - 1:
            break
        kept.append(char)
        used += columns
    return "".join(kept) + "…"


def to_table(result: Result) -> str:
    if result.form == "ASK":
        return ("true" if result.boolean else "false") + "\n"
    header = list(result.variables)
    whole = [[_cell(row.get(name)) for name in header] for row in result.solutions]
    cells = [[cut_to_width(cell) for cell in line] for line in whole]
    cut = sum(
        a != b
        for line, full in zip(cells, whole, strict=True)
        for a, b in zip(line, full, strict=True)
    )
    widths = [display_width(h) for h in header]
    for line in cells:
        widths = [max(w, display_width(c)) for w, c in zip(widths, line, strict=True)]
    out = ["  ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)).rstrip()]
    out.append("  ".join("-" * w for w in widths))
    for line in cells:
        out.append("  ".join(_pad(c, w) for c, w in zip(line, widths, strict=True)).rstrip())
    count = len(result.solutions)
    rows = f"{count} row{'s' if count != 1 else ''}"
    if cut:
        values = f"{cut} value{'s' if cut != 1 else ''} cut at {MAX_CELL_WIDTH} characters (…)"
        rows += f"; {values}: -f csv, tsv or json holds them whole"
    out.append(f"({rows})")
    return "\n".join(out) + "\n"


# -- graphs ----------------------------------------------------------------------------


def graph_jsonld(result: Result) -> str:
    """A CONSTRUCT or DESCRIBE answer as JSON-LD compacted with the project's context,
    embedded: never a remote @context; the same bytes whatever the hash seed."""
    from rdflib import Graph

    from kg.io.serialise import graph_jsonld

    graph = result.graph if result.graph is not None else Graph()
    return graph_jsonld(graph).decode("utf-8")


def serialise(result: Result, fmt: Format | str) -> bytes:
    """``result`` in ``fmt`` (a format or its name); InputError if the format cannot
    hold that kind of result."""
    kind = formats.kind_of(result.form)
    chosen = fmt if isinstance(fmt, Format) else formats.by_name(fmt, formats.carrying(kind))
    module, function = (chosen.writer(kind) if chosen is not None else None) or ("", "")
    if module == __name__:
        written: str = globals()[function](result)
        return written.encode("utf-8")
    if module == "kg.io.serialise":
        # A graph in the formats datasets are written in: the same bytes as kg export.
        from rdflib import Graph

        from kg.io.serialise import export_graph

        assert chosen is not None
        return export_graph(result.graph if result.graph is not None else Graph(), chosen.name)
    name = fmt if isinstance(fmt, str) else fmt.name
    raise InputError(f"the {name} format cannot hold the answer to a {result.form} query")


def in_query_order(result: Result, text: str) -> Result:
    """``result`` with the columns of a ``SELECT *`` in the order its variables first
    appear in ``text`` (``kg.sparql.text.star_order``); any other result as it is.
    Every engine's answer passes here, so one query has one column order everywhere."""
    if result.form != "SELECT":
        return result
    order = star_order(text)
    if order is None:
        return result
    rank = {name: i for i, name in enumerate(order)}
    # A variable the text does not show (none should) goes last, by name.
    result.variables = sorted(result.variables, key=lambda v: (rank.get(v, len(rank)), v))
    return result


# -- comparing results -------------------------------------------------------------------


def term_key(term: Node | Term | None) -> str:
    """A string that sorts and compares terms exactly (kind, value, datatype, language)."""
    if term is None:
        return ""
    return json.dumps(_json_term(term), sort_keys=True, ensure_ascii=False)


def row_key(row: Row | dict[str, Node], variables: list[str]) -> str:
    return "\x1f".join(term_key(row.get(name)) for name in variables)


def normalised(result: Result, keys: list[str] | None) -> Result:
    """``result`` with its rows in a canonical order that keeps what the query orders.

    ``keys`` are ``sparql_text.order_keys`` of the query: None (no ORDER BY) sorts
    every row canonically; otherwise the order of the runs of rows that share the key
    values is kept, and only the rows within a run are sorted. Two engines, or two runs
    of one, that agree on the answer then give the same normalised rows.
    """
    if result.form != "SELECT":
        return result
    variables = result.variables
    if keys is None:
        rows = sorted(result.solutions, key=lambda r: row_key(r, variables))
    else:
        rows = []
        for run in runs(result.solutions, keys, term_key):
            rows.extend(sorted(run, key=lambda r: row_key(r, variables)))
    return Result(result.form, list(variables), solutions=rows)


def runs(rows: list[Row], keys: list[str], key: Any) -> list[list[Row]]:
    """Consecutive rows grouped by ``key`` of their values of ``keys``."""
    out: list[list[Row]] = []
    last: object = object()
    for row in rows:
        current = tuple(key(row.get(k)) for k in keys)
        if not out or current != last:
            out.append([])
            last = current
        out[-1].append(row)
    return out
