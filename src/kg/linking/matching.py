"""Vietnamese-aware matching of administrative-unit names.

``kg.core.text.match_key`` already treats NFC and NFD, old and new tone-mark placement
("hòa"/"hoà", "ủy"/"uỷ", "thủy"/"thuỷ", "khỏe"/"khoẻ") and case as equal. Here unit
names also drop their unit prefix ("tỉnh", "thành phố"/"TP.", "huyện", "quận",
"thị xã", "xã", "phường", "thị trấn", "đặc khu"), so that "Huyện Nam Trực", "huyện
nam trực" and "Nam Trực" compare equal, while "Nam Hồng" and "Nam Hùng" (one vowel
apart) and "Nam Thanh" and "Nam Thành" (one tone apart) stay different.

A name alone does not identify a unit: Vietnam has several communes of the same name
in different districts (two "Xã Nam Điền" in Nam Định province alone). ``same_unit``
therefore compares the parent's name too when both sides give one, and the unit type
when both sides give one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.core.text import ascii_fold, match_key

#: Unit prefixes, as written; longest first once keyed, so "thị xã" wins over "xã".
UNIT_PREFIXES = (
    "tỉnh",
    "thành phố",
    "tp.",
    "tp",
    "huyện",
    "quận",
    "thị xã",
    "xã",
    "phường",
    "thị trấn",
    "đặc khu",
)

_PREFIX_KEYS = sorted({match_key(p) for p in UNIT_PREFIXES}, key=len, reverse=True)

#: The type a prefix names, keyed; "tp" and "thành phố" are one type.
_TYPE_OF_PREFIX = {
    match_key("tỉnh"): "tinh",
    match_key("thành phố"): "thanh-pho",
    match_key("tp"): "thanh-pho",
    match_key("huyện"): "huyen",
    match_key("quận"): "quan",
    match_key("thị xã"): "thi-xa",
    match_key("xã"): "xa",
    match_key("phường"): "phuong",
    match_key("thị trấn"): "thi-tran",
    match_key("đặc khu"): "dac-khu",
}


_TRAILING_TYPE = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")


def split_unit_name(name: str) -> tuple[str | None, str]:
    """(type, key of the bare name): ``"TP. Nam Định"`` -> ``("thanh-pho", "nam đinh")``.

    The key is ``match_key`` of the name without its prefix; the type is None when the
    name has no prefix. A type written after the name in parentheses, as lists do to
    tell a district from the city of the same name ("Hồng Ngự (Huyện)"), counts as a
    prefix. A name that is nothing but a prefix keeps it ("Thị Trấn" is not emptied).
    """
    trailing = _TRAILING_TYPE.match(name)
    if trailing and match_key(trailing.group(2)) in _TYPE_OF_PREFIX:
        name = f"{trailing.group(2)} {trailing.group(1)}"
    key = match_key(name)
    for prefix in _PREFIX_KEYS:
        if key.startswith(prefix + " ") and len(key) > len(prefix) + 1:
            return _TYPE_OF_PREFIX[prefix], key[len(prefix) + 1 :]
    return None, key


_NON_KEY = re.compile(r"[^a-z0-9]+")


def search_key(name: str) -> str:
    """The name folded for search (``kgo:searchKey``): lower-case ASCII words, no
    diacritics, no punctuation.

    Folding the tones away also makes old and new tone placement ("Hoà", "Hòa") equal.
    """
    return _NON_KEY.sub(" ", ascii_fold(name).lower()).strip()


def unit_key(name: str) -> str:
    """The key under which two spellings of one unit name compare equal."""
    return split_unit_name(name)[1]


def same_name(a: str, b: str) -> bool:
    return unit_key(a) == unit_key(b)


@dataclass(frozen=True)
class UnitName:
    """A unit as a label source gives it: its name and, if known, its parent's."""

    name: str
    parent: str | None = None

    def key(self) -> tuple[str | None, str, str | None]:
        kind, name = split_unit_name(self.name)
        parent = unit_key(self.parent) if self.parent else None
        return kind, name, parent


def same_unit(a: UnitName, b: UnitName, use_parent: bool = True) -> bool:
    """Whether ``a`` and ``b`` name the same unit, as far as their names can tell.

    Names must agree (``unit_key``); types, when both names carry a prefix, must agree;
    parents, when both sides give one and ``use_parent`` is set, must agree.
    """
    kind_a, name_a, parent_a = a.key()
    kind_b, name_b, parent_b = b.key()
    if name_a != name_b:
        return False
    if kind_a is not None and kind_b is not None and kind_a != kind_b:
        return False
    return not (
        use_parent and parent_a is not None and parent_b is not None and parent_a != parent_b
    )
