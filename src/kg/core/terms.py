"""Short, human-readable names for RDF terms in reports, statistics and diagrams."""

from __future__ import annotations

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kg.core.prefixes import compact


def short_name(term: Node | str) -> str:
    """``prefix:local`` for an IRI under a project prefix, ``<iri>`` otherwise;
    literals and blank nodes in N-Triples form."""
    if isinstance(term, Literal):
        return term.n3()
    if isinstance(term, BNode):
        return f"_:{term}"
    iri = str(term)
    short = compact(iri)
    if short is not None:
        return short
    if isinstance(term, URIRef) or "://" in iri or iri.startswith("urn:"):
        return f"<{iri}>"
    return iri
