"""Applying a reviewed draft: its accepted rows into the facts and the evidence table.

Each accepted row's triples (Turtle with the project's prefixes, as the author left them)
are added to ``data/ID/facts.trig`` in a block of their own, and each row's words to
``data/ID/evidence.tsv`` as the lines an author would write by hand: the statements the
words support, by subject and predicate (with the object only where the subject has other
objects for it). Then the evidence graph is regenerated and the whole dataset validated,
all in a staged copy of ``data/``; only if every step passes are the three files written
(``write_together``). A rejected or undecided row changes nothing; one invalid row stops
the whole draft, with its line.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from kg.authoring.draft import COLUMNS
from kg.authoring.extract import KINDS
from kg.core import paths
from kg.core.errors import InputError
from kg.core.files import write_together
from kg.core.namespaces import KGO, KIND_NS, ORG, PREFIXES, QB, SDO, facts_graph
from kg.core.text import nfc

ACCEPT = frozenset({"accept", "accepted", "yes", "y", "x"})
REJECT = frozenset({"reject", "rejected", "no", "n"})
REQUIRED = ("kind", "quote", "start", "end", "iri", "triples", "decision")
_PREFIX_LINE = re.compile(r"^@prefix\s+([A-Za-z][\w-]*)?:\s*<([^>]*)>\s*\.", re.MULTILINE)
_CURIE = re.compile(r"(?<![\w<\"'])([A-Za-z][\w-]*):(?=[\w-])")


@dataclass(frozen=True)
class Accepted:
    line: int
    kind: str
    quote: str
    start: int
    iri: str
    triples: str
    graph: Graph


@dataclass(frozen=True)
class Applied:
    accepted: int
    rejected: int
    undecided: int
    triples: int
    evidence_lines: int
    written: list[Path]

    def summary(self) -> str:
        return (
            f"applied {self.accepted} rows ({self.rejected} rejected, {self.undecided} "
            f"undecided): {self.triples} triples, {self.evidence_lines} evidence lines; "
            "the data validates"
        )


def _prefix_block() -> str:
    return "".join(f"@prefix {p}: <{n}> .\n" for p, n in sorted(PREFIXES.items()))


def _short(node: URIRef) -> str:
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda p: -len(p[1])):
        local = str(node)[len(namespace) :]
        if str(node).startswith(namespace) and re.fullmatch(r"[\w-]+", local):
            return f"{prefix}:{local}"
    return f"<{node}>"


def read_draft(draft: Path, text: str) -> tuple[list[Accepted], int, int]:
    """The accepted rows of ``draft`` (checked against the source ``text``), and how many
    were rejected and left undecided. InputError at the first bad row."""
    try:
        content = draft.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("draft not found", path=str(draft)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the draft ({exc})", path=str(draft)) from None
    reader = csv.DictReader(io.StringIO(content, newline=""))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(
            f"not a draft: the header lacks {', '.join(missing)} (see kg draft)",
            path=str(draft),
            line=1,
        )
    accepted: list[Accepted] = []
    rejected = undecided = 0
    line = 2
    for row in _rows(reader, draft):
        here, line = line, reader.line_num + 1
        decision = (row.get("decision") or "").strip().lower()
        if decision in REJECT:
            rejected += 1
            continue
        if not decision:
            undecided += 1
            continue
        if decision not in ACCEPT:
            raise InputError(
                f"decision {decision!r}: accept, reject or empty", path=str(draft), line=here
            )
        accepted.append(_accepted(row, here, draft, text))
    return accepted, rejected, undecided


def _rows(reader: csv.DictReader[str], draft: Path) -> Iterator[dict[str, str]]:
    """The rows of ``reader``; a cell over csv's field limit (128 Ki characters, far
    beyond any quote or triples an author writes) is an InputError at its line."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(
                f"not a well-formed CSV draft ({exc})", path=str(draft), line=reader.line_num
            ) from None
        yield row


def _accepted(row: dict[str, str], line: int, draft: Path, text: str) -> Accepted:
    def fail(message: str) -> InputError:
        return InputError(message, path=str(draft), line=line)

    kind = (row.get("kind") or "").strip()
    if kind not in KINDS:
        raise fail(f"kind {kind!r}: one of {', '.join(KINDS)}")
    quote = nfc(row.get("quote") or "")
    if not quote:
        raise fail("an accepted row needs its quote")
    try:
        start = int(row.get("start") or "")
    except ValueError:
        raise fail(f"start {row.get('start')!r} is not a number") from None
    if text[start : start + len(quote)] != quote:
        # The author corrected the quote: its words must still be in the text.
        found = [m.start() for m in re.finditer(re.escape(quote), text)]
        if not found:
            raise fail(f"quote {quote[:60]!r} is not in the source text")
        start = min(found, key=lambda at: abs(at - start))
    triples = (row.get("triples") or "").strip()
    graph = Graph()
    if triples:
        try:
            graph.parse(data=_prefix_block() + triples, format="turtle")
        except Exception as exc:  # rdflib raises several kinds for bad Turtle
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise fail(f"triples are not Turtle: {message}") from None
        if any(isinstance(t, BNode) for triple in graph for t in triple):
            raise fail("triples have a blank node: name every resource with an IRI")
    iri = (row.get("iri") or "").strip()
    if not triples and not iri:
        raise fail("an accepted row needs an iri or triples")
    return Accepted(line, kind, quote, start, iri, triples, graph)


def _object_text(node: object) -> str | None:
    """``node`` as the evidence table's object column writes it; None if it cannot."""
    if isinstance(node, URIRef):
        return _short(node)
    if isinstance(node, Literal):
        lexical = str(node)
        if any(ch in lexical for ch in '\t\n\r"'):
            return None
        if node.datatype in (XSD.integer,) and re.fullmatch(r"[+-]?\d+", lexical):
            return lexical
        if node.language:
            return f'"{lexical}"@{node.language}'
        if node.datatype and node.datatype != XSD.string:
            return f'"{lexical}"^^{_short(node.datatype)}'
        return f'"{lexical}"'
    return None


#: What supports a statement that is not the row's own words (the basis of each
#: statement is said in the evidence table, issue 14): statements the editors make...
EDITORIAL = {
    QB.dataSet: "the figures read from an article make up its dataset",
    KGO.reportedIn: "the figure is read from this article",
    SDO.isPartOf: "the quotation is read from this article",
}
#: ...statements that follow from the model rather than the words...
INFERRED = {
    ORG.transitiveSubOrganizationOf: "every party organisation is part of the Communist Party "
    "of Vietnam",
}
#: ...and statements the sentence supports, not the row's words alone (the body a figure
#: is about, the period it covers, who said a quotation or holds a post).
SENTENCE = frozenset({KGO.scope, KGO.period, KGO.decidedBy, SDO.creator, ORG.heldBy})


def _sentence(text: str, start: int, end: int) -> tuple[str, int]:
    """The sentence around ``start``-``end`` and where it starts."""
    stops = ".!?;\n"
    begin = max(text.rfind(stop, 0, start) for stop in stops) + 1
    ends = [i for i in (text.find(stop, end) for stop in stops) if i >= 0]
    finish = min(ends) if ends else len(text)
    words = text[begin:finish]
    stripped = words.lstrip()
    return stripped.rstrip(), begin + len(words) - len(stripped)


def _occurrence_column(text: str, quote: str, start: int) -> str:
    occurrences = [m.start() for m in re.finditer(re.escape(quote), text)]
    if len(occurrences) < 2:
        return ""
    return str(occurrences.index(start) + 1 if start in occurrences else 1)


def _basis(
    item: Accepted, predicate: URIRef, obj: object, text: str, published: URIRef | None
) -> tuple[str, str, str]:
    """(basis, quote, reason) of one statement of ``item``."""
    if predicate in EDITORIAL:
        return "editorial", "", EDITORIAL[predicate]
    if predicate in INFERRED:
        return "inferred", "", INFERRED[predicate]
    if isinstance(obj, Literal) and obj.language and obj.language != "vi":
        return "editorial", "", f"the {obj.language} label, written by the author of the draft"
    if predicate == KGO.period and obj == published:
        return "editorial", "", "the publication date: the sentence names no other period"
    if predicate in SENTENCE:
        sentence, _ = _sentence(text, item.start, item.start + len(item.quote))
        return "quote", sentence, ""
    return "quote", item.quote, ""


def _token(predicate: URIRef, obj: object) -> str:
    name = "a" if predicate == RDF.type else _short(predicate)
    if predicate == RDFS.label and isinstance(obj, Literal) and obj.language:
        return f"{name}@{obj.language}"
    return name


def _evidence_lines(
    item: Accepted, text: str, facts_after: Graph, published: URIRef | None
) -> list[str]:
    """The evidence table lines for one accepted row: what an author writes by hand,
    each statement with its basis."""
    if not len(item.graph) and item.iri:
        # A mention of an entity the graph holds: the words name the resource.
        at = _occurrence_column(text, item.quote, item.start)
        return [f"{_short(URIRef(item.iri))}\t{item.quote}\t{at}"]
    # (subject, basis, quote, reason) -> predicate token -> objects
    groups: dict[tuple[URIRef, str, str, str], dict[str, set[object]]] = defaultdict(
        lambda: defaultdict(set)
    )
    for s, p, o in item.graph:
        assert isinstance(s, URIRef) and isinstance(p, URIRef)
        groups[(s, *_basis(item, p, o, text, published))][_token(p, o)].add(o)
    lines: list[str] = []
    for (subject, basis, quote, reason), tokens in sorted(groups.items(), key=lambda g: str(g[0])):
        at = ""
        if quote:
            start = item.start if quote == item.quote else text.find(quote)
            at = _occurrence_column(text, quote, start)
        whole: list[str] = []
        tail = f"\t{basis}\t{reason}" if basis != "quote" else ""
        lead = f"{_short(subject)}\t{quote}\t{at}"
        for token in sorted(tokens):
            ours = tokens[token]
            name, _, lang = token.partition("@")
            predicate = RDF.type if name == "a" else _expand(name)
            theirs = {
                o
                for o in facts_after.objects(subject, predicate)
                if not lang or (isinstance(o, Literal) and o.language == lang)
            }
            if theirs == ours:
                whole.append(token)
                continue
            for obj in sorted(ours, key=str):
                shown = _object_text(obj)
                if shown is None:
                    raise InputError(
                        f"the object of {name} cannot be written in the evidence table "
                        "(a tab, a line break or a quotation mark): write its evidence by hand",
                        line=item.line,
                    )
                lines.append(f"{lead}\t{name}\t{shown}{tail}")
        if whole:
            lines.append(
                f"{lead}\t{' '.join(whole)}\t{tail}" if tail else f"{lead}\t{' '.join(whole)}"
            )
    return lines


def _expand(curie: str) -> URIRef:
    prefix, _, local = curie.partition(":")
    return URIRef(PREFIXES[prefix] + local)


def _facts_block(source_id: str, existing: str, accepted: list[Accepted], draft: Path) -> str:
    declared = {m.group(1) or "" for m in _PREFIX_LINE.finditer(existing)}
    used = sorted(
        {m.group(1) for item in accepted for m in _CURIE.finditer(item.triples)}
        & set(PREFIXES) - declared
    )
    out = [existing.rstrip("\n"), ""]
    out += [f"@prefix {p}: <{PREFIXES[p]}> ." for p in used]
    out += [
        "",
        f"# Added by `kg draft apply` from {draft.name}: one block per accepted row.",
        f"<{facts_graph(source_id)}> {{",
    ]
    for item in accepted:
        if not item.triples:
            continue
        out += ["", f"    # {draft.name} line {item.line}: {item.quote[:70]}"]
        out += [f"    {line}" if line.strip() else "" for line in item.triples.splitlines()]
    out += ["}", ""]
    return "\n".join(out)


def apply_draft(source_id: str, draft: Path) -> Applied:
    """Apply the reviewed ``draft`` of source ``source_id`` to the checkout's data."""
    from kg.io.parse import load
    from kg.publish import evidence
    from kg.store import open_store
    from kg.validation.shacl import validate

    data = paths.data_dir()
    facts_file = data / source_id / "facts.trig"
    table_file = data / source_id / "evidence.tsv"
    text_file = data / "sources" / f"{source_id}.txt"
    for needed in (text_file, facts_file, table_file):
        if not needed.is_file():
            raise InputError(
                f"source {source_id!r} is not added (no {needed.relative_to(data.parent)}): "
                "add it with kg source add",
            )
    text = text_file.read_text(encoding="utf-8")
    accepted, rejected, undecided = read_draft(draft, text)
    existing_facts = facts_file.read_text(encoding="utf-8")
    new_facts = _facts_block(source_id, existing_facts, accepted, draft)
    facts_after = Graph()
    facts_after += load([facts_file]).graph(facts_graph(source_id))
    for item in accepted:
        facts_after += item.graph
    published_at = next(
        iter(facts_after.objects(KIND_NS["article"][source_id], SDO.datePublished)), None
    )
    published = KIND_NS["period"][str(published_at)[:10]] if published_at is not None else None
    lines: list[str] = []
    for item in accepted:
        try:
            lines += _evidence_lines(item, text, facts_after, published)
        except InputError as exc:
            raise InputError(exc.message, path=str(draft), line=item.line) from None
    existing_table = table_file.read_text(encoding="utf-8")
    new_table = (
        existing_table.rstrip("\n")
        + f"\n# Added by `kg draft apply` from {draft.name}.\n"
        + "".join(f"{line}\n" for line in lines)
    )
    with tempfile.TemporaryDirectory(prefix="kg-apply-") as staging_root:
        staging = Path(staging_root) / "data"
        shutil.copytree(data, staging, ignore=shutil.ignore_patterns(".*"))
        (staging / source_id / "facts.trig").write_text(new_facts, encoding="utf-8")
        (staging / source_id / "evidence.tsv").write_text(new_table, encoding="utf-8")
        with paths.using_data_dir(staging):
            rendered = evidence.render(source_id)
            (staging / source_id / "evidence.trig").write_text(rendered, encoding="utf-8")
            store = open_store("memory")
            try:
                # The gazetteer too: a draft links its places to the gazetteer's units.
                store.load(paths.shipped_sources())
                report = validate(store)
            finally:
                store.close()
    if not report.conforms:
        violations = [r for r in report.results if r.severity == "Violation"]
        first = violations[0] if violations else report.results[0]
        raise InputError(
            f"the draft's accepted rows do not validate ({len(violations)} violations; "
            f"nothing written): {first.source_shape} on {first.focus_node}: {first.message}",
            path=str(draft),
        )
    written = [facts_file, table_file, data / source_id / "evidence.trig"]
    write_together(
        [
            (facts_file, new_facts.encode("utf-8")),
            (table_file, new_table.encode("utf-8")),
            (written[2], rendered.encode("utf-8")),
        ]
    )
    return Applied(
        accepted=len(accepted),
        rejected=rejected,
        undecided=undecided,
        triples=sum(len(item.graph) for item in accepted),
        evidence_lines=len(lines),
        written=written,
    )


__all__ = ["COLUMNS", "Applied", "apply_draft", "read_draft"]
