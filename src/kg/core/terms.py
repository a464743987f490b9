"""Short, human-readable names for RDF terms in reports, statistics and diagrams."""

from __future__ import annotations

import re
from functools import lru_cache

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kg.core.namespaces import PREFIXES, SH

# Looser than a Turtle PN_LOCAL on purpose ("kgg:facts/nam-truc" reads better than the
# full IRI in a report), but nothing that would make the name ambiguous.
_LOCAL = re.compile(r"^[\w.\-/%]*$", re.UNICODE)


@lru_cache(maxsize=1)
def _namespaces() -> tuple[tuple[str, str], ...]:
    # Longest namespace first, so "concept/document-type/" wins over "concept/".
    # sh: is not a data prefix, but reports name SHACL terms.
    known = {**PREFIXES, "sh": str(SH)}
    return tuple(sorted(((ns, p) for p, ns in known.items()), key=lambda x: (-len(x[0]), x[1])))


def short_name(term: Node | str) -> str:
    """``prefix:local`` for an IRI under a project prefix, ``<iri>`` otherwise;
    literals and blank nodes in N-Triples form."""
    if isinstance(term, Literal):
        return term.n3()
    if isinstance(term, BNode):
        return f"_:{term}"
    iri = str(term)
    for namespace, prefix in _namespaces():
        if iri.startswith(namespace):
            local = iri[len(namespace) :]
            if _LOCAL.match(local):
                return f"{prefix}:{local}"
    if isinstance(term, URIRef) or "://" in iri or iri.startswith("urn:"):
        return f"<{iri}>"
    return iri
