"""Adding a source: its text, the article resource and an empty evidence table.

``add_source`` writes, all together or not at all (``kg.core.files.write_together``):

* ``data/sources/ID.txt``: the text, NFC (evidence offsets count its code points);
* ``data/ID/facts.trig``: the facts graph with the article resource only (title,
  publication date-time, author, URL, language, the text's SHA-256);
* ``data/ID/evidence.tsv``: the evidence table, its header only.

It refuses an ID already used and a text already present (compared NFC, by digest), so
the same article is never added twice under two names.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from kg.core.errors import InputError, ParameterError
from kg.core.files import write_together
from kg.core.text import english_day, nfc, slugify

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

EVIDENCE_HEADER = (
    "# Evidence for data/{id}/facts.trig: one line per (resource, quote).\n"
    "# Columns are tab-separated. A quote must be found verbatim in\n"
    "# data/sources/{id}.txt; when it is found more than once, the third\n"
    "# column says which occurrence (1 = the first). `kg generate evidence` turns this\n"
    "# table into evidence.trig.\n"
)


@dataclass(frozen=True)
class SourceInfo:
    source_id: str
    title: str = ""
    published: str = ""  # an xsd:dateTime, e.g. 2021-11-01T08:10:00+07:00
    author: str = ""
    url: str = ""
    title_en: str = ""


def digest(text: str) -> str:
    return hashlib.sha256(nfc(text).encode("utf-8")).hexdigest()


def check_id(source_id: str) -> None:
    if not _ID.match(source_id):
        raise ParameterError(
            f"--id {source_id!r}: a source ID is lower-case ASCII words joined by hyphens, "
            "e.g. nam-truc-2021-11-01"
        )


def check_published(value: str) -> str:
    """``value`` as an xsd:dateTime with its offset; a date alone is taken at midnight
    in Vietnam (+07:00), where these reports are published."""
    if not value:
        return ""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            datetime.strptime(value, "%Y-%m-%d")
            return f"{value}T00:00:00+07:00"
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ParameterError(
            f"--published {value!r}: not a date or date-time (YYYY-MM-DD or "
            "YYYY-MM-DDTHH:MM:SS+07:00)"
        ) from None
    if parsed.tzinfo is None:
        raise ParameterError(f"--published {value!r}: a date-time needs its offset, e.g. +07:00")
    return parsed.isoformat()


def turtle_string(text: str) -> str:
    """``text`` as a Turtle string literal (the drafter's triples use it too)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _in_text(words: str, text: str) -> bool:
    return bool(words) and nfc(words) in text


def facts_trig(info: SourceInfo, text: str) -> str:
    """The facts graph of a new source: the article, its dataset, its publication day and
    its author. What the text itself says (the title, the author's name) gets evidence
    from the text (``evidence_table``); the rest names its source with ``dct:source``."""
    text_digest = digest(text)
    lines = [
        "@prefix article: <https://w3id.org/vn-kg/id/article/> .",
        "@prefix person: <https://w3id.org/vn-kg/id/person/> .",
        "@prefix source: <https://w3id.org/vn-kg/id/source/> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix dct: <http://purl.org/dc/terms/> .",
        "@prefix schema: <https://schema.org/> .",
        "@prefix foaf: <http://xmlns.com/foaf/0.1/> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        "@prefix qb: <http://purl.org/linked-data/cube#> .",
        "@prefix kgo: <https://w3id.org/vn-kg/ontology#> .",
        "@prefix dataset: <https://w3id.org/vn-kg/id/dataset/> .",
        "@prefix period: <https://w3id.org/vn-kg/id/period/> .",
        "@prefix time: <http://www.w3.org/2006/time#> .",
        "",
        f"# The facts of the article data/sources/{info.source_id}.txt, added by",
        "# `kg source add`. Add facts by hand or with `kg draft`, each with its evidence.",
        "",
        f"<https://w3id.org/vn-kg/graph/facts/{info.source_id}> {{",
        "",
        f"    article:{info.source_id} a schema:NewsArticle ;",
    ]
    props: list[str] = []
    if info.title:
        props += [f"rdfs:label {turtle_string(info.title)}@vi"]
        if info.title_en:
            props += [f"rdfs:label {turtle_string(info.title_en)}@en"]
        props += [
            f"schema:headline {turtle_string(info.title)}@vi",
            f"dct:title {turtle_string(info.title)}@vi",
        ]
    if info.published:
        props.append(f'schema:datePublished "{info.published}"^^xsd:dateTime')
    props.append('schema:inLanguage "vi"')
    if info.url:
        props.append(f"schema:url <{info.url}>")
    author = slugify(info.author) if info.author else ""
    if author:
        props.append(f"schema:author person:{author}")
    props.append(f"schema:isBasedOn source:{info.source_id}")
    if not _in_text(info.title, text):
        props.append(f"dct:source source:{info.source_id}")
    lines += [f"        {p} ;" for p in props[:-1]] + [f"        {props[-1]} ."]
    lines += ["", f"    source:{info.source_id} schema:sha256 {turtle_string(text_digest)} ."]
    # The figures `kg draft` proposes belong to the article's dataset.
    title = info.title or info.source_id
    figures_en = "Figures reported in " + (info.title_en or info.source_id)
    lines += [
        "",
        f"    dataset:{info.source_id} a qb:DataSet ;",
        f"        rdfs:label {turtle_string('Số liệu của bài ' + title)}@vi ,",
        f"            {turtle_string(figures_en)}@en ;",
        "        qb:structure kgo:statisticsStructure ;",
        f"        dct:source article:{info.source_id} .",
    ]
    if info.published:
        day = info.published[:10]
        year, month, date = day.split("-")
        lines += [
            "",
            f"    period:{day} a time:Instant ;",
            f"        rdfs:label {turtle_string(f'{date}/{month}/{year}')}@vi ,",
            f"            {turtle_string(english_day(day))}@en ;",
            f'        time:inXSDDate "{day}"^^xsd:date ;',
            f"        dct:source article:{info.source_id} .",
        ]
    if author:
        name = turtle_string(info.author)
        lines += [
            "",
            f"    person:{author} a foaf:Person , schema:Person ;",
            f"        rdfs:label {name}@vi , {name}@en ;",
            f"        foaf:name {turtle_string(info.author)}"
            + (
                ""
                if _in_text(info.author, text)
                else f" ;\n        dct:source article:{info.source_id}"
            )
            + " .",
        ]
    lines += ["}", ""]
    return "\n".join(lines)


def _evidence_table(info: SourceInfo, text: str) -> bytes:
    """The header; the words of the text that give the title and the author; and the
    marks of what else ``kg source add`` states: the author who added it gave it."""
    from kg.publish.evidence import HEADER

    given = "given to kg source add by the author who added the source"
    quoted: list[str] = []
    if _in_text(info.title, text):
        quoted.append(
            f"article:{info.source_id}\t{nfc(info.title)}\t{_first(info.title, text)}"
            "\trdfs:label@vi schema:headline dct:title"
        )
    if info.author and _in_text(info.author, text):
        person = f"person:{slugify(info.author)}"
        at = _first(info.author, text)
        quoted.append(f"{person}\t{nfc(info.author)}\t{at}\trdfs:label foaf:name")
        quoted.append(f"article:{info.source_id}\t{nfc(info.author)}\t{at}\tschema:author")
    marks = [
        *quoted,
        f"article:{info.source_id}\t\t\t*\t\teditorial\t{given}",
        f"source:{info.source_id}\t\t\t*\t\teditorial\tthe SHA-256 of the stored text",
        f"dataset:{info.source_id}\t\t\t*\t\teditorial\tthe dataset of the article's figures",
    ]
    if info.published:
        marks.append(
            f"period:{info.published[:10]}\t\t\t*\t\teditorial\tthe publication date {given}"
        )
    if info.author and slugify(info.author):
        marks.append(f"person:{slugify(info.author)}\t\t\t*\t\teditorial\t{given}")
    lines = [EVIDENCE_HEADER.format(id=info.source_id) + "\t".join(HEADER), *marks]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _first(words: str, text: str) -> str:
    """The occurrence column for the first occurrence: empty when the words occur once."""
    return "1" if text.count(nfc(words)) > 1 else ""


def add_source(text_file: Path, info: SourceInfo, data_dir: Path) -> list[Path]:
    """Add ``text_file`` as source ``info.source_id`` under ``data_dir``; the paths
    written. InputError or ParameterError, with nothing written, if it cannot be added."""
    check_id(info.source_id)
    try:
        raw = text_file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {text_file}: {exc.strerror}") from None
    try:
        text = nfc(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{text_file}: not UTF-8 (byte {exc.start})") from None
    if not text.strip():
        raise InputError(f"{text_file}: the text is empty")
    sources = data_dir / "sources"
    target = sources / f"{info.source_id}.txt"
    folder = data_dir / info.source_id
    if target.exists() or folder.exists():
        raise ParameterError(f"--id {info.source_id}: a source with this ID exists already")
    # The same text is the same words: NFC, trailing white space aside.
    same = digest(text.rstrip())
    for existing in sorted(sources.glob("*.txt")) if sources.is_dir() else []:
        if digest(existing.read_text(encoding="utf-8").rstrip()) == same:
            raise InputError(f"{text_file}: the same text is already source {existing.stem!r}")
    info = replace(info, published=check_published(info.published))
    planned = [
        (target, text.encode("utf-8")),
        (folder / "facts.trig", facts_trig(info, text).encode("utf-8")),
        (folder / "evidence.tsv", _evidence_table(info, text)),
    ]
    folder_made = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    sources.mkdir(parents=True, exist_ok=True)
    try:
        write_together(planned)
    except BaseException:
        if folder_made and not any(folder.iterdir()):
            folder.rmdir()
        raise
    return [p for p, _ in planned]
