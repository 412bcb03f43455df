"""geo.mapping.reference."""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping
from typing import Any

import folium
import folium.plugins
import geopandas as gpd
from cachetools import LRUCache

from geo.mapping.elements import PlaceLayer
from geo.mapping.features import _bounds_of, _layer_data
from geo.mapping.html import escape_text
from geo.mapping.styles import FUEL_COLORS, LAYER_NAMES, _StyleTable

ATTRIBUTION_NATURAL_EARTH = "Made with Natural Earth"
ATTRIBUTION_GEM = "Pipelines: Global Energy Monitor, CC BY 4.0"
ATTRIBUTION_GEONAMES = "Places: GeoNames, CC BY 4.0"


#: Serialised reference layers by (layer, id of its GeoDataFrame): the GeoDataFrame is kept in the
#: value, so its id is not reused while the entry lives.
_REFERENCE_CACHE: LRUCache[tuple[str, int], tuple[Any, str, list[dict], list[dict], Any]] = LRUCache(32)
_REFERENCE_LOCK = threading.Lock()  # pages build maps from several threads; cachetools' caches are not thread-safe


def _reference_label(key: str, row: Mapping[Hashable, Any]) -> str:
    if key == "theatre_admin1":
        kind = ", ".join(str(v) for v in (row.get("type_en"), row.get("iso_a2")) if v)
        return f"{row.get('name_en') or row.get('name')}" + (f" ({kind})" if kind else "")
    if key == "countries_south_caucasus":
        return str(row.get("name_long") or row.get("name"))
    if key == "nagorno_karabakh_pre2020":
        return f"{row.get('brk_name', 'Nagorno-Karabakh')}: {row.get('meaning', '')} ({row.get('source', '')})"
    if key == "admin1_aze_arm":
        return f"{row.get('name_display') or row.get('name')} ({row.get('type_en', '')}, {row.get('admin', '')})"
    if key == "borders_pairwise":
        section = f", {row.get('section')}" if row.get("section") else ""
        return f"Border {row.get('name_a')} – {row.get('name_b')}{section} (reference line, Natural Earth)"
    if key == "pipelines_gem":
        return f"{row.get('name')} ({row.get('fuel')}); route: Global Energy Monitor, CC BY 4.0"
    return str(row.get("name", key))


_REFERENCE_STYLE = {
    "basemap": {"color": "#b3b3b3", "weight": 0.6, "fillColor": "#eeeeee", "fillOpacity": 1.0},
    "countries_south_caucasus": {"color": "#555555", "weight": 1.2, "fillColor": "#f7f2e8", "fillOpacity": 0.6},
    "theatre_countries": {"color": "#555555", "weight": 1.2, "fillColor": "#f7f2e8", "fillOpacity": 0.6},
    "theatre_admin1": {"color": "#999999", "weight": 0.6, "fillOpacity": 0.0},
    "nagorno_karabakh_pre2020": {"color": "#7d3c98", "weight": 1.5, "dashArray": "4 4", "fillColor": "#d7bde2",
                                 "fillOpacity": 0.25},
    "admin1_aze_arm": {"color": "#999999", "weight": 0.6, "fillOpacity": 0.0},
    "borders_pairwise": {"color": "#333333", "weight": 2, "opacity": 0.7, "dashArray": "2 4"},
}
_REFERENCE_ATTRIBUTION = {
    "basemap": ATTRIBUTION_NATURAL_EARTH,
    "countries_south_caucasus": ATTRIBUTION_NATURAL_EARTH,
    "theatre_countries": ATTRIBUTION_NATURAL_EARTH,
    "theatre_admin1": ATTRIBUTION_NATURAL_EARTH,
    "nagorno_karabakh_pre2020": ATTRIBUTION_NATURAL_EARTH,
    "admin1_aze_arm": ATTRIBUTION_NATURAL_EARTH,
    "borders_pairwise": ATTRIBUTION_NATURAL_EARTH,
    "pipelines_gem": ATTRIBUTION_GEM,
}
#: The theatre's world layers (geo.layers.reference.theatre_layers) go first, under the profiles'
#: own layers (drawn in the order the profiles list them).
_REFERENCE_ORDER = ("theatre_countries", "theatre_admin1")
_REFERENCE_SHOWN = {"theatre_countries", "theatre_admin1", "countries_south_caucasus", "nagorno_karabakh_pre2020",
                    "borders_pairwise", "pipelines_gem"}
_REFERENCE_INTERACTIVE = {"nagorno_karabakh_pre2020", "borders_pairwise", "pipelines_gem"}


def _reference_parts(key: str, gdf: gpd.GeoDataFrame):
    """Feature JSON, properties and styles of a reference layer, memoised per GeoDataFrame object
    (the app caches its reference layers, so each is serialised once per process)."""
    cache_key = (key, id(gdf))
    with _REFERENCE_LOCK:
        hit = _REFERENCE_CACHE.get(cache_key)
    if hit is not None and hit[0] is gdf:
        return hit[1:]
    table = _StyleTable()
    props = []
    records = gdf.drop(columns=gdf.geometry.name).to_dict("records") if key != "basemap" else [{}] * len(gdf)
    for row in records:
        if key == "pipelines_gem":
            style = {"color": FUEL_COLORS.get(str(row.get("fuel")), "#6e2c00"), "weight": 3, "opacity": 0.85}
        else:
            style = _REFERENCE_STYLE.get(key, {"color": "#666666", "weight": 1})
        p: dict[str, Any] = {"s": table.add(style)}
        if key != "basemap":
            p["tip"] = escape_text(_reference_label(key, row))
        props.append(p)
    data_json = _layer_data(gdf.geometry.to_numpy(), props)
    parts = (data_json, props, table.styles, _bounds_of(gdf))
    with _REFERENCE_LOCK:
        _REFERENCE_CACHE[cache_key] = (gdf, *parts)  # keeps gdf alive, so its id is not reused
    return parts


def _add_reference(m: folium.Map, key: str, gdf: gpd.GeoDataFrame) -> None:
    data_json, props, styles, _bounds = _reference_parts(key, gdf)
    is_basemap = key == "basemap"
    PlaceLayer(
        data_json, props, styles, None,  # reference layers do not take part in fitting the view
        name=LAYER_NAMES.get(key) or str(gdf.attrs.get("layer_name") or key),
        show=is_basemap or key in _REFERENCE_SHOWN or key not in LAYER_NAMES,
        control=not is_basemap,
        attribution=_REFERENCE_ATTRIBUTION.get(key),
        className=f"ca-ref ca-ref-{key}",
        interactive=key in _REFERENCE_INTERACTIVE,
    ).add_to(m)
