"""The protocol's ``using-graph-uri`` / ``using-named-graph-uri`` written into the text
of an update, for an engine that takes no dataset with an update (pyoxigraph's
``Store.update``).

SPARQL 1.1 Protocol §2.2.3: each ``using-graph-uri=g`` acts as a ``USING <g>`` clause,
and each ``using-named-graph-uri=g`` as a ``USING NAMED <g>`` clause, in every operation
of the request; supplying them for a request any of whose operations has its own
``USING``, ``USING NAMED`` or ``WITH`` is an error.

Only DELETE/INSERT … WHERE (the grammar's ``Modify``) has a place for USING, between its
templates and its ``WHERE``, a keyword the grammar requires there: ``with_using`` writes
the clauses just before that ``WHERE``. INSERT DATA, DELETE DATA, LOAD, CLEAR, CREATE,
DROP, ADD, MOVE and COPY have no dataset. Neither has ``DELETE WHERE { … }``: the
grammar gives the shorthand no dataset clause and SPARQL 1.1 Update defines it on the
whole Graph Store, so it is left as written, as the rdflib engine leaves it (Oxigraph's
own server does scope it; to scope a deletion, write ``DELETE { … } WHERE { … }``).

The text is read with the lexer of ``kg.sparql.text``: operations are split at the
``;`` outside any group, each operation's own ``PREFIX`` and ``BASE`` are passed over,
and only keywords outside groups count, so a ``WHERE`` or ``;`` inside a pattern, a
string, an IRI or a comment is never taken for one. The graphs are written as checked
``<IRI>`` terms (``check_iri``; ``kg.sparql.terms.sparql``), never as raw text, and
absolute, so no ``BASE`` of the update changes them. Nothing else in the text changes.
"""

from __future__ import annotations

from kg.core.errors import QueryError
from kg.sparql import text as sparql_text
from kg.sparql.catalogue import check_iri
from kg.sparql.policy import DatasetSpec
from kg.sparql.terms import URI, Term, sparql

#: The same words as the rdflib engine's, for the same request.
USING_CONFLICT = (
    "using-graph-uri/using-named-graph-uri given with USING or WITH in the update: the "
    "protocol forbids both"
)
NO_WHERE = "bad SPARQL Update: DELETE/INSERT without WHERE"


def with_using(text: str, using: DatasetSpec | None) -> str:
    """``text`` with ``USING <g>`` for each graph of ``using.default`` and ``USING
    NAMED <g>`` for each of ``using.named`` before the ``WHERE`` of every DELETE/INSERT
    … WHERE operation; ``text`` itself when ``using`` is empty.

    Raises QueryError when an operation has its own USING, USING NAMED or WITH, or
    when a DELETE/INSERT has no WHERE (the update is malformed: it would otherwise run
    over the whole store), and ParameterError for a graph that is not an absolute IRI.
    """
    if not using:
        return text
    clauses = "".join(f"USING {_written(g, 'using-graph-uri')} " for g in using.default)
    clauses += "".join(f"USING NAMED {_written(g, 'using-named-graph-uri')} " for g in using.named)
    points = [p for operation in _operations(text) if (p := _where(operation)) is not None]
    for point in reversed(points):
        text = text[:point] + clauses + text[point:]
    return text


def _written(iri: str, what: str) -> str:
    return sparql(Term(URI, check_iri(iri, f"{what} {iri[:60]!r}")))


def _operations(text: str) -> list[list[sparql_text.Token]]:
    """The tokens outside any group (and the ``{`` of each group at the top), one list
    per operation (split at ``;``)."""
    operations: list[list[sparql_text.Token]] = [[]]
    for token in sparql_text.tokens(text):
        if token.depth != 0:
            continue
        if token.kind == "other" and token.text == ";":
            operations.append([])
        else:
            operations[-1].append(token)
    return operations


def _where(operation: list[sparql_text.Token]) -> int | None:
    """Where the USING clauses of ``operation`` go (the offset of its WHERE), or None
    for an operation that takes no dataset."""
    start = 0
    while start < len(operation):
        keyword = operation[start].keyword
        if keyword == "PREFIX":
            start += 3  # PREFIX name: <iri>
        elif keyword == "BASE":
            start += 2  # BASE <iri>
        else:
            break
    words = operation[start:]
    if any(token.keyword in ("USING", "WITH") for token in words):
        raise QueryError(USING_CONFLICT)
    # DELETE DATA, DELETE WHERE and INSERT DATA name their form after the keyword; the
    # DELETE or INSERT of a Modify is followed by its template, a group.
    if len(words) < 2 or words[0].keyword not in ("DELETE", "INSERT"):
        return None
    if words[1].kind != "open":
        return None
    for token in words[2:]:
        if token.keyword == "WHERE":
            return token.start
    raise QueryError(NO_WHERE)
