"""geo.gazetteer.index."""

from __future__ import annotations

import json
import marshal
import math
import sqlite3
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from cachetools import LRUCache
from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from geo.config import Settings
from geo.gazetteer.build import (
    _BIT_CAPITAL,
    _BIT_GEOMETRY,
    _E_BITS,
    _E_COUNTRY,
    _E_FEATURE_TYPE,
    _E_ID,
    _E_SOURCE,
    CONTAINER_PREFIX,
    KIND_ALIAS,
    KIND_ALTERNATE,
    KIND_NAME,
    US_COUNTIES_SOURCE,
    build_gazetteer,
)
from geo.model import Candidate, Place, defer_geometry
from geo.text.names import normalize_name, skeleton

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry
    from shapely.prepared import PreparedGeometry

_KIND_LABEL = {KIND_NAME: "name", KIND_ALIAS: "alias", KIND_ALTERNATE: "alternate"}
#: The name score of a match by each kind of name (a demonym names its country as an alias does:
#: geo.geoparse.resolve).
KIND_NAME_SCORES = {KIND_NAME: 1.0, KIND_ALIAS: 0.97, KIND_ALTERNATE: 0.9}
_MATCH = tuple((_KIND_LABEL[k], KIND_NAME_SCORES[k]) for k in range(3))  # by kind, for the lookup's inner loop

#: Address space for the read-only index mapped into memory (the file is ~170 MB). Its pages
#: are the OS's shared file cache, mapped as they are touched, not private memory.
_MMAP_BYTES = 256 * 1024 * 1024
_NO_PLACES = marshal.dumps(())


# --------------------------------------------------------------------------- lookups


class Gazetteer:
    """Read-only access to the gazetteer index. Thread-safe; share one instance."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        self._place_cache: dict[int, Place] = {}
        self._geom_cache: dict[str, tuple[BaseGeometry, PreparedGeometry]] = {}
        # Packed ``exact`` rows by name: bytes, which the garbage collector never scans.
        self._exact_cache: LRUCache[str, bytes] = LRUCache(50_000)
        self._exact_lock = threading.Lock()  # cachetools' caches are not thread-safe
        self._codes: tuple[list[str], list[str]] | None = None

    @classmethod
    def open(cls, settings: Settings | None = None) -> Gazetteer:
        """Open the index, building it first if needed."""
        return cls(build_gazetteer(settings))

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        return conn if conn is not None else self._connect()

    @property
    def _cursor(self) -> sqlite3.Cursor:
        """This thread's cursor for exact lookups: ``Connection.execute`` makes one per call."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            self._connect()
            cur = self._local.cursor
        return cur

    def _connect(self) -> sqlite3.Connection:
        """Open this thread's connection (and its lookup cursor)."""
        # immutable: the index is never written in place (a rebuild writes a new file and
        # renames it over this one, and an open connection keeps reading the old file), so
        # SQLite may skip locking the file and checking it for changes at every query:
        # that was a third of the time of an exact lookup. mmap avoids a read() per page.
        conn = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        conn.execute("PRAGMA query_only=1")
        conn.execute("PRAGMA cache_size=-65536")
        conn.execute(f"PRAGMA mmap_size={_MMAP_BYTES}")
        if self._codes is None:
            codes = json.loads(conn.execute("SELECT value FROM meta WHERE key='exact_codes'").fetchone()[0])
            self._codes = (codes["feature_type"], codes["source"])
        self._local.conn = conn
        self._local.cursor = conn.cursor()
        return conn

    # -- records
    def _place(self, row: tuple) -> Place:
        """The place of a ``_PLACE_COLS`` row; its geometry, if any, is parsed on first read."""
        pid = row[0]
        cached = self._place_cache.get(pid)
        if cached is not None:
            return cached
        # Positional: keyword arguments cost a third of the construction (field order is tested).
        place = Place(row[1], row[2], row[6], row[7], row[3], row[4], row[8], row[5], None, row[10], bool(row[9]))
        if row[11]:
            self._attach_geometry(place, pid)
        self._keep(pid, place)
        return place

    def _attach_geometry(self, place: Place, pid: int) -> None:
        """Give a place its stored geometry, parsed when first read."""
        found = self.conn.execute("SELECT geojson FROM geometries WHERE place_id=?", (pid,)).fetchone()
        if found:
            defer_geometry(place, found[0])

    def _keep(self, pid: int, place: Place) -> None:
        if len(self._place_cache) < 100_000:
            self._place_cache[pid] = place

    _PLACE_COLS = "p.id, p.key, p.name, p.feature_type, p.country, p.admin1, p.lat, p.lon, p.population, " \
                  "p.is_capital, p.source, p.has_geometry"

    def get(self, key: str) -> Place | None:
        """The place with this stable key (``geonames:146969``, ``country:AZ``...)."""
        row = self.conn.execute(f"SELECT {self._PLACE_COLS} FROM places p WHERE p.key=?", (key,)).fetchone()
        return self._place(row) if row else None

    def places_of_type(self, feature_type: str, country: str | None = None) -> list[Place]:
        sql = f"SELECT {self._PLACE_COLS} FROM places p WHERE p.feature_type=?"
        args: list = [feature_type]
        if country:
            sql += " AND p.country=?"
            args.append(country)
        return [self._place(r) for r in self.conn.execute(sql, args)]

    def container(self, name: str) -> list[Candidate]:
        """Places a container name after a comma may mean: abbreviations first ("Tenn.")."""
        found = self.lookup(CONTAINER_PREFIX + name, limit=5)
        return found or self.lookup(name, limit=10)

    def has_name(self, name: str) -> bool:
        """Whether any place carries exactly this (normalised) name."""
        norm = normalize_name(name)
        return bool(norm) and bool(self._exact_entries(norm))

    def _places_by_id(self, ids: list[int]) -> dict[int, Place]:
        out = {i: self._place_cache[i] for i in ids if i in self._place_cache}
        missing = [i for i in ids if i not in out]
        if missing:
            marks = ",".join("?" * len(missing))
            for r in self.conn.execute(f"SELECT {self._PLACE_COLS} FROM places p WHERE p.id IN ({marks})", missing):
                out[r[0]] = self._place(r)
        return out

    def _exact_entries(self, norm: str) -> tuple[tuple, ...]:
        """The places of a normalised name as ``exact`` entries, best first.

        The packed row is cached (names repeat) and unpacked at each call: unpacked rows
        kept in the cache would be tens of thousands of new tuples a minute for the
        garbage collector, whose full collections take 0.1-0.2 s with spaCy loaded.
        """
        with self._exact_lock:
            packed = self._exact_cache.get(norm)
        if packed is None:
            row = self._cursor.execute("SELECT places FROM exact WHERE norm=?", (norm,)).fetchone()
            packed = row[0] if row else _NO_PLACES
            with self._exact_lock:
                self._exact_cache[norm] = packed
        return marshal.loads(packed)

    def _exact_place(self, e: tuple) -> Place:
        """The place of an ``exact`` entry. Only places with a geometry join the place cache
        (and parse it once): keeping every place looked up would grow the heap by thousands
        of objects a second for the garbage collector, and rebuilding one takes half a
        microsecond."""
        assert self._codes is not None  # read when connecting, before any exact row
        feature_types, sources = self._codes
        bits = e[_E_BITS]
        # Positional: keyword arguments cost a third of the construction (field order is tested).
        place = Place(e[1], e[2], e[3], e[4], feature_types[e[_E_FEATURE_TYPE]], e[_E_COUNTRY], e[7], e[8], None,
                      sources[e[_E_SOURCE]], bool(bits & _BIT_CAPITAL))
        if bits & _BIT_GEOMETRY:
            self._attach_geometry(place, e[_E_ID])
            self._keep(e[_E_ID], place)
        return place

    def lookup(self, name: str, *, country: str | None = None, limit: int = 50) -> list[Candidate]:
        """Places whose name, alias or alternate name equals ``name`` once normalised.

        Ordered by match kind, then population. ``country`` (ISO alpha-2) restricts them.
        """
        norm = normalize_name(name)
        if not norm:
            return []
        entries: Sequence[tuple] = self._exact_entries(norm)
        if country:
            entries = [e for e in entries if e[_E_COUNTRY] == country]
        cached, make = self._place_cache.get, self._exact_place
        out = []
        for e in entries[:limit]:
            match, score = _MATCH[e[_E_BITS] & 3]
            out.append(Candidate(cached(e[_E_ID]) or make(e), match, score))
        return out

    def fuzzy(self, name: str, *, country: str | None = None, limit: int = 20,
              min_score: float = 0.8) -> list[Candidate]:
        """Places with a name close to ``name`` (transliterations, typos).

        Only names sharing the phonetic skeleton, or the first three letters and about
        the same length, are compared (blocking), so a lookup stays in milliseconds.
        ``name_score`` is rapidfuzz's normalised similarity (0..1) scaled down a little,
        so that an exact match always outranks a fuzzy one.
        """
        norm = normalize_name(name)
        if len(norm) < 4:
            return []
        compact = norm.replace(" ", "")
        rows = self.conn.execute(
            "SELECT norm, place_id, pop FROM names WHERE skel=? "
            "UNION ALL SELECT norm, place_id, pop FROM names WHERE pfx=? AND len BETWEEN ? AND ?",
            (skeleton(norm), compact[:3], len(compact) - 2, len(compact) + 2)).fetchall()
        if not rows:
            return []
        sims = cdist([norm], [r[0] for r in rows], scorer=fuzz.ratio, score_cutoff=min_score * 100)[0]
        best: dict[int, tuple[float, int]] = {}
        for (_, pid, pop), sim in zip(rows, sims, strict=True):
            if sim and sim > best.get(pid, (0.0, 0))[0]:
                best[pid] = (float(sim), pop)
        ranked = sorted(best.items(), key=lambda t: (-t[1][0], -t[1][1]))
        places = self._places_by_id([pid for pid, _ in ranked[: limit * 3]])
        out = [Candidate(place=places[pid], match="fuzzy", name_score=round(0.85 * sim / 100.0, 4))
               for pid, (sim, _) in ranked[: limit * 3] if not country or places[pid].country == country]
        return out[:limit]

    def candidates(self, name: str, *, limit: int = 50) -> list[Candidate]:
        """Exact candidates, plus fuzzy ones for names without an exact primary-name match."""
        found = self.lookup(name, limit=limit)
        if len(normalize_name(name)) >= 5 and not any(c.match in ("name", "alias") for c in found):
            seen = {c.place.key for c in found}
            found += [c for c in self.fuzzy(name, limit=20, min_score=0.82) if c.place.key not in seen]
        return found

    def shape(self, place: Place):
        """The shapely geometry of a place (its polygon or line, else its point). Cached."""
        cached = self._geom_cache.get(place.key)
        if cached is None:
            from shapely.geometry import Point, shape
            from shapely.prepared import prep

            geom = shape(place.geometry) if place.geometry else Point(place.lon, place.lat)
            cached = (geom, prep(geom))
            self._geom_cache[place.key] = cached
        return cached[0]

    def contains(self, area: Place, point: Place) -> bool:
        """Whether ``point``'s location lies inside ``area``'s polygon."""
        if not area.geometry or area.geometry.get("type") not in ("Polygon", "MultiPolygon"):
            return False
        from shapely.geometry import Point

        self.shape(area)
        return self._geom_cache[area.key][1].contains(Point(point.lon, point.lat))


@lru_cache(maxsize=4)
def _shared_gazetteer(path: str) -> Gazetteer:
    return Gazetteer(Path(path))


def get_gazetteer(settings: Settings | None = None) -> Gazetteer:
    """The process-wide gazetteer for these settings (built on first use)."""
    return _shared_gazetteer(str(build_gazetteer(settings)))


def importance(place: Place) -> float:
    """A 0..1 prior: how likely a bare mention of this place's name means it."""
    if place.feature_type == "country":
        return 1.0
    if place.feature_type in ("border", "pipeline"):
        return 0.8
    if place.feature_type == "region":
        if place.source == US_COUNTIES_SOURCE:
            # ranked by the towns they hold: 0.6 (recognised as a place where the article is
            # about the US) to 0.9 (recognised anywhere, like a region); a county of 10,000 is 0.77
            return round(0.6 + 0.3 * min(1.0, math.log10(max(place.population, 1) + 1) / 7.0), 4)
        return 0.85 if place.key.startswith(("ref:", "continent:")) else 0.8
    base = min(1.0, math.log10(max(place.population, 1) + 1) / 7.0)
    return min(1.0, base + (0.3 if place.is_capital else 0.0))
