"""RDF terms as plain values: what a parameter binds and what an Oxigraph answer holds.

A ``Term`` is the four things the W3C results formats say of a term (kind, value,
datatype, language). It exists so that the common path, a stored query run on the
Oxigraph engine and written in a results format, never imports rdflib: importing rdflib
takes longer than loading the shipped data and answering the query. rdflib terms are
still what ``Result.rows`` gives and what callers may bind; ``parts`` reads either kind,
``to_rdflib`` converts a ``Term`` when a consumer needs rdflib.

Two texts must be exactly what the rdflib path made, so that answers and the queries
sent to endpoints stay byte for byte the same:

* ``sparql`` writes a term as rdflib's ``n3()`` does (the string escapes, the long
  quotes of a string holding a newline), with one difference: rdflib leaves the last
  quote of a long string unescaped when a backslash comes before it, which ends the
  string early; ``sparql`` escapes it (tests/test_cold_path.py shows both).
* ``lexical`` is the lexical form rdflib keeps for a typed literal (rdflib rewrites the
  XSD types into its own canonical forms: ``"1E7"^^xsd:double`` becomes
  ``"10000000.0"``). Forms that rdflib keeps as they are (those of integers, decimals,
  booleans and dates that Oxigraph and rdflib write alike, the shipped data's) are
  recognised by pattern; any other XSD or RDF datatype asks rdflib itself, imported then.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any, NamedTuple

from kg.core.errors import InputError, one_line
from kg.core.prefixes import RDF, XSD

if TYPE_CHECKING:
    from rdflib.term import Node

XSD_STRING = XSD + "string"

#: The kinds of term, as the SPARQL JSON results format names them.
URI, BNODE, LITERAL = "uri", "bnode", "literal"


class Term(NamedTuple):
    """An IRI, a blank node or a literal. ``datatype`` None is a simple literal (or one
    with a ``language``)."""

    kind: str  # URI, BNODE or LITERAL
    value: str  # the IRI, the blank node's label or the literal's lexical form
    datatype: str | None = None
    language: str | None = None


def iri(value: str) -> Term:
    return Term(URI, value)


def literal(value: str, datatype: str | None = None, language: str | None = None) -> Term:
    return Term(LITERAL, value, None if language else datatype, language)


# -- reading rdflib terms ----------------------------------------------------------------


def parts(node: Term | Node) -> Term:
    """``node`` as a Term (itself if it is one): what the writers read."""
    if isinstance(node, Term):
        return node
    # An rdflib term exists, so rdflib is imported already: this import costs nothing.
    from rdflib import BNode, Literal

    if isinstance(node, Literal):
        datatype = node.datatype
        return Term(
            LITERAL, str(node), str(datatype) if datatype is not None else None, node.language
        )
    if isinstance(node, BNode):
        return Term(BNODE, str(node))
    return Term(URI, str(node))


def to_rdflib(node: Term | Node) -> Node:
    """The rdflib term for ``node`` (itself if it is one already)."""
    if not isinstance(node, Term):
        return node
    from rdflib import BNode, Literal, URIRef

    if node.kind == URI:
        return URIRef(node.value)
    if node.kind == BNODE:
        return BNode(node.value)
    if node.language:
        return Literal(node.value, lang=node.language)
    if node.datatype is None:
        return Literal(node.value)
    return Literal(node.value, datatype=URIRef(node.datatype))


# -- lexical forms -----------------------------------------------------------------------

# Lexical forms rdflib keeps as they are (it parses them and writes the same text back).
_KEPT = {
    XSD + "integer": re.compile(r"(?:0|-?[1-9][0-9]{0,3999})\Z"),
    XSD + "decimal": re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?\Z"),
    XSD + "boolean": re.compile(r"(?:true|false)\Z"),
    XSD + "date": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"),
}
# rdflib reads literals of these namespaces' datatypes into Python values and writes
# them back in its own forms; it keeps any other datatype's lexical form as it is.
_REWRITTEN = (XSD, RDF)


def lexical(value: str, datatype: str | None) -> str:
    """The lexical form rdflib gives a literal of ``datatype`` written ``value``."""
    if datatype is None or datatype == XSD_STRING or not datatype.startswith(_REWRITTEN):
        return value
    kept = _KEPT.get(datatype)
    if kept is not None and kept.match(value):
        return value
    return str(rdflib_literal(value, datatype))


def rdflib_literal(value: str, datatype: str) -> Any:
    """rdflib's Literal of ``datatype`` written ``value``, without the traceback rdflib
    logs for an ill-typed one (its ``ill_typed`` says so)."""
    # With rdflib, whose import costs far more: a cold query's path needs neither.
    import logging

    from rdflib import Literal, URIRef

    term_logger = logging.getLogger("rdflib.term")
    disabled, term_logger.disabled = term_logger.disabled, True
    try:
        return Literal(value, datatype=URIRef(datatype))
    finally:
        term_logger.disabled = disabled


# -- writing SPARQL ----------------------------------------------------------------------

# What rdflib's URIRef.n3() refuses in an IRI.
_NOT_IN_IRI = re.compile(r'[<>" {}|\\^`]')
_INF_NAN_TYPES = (XSD + "double", XSD + "float", XSD + "decimal")


def sparql(node: Term | Node) -> str:
    """``node`` in SPARQL (and Turtle) syntax, as rdflib's ``n3()`` writes it;
    InputError for an IRI that cannot be written."""
    if not isinstance(node, Term):
        try:
            return str(node.n3())
        except Exception as exc:  # rdflib refuses IRIs it cannot write
            raise InputError(f"cannot write {str(node)!r} in SPARQL: {one_line(exc)}") from None
    if node.kind == URI:
        if _NOT_IN_IRI.search(node.value):
            raise InputError(f"cannot write the IRI {node.value!r} in SPARQL")
        return f"<{node.value}>"
    if node.kind == BNODE:
        return f"_:{node.value}"
    encoded = _quoted(node.value)
    if node.language:
        return f"{encoded}@{node.language}"
    if node.datatype is None:
        return encoded
    if node.datatype in _INF_NAN_TYPES:
        encoded = _inf_nan(node.value, encoded)
    return f"{encoded}^^<{node.datatype}>"


def _quoted(text: str) -> str:
    # rdflib's Literal._quote_encode, but for the last quote of a long string (see the
    # module docstring).
    if "\n" not in text:
        escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r")
        return f'"{escaped}"'
    encoded = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if encoded.endswith('"') and not encoded.endswith('\\"\\"\\"'):
        encoded = encoded[:-1] + '\\"'
    escaped = encoded.replace("\r", "\\r")
    return f'"""{escaped}"""'


def _inf_nan(value: str, encoded: str) -> str:
    # rdflib writes Python's names of the infinities and NaN as XSD's.
    try:
        number = float(value)
    except ValueError:
        return encoded
    if math.isinf(number):
        return encoded.replace("inf", "INF").replace("Infinity", "INF")
    if math.isnan(number):
        return encoded.replace("nan", "NaN")
    return encoded
