"""The one prefix map of the project.

Every IRI the project mints starts with ``BASE``. The Turtle and TriG files in
``ontology/`` and ``data/`` declare the same prefixes (a test checks that they
agree with ``PREFIXES``), the exporters bind them, and the JSON-LD context in
``ontology/context.jsonld`` is generated from them.
"""

from __future__ import annotations

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/vn-kg/"

ONTOLOGY_IRI = BASE + "ontology"
KGO = Namespace(BASE + "ontology#")
KGSH = Namespace(BASE + "shapes#")
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")

ORG = Namespace("http://www.w3.org/ns/org#")
OA = Namespace("http://www.w3.org/ns/oa#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
QB = Namespace("http://purl.org/linked-data/cube#")
SDO = Namespace("https://schema.org/")
TIME = Namespace("http://www.w3.org/2006/time#")
DCTYPE = Namespace("http://purl.org/dc/dcmitype/")
VANN = Namespace("http://purl.org/vocab/vann/")
SH = Namespace("http://www.w3.org/ns/shacl#")
UNIT = Namespace("http://qudt.org/vocab/unit/")
CC = Namespace("http://creativecommons.org/ns#")
# Links to other datasets (data/links/) and the dataset's own description (data/void.trig).
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
OSMREL = Namespace("https://www.openstreetmap.org/relation/")
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SEMAPV = Namespace("https://w3id.org/semapv/vocab/")
SSSOM = Namespace("https://w3id.org/sssom/")

# Resource namespaces: one per kind of thing (see README, "IRI patterns").
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
    "concept": "controlled lists (SKOS concept schemes)",
    "distribution": "the files and the endpoint the dataset is published in (DCAT)",
}

KIND_NS = {kind: Namespace(f"{BASE}id/{kind}/") for kind in KINDS}

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
SCHEME_NS = {prefix: Namespace(f"{BASE}id/concept/{name}/") for prefix, name in SCHEMES.items()}

PREFIXES: dict[str, str] = {
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dct": str(DCTERMS),
    "dctype": str(DCTYPE),
    "foaf": str(FOAF),
    "prov": str(PROV),
    "org": str(ORG),
    "oa": str(OA),
    "eli": str(ELI),
    "qb": str(QB),
    "schema": str(SDO),
    "time": str(TIME),
    "vann": str(VANN),
    "unit": str(UNIT),
    "cc": str(CC),
    "wd": str(WD),
    "wdt": str(WDT),
    "osmrel": str(OSMREL),
    "void": str(VOID),
    "dcat": str(DCAT),
    "semapv": str(SEMAPV),
    "sssom": str(SSSOM),
    "sh": str(SH),
    "kgo": str(KGO),
    "kgsh": str(KGSH),
    "kgg": str(GRAPH),
    **{kind: str(ns) for kind, ns in KIND_NS.items()},
    **{prefix: str(ns) for prefix, ns in SCHEME_NS.items()},
}

# Named graphs. The loader keeps each in its own graph.
G_ONTOLOGY = GRAPH["ontology"]
G_VOCABULARY = GRAPH["vocabulary"]
G_CONTEXT = GRAPH["context"]
G_VOID = GRAPH["void"]


def links_graph(name: str) -> URIRef:
    return GRAPH[f"links/{name}"]


def facts_graph(source_slug: str) -> URIRef:
    return GRAPH[f"facts/{source_slug}"]


def evidence_graph(source_slug: str) -> URIRef:
    return GRAPH[f"evidence/{source_slug}"]


def bind_all(graph: Graph) -> None:
    """Bind every project prefix on ``graph`` (a Graph or Dataset), replacing rdflib's defaults."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
