"""The shipped model and data: one prefix map, NFC text, IRIs under one base, named graphs."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Literal, URIRef

from kg.core import paths
from kg.core.namespaces import BASE, G_ONTOLOGY, G_VOCABULARY, GRAPH, PREFIXES

RDF_FILES = sorted(
    [*paths.ontology_dir().glob("*.ttl"), *paths.data_dir().rglob("*.trig")],
    key=str,
)
PREFIX_LINE = re.compile(r"^@prefix\s+([A-Za-z][\w-]*)?:\s*<([^>]*)>\s*\.", re.MULTILINE)

# The article as received (sha256 of the UTF-8 bytes). Evidence offsets point into
# exactly this text: changing it means regenerating and re-checking all evidence.
SOURCE_SHA256 = {
    "nam-truc-2021-11-01.txt": "1a9cd72703faf8736b4228f5cfcba2d68903f102fa856aca1ffbd9ecfd50c369",
}


@pytest.mark.parametrize("path", RDF_FILES, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_files_declare_the_project_prefixes(path: Path) -> None:
    declared = PREFIX_LINE.findall(path.read_text(encoding="utf-8"))
    assert declared, f"{path} declares no prefixes"
    for prefix, iri in declared:
        assert PREFIXES.get(prefix) == iri, (
            f"{path}: prefix {prefix}: <{iri}> differs from kg.core.namespaces"
        )


@pytest.mark.parametrize(("name", "digest"), sorted(SOURCE_SHA256.items()))
def test_the_source_texts_are_unchanged(name: str, digest: str) -> None:
    raw = (paths.data_dir() / "sources" / name).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == digest
    assert unicodedata.is_normalized("NFC", raw.decode("utf-8"))


def test_every_literal_is_nfc(shipped_dataset: Dataset) -> None:
    bad = [
        (s, p, o)
        for s, p, o, _ in shipped_dataset.quads((None, None, None, None))
        if isinstance(o, Literal) and not unicodedata.is_normalized("NFC", str(o))
    ]
    assert not bad


def test_no_blank_nodes(shipped_dataset: Dataset) -> None:
    blank = [
        q
        for q in shipped_dataset.quads((None, None, None, None))
        if any(isinstance(t, BNode) for t in q[:3])
    ]
    assert not blank


def test_graphs_are_kept_apart(shipped_dataset: Dataset) -> None:
    names = {g.identifier for g in shipped_dataset.graphs() if len(g)}
    assert G_ONTOLOGY in names and G_VOCABULARY in names
    assert GRAPH["facts/nam-truc-2021-11-01"] in names
    assert GRAPH["evidence/nam-truc-2021-11-01"] in names
    assert all(str(name).startswith(str(GRAPH)) for name in names)
    facts = shipped_dataset.graph(GRAPH["facts/nam-truc-2021-11-01"])
    evidence = shipped_dataset.graph(GRAPH["evidence/nam-truc-2021-11-01"])
    # The article's facts and their evidence share no triple.
    assert not set(facts) & set(evidence)


def test_every_subject_is_under_the_base(shipped_dataset: Dataset) -> None:
    outside = {
        s
        for s, _, _, g in shipped_dataset.quads((None, None, None, None))
        if g not in (G_ONTOLOGY,) and isinstance(s, URIRef) and not str(s).startswith(BASE)
    }
    # The ontology restates a few axioms of reused vocabularies; the data describes only
    # its own resources.
    assert not outside, sorted(outside)[:5]
