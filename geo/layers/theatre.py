"""Which war a view is about: the conflict profiles that apply, the countries the map draws and
where it opens. Pure functions of the view's data (no Streamlit, no files): the app and the
tests call them alike.

Two questions, two rules, both about the states at war (a profile's ``states``):

* **An article belongs to a conflict** (the sidebar's "Conflict" filter, :func:`article_conflicts`)
  when at least :data:`ARTICLE_SHARE` of its place names (resolved, read as places, metonymic
  ones included: "Kyiv said" is about the war as much as "in Kyiv") are in the profile's states,
  or when one of its claims is made by one of the profile's non-state parties (its armed groups,
  movements and de-facto authorities: "RSF", "M23"). An article may belong to several conflicts,
  or to none. A story on Karabakh that also names Moscow stays out of the Russia-Ukraine war;
  neighbours and sponsors (``countries``) never make an article part of a war.
* **The theatre of a view** (the Map page, :func:`theatre`) is read from the *core* of its places
  (:func:`geo.layers.places.core_places`: the places holding most mentions around their median,
  without far outliers such as Washington): the countries of the core are drawn with their borders
  and admin-1 areas, and a profile applies when one of its states is among them, when the view's
  claims are made by one of its non-state parties, or when the view is filtered to that conflict.
  A profile that applies adds its states (with admin-1 areas) and its other countries (borders
  only); a profile with its own ``[[layers]]`` draws its countries itself, so the world layers are
  not drawn again for them (the Karabakh profile's South Caucasus layers).

The extent follows the places (the map fits its core); with no place, the view opens on the
applying profile's ``[view]``, else on the whole world.

>>> from geo.profiles import ConflictProfile
>>> war = ConflictProfile(id="w", name="W", states=("UA", "RU"))
>>> mentions = pd.DataFrame({"article_id": [1, 1, 1, 2, 2, 2, 2], "not_a_place": 0,
...                          "country": ["UA", "UA", "US", "AZ", "AM", "AZ", "RU"], "place_key": list("abcdefg")})
>>> article_conflicts(mentions, None, [war])
{1: ('w',)}
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from geo.layers.places import core_places
from geo.profiles import ConflictProfile

#: An article belongs to a conflict when at least this share of its place names are in its states.
ARTICLE_SHARE = 1 / 3
#: Kinds of party whose claims tie an article to their conflict (a state's name does not: Russia
#: speaks in the Karabakh war too).
NON_STATE_KINDS = frozenset({"armed group", "movement", "de-facto authority"})
#: Where a map with nothing to frame opens: the whole world.
WORLD_VIEW: tuple[tuple[float, float], int] = ((20.0, 0.0), 2)


@dataclass(frozen=True)
class Theatre:
    """What the Map page draws for a view: the applying profiles (ids and names), the countries whose
    borders (``countries``) and admin-1 areas (``admin1``) come from the world layers, the
    applying profiles' own layers (``layers``: (key, file, name)), and the view to open on when
    there is nothing to frame (``center``, ``zoom``)."""

    profiles: tuple[str, ...] = ()
    names: tuple[str, ...] = ()  # the applying profiles' names
    countries: tuple[str, ...] = ()
    admin1: tuple[str, ...] = ()
    layers: tuple[tuple[str, str, str], ...] = ()
    center: tuple[float, float] = WORLD_VIEW[0]
    zoom: int = WORLD_VIEW[1]


def layer_key(file: str) -> str:
    """The map's key of a reference layer file: its name without ``.geojson``."""
    return file.rsplit("/", 1)[-1].removesuffix(".geojson")


def _party_names(profile: ConflictProfile) -> set[str]:
    return {p.name for p in profile.parties if p.kind in NON_STATE_KINDS}


def _codes(values: Iterable[object]) -> list[str]:
    """ISO codes, once each in first-seen order (empty and missing values left out)."""
    if isinstance(values, pd.Series):  # a column of 100,000 places: its few distinct values first
        values = values.unique()
    return list(dict.fromkeys(v for v in values if isinstance(v, str) and len(v) == 2))


def article_conflicts(mentions: pd.DataFrame | None, claims: pd.DataFrame | None,
                      profiles: Sequence[ConflictProfile], share: float = ARTICLE_SHARE) -> dict[int, tuple[str, ...]]:
    """The conflicts (profile ids, in the profiles' order) each article belongs to; articles that
    belong to none are left out. See the module's rule. ``mentions`` need ``article_id``,
    ``country``, ``place_key`` and ``not_a_place``; ``claims`` ``article_id`` and ``claimant``."""
    found: dict[int, set[str]] = {}
    if mentions is not None and not mentions.empty:
        named = mentions.loc[mentions["place_key"].notna() & ~mentions["not_a_place"].fillna(0).astype(bool)]
        if not named.empty:
            totals = named.groupby("article_id").size()
            for profile in profiles:
                inside = named.loc[named["country"].isin(profile.states)].groupby("article_id").size()
                for article_id in inside.index[inside >= share * totals.loc[inside.index]]:
                    found.setdefault(int(article_id), set()).add(profile.id)
    if claims is not None and not claims.empty:
        for profile in profiles:
            parties = _party_names(profile)
            if parties:
                for article_id in claims.loc[claims["claimant"].isin(parties), "article_id"].unique():
                    found.setdefault(int(article_id), set()).add(profile.id)
    order = {p.id: i for i, p in enumerate(profiles)}
    return {a: tuple(sorted(ids, key=order.__getitem__)) for a, ids in sorted(found.items())}


def conflict_article_ids(memberships: dict[int, tuple[str, ...]], conflicts: Iterable[str]) -> set[int]:
    """Ids of the articles that belong to any of ``conflicts`` (profile ids)."""
    wanted = set(conflicts)
    return {a for a, ids in memberships.items() if wanted.intersection(ids)}


def theatre(places: gpd.GeoDataFrame | None, claims: pd.DataFrame | None, profiles: Sequence[ConflictProfile],
            conflicts: Iterable[str] = ()) -> Theatre:
    """The theatre of a view: its places (``geo.layers.place_layer``), its claims (rows with a
    ``claimant``), the profiles in force, and the conflicts the view is filtered to. See the
    module's rules."""
    core = core_places(places) if places is not None and not places.empty else None
    core_countries = _codes(core["country"]) if core is not None else []
    claimants = set(claims["claimant"].dropna()) if claims is not None and not claims.empty else set()
    chosen = set(conflicts)
    applying = [p for p in profiles
                if p.id in chosen or set(p.states) & set(core_countries) or _party_names(p) & claimants]
    admin1 = _codes([*core_countries, *(s for p in applying for s in p.states)])
    countries = _codes([*admin1, *(c for p in applying for c in p.countries)])
    own = {c for p in applying if p.layers for c in p.all_countries}  # drawn by the profile's own layers
    layers = tuple(dict.fromkeys((layer_key(layer.file), layer.file, layer.name)
                                 for p in applying for layer in p.layers))
    with_view = next((p for p in applying if p.center is not None), None)
    center, zoom = WORLD_VIEW
    if with_view is not None and with_view.center is not None:
        center, zoom = with_view.center, with_view.zoom or zoom
    return Theatre(profiles=tuple(p.id for p in applying), names=tuple(p.name for p in applying),
                   countries=tuple(c for c in countries if c not in own),
                   admin1=tuple(c for c in admin1 if c not in own),
                   layers=layers, center=center, zoom=zoom)
