"""The Map page's folium map, built by a pure function (no Streamlit) so it can be tested alone.

:func:`build_map` draws, bottom to top: an offline basemap of world countries (or OpenStreetMap
tiles when asked), the reference layers (South Caucasus countries, the pre-2020 Nagorno-Karabakh
area, admin-1 units, borders, pipelines), then the places the articles mention: areas (regions,
countries), lines (borders, pipelines) and points (settlements, one GeoJSON layer, or a
FastMarkerCluster when there are many). Metonymic mentions ("Baku said") are not plotted.

Every plotted feature's popup lists its mentions (source, date, title, the sentence with the name
highlighted, confidence, precision, runner-up); its properties carry ``mention_ids`` and
``article_ids`` so it links back to the source sentences.

Security: folium inserts popup and tooltip HTML raw (``innerHTML``) and sometimes inside
JavaScript template strings. Every piece of text that reaches the map goes through
:func:`escape_text` (``html.escape`` plus entities for `` ` `` and ``$``).
"""

from __future__ import annotations

import html
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import folium
import folium.plugins
import geopandas as gpd
import pandas as pd
from branca.element import MacroElement
from folium.template import Template
from folium.utilities import JsCode

from geo.layers import LINE_TYPES, plottable_mentions, precision_label

__all__ = [
    "ATTRIBUTION_GEM",
    "ATTRIBUTION_GEONAMES",
    "ATTRIBUTION_NATURAL_EARTH",
    "CLUSTER_THRESHOLD",
    "LAYER_NAMES",
    "MAX_POPUP_MENTIONS",
    "build_map",
    "escape_text",
    "highlight_sentence",
    "place_popup_html",
]

ATTRIBUTION_NATURAL_EARTH = "Made with Natural Earth (public domain)"
ATTRIBUTION_GEM = "Pipeline routes: Global Energy Monitor, CC BY 4.0"
ATTRIBUTION_GEONAMES = "Places: GeoNames, CC BY 4.0"

#: Above this many point places, points are clustered (FastMarkerCluster) instead of one GeoJSON layer.
CLUSTER_THRESHOLD = 500
#: A popup lists at most this many mentions; the table under the map lists them all.
MAX_POPUP_MENTIONS = 50
#: Longest sentence shown in a popup (characters); longer ones are cut around the place name.
MAX_SENTENCE_CHARS = 400

LAYER_NAMES = {
    "basemap": "Basemap: world countries",
    "countries_south_caucasus": "Countries (South Caucasus)",
    "nagorno_karabakh_pre2020": "Nagorno-Karabakh area (before 2020)",
    "admin1_aze_arm": "Provinces (Azerbaijan, Armenia)",
    "borders_pairwise": "International borders",
    "pipelines_gem": "Pipelines (Global Energy Monitor)",
    "areas": "Mentioned regions & countries",
    "lines": "Mentioned borders & pipelines",
    "points": "Mentioned settlements",
    "selected": "Selected place",
}

TYPE_COLORS = {
    "settlement": "#c0392b",
    "region": "#8e44ad",
    "country": "#34495e",
    "border": "#d35400",
    "pipeline": "#117a65",
    "river": "#2471a3",
    "other": "#7f8c8d",
}
FUEL_COLORS = {"oil": "#6e2c00", "gas": "#1f618d"}
DEFAULT_CENTER = (40.2, 46.5)  # the South Caucasus
DEFAULT_ZOOM = 6


# ---------------------------------------------------------------------------------------- text
def escape_text(value: object) -> str:
    """Text made inert for HTML and for JavaScript template strings.

    >>> escape_text("<b>`${x}`</b> & 'y'")
    '&lt;b&gt;&#96;&#36;{x}&#96;&lt;/b&gt; &amp; &#x27;y&#x27;'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True).replace("`", "&#96;").replace("$", "&#36;")


def highlight_sentence(sentence: str, name: str, max_chars: int = MAX_SENTENCE_CHARS) -> str:
    """The sentence, escaped, with each whole-word occurrence of ``name`` wrapped in ``<mark>``."""
    sentence = " ".join(str(sentence or "").split())
    name = str(name or "").strip()
    pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)") if name else None
    if len(sentence) > max_chars:
        hit = pattern.search(sentence) if pattern else None
        centre = hit.start() if hit else 0
        start = max(0, min(centre - max_chars // 2, len(sentence) - max_chars))
        sentence = ("…" if start else "") + sentence[start:start + max_chars] + (
            "…" if start + max_chars < len(sentence) else "")
    if pattern is None:
        return escape_text(sentence)
    out, pos = [], 0
    for hit in pattern.finditer(sentence):
        out.append(escape_text(sentence[pos:hit.start()]))
        out.append(f"<mark>{escape_text(hit.group(0))}</mark>")
        pos = hit.end()
    out.append(escape_text(sentence[pos:]))
    return "".join(out)


def _fmt_conf(value: object) -> str:
    try:
        return f"{float(value):.2f}"
    except (TypeError, ValueError):
        return "?"


def _mention_item(row: Any) -> str:
    runner = ""
    if isinstance(row.runner_up_name, str) and row.runner_up_name:
        runner = f" · runner-up: {escape_text(row.runner_up_name)} ({_fmt_conf(row.runner_up_confidence)})"
    published = escape_text(row.published) if isinstance(row.published, str) else "undated"
    return (
        f"<li><b>{escape_text(row.source) or 'unknown source'}</b>, {published}: "
        f"<i>{escape_text(row.title)}</i><br>"
        f"“{highlight_sentence(row.sentence, row.text)}”<br>"
        f"<small>confidence {_fmt_conf(row.confidence)} · precision: {escape_text(precision_label(row.precision))}"
        f"{runner} · mention #{int(row.mention_id)}, article #{int(row.article_id)}</small></li>"
    )


def place_popup_html(place: Mapping[str, Any], items: list[str], total: int) -> str:
    """Popup of one place: a header and the (already escaped) mention list items."""
    more = ""
    if total > len(items):
        more = (f"<p><small>… and {total - len(items)} more: select the place to list them all "
                "under the map.</small></p>")
    country = f", {escape_text(place.get('country'))}" if place.get("country") else ""
    return (
        f"<div class='ca-popup'><b>{escape_text(place.get('place_name'))}</b> "
        f"<small>({escape_text(place.get('feature_type'))}{country})</small><br>"
        f"<small>{total} mention{'s' if total != 1 else ''} in {int(place.get('articles') or 0)} "
        f"article{'s' if place.get('articles') != 1 else ''} · precision: "
        f"{escape_text(place.get('precision_label'))} · confidence max {_fmt_conf(place.get('max_confidence'))}, "
        f"mean {_fmt_conf(place.get('mean_confidence'))}</small>"
        f"<ol class='ca-mentions'>{''.join(items)}</ol>{more}</div>"
    )


def _popups_by_place(mentions: pd.DataFrame) -> dict[str, tuple[list[str], int]]:
    """Escaped popup list items per place key (at most MAX_POPUP_MENTIONS each) and the total."""
    items: dict[str, list[str]] = defaultdict(list)
    totals: dict[str, int] = defaultdict(int)
    cols = ["place_key", "source", "published", "title", "sentence", "text", "confidence", "precision",
            "runner_up_name", "runner_up_confidence", "mention_id", "article_id"]
    for row in mentions[cols].itertuples(index=False):
        totals[row.place_key] += 1
        if len(items[row.place_key]) < MAX_POPUP_MENTIONS:
            items[row.place_key].append(_mention_item(row))
    return {k: (items[k], totals[k]) for k in totals}


# ---------------------------------------------------------------------------------------- styles
def _point_style(conf: float, precision: float | None, feature_type: str, selected: bool) -> dict:
    conf = min(max(float(conf or 0), 0.0), 1.0)
    coarse = precision is not None and not pd.isna(precision) and precision >= 2
    style = {
        "radius": round(4 + 6 * conf, 1),  # <= 10 px: Leaflet reports the marker's own position on click
        "color": "#f1c40f" if selected else TYPE_COLORS.get(feature_type, TYPE_COLORS["other"]),
        "weight": 3 if selected else 1.5,
        "opacity": round(0.5 + 0.5 * conf, 2),
        "fillColor": TYPE_COLORS.get(feature_type, TYPE_COLORS["other"]),
        "fillOpacity": round(0.2 + 0.6 * conf, 2) * (0.6 if coarse else 1.0),
    }
    if coarse:
        style["dashArray"] = "3 3"
    return style


def _shape_style(conf: float, precision: float | None, feature_type: str, is_line: bool) -> dict:
    conf = min(max(float(conf or 0), 0.0), 1.0)
    color = TYPE_COLORS.get(feature_type, TYPE_COLORS["other"])
    if is_line:
        style = {"color": color, "weight": 3 + 3 * conf, "opacity": round(0.4 + 0.5 * conf, 2)}
        if conf < 0.5:
            style["dashArray"] = "8 6"
        return style
    country = precision is not None and not pd.isna(precision) and precision >= 4
    return {
        "color": color,
        "weight": 1.5 if country else 2,
        "opacity": round(0.4 + 0.5 * conf, 2),
        "fillColor": color,
        "fillOpacity": round((0.04 if country else 0.12) + (0.06 if country else 0.18) * conf, 3),
        "dashArray": "6 4",
    }


_ON_EACH_FEATURE = JsCode("""function (feature, layer) {
    var p = feature.properties || {};
    if (p.popup) { layer.bindPopup(p.popup, {maxWidth: 440, maxHeight: 320}); }
    if (p.tooltip) { layer.bindTooltip(p.tooltip, {sticky: true}); }
}""")

_CLUSTER_CALLBACK = """function (row) {
    var marker = L.circleMarker(new L.LatLng(row[0], row[1]), row[2]);
    marker.feature = {type: "Feature", properties: row[3]};
    marker.bindPopup(row[4], {maxWidth: 440, maxHeight: 320});
    marker.bindTooltip(row[5]);
    return marker;
}"""


class Legend(MacroElement):
    """A small static legend in the map's corner (our own constant HTML, no user text)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: "bottomleft"});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "ca-legend");
                div.innerHTML = {{ this.html|tojson }};
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, html_text: str):
        super().__init__()
        self._name = "Legend"
        self.html = html_text


_LEGEND_HTML = (
    "<div style='background:rgba(255,255,255,.9);padding:6px 8px;border-radius:4px;font:12px sans-serif;"
    "line-height:1.5;box-shadow:0 1px 4px rgba(0,0,0,.3)'>"
    "<b>Places as the articles mention them</b><br>"
    f"<span style='color:{TYPE_COLORS['settlement']}'>&#9679;</span> settlement "
    f"<span style='color:{TYPE_COLORS['region']}'>&#9632;</span> region "
    f"<span style='color:{TYPE_COLORS['country']}'>&#9633;</span> country<br>"
    f"<span style='color:{TYPE_COLORS['border']}'>&#9473;</span> border "
    f"<span style='color:{TYPE_COLORS['pipeline']}'>&#9473;</span> pipeline<br>"
    "bigger / more opaque = higher confidence<br>"
    "dashed = coarse precision (near, region, country) or low confidence line<br>"
    "<small>Claims are attributed to their sources, never shown as fact.<br>"
    "Names used for a government (\"Baku said\") are not plotted.</small></div>"
)

_POPUP_CSS = """<style>
.ca-popup { font: 12px/1.4 sans-serif; }
.ca-popup ol.ca-mentions { padding-left: 18px; margin: 4px 0; }
.ca-popup ol.ca-mentions li { margin-bottom: 6px; }
.ca-popup mark { background: #fde68a; padding: 0 1px; }
</style>"""


# ---------------------------------------------------------------------------------------- features
def _clean(value: Any) -> Any:
    """A JSON-safe property value; every string escaped."""
    if value is None:
        return None
    if isinstance(value, str):
        return escape_text(value)
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


_PLACE_PROPS = ("place_key", "place_name", "feature_type", "country", "precision", "precision_label",
                "max_confidence", "mean_confidence", "mention_count", "articles", "first_published",
                "last_published", "mention_ids", "article_ids")


def _place_properties(row: Mapping[str, Any]) -> dict:
    return {k: _clean(row.get(k)) for k in _PLACE_PROPS}


def _place_tooltip(row: Mapping[str, Any]) -> str:
    n = int(row.get("mention_count") or 0)
    return (f"{escape_text(row.get('place_name'))} ({escape_text(row.get('feature_type'))}): "
            f"{n} mention{'s' if n != 1 else ''}, confidence ≤ {_fmt_conf(row.get('max_confidence'))}")


def _features(gdf: gpd.GeoDataFrame, props: Iterable[dict]) -> dict:
    geoms = gdf.geometry.to_numpy()
    feats = []
    for geom, p in zip(geoms, props, strict=True):
        if geom is None or geom.is_empty:
            continue
        feats.append({"type": "Feature", "properties": p, "geometry": geom.__geo_interface__})
    return {"type": "FeatureCollection", "features": feats}


def _reference_props(key: str, row: Mapping[str, Any]) -> dict:
    if key == "countries_south_caucasus":
        label = row.get("name_long") or row.get("name")
    elif key == "nagorno_karabakh_pre2020":
        label = f"{row.get('brk_name', 'Nagorno-Karabakh')}: {row.get('meaning', '')} ({row.get('source', '')})"
    elif key == "admin1_aze_arm":
        label = f"{row.get('name_display') or row.get('name')} ({row.get('type_en', '')}, {row.get('admin', '')})"
    elif key == "borders_pairwise":
        section = f", {row.get('section')}" if row.get("section") else ""
        label = f"Border {row.get('name_a')} – {row.get('name_b')}{section} (reference line)"
    elif key == "pipelines_gem":
        label = f"{row.get('name')} ({row.get('fuel')}), route: Global Energy Monitor, CC BY 4.0"
    else:
        label = row.get("name", key)
    return {"tooltip": escape_text(label), "layer": key}


_REFERENCE_STYLE = {
    "countries_south_caucasus": {"color": "#555555", "weight": 1.2, "fillColor": "#f5f0e6", "fillOpacity": 0.35},
    "nagorno_karabakh_pre2020": {"color": "#7d3c98", "weight": 1.5, "dashArray": "4 4", "fillColor": "#d7bde2",
                                 "fillOpacity": 0.25},
    "admin1_aze_arm": {"color": "#999999", "weight": 0.6, "fillOpacity": 0.0},
    "borders_pairwise": {"color": "#333333", "weight": 2, "opacity": 0.7, "dashArray": "2 4"},
}
_REFERENCE_ATTRIBUTION = {
    "countries_south_caucasus": ATTRIBUTION_NATURAL_EARTH,
    "nagorno_karabakh_pre2020": ATTRIBUTION_NATURAL_EARTH,
    "admin1_aze_arm": ATTRIBUTION_NATURAL_EARTH,
    "borders_pairwise": ATTRIBUTION_NATURAL_EARTH,
    "pipelines_gem": ATTRIBUTION_GEM,
}
_REFERENCE_ORDER = ("countries_south_caucasus", "admin1_aze_arm", "nagorno_karabakh_pre2020",
                    "borders_pairwise", "pipelines_gem")
_REFERENCE_SHOWN = {"countries_south_caucasus", "nagorno_karabakh_pre2020", "borders_pairwise", "pipelines_gem"}


def _add_reference(m: folium.Map, key: str, gdf: gpd.GeoDataFrame) -> None:
    records = gdf.drop(columns=gdf.geometry.name).to_dict("records")
    props = []
    for row in records:
        p = _reference_props(key, row)
        if key == "pipelines_gem":
            p["style"] = {"color": FUEL_COLORS.get(str(row.get("fuel")), "#6e2c00"), "weight": 3, "opacity": 0.8}
        else:
            p["style"] = _REFERENCE_STYLE.get(key, {"color": "#666666", "weight": 1})
        props.append(p)
    is_line = key in ("borders_pairwise", "pipelines_gem")
    folium.GeoJson(
        _features(gdf, props),
        name=LAYER_NAMES.get(key, key),
        show=key in _REFERENCE_SHOWN,
        on_each_feature=_ON_EACH_FEATURE,
        attribution=_REFERENCE_ATTRIBUTION.get(key),
        class_name=f"ca-ref ca-ref-{key}" + (" ca-ref-line" if is_line else ""),
        # Areas under the places stay clickable for tooltips only on lines; polygons let clicks through.
        interactive=is_line or key == "nagorno_karabakh_pre2020",
    ).add_to(m)


def _add_basemap(m: folium.Map, gdf: gpd.GeoDataFrame) -> None:
    style = {"color": "#b3b3b3", "weight": 0.6, "fillColor": "#eeeeee", "fillOpacity": 1.0}
    props = [{"style": style} for _ in range(len(gdf))]
    folium.GeoJson(
        _features(gdf, props),
        name=LAYER_NAMES["basemap"],
        control=False,
        interactive=False,
        attribution=ATTRIBUTION_NATURAL_EARTH,
        class_name="ca-basemap",
    ).add_to(m)


def _bounds(gdf: gpd.GeoDataFrame) -> list[list[float]] | None:
    if gdf.empty:
        return None
    minx, miny, maxx, maxy = (float(v) for v in gdf.geometry.total_bounds)
    if any(math.isnan(v) for v in (minx, miny, maxx, maxy)):
        return None
    pad = 0.5 if (maxx - minx < 1 and maxy - miny < 1) else 0.0
    return [[miny - pad, minx - pad], [maxy + pad, maxx + pad]]


# ---------------------------------------------------------------------------------------- map
def build_map(
    places_gdf: gpd.GeoDataFrame,
    mentions_df: pd.DataFrame,
    reference: Mapping[str, gpd.GeoDataFrame],
    *,
    tiles: str | None = "none",
    center: tuple[float, float] | list[float] | None = None,
    zoom: int | None = None,
    selected_place: str | None = None,
) -> folium.Map:
    """The map of mentioned places over the reference layers.

    ``places_gdf`` comes from :func:`geo.layers.place_layer`, ``mentions_df`` from
    ``Store.mentions_df()`` (only its plottable mentions feed the popups), ``reference`` from
    :func:`geo.layers.reference_layers` plus an optional ``"basemap"`` entry
    (:func:`geo.layers.basemap_layer`) drawn when ``tiles`` is ``"none"``; ``tiles="osm"`` uses
    OpenStreetMap's tile server (online). With no ``center``/``zoom`` the map fits the data
    (countries are left out of the fit when anything finer was mentioned: they span continents).
    """
    from geo.webassets import use_offline_assets

    use_offline_assets()  # every script and stylesheet from /app/static/vendor, none from a CDN
    places = places_gdf if places_gdf is not None else gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
    m = folium.Map(
        location=list(center) if center is not None else list(DEFAULT_CENTER),
        zoom_start=zoom if zoom is not None else DEFAULT_ZOOM,
        tiles="OpenStreetMap" if tiles == "osm" else None,
        control_scale=True,
        maxZoom=18,  # markercluster needs a maxZoom, which tiles=None does not give
        minZoom=2,
    )
    m.get_root().header.add_child(folium.Element(_POPUP_CSS), name="ca_popup_css")
    if tiles in (None, "none") and reference.get("basemap") is not None and not reference["basemap"].empty:
        _add_basemap(m, reference["basemap"])
    for key in _REFERENCE_ORDER:
        gdf = reference.get(key)
        if gdf is not None and not gdf.empty:
            _add_reference(m, key, gdf)

    popups = _popups_by_place(plottable_mentions(mentions_df)) if not places.empty else {}
    kinds = places.geometry.geom_type if not places.empty else pd.Series(dtype=str)
    is_point = kinds == "Point"
    is_line = kinds.isin(["LineString", "MultiLineString"]) | (
        places["feature_type"].isin(LINE_TYPES) & ~is_point if not places.empty else False)
    is_area = ~is_point & ~is_line
    records = places.drop(columns=places.geometry.name).to_dict("records") if not places.empty else []

    def props_for(mask: pd.Series, style_of) -> list[dict]:
        out = []
        for i in (mask.to_numpy().nonzero()[0] if len(mask) else []):
            row = records[i]
            p = _place_properties(row)
            items, total = popups.get(row["place_key"], ([], 0))
            p["popup"] = place_popup_html(row, items, total)
            p["tooltip"] = _place_tooltip(row)
            p["style"] = style_of(row)
            out.append(p)
        return out

    if is_area.any():
        props = props_for(is_area, lambda r: _shape_style(r["max_confidence"], r["precision"], r["feature_type"], False))
        folium.GeoJson(_features(places.loc[is_area], props), name=LAYER_NAMES["areas"],
                       on_each_feature=_ON_EACH_FEATURE, class_name="ca-place ca-area").add_to(m)
    if is_line.any():
        props = props_for(is_line, lambda r: _shape_style(r["max_confidence"], r["precision"], r["feature_type"], True))
        folium.GeoJson(_features(places.loc[is_line], props), name=LAYER_NAMES["lines"],
                       on_each_feature=_ON_EACH_FEATURE, class_name="ca-place ca-line").add_to(m)
    if is_point.any():
        def point_style(r: Mapping[str, Any]) -> dict:
            return _point_style(r["max_confidence"], r["precision"], r["feature_type"], r["place_key"] == selected_place)

        props = props_for(is_point, point_style)
        points = places.loc[is_point]
        if len(points) > CLUSTER_THRESHOLD:
            rows = []
            for geom, p in zip(points.geometry.to_numpy(), props, strict=True):
                style = dict(p.pop("style"), className="ca-place ca-point")
                popup, tooltip = p.pop("popup"), p.pop("tooltip")
                rows.append([geom.y, geom.x, style, p, popup, tooltip])
            folium.plugins.FastMarkerCluster(
                rows, callback=_CLUSTER_CALLBACK, name=LAYER_NAMES["points"],
                attribution=ATTRIBUTION_GEONAMES, disableClusteringAtZoom=10, chunkedLoading=True,
            ).add_to(m)
        else:
            folium.GeoJson(
                _features(points, props), name=LAYER_NAMES["points"], on_each_feature=_ON_EACH_FEATURE,
                marker=folium.CircleMarker(radius=6, class_name="ca-place ca-point"),
                attribution=ATTRIBUTION_GEONAMES,
            ).add_to(m)

    selected = places.loc[places["place_key"] == selected_place] if selected_place and not places.empty else None
    if selected is not None and not selected.empty and selected.geometry.iloc[0].geom_type != "Point":
        style = {"color": "#f1c40f", "weight": 5, "opacity": 0.9, "fillOpacity": 0.05}
        folium.GeoJson(_features(selected, [{"style": style}]), name=LAYER_NAMES["selected"],
                       interactive=False, class_name="ca-selected").add_to(m)

    Legend(_LEGEND_HTML).add_to(m)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)

    if center is None and zoom is None:
        if selected is not None and not selected.empty:
            target = selected
        else:
            finer = places.loc[places["feature_type"] != "country"] if not places.empty else places
            target = finer if not finer.empty else places
        bounds = _bounds(target)
        if bounds is not None:
            m.fit_bounds(bounds)
    return m


def map_summary(m: folium.Map) -> dict[str, str]:
    """Layer names of a built map and their folium class (for tests and debugging)."""
    out: dict[str, str] = {}
    for child in m._children.values():
        name = getattr(child, "layer_name", None)
        if name:
            out[name] = type(child).__name__
    return out


def feature_properties(m: folium.Map, layer_name: str) -> list[dict]:
    """The properties of the features of one GeoJSON layer (or rows of the point cluster)."""
    for child in m._children.values():
        if getattr(child, "layer_name", None) != layer_name:
            continue
        if isinstance(child, folium.GeoJson):
            return [f["properties"] for f in child.data["features"]]
        if isinstance(child, folium.plugins.FastMarkerCluster):
            return [row[3] for row in child.data]
    return []

