"""The project's namespaces as rdflib ``Namespace`` objects, and its named graphs.

The prefix map itself, as plain strings, is ``kg.core.prefixes`` (re-exported here):
code that needs only the strings imports that and stays free of rdflib.
"""

from __future__ import annotations

from rdflib import Graph, Namespace, URIRef

# Re-exported (``X as X``): modules import these from here, with the Namespaces.
from rdflib.namespace import DCTERMS as DCTERMS
from rdflib.namespace import FOAF as FOAF
from rdflib.namespace import OWL as OWL
from rdflib.namespace import PROV as PROV
from rdflib.namespace import RDF as RDF
from rdflib.namespace import RDFS as RDFS
from rdflib.namespace import SKOS as SKOS
from rdflib.namespace import XSD as XSD

from kg.core import prefixes
from kg.core.prefixes import BASE as BASE
from kg.core.prefixes import KINDS as KINDS
from kg.core.prefixes import ONTOLOGY_IRI as ONTOLOGY_IRI
from kg.core.prefixes import PREFIXES as PREFIXES
from kg.core.prefixes import SCHEMES as SCHEMES

KGO = Namespace(prefixes.KGO)
KGSH = Namespace(prefixes.KGSH)
ID = Namespace(prefixes.ID)
GRAPH = Namespace(prefixes.GRAPH)

ORG = Namespace(prefixes.ORG)
OA = Namespace(prefixes.OA)
ELI = Namespace(prefixes.ELI)
QB = Namespace(prefixes.QB)
SDO = Namespace(prefixes.SDO)
TIME = Namespace(prefixes.TIME)
DCTYPE = Namespace(prefixes.DCTYPE)
VANN = Namespace(prefixes.VANN)
SH = Namespace(prefixes.SH)
UNIT = Namespace(prefixes.UNIT)
CC = Namespace(prefixes.CC)
WD = Namespace(prefixes.WD)
WDT = Namespace(prefixes.WDT)
OSMREL = Namespace(prefixes.OSMREL)
VOID = Namespace(prefixes.VOID)
DCAT = Namespace(prefixes.DCAT)
SEMAPV = Namespace(prefixes.SEMAPV)
SSSOM = Namespace(prefixes.SSSOM)
VCARD = Namespace(prefixes.VCARD)
SPDX = Namespace(prefixes.SPDX)
GEO = Namespace(prefixes.GEO)

KIND_NS = {kind: Namespace(iri) for kind, iri in prefixes.KIND_IRIS.items()}
SCHEME_NS = {prefix: Namespace(iri) for prefix, iri in prefixes.SCHEME_IRIS.items()}

# Named graphs. The loader keeps each in its own graph.
G_ONTOLOGY = GRAPH["ontology"]
G_VOCABULARY = GRAPH["vocabulary"]
G_CONTEXT = GRAPH["context"]
G_VOID = GRAPH["void"]


#: The graphs of the gazetteer (``data/gazetteer``): a dataset of its own, released in
#: its own files (``kg.publish.build``).
GAZETTEER_GRAPHS = prefixes.GRAPH + "gazetteer/"


def is_gazetteer_graph(name: str | None) -> bool:
    return name is not None and name.startswith(GAZETTEER_GRAPHS)


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
