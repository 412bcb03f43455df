"""The shipped reference layers (borders, pipelines, regions, countries) and the offline
basemap drawn from the country layer, as GeoDataFrames.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely

from geo.layers.geometry import fix_antimeridian

#: Reference layers shown on the map (key -> file in data/reference/).
REFERENCE_FILES: dict[str, str] = {
    "countries_south_caucasus": "countries_south_caucasus.geojson",
    "nagorno_karabakh_pre2020": "nagorno_karabakh_pre2020.geojson",
    "borders_pairwise": "borders_pairwise.geojson",
    "pipelines_gem": "pipelines_gem.geojson",
    "admin1_aze_arm": "admin1_aze_arm.geojson",
}
BASEMAP_FILE = "world_countries.geojson"


def reference_layers(reference_dir: Path | str) -> dict[str, gpd.GeoDataFrame]:
    """The reference layers of :data:`REFERENCE_FILES` (missing files are left out)."""
    folder = Path(reference_dir)
    out: dict[str, gpd.GeoDataFrame] = {}
    for key, name in REFERENCE_FILES.items():
        path = folder / name
        if path.is_file():
            gdf = gpd.read_file(path)
            gdf = gdf.to_crs("EPSG:4326") if gdf.crs is not None else gdf.set_crs("EPSG:4326")
            out[key] = gdf.set_geometry(gpd.GeoSeries([fix_antimeridian(g) for g in gdf.geometry], crs="EPSG:4326"))
    return out


def basemap_layer(reference_dir: Path | str, tolerance: float = 0.05, grid: float = 0.01) -> gpd.GeoDataFrame:
    """World countries, simplified (``tolerance`` degrees) and snapped to a ``grid``: an offline basemap."""
    path = Path(reference_dir) / BASEMAP_FILE
    if not path.is_file():
        return gpd.GeoDataFrame({"name": []}, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")
    gdf = gpd.read_file(path)[["iso_a2", "name", "geometry"]]
    geoms = gpd.GeoSeries([fix_antimeridian(g) for g in gdf.geometry], crs="EPSG:4326")
    geoms = geoms.simplify(tolerance, preserve_topology=True)
    valid = shapely.make_valid(shapely.set_precision(geoms.to_numpy(), grid))
    gdf = gdf.set_geometry(gpd.GeoSeries(valid, crs="EPSG:4326"))
    return gdf.loc[~gdf.geometry.is_empty].reset_index(drop=True)
