"""Comparing query results by value, across engines (shared by the tests that run the
stored queries on real servers: test_queries_remote.py, test_push.py).

Moved unchanged from tests/test_queries_remote.py.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal, InvalidOperation
from typing import Any

from rdflib import Literal
from rdflib.term import Node

from kg.sparql.results import Result, runs

_XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMERIC = {
    _XSD + t
    for t in (
        "integer",
        "decimal",
        "double",
        "float",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "positiveInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
}


def value(term: Node | None) -> tuple[Any, ...] | None:
    """A term by value: numbers numerically (Oxigraph writes 98 where rdflib writes 98.0),
    booleans as booleans, language tags case-insensitively, simple literals as
    xsd:string."""
    if term is None:
        return None
    if isinstance(term, Literal):
        datatype = str(term.datatype) if term.datatype is not None else _XSD + "string"
        if datatype in _NUMERIC:
            try:
                return ("number", Decimal(str(term)).normalize())
            except InvalidOperation:
                return ("number", str(term))
        if datatype == _XSD + "boolean":
            return ("boolean", str(term).strip() in ("true", "1"))
        if term.language:
            return ("literal", str(term), "@" + term.language.lower())
        return ("literal", str(term), datatype)
    return (type(term).__name__, str(term))


def order_value(term: Node | None) -> tuple[Any, ...] | None:
    """A term as ORDER BY sees it. SPARQL 1.1 fixes the order of numbers, simple
    strings, booleans and date-times among themselves; between language-tagged strings,
    or literals of different kinds, each engine picks its own (rdflib and Oxigraph
    differ), so those all compare equal here."""
    if isinstance(term, Literal):
        kind = value(term)
        assert kind is not None
        datatype = str(term.datatype) if term.datatype is not None else _XSD + "string"
        if kind[0] in ("number", "boolean") or (
            not term.language and datatype in (_XSD + "string", _XSD + "dateTime", _XSD + "date")
        ):
            return kind
        return ("literal",)
    return value(term)


def comparable(result: Result, keys: list[str] | None) -> list[Any]:
    """Runs of rows that share their ORDER BY values as SPARQL defines them (one run if
    the query does not order), each a multiset of rows by value."""
    if result.graph is not None:
        return [Counter((value(s), value(p), value(o)) for s, p, o in result.graph)]
    if result.form == "ASK":
        return [result.boolean]

    def row_value(row: dict[str, Node]) -> tuple[Any, ...]:
        return tuple(value(row.get(name)) for name in result.variables)

    return [
        Counter(row_value(row) for row in run)
        for run in (runs(result.rows, keys, order_value) if keys is not None else [result.rows])
    ]
