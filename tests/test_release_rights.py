"""The rights the release states are those of what its files hold: a file that carries a
source's full text (``kgo:text``) is not simply CC BY 4.0, and says so (``dct:rights``),
as does the source text itself; the gazetteer's files carry vietnamadminunits' MIT
notice (LICENSES/README.md)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS

from kg.core import paths
from kg.core.namespaces import BASE, KGO, KIND_NS
from kg.io import formats
from kg.publish.build import build
from kg.validation.shacl import validate

ROOT = Path(__file__).resolve().parents[1]
SOURCE = KIND_NS["source"]["nam-truc-2021-11-01"]
MIT_COPYRIGHT = "Copyright (c) 2025 Tran Ngoc Minh Hieu"


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("release")
    assert build(folder).ok
    return folder


def holds_source_text(path: Path) -> bool:
    """Whether the RDF file at ``path`` states a ``kgo:text``, read as its format is."""
    fmt = formats.by_extension(path.name, formats.export_formats())
    assert fmt is not None, path
    graphs = Dataset()
    graphs.parse(path, format=fmt.parser)
    return any(True for _ in graphs.quads((None, KGO.text, None, None)))


def rights_of(catalogue: Graph, distribution: URIRef) -> list[str]:
    """The English labels of the rights statements of ``distribution``."""
    statements = list(catalogue.objects(distribution, DCTERMS.rights))
    for statement in statements:
        assert (statement, RDF.type, DCTERMS.RightsStatement) in catalogue
    return [
        str(label)
        for statement in statements
        for label in catalogue.objects(statement, RDFS.label)
        if isinstance(label, Literal) and label.language == "en"
    ]


@pytest.mark.slow
def test_a_distribution_whose_file_holds_a_source_text_says_so(release: Path) -> None:
    [path] = release.glob("*.catalog.ttl")
    catalogue = Graph().parse(path, format="turtle")
    checked = 0
    for distribution, url in catalogue.subject_objects(DCAT.downloadURL):
        name = str(url).removeprefix(BASE + "dist/")
        file = release / name
        assert file.is_file(), url
        if name.endswith(formats.MAPPINGS_RELEASE) or "gazetteer" in name:
            continue
        # Every kg file carries the article (the gazetteer is checked below, unparsed:
        # 250,000 triples through rdflib take a minute).
        assert holds_source_text(file), name
        labels = rights_of(catalogue, distribution)
        assert any("not offered under CC BY 4.0" in label for label in labels), name
        assert any(MIT_COPYRIGHT in label for label in labels), name
        checked += 1
    assert checked == len(formats.export_formats())


@pytest.mark.slow
def test_the_gazetteer_files_carry_the_mit_notice_and_no_source_text(release: Path) -> None:
    [path] = release.glob("*.catalog.ttl")
    catalogue = Graph().parse(path, format="turtle")
    for extension in formats.GAZETTEER_FORMATS:
        fmt = formats.by_name(extension)
        assert fmt is not None and fmt.extension is not None
        name = f"kg-0.1.0.{formats.GAZETTEER_RELEASE}.{fmt.extension}"
        file = release / name
        texts = ox.Store()
        texts.bulk_load(path=str(file), format=ox.RdfFormat.from_extension(fmt.extension))
        assert not list(texts.quads_for_pattern(None, ox.NamedNode(str(KGO.text)), None)), name
        [distribution] = catalogue.subjects(DCAT.downloadURL, URIRef(BASE + "dist/" + name))
        [label] = rights_of(catalogue, distribution)
        assert "MIT" in label and MIT_COPYRIGHT in label
        assert "shall be included in all copies" in label
    notice = (ROOT / "LICENSES" / "vietnamadminunits-MIT.txt").read_text(encoding="utf-8")
    assert MIT_COPYRIGHT in notice
    assert "vietnamadminunits-MIT.txt" in (ROOT / "LICENSES" / "README.md").read_text("utf-8")


def test_a_source_text_without_its_rights_does_not_conform() -> None:
    evidence = Dataset()
    evidence.parse(paths.data_dir() / "nam-truc-2021-11-01" / "evidence.trig", format="trig")
    graph = Dataset()
    for s, p, o, _ in evidence.quads((SOURCE, None, None, None)):
        graph.add((s, p, o))
    for _, _, rights, _ in evidence.quads((SOURCE, DCTERMS.rights, None, None)):
        for s, p, o, _ in evidence.quads((rights, None, None, None)):
            graph.add((s, p, o))
    message = "a source text says whose rights it is quoted under"
    assert not [r for r in validate(graph).results if message in r.message]
    graph.remove((SOURCE, DCTERMS.rights, None))
    assert [r for r in validate(graph).results if message in r.message]
