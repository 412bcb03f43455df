"""The Map page's folium map, built by a pure function (no Streamlit) so it can be tested alone.

:func:`build_map` draws, bottom to top: an offline basemap of world countries (or OpenStreetMap
tiles when asked), the reference layers it is given (the theatre's countries and admin-1 areas,
then the conflict profiles' own layers, e.g. the Karabakh war's South Caucasus countries, admin-1
units, the pre-2020 Nagorno-Karabakh area, borders, pipelines: geo.layers.theatre), then the places the articles mention: areas (regions,
countries), lines (borders, pipelines) and points (settlements: one GeoJSON layer, clustered when
there are many). Metonymic mentions ("Baku said") are not plotted.

Every plotted feature's popup lists its mentions (source, date, title, the sentence with the name
highlighted, confidence, precision, runner-up); its properties carry ``place_key``,
``mention_ids`` and ``article_ids`` so it links back to the source sentences.

Safety. folium inserts popup and tooltip HTML raw (``innerHTML``), sometimes inside JavaScript
template strings, and branca compiles every rendered layer script as a Jinja template (so
``{{ ... }}`` in data would run on the server). Here every piece of text that reaches the map goes
through :func:`escape_text` (``html.escape`` plus entities for `` ` ``, ``$``, ``{`` and ``}``),
the layer data is serialised once as script-safe JSON, and our layer elements put it into the page
without passing it through Jinja. Popups are assembled in the browser by concatenating those
already escaped pieces.

Speed. Layers are serialised with ``shapely.to_geojson`` and one ``json.dumps`` per layer; the
reference layers' JSON is memoised per (cached) GeoDataFrame; popups are built when opened. The
app's maps load the reference layers from static files (``layer_files``), so a render sends only
the places, claims and popups. See ``scripts/benchmark_map.py``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.layers.places import LINE_TYPES, broad_places, focus_places, plottable_mentions
from geo.layers.theatre import WORLD_VIEW
from geo.mapping.claims import add_claims, view_claims
from geo.mapping.elements import (
    ClusteredPlaceLayer,
    CompactLayer,
    Legend,
    PlaceLayer,
    PopupSupport,
    legend_html,
)
from geo.mapping.features import _bounds_of, _display_geometries, _layer_data, _num, _rows, compact_layer_json
from geo.mapping.html import escape_text, highlight_sentence
from geo.mapping.reference import (
    _REFERENCE_ORDER,
    ATTRIBUTION_GEONAMES,
    LayerFiles,
    _add_reference,
)
from geo.mapping.styles import (
    LAYER_NAMES,
    _area_style,
    _bucket,
    _line_style,
    _point_style,
    _StyleTable,
)

#: Above this many point places, points are clustered (Leaflet.markercluster).
CLUSTER_THRESHOLD = 500
#: A popup lists at most this many mentions; the table under the map lists them all.
MAX_POPUP_MENTIONS = 50
DEFAULT_CENTER, DEFAULT_ZOOM = WORLD_VIEW  # with nothing to frame and no theatre's view: the world


def _precision_code(value: Any) -> int:
    try:
        return 0 if value is None or pd.isna(value) else int(value)
    except (TypeError, ValueError):
        return 0


_PLACE_COLS = ["place_key", "place_name", "feature_type", "country", "precision", "max_confidence",
               "mean_confidence", "mention_count", "articles", "mention_ids", "article_ids"]


def _place_parts(places: gpd.GeoDataFrame, popups: dict[str, tuple[list, int]], table: _StyleTable,
                 kind: str, selected_place: str | None, light: np.ndarray | None = None) -> tuple[str, list[dict]]:
    """The layer data of ``places`` (one kind); ``light`` marks the broad places only mentioned."""
    props = []
    lights = light if light is not None else np.zeros(len(places), dtype=bool)
    for row, is_light in zip(_rows(places, _PLACE_COLS), lights, strict=True):
        key = row.place_key
        ftype = str(row.feature_type or "other")
        bucket = _bucket(row.max_confidence)
        precision = _precision_code(row.precision)
        selected = key == selected_place
        if kind == "points":
            style = _point_style(bucket, precision >= 2, ftype, selected)
        elif kind == "lines":
            style = _line_style(bucket, ftype, selected, bool(is_light))
        else:
            style = _area_style(bucket, precision >= 4 or ftype == "country", ftype, selected, bool(is_light))
        mc = int(row.mention_count or 0)
        name = escape_text(row.place_name)
        props.append({
            "place_key": escape_text(key),
            "mention_ids": [int(i) for i in row.mention_ids],
            "article_ids": [int(i) for i in row.article_ids],
            "s": table.add(style),
            "n": name,
            "t": escape_text(ftype),
            "c": escape_text(row.country or ""),
            "p": precision,
            "cx": round(_num(row.max_confidence), 3),
            "cm": round(_num(row.mean_confidence), 3),
            "mc": mc,
            "ac": int(row.articles or 0),
            "m": popups.get(key, ([], 0))[0],
            "tip": (f"{name} ({escape_text(ftype)}): {mc} mention{'s' if mc != 1 else ''}, "
                    f"confidence up to {_num(row.max_confidence):.2f}"
                    # where the geocode came from, when not the offline gazetteer (geo/gazetteer/geocoders.py)
                    + ("; found online by Nominatim, © OpenStreetMap contributors"
                       if str(key).startswith("nominatim:") else "")),
        })
    return _layer_data(_display_geometries(places.geometry.to_numpy()), props), props


def _popup_items(mentions: pd.DataFrame) -> tuple[dict[str, tuple[list, int]], dict[int, str]]:
    """Per place: its first MAX_POPUP_MENTIONS mentions as compact escaped rows, and the total;
    plus the escaped header (source, date, title) of every article they come from."""
    items: dict[str, list] = defaultdict(list)
    totals: dict[str, int] = defaultdict(int)
    articles: dict[int, str] = {}
    cols = ["place_key", "article_id", "source", "published", "title", "sentence", "text", "confidence",
            "precision", "runner_up_name", "runner_up_confidence", "mention_id"]
    for row in _rows(mentions, cols):
        totals[row.place_key] += 1
        article_id = int(row.article_id)
        if article_id not in articles:
            published = escape_text(row.published) if isinstance(row.published, str) else "undated"
            articles[article_id] = (f"<b>{escape_text(row.source) or 'unknown source'}</b>, {published}: "
                                    f"<i>{escape_text(row.title)}</i>")
        bucket = items[row.place_key]
        if len(bucket) < MAX_POPUP_MENTIONS:
            runner = ""
            if isinstance(row.runner_up_name, str) and row.runner_up_name:
                runner = f"{escape_text(row.runner_up_name)} ({_num(row.runner_up_confidence):.2f})"
            bucket.append([article_id, highlight_sentence(row.sentence, row.text), round(_num(row.confidence), 3),
                           _precision_code(row.precision), runner, int(row.mention_id)])
    return {k: (items[k], totals[k]) for k in totals}, articles


# ---------------------------------------------------------------------------------------- map
#: What folium's Map loads by default that this map never uses (no awesome-marker icon, no
#: Bootstrap component, no jQuery call): left out, the map's frame parses five scripts and
#: stylesheets fewer (about 0.5 MB) before Leaflet draws. Leaflet's own stylesheet sets the map's font.
UNUSED_FOLIUM_ASSETS = frozenset({"jquery", "bootstrap", "awesome_markers", "bootstrap_css", "glyphicons_css",
                                  "awesome_markers_font_css", "awesome_markers_css", "awesome_rotate_css"})


def _drop_unused_assets(m: folium.Map) -> None:
    m.default_js = [(name, url) for name, url in m.default_js if name not in UNUSED_FOLIUM_ASSETS]
    m.default_css = [(name, url) for name, url in m.default_css if name not in UNUSED_FOLIUM_ASSETS]


def build_map(
    places_gdf: gpd.GeoDataFrame,
    mentions_df: pd.DataFrame,
    reference: Mapping[str, gpd.GeoDataFrame],
    *,
    tiles: str | None = "none",
    center: tuple[float, float] | list[float] | None = None,
    zoom: int | None = None,
    selected_place: str | None = None,
    claims: gpd.GeoDataFrame | None = None,
    legends: bool = True,
    home: tuple[tuple[float, float], int] | None = None,
    layer_files: LayerFiles | None = None,
) -> folium.Map:
    """The map of mentioned places over the reference layers.

    ``places_gdf`` comes from :func:`geo.layers.place_layer`, ``mentions_df`` from
    ``Store.mentions_df()`` (its plottable mentions fill the popups), ``reference`` from
    :func:`geo.layers.reference_layers` plus an optional ``"basemap"`` entry
    (:func:`geo.layers.basemap_layer`), drawn when ``tiles`` is ``"none"``; ``tiles="osm"`` uses
    OpenStreetMap's tile server (online). ``selected_place`` (a place key) is outlined and, with no
    ``center``/``zoom``, framed; otherwise the map fits the core of the mentioned places
    (:func:`focus_places`), or the claims when there is no place.

    ``claims`` (:func:`geo.layers.claim_layer`) adds the claims layer on top (:func:`add_claims`).
    ``legends=False`` leaves the legends out (a small map). ``home`` (centre, zoom) is where the
    map opens when there is nothing to frame and no ``center``/``zoom`` (the theatre's view,
    :func:`geo.layers.theatre.theatre`); without it, the whole world.

    ``layer_files`` (the app's :data:`geo.mapping.reference.STATIC_LAYER_FILES`) loads the reference
    layers and the basemap from static files the browser keeps, instead of inlining them in the
    map's script (the default, which the standalone export needs).
    """
    from geo.mapping.assets import use_offline_assets

    use_offline_assets()  # every script and stylesheet from /app/static/vendor, none from a CDN
    places = places_gdf if places_gdf is not None and not places_gdf.empty else None
    m = folium.Map(
        location=list(center) if center is not None else list(home[0] if home else DEFAULT_CENTER),
        zoom_start=zoom if zoom is not None else (home[1] if home else DEFAULT_ZOOM),
        tiles="OpenStreetMap" if tiles == "osm" else None,
        control_scale=True,
        maxZoom=18,  # markercluster needs a maxZoom, which tiles=None does not give
        minZoom=2,
    )
    _drop_unused_assets(m)
    basemap = reference.get("basemap")
    if tiles in (None, "none") and basemap is not None and not basemap.empty:
        _add_reference(m, "basemap", basemap, layer_files)
    for key in (*_REFERENCE_ORDER, *(k for k in reference if k not in _REFERENCE_ORDER and k != "basemap")):
        gdf = reference.get(key)
        if gdf is not None and not gdf.empty:
            _add_reference(m, key, gdf, layer_files)

    has_claims = claims is not None and not claims.empty
    about = (frozenset(claims.loc[~claims["approximate"].astype(bool), "place_key"].dropna())
             if claims is not None and has_claims and "approximate" in claims else frozenset())
    popups, articles = _popup_items(plottable_mentions(mentions_df)) if places is not None else ({}, {})
    PopupSupport(articles).add_to(m)
    if places is not None:
        kinds = places.geometry.geom_type
        is_point = (kinds == "Point").to_numpy()
        is_line = (kinds.isin(["LineString", "MultiLineString"]) | places["feature_type"].isin(LINE_TYPES)).to_numpy()
        is_line = is_line & ~is_point
        groups = {"areas": ~is_point & ~is_line, "lines": is_line, "points": is_point}
        # broad places (countries, "the region", a pipeline across countries): drawn light, claimed
        # or not, so they show where they are without painting over the places inside them (their
        # claims have their own markers)
        light = broad_places(places)
        for kind in ("areas", "lines", "points"):
            if kind == "points" and has_claims:
                # Claims go over areas and lines but under the settlement dots, so a fan of claims
                # never hides a settlement (each fan leaves its own place's dot free).
                assert claims is not None  # has_claims
                add_claims(m, claims, legend=legends)
                has_claims = False
            sub = places.loc[groups[kind]]
            if sub.empty:
                continue
            table = _StyleTable()
            data_json, props = _place_parts(sub, popups, table, kind, selected_place, light[groups[kind]])
            common: dict[str, Any] = dict(name=LAYER_NAMES[kind], className=f"ca-place ca-{kind}")
            if kind == "points":
                common["attribution"] = ATTRIBUTION_GEONAMES
                marker = {"className": "ca-place ca-points"}
                if len(sub) > CLUSTER_THRESHOLD:
                    ClusteredPlaceLayer(data_json, props, table.styles, _bounds_of(sub), marker=marker,
                                        cluster_options={"chunkedLoading": True, "disableClusteringAtZoom": 11,
                                                         "maxClusterRadius": 50},
                                        **common).add_to(m)
                    continue
                common["marker"] = marker
            PlaceLayer(data_json, props, table.styles, _bounds_of(sub), **common).add_to(m)

    if has_claims:
        assert claims is not None  # has_claims
        add_claims(m, claims, legend=legends)

    if legends:
        Legend(legend_html(k for k, gdf in reference.items() if gdf is not None and not gdf.empty)).add_to(m)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)

    if center is None and zoom is None and (places is not None or (claims is not None and not claims.empty)):
        target = places.loc[places["place_key"] == selected_place] if selected_place and places is not None else None
        if target is None or target.empty:
            target = focus_places(places, about=about) if places is not None else claims
        assert target is not None  # places or claims, by the condition above
        bounds = _bounds_of(target)
        if bounds is not None:
            (s, w), (n, e) = bounds
            if n - s < 2 and e - w < 2:  # a single point or a small place: show some context
                cy, cx = (s + n) / 2, (w + e) / 2
                s, w, n, e = cy - 1.5, cx - 2, cy + 1.5, cx + 2
            m.fit_bounds([[s, w], [n, e]])
    return m


# ---------------------------------------------------------------------------------------- view layer
#: The look of the clusters of a view (geo.layers.viewport: ``cluster-s``/``-m``/``-l``).
CLUSTER_STYLES = {
    "cluster-s": {"color": "#1f4e79", "weight": 1.5, "fillColor": "#5dade2", "fillOpacity": 0.6},
    "cluster-m": {"color": "#1f4e79", "weight": 1.5, "fillColor": "#2e86c1", "fillOpacity": 0.65},
    "cluster-l": {"color": "#1b2631", "weight": 2, "fillColor": "#1f4e79", "fillOpacity": 0.7},
}
#: The name of the data layer the Map page swaps as the view changes (st_folium's feature_group_to_add).
VIEW_LAYER_NAME = "Places in view"


def _compact_style(style_class: str) -> dict:
    if style_class in CLUSTER_STYLES:
        return CLUSTER_STYLES[style_class]
    feature_type, _, bucket = style_class.rpartition("-")
    return _point_style(int(bucket) if bucket.isdigit() else 0, False, feature_type or "other", False)


def view_layer(features: pd.DataFrame, claims: gpd.GeoDataFrame | None = None,
               selected_place: str | None = None) -> folium.FeatureGroup:
    """The places of one view as compact features (:func:`geo.layers.viewport.aggregate_places`)
    and the claims drawn one by one in it (:func:`geo.layers.viewport.claims_in_view`; under the
    places, as on the map of few places): one FeatureGroup, for
    ``st_folium(..., feature_group_to_add=...)``, so a pan or a zoom swaps this layer and leaves the
    map (basemap, reference layers) as it is. ``selected_place`` (a place key) is outlined."""
    group = folium.FeatureGroup(name=VIEW_LAYER_NAME, control=False)
    if claims is not None and not claims.empty:
        view_claims(claims).add_to(group)
    styles = {c: _compact_style(c) for c in dict.fromkeys(features["style"].astype(str))} if len(features) else {}
    CompactLayer(compact_layer_json(features) if len(features) else "{\"key\":[]}", styles,
                 selected_place).add_to(group)
    return group
