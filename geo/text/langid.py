"""Language identification without spaCy: a cheap test that a text is English prose,
the only language the model reads, so other languages are refused with a reason.
"""

from __future__ import annotations

import re

#: English function words; their share tells English prose from other languages.
_ENGLISH_MARKERS = {
    "the", "of", "and", "to", "in", "a", "is", "that", "for", "on", "with", "was", "as", "by", "said",
    "it", "at", "from", "his", "has", "have", "are", "be", "were", "an", "which", "this", "its", "not",
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


#: Function words of other languages written in Latin script (French, German, Spanish,
#: Italian, Portuguese, Dutch) that are not English words.
_FOREIGN_MARKERS = {
    "le", "la", "les", "des", "et", "est", "une", "du", "dans", "pour", "qui", "que", "pas", "sur", "au",
    "der", "die", "das", "und", "ist", "nicht", "mit", "den", "ein", "eine", "zu", "von", "auf", "für",
    "el", "los", "las", "y", "es", "una", "por", "con", "para", "del", "se", "il", "di", "che", "della",
    "sono", "os", "um", "não", "com", "da", "het", "een", "niet", "wordt", "ook", "zijn", "van", "dat",
}


def looks_english(text: str) -> bool:
    """A cheap check that the text is English prose (the only language the model reads).

    Mostly non-Latin letters, or more foreign than English function words, means not English.
    """
    sample = text[:24000]
    letters = [ch for ch in sample if ch.isalpha()]
    if letters:
        latin = sum(1 for ch in letters if ch.isascii() or "\u00c0" <= ch <= "\u024f")
        if latin / len(letters) < 0.7:
            return False
    words = _WORD.findall(sample.lower())[:4000]
    if len(words) < 20:
        return True  # too short to judge: let it through rather than lose it
    english = sum(w in _ENGLISH_MARKERS for w in words) / len(words)
    foreign = sum(w in _FOREIGN_MARKERS for w in words) / len(words)
    return english >= 0.04 and english > foreign
