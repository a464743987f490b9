"""What DCAT-AP 3.0.0 asks of the dataset's description, beyond VoID.

``kg.linking.linksets.void_graph`` writes the one description of the dataset
(``data/void.trig``); this module holds the parts that the European application profile
of DCAT adds: the controlled vocabularies it uses (the EU Publications Office's
authority tables, IANA's media types, ADMS's publisher and licence types), the contact
point, and the temporal coverage read from the data.

DCAT-AP's range shapes check the class of every object (a licence must be a
``dct:LicenseDocument``, a format a ``dct:MediaTypeOrExtent``) and its vocabulary shapes
check that a value belongs to its authority table (``skos:inScheme``). Those facts are
about IRIs kg does not own, so the data does not state them (it describes only its own
resources); ``vocabulary_facts`` derives them from the description, by the ranges
DCAT-AP gives its properties and the tables the IRIs belong to, for the catalogues that
are harvested (``kg.publish.dcat``: the release's and the one ``kg serve`` answers).
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, SKOS, XSD

from kg.core.namespaces import DCAT, G_ONTOLOGY, G_VOCABULARY, G_VOID, GRAPH, VCARD
from kg.io import formats

EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"

VIETNAM = URIRef(EU_AUTHORITY + "country/VNM")
VIETNAMESE = URIRef(EU_AUTHORITY + "language/VIE")
ENGLISH = URIRef(EU_AUTHORITY + "language/ENG")
DATA_THEMES = URIRef(EU_AUTHORITY + "data-theme")
#: "Government and public sector", the theme of public administration.
GOVERNMENT = URIRef(EU_AUTHORITY + "data-theme/GOVE")
PUBLISHER_TYPES = URIRef("http://purl.org/adms/publishertype/1.0")
#: The publisher, "kg contributors", is a group of private individuals, not a body.
PRIVATE_INDIVIDUALS = URIRef("http://purl.org/adms/publishertype/PrivateIndividual(s)")
LICENCE_TYPES = URIRef("http://purl.org/adms/licencetype/1.0")
ATTRIBUTION = URIRef("http://purl.org/adms/licencetype/Attribution")
CC_BY_4 = URIRef("https://creativecommons.org/licenses/by/4.0/")

#: The class DCAT-AP 3.0.0 gives the objects of these properties (its range shapes).
RANGES = {
    DCTERMS.format: DCTERMS.MediaTypeOrExtent,
    DCAT.mediaType: DCTERMS.MediaType,
    DCTERMS.license: DCTERMS.LicenseDocument,
    DCTERMS.language: DCTERMS.LinguisticSystem,
    DCTERMS.spatial: DCTERMS.Location,
    DCTERMS.conformsTo: DCTERMS.Standard,
    DCTERMS.type: SKOS.Concept,
    DCAT.theme: SKOS.Concept,
    DCAT.themeTaxonomy: SKOS.ConceptScheme,
    FOAF.homepage: FOAF.Document,
}
#: The ADMS tables by the namespace of their concepts (the EU's are the IRI's parent).
ADMS_TABLES = {
    "http://purl.org/adms/publishertype/": PUBLISHER_TYPES,
    "http://purl.org/adms/licencetype/": LICENCE_TYPES,
}
#: The ADMS licence type of the licences kg uses: CC BY asks for attribution only.
LICENCE_TYPE = {CC_BY_4: ATTRIBUTION}
#: The English names the tables give the concepts and schemes used here: DCAT-AP wants
#: a concept's skos:prefLabel and a scheme's dct:title.
NAMES = {
    GOVERNMENT: "Government and public sector",
    PRIVATE_INDIVIDUALS: "Private Individual(s)",
    ATTRIBUTION: "Attribution",
    DATA_THEMES: "Data theme",
    PUBLISHER_TYPES: "Publisher Type",
    LICENCE_TYPES: "Licence type",
}

_NOT_DATA = {G_ONTOLOGY, G_VOCABULARY, G_VOID}
_DATED = {XSD.date, XSD.dateTime, XSD.gYear, XSD.gYearMonth}
_LEXICAL_DATE = re.compile(r"^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def authority_table(term: URIRef) -> URIRef | None:
    """The table (a SKOS concept scheme) ``term`` comes from, if it is a table's."""
    iri = str(term)
    if iri.startswith(EU_AUTHORITY) and "/" in iri[len(EU_AUTHORITY) :]:
        return URIRef(iri.rsplit("/", 1)[0])
    return next((table for ns, table in ADMS_TABLES.items() if iri.startswith(ns)), None)


def vocabulary_facts(description: Graph) -> Graph:
    """What DCAT-AP checks about the IRIs ``description`` uses without owning them: their
    class (by DCAT-AP's ranges), their table, the names of concepts and schemes, the
    type of the licences. True of those IRIs, and stated only where the description is
    harvested."""
    facts = Graph()
    for licence, kind in LICENCE_TYPE.items():
        if (None, DCTERMS.license, licence) in description:
            facts.add((licence, DCTERMS.type, kind))
    for prop, cls in RANGES.items():
        for term in {*description.objects(None, prop), *facts.objects(None, prop)}:
            if not isinstance(term, URIRef) or (term, RDF.type, cls) in description:
                continue
            facts.add((term, RDF.type, cls))
            table = authority_table(term)
            if table is not None:
                facts.add((term, SKOS.inScheme, table))
            schemes = [term] if cls == SKOS.ConceptScheme else []
            if cls == SKOS.Concept:
                facts.add((term, SKOS.prefLabel, Literal(NAMES[term], lang="en")))
                schemes += [table] if table is not None else []
            for scheme in schemes:
                facts.add((scheme, RDF.type, SKOS.ConceptScheme))
                facts.add((scheme, DCTERMS.title, Literal(NAMES[scheme], lang="en")))
    return facts


def file_type(fmt: formats.Format) -> URIRef:
    """``fmt``'s entry in the EU file-type table, for ``dct:format``."""
    iri = fmt.eu_file_type_iri
    if iri is None:
        raise ValueError(f"the format {fmt.name} has no EU file type")
    return URIRef(iri)


def media_type(fmt: formats.Format) -> URIRef:
    """``fmt``'s entry in IANA's registry, for ``dcat:mediaType``."""
    return URIRef(fmt.media_type_iri)


def contact_point(g: Graph, contact: URIRef, name: str, url: URIRef) -> URIRef:
    """A vCard for ``dcat:contactPoint``. The project publishes a web address, not an
    e-mail address, so the card has a URL and no ``vcard:hasEmail``."""
    g.add((contact, RDF.type, VCARD.Kind))
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, VCARD.fn, Literal(name)))
    g.add((contact, VCARD.hasURL, url))
    return contact


def _span(lexical: str) -> tuple[date, date] | None:
    """The first and last day a date, a month or a year stands for."""
    match = _LEXICAL_DATE.match(lexical)
    if match is None or match.group(1).startswith("-"):
        return None
    year = int(match.group(1))
    month = int(match.group(2)) if match.group(2) else None
    day = int(match.group(3)) if match.group(3) else None
    try:
        if month is None:
            return date(year, 1, 1), date(year, 12, 31)
        if day is None:
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        return date(year, month, day), date(year, month, day)
    except ValueError:
        return None


def temporal_coverage(dataset: Dataset) -> tuple[date, date] | None:
    """The first and last day the dated statements of the data fall on (dates, months,
    years and times); None if none is dated. The model's graphs (the ontology's dates
    of creation) and the description's own are not data."""
    first: date | None = None
    last: date | None = None
    for _, _, o, graph in dataset.quads((None, None, None, None)):
        if not isinstance(o, Literal) or o.datatype not in _DATED:
            continue
        if graph in _NOT_DATA or not str(graph).startswith(str(GRAPH)):
            continue
        span = _span(str(o))
        if span is None:
            continue
        first = span[0] if first is None else min(first, span[0])
        last = span[1] if last is None else max(last, span[1])
    if first is None or last is None:
        return None
    return first, last


def period_of_time(g: Graph, period: URIRef, start: date, end: date | None) -> URIRef:
    """A ``dct:PeriodOfTime``; without ``end`` it is open (DCAT-AP 3 allows either bound
    alone), for data that is still current."""
    g.add((period, RDF.type, DCTERMS.PeriodOfTime))
    g.add((period, DCAT.startDate, Literal(start.isoformat(), datatype=XSD.date)))
    if end is not None:
        g.add((period, DCAT.endDate, Literal(end.isoformat(), datatype=XSD.date)))
    return period
