"""Vietnamese-aware unit-name matching, and its precision and recall on the labelled pairs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kg.linking.matching import UnitName, same_name, same_unit, split_unit_name

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import match_bench


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Xã Hòa Bình", "xã hoà bình"),  # tone placement, case
        ("Huyện Nam Trực", "Nam Trực"),  # prefix
        ("TP. Nam Định", "Thành phố Nam Định"),
        ("Thành phố Nam Định", "tp nam định"),
        ("Ủy ban", "Uỷ ban"),
        ("Thủy Xuân", "THUỶ XUÂN"),
        ("khỏe", "khoẻ"),
        ("Thị xã Sơn Tây", "Sơn Tây"),
        ("Thị trấn Nam Giang", "Nam Giang"),
        ("Phường Vị Khê", "phường vị khê"),
        ("Quận 1", "1"),
        ("Hồng Ngự (Huyện)", "Huyện Hồng Ngự"),
    ],
)
def test_spellings_of_one_name_match(a: str, b: str) -> None:
    import unicodedata

    assert same_name(a, b)
    assert same_name(unicodedata.normalize("NFD", a), b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Nam Hồng", "Nam Hùng"),
        ("Nam Thanh", "Nam Thành"),
        ("Điền Xá", "Điền Xã"),
        ("Thị xã", "xã"),
    ],
)
def test_different_names_do_not(a: str, b: str) -> None:
    assert not same_name(a, b)


def test_thi_xa_is_its_own_prefix() -> None:
    assert split_unit_name("Thị xã Sơn Tây")[0] == "thi-xa"
    assert split_unit_name("Xã Sơn Tây")[0] == "xa"


def test_same_named_communes_in_different_districts_are_different_units() -> None:
    a = UnitName("xã Nam Điền", "huyện Nam Trực")
    b = UnitName("Xã Nam Điền", "Huyện Nghĩa Hưng")
    assert not same_unit(a, b)
    assert same_unit(a, b, use_parent=False)
    assert not same_unit(UnitName("Tỉnh Bắc Giang"), UnitName("Thành phố Bắc Giang"))


def test_precision_and_recall_on_the_labelled_pairs() -> None:
    pairs = match_bench.read_pairs()
    assert len(pairs) >= 200
    kinds = {p["kind"] for p in pairs}
    assert {"same-name-elsewhere", "near-miss", "tone", "nfd", "prefix"} <= kinds
    precision, recall, *_ = match_bench.scores(pairs, match_bench.MATCHERS["unit name + parent"])
    assert (precision, recall) == (1.0, 1.0)
    # without the parent, near-duplicates are taken for one another
    precision, recall, *_ = match_bench.scores(
        pairs, match_bench.MATCHERS["unit name (match_key + prefixes)"]
    )
    assert recall == 1.0 and precision < 0.8
