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

    Examples
    --------
    >>> looks_english("Շուշին ընկավ ադրբեջանական զորքերի ձեռքը, հայտնել է պաշտպանության նախարարությունը։")
    False
    >>> looks_english("Too short to judge.")
    True
    >>> looks_english("The ministry said that the town was shelled on Monday and that the roads to the "
    ...               "north were closed. It is not clear who fired first, and the two sides have blamed "
    ...               "each other for the attack on the houses of the town.")
    True
    >>> looks_english("Le ministère a dit que la ville est sous le feu et que les routes du nord sont "
    ...               "fermées pour les civils. Il est pas clair qui a tiré le premier, et les deux "
    ...               "parties se sont accusées dans une déclaration sur les maisons de la ville.")
    False
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
