"""The view a shared link encodes, and its validation.

A link reopens exactly one view: the page, the filters (date range, sources, conflicts, claimants,
claim kinds, disputed only, place search, minimum confidence), the selected place or
claim, and the map's centre and zoom. All of it lives in the URL's query parameters: the
filters' (:data:`FILTER_PARAMS`) are written by Streamlit's widget binding, those of the
selection and the map (:data:`SELECTION_PARAMS`) by geo.app.viewsync.

Query parameters are untrusted input (a link can be edited, truncated or crafted), so
:func:`parse_view` never raises: every value outside what the store holds or what makes
sense (an unknown source, reversed or impossible dates, huge numbers, script text) falls
back to its default and adds a note saying so, which the page shows.

>>> view, notes = parse_view({"from": "2020-10-24", "to": "2020-10-01"}, Vocabulary())
>>> view.date_from is None and notes[0].startswith("Ignored the date range")
True
>>> to_query_params(ViewState(min_confidence=0.5, sources=("AFP",)))
{'source': ['AFP'], 'conf': '0.5'}
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

MAX_VALUE_CHARS = 200
MAX_LIST_ITEMS = 50
MAX_SEARCH_CHARS = 100
KINDS = ("military", "casualties", "territorial", "diplomatic", "statement")
#: The parameters of the filters: each is the key of the sidebar widget bound to it (geo.app.viewsync).
FILTER_PARAMS = ("from", "to", "source", "conflict", "claimant", "kind", "disputed", "q", "conf", "min_sources")
#: The parameters of the selected place or claim and of the map's view (no widget: written by hand).
SELECTION_PARAMS = ("place", "claim", "lat", "lon", "zoom")
#: Every query parameter a view uses (others, such as the Sources page's ``article``, are left alone).
VIEW_PARAMS = FILTER_PARAMS + SELECTION_PARAMS
#: Parameters that are not the view's but are read: the Sources page's article, Streamlit's own.
OTHER_PARAMS = ("article", "embed", "embed_options")
#: Unknown parameters named one by one in the notes; the rest are counted.
MAX_NAMED_UNKNOWN = 5
#: The fields of :class:`ViewState` that filter data (the others select or frame).
FILTER_FIELDS = ("date_from", "date_to", "sources", "conflicts", "claimants", "kinds", "disputed_only",
                 "place_search", "min_confidence", "min_sources")
#: The most a "reported by at least N sources" filter may ask for.
MAX_MIN_SOURCES = 50
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PLACE_KEY = re.compile(r"^[\w:.~\-]{1,120}$")


@dataclass(frozen=True)
class ViewState:
    """Everything a shared link restores. Defaults mean "no filter"."""

    date_from: date | None = None
    date_to: date | None = None
    sources: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()  # ids of conflict profiles (geo.layers.theatre.article_conflicts)
    claimants: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    disputed_only: bool = False
    place_search: str = ""
    min_confidence: float = 0.0
    min_sources: int = 1  # claims reported by at least this many distinct sources
    place: str | None = None
    claim: int | None = None
    lat: float | None = None
    lon: float | None = None
    zoom: int | None = None

    def with_changes(self, **changes) -> ViewState:
        return replace(self, **changes)

    def filters(self) -> ViewState:
        """Only the filters of this view (no selected place or claim, no map centre or zoom)."""
        return ViewState(**{f: getattr(self, f) for f in FILTER_FIELDS})

    @property
    def has_filters(self) -> bool:
        return self.filters() != ViewState()


@dataclass(frozen=True)
class Vocabulary:
    """What the store holds, against which parameters are checked. Empty sets mean
    "do not check" (e.g. before the store is read)."""

    sources: frozenset[str] = field(default_factory=frozenset)
    conflicts: frozenset[str] = field(default_factory=frozenset)  # ids of the conflict profiles in force
    claimants: frozenset[str] = field(default_factory=frozenset)
    place_keys: frozenset[str] = field(default_factory=frozenset)
    claim_ids: frozenset[int] = field(default_factory=frozenset)
    date_min: date | None = None
    date_max: date | None = None


def normalize_search(text: str) -> str:
    """The place search as the view holds it: control characters removed, runs of white space made
    one space, cut to :data:`MAX_SEARCH_CHARS` (the same whether it comes from a link or the box)."""
    return " ".join(_CONTROL.sub("", text).split())[:MAX_SEARCH_CHARS]


def _values(params: Mapping, key: str) -> list[str]:
    """All values of a parameter (repeated keys, or a list), as clean strings. At most
    ``MAX_LIST_ITEMS + 1`` values, each cut to ``MAX_VALUE_CHARS + 1`` characters once cleaned, before
    anything else reads it: what is longer is rejected as too long anyway, so no later step (date or
    number parsing, a note quoting it) ever works on a huge value."""
    getter = getattr(params, "get_all", None)
    raw = getter(key) if callable(getter) else params.get(key, [])
    if isinstance(raw, str):
        raw = [raw]
    out = []
    for v in list(raw or [])[: MAX_LIST_ITEMS + 1]:
        v = _CONTROL.sub("", str(v)).strip()[: MAX_VALUE_CHARS + 1]  # linear; later steps see a short value
        if v:
            out.append(v)
    return out


def _one(params: Mapping, key: str, notes: list[str] | None = None) -> str | None:
    """The value of a single-valued parameter: the first; ``notes`` is told when there were more."""
    vals = _values(params, key)
    if len(vals) > 1 and notes is not None:
        more = f"more than {MAX_LIST_ITEMS}" if len(vals) > MAX_LIST_ITEMS else str(len(vals))
        notes.append(f"Ignored the repeats of '{key}' ({more} values): only the first is read.")
    return vals[0] if vals else None


def unknown_param_notes(keys: Iterable[str]) -> list[str]:
    """Notes on the query parameters that are neither the view's nor otherwise read (a mistyped or
    crafted link): ignored. The first :data:`MAX_NAMED_UNKNOWN` are named, the others counted."""
    unknown = [str(k) for k in keys if k not in VIEW_PARAMS and k not in OTHER_PARAMS]
    notes = [f"Ignored the unknown parameter '{_short(_CONTROL.sub('', k[:2 * MAX_VALUE_CHARS]))}'."
             for k in unknown[:MAX_NAMED_UNKNOWN]]
    if len(unknown) > MAX_NAMED_UNKNOWN:
        notes.append(f"Ignored {len(unknown) - MAX_NAMED_UNKNOWN} more unknown parameters.")
    return notes


def _short(value: str) -> str:
    """A value safe to quote in a note (the note itself is escaped when shown)."""
    return value if len(value) <= 40 else value[:37] + "..."


def parse_view(params: Mapping, vocab: Vocabulary) -> tuple[ViewState, list[str]]:
    """The view encoded by ``params`` (e.g. ``st.query_params``) and notes on what was ignored."""
    notes: list[str] = []
    view = ViewState()

    def too_long(key: str, value: str) -> bool:
        if len(value) > MAX_VALUE_CHARS:
            notes.append(f"Ignored '{key}': the value is too long.")
            return True
        return False

    # Dates.
    raw_from, raw_to = _one(params, "from", notes), _one(params, "to", notes)
    d_from = d_to = None
    bad = False
    for key, raw in (("from", raw_from), ("to", raw_to)):
        if raw is None:
            continue
        try:
            parsed = date.fromisoformat(raw) if not too_long(key, raw) else None
        except ValueError:
            parsed = None
        if parsed is None or not (1900 <= parsed.year <= 2100):
            notes.append(f"Ignored the date '{_short(raw)}' ({key}): not a date as YYYY-MM-DD.")
            bad = True
        elif key == "from":
            d_from = parsed
        else:
            d_to = parsed
    if not bad and d_from and d_to and d_from > d_to:
        notes.append(f"Ignored the date range {d_from} to {d_to}: it ends before it starts.")
        d_from = d_to = None
    view = view.with_changes(date_from=d_from, date_to=d_to)

    # Lists checked against the store.
    for key, attr, known in (("source", "sources", vocab.sources), ("conflict", "conflicts", vocab.conflicts),
                             ("claimant", "claimants", vocab.claimants), ("kind", "kinds", frozenset(KINDS))):
        vals = _values(params, key)
        if len(vals) > MAX_LIST_ITEMS:
            notes.append(f"Ignored '{key}': more than {MAX_LIST_ITEMS} values.")
            continue
        keep: list[str] = []
        for v in vals:
            if too_long(key, v):
                continue
            if known and v not in known:
                notes.append(f"Ignored the unknown {key} '{_short(v)}'.")
                continue
            if v not in keep:
                keep.append(v)
        view = view.with_changes(**{attr: tuple(keep)})

    disputed = _one(params, "disputed", notes)
    if disputed is not None:
        if disputed.lower() in {"1", "true", "yes"}:
            view = view.with_changes(disputed_only=True)
        elif disputed.lower() not in {"0", "false", "no"}:
            notes.append(f"Ignored 'disputed={_short(disputed)}': expected true or false.")

    search = _one(params, "q", notes)
    if search is not None:
        if len(search) > MAX_SEARCH_CHARS:
            notes.append(f"Shortened the place search to {MAX_SEARCH_CHARS} characters.")
        view = view.with_changes(place_search=normalize_search(search))

    conf = _one(params, "conf", notes)
    if conf is not None:
        value = _number(conf)
        if value is None or not (0.0 <= value <= 1.0):
            notes.append(f"Ignored 'conf={_short(conf)}': the minimum confidence is a number from 0 to 1.")
        else:
            view = view.with_changes(min_confidence=round(value, 3))

    min_sources = _one(params, "min_sources", notes)
    if min_sources is not None:
        n = int(min_sources) if min_sources.isdigit() and len(min_sources) <= 3 else None
        if n is None or not (1 <= n <= MAX_MIN_SOURCES):
            notes.append(f"Ignored 'min_sources={_short(min_sources)}': a whole number from 1 to {MAX_MIN_SOURCES}.")
        else:
            view = view.with_changes(min_sources=n)

    place = _one(params, "place", notes)
    if place is not None:
        if not _PLACE_KEY.match(place) or (vocab.place_keys and place not in vocab.place_keys):
            notes.append(f"Ignored the place '{_short(place)}': no such place in this atlas.")
        else:
            view = view.with_changes(place=place)

    claim = _one(params, "claim", notes)
    if claim is not None:
        cid = int(claim) if claim.isdigit() and len(claim) <= 12 else None
        if cid is None or (vocab.claim_ids and cid not in vocab.claim_ids):
            notes.append(f"Ignored the claim '{_short(claim)}': no such claim in this atlas.")
        else:
            view = view.with_changes(claim=cid)

    lat, lon, zoom = _one(params, "lat", notes), _one(params, "lon", notes), _one(params, "zoom", notes)
    if lat is not None or lon is not None:
        flat, flon = _number(lat or ""), _number(lon or "")
        if flat is None or flon is None or not (-90 <= flat <= 90) or not (-180 <= flon <= 180):
            notes.append("Ignored the map centre: latitude must be -90..90 and longitude -180..180.")
        else:
            view = view.with_changes(lat=round(flat, 5), lon=round(flon, 5))
    if zoom is not None:
        z = int(zoom) if zoom.isdigit() and len(zoom) <= 2 else None
        if z is None or not (1 <= z <= 18):
            notes.append(f"Ignored 'zoom={_short(zoom)}': the zoom is a whole number from 1 to 18.")
        else:
            view = view.with_changes(zoom=z)
    return view, notes


def reported_map_view(centre: Any, zoom: Any) -> tuple[float, float, int] | None:
    """The map's centre and zoom as the map component reports them (``{"lat": .., "lng": ..}`` and
    a zoom) in the view's terms: latitude within -90..90, longitude brought back into -180..180
    (Leaflet keeps counting past the antimeridian), 5 decimals, zoom a whole number from 1 to 18.
    None until the map has reported a view (or when what it sent is not numbers)."""
    if not isinstance(centre, dict) or centre.get("lat") is None or zoom is None:
        return None
    try:
        lat, lng, z = float(centre["lat"]), float(centre["lng"]), float(zoom)
    except (KeyError, TypeError, ValueError):
        return None
    if not all(math.isfinite(v) for v in (lat, lng, z)):
        return None
    return (round(min(max(lat, -90.0), 90.0), 5), round((lng + 180.0) % 360.0 - 180.0, 5),
            int(min(max(round(z), 1), 18)))


def _number(value: str) -> float | None:
    if len(value) > 32:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def to_query_params(view: ViewState) -> dict[str, str | list[str]]:
    """The query parameters encoding ``view`` (defaults are left out, so links stay short)."""
    out: dict[str, str | list[str]] = {}
    if view.date_from:
        out["from"] = view.date_from.isoformat()
    if view.date_to:
        out["to"] = view.date_to.isoformat()
    if view.sources:
        out["source"] = list(view.sources)
    if view.conflicts:
        out["conflict"] = list(view.conflicts)
    if view.claimants:
        out["claimant"] = list(view.claimants)
    if view.kinds:
        out["kind"] = list(view.kinds)
    if view.disputed_only:
        out["disputed"] = "true"  # as Streamlit writes a bound toggle (older links' 1 is still read)
    if view.place_search:
        out["q"] = view.place_search
    if view.min_confidence:
        out["conf"] = f"{view.min_confidence:g}"
    if view.min_sources > 1:
        out["min_sources"] = str(view.min_sources)
    if view.place:
        out["place"] = view.place
    if view.claim is not None:
        out["claim"] = str(view.claim)
    if view.lat is not None and view.lon is not None:
        out["lat"], out["lon"] = f"{view.lat:.5f}", f"{view.lon:.5f}"
    if view.zoom is not None:
        out["zoom"] = str(view.zoom)
    return out
