"""The one registry of the formats kg reads and writes, as data.

Every surface takes its formats from here: the ``--format`` choices of ``kg export``,
``kg query run`` and ``kg sparql``, content negotiation on ``/sparql``,
``/api/queries/{name}`` and the entity pages, the OpenAPI document, the pages' format
links, the service description, file-extension detection (``kg.io.parse``), the DCAT
distributions and the release files. A format is offered for a query form wherever it
carries that form's kind of answer (``formats_for``).

A format's name is unique among the formats of one kind, not across kinds: ``xml`` is
RDF/XML for a graph and SPARQL XML results for a SELECT or ASK query, as the command
line and ``format=`` have always said it. Lookups therefore take the formats to look
among (``formats_for(form)``, ``export_formats()``).

Writers are referenced by ``module:function`` name, not imported: the registry sits in
``kg.io``, below ``kg.sparql`` whose result writers it names, and importing it must stay
cheap (the command line builds its choices from it before rdflib is loaded). The module
that owns a writer resolves the reference itself: ``kg.io.serialise`` for RDF, and
``kg.sparql.results`` for answers. No registration at import time, so what a format
can do never depends on which modules happen to be loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from types import MappingProxyType


class Kind(StrEnum):
    """What a format can carry."""

    DATASET = "dataset"  # quads: the named graphs kept
    GRAPH = "graph"  # triples: a CONSTRUCT or DESCRIBE answer, or a dataset merged
    SELECT = "SELECT"  # a table of bindings
    ASK = "ASK"  # a boolean
    QUERY = "query"  # the text of a SPARQL query


class Audience(StrEnum):
    """Who a format is for: programs get it on every surface, the others on one."""

    PROGRAMS = "programs"
    TERMINAL = "terminal"  # the command line only
    BROWSER = "browser"  # the server's pages only


#: The W3C's format IRIs (the service description's result formats).
W3C_FORMATS = "http://www.w3.org/ns/formats/"
#: The EU authority table of file types (DCAT-AP's ``dct:format``).
EU_FILE_TYPES = "http://publications.europa.eu/resource/authority/file-type"
#: IANA's media-type registry (DCAT's ``dcat:mediaType``).
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"

_KINDS_OF_FORMS = {
    "SELECT": Kind.SELECT,
    "ASK": Kind.ASK,
    "CONSTRUCT": Kind.GRAPH,
    "DESCRIBE": Kind.GRAPH,
}


class Format:
    """One format. Compared by identity: the registry holds each format once. Read-only
    once made (a plain class, not a dataclass: the command line builds its choices from
    the registry, and importing ``dataclasses`` would cost a cold ``kg query run`` more
    than the rest of this module)."""

    __slots__ = (
        "aliases",
        "audience",
        "eu_file_type",
        "extensions",
        "kinds",
        "label",
        "line_based",
        "media_types",
        "name",
        "parser",
        "w3c",
        "writers",
    )

    name: str
    label: str
    #: The first is the canonical one, written in Content-Type; the others are
    #: understood in Accept and ``format=`` (``text/plain`` for N-Triples...).
    media_types: tuple[str, ...]
    kinds: frozenset[Kind]
    #: File name endings without the dot; the first names the files kg writes.
    extensions: tuple[str, ...]
    #: Other names ``format=`` / ``output=`` understand (Fuseki's, WDQS's, SPARQLWrapper's).
    aliases: tuple[str, ...]
    #: The rdflib parser that reads it.
    parser: str | None
    #: For each kind it carries, the ``module:function`` that writes it. Absent for the
    #: formats a surface writes itself (``html``) or that are not written (``sparql``).
    writers: Mapping[Kind, str]
    #: Its local name under ``W3C_FORMATS``.
    w3c: str | None
    #: Its code in the EU Publications Office's file-type table (``EU_FILE_TYPES``), which
    #: DCAT-AP wants as a distribution's ``dct:format``.
    eu_file_type: str | None
    audience: Audience
    #: One statement per line: a syntax error is found by parsing line by line.
    line_based: bool

    def __init__(
        self,
        name: str,
        label: str,
        media_types: tuple[str, ...],
        kinds: frozenset[Kind],
        *,
        extensions: tuple[str, ...] = (),
        aliases: tuple[str, ...] = (),
        parser: str | None = None,
        writers: Mapping[Kind, str] | None = None,
        w3c: str | None = None,
        eu_file_type: str | None = None,
        audience: Audience = Audience.PROGRAMS,
        line_based: bool = False,
    ) -> None:
        fields = {
            "name": name,
            "label": label,
            "media_types": media_types,
            "kinds": kinds,
            "extensions": extensions,
            "aliases": aliases,
            "parser": parser,
            "writers": MappingProxyType(dict(writers or {})),
            "w3c": w3c,
            "eu_file_type": eu_file_type,
            "audience": audience,
            "line_based": line_based,
        }
        for field, value in fields.items():
            object.__setattr__(self, field, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a Format is read-only: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"a Format is read-only: cannot delete {name!r}")

    def __repr__(self) -> str:
        return f"Format({self.name!r}, {self.label!r})"

    @property
    def media_type(self) -> str:
        return self.media_types[0]

    @property
    def extension(self) -> str | None:
        return self.extensions[0] if self.extensions else None

    @property
    def keeps_graphs(self) -> bool:
        """Whether it keeps named graphs apart (the others merge them into one)."""
        return Kind.DATASET in self.kinds

    @property
    def w3c_iri(self) -> str | None:
        return W3C_FORMATS + self.w3c if self.w3c else None

    @property
    def eu_file_type_iri(self) -> str | None:
        return f"{EU_FILE_TYPES}/{self.eu_file_type}" if self.eu_file_type else None

    @property
    def media_type_iri(self) -> str:
        return IANA_MEDIA_TYPES + self.media_type

    @property
    def content_type(self) -> str:
        """The Content-Type of an answer: the canonical media type, with the charset
        wherever the body is text."""
        media = self.media_type
        if media.startswith("text/") or media.endswith(
            ("+json", "+xml", "/json", "/n-triples", "/sparql-query")
        ):
            return f"{media}; charset=utf-8"
        return media

    def writer(self, kind: Kind) -> tuple[str, str] | None:
        """The module and function that write ``kind`` in this format, if any."""
        reference = self.writers.get(kind)
        if reference is None:
            return None
        module, _, function = reference.partition(":")
        return module, function


_SERIALISE = "kg.io.serialise"
_RESULTS = "kg.sparql.results"

# The order is the order of preference: the first format of a kind answers a request
# that does not say what it wants (no Accept, */*), and ties between equally acceptable
# media types go to the earlier one.
FORMATS: tuple[Format, ...] = (
    Format(
        "turtle",
        "Turtle",
        ("text/turtle", "application/x-turtle"),
        frozenset({Kind.GRAPH}),
        extensions=("ttl",),
        aliases=("ttl", "n3"),
        parser="turtle",
        writers={Kind.GRAPH: f"{_SERIALISE}:write_turtle"},
        w3c="Turtle",
        eu_file_type="RDF_TURTLE",
    ),
    Format(
        "nt",
        "N-Triples",
        ("application/n-triples", "text/plain"),
        frozenset({Kind.GRAPH}),
        extensions=("nt",),
        aliases=("ntriples", "n-triples"),
        parser="nt",
        writers={Kind.GRAPH: f"{_SERIALISE}:write_nt"},
        w3c="N-Triples",
        eu_file_type="RDF_N_TRIPLES",
        line_based=True,
    ),
    Format(
        "trig",
        "TriG",
        ("application/trig",),
        frozenset({Kind.DATASET}),
        extensions=("trig",),
        parser="trig",
        writers={Kind.DATASET: f"{_SERIALISE}:write_trig"},
        w3c="TriG",
        eu_file_type="RDF_TRIG",
    ),
    Format(
        "nquads",
        "N-Quads",
        ("application/n-quads",),
        frozenset({Kind.DATASET}),
        extensions=("nq",),
        aliases=("n-quads",),
        parser="nquads",
        writers={Kind.DATASET: f"{_SERIALISE}:write_nquads"},
        w3c="N-Quads",
        eu_file_type="RDF_N_QUADS",
        line_based=True,
    ),
    Format(
        "json-ld",
        "JSON-LD",
        ("application/ld+json", "application/json"),
        frozenset({Kind.DATASET, Kind.GRAPH}),
        extensions=("jsonld", "json-ld"),
        aliases=("jsonld", "json"),
        parser="json-ld",
        # A dataset is written as one document with a @graph per named graph; a query's
        # graph compacted with the project's context.
        writers={
            Kind.DATASET: f"{_SERIALISE}:write_jsonld",
            Kind.GRAPH: f"{_RESULTS}:graph_jsonld",
        },
        w3c="JSON-LD",
        eu_file_type="JSON_LD",
    ),
    Format(
        "xml",
        "RDF/XML",
        ("application/rdf+xml", "application/xml"),
        frozenset({Kind.GRAPH}),
        extensions=("rdf", "owl", "xml"),
        aliases=("rdf", "rdfxml", "rdf+xml"),
        parser="xml",
        writers={Kind.GRAPH: f"{_SERIALISE}:write_xml"},
        w3c="RDF_XML",
        eu_file_type="RDF_XML",
    ),
    Format(
        "json",
        "SPARQL 1.1 Query Results JSON",
        ("application/sparql-results+json", "application/json"),
        frozenset({Kind.SELECT, Kind.ASK}),
        extensions=("srj",),
        aliases=("srj",),
        writers={Kind.SELECT: f"{_RESULTS}:to_json", Kind.ASK: f"{_RESULTS}:to_json"},
        w3c="SPARQL_Results_JSON",
    ),
    Format(
        "xml",
        "SPARQL 1.1 Query Results XML",
        ("application/sparql-results+xml", "application/xml", "text/xml"),
        frozenset({Kind.SELECT, Kind.ASK}),
        extensions=("srx",),
        aliases=("srx",),
        writers={Kind.SELECT: f"{_RESULTS}:to_xml", Kind.ASK: f"{_RESULTS}:to_xml"},
        w3c="SPARQL_Results_XML",
    ),
    Format(
        "csv",
        "SPARQL 1.1 Query Results CSV",
        ("text/csv",),
        frozenset({Kind.SELECT}),
        extensions=("csv",),
        writers={Kind.SELECT: f"{_RESULTS}:to_csv"},
        w3c="SPARQL_Results_CSV",
        eu_file_type="CSV",
    ),
    Format(
        "tsv",
        "SPARQL 1.1 Query Results TSV",
        ("text/tab-separated-values",),
        frozenset({Kind.SELECT}),
        extensions=("tsv",),
        writers={Kind.SELECT: f"{_RESULTS}:to_tsv"},
        w3c="SPARQL_Results_TSV",
        eu_file_type="TSV",
    ),
    Format(
        "table",
        "aligned columns",
        ("text/plain",),
        frozenset({Kind.SELECT, Kind.ASK}),
        writers={Kind.SELECT: f"{_RESULTS}:to_table", Kind.ASK: f"{_RESULTS}:to_table"},
        audience=Audience.TERMINAL,
    ),
    Format(
        "html",
        "HTML",
        ("text/html",),
        frozenset({Kind.SELECT, Kind.ASK, Kind.GRAPH}),
        extensions=("html",),
        eu_file_type="HTML",
        audience=Audience.BROWSER,
    ),
    Format(
        "sparql",
        "SPARQL query",
        ("application/sparql-query",),
        frozenset({Kind.QUERY}),
        extensions=("rq",),
    ),
)


def kind_of(form: str | Kind) -> Kind:
    """The kind of answer of a query ``form`` (SELECT, ASK, CONSTRUCT, DESCRIBE)."""
    if isinstance(form, Kind):
        return form
    try:
        return _KINDS_OF_FORMS[form]
    except KeyError:
        raise ValueError(f"not a SPARQL query form: {form!r}") from None


def carrying(form: str | Kind) -> tuple[Format, ...]:
    """Every format that carries the answer of ``form`` (a query form or a Kind),
    whoever it is for."""
    kind = kind_of(form)
    return tuple(f for f in FORMATS if kind in f.kinds)


def formats_for(form: str | Kind, audience: Audience | None = None) -> tuple[Format, ...]:
    """The formats a surface offers for the answer of ``form`` (a query form or a Kind),
    in order of preference: those for every program, preceded by those of ``audience``
    (the command line's table, the pages' HTML: each surface's own default)."""
    found = carrying(form)
    shared = tuple(f for f in found if f.audience is Audience.PROGRAMS)
    if audience in (None, Audience.PROGRAMS):
        return shared
    return tuple(f for f in found if f.audience is audience) + shared


def export_formats() -> tuple[Format, ...]:
    """The formats ``kg export`` and ``kg build`` write a dataset in: those that merge
    the named graphs into one, then those that keep them."""
    merging = [f for f in FORMATS if Kind.GRAPH in f.kinds and not f.keeps_graphs]
    keeping = [f for f in FORMATS if f.keeps_graphs]
    return tuple(f for f in (*merging, *keeping) if f.audience is Audience.PROGRAMS)


def release_name(version: str, *parts: str | None) -> str:
    """The name of a release file: ``kg-<version>.<part>...`` (``kg-0.1.0.ttl``,
    ``kg-0.1.0.gazetteer.nq``), as ``kg build`` writes it and the catalogue names it. A
    part is a format's ``extension``: a format without one cannot be a release file."""
    named = [part for part in parts if part]
    if len(named) != len(parts):
        raise ValueError(f"a release file needs an extension for every part: {parts!r}")
    return ".".join((f"kg-{version}", *named))


#: The release files of the gazetteer (``kg-<version>.gazetteer.<ext>``, kg.publish.build):
#: the formats that keep its named graph, written without rdflib.
GAZETTEER_RELEASE = "gazetteer"
GAZETTEER_FORMATS = ("nquads", "trig")
#: The release file of the mapping set (``kg-<version>.sssom.tsv``): every link as SSSOM.
MAPPINGS_RELEASE = "sssom.tsv"


def gazetteer_formats() -> tuple[Format, ...]:
    return tuple(f for f in export_formats() if f.name in GAZETTEER_FORMATS)


def readable_formats() -> tuple[Format, ...]:
    """The formats of the files kg loads."""
    return tuple(f for f in FORMATS if f.parser is not None)


def names(formats: Iterable[Format]) -> tuple[str, ...]:
    """The names of ``formats``, each once, in order."""
    return tuple(dict.fromkeys(f.name for f in formats))


def by_name(name: str, among: Iterable[Format] = FORMATS) -> Format | None:
    """The format of ``among`` that ``name`` stands for: its name, one of its aliases
    or one of its media types (parameters ignored), in any case; None if none does."""
    wanted = name.strip().lower()
    if "/" in wanted:
        return by_media_type(wanted, among)
    candidates = tuple(among)
    for fmt in candidates:
        if wanted == fmt.name:
            return fmt
    for fmt in candidates:
        if wanted in fmt.aliases:
            return fmt
    return None


def is_answer_format(name: str) -> bool:
    """Whether ``name`` is the name or an alias of a format that some query's answer is
    offered in (to tell a format that cannot hold this answer from one nobody knows)."""
    forms = (Kind.SELECT, Kind.ASK, Kind.GRAPH)
    return any(by_name(name, formats_for(form)) is not None for form in forms)


def by_media_type(media_type: str, among: Iterable[Format] = FORMATS) -> Format | None:
    """The format of ``among`` with ``media_type`` (parameters ignored), canonical media
    types before the others."""
    wanted = media_type.split(";")[0].strip().lower()
    candidates = tuple(among)
    for fmt in candidates:
        if fmt.media_type == wanted:
            return fmt
    for fmt in candidates:
        if wanted in fmt.media_types:
            return fmt
    return None


def by_extension(filename: str, among: Iterable[Format] | None = None) -> Format | None:
    """The readable format a file name ends in (``a.json-ld`` is JSON-LD, not ``ld``):
    the longest matching extension wins."""
    lowered = filename.lower()
    best: tuple[int, Format] | None = None
    for fmt in readable_formats() if among is None else among:
        for extension in fmt.extensions:
            if lowered.endswith("." + extension) and (best is None or len(extension) > best[0]):
                best = (len(extension), fmt)
    return best[1] if best else None


def offered_media_types(offered: Sequence[Format]) -> list[tuple[str, Format]]:
    """What content negotiation matches: every canonical media type in order of
    preference, then the others (so that ``*/*`` and ties pick a canonical type)."""
    canonical = [(f.media_type, f) for f in offered]
    others = [(media, f) for f in offered for media in f.media_types[1:]]
    return canonical + others


# -- content negotiation ----------------------------------------------------------------

_MIME_PARTS = re.compile(r"/|(?:\s*;\s*)")


def negotiate(
    accepted: Sequence[tuple[str, float]] | None, offered: Sequence[Format]
) -> Format | None:
    """The format of ``offered`` that a client accepting ``accepted`` (the media ranges
    of its Accept header with their q-values, as the HTTP layer parsed them) likes
    best; the first offered with no Accept header (None); None when nothing offered is
    acceptable.

    The rules are RFC 9110's, as werkzeug applies them: each offered media type takes
    the quality of the most specific range that matches it (a range with parameters
    matches only the same parameters), q=0 refuses, the highest quality wins, then the
    more specific range, then the server's order of preference (``offered_media_types``).
    """
    if not offered:
        return None
    if accepted is None:
        return offered[0]
    ranges = sorted(accepted, key=lambda item: (_specificity(item[0]), item[1]), reverse=True)
    best: Format | None = None
    best_quality = -1.0
    best_specificity: tuple[bool, ...] = (False,)
    for media, fmt in offered_media_types(offered):
        match = next((r for r in ranges if _matches(media, r[0])), None)
        if match is None:
            continue
        quality = match[1]
        specificity = _specificity(match[0])
        if quality <= 0 or quality < best_quality:
            continue
        if best is None or quality > best_quality or specificity > best_specificity:
            best, best_quality, best_specificity = fmt, quality, specificity
    return best


def _specificity(media_range: str) -> tuple[bool, ...]:
    return tuple(part != "*" for part in _MIME_PARTS.split(media_range))


def _matches(media_type: str, media_range: str) -> bool:
    if "/" not in media_range:
        return False
    offered = _MIME_PARTS.split(media_type.lower())
    asked = _MIME_PARTS.split(media_range.lower())
    asked_type, asked_subtype = asked[:2]
    if asked_type == "*" and asked_subtype != "*":
        return False
    if asked_type == "*":
        return True
    return asked_type == offered[0] and (
        asked_subtype == "*"
        or (asked_subtype == offered[1] and sorted(asked[2:]) == sorted(offered[2:]))
    )
