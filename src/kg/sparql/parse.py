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

import re
import threading
from collections.abc import Iterable
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
    """Text that does not parse as SPARQL: ``reason`` says why in a line a user reads
    (``syntax_error`` makes it from the parser's words), ``line`` and ``column`` where
    the parser stopped, also at the start of the message: ``bad SPARQL at 1:28: …``."""

    def __init__(
        self, reason: str, what: str = "SPARQL", line: int | None = None, column: int | None = None
    ) -> None:
        at = f" at {line}:{column}" if line is not None and column is not None else ""
        super().__init__(f"bad {what}{at}: {reason}", line=line, column=column)
        self.reason = reason


#: The most alternatives a syntax error lists. Oxigraph's parser names every token it
#: could have taken, character classes spelt as Rust ranges included: 700 characters
#: for one undeclared prefix.
MAX_EXPECTED = 6
# Oxigraph: "error at LINE:COLUMN: expected one of A, B, C" (or "expected A").
_OXIGRAPH = re.compile(r"^error at (\d+):(\d+): expected (?:one of )?(.*)$", re.DOTALL)
# One alternative of Oxigraph's list: a quoted token, a [character class], or words.
_ALTERNATIVE = re.compile(r'"(?:[^"\\]|\\.)*"|\[(?:[^\]\'\\]|\\.|\'(?:[^\'\\]|\\.)*\')*\]|[^,]+')
# pyparsing (rdflib): "Expected X, found 'Y'  (at char 26), (line:1, col:27)".
_PYPARSING_AT = re.compile(r"\s*\(at char \d+\),\s*\(line:\d+, col:\d+\)\s*$")
# Oxigraph puts its semantic errors among the tokens it expected.
_SEMANTIC = {"Prefix not found": None, "IRI parsing failed": "not a valid IRI"}


def syntax_error(
    raw: BaseException | str,
    text: str,
    prefixes: Iterable[str] = (),
    what: str = "SPARQL",
) -> SparqlSyntaxError:
    """The error for ``text``, which a parser refused with ``raw`` (Oxigraph's
    SyntaxError or its text, or pyparsing's ParseException), ``prefixes`` declared
    for it besides its own PREFIXes: an undeclared prefix said as such, wherever the
    parser noticed (Oxigraph lists it among the tokens it expected, or expects
    ``OPTIONAL`` instead), and a list of expected tokens cut to ``MAX_EXPECTED``."""
    undeclared = undeclared_prefix(text, prefixes)
    if undeclared is not None:
        prefix, line, column = undeclared
        from kg.core.prefixes import unknown_prefix

        return SparqlSyntaxError(unknown_prefix(prefix, in_sparql=True), what, line, column)
    at_line = getattr(raw, "lineno", None)
    at_column = getattr(raw, "col", None)
    if isinstance(at_line, int) and isinstance(at_column, int):
        return SparqlSyntaxError(_PYPARSING_AT.sub("", one_line(raw)), what, at_line, at_column)
    found = _OXIGRAPH.match(str(raw))
    if found is None:
        return SparqlSyntaxError(one_line(raw), what)
    return SparqlSyntaxError(
        _expected(found.group(3)), what, int(found.group(1)), int(found.group(2))
    )


def _expected(alternatives: str) -> str:
    shown: list[str] = []
    for match in _ALTERNATIVE.finditer(alternatives):
        item = " ".join(match.group().split())
        if item in _SEMANTIC or (" " in item and not item.startswith(('"', "["))):
            return _SEMANTIC.get(item) or item
        if item == "[_]":  # any character: the parser's recovery, nothing to write
            continue
        if item.startswith("['A' ..= 'Z'"):
            item = "a name"
        elif item.startswith(("['0'..='9']", "['0' ..= '9']")):
            item = "a number"
        elif item.startswith("[") and len(item) > 12:
            continue
        if item not in shown:
            shown.append(item)
    if not shown:
        return "syntax error"
    if len(shown) == 1:
        return f"expected {shown[0]}"
    more = ", …" if len(shown) > MAX_EXPECTED else ""
    return f"expected one of {', '.join(shown[:MAX_EXPECTED])}{more}"


def undeclared_prefix(text: str, prefixes: Iterable[str] = ()) -> tuple[str, int, int] | None:
    """The first prefix ``text`` uses in a prefixed name without declaring it (by
    PREFIX, or among ``prefixes``), with the line and column of that name; None if
    it declares every one it uses."""
    from kg.sparql.text import tokens

    toks = list(tokens(text))
    declared = set(prefixes)
    for at, tok in enumerate(toks):
        if tok.keyword == "PREFIX" and at + 1 < len(toks):
            declared.add(toks[at + 1].text.rstrip(":"))
    for at, tok in enumerate(toks):
        if tok.kind != "word" or ":" not in tok.text:
            continue
        if at > 0 and (toks[at - 1].keyword == "PREFIX" or toks[at - 1].text == "<"):
            continue  # a declaration, or the start of an IRI the lexer could not read
        prefix, _, local = tok.text.partition(":")
        if prefix not in declared and prefix != "_" and not local.startswith("//"):
            line = text.count("\n", 0, tok.start) + 1
            column = tok.start - (text.rfind("\n", 0, tok.start) + 1) + 1
            return prefix, line, column
    return None


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
        raise syntax_error(exc, text, PREFIXES) from None
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
        raise syntax_error(exc, text, what="SPARQL Update") from None


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
