"""Free-text addresses resolved to administrative units (kg link addresses, issue 16 item 4).

The units come from tests/fixtures/addresses/units.trig, a slice of the gazetteer graph
(two communes named Nam Điền in one province, the city of Nam Định beside the province,
numbered wards of Ho Chi Minh City, 2025 units of Ninh Bình). The expected outputs are
files: the hand-written cases at two dates, and a seeded sample of the benchmark's noisy
addresses (bench/addresses.py --count 75 --seed 16 --only-units units.trig).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from kg import __version__
from kg.core.errors import EXIT_ERROR, InputError, ParameterError
from kg.linking.addresses import (
    AMBIGUOUS,
    MATCHED,
    OUTPUT_COLUMNS,
    UNMATCHED,
    AddressIndex,
    link_csv,
    resolve,
    words_of,
)
from sssom_checks import validated_sssom

FIXTURES = Path(__file__).parent / "fixtures" / "addresses"
UNITS = FIXTURES / "units.trig"
CASES = FIXTURES / "cases.csv"
SRC = str(Path(__file__).resolve().parents[1] / "src")


@pytest.fixture(scope="module")
def index() -> AddressIndex:
    return AddressIndex.from_graph(sources=[UNITS])


def kg(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.run(
        [sys.executable, "-m", "kg", "link", "addresses", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


# -- the expected outputs, as files ------------------------------------------------------


@pytest.mark.parametrize("day", ["2024-06-01", "2025-09-01"])
def test_the_cases_resolve_as_expected_with_their_sssom_set(day: str, tmp_path: Path) -> None:
    out, sssom = tmp_path / "out.csv", tmp_path / "out.sssom.tsv"
    done = kg(CASES, "--column", "address", "--date", day, "--data", UNITS, "-o", out)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == (FIXTURES / f"cases-{day}.csv").read_bytes()
    done = kg(
        CASES, "--column", "address", "--date", day, "--data", UNITS, "-o", out, "--sssom", sssom
    )
    assert done.returncode == 0, done.stderr
    expected = (FIXTURES / f"cases-{day}.sssom.tsv").read_text(encoding="utf-8")
    # The set names the file it maps by its absolute file: URI, and kg by its version.
    here = CASES.resolve().as_uri()
    recorded = expected.split("#subject_source: ", 1)[1].split("\n", 1)[0]
    tool = expected.split("\tkg ", 1)[1].split(" ", 1)[0]
    expected = expected.replace(recorded, here).replace(f"\tkg {tool} ", f"\tkg {__version__} ")
    assert sssom.read_text(encoding="utf-8") == expected


@pytest.mark.parametrize(
    ("name", "day"), [("sample-legacy", "2024-06-01"), ("sample-2025", "2025-09-01")]
)
def test_the_seeded_sample_resolves_as_expected(
    name: str, day: str, index: AddressIndex, tmp_path: Path
) -> None:
    out = tmp_path / "out.csv"
    link_csv(FIXTURES / f"{name}.csv", "address", day, out, index=index)
    assert out.read_bytes() == (FIXTURES / f"{name}-{day}.csv").read_bytes()
    rows = read_rows(out)
    answered = [r for r in rows if r["kg_status"] == MATCHED and r["kg_level"] == "commune"]
    right = [r for r in answered if r["kg_code"] == r["truth"]]
    assert len(right) == len(answered)  # precision 1 on the sample
    assert len(right) >= 0.95 * len(rows)


def test_the_cases_say_what_the_brief_asks(index: AddressIndex) -> None:
    rows = {r["what it shows"]: r for r in read_rows(FIXTURES / "cases-2024-06-01.csv")}
    ambiguous = rows["ambiguous: two Nam Điền in Nam Định"]
    assert ambiguous["kg_status"] == AMBIGUOUS
    assert ambiguous["kg_code"] == "13963;13972"
    assert rows["district given: not ambiguous"]["kg_code"] == "13963"
    assert rows["a province alone, not its city"]["kg_level"] == "province"
    assert rows["the city by its type"]["kg_level"] == "district"
    assert rows["nothing known"]["kg_status"] == UNMATCHED
    for what in ("full, abbreviated", "no diacritics, no types, no commas", "NFD"):
        assert rows[what]["kg_iri"] == "https://w3id.org/vn-kg/id/place/xa-nam-dien-nam-truc"
        assert rows[what]["kg_current_codes"] == "13972"
    # The 2025 unit of the same code is the current one of the former commune.
    later = {r["what it shows"]: r for r in read_rows(FIXTURES / "cases-2025-09-01.csv")}
    assert later["2025 unit"]["kg_code"] == "13972"
    assert later["2025 unit"]["kg_iri"].endswith("-2025")


# -- the Python API ----------------------------------------------------------------------


def test_spellings_a_reader_takes_as_equal_resolve_alike(index: AddressIndex) -> None:
    day = date(2024, 6, 1)
    spellings = [
        "Phường Lộc Hòa, Thành phố Nam Định, Tỉnh Nam Định",
        "Phường Lộc Hoà, TP. Nam Định",  # the old tone placement
        unicodedata.normalize("NFD", "phường lộc hòa, tp nam định"),
        "P.Loc Hoa - TP Nam Dinh",
        "Nam Định, Nam Định, Lộc Hòa",
        "P. Lộc Hòaa, Nam Định",  # a typo
    ]
    codes = {r.unit.code if r.unit else r.status for r in resolve(spellings, day, index=index)}
    assert codes == {"13693"}


def test_one_vowel_or_one_tone_apart_are_other_units(index: AddressIndex) -> None:
    day = date(2024, 6, 1)
    hong, hung = resolve(["Nam Hồng, Nam Trực", "Nam Hùng, Nam Trực"], day, index=index)
    assert hong.unit is not None and hung.unit is not None
    assert hong.unit.code != hung.unit.code
    thanh = index.resolve("Nam Thanh, Nam Trực", day)
    assert thanh.unit is not None and thanh.unit.name == "Xã Nam Thanh"


def test_a_house_number_is_not_a_numbered_ward(index: AddressIndex) -> None:
    found = index.resolve("12 Nguyễn Trãi, Quận 5, Hồ Chí Minh", date(2024, 6, 1))
    assert found.unit is not None and found.unit.name == "Quận 5"
    ward = index.resolve("P12, Q5, TP.HCM", date(2024, 6, 1))
    assert ward.unit is not None and (ward.unit.name, ward.unit.code) == ("Phường 12", "27310")


def test_units_are_those_valid_at_the_date(index: AddressIndex) -> None:
    before = index.resolve("Vị Khê, Ninh Bình", date(2024, 6, 1))
    after = index.resolve("Vị Khê, Ninh Bình", date(2025, 7, 1))
    assert before.status == MATCHED and before.unit is not None
    assert before.unit.level == "province"  # no commune Vị Khê before the reform
    assert after.unit is not None and after.unit.iri.endswith("phuong-vi-khe-ninh-binh-2025")


def test_a_string_date_is_checked(index: AddressIndex) -> None:
    with pytest.raises(ParameterError, match="not a date"):
        resolve(["Nam Định"], "2024-02-30", index=index)


def test_words_are_split_on_separators_and_glued_abbreviations() -> None:
    words = words_of("P.12;Q5 - TP.HCM")
    assert [w.plain for w in words] == ["p", "12", "q", "5", "tp", "hcm"]
    assert [w.segment for w in words] == [0, 0, 1, 1, 1, 1]


@pytest.mark.slow
def test_the_shipped_graph_is_read_by_default() -> None:
    # The whole gazetteer: 14,152 units read in seconds.
    found = resolve(["xã Nam Điền, h. Nam Trực, Nam Định"], "2025-01-01")
    assert found[0].unit is not None
    assert found[0].unit.iri == "https://w3id.org/vn-kg/id/place/xa-nam-dien-nam-truc"
    # Dated by kg's links (Resolution 1104/NQ-UBTVQH15): known from 23 July 2024.
    assert found[0].columns()["kg_validity"] == "known"
    # The article's day: Nam Điền did not exist yet, Điền Xá did (its start undated).
    before = resolve(
        ["xã Nam Điền, huyện Nam Trực, tỉnh Nam Định", "xã Điền Xá, huyện Nam Trực"],
        "2021-11-01",
    )
    assert all(r.unit is None or not r.unit.iri.endswith("/xa-nam-dien-nam-truc") for r in before)
    assert before[1].unit is not None and before[1].unit.iri.endswith("/xa-dien-xa")
    assert before[1].columns()["kg_validity"] == "start unknown"
    # After the reform the former communes are gone (their ends dated too).
    after = resolve(["xã Nam Mỹ, Nam Trực, Nam Định"], "2025-08-01")
    assert not any(u.iri.endswith("/xa-nam-my-nam-truc") for u in after[0].units)


def test_an_undated_unit_is_vouched_for_from_the_snapshot_day_only(index: AddressIndex) -> None:
    address = "xã Nam Điền, h. Nam Trực, Nam Định"
    validity = {
        day: index.resolve(address, day).columns()["kg_validity"]
        for day in (date(2021, 11, 1), date(2025, 6, 29), date(2025, 6, 30))
    }
    assert validity == {
        date(2021, 11, 1): "start unknown",
        date(2025, 6, 29): "start unknown",
        date(2025, 6, 30): "known",
    }
    both = index.resolve("Nam Điền, Nam Định", date(2021, 11, 1)).columns()
    assert both["kg_validity"] == "start unknown;start unknown"
    assert index.resolve("Nowhere at all", date(2021, 11, 1)).columns()["kg_validity"] == ""


# -- files in and out --------------------------------------------------------------------


def test_columns_quoting_and_order_are_kept(index: AddressIndex, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    text = 'note,"where, exactly",n\r\n"a ""quoted"", value","Nam Trực, Nam Định",1\r\n'
    source.write_bytes(b"\xef\xbb\xbf" + (text + "short,Nam Hùng\n").encode("utf-8"))
    out = tmp_path / "out.csv"
    link_csv(source, "where, exactly", "2024-06-01", out, index=index)
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["note", "where, exactly", "n", *OUTPUT_COLUMNS]
    assert rows[1][:3] == ['a "quoted", value', "Nam Trực, Nam Định", "1"]
    assert rows[1][3:6] == [MATCHED, "https://w3id.org/vn-kg/id/place/huyen-nam-truc", "362"]
    assert rows[2][:3] == ["short", "Nam Hùng", ""]


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (b"a,b\n1,2\n", ["--column", "c"], "--column: {file} has no column 'c' (it has: a, b)"),
        (b"a,b\n1,2\n", ["--date", "2024-13-01"], "--date: '2024-13-01' is not a date"),
        (b"a,b\n1,2,3\n", [], "{file}:2:3: 3 fields, the header has 2"),
        (b'a,b\n1,2\n"x\xff",2\n', [], "{file}:3:3: not UTF-8"),
        (b"", [], "{file}: empty file: a header line is needed"),
        (b"a,kg_status\n1,2\n", [], "{file}:1: the file already has the column kg_status"),
        (b'a,b\n"1,2\n', [], "{file}:2: not CSV"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    content: bytes, args: list[str], message: str, tmp_path: Path
) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(content)
    options = {"--column": "a", "--date": "2024-06-01"}
    for key, value in zip(args[::2], args[1::2], strict=True):
        options[key] = value
    flat = [item for pair in options.items() for item in pair]
    done = kg(source, *flat, "--data", UNITS, "-o", tmp_path / "out.csv")
    assert done.returncode == EXIT_ERROR
    assert done.stderr.startswith("kg: error: " + message.format(file=source))
    assert done.stderr.count("\n") == 1
    assert not (tmp_path / "out.csv").exists()


def test_the_output_never_replaces_the_input(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("a\nNam Trực\n", encoding="utf-8")
    done = kg(source, "--column", "a", "--date", "2024-06-01", "--data", UNITS, "-o", source)
    assert done.returncode == EXIT_ERROR
    assert source.read_text(encoding="utf-8") == "a\nNam Trực\n"


def test_written_all_or_nothing(index: AddressIndex, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("a\nNam Trực\n", encoding="utf-8")
    out, blocked = tmp_path / "out.csv", tmp_path / "a-folder"
    blocked.mkdir()
    with pytest.raises(Exception, match=r"not a regular file|cannot write"):
        link_csv(source, "a", "2024-06-01", out, sssom=blocked, index=index)
    assert not out.exists()
    assert {p.name for p in tmp_path.iterdir()} == {"in.csv", "a-folder"}


def test_a_progress_bar_on_request_for_long_files(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("a\n" + '"Nam Hùng, Nam Trực"\n' * 1000, encoding="utf-8")
    out = tmp_path / "out.csv"
    common = [source, "--column", "a", "--date", "2024-06-01", "--data", UNITS, "-o", out]
    quiet = kg(*common)
    assert quiet.returncode == 0 and "resolving" not in quiet.stderr  # not a terminal
    shown = kg(*common, "--progress")
    assert shown.returncode == 0
    assert "resolving [" in shown.stderr and "100% of 1000 rows" in shown.stderr
    assert "1000 matched, 0 ambiguous, 0 unmatched" in shown.stderr


def test_a_missing_file_is_an_input_error(index: AddressIndex, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        link_csv(tmp_path / "nothing.csv", "a", "2024-06-01", tmp_path / "o.csv", index=index)


@pytest.mark.slow
def test_the_sssom_set_validates(tmp_path: Path) -> None:
    sssom = tmp_path / "out.sssom.tsv"
    args = ["--column", "address", "--date", "2024-06-01", "--data", UNITS]
    done = kg(CASES, *args, "-o", tmp_path / "out.csv", "--sssom", sssom)
    assert done.returncode == 0, done.stderr
    msdf = validated_sssom(sssom)
    assert len(msdf.df) == 18  # the matched rows


def test_every_engine_gives_the_same_units() -> None:
    from kg.linking.addresses import read_units

    on_oxigraph = read_units(store="memory", sources=[UNITS])
    on_rdflib = read_units(store="rdflib", sources=[UNITS])
    assert len(on_oxigraph) == 115
    assert on_oxigraph == on_rdflib


def test_the_sample_is_the_benchmark_s_seeded_one(index: AddressIndex, tmp_path: Path) -> None:
    from bench_scripts import bench_script

    bench = bench_script("addresses")
    communes = [u for u in index.units if u.level == "commune"]
    only = (
        {u.code for u in communes if u.valid_through is not None},
        {u.code for u in communes if u.valid_from is not None},
    )
    bench.write_sample(bench.read_cases(75, 16, None, only), tmp_path)
    for name in ("sample-legacy.csv", "sample-2025.csv"):
        assert (tmp_path / name).read_bytes() == (FIXTURES / name).read_bytes()


def test_a_long_or_repetitive_address_is_read_in_bounded_time(index: AddressIndex) -> None:
    import time

    start = time.process_time()
    repeated = index.resolve(", ".join(["Nam Điền Nam Trực Nam Định"] * 1000), date(2024, 6, 1))
    endless = index.resolve(" ".join(["nam"] * 100_000), date(2024, 6, 1))
    assert time.process_time() - start < 2.0  # unbounded, these take minutes
    assert repeated.unit is not None and repeated.unit.code == "13972"
    assert endless.status == UNMATCHED


def test_the_short_names_of_the_two_cities(index: AddressIndex) -> None:
    day = date(2024, 6, 1)
    city = index.resolve("TP.HCM", day)
    assert city.unit is not None and city.unit.iri.endswith("/thanh-pho-ho-chi-minh")
    for address in ("P. Bến Thành, TPHCM", "Bến Thành, Q1, Sài Gòn", "ben thanh hcm"):
        found = index.resolve(address, day)
        assert found.unit is not None and found.unit.code == "26743", address


def _small_index(*names: str) -> AddressIndex:
    """A province, a district and communes named ``names``: built in memory."""
    from kg.linking.addresses import Unit

    province = Unit("urn:p", "Tỉnh Gia Lai", "64", "province", "tinh")
    district = Unit("urn:d", "Huyện Chư Prông", "632", "district", "huyen", "urn:p")
    communes = [
        Unit(f"urn:c{i}", name, f"2390{i}", "commune", name.split()[0].lower(), "urn:d")
        for i, name in enumerate(names)
    ]
    return AddressIndex([province, district, *communes])


def test_a_name_without_diacritics_tells_only_where_others_are_written() -> None:
    small = _small_index("Xã Ia Bang", "Xã Ia Băng")
    day = date(2024, 6, 1)
    # An address without any diacritics cannot tell Ia Bang from Ia Băng.
    assert small.resolve("Xa Ia Bang, Huyen Chu Prong, Gia Lai", day).status == AMBIGUOUS
    # One with them writes Ia Bang without a breve on purpose.
    found = small.resolve("Xã Ia Bang, Huyện Chư Prông, Gia Lai", day)
    assert found.unit is not None and found.unit.name == "Xã Ia Bang"


def test_a_unit_type_is_not_read_as_a_misspelt_name() -> None:
    small = _small_index("Thị trấn Thắng", "Xã Toàn Thắng")
    # A typo elsewhere (Lia) makes the names nearby searched for typos too.
    found = small.resolve("Tinh Gia Lia; Huyen Chu Prong; Thi tran Thang", date(2024, 6, 1))
    assert found.unit is not None and found.unit.name == "Thị trấn Thắng"


def test_a_sibling_s_name_before_it_was_formed_is_not_a_typo() -> None:
    small = _small_index("Xã Nam Tiến", "Xã Nam Điền")
    formed = small.by_iri["urn:c1"]
    formed.valid_from = date(2024, 7, 23)
    address = "Xã Nam Điền, Huyện Chư Prông, Gia Lai"
    # Before Nam Điền was formed its name is not Nam Tiến one letter off.
    before = small.resolve(address, date(2021, 11, 1))
    assert before.unit is None or before.unit.name != "Xã Nam Tiến"
    after = small.resolve(address, date(2024, 7, 23))
    assert after.unit is formed
    assert after.columns()["kg_validity"] == "known"
    # A real typo of a name no sibling bears is still read.
    typo = small.resolve("Xã Nam Tiếnn, Huyện Chư Prông, Gia Lai", date(2021, 11, 1))
    assert typo.unit is not None and typo.unit.name == "Xã Nam Tiến"
    assert typo.columns()["kg_validity"] == "start unknown"
