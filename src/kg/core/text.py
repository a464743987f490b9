"""Vietnamese text: storage form, matching form and IRI slugs.

Text is stored NFC, exactly as the source writes it. Matching must not care about
NFC versus NFD, nor about where a tone mark sits in a syllable ("hòa" and "hoà",
"ủy" and "uỷ" are the same word spelt by the old and the new rule), nor about case.
"""

from __future__ import annotations

import re
import unicodedata

# The five tone marks. Circumflex, breve and horn change the vowel, not the tone,
# and so stay where they are.
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")

_WORD = re.compile(r"\w+", re.UNICODE)
# The two patterns of ``printable`` are compiled (and kept by ``re``) when a message first
# needs them, not when a command starts: together they cost a cold `kg query run` 0.5 ms.
# ECMA-48 sequences a terminal acts on: CSI (colours, cursor moves, screen clearing), the
# string commands (OSC sets the window title or writes hyperlinks; DCS, SOS, PM, APC) up
# to their terminator, in 7-bit and 8-bit forms, and the other ESC sequences.
_ESCAPE_SEQUENCE = (
    r"(?s)\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x1b[\]PX^_].*?(?:\x07|\x1b\\|\x9c|$)"
    r"|[\x90\x98\x9d\x9e\x9f].*?(?:\x07|\x1b\\|\x9c|$)"
    r"|\x1b[ -/]*[0-~]?"
)
# What is left that a terminal may act on: C0 controls but tab, DEL, C1 controls, and the
# bidirectional overrides that make text read in another order than it is stored.
_CONTROL = "[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
_NON_SLUG = re.compile(r"[^a-z0-9]+")


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: escape sequences removed, every other
    control character (tab kept) replaced by a space. Text from elsewhere (a remote
    server's answer, a file's IRI) goes through it before it reaches a message."""
    return re.sub(_CONTROL, " ", re.sub(_ESCAPE_SEQUENCE, "", text))


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _syllable_key(syllable: str) -> str:
    decomposed = unicodedata.normalize("NFD", syllable)
    tones = "".join(ch for ch in decomposed if ch in TONE_MARKS)
    bare = "".join(ch for ch in decomposed if ch not in TONE_MARKS)
    # The tone goes after the syllable, so its position inside no longer matters.
    return unicodedata.normalize("NFC", bare) + tones


def match_key(text: str) -> str:
    """A key under which spellings that a Vietnamese reader takes as equal compare equal."""
    # Words are split on the NFC form: in NFD the combining marks are not word characters.
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFD", text).casefold())
    words = (_syllable_key(word) for word in _WORD.findall(folded))
    return " ".join(words)


def same_text(a: str, b: str) -> bool:
    return match_key(a) == match_key(b)


def ascii_fold(text: str) -> str:
    """Vietnamese to plain ASCII: diacritics removed, đ to d."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return (
        "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        .encode("ascii", "ignore")
        .decode("ascii")
    )


def slugify(text: str) -> str:
    """An IRI slug: lower-case ASCII words joined by hyphens ("Đảng bộ" -> "dang-bo")."""
    slug = _NON_SLUG.sub("-", ascii_fold(text).lower()).strip("-")
    if not slug:
        raise ValueError(f"no slug can be made from {text!r}")
    return slug


#: English month names, not the locale's (``%B`` follows the locale).
ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def english_day(day: str) -> str:
    """An ISO date (``YYYY-MM-DD``) as English writes it: "1 November 2021"."""
    year, month, date = day.split("-")
    return f"{int(date)} {ENGLISH_MONTHS[int(month) - 1]} {year}"
