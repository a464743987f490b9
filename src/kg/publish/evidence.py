"""Evidence: Web Annotations that tie each statement of the facts to the exact words of
its source, and marks on the statements that no words support.

Authors write one table, ``data/<slug>/evidence.tsv`` (the columns are described in
docs/evidence.md); this module finds each quote in ``data/sources/<slug>.txt``, matches
each line's statements against ``data/<slug>/facts.trig``, and renders
``data/<slug>/evidence.trig`` (``kg generate evidence``): one ``rdf:Statement`` per
triple of the facts that a line names, with its ``kgo:basis`` (``kgo:quoted``,
``kgo:editorial`` or ``kgo:inferred``, the last two with a ``kgo:reason``), and one
annotation per quoted span, with a TextQuoteSelector and a TextPositionSelector, whose
bodies are the resources and the statements the words support. Offsets count Unicode
code points of the NFC text, as the Web Annotation model asks, which is also how Python
and SPARQL count.
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from kg.core import paths
from kg.core.errors import InputError
from kg.core.namespaces import KGO, KIND_NS, PREFIXES, evidence_graph, facts_graph

CONTEXT_CHARS = 32
HEADER = ["subject", "quote", "occurrence", "predicates", "object", "basis", "reason"]
#: The first columns, which the table of one resource per quote had: still a valid header.
SHORT_HEADER = HEADER[:3]
#: A line's basis (the ``basis`` column) and the kgo: term the generated graph gives it.
BASES = {"quote": KGO.quoted, "editorial": KGO.editorial, "inferred": KGO.inferred}
#: ``*`` in the subject or predicates column: a line that fills in (see ``Row.fills_in``).
EVERY = "*"
#: The rights statement of every source text (``dct:rights``): quoted, not licensed.
SOURCE_RIGHTS_VI = (
    "Toàn văn được giữ nguyên để kiểm chứng mọi câu trích dẫn; quyền đối với văn bản thuộc "
    "tác giả và nơi xuất bản. Văn bản không được cấp phép theo CC BY 4.0 hay giấy phép nào "
    "khác của kg; muốn dùng lại, hãy hỏi nơi xuất bản."
)
SOURCE_RIGHTS_EN = (
    "Kept whole and unchanged so that every quotation can be checked against it; its rights "
    "stay with its author and publisher. The text is not offered under CC BY 4.0 or any other "
    "licence of kg; to reuse it, ask its publisher."
)

Triple: TypeAlias = tuple[URIRef, URIRef, Node]


@dataclass(frozen=True)
class LanguageSelector:
    """``@vi`` in the object column: every literal object in that language."""

    lang: str


ObjectPattern: TypeAlias = URIRef | Literal | LanguageSelector | None


@dataclass(frozen=True)
class Row:
    #: None: every subject of the facts (``*``)
    subject: URIRef | None
    quote: str
    occurrence: int | None
    line: int
    #: () names the resource only (its words name it); None: every predicate (``*``).
    #: Each predicate with its objects: () is every object.
    predicates: tuple[tuple[URIRef, tuple[ObjectPattern, ...]], ...] | None = ()
    basis: str = "quote"
    reason: str = ""

    @property
    def fills_in(self) -> bool:
        """A ``*`` line marks only the statements that no earlier line covers."""
        return self.subject is None or self.predicates is None

    @property
    def names_statements(self) -> bool:
        return self.predicates is None or bool(self.predicates)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


@dataclass
class StatementEvidence:
    """What the table says of one triple of the facts."""

    spans: list[Span] = field(default_factory=list)
    #: basis ("editorial", "inferred") -> its reasons, in table order
    marks: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Evidence:
    """The resolved table of one source."""

    #: each quoted span -> the resources and statements it supports
    spans: dict[Span, list[URIRef]]
    #: each triple of the facts the table names -> its evidence
    statements: dict[Triple, StatementEvidence]


def source_path(slug: str) -> Path:
    return paths.data_dir() / "sources" / f"{slug}.txt"


def table_path(slug: str) -> Path:
    return paths.data_dir() / slug / "evidence.tsv"


def output_path(slug: str) -> Path:
    return paths.data_dir() / slug / "evidence.trig"


def facts_path(slug: str) -> Path:
    return paths.data_dir() / slug / "facts.trig"


def slugs() -> list[str]:
    """The sources that have an evidence table."""
    return sorted(p.parent.name for p in paths.data_dir().glob("*/evidence.tsv"))


def read_source(slug: str) -> str:
    path = source_path(slug)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("source text not found", path=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 ({exc.reason})", path=str(path)) from None
    if unicodedata.normalize("NFC", text) != text:
        raise InputError("source text is not in Unicode NFC", path=str(path))
    return text


def expand(name: str, path: Path, line: int) -> URIRef:
    if name.startswith("<") and name.endswith(">"):
        return URIRef(name[1:-1])
    prefix, sep, local = name.partition(":")
    if not sep or prefix not in PREFIXES:
        raise InputError(f"unknown prefix in {name!r}", path=str(path), line=line)
    return URIRef(PREFIXES[prefix] + local)


def statement_iri(slug: str, triple: Triple) -> URIRef:
    """The statement node of ``triple``: the same triple always gets the same IRI."""
    digest = hashlib.sha256(" ".join(term.n3() for term in triple).encode("utf-8"))
    return KIND_NS["statement"][f"{slug}/{digest.hexdigest()[:16]}"]


_LITERAL = re.compile(r'^"(?P<text>.*)"(?:@(?P<lang>[A-Za-z0-9-]+)|\^\^(?P<datatype>\S+))?$')
_LANGUAGE = re.compile(r"^@(?P<lang>[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?[0-9]*\.[0-9]+$")


def parse_objects(text: str, path: Path, line: int) -> tuple[ObjectPattern, ...]:
    """The object column: empty (any object), one literal in Turtle's syntax, or
    space-separated terms (see ``parse_object``)."""
    if not text:
        return ()
    if text.startswith('"'):
        return (parse_object(text, path, line),)
    return tuple(parse_object(term, path, line) for term in text.split())


def parse_object(text: str, path: Path, line: int) -> ObjectPattern:
    """One object: ``@lang`` (any literal in that language), or one RDF term in Turtle's
    syntax: a prefixed name, ``<IRI>``, ``"text"@lang``, ``"text"^^datatype``, an
    integer, a decimal, ``true`` or ``false``."""
    if language := _LANGUAGE.match(text):
        return LanguageSelector(language.group("lang").lower())
    if literal := _LITERAL.match(text):
        if literal.group("lang"):
            return Literal(literal.group("text"), lang=literal.group("lang"))
        if literal.group("datatype"):
            datatype = expand(literal.group("datatype"), path, line)
            return Literal(literal.group("text"), datatype=datatype)
        return Literal(literal.group("text"))
    if _INTEGER.match(text):
        return Literal(text, datatype=XSD.integer)
    if _DECIMAL.match(text):
        return Literal(text, datatype=XSD.decimal)
    if text in ("true", "false"):
        return Literal(text, datatype=XSD.boolean)
    return expand(text, path, line)


def _predicates(
    text: str, objects: tuple[ObjectPattern, ...], path: Path, line: int
) -> tuple[tuple[URIRef, tuple[ObjectPattern, ...]], ...] | None:
    """The predicates column: ``*``, or space-separated names (``a`` for rdf:type), each
    with the objects of the object column, or ``name@lang`` for its literals in a
    language."""
    if text == EVERY:
        return None
    found: list[tuple[URIRef, tuple[ObjectPattern, ...]]] = []
    for token in text.split():
        name, at, lang = token.partition("@")
        if at and not _LANGUAGE.match(f"@{lang}"):
            raise InputError(f"not a language tag in {token!r}", path=str(path), line=line)
        predicate = RDF.type if name == "a" else expand(name, path, line)
        found.append((predicate, (LanguageSelector(lang.lower()),) if at else objects))
    return tuple(found)


def _occurrence(text: str, path: Path, line: int) -> int | None:
    if not text.strip():
        return None
    try:
        occurrence = int(text)
    except ValueError:
        raise InputError(
            f"occurrence must be a positive integer, not {text!r}", path=str(path), line=line
        ) from None
    if occurrence < 1:
        raise InputError("occurrence must be 1 or more", path=str(path), line=line)
    return occurrence


def _row(record: list[str], path: Path, line: int) -> Row:
    cells = [*record, *[""] * (len(HEADER) - len(record))]
    subject_text, quote, occurrence_text, predicates_text, object_text, basis, reason = (
        cells[0].strip(),
        cells[1],
        cells[2],
        cells[3].strip(),
        cells[4].strip(),
        cells[5].strip(),
        cells[6].strip(),
    )

    def fail(message: str) -> InputError:
        return InputError(message, path=str(path), line=line)

    basis = basis or ("quote" if quote else "")
    if basis not in BASES:
        if not basis:
            raise fail("a line without a quote needs the basis editorial or inferred")
        raise fail(f"basis must be one of {', '.join(BASES)}, not {basis!r}")
    if basis == "quote":
        if not quote:
            raise fail("a quoted line needs its quote")
        if reason:
            raise fail("only an editorial or inferred line gives a reason")
    else:
        if quote or occurrence_text.strip():
            raise fail(f"an {basis} line has no quote: words that support it make it quoted")
        if not reason:
            raise fail(f"an {basis} line needs its reason")
        if not predicates_text:
            raise fail(f"an {basis} line names its statements (the predicates column)")
    if unicodedata.normalize("NFC", quote) != quote:
        raise fail("quote is not in Unicode NFC")
    if subject_text == EVERY and basis == "quote":
        raise fail("a quote supports the statements of one subject, not of every one (*)")
    if predicates_text == EVERY and (basis == "quote" or object_text):
        raise fail(
            "every predicate (*) only marks statements editorial or inferred, with no object"
        )
    if object_text and not predicates_text:
        raise fail("an object needs its predicates")
    return Row(
        subject=None if subject_text == EVERY else expand(subject_text, path, line),
        quote=quote,
        occurrence=_occurrence(occurrence_text, path, line),
        line=line,
        predicates=_predicates(predicates_text, parse_objects(object_text, path, line), path, line),
        basis=basis,
        reason=reason,
    )


def read_table(slug: str) -> list[Row]:
    path = table_path(slug)
    rows: list[Row] = []
    with path.open(encoding="utf-8", newline="") as handle:
        lines = (
            (number, text)
            for number, text in enumerate(handle, start=1)
            if text.strip() and not text.startswith("#")
        )
        numbered = list(lines)
    records = csv.reader((text for _, text in numbered), delimiter="\t", quoting=csv.QUOTE_NONE)
    header_seen = False
    for (line, _), record in zip(numbered, records, strict=True):
        if not header_seen:
            if record not in (HEADER, SHORT_HEADER):
                raise InputError(
                    f"the header must be {' / '.join(HEADER)}", path=str(path), line=line
                )
            header_seen = True
            continue
        if not 2 <= len(record) <= len(HEADER):
            raise InputError(
                f"expected 2 to {len(HEADER)} tab-separated columns, found {len(record)}",
                path=str(path),
                line=line,
            )
        rows.append(_row(record, path, line))
    return rows


def find_all(text: str, quote: str) -> list[int]:
    starts, index = [], text.find(quote)
    while index != -1:
        starts.append(index)
        index = text.find(quote, index + 1)
    return starts


def locate(text: str, quote: str, occurrence: int | None = None) -> Span:
    """The span of ``quote`` in ``text``; ambiguous quotes must say which occurrence."""
    if not quote:
        raise ValueError("empty quote")
    starts = find_all(text, quote)
    if not starts:
        raise ValueError(f"quote not found in the source: {quote!r}")
    if occurrence is None:
        if len(starts) > 1:
            raise ValueError(
                f"quote found {len(starts)} times; give its occurrence (1-{len(starts)}): {quote!r}"
            )
        occurrence = 1
    if occurrence > len(starts):
        raise ValueError(f"quote found {len(starts)} times, not {occurrence}: {quote!r}")
    start = starts[occurrence - 1]
    end = start + len(quote)
    return Span(
        start=start,
        end=end,
        exact=quote,
        prefix=text[max(0, start - CONTEXT_CHARS) : start],
        suffix=text[end : end + CONTEXT_CHARS],
    )


def read_facts(slug: str) -> Graph:
    """The facts graph of ``slug``, which the table's statements must be in."""
    from kg.io.parse import load

    path = facts_path(slug)
    if not path.is_file():
        raise InputError("facts not found: the evidence table names statements", path=str(path))
    return load([path]).graph(facts_graph(slug))


def _show(term: Node) -> str:
    from kg.core.terms import short_name

    return term.n3() if isinstance(term, Literal) else short_name(term)


def _pattern_text(row: Row, predicate: URIRef | None, pattern: ObjectPattern) -> str:
    if pattern is None:
        shown_object = "?"
    elif isinstance(pattern, LanguageSelector):
        shown_object = f"?@{pattern.lang}"
    else:
        shown_object = _show(pattern)
    subject = EVERY if row.subject is None else _show(row.subject)
    return f"{subject} {EVERY if predicate is None else _show(predicate)} {shown_object}"


def _match(
    facts: Graph, subject: URIRef | None, predicate: URIRef | None, pattern: ObjectPattern
) -> set[Triple]:
    exact = pattern if isinstance(pattern, URIRef | Literal) else None
    return {
        (URIRef(str(s)), URIRef(str(p)), o)
        for s, p, o in facts.triples((subject, predicate, exact))
        if not isinstance(pattern, LanguageSelector)
        or (isinstance(o, Literal) and (o.language or "").lower() == pattern.lang)
    }


def matching(facts: Graph, row: Row, path: Path) -> list[Triple]:
    """The triples of ``facts`` that ``row`` names, in a stable order; an InputError at the
    row's line for a predicate and object that name none."""
    found: set[Triple] = set()
    wanted: tuple[tuple[URIRef | None, tuple[ObjectPattern, ...]], ...] = (
        ((None, ()),) if row.predicates is None else row.predicates
    )
    for predicate, patterns in wanted:
        for pattern in patterns or (None,):
            these = _match(facts, row.subject, predicate, pattern)
            if not these:
                raise InputError(
                    f"not in the facts graph: {_pattern_text(row, predicate, pattern)}",
                    path=str(path),
                    line=row.line,
                )
            found |= these
    return sorted(found, key=lambda triple: tuple(term.n3() for term in triple))


def resolve(slug: str) -> Evidence:
    """The table of ``slug`` with its quotes found and its statements matched."""
    text = read_source(slug)
    rows = read_table(slug)
    path = table_path(slug)
    facts = read_facts(slug) if any(row.names_statements for row in rows) else Graph()
    spans: dict[Span, list[URIRef]] = {}
    statements: dict[Triple, StatementEvidence] = {}
    # Lines that name their statements first, then the * lines in table order, each only
    # for what is still uncovered: a default never overrides what a line says.
    for row in sorted(rows, key=lambda r: r.fills_in):
        triples = matching(facts, row, path) if row.names_statements else []
        if row.fills_in:
            triples = [t for t in triples if t not in statements]
        if row.basis != "quote":
            for triple in triples:
                marks = statements.setdefault(triple, StatementEvidence()).marks
                reasons = marks.setdefault(row.basis, [])
                if row.reason not in reasons:
                    reasons.append(row.reason)
            continue
        try:
            span = locate(text, row.quote, row.occurrence)
        except ValueError as exc:
            raise InputError(str(exc), path=str(path), line=row.line) from None
        bodies = spans.setdefault(span, [])
        assert row.subject is not None  # a quoted line names its subject (_row)
        for body in (row.subject, *(statement_iri(slug, t) for t in triples)):
            if body not in bodies:
                bodies.append(body)
        for triple in triples:
            evidence = statements.setdefault(triple, StatementEvidence())
            if span not in evidence.spans:
                evidence.spans.append(span)
    return Evidence(spans, statements)


def spans(slug: str) -> dict[Span, list[URIRef]]:
    """Every span of the table with the resources and statements it supports."""
    return resolve(slug).spans


def _n3(node: Node) -> str:
    return node.n3()


def _lines(subject: URIRef, pairs: Iterable[tuple[str, str]]) -> list[str]:
    items = list(pairs)
    out = [f"    {_n3(subject)}"]
    for index, (predicate, obj) in enumerate(items):
        end = " ." if index == len(items) - 1 else " ;"
        out.append(f"        {predicate} {obj}{end}")
    return out


def render(slug: str) -> str:
    """The evidence graph of one source, as deterministic TriG text."""
    text = read_source(slug)
    found = resolve(slug)
    source = KIND_NS["source"][slug]
    article = KIND_NS["article"][slug]
    rights = URIRef(f"{source}#rights")
    graph = evidence_graph(slug)
    used = ["rdf", "rdfs", "xsd", "dct", "dctype", "oa", "kgo"]
    out = [f"@prefix {p}: <{PREFIXES[p]}> ." for p in used]
    out += [
        "",
        f"# Generated by `kg generate evidence` from data/{slug}/evidence.tsv,",
        f"# data/{slug}/facts.trig and data/sources/{slug}.txt. Do not edit: edit the table",
        "# and regenerate.",
        "",
        f"{_n3(graph)} {{",
    ]
    out += _lines(
        source,
        [
            ("a", "kgo:SourceText , dctype:Text"),
            (
                "rdfs:label",
                f"{_n3(Literal(f'văn bản nguồn {slug}', lang='vi'))} , "
                f"{_n3(Literal(f'source text {slug}', lang='en'))}",
            ),
            ("dct:identifier", _n3(Literal(f"data/sources/{slug}.txt"))),
            ("dct:format", '"text/plain; charset=utf-8"'),
            ("dct:language", '"vi"'),
            ("dct:isFormatOf", _n3(article)),
            ("dct:rights", _n3(rights)),
            ("kgo:text", _n3(Literal(text))),
        ],
    )
    # The text is kept whole for checking quotations; the licence of the files that carry
    # it does not extend to it (LICENSES/README.md), and a harvester reads that here.
    out.append("")
    out += _lines(
        rights,
        [
            ("a", "dct:RightsStatement"),
            (
                "rdfs:label",
                f"{_n3(Literal(SOURCE_RIGHTS_VI, lang='vi'))} , "
                f"{_n3(Literal(SOURCE_RIGHTS_EN, lang='en'))}",
            ),
        ],
    )
    for span in sorted(found.spans, key=lambda s: (s.start, s.end)):
        iri = KIND_NS["annotation"][f"{slug}/{span.start}-{span.end}"]
        target, quote, position = (
            URIRef(f"{iri}#{part}") for part in ("target", "quote", "position")
        )
        bodies = " , ".join(_n3(body) for body in sorted(found.spans[span]))
        out.append("")
        out += _lines(
            iri,
            [
                ("a", "oa:Annotation"),
                ("oa:motivatedBy", "kgo:evidencing"),
                ("oa:hasBody", bodies),
                ("oa:hasTarget", _n3(target)),
            ],
        )
        out += _lines(
            target,
            [
                ("a", "oa:SpecificResource"),
                ("oa:hasSource", _n3(source)),
                ("oa:hasSelector", f"{_n3(quote)} , {_n3(position)}"),
            ],
        )
        out += _lines(
            quote,
            [
                ("a", "oa:TextQuoteSelector"),
                ("oa:exact", _n3(Literal(span.exact))),
                ("oa:prefix", _n3(Literal(span.prefix))),
                ("oa:suffix", _n3(Literal(span.suffix))),
            ],
        )
        out += _lines(
            position,
            [
                ("a", "oa:TextPositionSelector"),
                ("oa:start", _n3(Literal(span.start, datatype=XSD.integer))),
                ("oa:end", _n3(Literal(span.end, datatype=XSD.integer))),
            ],
        )
    for triple in sorted(found.statements, key=lambda t: tuple(term.n3() for term in t)):
        evidence = found.statements[triple]
        bases = (["quote"] if evidence.spans else []) + sorted(evidence.marks)
        pairs = [
            ("a", "rdf:Statement"),
            ("rdf:subject", _n3(triple[0])),
            ("rdf:predicate", _n3(triple[1])),
            ("rdf:object", _n3(triple[2])),
            ("kgo:basis", " , ".join(_n3(BASES[basis]) for basis in bases)),
        ]
        reasons = [reason for basis in sorted(evidence.marks) for reason in evidence.marks[basis]]
        if reasons:
            pairs.append(("kgo:reason", " , ".join(_n3(Literal(r, lang="en")) for r in reasons)))
        out.append("")
        out += _lines(statement_iri(slug, triple), pairs)
    out.append("}")
    return "\n".join(out) + "\n"
