"""Evidence: every quote is found verbatim at its offsets, every statement of the facts is
evidenced or marked, and the table is checked."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDF

from kg.core import paths
from kg.core.errors import InputError
from kg.core.namespaces import KGO, KIND_NS, OA, evidence_graph, facts_graph
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
def test_every_quoted_line_is_an_annotation_body(shipped_dataset: Dataset, slug: str) -> None:
    graph = shipped_dataset.graph(evidence_graph(slug))
    bodies = set(graph.objects(None, OA.hasBody))
    statements = set(graph.subjects(RDF.type, RDF.Statement))
    rows = evidence.read_table(slug)
    assert {row.subject for row in rows if row.basis == "quote"} == bodies - statements


@pytest.mark.parametrize("slug", SLUGS)
def test_every_statement_of_the_facts_is_evidenced_or_marked(
    shipped_dataset: Dataset, slug: str
) -> None:
    facts = shipped_dataset.graph(facts_graph(slug))
    graph = shipped_dataset.graph(evidence_graph(slug))
    reified = {
        (
            graph.value(node, RDF.subject),
            graph.value(node, RDF.predicate),
            graph.value(node, RDF.object),
        ): node
        for node in graph.subjects(RDF.type, RDF.Statement)
    }
    assert len(facts) > 600
    bases: Counter[URIRef] = Counter()
    for triple in facts:
        node = reified.get(triple)
        assert node is not None, f"no evidence and no mark: {triple}"
        basis = set(graph.objects(node, KGO.basis))
        if (None, OA.hasBody, node) in graph:
            assert basis == {KGO.quoted}, triple
        else:
            # Marked, never quoted: a mark says why the words are not there.
            assert len(basis) == 1 and basis <= {KGO.editorial, KGO.inferred}, triple
            assert all(r.language == "en" for r in graph.objects(node, KGO.reason)), triple
            assert graph.value(node, KGO.reason) is not None, triple
        bases.update(basis)
    # Every reified statement is one of the facts: nothing stale is left in the table.
    assert set(reified) == set(facts)
    assert bases[KGO.quoted] > 300, "most statements are quoted"


@pytest.mark.parametrize("slug", SLUGS)
def test_each_statement_node_reifies_one_triple(shipped_dataset: Dataset, slug: str) -> None:
    # One node per triple, each with one subject, predicate and object: the node maps
    # 1:1 onto an RDF 1.2 reifier (node rdf:reifies <<( s p o )>>), see docs/evidence.md.
    graph = shipped_dataset.graph(evidence_graph(slug))
    seen: set[tuple[object, ...]] = set()
    for node in graph.subjects(RDF.type, RDF.Statement):
        parts = tuple(
            list(graph.objects(node, part)) for part in (RDF.subject, RDF.predicate, RDF.object)
        )
        assert all(len(values) == 1 for values in parts), node
        triple = tuple(values[0] for values in parts)
        assert triple not in seen
        seen.add(triple)
        assert node == evidence.statement_iri(slug, triple)  # type: ignore[arg-type]


@pytest.mark.parametrize("slug", SLUGS)
def test_the_words_of_a_quoted_statement_name_its_object_when_they_can(
    shipped_dataset: Dataset, slug: str
) -> None:
    # A spot check of the table's honesty: a quoted exact value is written in its words.
    graph = shipped_dataset.graph(evidence_graph(slug))
    for node in graph.subjects(RDF.predicate, KGO.exactValue):
        value = graph.value(node, RDF.object)
        for annotation in graph.subjects(OA.hasBody, node):
            target = graph.value(annotation, OA.hasTarget)
            exacts = [graph.value(s, OA.exact) for s in graph.objects(target, OA.hasSelector)]
            assert any(str(value) in str(exact) for exact in exacts if exact is not None)


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


FACTS = """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix kgo: <https://w3id.org/vn-kg/ontology#> .
@prefix statistic: <https://w3id.org/vn-kg/id/statistic/> .
<https://w3id.org/vn-kg/graph/facts/sample> {
    statistic:x a kgo:Count ; kgo:exactValue 63 ;
        rdfs:label "số tổ chức cơ sở đảng"@vi , "base party organisations"@en .
}
"""
HEAD = "subject\tquote\toccurrence\tpredicates\tobject\tbasis\treason\n"


def _table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> str:
    slug = "sample"
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / f"{slug}.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / slug).mkdir()
    (tmp_path / slug / "evidence.tsv").write_text(body, encoding="utf-8")
    (tmp_path / slug / "facts.trig").write_text(FACTS, encoding="utf-8")
    monkeypatch.setattr(paths, "data_dir", lambda: tmp_path)
    return slug


@pytest.mark.parametrize(
    ("body", "message", "line"),
    [
        ("subject\tquote\n", "the header must be", 1),
        ("# comment\nsubject\tquote\toccurrence\nstatistic:x\n", "expected 2 to 7", 3),
        (
            HEAD + "statistic:x\t63\t\tkgo:exactValue\t64\n",
            "not in the facts graph: statistic:x",
            2,
        ),
        (
            HEAD + "statistic:x\t63\t\tkgo:unit\n",
            "not in the facts graph: statistic:x kgo:unit ?",
            2,
        ),
        (HEAD + "statistic:y\t63\t\tkgo:exactValue\n", "not in the facts graph", 2),
        (HEAD + "statistic:x\t63\t\tnope:unit\n", "unknown prefix in 'nope:unit'", 2),
        (HEAD + "statistic:x\t63\t\tkgo:exactValue\tnope:x\n", "unknown prefix", 2),
        (HEAD + "statistic:x\t\t\ta\t\teditorial\n", "needs its reason", 2),
        (HEAD + "statistic:x\t\t\t\t\teditorial\twhy\n", "names its statements", 2),
        (HEAD + "statistic:x\t63\t\ta\t\tinferred\twhy\n", "has no quote", 2),
        (HEAD + "statistic:x\t\t\ta\n", "needs the basis editorial or inferred", 2),
        (HEAD + "statistic:x\t63\t\ta\t\tguessed\n", "basis must be one of", 2),
        (HEAD + "*\t63\t\ta\n", "not of every one", 2),
        (HEAD + "statistic:x\t63\t\t*\n", "only marks statements", 2),
        (HEAD + "statistic:x\t63\t\t\tkgo:Count\n", "an object needs its predicates", 2),
        (HEAD + "statistic:x\t63\t\trdfs:label@1x\n", "not a language tag", 2),
        (HEAD + "statistic:x\tNam Định\t\ta\n", "not found", 2),
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


def _render(slug: str) -> Dataset:
    dataset = Dataset()
    dataset.parse(data=evidence.render(slug), format="trig")
    return dataset


def _statements(dataset: Dataset, slug: str) -> dict[tuple[object, ...], URIRef]:
    graph = dataset.graph(evidence_graph(slug))
    return {
        (graph.value(n, RDF.subject), graph.value(n, RDF.predicate), graph.value(n, RDF.object)): n
        for n in graph.subjects(RDF.type, RDF.Statement)
    }


X = URIRef(KIND_NS["statistic"]["x"])


def test_a_quoted_line_reifies_its_statements_as_bodies_of_the_annotation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slug = _table(
        tmp_path, monkeypatch, HEAD + "statistic:x\t63 tổ chức\t\ta kgo:exactValue rdfs:label@vi\n"
    )
    dataset = _render(slug)
    graph = dataset.graph(evidence_graph(slug))
    statements = _statements(dataset, slug)
    assert set(statements) == {
        (X, RDF.type, KGO.Count),
        (X, KGO.exactValue, Literal(63)),
        (
            X,
            URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
            Literal("số tổ chức cơ sở đảng", lang="vi"),
        ),
    }
    (annotation,) = graph.subjects(RDF.type, OA.Annotation)
    assert set(graph.objects(annotation, OA.hasBody)) == {X, *statements.values()}
    assert all(graph.value(n, KGO.basis) == KGO.quoted for n in statements.values())


def test_a_star_line_fills_in_only_what_no_other_line_covers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slug = _table(
        tmp_path,
        monkeypatch,
        HEAD
        + "*\t\t\t*\t\teditorial\tthe rest\n"
        + "statistic:x\t\t\trdfs:label\t@en\teditorial\ta translation\n"
        + "statistic:x\t63 tổ chức\t\tkgo:exactValue\n",
    )
    dataset = _render(slug)
    graph = dataset.graph(evidence_graph(slug))
    statements = _statements(dataset, slug)
    assert len(statements) == 4
    label_en = statements[
        (
            X,
            URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
            Literal("base party organisations", lang="en"),
        )
    ]
    assert graph.value(label_en, KGO.reason) == Literal("a translation", lang="en")
    value = statements[(X, KGO.exactValue, Literal(63))]
    assert set(graph.objects(value, KGO.basis)) == {KGO.quoted}
    typed = statements[(X, RDF.type, KGO.Count)]
    assert graph.value(typed, KGO.basis) == KGO.editorial
    assert graph.value(typed, KGO.reason) == Literal("the rest", lang="en")


def test_the_old_table_of_resources_still_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slug = _table(tmp_path, monkeypatch, "subject\tquote\toccurrence\nstatistic:x\t63 tổ chức\t\n")
    assert _statements(_render(slug), slug) == {}


def test_generate_names_the_table_line_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from kg.cli import cli
    from kg.core.errors import EXIT_ERROR

    _table(tmp_path, monkeypatch, HEAD + "# a comment\nstatistic:x\t63\t\tkgo:exactValue\t64\n")
    result = CliRunner().invoke(cli, ["generate", "evidence"])
    assert result.exit_code == EXIT_ERROR
    (line,) = [line for line in result.output.splitlines() if line]
    assert line.startswith("kg: error: ") and "evidence.tsv:3: not in the facts graph" in line
