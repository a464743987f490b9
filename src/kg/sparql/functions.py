"""SPARQL functions and operators that rdflib evaluates otherwise than SPARQL 1.1, put
right for the rdflib engine (each difference is a query of tests/parity/).

REGEX and REPLACE: rdflib 7 passes REPLACE's flags to Python's ``re.sub`` as its
*count* argument, so ``"s"`` and ``"m"`` are ignored and ``"i"`` replaces at most two
matches case-sensitively; neither function knows ``"x"``. Oxigraph and the XPath spec
that SPARQL 1.1 cites agree on what the flags mean, so kg evaluates both functions
right.

``*`` and ``/``: rdflib computes every product in ``Decimal`` (``2 * 3`` is an
xsd:decimal, not an xsd:integer) and refuses a double divided by zero; SPARQL 1.1
(XPath's op:numeric-multiply and op:numeric-divide) keeps the promoted type of the
operands, makes integer / integer an xsd:decimal, and gives INF or NaN for floating
point division by zero (an error for integers and decimals).

``install`` puts them in place before the first parse (``kg.sparql.parse``): a parsed
query keeps the evaluation function it was parsed with.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
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
    """``pattern`` with the XPath ``flags``: i, s, m, x, and XPath 3.0's q (the pattern
    is a literal string; then only i counts), as Oxigraph reads them. Another flag is
    an expression error (the FILTER fails, the BIND leaves its variable unbound), as on
    Oxigraph, not a failed query."""
    from rdflib.plugins.sparql.sparql import SPARQLError

    unknown = set(flags) - {*_PYTHON_FLAGS, "x", "q"}
    if unknown:
        raise SPARQLError(f"unknown regular expression flag {min(unknown)!r}")
    if "q" in flags:
        return re.compile(re.escape(pattern), re.IGNORECASE if "i" in flags else 0)
    if "x" in flags:
        pattern = without_whitespace(pattern)
    python = 0
    for flag in flags:
        python |= _PYTHON_FLAGS.get(flag, 0)
    try:
        return re.compile(pattern, python)
    except re.error as error:
        raise SPARQLError(f"bad regular expression: {error}") from None


def _regex(expr: Any, ctx: Any) -> Any:
    from rdflib import Literal
    from rdflib.plugins.sparql.operators import string

    text = string(expr.text)
    pattern = compiled(str(string(expr.pattern)), str(expr.flags or ""))
    return Literal(bool(pattern.search(str(text))))


def replacement_parts(replacement: str) -> list[str | int]:
    """XPath's replacement string as literal text and group numbers: ``$N`` is group N
    (empty when there is no such group), ``\\$`` and ``\\\\`` are ``$`` and ``\\``.
    SPARQLError for a lone ``$`` or ``\\``, as XPath says."""
    from rdflib.plugins.sparql.sparql import SPARQLError

    parts: list[str | int] = []
    for token in re.finditer(r"\\(.?)|\$([0-9]*)|[^$\\]+", replacement, re.DOTALL):
        escaped, group = token.group(1), token.group(2)
        if escaped is not None:
            if escaped not in ("$", "\\"):
                raise SPARQLError("bad REPLACE replacement: a lone backslash")
            parts.append(escaped)
        elif group is not None:
            if not group:
                raise SPARQLError("bad REPLACE replacement: a $ without a group number")
            parts.append(int(group))
        else:
            parts.append(token.group(0))
    return parts


def _replace(expr: Any, ctx: Any) -> Any:
    from rdflib import Literal
    from rdflib.plugins.sparql.operators import string

    text = string(expr.arg)
    flags = str(expr.flags or "")
    pattern = compiled(str(string(expr.pattern)), flags)
    replacement = str(string(expr.replacement))
    if "q" in flags:  # a literal replacement: no groups, no escapes
        parts: list[str | int] = [replacement]
    else:
        parts = replacement_parts(replacement)

    def substitute(match: re.Match[str]) -> str:
        return "".join(
            part
            if isinstance(part, str)
            else (match.group(part) or "" if part <= pattern.groups else "")
            for part in parts
        )

    return Literal(pattern.sub(substitute, str(text)), datatype=text.datatype, lang=text.language)


# XPath's numeric type promotion, lowest first; any other numeric type is an integer.
_PROMOTION = ("integer", "decimal", "float", "double")
_XSD = "http://www.w3.org/2001/XMLSchema#"


def _rank(term: Any) -> int:
    datatype = str(getattr(term, "datatype", None) or "")
    name = datatype[len(_XSD) :] if datatype.startswith(_XSD) else ""
    return _PROMOTION.index(name) if name in _PROMOTION[1:] else 0


def _floating_quotient(left: float, right: float) -> float:
    if right != 0:
        return left / right
    if left == 0 or math.isnan(left):
        return math.nan
    return math.copysign(math.inf, left) * math.copysign(1.0, right)


def arithmetic(op: str, left: Any, right: Any, rank: int) -> Any:
    """``left op right`` (``*`` or ``/``) computed in the type of ``rank``."""
    from rdflib.plugins.sparql.sparql import SPARQLError

    if rank >= _PROMOTION.index("float"):
        a, b = float(left), float(right)
        return a * b if op == "*" else _floating_quotient(a, b)
    if rank == 0:
        return int(left) * int(right)
    try:
        return Decimal(left) * Decimal(right) if op == "*" else Decimal(left) / Decimal(right)
    except (InvalidOperation, ZeroDivisionError):
        raise SPARQLError("divide by 0") from None


def _multiplicative(expr: Any, ctx: Any) -> Any:
    from rdflib import Literal
    from rdflib.plugins.sparql.operators import numeric

    if expr.other is None:  # the grammar's precedence levels: nothing to compute
        return expr.expr
    value, rank = numeric(expr.expr), _rank(expr.expr)
    for op, term in zip(expr.op, expr.other, strict=True):
        rank = max(rank, _rank(term))
        if op == "/" and rank == 0:
            rank = _PROMOTION.index("decimal")
        value = arithmetic(op, value, numeric(term), rank)
    if isinstance(value, float) and not math.isfinite(value):
        # XSD's lexical forms; Python (and rdflib's normalising) would write "inf", "nan".
        lexical = "NaN" if math.isnan(value) else ("INF" if value > 0 else "-INF")
        return Literal(lexical, datatype=_XSD + _PROMOTION[rank], normalize=False)
    return Literal(value, datatype=_XSD + _PROMOTION[rank])


def install() -> None:
    """Make rdflib's parser attach the functions above to REGEX, REPLACE, * and /."""
    from rdflib.plugins.sparql import parser

    parser.MultiplicativeExpression.setEvalFn(_multiplicative)
    parser.RegexExpression.setEvalFn(_regex)
    parser.StrReplaceExpression.setEvalFn(_replace)
