"""kg link: administrative units across time, curated facts, party documents, VoID/DCAT."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

import kg.store
from kg.cli import cli
from kg.core import paths
from kg.core.errors import InputError
from kg.core.namespaces import DCAT, GRAPH, KGO, KIND_NS, SDO, VOID, links_graph
from kg.sparql import catalogue as queries

pytest.importorskip("vietnamadminunits")

PLACE = KIND_NS["place"]


@pytest.fixture(scope="module")
def admin_data():  # type: ignore[no-untyped-def]
    from kg.linking.admin import read_admin_data

    return read_admin_data()


@pytest.mark.slow
def test_every_link_file_is_up_to_date_and_regenerates_to_the_same_bytes(
    shipped_dataset: Dataset, admin_data: object
) -> None:
    from kg.linking.admin import admin_outputs, curated_outputs
    from kg.linking.gazetteer import gazetteer_output
    from kg.linking.linksets import reviewed_outputs, sssom_outputs, void_outputs

    for make in (
        lambda: [gazetteer_output(shipped_dataset, admin_data)],  # type: ignore[arg-type]
        lambda: admin_outputs(shipped_dataset, admin_data),  # type: ignore[arg-type]
        curated_outputs,
        reviewed_outputs,
        lambda: sssom_outputs(shipped_dataset),
        lambda: void_outputs(shipped_dataset),
    ):
        first, second = make(), make()
        assert [o.data for o in first] == [o.data for o in second]
        for output in first:
            assert output.path.read_bytes() == output.data, f"{output.path} is stale: kg link all"


@pytest.mark.slow
def test_link_all_check_passes() -> None:
    result = CliRunner().invoke(cli, ["link", "all", "--check"])
    assert result.exit_code == 0, result.output


def _value(ds: Dataset, s: URIRef, p: URIRef) -> set[str]:
    return {str(o) for _, _, o, _ in ds.quads((s, p, None, None))}


@pytest.mark.parametrize(
    ("place", "code"),
    [
        ("tinh-nam-dinh", "36"),  # legacy province
        ("huyen-nam-truc", "362"),  # legacy district
        ("xa-nam-dien-nam-truc", "13972"),  # the commune Điền Xá was merged into
        ("phuong-vi-khe-ninh-binh-2025", "13972"),  # the same code, a different unit
        ("tinh-ninh-binh-2025", "37"),
        ("tinh-ninh-binh", "37"),  # the legacy province had the code too
    ],
)
def test_codes_as_the_dataset_gives_them(shipped_dataset: Dataset, place: str, code: str) -> None:
    assert _value(shipped_dataset, PLACE[place], KGO.gsoCode) == {code}


def test_a_code_is_not_an_identity(shipped_dataset: Dataset) -> None:
    old, new = PLACE["xa-nam-dien-nam-truc"], PLACE["phuong-vi-khe-ninh-binh-2025"]
    assert _value(shipped_dataset, old, SDO.validThrough) == {"2025-06-30"}
    assert _value(shipped_dataset, new, SDO.validFrom) == {"2025-07-01"}
    assert (old, DCTERMS.isReplacedBy, new) in set(
        (s, p, o) for s, p, o, _ in shipped_dataset.quads((old, None, None, None))
    )
    assert str(new) in _value(shipped_dataset, old, DCTERMS.isReplacedBy)
    assert str(old) in _value(shipped_dataset, new, DCTERMS.replaces)


def test_dien_xa_is_absent_from_the_dataset_and_curated_with_sources(
    shipped_dataset: Dataset, admin_data: object
) -> None:
    from kg.linking.admin import admin_links

    links = admin_links(shipped_dataset, admin_data)  # type: ignore[arg-type]
    assert [p.iri for p in links.resolution.absent] == [PLACE["xa-dien-xa"]]
    assert set(links.resolution.districts) == {PLACE["huyen-nam-truc"]}
    curated = shipped_dataset.graph(links_graph("admin-units-curated"))
    assert (PLACE["xa-dien-xa"], DCTERMS.isReplacedBy, PLACE["xa-nam-dien-nam-truc"]) in curated


def test_every_curated_fact_names_a_described_source(shipped_dataset: Dataset) -> None:
    from kg.linking.admin import read_curated

    source_ns = str(KIND_NS["source"])
    for table in sorted((paths.data_dir() / "links").glob("*-curated.tsv")):
        for fact in read_curated(table):
            assert fact.source.startswith("source:"), (table, fact.line)
            iri = URIRef(source_ns + fact.source.split(":", 1)[1])
            assert any(shipped_dataset.quads((iri, RDF.type, None, None))), (table, fact.line)


def test_a_curated_fact_with_a_relative_iri_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Parsed with no base, a relative IRI would have become a file:/// IRI of the
    # current folder in the generated links.
    from kg.linking.admin import CURATED_COLUMNS, curated_graph

    monkeypatch.chdir(tmp_path)
    table = tmp_path / "relative-curated.tsv"
    rows = ["\t".join(CURATED_COLUMNS), "place:a\tdct:isReplacedBy\t<b>\tsource:x\tnote"]
    table.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="relative IRI <b> and no base IRI") as caught:
        curated_graph(table)
    assert caught.value.line == 2


def test_what_covers_the_former_nam_truc_district_today() -> None:
    result = kg.store.run(queries.get("what-covers-former-unit"), {"lang": "vi"})
    rows = {str(r["today"]): r for r in result.rows}  # type: ignore[index]
    assert len(rows) == 7
    vi_khe = rows[str(PLACE["phuong-vi-khe-ninh-binh-2025"])]
    assert str(vi_khe["code"]) == "13972"
    assert str(vi_khe["province"]) == str(PLACE["tinh-ninh-binh-2025"])
    # two successive replacements: Điền Xá -> Nam Điền (2024) -> Vị Khê (2025)
    parts = {str(r["partLabel"]) for r in result.rows if str(r["today"]) == str(vi_khe["today"])}  # type: ignore[index]
    assert parts == {"xã Điền Xá", "xã Nam Mỹ", "xã Nam Toàn", "xã Nam Điền"}


def test_the_regulations_are_an_inference_kept_apart(shipped_dataset: Dataset) -> None:
    inferred = links_graph("inferred/exemplary-responsibility-regulations")
    graph = shipped_dataset.graph(inferred)
    assert (inferred, RDF.type, KGO.Inference) in graph
    assert any(graph.objects(inferred, KGO.justification))
    group = KIND_NS["document"]["quy-dinh-trach-nhiem-neu-guong"]
    parts = {str(o)[len(str(KIND_NS["document"])) :] for o in graph.objects(group, DCTERMS.hasPart)}
    assert parts == {"101-qd-tw-khoa-xi", "55-qd-tw-khoa-xii", "08-qdi-tw-khoa-xii"}
    elsewhere = [
        g
        for _, _, _, g in shipped_dataset.quads((group, DCTERMS.hasPart, None, None))
        if g != inferred
    ]
    assert not elsewhere


def test_void_and_dcat_describe_the_dataset_and_its_linksets(shipped_dataset: Dataset) -> None:
    void = shipped_dataset.graph(GRAPH["void"])
    dataset = KIND_NS["dataset"]["kg"]
    assert (dataset, RDF.type, DCAT.Dataset) in void
    assert len(set(void.objects(dataset, DCAT.distribution))) == 6  # one per RDF format
    mappings = KIND_NS["dataset"]["kg-mappings"]
    assert (mappings, DCAT.distribution, KIND_NS["distribution"]["kg-mappings-sssom"]) in void
    linksets = set(void.subjects(RDF.type, VOID.Linkset))
    assert linksets
    counts = {
        str(void.value(ls, VOID.objectsTarget)).rsplit("/", 1)[-1]: int(
            void.value(ls, VOID.triples)
        )  # type: ignore[arg-type]
        for ls in linksets
        if void.value(ls, VOID.linkPredicate) != DCTERMS.isReplacedBy
    }
    assert counts["wikidata"] >= 1 and counts["osm"] == 3
    assert (
        dataset,
        DCTERMS.license,
        URIRef("https://creativecommons.org/licenses/by/4.0/"),
    ) in void
    assert any(void.objects(dataset, RDFS.label))
    assert Literal("kg contributors", lang="en") in set(
        void.objects(KIND_NS["body"]["kg-contributors"], RDFS.label)
    )


@pytest.mark.slow
def test_units_export_is_sorted_ntriples(admin_data: object) -> None:
    from kg.linking.admin import units_ntriples

    data = units_ntriples(admin_data)  # type: ignore[arg-type]
    lines = data.decode("utf-8").splitlines()
    assert lines == sorted(lines)
    assert any('"13972"' in line for line in lines)


def test_wikidata_candidates_are_never_written_under_data_links(tmp_path: Path) -> None:
    target = paths.data_dir() / "links" / "candidates.tsv"
    result = CliRunner().invoke(
        cli, ["link", "wikidata", "--endpoint", "http://127.0.0.1:9/sparql", "-o", str(target)]
    )
    assert not target.exists()
    assert result.exit_code == 2
