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
_NON_SLUG = re.compile(r"[^a-z0-9]+")


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
