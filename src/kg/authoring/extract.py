"""Candidate facts found in the words of a report, each with the span that supports it.

The recognisers read the NFC text through a search form of the same length (lower case,
every tone mark on one canonical vowel, so "ủy" and "uỷ", "hòa" and "hoà" read alike),
so a match's offsets are the offsets of the words in the stored text: code points of
the NFC text, as the evidence table and the Web Annotation selectors count them.

Nothing here guesses what it cannot read: a figure keeps its bound as written ("hơn 10
nghìn" is more than 10000), a number that names something (Nghị quyết Trung ương *4*,
a year, a document number) is not a figure, and an approximate figure is proposed with
no value property, since the ontology has none for it.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache

from kg.authoring import lexicon
from kg.core.text import TONE_MARKS, nfc

_WORD = re.compile(r"\w+")
_VOWELS = frozenset("aăâeêioôơuưy")

KINDS = ("figure", "document", "person", "post", "body", "place", "period", "quotation")
BOUNDS = tuple(lexicon.BOUND_PROPERTY)


@dataclass(frozen=True)
class Candidate:
    """One proposed fact: the words, where they are, and what they are read to say."""

    kind: str
    start: int
    end: int
    quote: str
    value: str = ""
    bound: str = ""
    unit: str = ""
    identifier: str = ""
    iri: str = ""
    confidence: float = 0.5
    types: tuple[str, ...] = ()
    label: str = ""
    #: Other candidates this one is read with (a person's post, a quotation's speaker).
    related: tuple[str, ...] = field(default=())

    def overlaps(self, start: int, end: int) -> bool:
        return self.start < end and start < self.end


@lru_cache(maxsize=65536)
def _canonical_syllable(word: str) -> str:
    """``word`` with its tone mark on its last vowel: one spelling for old and new rules.
    Returns ``word`` unchanged when that would change its length."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = [ch for ch in decomposed if ch in TONE_MARKS]
    if len(tones) != 1:
        return word
    bare = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in TONE_MARKS))
    last_vowel = max(
        (i for i, ch in enumerate(bare) if unicodedata.normalize("NFD", ch)[0] in _VOWELS),
        default=-1,
    )
    if last_vowel < 0:
        return word
    placed = bare[: last_vowel + 1] + tones[0] + bare[last_vowel + 1 :]
    canonical = unicodedata.normalize("NFC", placed)
    return canonical if len(canonical) == len(word) else word


def search_form(text: str) -> str:
    """Lower case, tone marks placed canonically; same length as ``text`` (NFC)."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    return _WORD.sub(lambda m: _canonical_syllable(m.group(0)), lowered)


def _alternation(words: tuple[str, ...] | list[str]) -> str:
    forms = sorted({search_form(nfc(w)) for w in words}, key=len, reverse=True)
    return "|".join(re.escape(f) for f in forms)


_NUMBER = re.compile(r"(?<![\w/.,:+-])(\d{1,3}(?:\.\d{3})+|\d+(?:,\d+)?)(?![\w/:-]|[.,]\d)")
_SCALE = re.compile(r"\s*(" + _alternation(list(lexicon.SCALE_WORDS)) + r")\b")
_PERCENT = re.compile(search_form(r"\s*(%|phần trăm)"))
_BOUND_BEFORE = re.compile(
    r"(?:^|[\s(])(" + _alternation([w for w, _ in lexicon.BOUND_WORDS]) + r")\s+$"
)
_NAME_BEFORE = re.compile(r"(?:^|\s)(" + _alternation(lexicon.NAME_BEFORE_NUMBER) + r")\s+$")
_BOUND_OF = {search_form(w): kind for w, kind in lexicon.BOUND_WORDS}
_SCALE_OF = {search_form(w): n for w, n in lexicon.SCALE_WORDS.items()}
_NOT_COUNTED = frozenset(search_form(w) for w in ("năm", "tháng", "ngày", "giờ", "lần", "khóa"))
_COUNTED_STOP_WORDS = frozenset(search_form(w) for w in lexicon.COUNTED_STOP_WORDS)

_DOCUMENT_NUMBER = re.compile(
    r"(?<![\w/-])(\d{1,4})(?:/(\d{4}))?[-/]([A-ZĐ][A-Za-zĐđ]*)((?:[-/][A-ZĐ][A-Za-zĐđ]*)+)"
)
_DOCUMENT_WORD = re.compile(r"(?<!\w)(" + _alternation(list(lexicon.DOCUMENT_WORDS)) + r")(?!\w)")
_PLENUM_RESOLUTION = re.compile(
    search_form(
        r"nghị quyết (?:hội nghị )?trung ương (\d{1,2})(?: \(khóa ([ivxlc]+)\)| khóa ([ivxlc]+))?"
    )
)
_DUTIES_DOCUMENT = re.compile(search_form(r"văn bản (?:quy định|hướng dẫn|về) "))
_DOCUMENT_END = re.compile(r"[,.;:!?()“”\"\n…]")

_NEXT_WORD = re.compile(r" (\w+)")


def _capitalised_words(text: str, position: int, most: int = 4) -> int:
    """The end of the capitalised words from ``position`` on ("Lê Quang Huy"), or
    ``position`` when the first is not capitalised."""
    first = re.compile(r"\w+").match(text, position)
    if not first or not first.group(0)[0].isupper():
        return position
    end, count = first.end(), 1
    while count < most:
        word = _NEXT_WORD.match(text, end)
        if not word or not word.group(1)[0].isupper():
            break
        end, count = word.end(), count + 1
    return end


_PERSON_TITLE = re.compile(r"(?<!\w)(" + _alternation(lexicon.PERSON_TITLES) + r")\s+")
_POST_HEAD = re.compile(r"(?<!\w)(" + _alternation(lexicon.POST_HEADS) + r")(?!\w)")
_BODY_HEAD = re.compile(r"(?<!\w)(" + _alternation(lexicon.BODY_HEADS) + r")(?!\w)")
_PLACE_HEAD = re.compile(r"(?<!\w)(" + _alternation(lexicon.PLACE_HEADS) + r")\s+")
_SAYING = re.compile(r"(" + _alternation(lexicon.SAYING_VERBS) + r")\s*:\s*“([^”]{20,})”")
_BYLINE = re.compile(search_form(r"^(?:bài(?: và ảnh)?|ảnh|tin)\s*:\s*"), re.MULTILINE)

_PERIOD_RANGE = re.compile(
    search_form(
        r"(?:(giai đoạn|nhiệm kỳ)\s+)?(?<!\d)((?:19|20)\d{2})\s*[-–]\s*((?:19|20)\d{2})(?!\d)"
    )
)
_PERIOD_SINCE = re.compile(
    search_form(r"từ (?:năm )?((?:19|20)\d{2}) (?:đến|tới) (nay|(?:năm )?((?:19|20)\d{2}))")
)
_PERIOD_YEAR = re.compile(search_form(r"(?<![\w-])năm ((?:19|20)\d{2})(?![\w-])"))
_PERIOD_DURATION = re.compile(search_form(r"(?<![\w.,])(\d{1,2}) năm(?! \d)(?!\w)"))
_PERIOD_EACH_YEAR = re.compile(search_form(r"(?<!\w)(hằng năm|hàng năm)(?!\w)"))
_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/((?:19|20)\d{2})(?![\d/])")

_CLAUSE_END = re.compile(
    r"[,.;:!?()“”\"\n…]|" + _alternation([" và ", " với ", " của ", " cho biết"])
)


def _decimal(number: str) -> Decimal:
    """A Vietnamese number as written: "10.000" is ten thousand, "95,5" a decimal."""
    if "," in number:
        return Decimal(number.replace(",", "."))
    return Decimal(number.replace(".", ""))


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _counted_phrase(text: str, search: str, start: int) -> tuple[str, int]:
    """The words after a number that say what it counts, and where they end."""
    words: list[str] = []
    end = start
    # A window, not the rest of the text: the phrase is a few words.
    for match in re.finditer(r"[^\s]+", search[start : start + 200]):
        token = match.group(0)
        clean = token.rstrip(',.;:!?…)”"')
        if not clean or not clean[0].isalpha() or clean in _COUNTED_STOP_WORDS:
            break
        if clean.startswith("“"):
            break
        words.append(text[start + match.start() : start + match.start() + len(clean)])
        end = start + match.start() + len(clean)
        if clean != token or len(words) >= lexicon.COUNTED_MAX_WORDS:
            break
    return " ".join(words), end


def figures(text: str, search: str) -> Iterator[Candidate]:
    for match in _NUMBER.finditer(search):
        before = search[max(0, match.start() - 24) : match.start()]
        if _NAME_BEFORE.search(before):
            continue
        value = _decimal(match.group(1))
        end = match.end()
        scale = _SCALE.match(search, end)
        if scale:
            value *= _SCALE_OF[scale.group(1)]
            end = scale.end()
        percent = _PERCENT.match(search, end)
        if percent:
            end = percent.end()
            unit, unit_end = "percent", end
        else:
            following = search[end : end + 40].split(None, 1)
            if following and following[0].rstrip(",.;") in _NOT_COUNTED:
                continue
            if not scale and 1900 <= value <= 2100 and value == int(value):
                continue  # a year: the period recognisers read it
            unit, unit_end = _counted_phrase(text, search, end + 1 if end < len(text) else end)
        bound_match = _BOUND_BEFORE.search(before)
        start = match.start()
        bound = "exact"
        if bound_match:
            bound = _BOUND_OF[bound_match.group(1)]
            start = match.start() - len(before) + bound_match.start(1)
        quote_end = max(end, unit_end)
        yield Candidate(
            kind="figure",
            start=start,
            end=quote_end,
            quote=text[start:quote_end],
            value=_plain(value),
            bound=bound,
            unit=unit,
            confidence=0.9 if unit else 0.4,
            types=("kgo:Percentage",) if unit == "percent" else ("kgo:Count",),
        )


def _document_type(code: str, issuer: str) -> str:
    if code in lexicon.DOCUMENT_CODES:
        return lexicon.DOCUMENT_CODES[code]
    return lexicon.PARTY_DOCUMENT if issuer in lexicon.PARTY_ISSUERS else lexicon.STATE_DOCUMENT


def documents(text: str, search: str) -> Iterator[Candidate]:
    numbered: list[tuple[int, int]] = []
    for match in _DOCUMENT_NUMBER.finditer(text):
        parts = re.split(r"[-/]", match.group(4).lstrip("-/"))
        issuer = parts[-1]
        start = match.start()
        word = _DOCUMENT_WORD.search(search[max(0, start - 14) : start])
        if word:
            start = max(0, start - 14) + word.start()
        numbered.append((start, match.end()))
        yield Candidate(
            kind="document",
            start=start,
            end=match.end(),
            quote=text[start : match.end()],
            identifier=match.group(0),
            confidence=0.95,
            types=(_document_type(match.group(3), issuer),),
        )
    for match in _PLENUM_RESOLUTION.finditer(search):
        if _holds_start(numbered, match.start()):
            continue
        term = match.group(2) or match.group(3) or ""
        yield Candidate(
            kind="document",
            start=match.start(),
            end=match.end(),
            quote=text[match.start() : match.end()],
            identifier="",
            label=text[match.start() : match.end()],
            confidence=0.85 if term else 0.6,
            types=("kgo:Resolution",),
            related=(f"plenum:{match.group(1)}",) + ((f"term:{term.upper()}",) if term else ()),
        )
    for match in _DOCUMENT_WORD.finditer(search):
        if _holds_start(numbered, match.start()):
            continue
        if _PLENUM_RESOLUTION.match(search, match.start()):
            continue
        after = search[match.end() : match.end() + 4]
        if not after.startswith(" về ") and not after.startswith(" số"):
            continue
        end = _DOCUMENT_END.search(search, match.end() + 4)
        stop = end.start() if end else len(text)
        if stop - match.start() > 120:
            continue
        start = match.start()
        if search[max(0, start - 4) : start] == "các ":
            start -= 4
        yield Candidate(
            kind="document",
            start=start,
            end=stop,
            quote=text[start:stop],
            label=text[start:stop],
            confidence=0.6,
            types=(lexicon.DOCUMENT_WORDS[match.group(1)] or lexicon.PARTY_DOCUMENT,),
        )
    for match in _DUTIES_DOCUMENT.finditer(search):
        end = _DOCUMENT_END.search(search, match.end())
        stop = end.start() if end else len(text)
        if stop - match.start() <= 160:
            yield Candidate(
                kind="document",
                start=match.start(),
                end=stop,
                quote=text[match.start() : stop],
                label=text[match.start() : stop],
                confidence=0.5,
                types=(lexicon.PARTY_DOCUMENT,),
            )


def _phrase_until_clause_end(search: str, start: int, limit: int = 80) -> int:
    end = _CLAUSE_END.search(search, start)
    stop = end.start() if end else len(search)
    return min(stop, start + limit)


def people(text: str, search: str) -> Iterator[Candidate]:
    for match in _PERSON_TITLE.finditer(search):
        end = _capitalised_words(text, match.end())
        if end - match.end() < 3 or " " not in text[match.end() : end]:
            continue  # a person is named by at least two words: "Lê Quang Huy"
        name = text[match.end() : end]
        yield _person(name, match.end(), 0.9)
        if search[end : end + 2] == ", ":
            post = _POST_HEAD.match(search, end + 2)
            if post:
                stop = _phrase_until_clause_end(search, post.start())
                yield Candidate(
                    kind="post",
                    start=post.start(),
                    end=stop,
                    quote=text[post.start() : stop],
                    label=text[post.start() : stop].strip(),
                    confidence=0.85,
                    types=("org:Post",),
                    related=(f"holder:{name}",),
                )
    for match in _BYLINE.finditer(search):
        end = _capitalised_words(text, match.end())
        if " " in text[match.end() : end]:
            yield _person(text[match.end() : end], match.end(), 0.8, ("role:author",))


def _person(name: str, start: int, confidence: float, related: tuple[str, ...] = ()) -> Candidate:
    return Candidate(
        kind="person",
        start=start,
        end=start + len(name),
        quote=name,
        label=name,
        confidence=confidence,
        types=("foaf:Person", "schema:Person"),
        related=related,
    )


def posts(text: str, search: str) -> Iterator[Candidate]:
    for match in _POST_HEAD.finditer(search):
        if (
            search[max(0, match.start() - 2) : match.start()] == ", "
            and text[match.start()].isupper()
        ):
            continue  # a post after a name is read with the person
        stop = _phrase_until_clause_end(search, match.start(), limit=60)
        quote = text[match.start() : stop].strip()
        if len(quote.split()) < 2:
            continue
        yield Candidate(
            kind="post",
            start=match.start(),
            end=match.start() + len(quote),
            quote=quote,
            label=quote,
            confidence=0.6,
            types=("org:Post",),
        )


#: Body heads that name one body by themselves ("Bộ Chính trị"); the others ("đảng bộ")
#: are common nouns unless capitalised or followed by a name.
_PROPER_BODY_HEADS = frozenset(
    search_form(h)
    for h in (
        "ban chấp hành trung ương",
        "bộ chính trị",
        "ban bí thư",
        "ban thường vụ",
        "thường trực",
        "mặt trận tổ quốc",
        "các ban xây dựng đảng",
        "mttq",
    )
)


def bodies(text: str, search: str) -> Iterator[Candidate]:
    taken_until = -1
    for match in _BODY_HEAD.finditer(search):
        if match.start() < taken_until:
            continue
        # A body's name runs on through the capitalised words that follow (the body it
        # belongs to, a place): "Ban Thường vụ Huyện ủy Nam Trực".
        end = match.end()
        while True:
            place = _PLACE_HEAD.match(search, end + 1) if search[end : end + 1] == " " else None
            if place and _capitalised_words(text, place.end(), most=3) > place.end():
                end = _capitalised_words(text, place.end(), most=3)  # "Đảng bộ huyện Hải Hậu"
                continue
            following = _BODY_HEAD.match(search, end + 1) if search[end : end + 1] == " " else None
            if following and text[following.start()].isupper():
                end = following.end()
                continue
            extended = _capitalised_words(text, end + 1) if search[end : end + 1] == " " else end
            if extended > end + 1:
                end = extended
                continue
            break
        named = end > match.end() or match.group(1) in _PROPER_BODY_HEADS
        if not named and not text[match.start()].isupper():
            continue
        taken_until = end
        quote = text[match.start() : end]
        yield Candidate(
            kind="body",
            start=match.start(),
            end=end,
            quote=quote,
            label=quote,
            confidence=0.8 if named else 0.5,
        )


def places(text: str, search: str) -> Iterator[Candidate]:
    for match in _PLACE_HEAD.finditer(search):
        end = _capitalised_words(text, match.end(), most=3)
        if end == match.end():
            continue
        if search[match.end() : end].startswith(search_form("ủy")):
            continue  # "Huyện ủy" is a body, not the district
        yield Candidate(
            kind="place",
            start=match.start(),
            end=end,
            quote=text[match.start() : end],
            label=text[match.start() : end],
            confidence=0.8,
        )


def periods(text: str, search: str, published: str | None) -> Iterator[Candidate]:
    taken: list[tuple[int, int]] = []  # sorted by start; periods never overlap

    def fresh(start: int, end: int) -> bool:
        index = bisect_left(taken, (start, end))
        if index and taken[index - 1][1] > start:
            return False
        if index < len(taken) and taken[index][0] < end:
            return False
        insort(taken, (start, end))
        return True

    for match in _PERIOD_SINCE.finditer(search):
        until = match.group(3) or (published or "")
        if fresh(match.start(), match.end()):
            yield _period(text, match, f"{match.group(1)}/{until}" if until else match.group(1))
    for match in _PERIOD_RANGE.finditer(search):
        if fresh(match.start(), match.end()):
            yield _period(text, match, f"{match.group(2)}/{match.group(3)}")
    for match in _DATE.finditer(search):
        day, month, year = (int(g) for g in match.groups())
        if 1 <= month <= 12 and 1 <= day <= 31 and fresh(match.start(), match.end()):
            yield _period(text, match, f"{year:04d}-{month:02d}-{day:02d}")
    for match in _PERIOD_YEAR.finditer(search):
        if fresh(match.start(), match.end()):
            yield _period(text, match, match.group(1))
    for match in _PERIOD_DURATION.finditer(search):
        if fresh(match.start(), match.end()):
            years = match.group(1)
            value = f"P{years}Y/{published}" if published else f"P{years}Y"
            yield _period(text, match, value, confidence=0.7)
    for match in _PERIOD_EACH_YEAR.finditer(search):
        if fresh(match.start(), match.end()):
            yield _period(text, match, "R/P1Y", confidence=0.6)


def _period(text: str, match: re.Match[str], value: str, confidence: float = 0.9) -> Candidate:
    return Candidate(
        kind="period",
        start=match.start(),
        end=match.end(),
        quote=text[match.start() : match.end()],
        value=value,
        confidence=confidence,
    )


def quotations(text: str, search: str, speakers: list[Candidate]) -> Iterator[Candidate]:
    for match in _SAYING.finditer(search):
        speaker = max(
            (p for p in speakers if p.end <= match.start() and match.start() - p.end < 160),
            key=lambda p: p.end,
            default=None,
        )
        start, end = match.start(2), match.end(2)
        yield Candidate(
            kind="quotation",
            start=start,
            end=end,
            quote=text[start:end],
            confidence=0.9 if speaker else 0.5,
            types=("schema:Quotation",),
            related=(f"speaker:{speaker.label}",) if speaker else (),
        )


def candidates(text: str, published: str | None = None) -> list[Candidate]:
    """Every candidate fact in ``text`` (NFC), in the order of the words.

    ``published`` (``YYYY-MM-DD``) ends the periods that run "until now"."""
    text = nfc(text)
    search = search_form(text)
    found: list[Candidate] = []
    found.extend(figures(text, search))
    found.extend(documents(text, search))
    people_found = list(people(text, search))
    found.extend(people_found)
    found.extend(posts(text, search))
    found.extend(bodies(text, search))
    found.extend(places(text, search))
    found.extend(periods(text, search, published))
    found.extend(quotations(text, search, [c for c in people_found if c.kind == "person"]))
    return sorted(_without_overlapping_kinds(found), key=lambda c: (c.start, KINDS.index(c.kind)))


def _covers(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether one of ``spans`` (sorted by start) holds ``start``-``end`` whole."""
    index = bisect_right(spans, (start, len(spans) and 1 << 62))
    return any(s <= start and end <= e for s, e in spans[max(0, index - 8) : index])


def _holds_start(spans: list[tuple[int, int]], position: int) -> bool:
    """Whether ``position`` lies in one of ``spans`` (sorted by start)."""
    index = bisect_left(spans, (position + 1, 0))
    return any(s <= position < e for s, e in spans[max(0, index - 8) : index])


def _without_overlapping_kinds(found: list[Candidate]) -> list[Candidate]:
    """Lower a body that only repeats a post's words, and drop a figure inside a document
    number or a period. Spans are looked up by bisection: a long text stays linear."""
    posts_ = sorted((c.start, c.end) for c in found if c.kind == "post")
    others = sorted((c.start, c.end) for c in found if c.kind in ("document", "period"))
    kept: list[Candidate] = []
    for c in found:
        if c.kind == "body" and _covers(posts_, c.start, c.end):
            c = replace(c, confidence=min(c.confidence, 0.5))
        if c.kind == "figure" and _holds_start(others, c.start):
            continue
        kept.append(c)
    return kept
