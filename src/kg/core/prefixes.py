"""The one prefix map of the project, as plain strings.

Every IRI the project mints starts with ``BASE``. The Turtle and TriG files in
``ontology/`` and ``data/`` declare the same prefixes (a test checks that they agree with
``PREFIXES``), the exporters bind them, and the JSON-LD context in
``ontology/context.jsonld`` is generated from them.

The map lives here, apart from ``kg.core.namespaces`` (which builds rdflib ``Namespace``
objects from it), because a stored query run on the Oxigraph engine needs the prefixes
and nothing of rdflib: importing rdflib costs more than the whole query.
"""

from __future__ import annotations

import re
from functools import lru_cache

BASE = "https://w3id.org/vn-kg/"

ONTOLOGY_IRI = BASE + "ontology"
KGO = BASE + "ontology#"
KGSH = BASE + "shapes#"
ID = BASE + "id/"
GRAPH = BASE + "graph/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"
OA = "http://www.w3.org/ns/oa#"
ELI = "http://data.europa.eu/eli/ontology#"
QB = "http://purl.org/linked-data/cube#"
SDO = "https://schema.org/"
TIME = "http://www.w3.org/2006/time#"
DCTYPE = "http://purl.org/dc/dcmitype/"
VANN = "http://purl.org/vocab/vann/"
SH = "http://www.w3.org/ns/shacl#"
UNIT = "http://qudt.org/vocab/unit/"
CC = "http://creativecommons.org/ns#"
# Links to other datasets (data/links/) and the dataset's own description (data/void.trig).
WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
OSMREL = "https://www.openstreetmap.org/relation/"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SEMAPV = "https://w3id.org/semapv/vocab/"
SSSOM = "https://w3id.org/sssom/"
# The dataset's DCAT-AP description (data/void.trig, the release catalogue): its contact
# point, the release files' checksums.
VCARD = "http://www.w3.org/2006/vcard/ns#"
SPDX = "http://spdx.org/rdf/terms#"
# Coordinates of administrative units (the gazetteer, data/gazetteer/).
GEO = "http://www.opengis.net/ont/geosparql#"

# Resource namespaces: one per kind of thing (see docs/iris.md).
KINDS = {
    "body": "organisations and other collective agents",
    "person": "people",
    "post": "posts in an organisation",
    "membership": "a person holding a role in a body at a time",
    "place": "administrative units",
    "term": "terms of office of party bodies (khóa)",
    "event": "meetings and plenums",
    "document": "resolutions, directives, regulations and other documents",
    "article": "news articles",
    "image": "photographs",
    "source": "the text a quote points into",
    "quote": "quotations attributed to a person",
    "statistic": "counts and shares",
    "dataset": "Data Cube data sets",
    "activity": "actions the article reports",
    "goal": "goals the article reports",
    "outcome": "results the article reports",
    "lesson": "lessons learned",
    "topic": "things talked about that are not bodies, places or documents",
    "period": "time instants and intervals",
    "annotation": "evidence: Web Annotations into a source text",
    "statement": "evidence: one triple of the facts (rdf:Statement) with its basis",
    "concept": "controlled lists (SKOS concept schemes)",
    "distribution": "the files and the endpoint the dataset is published in (DCAT)",
}

#: The namespace of each kind: ``<BASE>id/<kind>/``.
KIND_IRIS = {kind: f"{BASE}id/{kind}/" for kind in KINDS}

# Concept schemes: <BASE>id/concept/<scheme> is the scheme, <BASE>id/concept/<scheme>/<slug>
# a concept in it. The prefix is the scheme's short name.
SCHEMES = {
    "qualifier": "value-qualifier",
    "rating": "rating-level",
    "degradation": "degradation-group",
    "violation": "violation-type",
    "reviewtopic": "review-topic",
    "role": "role",
    "doctype": "document-type",
    "frequency": "frequency",
    "derivation": "derivation-method",
}
#: The namespace of each scheme, by its prefix: ``<BASE>id/concept/<scheme>/``.
SCHEME_IRIS = {prefix: f"{BASE}id/concept/{name}/" for prefix, name in SCHEMES.items()}

PREFIXES: dict[str, str] = {
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dct": DCTERMS,
    "dctype": DCTYPE,
    "foaf": FOAF,
    "prov": PROV,
    "org": ORG,
    "oa": OA,
    "eli": ELI,
    "qb": QB,
    "schema": SDO,
    "time": TIME,
    "vann": VANN,
    "unit": UNIT,
    "cc": CC,
    "wd": WD,
    "wdt": WDT,
    "osmrel": OSMREL,
    "void": VOID,
    "dcat": DCAT,
    "semapv": SEMAPV,
    "sssom": SSSOM,
    "vcard": VCARD,
    "spdx": SPDX,
    "geo": GEO,
    "sh": SH,
    "kgo": KGO,
    "kgsh": KGSH,
    "kgg": GRAPH,
    **KIND_IRIS,
    **SCHEME_IRIS,
}

# Looser than a Turtle PN_LOCAL on purpose ("kgg:facts/nam-truc" reads better than the
# full IRI in a report), but nothing that would make the name ambiguous.
_LOCAL = re.compile(r"^[\w.\-/%]*$", re.UNICODE)


@lru_cache(maxsize=1)
def _namespaces() -> tuple[tuple[str, str], ...]:
    # Longest namespace first, so "concept/document-type/" wins over "concept/".
    return tuple(sorted(((ns, p) for p, ns in PREFIXES.items()), key=lambda x: (-len(x[0]), x[1])))


def compact(iri: str) -> str | None:
    """``prefix:local`` for ``iri`` under a project prefix (the longest that fits), None
    when no prefix gives a readable name."""
    for namespace, prefix in _namespaces():
        if iri.startswith(namespace):
            local = iri[len(namespace) :]
            if _LOCAL.match(local):
                return f"{prefix}:{local}"
    return None


#: The prefixes a message about an unknown one names first: kg's own, then the
#: vocabularies every query uses; the rest are counted, not listed (65 names are a page).
_NAMED_FIRST = (
    *("kgo", "kgg", "body", "person", "post", "place", "document", "statistic"),
    *("rdf", "rdfs", "skos", "xsd"),
)


def _known_prefixes() -> str:
    """Some of the project prefixes: ``kgo, kgg, body, ..., xsd and 53 more``."""
    return f"{', '.join(_NAMED_FIRST)} and {len(PREFIXES) - len(_NAMED_FIRST)} more"


def _near_prefix(prefix: str) -> str | None:
    """The project prefix ``prefix`` is likely a typo of (``bodi``: ``body``), if any."""
    import difflib

    close = difflib.get_close_matches(prefix, PREFIXES, n=1)
    return close[0] if close else None


def unknown_prefix(prefix: str, *, in_sparql: bool = False) -> str:
    """What to tell a user who wrote ``prefix:`` and kg declares no such prefix: a
    project prefix it is likely a typo of, else some of kg's. ``in_sparql``: in query
    text, where the user may also declare it (``unknown prefix foo: (…)``); else in a
    value (``unknown prefix 'foo' (…)``)."""
    near = _near_prefix(prefix)
    if not in_sparql:
        if near is not None:
            return f"unknown prefix {prefix!r} (did you mean {near!r}?)"
        return f"unknown prefix {prefix!r} (kg's: {_known_prefixes()})"
    if near is not None:
        return f"unknown prefix {prefix}: (did you mean {near}:? or declare it with PREFIX)"
    return (
        f"unknown prefix {prefix}: (declare it with PREFIX, or use one of kg's: "
        f"{_known_prefixes()})"
    )
