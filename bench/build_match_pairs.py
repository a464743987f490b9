"""Build tests/fixtures/matching/pairs.tsv: labelled unit-name pairs from vietnamadminunits.

Run once (python bench/build_match_pairs.py); the output is committed, so the bench and the
tests do not depend on the dataset. The label is the truth of the dataset, not of any
matcher: a pair is the same unit (1) when both sides are one row (one code) of the legacy
table, written two ways, and different units (0) when they are two rows. Kinds:

* tone: the same name with the tone mark moved (old/new placement: hòa/hoà, thủy/thuỷ)
* nfd: the same name decomposed (NFD)
* case: the same name in upper or lower case
* prefix: the same name without its unit prefix, or "TP." for "Thành phố"
* same-name-elsewhere: two units of the same name in different districts (near-duplicates)
* near-miss: two units whose names differ only in diacritics (Nam Thanh / Nam Thành)
* other-type: a province and the city of the same name (Tỉnh X / Thành phố X)
"""

from __future__ import annotations

import random
import unicodedata
from pathlib import Path

from kg.core.text import ascii_fold
from kg.linking.admin import read_admin_data

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "matching" / "pairs.tsv"
TONES = "\u0300\u0301\u0303\u0309\u0323"


def move_tone(name: str) -> str | None:
    """The other placement of the tone in a syllable with oa/oe/uy, or None."""
    words = name.split(" ")
    for i, word in enumerate(words):
        d = unicodedata.normalize("NFD", word)
        base = "".join(c for c in d if c not in TONES).lower()
        tone = "".join(c for c in d if c in TONES)
        if not tone:
            continue
        for pair in ("oa", "oe", "uy"):
            at = base.find(pair)
            if at < 0 or at + 2 != len(base.rstrip()) or "qu" in base:
                continue
            chars = [c for c in d if c not in TONES]
            # where is the tone now? after which base letter
            pos = next(j for j, c in enumerate(d) if c in TONES)
            letters_before = len([c for c in d[:pos] if c not in TONES])
            target = at + 2 if letters_before == at + 1 else at + 1
            chars.insert(target, tone)
            moved = unicodedata.normalize("NFC", "".join(chars))
            if moved != word:
                words[i] = moved
                return " ".join(words)
    return None


def main() -> None:
    rng = random.Random(20251127)
    data = read_admin_data()
    legacy = data.legacy
    rows: list[tuple[str, ...]] = []

    def add(kind: str, a: str, ap: str, b: str, bp: str, same: int, codes: str) -> None:
        rows.append((kind, a, ap, b, bp, str(same), codes))

    shuffled = legacy[:]
    rng.shuffle(shuffled)
    tone = [u for u in shuffled if move_tone(u.ward)]
    for u in tone[:70]:
        add("tone", u.ward, u.district, move_tone(u.ward) or "", u.district, 1, u.ward_code)
    for u in shuffled[:40]:
        add(
            "nfd",
            u.ward,
            u.district,
            unicodedata.normalize("NFD", u.ward),
            u.district,
            1,
            u.ward_code,
        )
    for u in shuffled[40:70]:
        b = u.ward.upper() if rng.random() < 0.5 else u.ward.lower()
        add("case", u.ward, u.district, b, u.district, 1, u.ward_code)
    for u in shuffled[70:110]:
        add("prefix", u.ward, u.district, u.ward_short, u.district_short, 1, u.ward_code)
    cities = sorted(
        {
            (u.district, u.district_code, u.province)
            for u in legacy
            if u.district.startswith("Thành phố")
        }
    )
    for district, code, province in cities[:15]:
        add("prefix", district, province, "TP. " + district[len("Thành phố ") :], province, 1, code)

    by_short: dict[str, list] = {}
    for u in legacy:
        by_short.setdefault(u.ward, []).append(u)
    dupes = sorted(k for k, v in by_short.items() if len({x.district_code for x in v}) > 1)
    rng.shuffle(dupes)
    for name in dupes[:70]:
        a, b = rng.sample(by_short[name], 2)
        add(
            "same-name-elsewhere",
            a.ward,
            a.district,
            b.ward,
            b.district,
            0,
            f"{a.ward_code}/{b.ward_code}",
        )
    # the article's own near-duplicates
    nd = [u for u in legacy if u.ward == "Xã Nam Điền"]
    if len(nd) == 2:
        add(
            "same-name-elsewhere",
            nd[0].ward,
            nd[0].district,
            nd[1].ward,
            nd[1].district,
            0,
            f"{nd[0].ward_code}/{nd[1].ward_code}",
        )

    by_fold: dict[str, list] = {}
    for u in legacy:
        by_fold.setdefault(ascii_fold(u.ward_short).lower(), []).append(u)
    near = sorted(k for k, v in by_fold.items() if len({x.ward_short for x in v}) > 1)
    rng.shuffle(near)
    for key in near[:70]:
        group = by_fold[key]
        a = group[0]
        b = next(x for x in group if x.ward_short != a.ward_short)
        add("near-miss", a.ward, a.district, b.ward, b.district, 0, f"{a.ward_code}/{b.ward_code}")

    provinces = {u.province_short: u for u in legacy}
    for district, code, province in cities:
        short = district[len("Thành phố ") :]
        if short in provinces and provinces[short].province.startswith("Tỉnh"):
            p = provinces[short]
            add("other-type", p.province, "", district, province, 0, f"{p.province_code}/{code}")

    header = ("kind", "a", "a_parent", "b", "b_parent", "same", "codes")
    text = "\n".join("\t".join(r) for r in [header, *rows]) + "\n"
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}: {len(rows)} pairs")


if __name__ == "__main__":
    main()
