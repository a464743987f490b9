"""Evidence: Web Annotations that tie each fact to the exact words of its source.

Authors write one line per (fact, quote) in ``data/<slug>/evidence.tsv``; this module
finds each quote in ``data/sources/<slug>.txt`` and renders the annotations, with a
TextQuoteSelector and a TextPositionSelector each, as ``data/<slug>/evidence.trig``
(``kg generate evidence``). Offsets count Unicode code points of the NFC text, as
the Web Annotation model asks, which is also how Python and SPARQL count.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from kg.core import paths
from kg.core.errors import InputError
from kg.core.namespaces import KIND_NS, PREFIXES, evidence_graph

CONTEXT_CHARS = 32
HEADER = ["subject", "quote", "occurrence"]


@dataclass(frozen=True)
class Row:
    subject: URIRef
    quote: str
    occurrence: int | None
    line: int


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


def source_path(slug: str) -> Path:
    return paths.data_dir() / "sources" / f"{slug}.txt"


def table_path(slug: str) -> Path:
    return paths.data_dir() / slug / "evidence.tsv"


def output_path(slug: str) -> Path:
    return paths.data_dir() / slug / "evidence.trig"


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
            if record != HEADER:
                raise InputError(
                    f"the header must be {' / '.join(HEADER)}", path=str(path), line=line
                )
            header_seen = True
            continue
        if len(record) not in (2, 3):
            raise InputError(
                f"expected 2 or 3 tab-separated columns, found {len(record)}",
                path=str(path),
                line=line,
            )
        subject, quote = record[0].strip(), record[1]
        occurrence: int | None = None
        if len(record) == 3 and record[2].strip():
            try:
                occurrence = int(record[2])
            except ValueError:
                raise InputError(
                    f"occurrence must be a positive integer, not {record[2]!r}",
                    path=str(path),
                    line=line,
                ) from None
            if occurrence < 1:
                raise InputError("occurrence must be 1 or more", path=str(path), line=line)
        if unicodedata.normalize("NFC", quote) != quote:
            raise InputError("quote is not in Unicode NFC", path=str(path), line=line)
        rows.append(Row(expand(subject, path, line), quote, occurrence, line))
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


def spans(slug: str) -> dict[Span, list[URIRef]]:
    """Every span of the table with the facts it supports."""
    text = read_source(slug)
    result: dict[Span, list[URIRef]] = {}
    for row in read_table(slug):
        try:
            span = locate(text, row.quote, row.occurrence)
        except ValueError as exc:
            raise InputError(str(exc), path=str(table_path(slug)), line=row.line) from None
        bodies = result.setdefault(span, [])
        if row.subject not in bodies:
            bodies.append(row.subject)
    return result


def _n3(node: URIRef | Literal) -> str:
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
    found = spans(slug)
    source = KIND_NS["source"][slug]
    article = KIND_NS["article"][slug]
    graph = evidence_graph(slug)
    used = ["rdfs", "xsd", "dct", "dctype", "oa", "kgo"]
    out = [f"@prefix {p}: <{PREFIXES[p]}> ." for p in used]
    out += [
        "",
        f"# Generated by `kg generate evidence` from data/{slug}/evidence.tsv and",
        f"# data/sources/{slug}.txt. Do not edit: edit the table and regenerate.",
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
            ("kgo:text", _n3(Literal(text))),
        ],
    )
    for span in sorted(found, key=lambda s: (s.start, s.end)):
        iri = KIND_NS["annotation"][f"{slug}/{span.start}-{span.end}"]
        target, quote, position = (
            URIRef(f"{iri}#{part}") for part in ("target", "quote", "position")
        )
        bodies = " , ".join(_n3(body) for body in sorted(found[span]))
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
    out.append("}")
    return "\n".join(out) + "\n"
