"""What kg runs, decided once for every surface and every engine.

A query or an update reaches kg from the command line (``kg sparql``, ``kg query run``),
the server (``/sparql``, ``/update``, ``/api``, the query page), user checks and SHACL-SPARQL
shapes (``kg validate``) and the library. Each goes through ``check_query`` or
``check_update`` before any engine sees it, so that the same text gets the same verdict
everywhere:

* ``SERVICE`` calls another endpoint: refused unless the caller allows it (``kg serve
  --allow-service``).
* ``FROM`` / ``FROM NAMED`` (and the protocol's ``default-graph-uri`` /
  ``named-graph-uri``) choose the query's dataset among the graphs kg holds: allowed.
  Naming a graph kg does not hold would make an engine fetch it (rdflib) or answer from
  nothing (Oxigraph): refused unless the caller allows fetching (``kg serve
  --allow-remote-from``, rdflib engine only).
* ``LOAD`` fetches a document into the store: always refused.

The text is read by the lexer of ``kg.sparql.text`` after ``\\u`` escapes are expanded,
as every SPARQL parser expands them: ``\\u0053ERVICE`` is ``SERVICE``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import NamedTuple
from urllib.parse import urljoin

from kg.core.errors import QueryError, Refused
from kg.sparql import text as sparql_text


class Policy(NamedTuple):
    """What a caller allows beyond the default (nothing leaves the machine)."""

    allow_service: bool = False
    allow_remote_from: bool = False


#: Nothing leaves the machine: the policy of the command line and the library.
LOCAL = Policy()


class DatasetSpec(NamedTuple):
    """The RDF dataset of one query: the graphs merged into its default graph and its
    named graphs, as IRIs. Empty: the store's own default dataset."""

    default: tuple[str, ...] = ()
    named: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.default or self.named)

    def graphs(self) -> tuple[str, ...]:
        return (*self.default, *self.named)


class Verdict(NamedTuple):
    """A query kg will run: its form, its dataset, and the graphs of that dataset kg
    does not hold (non-empty only when the policy allows fetching them)."""

    form: str
    dataset: DatasetSpec
    remote: tuple[str, ...] = ()


SERVICE_REFUSED = (
    "SERVICE calls another endpoint over the network, which kg does not do unless told "
    "to (kg serve --allow-service; or query that endpoint with --endpoint)"
)
LOAD_REFUSED = "LOAD would fetch a document from the network, which kg never does"


def remote_from_refused(missing: Collection[str]) -> str:
    shown = ", ".join(f"<{name}>" for name in list(missing)[:3])
    return (
        f"FROM names a graph kg does not hold ({shown}); kg does not fetch graphs from the "
        "network unless told to (kg serve --allow-remote-from); kg stats lists the graphs"
    )


def check_query(
    text: str,
    holds: Callable[[str], bool] | None = None,
    policy: Policy = LOCAL,
    dataset: DatasetSpec | None = None,
    prefixes: Mapping[str, str] | None = None,
) -> Verdict:
    """The verdict on query ``text`` over a store that ``holds`` some named graphs
    (a predicate on graph IRIs; None: no graph is known, as for SHACL-SPARQL shapes,
    so any FROM is refused). ``dataset`` is the protocol's ``default-graph-uri`` /
    ``named-graph-uri``,
    which overrides the query's FROM. ``prefixes`` are those an engine declares for
    every query (the project's), used to read a prefixed name after FROM.

    Raises Refused for what the policy does not allow and QueryError for text that is
    not a query."""
    plain = sparql_text.unescape(text)
    shape = sparql_text.shape(plain)
    refuse_deep(plain)
    if "SERVICE" in shape.keywords and not policy.allow_service:
        raise Refused(SERVICE_REFUSED)
    chosen = dataset if dataset else dataset_clause(plain, prefixes)
    missing = tuple(g for g in chosen.graphs() if holds is None or not holds(g))
    if missing and not policy.allow_remote_from:
        raise Refused(remote_from_refused(missing))
    return Verdict(shape.form, chosen, missing)


def check_update(text: str, policy: Policy = LOCAL) -> None:
    """Refuse an update that would fetch (LOAD) or call another endpoint (SERVICE)."""
    refuse_deep(sparql_text.unescape(text))
    words = {token.keyword for token in sparql_text.tokens(sparql_text.unescape(text))}
    if "LOAD" in words:
        raise Refused(LOAD_REFUSED)
    if "SERVICE" in words and not policy.allow_service:
        raise Refused(SERVICE_REFUSED)


#: Groups nested deeper than this are refused before any parser sees them: Oxigraph's
#: parser recurses in native code (5,000 nested groups overflowed its stack: SIGSEGV),
#: rdflib's in Python (RecursionError). Real queries nest a few levels.
MAX_DEPTH = 128


def refuse_deep(text: str) -> None:
    """QueryError for ``text`` with groups (``{``, ``(``) nested deeper than MAX_DEPTH."""
    depth = deepest = 0
    for token in sparql_text.tokens(text):
        if token.kind == "open" or token.text == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif token.kind == "close" or token.text == ")":
            depth -= 1
    if deepest > MAX_DEPTH:
        raise QueryError(
            f"the query is nested too deeply ({deepest} levels of groups and brackets; "
            f"kg runs at most {MAX_DEPTH})"
        )


def refuse_remote(text: str, where: str | None = None) -> None:
    """Refuse SPARQL that names anything outside the data, wherever it stands: for
    text kg runs over data with no named graphs to choose from (user checks, SHACL-SPARQL
    shapes and rules, which need not be whole queries). ``where`` names the file."""
    try:
        refuse_deep(sparql_text.unescape(text))
    except QueryError as exc:
        raise QueryError(exc.message, where) from None
    words = {token.keyword for token in sparql_text.tokens(sparql_text.unescape(text))}
    if "SERVICE" in words:
        raise Refused(SERVICE_REFUSED, where)
    if "LOAD" in words:
        raise Refused(LOAD_REFUSED, where)
    if "FROM" in words:
        try:
            named = dataset_clause(sparql_text.unescape(text)).graphs() or ("?",)
        except QueryError:
            named = ("?",)
        raise Refused(remote_from_refused(named), where)


def dataset_clause(text: str, prefixes: Mapping[str, str] | None = None) -> DatasetSpec:
    """The graphs a query's FROM and FROM NAMED clauses name, as absolute IRIs (a
    relative one against the query's BASE, a prefixed name with its prologue's
    prefixes, then ``prefixes``). Only clauses outside any group count: the grammar
    has them between the query form and its WHERE."""
    default: list[str] = []
    named: list[str] = []
    declared: dict[str, str] = dict(prefixes or {})
    base = ""
    toks = list(sparql_text.tokens(text))
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.depth != 0 or tok.kind != "word":
            i += 1
            continue
        keyword = tok.keyword
        if keyword == "PREFIX" and i + 2 < len(toks) and toks[i + 2].kind == "iri":
            declared[toks[i + 1].text.rstrip(":")] = toks[i + 2].text[1:-1]
            i += 3
            continue
        if keyword == "BASE" and i + 1 < len(toks) and toks[i + 1].kind == "iri":
            base = urljoin(base, toks[i + 1].text[1:-1])
            i += 2
            continue
        if keyword == "FROM":
            target = default
            i += 1
            if i < len(toks) and toks[i].keyword == "NAMED":
                target = named
                i += 1
            if i >= len(toks):
                raise QueryError("FROM without a graph IRI")
            target.append(_iri(toks[i], declared, base))
        i += 1
    return DatasetSpec(tuple(default), tuple(named))


def _iri(token: sparql_text.Token, prefixes: Mapping[str, str], base: str) -> str:
    if token.kind == "iri":
        return urljoin(base, token.text[1:-1]) if base else token.text[1:-1]
    if token.kind == "word" and ":" in token.text:
        prefix, _, local = token.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
        raise QueryError(f"FROM {token.text}: the prefix {prefix!r} is not declared")
    raise QueryError(f"FROM must name a graph by its IRI, not {token.text!r}")
