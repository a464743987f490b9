"""Just enough SPARQL lexing to find things in query text without a parser.

The stored-query catalogue (``kg query list``) must not pay for rdflib's SPARQL
grammar, and a query sent to a remote endpoint needs one precise edit: a ``VALUES``
block as the first element of the outermost ``WHERE`` group. Both only need the
tokens that matter for structure: strings, IRIs and comments (so that a ``{`` or a
``#`` inside them is not mistaken for syntax), variables, words and braces. An IRI may
hold ``\\u`` escapes and a prefixed name the grammar's ``\\#``, ``\\'`` or ``\\;``
escapes: each stays inside its token, where it cannot open a comment or a string.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from kg.core.errors import QueryError

# The string forms are the SPARQL 1.1 grammar's STRING_LITERAL{1,2} and
# STRING_LITERAL_LONG{1,2}; backslash escapes are accepted leniently (\\.).
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>
        \"\"\"(?:(?:\"|\"\")?(?:[^\"\\]|\\.))*\"\"\"
      | '''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
      | \"(?:[^\"\\\n\r]|\\.)*\"
      | '(?:[^'\\\n\r]|\\.)*'
    )
  | (?P<iri><(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
  | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<word>[^\W\d](?:[\w\-.:]|\\[_~.\-!$&'()*+,;=/?\#@%])*(?<!\.)
      |:(?:[\w\-.]|\\[_~.\-!$&'()*+,;=/?\#@%])*(?<!\.))
  | (?P<open>\{)
  | (?P<close>\})
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

# rdflib's own pattern (rdflib.plugins.sparql.parser.expandUnicodeEscapes_re).
_ESCAPE = re.compile(r"\\u([0-9a-f]{4}(?:[0-9a-f]{4})?)", re.IGNORECASE)

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)


class Token(NamedTuple):
    kind: str
    text: str
    start: int
    end: int
    depth: int  # brace depth before the token

    @property
    def keyword(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def unescape(text: str) -> str:
    """``text`` with its ``\\uXXXX`` and ``\\UXXXXXXXX`` escapes replaced, everywhere.

    rdflib's parser does this to the whole query before reading it, so a keyword may be
    written with escapes (``\\u0053ERVICE``); look for keywords in this text, not in
    the raw one. An escape that names no character is left as it is.
    """

    def expand(match: re.Match[str]) -> str:
        try:
            return chr(int(match.group(1), 16))
        except (ValueError, OverflowError):
            return match.group(0)

    return _ESCAPE.sub(expand, text)


def tokens(text: str) -> Iterator[Token]:
    """The significant tokens of ``text`` (no whitespace, no comments)."""
    depth = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind in ("ws", "comment"):
            continue
        token = Token(kind, match.group(), match.start(), match.end(), depth)
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        yield token


def query_form(text: str) -> str:
    """The form of query ``text`` (SELECT, ASK, CONSTRUCT or DESCRIBE), read from its
    first words only: what content negotiation needs before the query runs, in time
    that does not grow with the rest of the text. QueryError as ``shape``."""
    for tok in tokens(unescape(text)):
        if tok.kind != "word" or tok.depth != 0:
            continue
        if tok.keyword in QUERY_FORMS:
            return tok.keyword
        if tok.keyword in _UPDATE_WORDS:
            raise QueryError(
                f"{tok.keyword} is a SPARQL update; only SELECT, ASK, CONSTRUCT and "
                "DESCRIBE queries can be run"
            )
        if tok.keyword not in ("PREFIX", "BASE") and ":" not in tok.text:
            break
    raise QueryError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE")


class Shape(NamedTuple):
    """What a query's text says about its structure."""

    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    prefixes: dict[str, str]  # prefix -> namespace, as declared in the prologue
    where_open: int | None  # offset just after the outermost WHERE group's "{"
    keywords: frozenset[str]  # every keyword-like word, upper case
    used_prefixes: frozenset[str]  # prefixes of prefixed names used anywhere


def shape(text: str) -> Shape:
    """The form, prologue prefixes and outermost WHERE group of a query.

    Raises QueryError for an update or for text with no query form.
    """
    toks = list(tokens(text))
    prefixes: dict[str, str] = {}
    form = ""
    form_index = -1
    keywords: set[str] = set()
    used: set[str] = set()
    for i, tok in enumerate(toks):
        if tok.kind != "word":
            continue
        keywords.add(tok.keyword)
        if ":" in tok.text:
            used.add(tok.text.split(":", 1)[0])
        if form:
            continue
        if tok.keyword == "PREFIX" and i + 2 < len(toks) and toks[i + 2].kind == "iri":
            prefixes[toks[i + 1].text.rstrip(":")] = toks[i + 2].text[1:-1]
        elif tok.keyword in QUERY_FORMS and tok.depth == 0:
            form, form_index = tok.keyword, i
        elif tok.keyword in _UPDATE_WORDS and tok.depth == 0:
            raise QueryError(
                f"{tok.keyword} is a SPARQL update; only SELECT, ASK, CONSTRUCT and "
                "DESCRIBE queries can be run"
            )
    if not form:
        raise QueryError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE")
    return Shape(
        form,
        prefixes,
        _where_open(toks, form, form_index),
        frozenset(keywords),
        frozenset(used),
    )


def _where_open(toks: list[Token], form: str, form_index: int) -> int | None:
    rest = toks[form_index + 1 :]
    if form == "CONSTRUCT":
        # CONSTRUCT { template } WHERE { pattern }: skip the template. The short form
        # CONSTRUCT WHERE { ... } has no separate pattern to put anything in.
        if rest and rest[0].keyword == "WHERE":
            return None
        closes = [i for i, t in enumerate(rest) if t.kind == "close" and t.depth == 1]
        if not closes:
            return None
        rest = rest[closes[0] + 1 :]
    for tok in rest:
        if tok.kind == "open" and tok.depth == 0:
            return tok.end
    return None


def order_keys(text: str) -> list[str] | None:
    """The variables of the outermost ORDER BY that a result shows the order by.

    None if the query does not order its results. Otherwise the leading conditions
    that are plain variables (``?x``, ``ASC(?x)``, ``DESC(?x)``), up to the first
    that is an expression: rows equal in these variables may come in any order
    (ties, or an order by something the result does not show).
    """
    toks = list(tokens(text))
    start = None
    for i, tok in enumerate(toks[:-1]):
        if tok.depth == 0 and tok.keyword == "ORDER" and toks[i + 1].keyword == "BY":
            start = i + 2
    if start is None:
        return None
    keys: list[str] = []
    i = start
    while i < len(toks):
        tok = toks[i]
        if tok.kind == "var":
            keys.append(tok.text[1:])
            i += 1
        elif (
            tok.keyword in ("ASC", "DESC")
            and i + 3 < len(toks)
            and toks[i + 1].text == "("
            and toks[i + 2].kind == "var"
            and toks[i + 3].text == ")"
        ):
            keys.append(toks[i + 2].text[1:])
            i += 4
        else:
            break
    return keys


def star_order(text: str) -> list[str] | None:
    """The variables of a ``SELECT *`` query in the order they first appear in its text
    (as Jena and Virtuoso order its columns), or None if the outermost SELECT names its
    variables. Engines differ here (rdflib's order follows Python's hash seed, Oxigraph
    sorts), so kg orders the columns itself: the same on every engine and run."""
    toks = list(tokens(unescape(text)))
    for i, tok in enumerate(toks):
        if tok.depth == 0 and tok.keyword == "SELECT":
            rest = toks[i + 1 :]
            if rest and rest[0].keyword in ("DISTINCT", "REDUCED"):
                rest = rest[1:]
            if not rest or rest[0].text != "*":
                return None
            seen: dict[str, None] = {}
            for later in rest:
                if later.kind == "var":
                    seen.setdefault(later.text[1:], None)
            return list(seen)
    return None
