"""GeoJSON feature data as the map's layers embed it: geometries, script-safe property
tables and bounds, built column-wise (no per-feature folium objects).
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.mapping.html import _script_json


def _num(value: Any, default: float = 0.0) -> float:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return default
    return default if math.isnan(f) else f


# ---------------------------------------------------------------------------------------- features
def _geometry_json(geoms: np.ndarray) -> list[str]:
    return [g if g is not None else "null" for g in shapely.to_geojson(geoms).tolist()]


def _bounds_of(gdf: gpd.GeoDataFrame) -> list[list[float]] | None:
    if gdf is None or gdf.empty:
        return None
    minx, miny, maxx, maxy = (float(v) for v in gdf.geometry.total_bounds)
    if any(math.isnan(v) for v in (minx, miny, maxx, maxy)):
        return None
    return [[miny, minx], [maxy, maxx]]


#: A mentioned area or line with more vertices than this is simplified for display (a country such
#: as Russia or the US: 6,000-7,000 vertices, a fifth of a render's bytes) ...
HEAVY_VERTICES = 500
#: ... by this tolerance (degrees, about 1 km): invisible at the zooms that show such a feature whole.
HEAVY_TOLERANCE = 0.01


def _display_geometries(geoms: np.ndarray) -> np.ndarray:
    """``geoms`` with the heavy ones (over :data:`HEAVY_VERTICES` vertices) simplified by
    :data:`HEAVY_TOLERANCE`, topology kept; the others, and the stored geometries, unchanged."""
    heavy = shapely.get_num_coordinates(geoms) > HEAVY_VERTICES
    if not heavy.any():
        return geoms
    out = geoms.copy()
    out[heavy] = shapely.simplify(geoms[heavy], HEAVY_TOLERANCE, preserve_topology=True)
    return out


def _layer_data(geoms: np.ndarray, props: list[dict]) -> str:
    """Script-safe JSON ``{"p": [properties...], "g": [geometries...]}`` (features without a
    geometry are left out); the browser zips it into a FeatureCollection. One ``json.dumps`` for
    all properties and GEOS's own GeoJSON writer for the geometries keep this fast."""
    geojson = _geometry_json(geoms)
    keep = [i for i, g in enumerate(geojson) if g != "null"]
    if len(keep) != len(props):
        props = [props[i] for i in keep]
    return '{"p":' + _script_json(props) + ',"g":[' + ",".join(geojson[i] for i in keep) + "]}"


def _rows(df: pd.DataFrame, cols: list[str]):
    """Rows as named tuples, read column-wise (much faster than itertuples on Arrow strings)."""
    from collections import namedtuple

    Row = namedtuple("Row", cols)  # type: ignore[misc]  # noqa: PYI024  # fields known at run time only
    return (Row._make(values) for values in zip(*(df[c].tolist() for c in cols), strict=True))


# ---------------------------------------------------------------------------------------- compact
def compact_layer_json(features: pd.DataFrame) -> str:
    """The compact features of a view (:func:`geo.layers.viewport.aggregate_places`) as script-safe
    JSON, column by column: ``{"key": [...], "label": [...], "kind": [...], "places": [...],
    "mentions": [...], "claims": [...], "disputed": [...], "style": [...], "lat": [...], "lon": [...]}``
    (``disputed``: 0s when the frame has no such column). Labels and
    keys are escaped (:func:`geo.mapping.html.escape_text`): the browser may put them in HTML.

    >>> f = pd.DataFrame({"key": ["a"], "label": ["<b>A</b>"], "kind": ["place"], "places": [1],
    ...                   "mentions": [2], "claims": [0], "style": ["settlement-4"], "lat": [40.0], "lon": [47.5]})
    >>> compact_layer_json(f)
    '{"key":["a"],"label":["\\\\u0026lt;b\\\\u0026gt;A\\\\u0026lt;/b\\\\u0026gt;"],"kind":["place"],"places":[1],"mentions":[2],"claims":[0],"disputed":[0],"style":["settlement-4"],"lat":[40.0],"lon":[47.5]}'
    """
    from geo.mapping.html import escape_text

    columns: dict[str, list] = {}
    for column in ("key", "label", "kind"):
        columns[column] = [escape_text(v) for v in features[column].tolist()]
    for column in ("places", "mentions", "claims"):
        columns[column] = features[column].astype("int64").tolist()
    columns["disputed"] = (features["disputed"].astype("int64").tolist() if "disputed" in features
                           else [0] * len(features))
    columns["style"] = features["style"].astype(str).tolist()
    for column in ("lat", "lon"):
        columns[column] = features[column].astype(float).round(5).tolist()
    return _script_json(columns)
