"""geo.mapping.reference: the reference layers on the map (basemap, the theatre's countries and
admin-1 areas, the profiles' own layers), inlined or loaded from static files.

Inlined (:func:`_add_reference` without ``files``), a layer's features travel inside the map's
script: what the standalone export needs. With a :class:`LayerFiles` (the app's maps), each layer
is written once as a static JSON file (its styles, escaped tooltips and geometries), named by a
fingerprint of its content, and the map's script only names its URL: Streamlit's static server
sends it, the browser keeps it, and a rerun sends the map script without it. The theatre's layers
(cut from the world layers by country) are written one file per country, so any theatre reuses
the files of its countries. ``static/claim-atlas/map.js`` (``claimAtlas.urlLayer``) fetches them.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import folium
import folium.plugins
import geopandas as gpd
from cachetools import LRUCache

from geo.mapping.assets import OWN_ASSET_PREFIX, OWN_DIR
from geo.mapping.elements import PlaceLayer, UrlLayer
from geo.mapping.features import _bounds_of, _layer_data
from geo.mapping.html import _script_json, escape_text
from geo.mapping.styles import FUEL_COLORS, LAYER_NAMES, _StyleTable

ATTRIBUTION_NATURAL_EARTH = "Made with Natural Earth"
ATTRIBUTION_GEM = "Pipelines: Global Energy Monitor, CC BY 4.0"
ATTRIBUTION_GEONAMES = "Places: GeoNames, CC BY 4.0"

log = logging.getLogger(__name__)


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


def _serialise(key: str, gdf: gpd.GeoDataFrame) -> tuple[str, list[dict], list[dict]]:
    """Feature JSON (script-safe), properties and styles of a reference layer."""
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
    return _layer_data(gdf.geometry.to_numpy(), props), props, table.styles


def _reference_parts(key: str, gdf: gpd.GeoDataFrame):
    """Feature JSON, properties and styles of a reference layer, memoised per GeoDataFrame object
    (the app caches its reference layers, so each is serialised once per process)."""
    cache_key = (key, id(gdf))
    with _REFERENCE_LOCK:
        hit = _REFERENCE_CACHE.get(cache_key)
    if hit is not None and hit[0] is gdf:
        return hit[1:]
    parts = (*_serialise(key, gdf), _bounds_of(gdf))
    with _REFERENCE_LOCK:
        _REFERENCE_CACHE[cache_key] = (gdf, *parts)  # keeps gdf alive, so its id is not reused
    return parts


# ---------------------------------------------------------------------------------------- static files
#: Layers cut from the world layers per theatre: written one file per country (``iso_a2``).
PER_COUNTRY = frozenset({"theatre_countries", "theatre_admin1"})
#: Where the app's layer files go, and their URL (Streamlit serves ./static at /app/static).
LAYER_DIR = OWN_DIR / "layers"
LAYER_URL_PREFIX = f"{OWN_ASSET_PREFIX}/layers"
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")


def layer_file_content(key: str, gdf: gpd.GeoDataFrame) -> str:
    """A layer file: ``{"s": [styles], "p": [properties], "g": [geometries]}`` (tooltips escaped)."""
    data_json, _props, styles = _serialise(key, gdf)
    return '{"s":' + _script_json(styles) + "," + data_json[1:]


@dataclass
class LayerFiles:
    """Writes reference layers as static files under ``folder``, served at ``url_prefix``.

    A file is named ``<layer>[-<country>]-<fingerprint>.json``, the fingerprint a hash of its
    content: a data change gives a new URL (the browser's copy is never stale), and an unchanged
    layer keeps its URL, so the browser fetches it once. Files are written on first use (atomically:
    a temporary file renamed), so a clean checkout needs no build step. When ``folder`` cannot be
    written, :meth:`urls` returns None and the map inlines the layer (one warning)."""

    folder: Path = LAYER_DIR
    url_prefix: str = LAYER_URL_PREFIX
    _memo: LRUCache = field(default_factory=lambda: LRUCache(64), repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _warned: bool = field(default=False, repr=False)

    def urls(self, key: str, gdf: gpd.GeoDataFrame) -> list[str] | None:
        """The URLs of ``gdf``'s files (one, or one per country for :data:`PER_COUNTRY`), written
        if absent; None when they cannot be written. Memoised per GeoDataFrame object."""
        with self._lock:
            hit = self._memo.get((key, id(gdf)))
        if hit is not None and hit[0] is gdf and all((self.folder / n).is_file() for n in hit[1]):
            return [f"{self.url_prefix}/{n}" for n in hit[1]]
        if key in PER_COUNTRY and "iso_a2" in gdf.columns:
            parts = [(str(code), gdf.loc[gdf["iso_a2"] == code]) for code in dict.fromkeys(gdf["iso_a2"])]
        else:
            parts = [("", gdf)]
        try:
            names = [self._write(key, code, layer_file_content(key, part)) for code, part in parts]
        except OSError as error:
            if not self._warned:
                self._warned = True
                log.warning("cannot write the map's layer files in %s (%s): layers are inlined in every render",
                            self.folder, error)
            return None
        with self._lock:
            self._memo[(key, id(gdf))] = (gdf, names)  # keeps gdf alive, so its id is not reused
        return [f"{self.url_prefix}/{n}" for n in names]

    def _write(self, key: str, code: str, content: str) -> str:
        data = content.encode("utf-8")
        stem = "-".join(_UNSAFE_NAME.sub("_", part) for part in (key, code) if part)
        name = f"{stem}-{hashlib.sha256(data).hexdigest()[:16]}.json"
        path = self.folder / name
        if not path.is_file():
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                os.chmod(tmp, 0o644)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return name


#: The app's layer files (static/claim-atlas/layers/, served by Streamlit).
STATIC_LAYER_FILES = LayerFiles()


def _add_reference(m: folium.Map, key: str, gdf: gpd.GeoDataFrame, files: LayerFiles | None = None) -> None:
    """Add a reference layer to ``m``: loaded from its static files with ``files``, else inlined."""
    is_basemap = key == "basemap"
    common: dict[str, Any] = dict(
        name=LAYER_NAMES.get(key) or str(gdf.attrs.get("layer_name") or key),
        show=is_basemap or key in _REFERENCE_SHOWN or key not in LAYER_NAMES,
        control=not is_basemap,
        attribution=_REFERENCE_ATTRIBUTION.get(key),
        className=f"ca-ref ca-ref-{key}",
        interactive=key in _REFERENCE_INTERACTIVE,
    )
    urls = files.urls(key, gdf) if files is not None else None
    if urls is not None:
        UrlLayer(urls, **common).add_to(m)
        return
    data_json, props, styles, _bounds = _reference_parts(key, gdf)
    # reference layers do not take part in fitting the view (no bounds)
    PlaceLayer(data_json, props, styles, None, **common).add_to(m)
