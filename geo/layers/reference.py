"""The shipped reference layers, as GeoDataFrames: the conflict profiles' own layers (borders,
pipelines, regions of one war), the world's countries and admin-1 areas (the theatre of any war,
see :mod:`geo.layers.theatre`) and the offline basemap drawn from the country layer.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import geopandas as gpd
import shapely

from geo.layers.geometry import fix_antimeridian
from geo.layers.theatre import Theatre, layer_key

log = logging.getLogger(__name__)

BASEMAP_FILE = "world_countries.geojson"
WORLD_ADMIN1_FILE = "world_admin1.geojson"
#: Keys of the theatre's layers cut from the world layers (geo.mapping draws them under the
#: profiles' own layers).
THEATRE_COUNTRIES, THEATRE_ADMIN1 = "theatre_countries", "theatre_admin1"


def _read(path: Path) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(path)
    gdf = gdf.to_crs("EPSG:4326") if gdf.crs is not None else gdf.set_crs("EPSG:4326")
    return gdf.set_geometry(gpd.GeoSeries([fix_antimeridian(g) for g in gdf.geometry], crs="EPSG:4326"))


def _empty() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [], "iso_a2": []}, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")


def profile_layer_files(profiles: Iterable | None = None) -> dict[str, tuple[str, str]]:
    """Key -> (file, name) of every ``[[layers]]`` entry of ``profiles`` (default: the profiles in force)."""
    if profiles is None:
        from geo.profiles import get_profiles

        profiles = get_profiles()
    return {layer_key(layer.file): (layer.file, layer.name) for p in profiles for layer in p.layers}


def reference_layers(reference_dir: Path | str,
                     files: Mapping[str, tuple[str, str]] | None = None) -> dict[str, gpd.GeoDataFrame]:
    """The reference layers ``files`` (key -> (file in ``reference_dir``, name); default: every
    profile's own layers, :func:`profile_layer_files`), each with its name in ``attrs["layer_name"]``.
    Missing files are left out."""
    folder = Path(reference_dir)
    out: dict[str, gpd.GeoDataFrame] = {}
    for key, (file, name) in (profile_layer_files() if files is None else files).items():
        path = folder / file
        if path.is_file():
            out[key] = _read(path)
            out[key].attrs["layer_name"] = name
    return out


def _simplified(gdf: gpd.GeoDataFrame, tolerance: float, grid: float) -> gpd.GeoDataFrame:
    """``gdf`` simplified (``tolerance`` degrees) and snapped to a ``grid``, empty shapes left out."""
    geoms = gdf.geometry.simplify(tolerance, preserve_topology=True)
    valid = shapely.make_valid(shapely.set_precision(geoms.to_numpy(), grid))
    gdf = gdf.set_geometry(gpd.GeoSeries(valid, crs="EPSG:4326"))
    return gdf.loc[~gdf.geometry.is_empty].reset_index(drop=True)


def basemap_layer(reference_dir: Path | str, tolerance: float = 0.05, grid: float = 0.01) -> gpd.GeoDataFrame:
    """World countries, simplified (``tolerance`` degrees) and snapped to a ``grid``: an offline basemap."""
    path = Path(reference_dir) / BASEMAP_FILE
    if not path.is_file():
        return _empty()
    return _simplified(_read(path)[["iso_a2", "name", "geometry"]], tolerance, grid)


def world_layers(reference_dir: Path | str, tolerance: float = 0.02, grid: float = 0.01) -> dict[str, gpd.GeoDataFrame]:
    """The world's countries and admin-1 areas (``"countries"``, ``"admin1"``), simplified a
    little less than the basemap: what any theatre is cut from (:func:`theatre_layers`)."""
    folder = Path(reference_dir)
    out = {}
    for key, name, columns in (("countries", BASEMAP_FILE, ["iso_a2", "name"]),
                               ("admin1", WORLD_ADMIN1_FILE, ["iso_a2", "name", "name_en", "type_en"])):
        path = folder / name
        out[key] = _simplified(_read(path)[[*columns, "geometry"]], tolerance, grid) if path.is_file() else _empty()
    return out


#: Bump when what the cached layers hold changes in a way their sources' stamps do not show.
LAYER_CACHE_VERSION = 1


def cached_layers(cache_dir: Path | str | None, name: str, sources: Iterable[Path],
                  build: Callable[[], dict[str, gpd.GeoDataFrame]]) -> dict[str, gpd.GeoDataFrame]:
    """``build()``'s layers, kept in ``cache_dir`` as GeoParquet files named by a hash of ``name``,
    the ``sources``' sizes and times and :data:`LAYER_CACHE_VERSION`: the world's simplified
    layers take seconds to build (reading, simplifying and snapping 4,800 shapes) and a quarter of
    a second to read back, so a freshly started app draws its first map sooner. ``None``, or a
    cache that cannot be read or written, just builds (an unreadable cache is rebuilt, with a log).

    Hand-written: no library caches GeoDataFrames on disk by their source files (joblib's Memory
    keys by arguments and pickles, which would tie the cache to the installed versions)."""
    if cache_dir is None:
        return build()
    stats = ((str(p), p.stat()) for p in (Path(s) for s in sources) if p.is_file())
    stamp = [name, LAYER_CACHE_VERSION, *sorted((path, st.st_size, st.st_mtime_ns) for path, st in stats)]
    key = hashlib.sha256(json.dumps(stamp).encode()).hexdigest()[:16]
    folder = Path(cache_dir)
    index = folder / f"{name}-{key}.json"
    if index.is_file():
        try:
            entries = json.loads(index.read_text(encoding="utf-8"))
            out = {}
            for layer, attrs in entries.items():
                gdf = gpd.read_parquet(folder / f"{name}-{key}-{layer}.parquet")
                gdf.attrs.update(attrs)
                out[layer] = gdf
            return out
        except Exception:  # noqa: BLE001 - a damaged cache is rebuilt, never fatal
            log.warning("layer cache %s unreadable: rebuilt", index, exc_info=True)
    layers = build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for layer, gdf in layers.items():
            tmp = folder / f".{name}-{key}-{layer}.{os.getpid()}.tmp"
            gdf.to_parquet(tmp)
            os.replace(tmp, folder / f"{name}-{key}-{layer}.parquet")  # atomic: readers see whole files
        tmp = folder / f".{name}-{key}.{os.getpid()}.json.tmp"
        tmp.write_text(json.dumps({layer: dict(gdf.attrs) for layer, gdf in layers.items()}), encoding="utf-8")
        os.replace(tmp, index)  # written last: the index names complete files only
    except OSError:
        log.warning("layer cache %s not written", folder, exc_info=True)
    return layers


def theatre_layers(world: dict[str, gpd.GeoDataFrame], theatre: Theatre) -> dict[str, gpd.GeoDataFrame]:
    """The theatre's countries and their admin-1 areas, cut from :func:`world_layers` (a layer with
    no country is left out)."""
    out = {}
    for key, source, codes in ((THEATRE_COUNTRIES, "countries", theatre.countries),
                               (THEATRE_ADMIN1, "admin1", theatre.admin1)):
        gdf = world.get(source)
        if codes and gdf is not None and not gdf.empty:
            part = gdf.loc[gdf["iso_a2"].isin(codes)].reset_index(drop=True)
            if not part.empty:
                out[key] = part
    return out
