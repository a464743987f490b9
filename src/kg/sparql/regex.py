"""REGEX and REPLACE for the rdflib engine with their XPath flags honoured.

rdflib 7 passes REPLACE's flags to Python's ``re.sub`` as its *count* argument, so
``"s"`` and ``"m"`` are ignored and ``"i"`` replaces at most two matches
case-sensitively; neither function knows ``"x"``. Oxigraph and the XPath spec that
SPARQL 1.1 cites agree on what the flags mean, so kg puts rdflib's evaluation of both
right before the first parse (``kg.sparql.parse``): a parsed query keeps the evaluation
function it was parsed with, so it must be in place before any parse.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_PYTHON_FLAGS = {"i": re.IGNORECASE, "s": re.DOTALL, "m": re.MULTILINE}
_XPATH_WHITESPACE = "\t\n\r "


def without_whitespace(pattern: str) -> str:
    """XPath's ``"x"`` flag: whitespace goes, except inside a character class (Python's
    VERBOSE would also take ``#`` for a comment, which XPath does not)."""
    out: list[str] = []
    in_class = escaped = False
    for char in pattern:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            out.append(char)
            escaped = True
        elif in_class:
            out.append(char)
            in_class = char != "]"
        elif char in _XPATH_WHITESPACE:
            continue
        else:
            out.append(char)
            in_class = char == "["
    return "".join(out)


@lru_cache(maxsize=256)
def compiled(pattern: str, flags: str) -> re.Pattern[str]:
    """``pattern`` with the XPath ``flags`` (i, s, m, x); rdflib's own error for others."""
    python = 0
    for flag in flags:
        if flag == "x":
            pattern = without_whitespace(pattern)
        elif flag in _PYTHON_FLAGS:
            python |= _PYTHON_FLAGS[flag]
        else:
            raise ValueError(f"unknown regular expression flag {flag!r}")
    return re.compile(pattern, python)


def _regex(expr: Any, ctx: Any) -> Any:
    from rdflib import Literal
    from rdflib.plugins.sparql.operators import string

    text = string(expr.text)
    pattern = compiled(str(string(expr.pattern)), str(expr.flags or ""))
    return Literal(bool(pattern.search(str(text))))


def _replace(expr: Any, ctx: Any) -> Any:
    from rdflib import Literal
    from rdflib.plugins.sparql.operators import string

    text = string(expr.arg)
    pattern = compiled(str(string(expr.pattern)), str(expr.flags or ""))
    # XPath writes a group as $1, Python as \1; a literal backslash must stay one.
    replacement = re.sub(
        r"\$([0-9]+)", r"\\g<\1>", str(string(expr.replacement)).replace("\\", "\\\\")
    )
    return Literal(pattern.sub(replacement, str(text)), datatype=text.datatype, lang=text.language)


def install() -> None:
    """Make rdflib's parser attach the functions above to REGEX and REPLACE."""
    from rdflib.plugins.sparql import parser

    parser.RegexExpression.setEvalFn(_regex)
    parser.StrReplaceExpression.setEvalFn(_replace)
