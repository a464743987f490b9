"""What DCAT-AP 3.0.0 asks of the dataset's description, beyond VoID.

``kg.linking.linksets.void_graph`` writes the one description of the dataset
(``data/void.trig``); this module holds the parts that the European application profile
of DCAT adds: the controlled vocabularies (the EU Publications Office's authority tables,
IANA's media types, ADMS's publisher types), the contact point, and the temporal coverage
read from the data.

DCAT-AP's range shapes check the class of every object (a licence must be a
``dct:LicenseDocument``, a format a ``dct:MediaTypeOrExtent``) and its vocabulary shapes
check that a value belongs to its authority table (``skos:inScheme``). Those facts are
true of the IRIs used, but a harvester validating the description alone cannot look them
up, so ``controlled`` states them next to their use.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from kg.core.namespaces import DCAT, G_VOID, GRAPH, SPDX, VCARD
from kg.io import formats

EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"

COUNTRIES = URIRef(EU_AUTHORITY + "country")
VIETNAM = URIRef(EU_AUTHORITY + "country/VNM")
LANGUAGES = URIRef(EU_AUTHORITY + "language")
VIETNAMESE = URIRef(EU_AUTHORITY + "language/VIE")
ENGLISH = URIRef(EU_AUTHORITY + "language/ENG")
DATA_THEMES = URIRef(EU_AUTHORITY + "data-theme")
#: "Government and public sector", the theme of public administration.
GOVERNMENT = URIRef(EU_AUTHORITY + "data-theme/GOVE")
FILE_TYPES = URIRef(formats.EU_FILE_TYPES)
PUBLISHER_TYPES = URIRef("http://purl.org/adms/publishertype/1.0")
#: The publisher, "kg contributors", is a group of private individuals, not a body.
PRIVATE_INDIVIDUALS = URIRef("http://purl.org/adms/publishertype/PrivateIndividual(s)")
LICENCE_TYPES = URIRef("http://purl.org/adms/licencetype/1.0")
#: CC BY 4.0 asks for attribution, and for nothing else of the ADMS licence types.
ATTRIBUTION = URIRef("http://purl.org/adms/licencetype/Attribution")

#: The English names the tables give the concepts and schemes used here: DCAT-AP wants
#: a concept's skos:prefLabel and a scheme's dct:title wherever one is typed as such.
NAMES = {
    GOVERNMENT: "Government and public sector",
    PRIVATE_INDIVIDUALS: "Private Individual(s)",
    ATTRIBUTION: "Attribution",
    DATA_THEMES: "Data theme",
    PUBLISHER_TYPES: "Publisher Type",
    LICENCE_TYPES: "Licence type",
}
#: kg's own Vietnamese names for them: the project's shapes want every concept named in
#: both languages, and the tables have no Vietnamese.
NAMES_VI = {
    GOVERNMENT: "Chính phủ và khu vực công",
    PRIVATE_INDIVIDUALS: "Cá nhân",
    ATTRIBUTION: "Ghi công",
}
SHA256 = SPDX["checksumAlgorithm_sha256"]

_DATED = {XSD.date, XSD.dateTime, XSD.gYear, XSD.gYearMonth}
_LEXICAL_DATE = re.compile(r"^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def controlled(g: Graph, term: URIRef, cls: URIRef, scheme: URIRef | None = None) -> URIRef:
    """``term`` with the class DCAT-AP expects of it and the table it comes from."""
    g.add((term, RDF.type, cls))
    if cls == SKOS.Concept:
        g.add((term, SKOS.prefLabel, Literal(NAMES[term], lang="en")))
        g.add((term, SKOS.prefLabel, Literal(NAMES_VI[term], lang="vi")))
    if scheme is not None:
        g.add((term, SKOS.inScheme, scheme))
        if cls == SKOS.Concept:
            concept_scheme(g, scheme)
    return term


def concept_scheme(g: Graph, scheme: URIRef) -> URIRef:
    """``scheme`` typed as one, where DCAT-AP or the project's shapes check that it is
    (a catalogue's theme taxonomy, the scheme of a concept)."""
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    g.add((scheme, DCTERMS.title, Literal(NAMES[scheme], lang="en")))
    return scheme


def file_type(g: Graph, fmt: formats.Format) -> URIRef:
    """``fmt``'s entry in the EU file-type table, for ``dct:format``."""
    iri = fmt.eu_file_type_iri
    if iri is None:
        raise ValueError(f"the format {fmt.name} has no EU file type")
    return controlled(g, URIRef(iri), DCTERMS.MediaTypeOrExtent, FILE_TYPES)


def media_type(g: Graph, fmt: formats.Format) -> URIRef:
    """``fmt``'s entry in IANA's registry, for ``dcat:mediaType``."""
    return controlled(g, URIRef(fmt.media_type_iri), DCTERMS.MediaType)


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
    years and times of every graph but the description's own); None if none is dated."""
    first: date | None = None
    last: date | None = None
    for _, _, o, graph in dataset.quads((None, None, None, None)):
        if not isinstance(o, Literal) or o.datatype not in _DATED:
            continue
        if graph == G_VOID or not str(graph).startswith(str(GRAPH)):
            continue
        span = _span(str(o))
        if span is None:
            continue
        first = span[0] if first is None else min(first, span[0])
        last = span[1] if last is None else max(last, span[1])
    if first is None or last is None:
        return None
    return first, last


def period_of_time(g: Graph, period: URIRef, start: date, end: date) -> URIRef:
    g.add((period, RDF.type, DCTERMS.PeriodOfTime))
    g.add((period, DCAT.startDate, Literal(start.isoformat(), datatype=XSD.date)))
    g.add((period, DCAT.endDate, Literal(end.isoformat(), datatype=XSD.date)))
    return period
