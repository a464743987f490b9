"""Address resolution against the baseline: precision, recall and speed (issue 16, item 5).

    python bench/addresses.py                       # 2,000 legacy + 1,000 2025 addresses
    python bench/addresses.py --count 3000 --seed 16 --runs 5 --report /tmp/addresses.md
    python bench/addresses.py --results bench/results.md   # replace its section there
    python bench/addresses.py --count 75 --only-units tests/fixtures/addresses/units.trig \
        --write-sample tests/fixtures/addresses            # the test's seeded sample

The addresses are generated from the vietnamadminunits 1.0.4 tables (the same release
the gazetteer is generated from), seeded: a commune-level unit drawn at random, written
with its district (legacy table only) and province, then spoilt by one to three of the
noise kinds of ``NOISE`` (diacritics removed, NFD, old tone placement, abbreviated or
missing unit types, levels in reverse order, a typing error, case, separators). The truth
is the unit's code in its table. Legacy addresses are resolved at 2024-06-01, 2025 ones
at 2025-09-01; the baseline, ``vietnamadminunits.parse_address``, in mode LEGACY (level 3)
or FROM_2025 (level 2).

An answer is a commune-level unit: kg's ``matched`` rows at that level, the baseline's
rows with a ward. Precision is the share of answers that are the truth's unit, recall
the share of addresses answered with it. kg's ambiguous rows and coarser matches are
counted apart: they are not answers, so they cost recall, not precision.

Speed is addresses per second over the whole list, median of ``--runs`` runs after a
warm-up, each tool with its data already loaded (kg's index read from the graph once:
its time is shown apart).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sqlite3
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kg.core.text import ascii_fold
from kg.linking.addresses import COMMUNE, MATCHED, AddressIndex

BEGIN = "<!-- bench/addresses.py: begin -->"
END = "<!-- bench/addresses.py: end -->"
GOAL_PRECISION, GOAL_RECALL, GOAL_RATE = 0.99, 0.95, 2000

LEGACY_DAY = date(2024, 6, 1)
NEW_DAY = date(2025, 9, 1)

ABBREVIATIONS = {
    "Thành phố": ("TP.", "TP ", "Tp."),
    "Tỉnh": ("T.", "tỉnh "),
    "Quận": ("Q.", "Q"),
    "Huyện": ("H.", "h. "),
    "Thị xã": ("TX.", "Tx "),
    "Phường": ("P.", "P"),
    "Xã": ("X.", "x. "),
    "Thị trấn": ("TT.", "tt "),
    "Đặc khu": ("Đặc khu ",),
}
TYPES = tuple(sorted(ABBREVIATIONS, key=len, reverse=True))

# New tone placement (on the second vowel of oa, oe, uy) back to the old one.
_NEW_TO_OLD = {}
for _base, _second in (("o", "a"), ("o", "e"), ("u", "y")):
    for _mark in "\u0300\u0301\u0303\u0309\u0323":
        for _upper in (False, True):
            first = _base.upper() if _upper else _base
            new = first + unicodedata.normalize("NFC", _second + _mark)
            old = unicodedata.normalize("NFC", first + _mark) + _second
            _NEW_TO_OLD[new] = old


@dataclass
class Case:
    parts: list[str]  # commune, [district,] province, as written
    truth: str  # the commune's code
    legacy: bool
    noise: list[str]
    address: str = ""


def read_cases(
    count: int,
    seed: int,
    provinces: set[str] | None,
    only: tuple[set[str], set[str]] | None = None,
    vau_db: Path | None = None,
) -> list[Case]:
    """``count`` cases, a third of them 2025 units; ``only``: (legacy codes, 2025 codes)."""
    from kg.linking.admin import _vau_dir

    db = vau_db or _vau_dir() / "dataset.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        legacy = conn.execute(
            "SELECT ward, district, province, wardCode, provinceCode FROM admin_units_legacy "
            "WHERE ward IS NOT NULL AND ward != '' ORDER BY wardCode"
        ).fetchall()
        new = conn.execute(
            "SELECT ward, province, wardCode, provinceCode FROM admin_units ORDER BY wardCode"
        ).fetchall()
    if provinces:
        legacy = [r for r in legacy if r[4] in provinces]
        new = [r for r in new if r[3] in provinces]
    if only:
        legacy = [r for r in legacy if r[3] in only[0]]
        new = [r for r in new if r[2] in only[1]]
    rng = random.Random(seed)
    n_new = min(count // 3, len(new))
    cases = [Case([r[0], r[1], r[2]], r[3], True, []) for r in rng.sample(legacy, count - n_new)]
    cases += [Case([r[0], r[1]], r[2], False, []) for r in rng.sample(new, n_new)]
    rng.shuffle(cases)
    for case in cases:
        spoil(case, rng)
    return cases


def _split_type(part: str) -> tuple[str, str]:
    for kind in TYPES:
        if part.startswith(kind + " "):
            return kind, part[len(kind) + 1 :]
    return "", part


def _abbreviate(parts: list[str], rng: random.Random) -> list[str]:
    out = []
    for part in parts:
        kind, name = _split_type(part)
        if kind and rng.random() < 0.7:
            short = rng.choice(ABBREVIATIONS[kind])
            # Glued only to a number ("Q1"): "PKim Liên" is no one's spelling.
            glue = short.endswith((" ", ".")) or name.isdigit()
            out.append(short + name if glue else f"{short} {name}")
            if short.endswith(".") and rng.random() < 0.5:
                out[-1] = f"{short} {name}"
        else:
            out.append(part)
    return out


def _drop_types(parts: list[str], rng: random.Random) -> list[str]:
    out = []
    for part in parts:
        kind, name = _split_type(part)
        # A number alone is a house number: a ward named by its number keeps its type.
        keep = name.isdigit() or rng.random() < 0.2
        out.append(part if keep or not kind else name)
    return out


def _typo(parts: list[str], rng: random.Random) -> list[str]:
    # One error in the commune's or the district's name, in a word of 4 letters or more.
    index = rng.randrange(len(parts) - 1)
    kind, name = _split_type(parts[index])
    words = name.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not long_words:
        return parts
    i = rng.choice(long_words)
    word = words[i]
    at = rng.randrange(1, len(word) - 1)
    how = rng.choice(("drop", "swap", "double", "change"))
    if how == "drop":
        word = word[:at] + word[at + 1 :]
    elif how == "swap":
        word = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
    elif how == "double":
        word = word[:at] + word[at] + word[at:]
    else:
        word = word[:at] + rng.choice("aeinhtg") + word[at + 1 :]
    words[i] = word
    out = list(parts)
    out[index] = (kind + " " if kind else "") + " ".join(words)
    return out


NOISE: dict[str, Callable[[list[str], random.Random], list[str]]] = {
    "no diacritics": lambda parts, rng: [ascii_fold(p) for p in parts],
    "NFD": lambda parts, rng: [unicodedata.normalize("NFD", p) for p in parts],
    "old tone placement": lambda parts, rng: [_old_tones(p) for p in parts],
    "abbreviated types": _abbreviate,
    "missing types": _drop_types,
    "reversed levels": lambda parts, rng: list(reversed(parts)),
    "typo": _typo,
    "lower case": lambda parts, rng: [p.lower() for p in parts],
    "spaces, no commas": lambda parts, rng: parts,
}


def _old_tones(text: str) -> str:
    for new, old in _NEW_TO_OLD.items():
        text = text.replace(new, old)
    return text


def spoil(case: Case, rng: random.Random) -> None:
    kinds = rng.sample(sorted(NOISE), rng.randint(1, 3))
    # The typo goes before the types are changed, so that it lands in a name.
    kinds.sort(key=lambda k: (k != "typo", k == "reversed levels"))
    parts = list(case.parts)
    for kind in kinds:
        parts = NOISE[kind](parts, rng)
    separator = " " if "spaces, no commas" in kinds else rng.choice((", ", ",", " - ", "; "))
    case.noise = sorted(kinds)
    case.address = separator.join(parts)


# -- running both -----------------------------------------------------------------------


@dataclass
class Scores:
    answered: int = 0
    correct: int = 0
    ambiguous: int = 0
    coarser: int = 0

    def precision(self) -> float:
        return self.correct / self.answered if self.answered else 1.0

    def recall(self, total: int) -> float:
        return self.correct / total if total else 1.0


def run_kg(index: AddressIndex, cases: list[Case]) -> tuple[list[str | None], Scores]:
    scores = Scores()
    answers: list[str | None] = []
    for case in cases:
        found = index.resolve(case.address, LEGACY_DAY if case.legacy else NEW_DAY)
        unit = found.unit
        if unit is not None and unit.level == COMMUNE:
            answers.append(unit.code)
            scores.answered += 1
            scores.correct += unit.code == case.truth
        else:
            answers.append(None)
            scores.ambiguous += found.status != MATCHED and bool(found.units)
            scores.coarser += found.status == MATCHED
    return answers, scores


def run_baseline(cases: list[Case]) -> tuple[list[str | None], Scores]:
    from vietnamadminunits import parse_address

    scores = Scores()
    answers: list[str | None] = []
    for case in cases:
        mode, level = ("LEGACY", 3) if case.legacy else ("FROM_2025", 2)
        try:
            unit = parse_address(case.address, mode=mode, level=level)
            code = unit.ward_code if unit.ward else None
        except Exception:
            code = None
        answers.append(code)
        if code is not None:
            scores.answered += 1
            scores.correct += code == case.truth
    return answers, scores


def rate(job: Callable[[], object], count: int, runs: int) -> dict[str, tuple[float, float, float]]:
    """Addresses per second, by the wall clock and by the process's CPU time (the
    machine is shared: the CPU figure is what the code costs, the wall figure what a
    user waits), median, min and max of ``runs`` runs after a warm-up."""
    job()  # warm-up: caches, lazy loading
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        job()
        wall.append(count / (time.perf_counter() - start))
        cpu.append(count / max(time.process_time() - start_cpu, 1e-9))
    return {
        "wall": (statistics.median(wall), min(wall), max(wall)),
        "cpu": (statistics.median(cpu), min(cpu), max(cpu)),
    }


def report(args: argparse.Namespace, cases: list[Case]) -> str:
    t0 = time.perf_counter()
    index = AddressIndex.from_graph(sources=args.data or None)
    load_seconds = time.perf_counter() - t0
    ours, kg_scores = run_kg(index, cases)
    theirs, base_scores = run_baseline(cases)
    total = len(cases)
    kg_rate = rate(lambda: run_kg(index, cases), total, args.runs)
    base_rate = rate(lambda: run_baseline(cases), total, args.runs)
    legacy = sum(c.legacy for c in cases)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    cores = os.cpu_count()
    lines = [
        "## Address resolution against vietnamadminunits (issue 16, item 5)",
        "",
        f"`{' '.join(['python', 'bench/addresses.py', *sys.argv[1:]])}` on "
        f"{date.today().isoformat()}: {total} noisy addresses (seed {args.seed}; {legacy} "
        f"legacy, resolved at {LEGACY_DAY}, and {total - legacy} of 2025, at {NEW_DAY}); "
        f"kg read {len(index.units)} units from the graph in {load_seconds:.2f} s. "
        f"{cores} cores, load average {load} after the runs.",
        "",
        "| | precision | recall | answers | right | ambiguous | coarser | addresses/s, "
        "wall clock (median, min–max) | addresses/s, CPU time |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, s, speed in (
        ("kg link addresses", kg_scores, kg_rate),
        ("vietnamadminunits.parse_address", base_scores, base_rate),
    ):
        ambiguous = str(s.ambiguous) if name.startswith("kg") else "–"
        coarser = str(s.coarser) if name.startswith("kg") else "–"
        median, low, high = speed["wall"]
        cpu, cpu_low, cpu_high = speed["cpu"]
        lines.append(
            f"| {name} | {s.precision():.2%} | {s.recall(total):.2%} | {s.answered} | "
            f"{s.correct} | {ambiguous} | {coarser} | {median:,.0f} ({low:,.0f}–{high:,.0f}) | "
            f"{cpu:,.0f} ({cpu_low:,.0f}–{cpu_high:,.0f}) |"
        )
    wall, cpu = kg_rate["wall"][0], kg_rate["cpu"][0]
    lines += [
        "",
        "| goal | kg | met |",
        "|---|---:|:---:|",
        f"| precision ≥ {GOAL_PRECISION:.0%} and ≥ the baseline's ({base_scores.precision():.2%})"
        f" | {kg_scores.precision():.2%} | "
        f"{_met(kg_scores.precision() >= max(GOAL_PRECISION, base_scores.precision()))} |",
        f"| recall ≥ {GOAL_RECALL:.0%} and ≥ the baseline's ({base_scores.recall(total):.2%})"
        f" | {kg_scores.recall(total):.2%} | "
        f"{_met(kg_scores.recall(total) >= max(GOAL_RECALL, base_scores.recall(total)))} |",
        f"| ≥ {GOAL_RATE:,} addresses/s, wall clock | {wall:,.0f} | {_met(wall >= GOAL_RATE)} |",
        f"| ≥ {GOAL_RATE:,} addresses/s, CPU time | {cpu:,.0f} | {_met(cpu >= GOAL_RATE)} |",
    ]
    lines += ["", "Per noise kind (an address has one to three): recall, kg / baseline.", ""]
    lines += ["| noise | addresses | kg recall | baseline recall | kg wrong | baseline wrong |"]
    lines += ["|---|---:|---:|---:|---:|---:|"]
    per: Counter[str] = Counter()
    right: dict[str, Counter[str]] = {"kg": Counter(), "base": Counter()}
    wrong: dict[str, Counter[str]] = {"kg": Counter(), "base": Counter()}
    for case, mine, base in zip(cases, ours, theirs, strict=True):
        for kind in case.noise:
            per[kind] += 1
            for who, answer in (("kg", mine), ("base", base)):
                right[who][kind] += answer == case.truth
                wrong[who][kind] += answer is not None and answer != case.truth
    for kind in sorted(per):
        n = per[kind]
        lines.append(
            f"| {kind} | {n} | {right['kg'][kind] / n:.1%} | {right['base'][kind] / n:.1%} | "
            f"{wrong['kg'][kind]} | {wrong['base'][kind]} |"
        )
    if args.show_misses:
        lines += ["", "kg's misses:", ""]
        for case, mine in zip(cases, ours, strict=True):
            if mine != case.truth:
                found = index.resolve(case.address, LEGACY_DAY if case.legacy else NEW_DAY)
                lines.append(
                    f"- `{case.address}` ({', '.join(case.noise)}): truth {case.truth}, "
                    f"{found.status} {[(u.code, u.name, u.level) for u in found.units]}"
                )
    return "\n".join(lines) + "\n"


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def replace_section(path: Path, text: str) -> None:
    """Put ``text`` between this script's markers in ``path`` (appended the first time)."""
    old = path.read_text(encoding="utf-8")
    block = f"{BEGIN}\n\n{text}\n{END}"
    if BEGIN in old and END in old:
        new = old[: old.index(BEGIN)] + block + old[old.index(END) + len(END) :]
    else:
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(new, encoding="utf-8")


def write_sample(cases: list[Case], directory: Path) -> None:
    """The cases as CSV files to resolve, one per snapshot: ``sample-legacy.csv`` (to
    resolve at LEGACY_DAY) and ``sample-2025.csv`` (at NEW_DAY), with the columns
    ``id``, ``address``, ``truth`` (the unit's code) and ``noise``."""
    directory.mkdir(parents=True, exist_ok=True)
    for snapshot, legacy in (("legacy", True), ("2025", False)):
        path = directory / f"sample-{snapshot}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["id", "address", "truth", "noise"])
            for number, case in enumerate(cases, 1):
                if case.legacy == legacy:
                    writer.writerow([number, case.address, case.truth, "; ".join(case.noise)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=3000, help="addresses (default 3000)")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--runs", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument("--provinces", default="", help="only these province codes (a,b)")
    parser.add_argument("--data", action="append", help="read the units from these files")
    parser.add_argument("--report", type=Path, help="also write the report to this file")
    parser.add_argument(
        "--results", type=Path, help="replace this script's section of this file (results.md)"
    )
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--write-sample", type=Path, metavar="DIR")
    parser.add_argument(
        "--only-units", metavar="FILE", help="only communes this graph holds (for a sample)"
    )
    args = parser.parse_args()
    provinces = set(args.provinces.split(",")) if args.provinces else None
    only = None
    if args.only_units:
        units = AddressIndex.from_graph(sources=[args.only_units]).units
        communes = [u for u in units if u.level == COMMUNE]
        only = (
            {u.code for u in communes if u.valid_through is not None},
            {u.code for u in communes if u.valid_from is not None},
        )
    cases = read_cases(args.count, args.seed, provinces, only)
    if args.write_sample:
        write_sample(cases, args.write_sample)
        return 0
    text = report(args, cases)
    print(text, end="")
    if args.report:
        args.report.write_text(text, encoding="utf-8")
    if args.results:
        replace_section(args.results, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
