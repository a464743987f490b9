"""The country-wide gazetteer (data/gazetteer/admin-units.trig, docs/gazetteer.md): both
snapshots whole, succession qualified, its stored queries Vietnamese-aware, and a unit's
page in a real ``kg serve``.

The gazetteer is read with pyoxigraph here (half a second; rdflib takes about ten), and
the stored queries run on the shared in-memory Oxigraph store of ``kg.store.shipped``.
"""

from __future__ import annotations

import unicodedata
import urllib.request
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

import kg.store
from kg.core import paths
from kg.core.prefixes import ID
from kg.sparql import catalogue as queries
from serve_helper import kg_server, kg_server_factory  # noqa: F401 (fixtures)

pytest.importorskip("vietnamadminunits")

PLACE = ID + "place/"
PREFIXES = """PREFIX kgo: <https://w3id.org/vn-kg/ontology#>
PREFIX schema: <https://schema.org/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""
REFORM = "<https://w3id.org/vn-kg/id/event/sap-xep-don-vi-hanh-chinh-2025>"


@pytest.fixture(scope="module")
def gazetteer() -> Iterator[ox.Store]:
    store = ox.Store()
    for path in paths.gazetteer_sources():
        store.load(path=str(path), format=ox.RdfFormat.TRIG)
    yield store


def count(store: ox.Store, where: str) -> int:
    rows = list(store.query(PREFIXES + f"SELECT (COUNT(DISTINCT ?u) AS ?n) WHERE {{ {where} }}"))
    return int(rows[0]["n"].value)


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (f"GRAPH ?g {{ ?u a kgo:Province ; prov:wasInvalidatedBy {REFORM} }}", 63),
        (f"GRAPH ?g {{ ?u a kgo:Province ; prov:wasGeneratedBy {REFORM} }}", 34),
        # 10,040 rows of the legacy table, 5 of them island districts without communes
        (
            f"GRAPH ?g {{ ?u a ?c ; prov:wasInvalidatedBy {REFORM} . "
            "FILTER (?c IN (kgo:Commune, kgo:Ward, kgo:Township)) }",
            10035,
        ),
        (
            f"GRAPH ?g {{ ?u a ?c ; prov:wasInvalidatedBy {REFORM} . "
            "FILTER (?c IN (kgo:District, kgo:UrbanDistrict, kgo:DistrictTown, "
            "kgo:ProvincialCity)) }",
            696,
        ),
        (
            f"GRAPH ?g {{ ?u a ?c ; prov:wasGeneratedBy {REFORM} . "
            "FILTER (?c IN (kgo:Commune, kgo:Ward, kgo:SpecialZone)) }",
            3321,
        ),
        # every unit of both tables has a point
        ("GRAPH ?g { ?u geo:hasCentroid ?c . ?c geo:asWKT ?w }", 14149),
    ],
)
def test_both_snapshots_whole(gazetteer: ox.Store, where: str, expected: int) -> None:
    assert count(gazetteer, where) == expected


def test_every_legacy_unit_is_replaced_and_divided_ones_in_part(gazetteer: ox.Store) -> None:
    unreplaced = f"""GRAPH ?g {{ ?u prov:wasInvalidatedBy {REFORM} .
        FILTER NOT EXISTS {{ ?u dct:isReplacedBy ?x }} }}"""
    assert count(gazetteer, unreplaced) == 0
    # a commune divided among several 2025 units: An Khánh, Hoài Đức (Hà Nội)
    rows = gazetteer.query(
        PREFIXES + f"SELECT ?s ?p WHERE {{ GRAPH ?g {{ <{PLACE}xa-an-khanh-hoai-duc> ?p ?s . "
        "FILTER (?p IN (kgo:isWhollyReplacedBy, kgo:isPartlyReplacedBy)) } }"
    )
    found = {(r["s"].value.rsplit("/", 1)[1], r["p"].value.rsplit("#", 1)[1]) for r in rows}
    assert found == {
        ("phuong-tay-mo-ha-noi-2025", "isPartlyReplacedBy"),
        ("xa-son-dong-ha-noi-2025", "isPartlyReplacedBy"),
        ("xa-an-khanh-ha-noi-2025", "isPartlyReplacedBy"),
    }


def test_the_slice_keeps_its_iris_inside_the_gazetteer(gazetteer: ox.Store) -> None:
    import re

    slice_text = (paths.data_dir() / "links" / "admin-units.trig").read_text(encoding="utf-8")
    for local in sorted(set(re.findall(r"place:([a-z0-9-]+)", slice_text))):
        assert count(gazetteer, f"GRAPH ?g {{ BIND (<{PLACE}{local}> AS ?u) ?u a ?c }}") == 1, local


def test_generation_is_deterministic_and_up_to_date() -> None:
    from kg.linking.admin import read_admin_data
    from kg.linking.gazetteer import gazetteer_output

    data = read_admin_data()
    first, second = gazetteer_output(data=data), gazetteer_output(data=data)
    assert first.data == second.data
    assert first.path.read_bytes() == first.data, "stale: kg link admin"


def run(query: str, **values: str) -> list[dict[str, str]]:
    result = kg.store.run(queries.get(query), values)
    return [{k: str(v) for k, v in row.items()} for row in result.rows]  # type: ignore[union-attr]


def test_a_code_names_a_unit_only_with_a_day() -> None:
    before = run("unit-with-code-on-day", code="13972", day="2025-06-30")
    after = run("unit-with-code-on-day", code="13972", day="2025-07-01")
    assert [r["unit"] for r in before] == [PLACE + "xa-nam-dien-nam-truc"]
    assert [r["unit"] for r in after] == [PLACE + "phuong-vi-khe-ninh-binh-2025"]


NFD = unicodedata.normalize("NFD", "Xã Nam Điền")


@pytest.mark.parametrize(
    "name", ["Nam Điền", "nam dien", "Xã Nam Điền", "xa nam dien", "X. Nam Điền", NFD, "NAM ĐIỀN"]
)
def test_units_by_name_fold_as_vietnamese_is_written(name: str) -> None:
    units = {r["unit"] for r in run("units-by-name", name=name)}
    assert units == {
        PLACE + "xa-nam-dien-nam-truc",
        PLACE + "xa-nam-dien-nghia-hung",
        PLACE + "xa-nam-dien-thach-ha",
    }


def test_units_by_name_finds_the_former_communes_of_kgs_links() -> None:
    # The gazetteer's source has only the Điền Xá of Quảng Ninh; the article's, merged
    # in 2024, is in kg's hand-curated links, with its district and its end.
    rows = {r["unit"]: r for r in run("units-by-name", name="Điền Xá")}
    assert set(rows) == {
        PLACE + "xa-dien-xa",
        PLACE + "xa-dien-xa-tien-yen",
        PLACE + "xa-dien-xa-quang-ninh-2025",
    }
    article = rows[PLACE + "xa-dien-xa"]
    assert (article["parentLabel"], article["validThrough"]) == ("Nam Trực district", "2024-07-22")
    assert "code" not in article


def test_units_by_name_with_old_and_new_tone_placement() -> None:
    old, new = run("units-by-name", name="Hoà Bình"), run("units-by-name", name="Hòa Bình")
    assert old and {r["unit"] for r in old} == {r["unit"] for r in new}
    assert PLACE + "tinh-hoa-binh" in {r["unit"] for r in old}


def test_what_covers_a_divided_commune_today_says_part() -> None:
    rows = run("what-covers-former-unit", unit=PLACE + "xa-an-khanh-hoai-duc")
    assert {r["today"].rsplit("/", 1)[1]: r["coverage"] for r in rows} == {
        "phuong-tay-mo-ha-noi-2025": "part",
        "xa-son-dong-ha-noi-2025": "part",
        "xa-an-khanh-ha-noi-2025": "part",
    }


def test_what_covers_a_former_province_goes_through_its_districts() -> None:
    # Nam Định merged whole into Ninh Bình in 2025; a province holds districts, so it is
    # covered through each of them by the 2025 units that took their communes.
    rows = run("what-covers-former-unit", unit=PLACE + "tinh-nam-dinh")
    assert {r["part"].removeprefix(PLACE) for r in rows} == {
        "thanh-pho-nam-dinh",
        "huyen-giao-thuy",
        "huyen-hai-hau",
        "huyen-nam-truc",
        "huyen-nghia-hung",
        "huyen-truc-ninh",
        "huyen-vu-ban",
        "huyen-xuan-truong",
        "huyen-y-yen",
    }
    assert {r["province"] for r in rows} == {PLACE + "tinh-ninh-binh-2025"}
    nam_truc = {r["today"] for r in rows if r["part"] == PLACE + "huyen-nam-truc"}
    district = run("what-covers-former-unit", unit=PLACE + "huyen-nam-truc")
    assert nam_truc == {r["today"] for r in district}


def test_units_of_a_province_on_a_day() -> None:
    legacy = run("units-of-province-on-day", province="36", day="2025-06-30")
    after = run("units-of-province-on-day", province="37", day="2025-07-01")
    assert PLACE + "huyen-nam-truc" in {r["unit"] for r in legacy}
    assert PLACE + "phuong-vi-khe-ninh-binh-2025" in {r["unit"] for r in after}
    assert all(r["unit"].endswith("-2025") for r in after)
    assert not any(r["unit"].endswith("-2025") for r in legacy)


def test_a_day_before_the_snapshot_leaves_out_later_units_and_flags_undated_ones() -> None:
    # The article's day: Nam Điền (formed 23 July 2024) is gone; every other unit of the
    # province is undated, so its presence that day is not vouched for.
    article_day = run("units-of-province-on-day", province="36", day="2021-11-01")
    snapshot = run("units-of-province-on-day", province="36", day="2025-06-30")
    assert PLACE + "xa-nam-dien-nam-truc" not in {r["unit"] for r in article_day}
    assert PLACE + "xa-nam-dien-nam-truc" in {r["unit"] for r in snapshot}
    # The three communes it was formed from are kg's links', not the gazetteer's: there
    # on the article's day (Điền Xá is the one its photo shows), gone by the snapshot.
    merged = {PLACE + "xa-dien-xa", PLACE + "xa-nam-my-nam-truc", PLACE + "xa-nam-toan-nam-truc"}
    assert merged <= {r["unit"] for r in article_day}
    assert not merged & {r["unit"] for r in snapshot}
    assert {r["parent"] for r in article_day if r["unit"] in merged} == {PLACE + "huyen-nam-truc"}
    assert len(article_day) == len(snapshot) - 1 + len(merged)
    assert {r["validity"] for r in article_day} == {"start unknown"}
    assert {r["validity"] for r in snapshot} == {"known"}
    # Dated by kg's links, so known on its first day, and absent the day before.
    formed = run("units-of-province-on-day", province="36", day="2024-07-23")
    assert {r["unit"]: r["validity"] for r in formed}[PLACE + "xa-nam-dien-nam-truc"] == "known"


@pytest.mark.parametrize(
    ("code", "day", "expected"),
    [
        ("13972", "2021-11-01", {}),
        ("13972", "2024-07-22", {}),
        ("13972", "2024-07-23", {"xa-nam-dien-nam-truc": "known"}),
        ("362", "2021-11-01", {"huyen-nam-truc": "start unknown"}),
        ("362", "2025-06-30", {"huyen-nam-truc": "known"}),
        ("13972", "2025-07-01", {"phuong-vi-khe-ninh-binh-2025": "known"}),
    ],
)
def test_a_code_on_a_past_day_is_dated_or_flagged(
    code: str, day: str, expected: dict[str, str]
) -> None:
    rows = run("unit-with-code-on-day", code=code, day=day)
    assert {r["unit"].removeprefix(PLACE): r["validity"] for r in rows} == expected


def test_what_covers_a_unit_replaced_twice_names_the_step_between() -> None:
    rows = run("what-covers-former-unit", unit=PLACE + "huyen-nam-truc")
    vi_khe = {
        r["part"].removeprefix(PLACE): (r.get("via", "").removeprefix(PLACE), r.get("viaFrom"))
        for r in rows
        if r["today"] == PLACE + "phuong-vi-khe-ninh-binh-2025"
    }
    assert vi_khe == {
        "xa-nam-dien-nam-truc": ("", None),
        "xa-dien-xa": ("xa-nam-dien-nam-truc", "2024-07-23"),
        "xa-nam-my-nam-truc": ("xa-nam-dien-nam-truc", "2024-07-23"),
        "xa-nam-toan-nam-truc": ("xa-nam-dien-nam-truc", "2024-07-23"),
    }


@pytest.mark.external
def test_a_unit_page_shows_where_it_lies_what_it_became_and_a_map(
    kg_server: str,  # noqa: F811
) -> None:
    with urllib.request.urlopen(kg_server + "/id/place/xa-an-khanh-hoai-duc", timeout=30) as r:
        html = r.read().decode("utf-8")
    section = html[html.index('<section id="place">') :]
    section = section[: section.index("</section>")]
    assert "Lies in:" in section and "huyện Hoài Đức" in section
    assert section.count("took part of it") == 3
    svg = section[section.index("<svg") : section.index("</svg>")]
    assert 'class="self"' in svg and svg.count('class="successor"') == 3
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
