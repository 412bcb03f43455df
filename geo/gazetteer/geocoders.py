"""Geocoders with geopy's interface: the offline gazetteer by default, Nominatim optionally.

:class:`OfflineGazetteer` answers ``geocode(query, exactly_one=...)`` from the local index
with ``geopy.location.Location`` objects whose ``raw`` is the gazetteer record (key,
country, feature type, population, match kind and score), so code written against geopy
works unchanged offline.

:class:`FallbackGeocoder` asks the offline gazetteer first and, only when it knows nothing,
an online geocoder: Nominatim behind geopy's ``RateLimiter`` (at most one request per second,
as its usage policy requires) with a persistent SQLite cache, so that a name is never asked
twice. Online geocoding is off by default (``CLAIM_ATLAS_ONLINE_GEOCODER=nominatim`` turns
it on, with ``CLAIM_ATLAS_NOMINATIM_USER_AGENT`` identifying you).

>>> geocoder = OfflineGazetteer()                       # doctest: +SKIP
>>> geocoder.geocode("Stepanakert").raw["name"]         # doctest: +SKIP
'Khankendi'
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from geopy.geocoders.base import Geocoder
from geopy.location import Location

from geo.config import Settings, get_settings
from geo.gazetteer.index import Gazetteer, get_gazetteer, importance
from geo.model import Candidate


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


class GeocodeCache:
    """A persistent cache of online answers (Nominatim requires caching)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with sqlite3.connect(self.path) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS geocode_cache (query TEXT PRIMARY KEY, answer TEXT NOT NULL)")

    def get(self, query: str) -> list[dict] | None:
        with sqlite3.connect(self.path) as conn:
            row = conn.execute("SELECT answer FROM geocode_cache WHERE query=?", (query,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, query: str, answer: list[dict]) -> None:
        with self._lock, sqlite3.connect(self.path) as conn:
            conn.execute("INSERT OR REPLACE INTO geocode_cache VALUES (?, ?)", (query, json.dumps(answer)))


class FallbackGeocoder(Geocoder):
    """Offline first; an online geocoder (rate-limited, cached) only for unknown names."""

    def __init__(self, offline: Geocoder, online_geocode, cache: GeocodeCache):
        super().__init__()
        self.offline, self.online_geocode, self.cache = offline, online_geocode, cache

    def geocode(self, query: str, *, exactly_one: bool = True, **kwargs):
        found = self.offline.geocode(query, exactly_one=exactly_one, **kwargs)
        if found:
            return found
        key = " ".join(str(query).lower().split())
        answer = self.cache.get(key)
        if answer is None:
            result = self.online_geocode(query, exactly_one=False) or []
            answer = [{"address": r.address, "lat": r.latitude, "lon": r.longitude, "raw": r.raw} for r in result]
            self.cache.put(key, answer)
        locations = [Location(a["address"], (a["lat"], a["lon"]), {**(a.get("raw") or {}), "source": "online"})
                     for a in answer]
        if exactly_one:
            return locations[0] if locations else None
        return locations


def build_geocoder(settings: Settings | None = None) -> Geocoder:
    """The geocoder the settings ask for: offline, or offline with Nominatim behind it."""
    settings = settings or get_settings()
    offline = OfflineGazetteer(get_gazetteer(settings))
    if settings.online_geocoder != "nominatim":
        return offline
    from geopy.extra.rate_limiter import RateLimiter
    from geopy.geocoders import Nominatim

    nominatim = Nominatim(user_agent=settings.nominatim_user_agent, timeout=10)
    limited = RateLimiter(nominatim.geocode, min_delay_seconds=1.0, max_retries=1, swallow_exceptions=True)
    return FallbackGeocoder(offline, limited, GeocodeCache(settings.home / "geocode_cache.sqlite"))
