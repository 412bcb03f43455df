"""Geocoders with geopy's interface: the offline gazetteer by default, Nominatim optionally.

:class:`OfflineGazetteer` answers ``geocode(query, exactly_one=...)`` from the local index
with ``geopy.location.Location`` objects whose ``raw`` is the gazetteer record (key,
country, feature type, population, match kind and score), so code written against geopy
works unchanged offline.

:class:`OnlineGeocoder` asks an online geopy geocoder (Nominatim, with
``CLAIM_ATLAS_ONLINE_GEOCODER=nominatim``) about the names the offline gazetteer does not
know. Resolution (``geo.geoparse.resolve``) asks it about a mention only when the offline
lookup left that mention with no candidate at all. It is polite and bounded:

* geopy's ``RateLimiter`` spaces this process's requests by at least ``min_delay_seconds``
  (one second: Nominatim's usage policy) and retries an error once; the worker processes
  of an ingest share the cache file, and a request slot is reserved there too, so that
  all the processes together still send at most one request a second;
* every answer, a miss included, is kept in a persistent SQLite cache
  (``$CLAIM_ATLAS_HOME/geocode_cache.sqlite``), so a name is asked once (two worker
  processes meeting a new name at the same moment may each ask it once);
* each request has a timeout; when the service fails (unreachable, timing out, refusing),
  one warning is logged and no request is sent for ``retry_after_seconds``: the names
  meanwhile stay unresolved (and are not cached, so they are asked again later).

Online answers become places with their own key (``nominatim:<osm type><osm id>``, as
``nominatim:R3404938``), ``source="nominatim"`` and a feature type read from Nominatim's
``addresstype``/``class``/``type`` and bounding box (:func:`feature_type_of`), so the store,
the map and the Places page show where each geocode came from. Off by default: nothing is
sent and no cache file is made.

>>> geocoder = OfflineGazetteer()                       # doctest: +SKIP
>>> geocoder.geocode("Stepanakert").raw["name"]         # doctest: +SKIP
'Khankendi'
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from geopy.distance import great_circle
from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from rapidfuzz import fuzz

from geo.config import Settings, get_settings
from geo.gazetteer.index import Gazetteer, get_gazetteer, importance
from geo.model import Candidate, Place
from geo.text.names import normalize_name

log = logging.getLogger(__name__)

#: ``Place.source`` (and the key prefix) of places found by Nominatim.
NOMINATIM_SOURCE = "nominatim"
#: The cache file in ``Settings.home``.
CACHE_FILE = "geocode_cache.sqlite"
#: Seconds one request may take (geopy's own default, 1 s, is too short for Nominatim).
REQUEST_TIMEOUT_SECONDS = 5.0
#: Least time between two requests: Nominatim's usage policy allows one a second at most.
MIN_DELAY_SECONDS = 1.0
#: A failed request is retried this many times, ``ERROR_WAIT_SECONDS`` later.
MAX_RETRIES = 1
ERROR_WAIT_SECONDS = 2.0
#: After a failure, no request for this long (the names meanwhile stay unresolved).
RETRY_AFTER_SECONDS = 300.0
#: Answers asked for per name.
MAX_ANSWERS = 5
#: Nominatim classes kept: places, administrative and other areas, natural features,
#: waterways. Streets, buildings, shops, offices... are not what a news place name means.
KEPT_CLASSES = frozenset({"place", "boundary", "natural", "waterway"})
#: A feature whose bounding box is wider than this (diagonal, km) is an area (a region).
AREA_KM = 25.0

_COUNTRY_TYPES = frozenset({"country"})
_REGION_TYPES = frozenset({"state", "region", "province", "county", "state_district", "district", "territory",
                           "island", "archipelago", "subregion"})
_SETTLEMENT_TYPES = frozenset({"city", "town", "village", "hamlet", "suburb", "quarter", "neighbourhood", "borough",
                               "city_district", "locality", "isolated_dwelling", "farm"})


def _location(c: Candidate) -> Location:
    p = c.place
    address = ", ".join(x for x in (p.name, p.country) if x)
    raw = {"key": p.key, "name": p.name, "country": p.country, "feature_type": p.feature_type,
           "population": p.population, "lat": p.lat, "lon": p.lon, "match": c.match,
           "name_score": c.name_score, "source": p.source, "has_geometry": p.geometry is not None}
    return Location(address, (p.lat, p.lon), raw)


class OfflineGazetteer(Geocoder):
    """geopy Geocoder over the offline gazetteer (no network, no rate limit)."""

    def __init__(self, gazetteer: Gazetteer | None = None, *, fuzzy: bool = True):
        super().__init__()
        self.gazetteer = gazetteer or get_gazetteer()
        self.fuzzy = fuzzy

    def geocode(self, query: str, *, exactly_one: bool = True, country_codes: str | list[str] | None = None,
                limit: int = 10, timeout=None):
        """Places named ``query``; the most likely first (match quality, then importance)."""
        if not query or not str(query).strip():
            return None if exactly_one else []
        cands = self.gazetteer.lookup(str(query), limit=50)
        if not cands and self.fuzzy:
            cands = self.gazetteer.fuzzy(str(query), limit=limit)
        if country_codes:
            codes = {country_codes.upper()} if isinstance(country_codes, str) else {c.upper() for c in country_codes}
            cands = [c for c in cands if c.place.country in codes]
        cands.sort(key=lambda c: (-c.name_score, -importance(c.place)))
        locations = [_location(c) for c in cands[:limit]]
        if exactly_one:
            return locations[0] if locations else None
        return locations

    def reverse(self, query, *, exactly_one=True, timeout=None):  # pragma: no cover - not offered
        raise NotImplementedError("reverse geocoding is not offered by the offline gazetteer")


# --------------------------------------------------------------------------- Nominatim's answers


def _bbox_km(raw: dict) -> float | None:
    """The diagonal of Nominatim's ``boundingbox`` ([south, north, west, east], strings), in km."""
    try:
        south, north, west, east = (float(v) for v in raw["boundingbox"])
    except (KeyError, TypeError, ValueError):
        return None
    return great_circle((south, west), (north, east)).km


def feature_type_of(raw: dict) -> str:
    """The feature type of a Nominatim answer: its ``addresstype`` (Nominatim's own reading of
    what the object is in an address: country, state, city...) first, then the ``type`` of a
    ``place`` or ``boundary`` object; failing both (a lake, a mountain, a river), the bounding
    box: wider than ``AREA_KM`` a "region", else "other" (a feature near a settlement)."""
    kinds = [raw.get("addresstype")]
    if raw.get("class") in ("place", "boundary"):
        kinds.append(raw.get("type"))
    for kind in kinds:
        if kind in _COUNTRY_TYPES:
            return "country"
        if kind in _REGION_TYPES:
            return "region"
        if kind in _SETTLEMENT_TYPES:
            return "settlement"
    span = _bbox_km(raw)
    return "region" if span is not None and span > AREA_KM else "other"


def place_from_nominatim(raw: dict) -> Place | None:
    """The place of one Nominatim answer (``format=json`` with ``addressdetails``), or None for
    an answer that is no place a news article means (a street, a shop: see ``KEPT_CLASSES``) or
    that lacks an OSM id or coordinates."""
    if raw.get("class") not in KEPT_CLASSES:
        return None
    osm_type, osm_id = str(raw.get("osm_type") or ""), raw.get("osm_id")
    try:
        lat, lon = float(raw["lat"]), float(raw["lon"])
    except (KeyError, TypeError, ValueError):
        return None
    if not osm_type or osm_id is None:
        return None
    name = raw.get("name") or str(raw.get("display_name") or "").split(",")[0].strip()
    if not name:
        return None
    country = str((raw.get("address") or {}).get("country_code") or "").upper()
    return Place(key=f"{NOMINATIM_SOURCE}:{osm_type[:1].upper()}{osm_id}", name=name, lat=lat, lon=lon,
                 feature_type=feature_type_of(raw), country=country, source=NOMINATIM_SOURCE)


@dataclass(frozen=True)
class OnlineAnswer:
    """A place an online geocoder found for a name, with what resolution weighs."""

    place: Place
    #: How close the answer's name is to the name asked (0..1, rapidfuzz ratio of the
    #: normalised names): Nominatim also finds "Hadrut Province" for "Hadrut".
    similarity: float
    #: Nominatim's ``importance`` (0..1), its prior that a bare mention of the name means this.
    importance: float


def answers_from_nominatim(name: str, raws: list[dict]) -> list[OnlineAnswer]:
    """The usable answers among Nominatim's, in its order."""
    norm = normalize_name(name)
    out = []
    for raw in raws:
        place = place_from_nominatim(raw)
        if place is None:
            continue
        try:
            prior = min(1.0, max(0.0, float(raw.get("importance") or 0.0)))
        except (TypeError, ValueError):
            prior = 0.0
        similarity = fuzz.ratio(norm, normalize_name(place.name)) / 100.0
        out.append(OnlineAnswer(place=place, similarity=round(similarity, 4), importance=prior))
    return out


# --------------------------------------------------------------------------- the cache


class GeocodeCache:
    """A persistent cache of online answers (Nominatim requires caching), shared by processes.

    One SQLite file: ``answers`` holds Nominatim's raw answers per normalised name (``[]`` for a
    miss), ``meta`` the time of the latest request slot any process reserved. Each process and
    thread opens its own connection; a busy file is waited for (``timeout``). The file is made
    on first use.
    """

    #: Seconds a connection waits for another process's write to finish.
    TIMEOUT_SECONDS = 30.0

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()

    def _conn(self) -> sqlite3.Connection:
        conn, pid = getattr(self._local, "conn", None), getattr(self._local, "pid", None)
        if conn is None or pid != os.getpid():  # a forked process never uses its parent's connection
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=self.TIMEOUT_SECONDS, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
            conn.execute("CREATE TABLE IF NOT EXISTS answers (query TEXT PRIMARY KEY, answer TEXT NOT NULL, "
                         "asked_at REAL NOT NULL)")
            conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value REAL NOT NULL)")
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def get(self, query: str) -> list[dict] | None:
        """The cached answer (a list, empty for a miss), or None when never asked."""
        row = self._conn().execute("SELECT answer FROM answers WHERE query=?", (query,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, query: str, answer: list[dict]) -> None:
        self._conn().execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?)",
                             (query, json.dumps(answer, ensure_ascii=False), time.time()))

    def reserve_request(self, min_delay_seconds: float) -> float:
        """Reserve the next request slot of all processes sharing this cache: at least
        ``min_delay_seconds`` after the latest one. Returns the seconds to wait for it."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")  # one process at a time reads and moves the slot
        try:
            row = conn.execute("SELECT value FROM meta WHERE key='last_request'").fetchone()
            now = time.time()
            slot = max(now, row[0] + min_delay_seconds) if row else now
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('last_request', ?)", (slot,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return slot - now

    def mark_request(self) -> None:
        """Record that a request leaves now: a sleep until the reserved slot may overrun it, and the
        next slot must follow the request as made, not as planned (else two requests could come
        closer than the delay)."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("UPDATE meta SET value = max(value, ?) WHERE key='last_request'", (time.time(),))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


# --------------------------------------------------------------------------- the online geocoder


def cache_key(name: str) -> str:
    """The cache's key of a name: normalised as the gazetteer compares names (case, accents and
    punctuation do not matter), so each spelling that differs only so is asked once."""
    return normalize_name(name)


class OnlineGeocoder:
    """Names the offline gazetteer does not know, asked of an online geopy geocoder: rate
    limited, cached, bounded in time, and never raising (see the module's docstring)."""

    def __init__(self, geocoder: Geocoder, cache: GeocodeCache, *, min_delay_seconds: float = MIN_DELAY_SECONDS,
                 max_retries: int = MAX_RETRIES, error_wait_seconds: float = ERROR_WAIT_SECONDS,
                 retry_after_seconds: float = RETRY_AFTER_SECONDS):
        self.geocoder = geocoder
        self.cache = cache
        self.min_delay_seconds = min_delay_seconds
        self.retry_after_seconds = retry_after_seconds
        #: geopy's rate limiter: spaces the requests, retries errors; raises after the last retry.
        self.rate_limited = RateLimiter(self._request, min_delay_seconds=min_delay_seconds, max_retries=max_retries,
                                        error_wait_seconds=max(error_wait_seconds, min_delay_seconds),
                                        swallow_exceptions=False)
        self._lock = threading.Lock()
        self._paused_until = 0.0  # time.monotonic() before which nothing is asked (after a failure)

    @property
    def name(self) -> str:
        return type(self.geocoder).__name__

    def _request(self, query: str, **kwargs):
        """One request, in the next slot free across processes (see ``GeocodeCache.reserve_request``)."""
        wait = self.cache.reserve_request(self.min_delay_seconds)
        if wait > 0:
            time.sleep(wait)
        self.cache.mark_request()
        return self.geocoder.geocode(query, **kwargs)

    def _failed(self, reason: str, *, exc_info: bool = False) -> None:
        with self._lock:
            self._paused_until = time.monotonic() + self.retry_after_seconds
        log.warning("online geocoder %s failed (%s): names the offline gazetteer does not know stay unresolved; "
                    "asking again in %.0f s", self.name, reason, self.retry_after_seconds, exc_info=exc_info)

    def raw_answers(self, name: str) -> list[dict] | None:
        """Nominatim's raw answers for a name (``[]``: it knows none), from the cache or asked once;
        None when they cannot be had now (the service failed, or is paused after a failure)."""
        key = cache_key(name)
        if not key:
            return []
        try:
            found = self.cache.get(key)
            if found is not None:
                return found
            if time.monotonic() < self._paused_until:
                return None
            try:
                located = self.rate_limited(" ".join(name.split()), exactly_one=False, limit=MAX_ANSWERS,
                                            addressdetails=True, language="en")
            except GeopyError as exc:  # unreachable, timed out, refused, over quota: after the retry
                self._failed(f"{type(exc).__name__}: {exc}")
                return None
            answer = [dict(loc.raw) for loc in located or []]
            self.cache.put(key, answer)
            return answer
        except Exception as exc:  # noqa: BLE001 - an internal error: logged with its traceback, never fatal
            self._failed(f"internal error {type(exc).__name__}: {exc}", exc_info=True)
            return None

    def answers(self, query: str, *, name: str | None = None) -> list[OnlineAnswer]:
        """The places the online geocoder finds for ``query``, its likeliest first ([] when it
        knows none or cannot be asked now); their names are compared with ``name`` (by default
        the query: "Foo" when asking "Foo, Texas")."""
        return answers_from_nominatim(name if name is not None else query, self.raw_answers(query) or [])


def _nominatim(settings: Settings) -> Geocoder:
    from geopy.geocoders import Nominatim

    return Nominatim(user_agent=settings.nominatim_user_agent, timeout=REQUEST_TIMEOUT_SECONDS)


def online_geocoder(settings: Settings | None = None) -> OnlineGeocoder | None:
    """The online geocoder the settings ask for (``CLAIM_ATLAS_ONLINE_GEOCODER``), or None when
    off (the default): then nothing is sent anywhere and no cache file is made."""
    settings = settings or get_settings()
    if settings.online_geocoder != "nominatim":
        return None
    return OnlineGeocoder(_nominatim(settings), GeocodeCache(settings.home / CACHE_FILE))


# --------------------------------------------------------------------------- geopy interface


def _online_location(a: OnlineAnswer) -> Location:
    p = a.place
    raw = {"key": p.key, "name": p.name, "country": p.country, "feature_type": p.feature_type,
           "population": 0, "lat": p.lat, "lon": p.lon, "match": "online", "name_score": a.similarity,
           "importance": a.importance, "source": p.source, "has_geometry": False}
    return Location(", ".join(x for x in (p.name, p.country) if x), (p.lat, p.lon), raw)


class FallbackGeocoder(Geocoder):
    """geopy Geocoder: the offline gazetteer first; the online geocoder only for names it does
    not know at all (no exact nor fuzzy match), as in resolution."""

    def __init__(self, offline: Geocoder, online: OnlineGeocoder):
        super().__init__()
        self.offline, self.online = offline, online

    def geocode(self, query: str, *, exactly_one: bool = True, **kwargs):
        found = self.offline.geocode(query, exactly_one=exactly_one, **kwargs)
        if found:
            return found
        locations = [_online_location(a) for a in self.online.answers(str(query or ""))]
        if exactly_one:
            return locations[0] if locations else None
        return locations


def build_geocoder(settings: Settings | None = None) -> Geocoder:
    """The geopy geocoder the settings ask for: offline, or offline with Nominatim behind it."""
    settings = settings or get_settings()
    offline = OfflineGazetteer(get_gazetteer(settings))
    online = online_geocoder(settings)
    return offline if online is None else FallbackGeocoder(offline, online)
