"""Name normalisation shared by the gazetteer and recognition.

Place names arrive in many spellings: diacritics (Xocavənd), dashes (Nagorno–Karabakh),
transliterations (Martouni / Martoni / Martuni). Everything that compares names goes
through :func:`normalize_name` so that the index and the lookups agree.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters NFKD does not decompose into ASCII.
_SPECIAL = str.maketrans({
    "ə": "e", "Ə": "E", "ı": "i", "İ": "I", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O",
    "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "đ": "d", "Đ": "D", "ð": "d",
    "þ": "th", "ŋ": "ng", "ħ": "h",
})
_APOSTROPHES = re.compile(r"[ʻʼ’‘`´'ʹʿʾ\"“”«»]")
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―/_]+")
_DROP = re.compile(r"[^a-z0-9 ]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_LEADING_ARTICLE = re.compile(r"^the ")


def fold(text: str) -> str:
    """Strip diacritics and map special letters to ASCII, keeping case.

    >>> fold("Xocavənd")
    'Xocavend'
    """
    if text.isascii():  # nothing to fold (and most names are plain ASCII)
        return text
    text = text.translate(_SPECIAL)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=65536)
def normalize_name(text: str) -> str:
    """The comparison key of a name: folded, lower case, separators as single spaces,
    punctuation and a leading "the" dropped.

    Memoised: recognition and every gazetteer lookup normalise the same few names over and over.

    >>> normalize_name("the Nagorno–Karabakh")
    'nagorno karabakh'
    >>> normalize_name("U.S.")
    'us'
    """
    text = _APOSTROPHES.sub("", fold(text).lower())
    text = _SEPARATORS.sub(" ", text.replace(".", ""))
    text = _DROP.sub("", text)
    text = " ".join(text.split())
    return _LEADING_ARTICLE.sub("", text)


def is_latin(text: str) -> bool:
    """True when the folded name is written in Latin letters (usable for English text)."""
    folded = fold(text)
    letters = [ch for ch in folded if ch.isalpha()]
    return bool(letters) and all(_LATIN_LETTER.match(ch) for ch in letters)


_VOWELS = re.compile(r"[aeiouyw]")
_SKELETON_MAP = str.maketrans({"d": "t", "b": "p", "g": "k", "q": "k", "c": "k", "z": "s", "v": "f", "j": "i"})


def skeleton(norm: str) -> str:
    """A coarse phonetic key: consonants only, voicing merged, doubles collapsed.

    Transliterations of one name usually share it, which makes fuzzy lookup cheap:
    only names with the same skeleton (or the same prefix) are compared.

    >>> skeleton("martouni") == skeleton("martoni") == skeleton("marduni")
    True
    """
    s = norm.replace(" ", "").replace("kh", "h").replace("sh", "s").replace("zh", "s").replace("ch", "k")
    s = s.replace("ph", "f").replace("th", "t").replace("dzh", "j").replace("dj", "j")
    s = s.translate(_SKELETON_MAP)
    s = _VOWELS.sub("", s)
    out: list[str] = []
    for ch in s:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)
