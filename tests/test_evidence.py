"""Evidence: every quote is found verbatim at its offsets, and the table is checked."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDF

from kg.core import paths
from kg.core.errors import InputError
from kg.core.namespaces import KGO, KIND_NS, OA, evidence_graph
from kg.publish import evidence

SLUGS = evidence.slugs()


def test_there_is_evidence_for_the_article() -> None:
    assert "nam-truc-2021-11-01" in SLUGS


@pytest.mark.parametrize("slug", SLUGS)
def test_every_quote_is_found_verbatim_at_its_offsets(shipped_dataset: Dataset, slug: str) -> None:
    # The source is read from the file, not from the graph, so that this test does not
    # trust the graph's copy of the text.
    text = evidence.source_path(slug).read_text(encoding="utf-8")
    graph = shipped_dataset.graph(evidence_graph(slug))
    annotations = list(graph.subjects(RDF.type, OA.Annotation))
    assert annotations
    for annotation in annotations:
        target = graph.value(annotation, OA.hasTarget)
        selectors = {graph.value(s, RDF.type): s for s in graph.objects(target, OA.hasSelector)}
        quote, position = selectors[OA.TextQuoteSelector], selectors[OA.TextPositionSelector]
        start = int(graph.value(position, OA.start))
        end = int(graph.value(position, OA.end))
        exact = str(graph.value(quote, OA.exact))
        assert text[start:end] == exact, annotation
        assert text[:start].endswith(str(graph.value(quote, OA.prefix))), annotation
        assert text[end:].startswith(str(graph.value(quote, OA.suffix))), annotation
        assert graph.value(target, OA.hasSource) == KIND_NS["source"][slug]


@pytest.mark.parametrize("slug", SLUGS)
def test_the_graph_carries_the_source_text_unchanged(shipped_dataset: Dataset, slug: str) -> None:
    text = evidence.source_path(slug).read_text(encoding="utf-8")
    graph = shipped_dataset.graph(evidence_graph(slug))
    assert graph.value(KIND_NS["source"][slug], KGO.text) == Literal(text)


@pytest.mark.parametrize("slug", SLUGS)
def test_every_line_of_the_table_is_an_annotation_body(shipped_dataset: Dataset, slug: str) -> None:
    graph = shipped_dataset.graph(evidence_graph(slug))
    bodies = set(graph.objects(None, OA.hasBody))
    rows = evidence.read_table(slug)
    assert {row.subject for row in rows} == bodies


TEXT = "Đảng bộ huyện Nam Trực hiện có 63 tổ chức cơ sở đảng; Nam Trực."


def test_locate_gives_code_point_offsets_and_context() -> None:
    span = evidence.locate(TEXT, "63 tổ chức")
    assert TEXT[span.start : span.end] == "63 tổ chức"
    assert span.prefix.endswith("hiện có ")
    assert span.suffix.startswith(" cơ sở")


def test_an_ambiguous_quote_needs_its_occurrence() -> None:
    with pytest.raises(ValueError, match="found 2 times; give its occurrence"):
        evidence.locate(TEXT, "Nam Trực")
    assert evidence.locate(TEXT, "Nam Trực", 2).start == TEXT.rindex("Nam Trực")
    with pytest.raises(ValueError, match="found 2 times, not 3"):
        evidence.locate(TEXT, "Nam Trực", 3)


def test_a_quote_not_in_the_source_is_an_error() -> None:
    with pytest.raises(ValueError, match="not found"):
        evidence.locate(TEXT, "Nam Định")


def test_a_quote_in_another_normal_form_is_not_found() -> None:
    import unicodedata

    with pytest.raises(ValueError, match="not found"):
        evidence.locate(TEXT, unicodedata.normalize("NFD", "Nam Trực hiện"))


def _table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> str:
    slug = "sample"
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / f"{slug}.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / slug).mkdir()
    (tmp_path / slug / "evidence.tsv").write_text(body, encoding="utf-8")
    monkeypatch.setattr(paths, "data_dir", lambda: tmp_path)
    return slug


@pytest.mark.parametrize(
    ("body", "message", "line"),
    [
        ("subject\tquote\n", "the header must be", 1),
        ("# comment\nsubject\tquote\toccurrence\nstatistic:x\n", "expected 2 or 3", 3),
        ("subject\tquote\toccurrence\nnope:x\t63\n", "unknown prefix", 2),
        ("subject\tquote\toccurrence\nstatistic:x\tNam Trực\tfirst\n", "positive integer", 2),
        ("subject\tquote\toccurrence\nstatistic:x\tNam Trực\t0\n", "1 or more", 2),
        ("subject\tquote\toccurrence\nstatistic:x\tNam Trực\n", "found 2 times", 2),
        ("subject\tquote\toccurrence\nstatistic:x\tNam Định\n", "not found", 2),
    ],
)
def test_table_errors_name_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, message: str, line: int
) -> None:
    slug = _table(tmp_path, monkeypatch, body)
    with pytest.raises(InputError, match=message) as caught:
        evidence.render(slug)
    assert caught.value.line == line
    assert caught.value.path is not None and caught.value.path.endswith("evidence.tsv")


def test_render_merges_facts_that_cite_the_same_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slug = _table(
        tmp_path,
        monkeypatch,
        "subject\tquote\toccurrence\nstatistic:a\t63 tổ chức\t\nstatistic:b\t63 tổ chức\t\n",
    )
    dataset = Dataset()
    dataset.parse(data=evidence.render(slug), format="trig")
    graph = dataset.graph(evidence_graph(slug))
    (annotation,) = graph.subjects(RDF.type, OA.Annotation)
    assert set(graph.objects(annotation, OA.hasBody)) == {
        URIRef(KIND_NS["statistic"]["a"]),
        URIRef(KIND_NS["statistic"]["b"]),
    }
