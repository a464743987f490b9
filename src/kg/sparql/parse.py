"""rdflib's SPARQL parser, behind one cache and one lock.

rdflib's parser (pyparsing) is not thread-safe: parses running at the same time fail,
and the failure sticks for the life of the process (pyparsing learns the arity of each
parse action on its first call, and two threads teach it wrong). Every parse of SPARQL
in kg therefore goes through this module, which holds ``PARSE_LOCK``; evaluation needs
no lock. Parsed queries are cached by text and base IRI: the server and the checks run
the same texts again and again.

rdflib is imported when a query is first parsed, not before: the Oxigraph engine never
needs it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kg.core.errors import QueryError, one_line

PARSE_LOCK = threading.Lock()

_FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}


@dataclass(frozen=True)
class Prepared:
    """A parsed query: its form and rdflib's query without its FROM clauses (the
    engine builds the dataset itself, never rdflib, which would fetch graphs)."""

    text: str
    form: str
    query: Any


class SparqlSyntaxError(QueryError):
    """Text that does not parse as SPARQL: ``reason`` is the parser's own words,
    ``line`` and ``column`` where it stopped."""

    def __init__(self, exc: Exception, what: str = "SPARQL") -> None:
        line = getattr(exc, "lineno", None)
        column = getattr(exc, "col", None)
        super().__init__(
            f"bad {what}: {one_line(exc)}",
            line=line if isinstance(line, int) else None,
            column=column if isinstance(column, int) else None,
        )
        self.reason = str(getattr(exc, "msg", None) or one_line(exc))


@lru_cache(maxsize=256)
def prepare(text: str, base: str | None = None) -> Prepared:
    """``text`` parsed with the project prefixes declared; QueryError if it is not a
    SPARQL query."""
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.plugins.sparql.sparql import Query

    from kg.core.namespaces import PREFIXES
    from kg.sparql.functions import install

    install()
    try:
        with PARSE_LOCK:
            parsed = prepareQuery(text, initNs=PREFIXES, base=base)
    except Exception as exc:  # pyparsing's ParseException, rdflib's own errors
        raise SparqlSyntaxError(exc) from None
    algebra = parsed.algebra
    _clamp_slices(algebra)
    form = _FORMS.get(algebra.name)
    if form is None:
        raise QueryError(f"not a SPARQL query form: {algebra.name}")
    stripped = CompValue(algebra.name, **dict(algebra.items()))
    stripped["datasetClause"] = None
    return Prepared(text, form, Query(parsed.prologue, stripped))


def prepare_update(text: str, base: str | None = None) -> Any:
    """A SPARQL 1.1 Update request parsed and translated (rdflib's algebra); QueryError
    if it is not one. Not cached: updates are not repeated."""
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import parseUpdate

    from kg.sparql.functions import install

    install()
    try:
        # No initNs: rdflib would forget the request's own PREFIXes after its first
        # operation; an update declares the prefixes it uses.
        with PARSE_LOCK:
            return translateUpdate(parseUpdate(text), base=base)
    except Exception as exc:
        raise SparqlSyntaxError(exc, "SPARQL Update") from None


def _clamp_slices(node: Any) -> None:
    """OFFSET + LIMIT at most ``sys.maxsize``: rdflib slices with ``islice(start,
    start + length)``, which refuses more (a Python error, not a SPARQL one). No answer
    has that many rows, so the clamped query means the same."""
    import sys

    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        if node.name == "Slice":
            # dict.get: CompValue.get gives the key itself for a key it does not hold.
            start = min(dict.get(node, "start") or 0, sys.maxsize)
            node["start"] = start
            length = dict.get(node, "length")
            if isinstance(length, int) and length > sys.maxsize - start:
                node["length"] = sys.maxsize - start
        for value in node.values():
            _clamp_slices(value)
    elif isinstance(node, list | tuple):
        for item in node:
            _clamp_slices(item)
