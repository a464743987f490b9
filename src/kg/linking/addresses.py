"""Free-text addresses resolved to the administrative units valid at a date.

``AddressIndex`` reads the units from the graph once (``read_units``: one SPARQL query
through ``kg.store``, so any engine or a loaded Dataset will do) and keys their names
the Vietnamese-aware way of ``kg.core.text`` and ``kg.linking.matching``. ``resolve``
then reads each address as words in segments (between commas, semicolons, slashes,
brackets; not dashes, which names hold: "Phường Lâm Viên - Đà Lạt"):

* every run of words that spells a unit's name (diacritics or not, NFC or NFD, either
  tone placement) is a *mention* of every unit valid at the date with that name; a
  unit type before it ("xã", "X.", "TP.", "Q1") is a hint that raises or lowers it;
* a *reading* of the address is a unit with its ancestors, each given at most one
  mention, the mentions not overlapping, in any order; its weight is the words its
  mentions explain, times how well they match (1 with the same diacritics, 0.95
  without any, 0.7 with other diacritics, 0.8 one typing error away);
* a segment that begins with a unit type ("xã Nam Điền") and that a reading leaves
  out counts against it: the address names a unit the reading does not explain;
* the heaviest reading wins. When several weigh the same, one containing the others
  wins ("Nam Định" alone is the province, not its city of the same name); otherwise
  the address is ``ambiguous``, with every candidate given and none chosen.

A typing error (one letter added, dropped, changed or two swapped, in a name of four
letters or more) is looked for only among the units the best readings make likely:
their units and those units' children, so a typo never opens the whole country.

One module because the index, the readings and the CSV and SSSOM writers share the
mention and reading types and their weights: split, the scoring would be read in one
place and explained in another.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise, product
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.core.errors import InputError, ParameterError
from kg.core.prefixes import PREFIXES
from kg.core.text import ascii_fold, match_key, nfc
from kg.linking.gazetteer import KNOWN_FROM
from kg.linking.matching import split_unit_name
from kg.sparql.terms import Term

if TYPE_CHECKING:
    from rdflib import Dataset

    from kg.store import KgStore

MATCHED = "matched"
AMBIGUOUS = "ambiguous"
UNMATCHED = "unmatched"

#: The columns ``link_csv`` adds, in this order, after the input's own.
OUTPUT_COLUMNS = (
    "kg_status",
    "kg_iri",
    "kg_code",
    "kg_name",
    "kg_level",
    "kg_score",
    "kg_current_codes",
    "kg_validity",
)

KNOWN = "known"
START_UNKNOWN = "start unknown"

PROVINCE = "province"
DISTRICT = "district"
COMMUNE = "commune"
_DEPTH = {PROVINCE: 0, DISTRICT: 1, COMMUNE: 2}

_KGO, _SCHEMA, _DCT = PREFIXES["kgo"], PREFIXES["schema"], PREFIXES["dct"]
_LEVEL_OF_CLASS = {
    _KGO + "Province": PROVINCE,
    _KGO + "District": DISTRICT,
    _KGO + "ProvincialCity": DISTRICT,
    _KGO + "UrbanDistrict": DISTRICT,
    _KGO + "DistrictTown": DISTRICT,
    _KGO + "Commune": COMMUNE,
    _KGO + "Ward": COMMUNE,
    _KGO + "Township": COMMUNE,
    _KGO + "SpecialZone": COMMUNE,
}
_LEVEL_OF_TYPE = {
    "tinh": PROVINCE,
    "huyen": DISTRICT,
    "quan": DISTRICT,
    "thi-xa": DISTRICT,
    "xa": COMMUNE,
    "phuong": COMMUNE,
    "thi-tran": COMMUNE,
    "dac-khu": COMMUNE,
}

# Every unit of the graph with what resolving needs, wherever its statements are: the
# gazetteer, the article's context and the links each say part of it.
UNITS_QUERY = f"""
PREFIX rdf: <{PREFIXES["rdf"]}>
PREFIX rdfs: <{PREFIXES["rdfs"]}>
PREFIX kgo: <{_KGO}>
PREFIX schema: <{_SCHEMA}>
PREFIX dct: <{_DCT}>
SELECT DISTINCT ?unit ?p ?o WHERE {{
  VALUES ?class {{ kgo:Province kgo:District kgo:UrbanDistrict kgo:DistrictTown
                  kgo:ProvincialCity kgo:Commune kgo:Ward kgo:Township kgo:SpecialZone }}
  GRAPH ?typed {{ ?unit a ?class }}
  VALUES ?p {{ rdf:type schema:name rdfs:label kgo:gsoCode schema:containedInPlace
              schema:validFrom schema:validThrough dct:isReplacedBy dct:replaces }}
  GRAPH ?said {{ ?unit ?p ?o }}
}}
"""

_MEANING = {
    PREFIXES["rdf"] + "type": "type",
    _SCHEMA + "name": "name",
    PREFIXES["rdfs"] + "label": "label",
    _KGO + "gsoCode": "code",
    _SCHEMA + "containedInPlace": "parent",
    _SCHEMA + "validFrom": "from",
    _SCHEMA + "validThrough": "through",
    _DCT + "isReplacedBy": "next",
    _DCT + "replaces": "previous",
}


@dataclass
class Unit:
    """An administrative unit as the graph gives it."""

    iri: str
    name: str = ""
    code: str = ""
    level: str = ""
    kind: str | None = None  # the unit type its name gives ("xa", "thanh-pho", ...)
    parent: str | None = None
    valid_from: date | None = None
    valid_through: date | None = None
    replaced_by: list[str] = field(default_factory=list)

    def valid_on(self, day: date) -> bool:
        """Not known to have begun after ``day`` nor ended before it (see ``validity_on``
        for a unit whose start the data does not give)."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_through is None or day <= self.valid_through
        )

    def validity_on(self, day: date) -> str:
        """``KNOWN`` when the data dates the unit's start or ``day`` is one the gazetteer
        vouches for (``KNOWN_FROM`` on), else ``START_UNKNOWN``: the unit may not have
        existed yet on ``day`` (one formed in a merger the data does not date)."""
        return KNOWN if self.valid_from is not None or day >= KNOWN_FROM else START_UNKNOWN


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _lexical(term: Any) -> str:
    return term.value if isinstance(term, Term) else str(term)


def read_units(
    *,
    store: KgStore | str | None = None,
    data: Dataset | None = None,
    sources: Sequence[str | Path] | None = None,
) -> list[Unit]:
    """The administrative units of the graph: of ``data`` (an rdflib Dataset), of
    ``store`` (a KgStore, loaded, or a store setting), else of ``sources`` (default: the
    shipped data) on the default engine."""
    from kg.store import run_text

    result = run_text(UNITS_QUERY, store=store, data=data, sources=sources)
    units: dict[str, Unit] = {}
    labels: dict[str, str] = {}
    classes: dict[str, str] = {}
    previous: list[tuple[str, str]] = []
    # The answer's own terms, not rdflib's: converting 10⁵ rows costs seconds.
    for row in result.solutions:
        iri, what = _lexical(row["unit"]), _MEANING[_lexical(row["p"])]
        value = row["o"]
        unit = units.setdefault(iri, Unit(iri))
        text = _lexical(value)
        if what == "type" and text in _LEVEL_OF_CLASS:
            classes[iri] = _LEVEL_OF_CLASS[text]
        elif what == "name" and (not unit.name or text < unit.name):
            unit.name = text
        elif what == "label" and getattr(value, "language", None) == "vi":
            labels[iri] = min(labels.get(iri, text), text)
        elif what == "code":
            unit.code = text
        elif what == "parent":
            unit.parent = text
        elif what == "from":
            unit.valid_from = _iso_date(text)
        elif what == "through":
            unit.valid_through = _iso_date(text)
        elif what == "next" and text not in unit.replaced_by:
            unit.replaced_by.append(text)
        elif what == "previous":
            previous.append((text, iri))
    for former, successor in previous:
        if former in units and successor not in units[former].replaced_by:
            units[former].replaced_by.append(successor)
    for iri, unit in units.items():
        unit.name = nfc(unit.name or labels.get(iri, ""))
        unit.kind = split_unit_name(unit.name)[0] if unit.name else None
        unit.level = classes.get(iri) or _LEVEL_OF_TYPE.get(unit.kind or "", "")
        unit.replaced_by.sort()
    # A unit whose end the graph does not state ended when the first of its
    # successors began (a unit merged before the 2025 reform).
    for unit in units.values():
        if unit.valid_through is None and unit.replaced_by:
            starts = [
                start
                for n in unit.replaced_by
                if n in units and (start := units[n].valid_from) is not None
            ]
            if starts:
                unit.valid_through = date.fromordinal(min(starts).toordinal() - 1)
    return sorted((u for u in units.values() if u.name and u.level), key=lambda u: u.iri)


#: The short names everyone writes for the two largest cities, as ASCII words, by the
#: ASCII name of the province: no unit is named so, and no other place is meant.
PROVINCE_SHORT_NAMES = {
    "ho chi minh": ("hcm", "tphcm", "sai gon"),
    "ha noi": ("hn",),
}

# -- reading an address ---------------------------------------------------------------------

#: Unit types as written before a name, full or abbreviated, as ASCII words.
_TYPE_WORDS: dict[tuple[str, ...], str] = {
    ("tinh",): "tinh",
    ("t",): "tinh",
    ("thanh", "pho"): "thanh-pho",
    ("tp",): "thanh-pho",
    ("huyen",): "huyen",
    ("h",): "huyen",
    ("quan",): "quan",
    ("q",): "quan",
    ("thi", "xa"): "thi-xa",
    ("tx",): "thi-xa",
    ("xa",): "xa",
    ("x",): "xa",
    ("phuong",): "phuong",
    ("p",): "phuong",
    ("thi", "tran"): "thi-tran",
    ("tt",): "thi-tran",
    ("dac", "khu"): "dac-khu",
}
#: The same types with their diacritics: a word written with other diacritics
#: ("Phương", "Huyền", "Quán") is a name, not a type.
_TYPE_SPELLING = {
    kind: tuple(match_key(word) for word in spelt.split())
    for kind, spelt in {
        "tinh": "tỉnh",
        "thanh-pho": "thành phố",
        "huyen": "huyện",
        "quan": "quận",
        "thi-xa": "thị xã",
        "xa": "xã",
        "phuong": "phường",
        "thi-tran": "thị trấn",
        "dac-khu": "đặc khu",
    }.items()
}
_LONGEST_TYPE = max(len(words) for words in _TYPE_WORDS)

# Not " - ": names hold it ("Phường Lâm Viên - Đà Lạt"), and words alone read well.
_SEPARATORS = re.compile(r"[,;/|()\[\]{}\n\r\t]+")
_GLUED_NUMBER = re.compile(r"^(tp|tx|tt|q|p|h|x|f)(\d+)$")
_LONGEST_NAME = 7

SAME = 1.0
NO_DIACRITICS = 0.95
OTHER_DIACRITICS = 0.7
TYPO = 0.8
HINT_AGREES = 0.5
HINT_DISAGREES = -0.5
UNEXPLAINED_UNIT = 1.5
#: An address is read up to this many characters and words; a unit by its heaviest
#: few mentions.
MAX_CHARACTERS = 1000
MAX_WORDS = 64
MENTIONS_PER_UNIT = 4
#: Readings this much lighter than the best are still searched for typing errors.
_MARGIN = 2 * TYPO


@dataclass(frozen=True)
class _Word:
    key: str  # match_key form: diacritics kept, tone placement and case folded
    plain: str  # ASCII, lower case, numbers without leading zeros
    segment: int


def _number(word: str) -> str:
    return str(int(word)) if word.isdigit() else word


#: The words of the segments seen, as (key, plain) pairs: the segments of a file's
#: addresses repeat ("Tỉnh Nam Định"), and keying them costs more than finding units.
_SEGMENT_WORDS: dict[str, tuple[tuple[str, str], ...]] = {}
_SEGMENTS_KEPT = 50_000


def _segment_words(segment: str) -> tuple[tuple[str, str], ...]:
    found = _SEGMENT_WORDS.get(segment)
    if found is not None:
        return found
    pairs: list[tuple[str, str]] = []
    for key in match_key(segment).split():
        plain = ascii_fold(key).lower()
        glued = _GLUED_NUMBER.match(plain)
        if glued:
            pairs.append((glued.group(1), glued.group(1)))
            pairs.append((glued.group(2), _number(glued.group(2))))
        elif plain:
            pairs.append((key, _number(plain)))
    found = tuple(pairs)
    if len(_SEGMENT_WORDS) < _SEGMENTS_KEPT:
        _SEGMENT_WORDS[segment] = found
    return found


def words_of(address: str) -> list[_Word]:
    words: list[_Word] = []
    for number, segment in enumerate(_SEPARATORS.split(nfc(address[:MAX_CHARACTERS]))):
        words.extend(_Word(key, plain, number) for key, plain in _segment_words(segment))
        if len(words) >= MAX_WORDS:
            break
    return words[:MAX_WORDS]


def _has_diacritics(word: _Word) -> bool:
    return word.key != word.plain and not word.plain.isdigit()


def _type_positions(words: list[_Word]) -> set[int]:
    """The positions of the words that spell a unit type ("thị trấn", "P"), whole and
    with the type's diacritics if any are written: "Thanh" alone is a name, "Thành
    phố" a type."""
    found: set[int] = set()
    for start in range(len(words)):
        for length in range(1, _LONGEST_TYPE + 1):
            run = words[start : start + length]
            if len(run) < length or run[-1].segment != run[0].segment:
                break
            kind = _TYPE_WORDS.get(tuple(w.plain for w in run))
            if kind is None:
                continue
            spelt = _TYPE_SPELLING[kind]
            if len(run) != len(spelt) or not any(
                _has_diacritics(w) and w.key != k for w, k in zip(run, spelt, strict=True)
            ):
                found.update(range(start, start + length))
    return found


def _hints_before(words: list[_Word], start: int) -> list[tuple[str, int]]:
    """The unit types written just before ``words[start]``, each with where it begins
    ("thị xã" and "xã" both end before a name)."""
    found = []
    for length in range(_LONGEST_TYPE, 0, -1):
        begin = start - length
        if begin < 0 or words[begin].segment != words[start].segment:
            continue
        run = words[begin:start]
        kind = _TYPE_WORDS.get(tuple(w.plain for w in run))
        if kind is None:
            continue
        spelt = _TYPE_SPELLING[kind]
        if len(run) == len(spelt) and any(
            _has_diacritics(w) and w.key != s for w, s in zip(run, spelt, strict=True)
        ):
            continue
        found.append((kind, begin))
    return found


def _mentions_at(
    unit: Unit,
    hints: list[tuple[str, int]],
    start: int,
    end: int,
    name_weight: float,
    quality: float,
) -> Iterator[_Mention]:
    """``unit`` named by words ``start:end``, with each type written before it, and
    without: a type word may belong to the name before ("Thị" of "An Thi", then "Xã")."""
    worst = 0.0
    for hint, begin in hints:
        extra = _hint_weight(hint, unit)
        worst = min(worst, extra)
        yield _Mention(unit, begin, end, name_weight + extra, quality)
    # Left out, a type that disagrees still counts against the unit.
    yield _Mention(unit, start, end, name_weight + worst, quality)


@dataclass(frozen=True)
class _Mention:
    unit: Unit
    start: int  # first word, type hint included
    end: int  # one past the last word
    weight: float
    quality: float


def _quality(words: Sequence[_Word], name_key: str, written: bool) -> float:
    """How well ``words`` spell the name; ``written``: the address has diacritics
    somewhere, so that a word without them means a name without them ("Ia Bang", not
    "Ia Băng"); in an address without any, it means nothing."""
    plain = not any(_has_diacritics(w) for w in words)
    if plain and not written:
        return NO_DIACRITICS
    if " ".join(w.key for w in words) == name_key:
        return SAME
    return NO_DIACRITICS if plain else OTHER_DIACRITICS


def _hint_weight(hint: str | None, unit: Unit) -> float:
    if hint is None or unit.kind is None:
        return 0.0
    if hint == unit.kind:
        return HINT_AGREES
    return HINT_DISAGREES


def _one_edit_apart(a: str, b: str) -> bool:
    """Whether one letter added, dropped, changed, or two neighbours swapped, makes
    ``a`` into ``b``."""
    if a == b:
        return False
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diffs = [i for i in range(la) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


@dataclass(frozen=True)
class Resolution:
    """What an address resolved to: one unit (``matched``), several (``ambiguous``, in
    code order) or none (``unmatched``), with the units covering them since the 2025
    reform."""

    status: str
    units: tuple[Unit, ...] = ()
    score: float = 0.0
    current_codes: tuple[str, ...] = ()
    validity: tuple[str, ...] = ()  # each unit's ``Unit.validity_on`` the date

    @property
    def unit(self) -> Unit | None:
        return self.units[0] if self.status == MATCHED else None

    def columns(self) -> dict[str, str]:
        """The ``kg_*`` columns of ``link_csv`` (candidates ``;``-separated)."""
        levels = sorted({u.level for u in self.units}, key=_DEPTH.__getitem__)
        return {
            "kg_status": self.status,
            "kg_iri": ";".join(u.iri for u in self.units),
            "kg_code": ";".join(u.code for u in self.units),
            "kg_name": ";".join(u.name for u in self.units),
            "kg_level": ";".join(levels),
            "kg_score": f"{self.score:.2f}" if self.units else "",
            "kg_current_codes": ";".join(self.current_codes),
            "kg_validity": ";".join(self.validity),
        }


class _DateView:
    """The units valid at one date, keyed for lookup."""

    def __init__(self, index: AddressIndex, day: date) -> None:
        self.day = day
        self.by_plain: dict[str, list[tuple[Unit, str]]] = {}
        self.children: dict[str, dict[str, Unit]] = {}
        self.provinces: dict[str, Unit] = {}
        self.units: dict[str, Unit] = {}
        self._chains: dict[str, list[Unit]] = {}
        self._chain_iris: dict[str, tuple[str, ...]] = {}
        for unit in index.units:
            if not unit.valid_on(day):
                continue
            self.units[unit.iri] = unit
            key = index.name_key[unit.iri]
            self.by_plain.setdefault(index.plain_name[unit.iri], []).append((unit, key))
            if unit.parent:
                self.children.setdefault(unit.parent, {})[unit.iri] = unit
            if unit.level == PROVINCE:
                self.provinces[unit.iri] = unit
                for alias in PROVINCE_SHORT_NAMES.get(index.plain_name[unit.iri], ()):
                    self.by_plain.setdefault(alias, []).append((unit, key))

    def chain_iris(self, iri: str) -> tuple[str, ...]:
        found = self._chain_iris.get(iri)
        if found is None:
            found = self._chain_iris[iri] = tuple(u.iri for u in self.chain(self.units[iri]))
        return found

    def chain(self, unit: Unit) -> list[Unit]:
        """``unit`` and its ancestors valid at the date, most specific first."""
        cached = self._chains.get(unit.iri)
        if cached is not None:
            return cached
        found = [unit]
        while (parent := found[-1].parent) is not None and parent in self.units:
            if len(found) == 4:
                break  # a cycle in the data
            found.append(self.units[parent])
        self._chains[unit.iri] = found
        return found


class AddressIndex:
    """The units of the graph, read once, ready to resolve addresses at any date."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self.units = list(units)
        self.by_iri = {u.iri: u for u in self.units}
        self.name_key: dict[str, str] = {}
        self.plain_name: dict[str, str] = {}
        #: name in ASCII, its number of words, its letters: for names a typo may hide
        self.fuzzy_key: dict[str, tuple[str, int, frozenset[str]]] = {}
        #: the names (in ASCII) of the units that lay in a unit, at any date
        self.names_within: dict[str | None, set[str]] = {}
        for unit in self.units:
            key = " ".join(_number(w) for w in split_unit_name(unit.name)[1].split())
            self.name_key[unit.iri] = key
            plain = self.plain_name[unit.iri] = ascii_fold(key).lower()
            self.names_within.setdefault(unit.parent, set()).add(plain)
            # One letter off a short name, or a number, is another name.
            if len(plain) >= 4 and not key.isdigit():
                self.fuzzy_key[unit.iri] = (plain, key.count(" ") + 1, frozenset(plain))
        self._views: dict[date, _DateView] = {}
        self._current: dict[str, tuple[str, ...]] = {}

    @classmethod
    def from_graph(
        cls,
        *,
        store: KgStore | str | None = None,
        data: Dataset | None = None,
        sources: Sequence[str | Path] | None = None,
    ) -> AddressIndex:
        return cls(read_units(store=store, data=data, sources=sources))

    def view(self, day: date) -> _DateView:
        found = self._views.get(day)
        if found is None:
            found = self._views[day] = _DateView(self, day)
        return found

    def current_codes(self, unit: Unit) -> tuple[str, ...]:
        """The codes of the units that cover ``unit`` today: itself if it has not ended,
        else its successors', followed to the end; a unit the graph gives no successor
        is covered by its parts' successors (a district abolished in 2025)."""
        found = self._current.get(unit.iri)
        if found is not None:
            return found
        self._current[unit.iri] = ()  # a cycle in the data ends here
        codes: set[str] = set()
        if unit.valid_through is None and not unit.replaced_by:
            codes.add(unit.code)
        elif unit.replaced_by:
            for successor in unit.replaced_by:
                if successor in self.by_iri:
                    codes.update(self.current_codes(self.by_iri[successor]))
        else:
            for child in self._children_of(unit):
                codes.update(self.current_codes(child))
        found = tuple(sorted(c for c in codes if c))
        self._current[unit.iri] = found
        return found

    def _children_of(self, unit: Unit) -> list[Unit]:
        return [
            u
            for u in self.units
            if u.parent == unit.iri
            and (unit.valid_through is None or u.valid_on(unit.valid_through))
        ]

    # -- resolving ---------------------------------------------------------------------

    def resolve(self, address: str, day: date) -> Resolution:
        view = self.view(day)
        words = words_of(address)
        mentions = self._exact_mentions(view, words)
        readings = self._readings(view, words, mentions)
        if not readings:
            return Resolution(UNMATCHED)
        best = max(weight for weight, _, _ in readings)
        tied = {leaf.iri: (leaf, quality) for weight, leaf, quality in readings if weight == best}
        # A unit that contains another of the tied ones is the reading that claims
        # nothing the address does not say.
        kept = [
            (leaf, quality)
            for leaf, quality in tied.values()
            if not any(other in view.chain(leaf)[1:] for other, _ in tied.values())
        ]
        if len(kept) == 1:
            leaf, quality = kept[0]
            return Resolution(
                MATCHED, (leaf,), quality, self.current_codes(leaf), (leaf.validity_on(day),)
            )
        kept.sort(key=lambda found: (found[0].code, found[0].iri))
        quality = min(q for _, q in kept)
        units = tuple(u for u, _ in kept)
        return Resolution(AMBIGUOUS, units, quality, (), tuple(u.validity_on(day) for u in units))

    def _exact_mentions(self, view: _DateView, words: list[_Word]) -> list[_Mention]:
        mentions: list[_Mention] = []
        written = any(_has_diacritics(w) for w in words)
        for start in range(len(words)):
            segment = words[start].segment
            text = ""
            hints: list[tuple[str, int]] | None = None
            for end in range(start + 1, min(len(words), start + _LONGEST_NAME) + 1):
                if words[end - 1].segment != segment:
                    break
                text = f"{text} {words[end - 1].plain}" if text else words[end - 1].plain
                found = view.by_plain.get(text)
                if not found:
                    continue
                run = words[start:end]
                if hints is None:
                    hints = _hints_before(words, start)
                for unit, key in found:
                    if not hints and key.isdigit():
                        continue  # "12" is a house number unless a type says otherwise
                    quality = _quality(run, key, written)
                    weight = (end - start) * quality
                    mentions.extend(_mentions_at(unit, hints, start, end, weight, quality))
        return mentions

    def _fuzzy_mentions(self, words: list[_Word], targets: Iterable[Unit]) -> list[_Mention]:
        mentions: list[_Mention] = []
        runs: dict[int, list[tuple[int, str, frozenset[str]]]] = {}
        typed: set[int] | None = None
        for unit in targets:
            fuzzy = self.fuzzy_key.get(unit.iri)
            if fuzzy is None:
                continue
            plain, size, letters = fuzzy
            # A name one of its siblings bore, at this date or another, is that unit's, not
            # a misspelling: "xã Nam Điền" before Nam Điền was formed is not Nam Tiến.
            siblings = self.names_within.get(unit.parent, set())
            spans = runs.get(size)
            if spans is None:
                spans = runs[size] = []
                if typed is None:
                    typed = _type_positions(words)
                for start in range(len(words) - size + 1):
                    # A type is not a misspelt name: "Thị trấn Thắng" is not "Toàn
                    # Thắng" one letter off.
                    if words[start].segment == words[start + size - 1].segment and not any(
                        i in typed for i in range(start, start + size)
                    ):
                        text = " ".join(w.plain for w in words[start : start + size])
                        spans.append((start, text, frozenset(text)))
            for start, text, seen in spans:
                # One edit changes at most two of the letters used: most names are
                # told apart by their sets of letters, in C, before letter by letter.
                if (
                    len(seen ^ letters) <= 2
                    and -1 <= len(text) - len(plain) <= 1
                    and _one_edit_apart(text, plain)
                    and text not in siblings
                ):
                    hints = _hints_before(words, start)
                    end = start + size
                    mentions.extend(_mentions_at(unit, hints, start, end, size * TYPO, TYPO))
        return mentions

    def _readings(
        self, view: _DateView, words: list[_Word], mentions: list[_Mention]
    ) -> list[tuple[float, Unit, float]]:
        by_unit: dict[str, list[_Mention]] = {}
        for mention in mentions:
            by_unit.setdefault(mention.unit.iri, []).append(mention)
        readings = self._leading_readings(view, by_unit)
        searched: set[str] = set()
        # Typing errors are looked for among the ancestors of the best readings and the
        # children of their units, and only while the best reading stops above a
        # commune or leaves a word beside its names unexplained ("Hội An Đônng": not
        # Hội An but Hội An Đông); twice, so a typo in the district still leads to the
        # commune.
        for _ in range(2):
            live = [r for r in readings if r.weight > 0]
            top = max((r.weight for r in live), default=0.0)
            leading = [r for r in live if r.weight >= top - _MARGIN]
            if leading and not any(
                r.leaf.level != COMMUNE or _loose_words(words, r.spans) for r in leading
            ):
                break
            targets: dict[str, Unit] = {}
            for reading in leading:
                for unit in view.chain(reading.leaf):
                    targets[unit.iri] = unit
                    targets.update(view.children.get(unit.iri, {}))
            if not leading:
                targets = view.provinces
            fresh = [targets[iri] for iri in targets.keys() - searched]
            searched.update(targets)
            extra = self._fuzzy_mentions(words, fresh)
            if not extra:
                break
            for mention in extra:
                by_unit.setdefault(mention.unit.iri, []).append(mention)
            readings = self._leading_readings(view, by_unit)
        # A segment that says it names a unit ("xã Nam Điền") and that the reading leaves
        # out counts against it: the reading missed a unit the address names (one
        # before the date, or misspelt beyond repair), and may be reading a
        # namesake elsewhere.
        typed = _typed_segments(words)
        found = []
        for r in readings:
            told = {words[i].segment for start, end in r.spans for i in range(start, end)}
            weight = round(r.weight - UNEXPLAINED_UNIT * len(typed - told), 6)
            if weight > 0:
                found.append((weight, r.leaf, r.quality))
        return found

    def _leading_readings(
        self, view: _DateView, by_unit: dict[str, list[_Mention]]
    ) -> list[_Reading]:
        """The readings that weigh at most ``_MARGIN`` less than the heaviest: a unit is
        read only if the best mentions of it and its ancestors could reach that."""
        best_of = {iri: max(m.weight for m in found) for iri, found in by_unit.items()}
        bounds = sorted(
            (
                (sum(max(best_of.get(up, 0.0), 0.0) for up in view.chain_iris(iri)), iri)
                for iri in by_unit
            ),
            reverse=True,
        )
        readings: list[_Reading] = []
        top = 0.0
        for bound, iri in bounds:
            if bound < top - _MARGIN:
                break
            reading = self._best_reading(view, view.units[iri], by_unit)
            readings.append(reading)
            top = max(top, reading.weight)
        return readings

    def _best_reading(
        self, view: _DateView, leaf: Unit, by_unit: dict[str, list[_Mention]]
    ) -> _Reading:
        """The best way the address names ``leaf`` (itself named) and its ancestors."""
        chain = view.chain(leaf)
        options = [_strongest(by_unit.get(chain[0].iri, []))] + [
            [None, *_strongest(by_unit.get(u.iri, []))] for u in chain[1:]
        ]
        best = _Reading(0.0, leaf, 0.0, ())
        for choice in product(*options):
            picked = [m for m in choice if m is not None]
            spans = sorted((m.start, m.end) for m in picked)
            if any(a[1] > b[0] for a, b in pairwise(spans)):
                continue
            weight = sum(m.weight for m in picked)
            if weight > best.weight:
                quality = sum(m.quality for m in picked) / len(picked)
                best = _Reading(weight, leaf, quality, tuple(spans))
        return best


@dataclass(frozen=True)
class _Reading:
    weight: float
    leaf: Unit
    quality: float
    spans: tuple[tuple[int, int], ...]


def _strongest(mentions: list[_Mention]) -> list[_Mention]:
    """The few heaviest mentions of a unit: an address that names it a hundred times
    must not make a hundred³ readings."""
    if len(mentions) <= MENTIONS_PER_UNIT:
        return mentions
    return sorted(mentions, key=lambda m: -m.weight)[:MENTIONS_PER_UNIT]


def _typed_segments(words: list[_Word]) -> set[int]:
    """The segments that begin with a unit type and go on with a name."""
    typed = set()
    for i, word in enumerate(words):
        if i and words[i - 1].segment == word.segment:
            continue
        for length in range(1, _LONGEST_TYPE + 1):
            after = i + length
            if (
                after < len(words)
                and words[after].segment == word.segment
                and any(begin == i for _, begin in _hints_before(words, after))
            ):
                typed.add(word.segment)
                break
    return typed


def _loose_words(words: list[_Word], spans: tuple[tuple[int, int], ...]) -> bool:
    """Whether a word next to one of ``spans``, in its segment, is explained by none."""
    covered = {i for start, end in spans for i in range(start, end)}
    for start, end in spans:
        for i in (start - 1, end):
            if (
                0 <= i < len(words)
                and i not in covered
                and words[i].segment == words[start].segment
                and not words[i].plain.isdigit()
            ):
                return True
    return False


def resolve(
    addresses: Iterable[str],
    day: date | str,
    *,
    index: AddressIndex | None = None,
    store: KgStore | str | None = None,
    data: Dataset | None = None,
    sources: Sequence[str | Path] | None = None,
) -> list[Resolution]:
    """Resolve each of ``addresses`` to the units valid on ``day``, in order.

    The units come from ``index`` or else are read from the graph: ``data``, ``store``
    or ``sources`` (default: the shipped data), as ``read_units``. Build an
    ``AddressIndex`` once to resolve several batches against the same graph.
    """
    when = parse_day(day) if isinstance(day, str) else day
    found = index or AddressIndex.from_graph(store=store, data=data, sources=sources)
    return [found.resolve(address, when) for address in addresses]


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ParameterError(f"--date: {text!r} is not a date (YYYY-MM-DD)") from None


# -- CSV files ------------------------------------------------------------------------------


@dataclass
class AddressTable:
    """A CSV file read whole: its header and rows, as written."""

    path: str
    header: list[str]
    rows: list[list[str]]
    lines: list[int]  # the line each row starts on

    def column(self, name: str) -> int:
        if name in self.header:
            return self.header.index(name)
        known = ", ".join(self.header)
        raise ParameterError(f"--column: {self.path} has no column {name!r} (it has: {known})")


def read_table(path: str | Path, data: bytes | None = None) -> AddressTable:
    """A UTF-8 CSV file (a byte-order mark allowed) with a header line; InputError with
    the line and column of what is wrong."""
    shown = str(path)
    if data is None:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", shown) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError("not UTF-8", shown, line, exc.start - line_start + 1) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        header = next(reader, None)
        if header is None:
            raise InputError("empty file: a header line is needed", shown)
        start = reader.line_num + 1
        for row in reader:
            if row:
                if len(row) > len(header):
                    raise InputError(
                        f"{len(row)} fields, the header has {len(header)}",
                        shown,
                        start,
                        len(header) + 1,
                    )
                rows.append(row + [""] * (len(header) - len(row)))
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"not CSV: {exc}", shown, reader.line_num) from None
    taken = [c for c in OUTPUT_COLUMNS if c in header]
    if taken:
        raise InputError(f"the file already has the column {taken[0]}: resolve the input", shown, 1)
    return AddressTable(shown, header, rows, lines)


def table_csv(table: AddressTable, resolutions: Sequence[Resolution]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*table.header, *OUTPUT_COLUMNS])
    for row, resolution in zip(table.rows, resolutions, strict=True):
        columns = resolution.columns()
        writer.writerow([*row, *(columns[c] for c in OUTPUT_COLUMNS)])
    return out.getvalue().encode("utf-8")


def sssom_tsv(
    table: AddressTable, column: int, day: date, resolutions: Sequence[Resolution]
) -> bytes:
    """The matched addresses as an SSSOM mapping set: each row (``row:N``, its line in
    the input) ``skos:exactMatch`` the unit it names."""
    from kg.core.version import __version__
    from kg.linking.linksets import PUBLISHER, compact, sssom_document

    source = Path(table.path).resolve().as_uri()
    rows = []
    for line, row, resolution in zip(table.lines, table.rows, resolutions, strict=True):
        unit = resolution.unit
        if unit is None:
            continue
        rows.append(
            {
                "subject_id": f"row:{line}",
                # A quoted CSV field may hold line breaks; a TSV row may not.
                "subject_label": " ".join(row[column].split()),
                "predicate_id": "skos:exactMatch",
                "object_id": compact(unit.iri),
                "object_label": unit.name,
                "mapping_justification": "semapv:LexicalMatching",
                "confidence": f"{resolution.score:.2f}",
                "author_id": compact(str(PUBLISHER)),
                "mapping_tool": f"kg {__version__} (kg link addresses)",
                "comment": f"units valid on {day.isoformat()}",
            }
        )
    meta = {
        "mapping_set_id": f"{source}#kg-addresses",
        "mapping_set_title": f"Addresses of {Path(table.path).name} resolved to "
        "administrative units",
        "mapping_set_description": "Free-text addresses, one row of the input file each, "
        f"resolved by kg link addresses to the units valid on {day.isoformat()}; only "
        "addresses that name one unit are mapped.",
        "subject_source": source,
    }
    return sssom_document(rows, meta, {"row": f"{source}#row="}).encode("utf-8")


def link_csv(
    path: str | Path,
    column: str,
    day: date | str,
    output: str | Path,
    *,
    sssom: str | Path | None = None,
    index: AddressIndex | None = None,
    store: KgStore | str | None = None,
    sources: Sequence[str | Path] | None = None,
    progress: Callable[[Iterable[int]], Iterator[int]] | None = None,
) -> list[Resolution]:
    """Resolve the addresses of the CSV file ``path`` (its column ``column``) at ``day``
    and write ``output``: the input's columns as they were, then ``OUTPUT_COLUMNS``;
    with ``sssom``, also the mappings as an SSSOM set. The files are written together,
    whole or not at all. ``progress`` wraps the loop over row numbers (a progress bar).
    """
    from kg.core.files import write_atomic, write_together

    when = parse_day(day) if isinstance(day, str) else day
    table = read_table(path)
    where = table.column(column)
    found = index or AddressIndex.from_graph(store=store, sources=sources)
    numbers: Iterable[int] = range(len(table.rows))
    if progress is not None:
        numbers = progress(numbers)
    resolutions = [found.resolve(table.rows[i][where], when) for i in numbers]
    written = table_csv(table, resolutions)
    if sssom is None:
        write_atomic(output, written)
    else:
        mappings = sssom_tsv(table, where, when, resolutions)
        write_together([(Path(output), written), (Path(sssom), mappings)])
    return resolutions


def describe(resolutions: Sequence[Resolution]) -> dict[str, Any]:
    """How many addresses got each status."""
    counts = {MATCHED: 0, AMBIGUOUS: 0, UNMATCHED: 0}
    for resolution in resolutions:
        counts[resolution.status] += 1
    return counts
