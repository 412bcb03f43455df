"""The view a shared link encodes, and its validation.

A link reopens exactly one view: the page, the filters (date range, sources, claimants,
claim kinds, disputed only, place search, minimum confidence), the selected place or
claim, and the map's centre and zoom. All of it lives in the URL's query parameters.

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
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

MAX_VALUE_CHARS = 200
MAX_LIST_ITEMS = 50
MAX_SEARCH_CHARS = 100
KINDS = ("military", "casualties", "territorial", "diplomatic", "statement")
#: Every query parameter a view uses (others, such as the Sources page's ``article``, are left alone).
VIEW_PARAMS = ("from", "to", "source", "claimant", "kind", "disputed", "q", "conf", "place", "claim",
               "lat", "lon", "zoom")
#: The fields of :class:`ViewState` that filter data (the others select or frame).
FILTER_FIELDS = ("date_from", "date_to", "sources", "claimants", "kinds", "disputed_only", "place_search",
                 "min_confidence")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PLACE_KEY = re.compile(r"^[\w:.~\-]{1,120}$")


@dataclass(frozen=True)
class ViewState:
    """Everything a shared link restores. Defaults mean "no filter"."""

    date_from: date | None = None
    date_to: date | None = None
    sources: tuple[str, ...] = ()
    claimants: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    disputed_only: bool = False
    place_search: str = ""
    min_confidence: float = 0.0
    place: str | None = None
    claim: int | None = None
    lat: float | None = None
    lon: float | None = None
    zoom: int | None = None

    def with_changes(self, **changes) -> ViewState:
        return replace(self, **changes)

    @property
    def is_default(self) -> bool:
        return self == ViewState()

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
    claimants: frozenset[str] = field(default_factory=frozenset)
    place_keys: frozenset[str] = field(default_factory=frozenset)
    claim_ids: frozenset[int] = field(default_factory=frozenset)
    date_min: date | None = None
    date_max: date | None = None


def _values(params: Mapping, key: str) -> list[str]:
    """All values of a parameter (repeated keys, or a list), as clean strings."""
    getter = getattr(params, "get_all", None)
    raw = getter(key) if callable(getter) else params.get(key, [])
    if isinstance(raw, str):
        raw = [raw]
    out = []
    for v in list(raw or [])[: MAX_LIST_ITEMS + 1]:
        v = _CONTROL.sub("", str(v)).strip()
        if v:
            out.append(v)
    return out


def _one(params: Mapping, key: str) -> str | None:
    vals = _values(params, key)
    return vals[0] if vals else None


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
    raw_from, raw_to = _one(params, "from"), _one(params, "to")
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
    for key, attr, known in (("source", "sources", vocab.sources), ("claimant", "claimants", vocab.claimants),
                             ("kind", "kinds", frozenset(KINDS))):
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

    disputed = _one(params, "disputed")
    if disputed is not None:
        if disputed.lower() in {"1", "true", "yes"}:
            view = view.with_changes(disputed_only=True)
        elif disputed.lower() not in {"0", "false", "no"}:
            notes.append(f"Ignored 'disputed={_short(disputed)}': expected 1 or 0.")

    search = _one(params, "q")
    if search is not None:
        if len(search) > MAX_SEARCH_CHARS:
            notes.append(f"Shortened the place search to {MAX_SEARCH_CHARS} characters.")
        view = view.with_changes(place_search=search[:MAX_SEARCH_CHARS])

    conf = _one(params, "conf")
    if conf is not None:
        value = _number(conf)
        if value is None or not (0.0 <= value <= 1.0):
            notes.append(f"Ignored 'conf={_short(conf)}': the minimum confidence is a number from 0 to 1.")
        else:
            view = view.with_changes(min_confidence=round(value, 3))

    place = _one(params, "place")
    if place is not None:
        if not _PLACE_KEY.match(place) or (vocab.place_keys and place not in vocab.place_keys):
            notes.append(f"Ignored the place '{_short(place)}': no such place in this atlas.")
        else:
            view = view.with_changes(place=place)

    claim = _one(params, "claim")
    if claim is not None:
        cid = int(claim) if claim.isdigit() and len(claim) <= 12 else None
        if cid is None or (vocab.claim_ids and cid not in vocab.claim_ids):
            notes.append(f"Ignored the claim '{_short(claim)}': no such claim in this atlas.")
        else:
            view = view.with_changes(claim=cid)

    lat, lon, zoom = _one(params, "lat"), _one(params, "lon"), _one(params, "zoom")
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
    if view.claimants:
        out["claimant"] = list(view.claimants)
    if view.kinds:
        out["kind"] = list(view.kinds)
    if view.disputed_only:
        out["disputed"] = "1"
    if view.place_search:
        out["q"] = view.place_search
    if view.min_confidence:
        out["conf"] = f"{view.min_confidence:g}"
    if view.place:
        out["place"] = view.place
    if view.claim is not None:
        out["claim"] = str(view.claim)
    if view.lat is not None and view.lon is not None:
        out["lat"], out["lon"] = f"{view.lat:.5f}", f"{view.lon:.5f}"
    if view.zoom is not None:
        out["zoom"] = str(view.zoom)
    return out


# --------------------------------------------------------------------------- filtering

def claim_filters_active(view: ViewState) -> bool:
    """Whether the view filters by something only claims have."""
    return bool(view.claimants or view.kinds or view.disputed_only)


def _in_range(dates, view: ViewState):
    """Rows whose date (ISO text; only its first 10 characters count) is in the view's range;
    undated rows drop out only when a date filter is set."""
    import pandas as pd

    keep = pd.Series(True, index=dates.index)
    if view.date_from or view.date_to:
        d = dates.astype("string").str.slice(0, 10)
        if view.date_from:
            keep &= (d >= view.date_from.isoformat()).fillna(False).astype(bool)
        if view.date_to:
            keep &= (d <= view.date_to.isoformat()).fillna(False).astype(bool)
    return keep


def _claims_in_range(claims, view: ViewState):
    """A claim is in the range when its date (or the span ``date``..``date_end``) overlaps it; an
    undated claim counts at its article's publication date; with neither it is out of any range."""
    import pandas as pd

    dates = claims["date"] if "date" in claims else pd.Series(None, index=claims.index, dtype="object")
    first = dates.where(dates.notna(), claims["published"]).astype("string").str.slice(0, 10)
    ends = claims["date_end"] if "date_end" in claims else pd.Series(None, index=claims.index, dtype="object")
    last = ends.astype("string").str.slice(0, 10).where(ends.notna(), first)
    keep = first.notna()
    if view.date_to:
        keep &= first <= view.date_to.isoformat()
    if view.date_from:
        keep &= last >= view.date_from.isoformat()
    return keep.fillna(False).astype(bool)


def _is_disputed(claims):
    """Whether each claim is disputed: the ``disputed`` flag when there is one, else a non-empty
    ``disputed_by`` (a list, or the store's "A|B" text)."""
    if "disputed" in claims:
        return claims["disputed"].fillna(False).astype(bool)

    def one(value) -> bool:
        if isinstance(value, list | tuple | set):
            return any(str(v) for v in value)
        return isinstance(value, str) and any(v for v in value.split("|"))

    return claims["disputed_by"].map(one).astype(bool)


def claims_naming(claim_places, mentions, needle: str) -> set[int]:
    """Ids of the claims linked (``claim_places``: ``claim_id``, ``mention_id``) to a place name
    whose text as written or resolved name contains ``needle`` (case-insensitive)."""
    if not needle or claim_places is None or claim_places.empty or mentions is None or mentions.empty:
        return set()
    hit = (mentions["text"].str.contains(needle, case=False, regex=False, na=False)
           | mentions["place_name"].fillna("").str.contains(needle, case=False, regex=False))
    ids = set(mentions.loc[hit, "mention_id"].astype(int))
    return set(claim_places.loc[claim_places["mention_id"].isin(ids), "claim_id"].astype(int))


def filter_claims(claims, view: ViewState, place_claim_ids: set[int] | None = None):
    """Claims of the view: date (the claim's date or date span, else its article's), source,
    claimant, kind, disputed only, and the place search: on the claim text, on ``place_name``
    when the rows have one (map features), and on ``place_claim_ids`` (:func:`claims_naming`:
    the claims naming a matching place). The minimum confidence is about place names only."""
    if claims is None or claims.empty:
        return claims
    import pandas as pd

    keep = pd.Series(True, index=claims.index)
    if view.date_from or view.date_to:
        keep &= _claims_in_range(claims, view)
    if view.sources:
        keep &= claims["source"].isin(view.sources)
    if view.claimants:
        keep &= claims["claimant"].isin(view.claimants)
    if view.kinds:
        keep &= claims["kind"].isin(view.kinds)
    if view.disputed_only:
        keep &= _is_disputed(claims)
    if view.place_search:
        needle = view.place_search
        found = claims["text"].str.contains(needle, case=False, regex=False, na=False)
        if "place_name" in claims:
            found |= claims["place_name"].fillna("").astype(str).str.contains(needle, case=False, regex=False)
        if place_claim_ids:
            found |= claims["claim_id"].isin(place_claim_ids)
        keep &= found
    return claims[keep]


def filter_mentions(mentions, view: ViewState, claim_mention_ids: set[int] | None = None):
    """Place mentions of the view: article date, source, minimum confidence, place search
    (on the name as written and the resolved name) and, when claim filters are active, only
    the mentions that are places of the matching claims."""
    if mentions is None or mentions.empty:
        return mentions
    keep = _in_range(mentions["published"], view)
    if view.sources:
        keep &= mentions["source"].isin(view.sources)
    if view.min_confidence:
        keep &= mentions["confidence"].fillna(0) >= view.min_confidence
    if view.place_search:
        needle = view.place_search
        keep &= (mentions["text"].str.contains(needle, case=False, regex=False, na=False)
                 | mentions["place_name"].fillna("").str.contains(needle, case=False, regex=False))
    if claim_filters_active(view) and claim_mention_ids is not None:
        keep &= mentions["mention_id"].isin(claim_mention_ids)
    return mentions[keep]


def explain_empty(view: ViewState) -> str:
    """Why a view shows nothing, and how to widen it."""
    active = []
    if view.date_from or view.date_to:
        active.append(f"dates {view.date_from or '…'} to {view.date_to or '…'}")
    if view.sources:
        active.append(f"{len(view.sources)} source(s)")
    if view.claimants:
        active.append(f"claimant(s) {', '.join(view.claimants)}")
    if view.kinds:
        active.append(f"kind(s) {', '.join(view.kinds)}")
    if view.disputed_only:
        active.append("disputed claims only")
    if view.place_search:
        active.append(f"place search '{view.place_search}'")
    if view.min_confidence:
        active.append(f"confidence at least {view.min_confidence:g}")
    if not active:
        return "Nothing to show: the atlas holds no matching data yet. Add articles to fill it."
    return ("Nothing matches " + "; ".join(active) + ". Widen the view: remove a filter in the sidebar, "
            "or use 'Reset filters'.")
