"""Precision and recall of unit-name matchers on tests/fixtures/matching/pairs.tsv.

    python bench/match_bench.py

The pairs are labelled by the dataset (vietnamadminunits 1.0.4: one code = one unit; see
bench/build_match_pairs.py). A matcher predicts "same unit" for a pair; precision is the
share of its "same" answers that are right, recall the share of the same-unit pairs it
finds. Figures are printed overall and per kind of pair.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from pathlib import Path

from kg.core.text import ascii_fold, match_key
from kg.linking.matching import UnitName, same_unit

PAIRS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "matching" / "pairs.tsv"

Pair = dict[str, str]


def _unit(pair: Pair, side: str) -> UnitName:
    return UnitName(pair[side], pair[f"{side}_parent"] or None)


MATCHERS: dict[str, Callable[[Pair], bool]] = {
    "exact string": lambda p: p["a"] == p["b"],
    "ASCII fold, lower case": lambda p: ascii_fold(p["a"]).lower() == ascii_fold(p["b"]).lower(),
    "kg.core.text.match_key": lambda p: match_key(p["a"]) == match_key(p["b"]),
    "unit name (match_key + prefixes)": lambda p: same_unit(
        _unit(p, "a"), _unit(p, "b"), use_parent=False
    ),
    "unit name + parent": lambda p: same_unit(_unit(p, "a"), _unit(p, "b")),
}


def read_pairs(path: Path = PAIRS) -> list[Pair]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def scores(
    pairs: list[Pair], matcher: Callable[[Pair], bool]
) -> tuple[float, float, int, int, int]:
    tp = fp = fn = 0
    for pair in pairs:
        predicted, truth = matcher(pair), pair["same"] == "1"
        tp += predicted and truth
        fp += predicted and not truth
        fn += truth and not predicted
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, tp, fp, fn


def main() -> int:
    pairs = read_pairs()
    positives = sum(p["same"] == "1" for p in pairs)
    print(
        f"{len(pairs)} labelled pairs ({positives} same unit, "
        f"{len(pairs) - positives} different units)"
    )
    print(f"{'matcher':36} {'precision':>9} {'recall':>7}  {'TP':>4} {'FP':>4} {'FN':>4}")
    for name, matcher in MATCHERS.items():
        p, r, tp, fp, fn = scores(pairs, matcher)
        print(f"{name:36} {p:9.3f} {r:7.3f}  {tp:4} {fp:4} {fn:4}")
    print()
    print("unit name + parent, per kind of pair (recall for same-unit kinds, precision kept")
    print("means no false match for different-unit kinds):")
    kinds = sorted({p["kind"] for p in pairs})
    for kind in kinds:
        subset = [p for p in pairs if p["kind"] == kind]
        _, _, tp, fp, fn = scores(subset, MATCHERS["unit name + parent"])
        print(f"  {kind:22} {len(subset):4} pairs  TP {tp:3}  FP {fp:3}  FN {fn:3}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
