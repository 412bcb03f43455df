"""geo/text/patterns.py: trie regexes match exactly what flat longest-first alternations match."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from geo.text.patterns import trie_alternation

TEXTS = [p.read_text(encoding="utf-8") for p in sorted((Path(__file__).parents[1] / "data" / "articles").glob("*.txt"))]
TEXTS += [
    "Sudan, South Sudan and the Sudanese; Congo, DR Congo, Congolese; Niger, Nigeria, Nigerien, Nigerians",
    "Guinea, Guinea-Bissau, Equatorial Guinea, Papua New Guinea; Dominica, Dominican Republic; Ukrainian-born",
    "Korea North Korea South Korean KOREA korea; Iran Iranian Iraq Iraqi; the U.S. and U.S.-led forces",
]


def flat(words: list[str]) -> re.Pattern:
    parts = sorted({re.escape(w) for w in words}, key=len, reverse=True)
    return re.compile(r"(?<![\w])(?:" + "|".join(parts) + r")(?![\w])")


@pytest.mark.parametrize("words", [
    ["Armenia", "Armenian", "Army", "Arm", "A", "Armenian side"],
    ["Sudan", "South Sudan", "Sudanese", "Congo", "DR Congo", "Congolese", "Niger", "Nigeria", "Nigerien",
     "Guinea", "Guinea-Bissau", "Equatorial Guinea", "Papua New Guinea", "Dominica", "Dominican Republic",
     "Korea", "North Korea", "South Korean", "Iran", "Iranian", "Iraq", "Iraqi", "U.S.", "U.S"],
])
def test_trie_matches_the_flat_alternation(words: list[str]) -> None:
    trie = re.compile(r"(?<![\w])" + trie_alternation(words) + r"(?![\w])")
    for text in TEXTS:
        assert [m.span() for m in trie.finditer(text)] == [m.span() for m in flat(words).finditer(text)]


def test_country_words_pattern_matches_the_flat_alternation() -> None:
    from geo.geoparse.countries import _country_word_pattern

    pattern, words = _country_word_pattern()
    for text in TEXTS:
        assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in flat(list(words)).finditer(text)]
