"""Vietnamese matching and IRI slugs."""

from __future__ import annotations

import unicodedata

import pytest

from kg.core.text import ascii_fold, match_key, nfc, same_text, slugify


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("hòa", "hoà"),
        ("ủy", "uỷ"),
        ("thủy", "thuỷ"),
        ("khỏe", "khoẻ"),
        ("Huyện ủy Nam Trực", "Huyện uỷ Nam Trực"),
        ("Đảng bộ huyện Nam Trực", "đảng bộ huyện nam trực"),
        ("Điền Xá", unicodedata.normalize("NFD", "Điền Xá")),
        ("tự chuyển hóa", unicodedata.normalize("NFD", "tự chuyển hoá")),
    ],
)
def test_spellings_a_reader_takes_as_equal_match(a: str, b: str) -> None:
    assert a != b
    assert same_text(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("hòa", "hoa"),  # a tone mark is not optional
        ("hòa", "hóa"),  # nor is which tone
        ("Nam Định", "Nam Đình"),
        ("đa", "da"),  # đ is a letter of its own
        ("Nam Trực", "Nam Trúc"),
    ],
)
def test_different_words_do_not_match(a: str, b: str) -> None:
    assert not same_text(a, b)


def test_match_key_ignores_punctuation_and_spacing() -> None:
    assert match_key("Đảng bộ  huyện, Nam Trực") == match_key("Đảng bộ huyện Nam Trực")


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Đảng bộ huyện Nam Trực", "dang-bo-huyen-nam-truc"),
        ("xã Điền Xá", "xa-dien-xa"),
        ("Chỉ thị 05-CT/TW", "chi-thi-05-ct-tw"),
        ("“tự diễn biến”, “tự chuyển hóa”", "tu-dien-bien-tu-chuyen-hoa"),
        (unicodedata.normalize("NFD", "Huyện uỷ"), "huyen-uy"),
    ],
)
def test_slugs_are_ascii_with_d_for_dj(text: str, slug: str) -> None:
    assert slugify(text) == slug
    assert slug.isascii()


def test_slug_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="no slug"):
        slugify("“…”")


def test_ascii_fold_and_nfc() -> None:
    assert ascii_fold("Đường") == "Duong"
    assert nfc(unicodedata.normalize("NFD", "Trực")) == "Trực"
