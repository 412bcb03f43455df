"""Conflict profiles: what Claim Atlas needs to know about a war that no general source says.

A profile is a small TOML file in ``data/conflicts/`` (``CLAIM_ATLAS_CONFLICTS`` points to
another folder), written and extended by hand, one per conflict:

* ``id``, ``name``: how the profile is named in the app and in filters;
* ``states``: ISO codes of the states at war (the parties a clash is between, and the
  countries whose borders and regions the map draws for this conflict);
* ``countries``: further ISO codes the map draws (neighbours, sponsors), optional;
* ``parties``: the non-state parties and de-facto authorities, each with a ``name`` (the
  claimant as EVALUATION.md names it: "RSF", "Hamas", "Gaza authorities"), a ``kind``
  ("armed group", "de-facto authority", "movement"; "state" for a state's other names in
  this war, such as "Congo" for the DR Congo) and its ``aliases``; a de-facto authority may
  list the ``places`` it governs, whose organs ("Karabakh's defence army", "the ombudsman of
  Artsakh") speak for it, not for the state the place lies in;
* ``officials``: people who speak for a party (a state, by its name, or a party above):
  ``party`` and the ``names`` they appear under, with an optional ``role``;
* ``organisations``: names of organisations, armed groups and agencies of this conflict that
  are never places ("Hamas", "M23"), beyond the parties' aliases;
* ``layers``: the war's own reference layers (GeoJSON files in ``data/reference/``) with a
  ``name``, drawn only when the profile applies to a view (geo.layers.theatre);
* ``view``: the default map view (``center`` = [lat, lon], ``zoom``);
* ``sources``: where the facts come from.

Profiles apply together (one atlas may hold several wars). Where two profiles give one alias
to different parties, the article's own countries and parties decide (geo.claims.actors).

>>> profiles = load_profiles(PROJECT_ROOT / "data" / "conflicts")
>>> sorted(p.id for p in profiles)[:2]
['drc-m23', 'israel-gaza-lebanon']
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from geo.config import PROJECT_ROOT

log = logging.getLogger(__name__)


class ProfileError(ValueError):
    """A profile file that cannot be read; the message names the file and the field."""


@dataclass(frozen=True)
class Party:
    name: str
    kind: str
    aliases: tuple[str, ...]
    #: Names of the place a de-facto authority governs ("Nagorno-Karabakh", "Artsakh").
    places: tuple[str, ...] = ()


@dataclass(frozen=True)
class Official:
    party: str
    names: tuple[str, ...]
    role: str = ""


@dataclass(frozen=True)
class ReferenceLayer:
    file: str
    name: str


@dataclass(frozen=True)
class ConflictProfile:
    id: str
    name: str
    states: tuple[str, ...]
    countries: tuple[str, ...] = ()
    parties: tuple[Party, ...] = ()
    officials: tuple[Official, ...] = ()
    organisations: tuple[str, ...] = ()
    layers: tuple[ReferenceLayer, ...] = ()
    center: tuple[float, float] | None = None
    zoom: int | None = None
    sources: tuple[str, ...] = field(default=())
    path: Path | None = None

    @property
    def all_countries(self) -> tuple[str, ...]:
        """The states and the further countries, in that order, once each."""
        return tuple(dict.fromkeys((*self.states, *self.countries)))

    def organisation_names(self) -> set[str]:
        """Every name of this conflict that stands for an organisation or a person, never a place:
        the organisations, the armed groups' and movements' names, the officials' names. (A
        de-facto authority's aliases may be places: "Stepanakert" stands for Karabakh's.)"""
        groups = (a for p in self.parties if p.kind in {"armed group", "movement"} for a in (p.name, *p.aliases))
        people = (n for o in self.officials for n in o.names)
        return {*self.organisations, *groups, *people}


def _strings(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ProfileError(f"{where}: expected a list of non-empty strings")
    return tuple(v.strip() for v in value)


def read_profile(path: Path) -> ConflictProfile:
    """One profile file, checked field by field (:class:`ProfileError` says what is wrong)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path.name}: not a readable TOML file ({exc})") from exc
    where = path.name
    for key in ("id", "name"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ProfileError(f"{where}: '{key}' must be a non-empty string")
    states = _strings(data.get("states"), f"{where}: states")
    if not states or not all(len(s) == 2 and s.isupper() for s in states):
        raise ProfileError(f"{where}: 'states' must list ISO 3166 alpha-2 codes such as \"UA\"")
    parties = []
    for i, p in enumerate(data.get("parties", [])):
        if not isinstance(p, dict) or not isinstance(p.get("name"), str):
            raise ProfileError(f"{where}: parties[{i}] needs a 'name'")
        parties.append(Party(p["name"].strip(), str(p.get("kind", "party")),
                             _strings(p.get("aliases", []), f"{where}: parties[{i}].aliases"),
                             _strings(p.get("places", []), f"{where}: parties[{i}].places")))
    officials = []
    for i, o in enumerate(data.get("officials", [])):
        if not isinstance(o, dict) or not isinstance(o.get("party"), str):
            raise ProfileError(f"{where}: officials[{i}] needs a 'party'")
        officials.append(Official(o["party"].strip(), _strings(o.get("names"), f"{where}: officials[{i}].names"),
                                  str(o.get("role", ""))))
    layers = []
    for i, layer in enumerate(data.get("layers", [])):
        if not isinstance(layer, dict) or not isinstance(layer.get("file"), str):
            raise ProfileError(f"{where}: layers[{i}] needs a 'file'")
        layers.append(ReferenceLayer(layer["file"], str(layer.get("name", layer["file"]))))
    view = data.get("view", {})
    center = view.get("center")
    if center is not None and not (isinstance(center, list) and len(center) == 2
                                   and -90 <= center[0] <= 90 and -180 <= center[1] <= 180):
        raise ProfileError(f"{where}: view.center must be [latitude, longitude]")
    zoom = view.get("zoom")
    if zoom is not None and not (isinstance(zoom, int) and 1 <= zoom <= 18):
        raise ProfileError(f"{where}: view.zoom must be a whole number from 1 to 18")
    return ConflictProfile(
        id=data["id"].strip(), name=data["name"].strip(), states=states,
        countries=_strings(data.get("countries"), f"{where}: countries"),
        parties=tuple(parties), officials=tuple(officials),
        organisations=_strings(data.get("organisations"), f"{where}: organisations"),
        layers=tuple(layers), center=(float(center[0]), float(center[1])) if center else None, zoom=zoom,
        sources=_strings(data.get("sources"), f"{where}: sources"), path=path)


def load_profiles(folder: Path) -> list[ConflictProfile]:
    """Every ``*.toml`` profile of ``folder``, by id. A file that cannot be read is left out
    with an error in the log naming it; the others still apply."""
    out: dict[str, ConflictProfile] = {}
    for path in sorted(Path(folder).glob("*.toml")):
        try:
            profile = read_profile(path)
        except ProfileError as exc:
            log.error("conflict profile left out: %s", exc)
            continue
        if profile.id in out:
            first_path = out[profile.id].path
            log.error("conflict profile left out: %s repeats the id %r of %s", path.name, profile.id,
                      first_path.name if first_path else "another file")
            continue
        out[profile.id] = profile
    return list(out.values())


@lru_cache(maxsize=4)
def _cached(folder: str, stamp: tuple[tuple[str, float], ...]) -> tuple[ConflictProfile, ...]:
    return tuple(load_profiles(Path(folder)))


def get_profiles(folder: Path | None = None) -> tuple[ConflictProfile, ...]:
    """The profiles in force (``Settings.conflicts_dir``), read again when a file changes."""
    if folder is None:
        from geo.config import get_settings

        folder = get_settings().conflicts_dir
    folder = Path(folder)
    stamp = tuple(sorted((p.name, p.stat().st_mtime) for p in folder.glob("*.toml"))) if folder.is_dir() else ()
    return _cached(str(folder), stamp)


DEFAULT_CONFLICTS_DIR = PROJECT_ROOT / "data" / "conflicts"


def organisation_names(profiles: tuple[ConflictProfile, ...] | None = None) -> frozenset[str]:
    """The names, in every profile in force, of organisations, armed groups and people."""
    return frozenset(n for p in (get_profiles() if profiles is None else profiles) for n in p.organisation_names())
