"""The Map page's folium map, built by a pure function (no Streamlit) so it can be tested alone.

:func:`build_map` draws, bottom to top: an offline basemap of world countries (or OpenStreetMap
tiles when asked), the reference layers (South Caucasus countries, admin-1 units, the pre-2020
Nagorno-Karabakh area, borders, pipelines), then the places the articles mention: areas (regions,
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
reference layers' JSON is memoised per (cached) GeoDataFrame; popups are built when opened. See
``scripts/benchmark_map.py``.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict, defaultdict
from collections.abc import Mapping
from typing import Any

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.elements import ElementAddToElement, JSCSSMixin
from folium.map import Layer
from folium.template import Template

from geo.layers import LINE_TYPES, plottable_mentions
from geo.model import PRECISION_LABELS

__all__ = [
    "ATTRIBUTION_GEM",
    "CLAIMANT_COLORS",
    "DISPUTED_COLOR",
    "ATTRIBUTION_GEONAMES",
    "ATTRIBUTION_NATURAL_EARTH",
    "CLUSTER_THRESHOLD",
    "LAYER_NAMES",
    "MAX_POPUP_MENTIONS",
    "ClaimLayer",
    "PlaceLayer",
    "add_claims",
    "build_map",
    "claim_legend_html",
    "claim_offsets",
    "claim_parts",
    "claimant_color",
    "escape_text",
    "feature_properties",
    "focus_places",
    "highlight_sentence",
    "map_summary",
]

ATTRIBUTION_NATURAL_EARTH = "Made with Natural Earth"
ATTRIBUTION_GEM = "Pipelines: Global Energy Monitor, CC BY 4.0"
ATTRIBUTION_GEONAMES = "Places: GeoNames, CC BY 4.0"

#: Above this many point places, points are clustered (Leaflet.markercluster).
CLUSTER_THRESHOLD = 500
#: A popup lists at most this many mentions; the table under the map lists them all.
MAX_POPUP_MENTIONS = 50
#: Longest sentence shown in a popup (characters); longer ones are cut around the place name.
MAX_SENTENCE_CHARS = 400
#: The initial view frames the places holding this share of the mentions (see focus_places).
FOCUS_SHARE = 0.8

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
    "claims": "Claims (attributed, not verified)",
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
SELECTED_COLOR = "#f1c40f"
DEFAULT_CENTER = (40.2, 46.5)  # the South Caucasus
DEFAULT_ZOOM = 6


# ---------------------------------------------------------------------------------------- text
#: html.escape(quote=True)'s entities, plus the characters JavaScript template strings and Jinja react to.
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;",
                          "`": "&#96;", "$": "&#36;", "{": "&#123;", "}": "&#125;"})


def escape_text(value: object) -> str:
    """Text made inert for HTML, for JavaScript template strings and for Jinja.

    Braces become entities too: folium (branca) compiles rendered layer scripts as Jinja
    templates, so ``{{ ... }}`` in article text would otherwise be evaluated on the server.

    >>> escape_text("<b>`${x}`</b> & 'y' {{ 7*7 }}")
    '&lt;b&gt;&#96;&#36;&#123;x&#125;&#96;&lt;/b&gt; &amp; &#x27;y&#x27; &#123;&#123; 7*7 &#125;&#125;'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).translate(_ESCAPES)


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _occurrences(text: str, name: str) -> list[tuple[int, int]]:
    """Whole-word occurrences of ``name`` in ``text`` (no regex: names vary too much to cache)."""
    out: list[tuple[int, int]] = []
    if not name:
        return out
    pos = text.find(name)
    while pos != -1:
        end = pos + len(name)
        if (pos == 0 or not _is_word_char(text[pos - 1])) and (end == len(text) or not _is_word_char(text[end])):
            out.append((pos, end))
        pos = text.find(name, end if out and out[-1][1] == end else pos + 1)
    return out


def highlight_sentence(sentence: object, name: object, max_chars: int = MAX_SENTENCE_CHARS) -> str:
    """The sentence, escaped, with each whole-word occurrence of ``name`` wrapped in ``<mark>``.

    >>> highlight_sentence("Shelling hit <Baku>, not Bakuriani.", "Baku")
    'Shelling hit &lt;<mark>Baku</mark>&gt;, not Bakuriani.'
    """
    text = " ".join(str(sentence if isinstance(sentence, str) else "").split())
    name = str(name if isinstance(name, str) else "").strip()
    if len(text) > max_chars:
        hits = _occurrences(text, name)
        centre = hits[0][0] if hits else 0
        start = max(0, min(centre - max_chars // 2, len(text) - max_chars))
        text = ("…" if start else "") + text[start:start + max_chars] + ("…" if start + max_chars < len(text) else "")
    out, pos = [], 0
    for a, b in _occurrences(text, name):
        out.append(escape_text(text[pos:a]))
        out.append(f"<mark>{escape_text(text[a:b])}</mark>")
        pos = b
    out.append(escape_text(text[pos:]))
    return "".join(out)


def _precision_code(value: object) -> int:
    try:
        return 0 if value is None or pd.isna(value) else int(value)
    except (TypeError, ValueError):
        return 0


def _num(value: object, default: float = 0.0) -> float:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return default
    return default if math.isnan(f) else f


def _script_json(obj: Any) -> str:
    """JSON safe inside a <script> element (as folium's ``tojson`` makes it)."""
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027"))


# ---------------------------------------------------------------------------------------- elements
class _RawScript(Element):
    """A script fragment put into the page as is (never compiled as a Jinja template)."""

    _template = Template("{{ this.code }}")

    def __init__(self, code: str):
        super().__init__()
        self._name = "RawScript"
        self.code = code


class _FastRender:
    """Render like folium's MacroElement, minus the re-compilation of the script as a template."""

    def _set_layer_data(self, data_json: str, properties: list[dict], styles: list[dict], bounds,
                        marker: dict | None, options: dict) -> None:
        """The script-safe data every GeoJSON-based layer of ours embeds (see ``_GEOJSON_JS``)."""
        self.properties = properties
        self.bounds = bounds
        self.styles_json = _script_json(styles)
        self.marker_json = _script_json(marker or {})
        self.options_json = _script_json({k: v for k, v in options.items() if v is not None})
        self.data_json = data_json

    def _get_self_bounds(self):
        return self.bounds or [[None, None], [None, None]]

    def render(self, **kwargs: Any) -> None:
        if getattr(self, "show", True) and isinstance(self, Layer):
            self.add_child(ElementAddToElement(element_name=self.get_name(),
                                               element_parent_name=self._parent.get_name()),
                           name=self.get_name() + "_add")
        figure = self.get_root()
        if isinstance(self, JSCSSMixin):
            for name, url in self.default_js:
                figure.header.add_child(folium.JavascriptLink(url), name=name)
            for name, url in self.default_css:
                figure.header.add_child(folium.CssLink(url), name=name)
        script = self._template.module.__dict__.get("script")
        if script is not None:
            figure.script.add_child(_RawScript(str(script(self, kwargs))), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


_GEOJSON_JS = """
    {% macro geojson(this) %}
        (function () {
            var styles = {{ this.styles_json }};
            var marker = {{ this.marker_json }};
            return L.geoJson(null, {
                style: function (f) { return styles[(f.properties || {}).s] || {}; },
                pointToLayer: function (f, latlng) {
                    return L.circleMarker(latlng, Object.assign({}, marker, styles[(f.properties || {}).s] || {}));
                },
                onEachFeature: function (f, layer) {
                    var p = f.properties || {};
                    if (p.tip) { layer.bindTooltip(p.tip, {sticky: true}); }
                    if (p.n !== undefined) {
                        layer.bindPopup(function () { return window.claimAtlas.popup(p); },
                                        {maxWidth: 440, maxHeight: 320});
                    }
                },
                ...{{ this.options_json }}
            }).addData((function (d) {
                return {type: "FeatureCollection", features: d.g.map(function (g, i) {
                    return {type: "Feature", properties: d.p[i], geometry: g};
                })};
            })({{ this.data_json }}));
        })()
    {% endmacro %}
"""


class PlaceLayer(_FastRender, folium.GeoJson):
    """One GeoJSON layer whose features are styled from a small style table (``properties.s``),
    with tooltips (``properties.tip``) and popups built on opening (``window.claimAtlas.popup``).

    ``data_json`` is the layer's data from :func:`_layer_data` (script-safe JSON); ``properties``
    keeps the plain properties for inspection (tests)."""

    _template = Template(_GEOJSON_JS + """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = {{ geojson(this) }};
        {% endmacro %}
    """)

    def __init__(self, data_json: str, properties: list[dict], styles: list[dict], bounds,
                 *, name: str, show: bool = True, control: bool = True, marker: dict | None = None,
                 **options: Any):
        Layer.__init__(self, name=name, overlay=True, control=control, show=show)
        self._name = "GeoJson"
        self._set_layer_data(data_json, properties, styles, bounds, marker, options)


class ClusteredPlaceLayer(_FastRender, folium.plugins.MarkerCluster):
    """Many points: one GeoJSON layer (as :class:`PlaceLayer`) inside a marker cluster group."""

    _template = Template(_GEOJSON_JS + """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.markerClusterGroup({{ this.cluster_json }});
            {{ this.get_name() }}.addLayers([{{ geojson(this) }}]);
        {% endmacro %}
    """)

    def __init__(self, data_json: str, properties: list[dict], styles: list[dict], bounds,
                 *, name: str, show: bool = True, marker: dict | None = None, cluster_options: dict | None = None,
                 **options: Any):
        Layer.__init__(self, name=name, overlay=True, control=True, show=show)
        self._name = "MarkerCluster"
        self._set_layer_data(data_json, properties, styles, bounds, marker, options)
        self.cluster_json = _script_json(cluster_options or {})


_POPUP_JS = """
window.claimAtlas = window.claimAtlas || {};
window.claimAtlas.articles = %(articles)s;
window.claimAtlas.precision = %(precision)s;
window.claimAtlas.popup = function (p) {
    // Every string in p and in the tables is HTML-escaped on the server: this only concatenates.
    var A = window.claimAtlas.articles, P = window.claimAtlas.precision;
    var plural = function (n, w) { return n + ' ' + w + (n === 1 ? '' : 's'); };
    var h = '<div class="ca-popup"><b>' + p.n + '</b> <small>(' + p.t + (p.c ? ', ' + p.c : '') + ')</small><br>'
        + '<small>' + plural(p.mc, 'mention') + ' in ' + plural(p.ac, 'article') + ' · precision: ' + (P[p.p] || '')
        + ' · confidence max ' + p.cx.toFixed(2) + ', mean ' + p.cm.toFixed(2) + '</small><ol class="ca-mentions">';
    for (var i = 0; i < p.m.length; i++) {
        var x = p.m[i];  // [article id, sentence html, confidence, precision code, runner-up html, mention id]
        h += '<li>' + (A[x[0]] || '') + '<br>“' + x[1] + '”<br><small>confidence ' + x[2].toFixed(2)
            + ' · precision: ' + (P[x[3]] || '') + (x[4] ? ' · runner-up: ' + x[4] : '')
            + ' · mention #' + x[5] + ', article #' + x[0] + '</small></li>';
    }
    h += '</ol>';
    if (p.mc > p.m.length) {
        h += '<p><small>… and ' + (p.mc - p.m.length) + ' more: select the place to list them all under the map.</small></p>';
    }
    return h + '</div>';
};
"""


class PopupSupport(_FastRender, MacroElement):
    """The popup builder and the shared table of articles (source, date, title), once per map."""

    _template = Template("""
        {% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}
    """)

    def __init__(self, articles: dict[int, str]):
        super().__init__()
        self._name = "PopupSupport"
        precision = {str(k): escape_text(v) for k, v in PRECISION_LABELS.items()}
        self.articles = articles
        self.code = _POPUP_JS % {"articles": _script_json({str(k): v for k, v in articles.items()}),
                                 "precision": _script_json(precision)}


class Legend(_FastRender, MacroElement):
    """A small static legend in the map's corner (our own constant HTML, no user text)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: "bottomleft"});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "ca-legend");
                div.innerHTML = {{ this.html_json }};
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, html_text: str):
        super().__init__()
        self._name = "Legend"
        self.html_json = _script_json(html_text)


_LEGEND_HTML = (
    "<div style='background:rgba(255,255,255,.9);padding:4px 7px;border-radius:4px;font:11px/1.35 sans-serif;"
    "box-shadow:0 1px 3px rgba(0,0,0,.3);max-width:230px'>"
    f"<span style='color:{TYPE_COLORS['settlement']}'>&#9679;</span> settlement "
    f"<span style='color:{TYPE_COLORS['region']}'>&#9632;</span> region "
    f"<span style='color:{TYPE_COLORS['country']}'>&#9633;</span> country "
    f"<span style='color:{TYPE_COLORS['border']}'>&#9473;</span> border "
    f"<span style='color:{TYPE_COLORS['pipeline']}'>&#9473;</span> pipeline<br>"
    f"Reference: <span style='color:{FUEL_COLORS['oil']}'>&#9473;</span> oil, "
    f"<span style='color:{FUEL_COLORS['gas']}'>&#9473;</span> gas pipeline; "
    "<span style='color:#333'>&#8943;</span> border; "
    "<span style='color:#7d3c98'>&#9633;</span> Nagorno-Karabakh before 2020<br>"
    "Bigger, bolder: more confident. Dashed, paler: coarse (near a place, region, country).<br>"
    "<i>As the articles name them; names standing for a government (\"Baku said\") are not plotted.</i></div>"
)

_POPUP_CSS = """<style>
.ca-popup { font: 12px/1.4 sans-serif; }
.ca-popup ol.ca-mentions { padding-left: 18px; margin: 4px 0; }
.ca-popup ol.ca-mentions li { margin-bottom: 6px; }
.ca-popup mark { background: #fde68a; padding: 0 1px; }
.leaflet-control-attribution { font-size: 10px; }
.leaflet-tooltip { font: 12px/1.3 sans-serif; }
.leaflet-control-scale-line { font-size: 10px; }
</style>"""


# ---------------------------------------------------------------------------------------- styles
def _bucket(conf: object) -> int:
    """Confidence in five steps (0..4), so a few styles serve any number of features."""
    return min(4, max(0, int(_num(conf) * 5)))


def _point_style(bucket: int, coarse: bool, feature_type: str, selected: bool) -> dict:
    conf = (bucket + 0.5) / 5
    color = TYPE_COLORS.get(feature_type, TYPE_COLORS["other"])
    style = {
        "radius": round(4 + 6 * conf, 1),  # <= 10 px: Leaflet reports the marker's own position on click
        "color": SELECTED_COLOR if selected else color,
        "weight": 4 if selected else 1.5,
        "opacity": round(0.5 + 0.5 * conf, 2),
        "fillColor": color,
        "fillOpacity": round((0.2 + 0.6 * conf) * (0.6 if coarse else 1.0), 2),
    }
    if coarse:
        style["dashArray"] = "3 3"
    return style


def _line_style(bucket: int, feature_type: str, selected: bool) -> dict:
    conf = (bucket + 0.5) / 5
    style = {"color": SELECTED_COLOR if selected else TYPE_COLORS.get(feature_type, TYPE_COLORS["other"]),
             "weight": round(3 + 3 * conf, 1) + (2 if selected else 0), "opacity": round(0.4 + 0.5 * conf, 2)}
    if conf < 0.5:
        style["dashArray"] = "8 6"
    return style


def _area_style(bucket: int, country: bool, feature_type: str, selected: bool) -> dict:
    conf = (bucket + 0.5) / 5
    color = TYPE_COLORS.get(feature_type, TYPE_COLORS["other"])
    return {
        "color": SELECTED_COLOR if selected else color,
        "weight": 4 if selected else (1.5 if country else 2),
        "opacity": round(0.4 + 0.5 * conf, 2),
        "fillColor": color,
        "fillOpacity": round((0.04 if country else 0.12) + (0.06 if country else 0.18) * conf, 3),
        "dashArray": "6 4",
    }


class _StyleTable:
    def __init__(self) -> None:
        self.styles: list[dict] = []
        self._index: dict[tuple, int] = {}

    def add(self, style: dict) -> int:
        key = tuple(sorted(style.items()))
        if key not in self._index:
            self._index[key] = len(self.styles)
            self.styles.append(style)
        return self._index[key]


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


def _layer_data(geoms: np.ndarray, props: list[dict]) -> str:
    """Script-safe JSON ``{"p": [properties...], "g": [geometries...]}`` (features without a
    geometry are left out); the browser zips it into a FeatureCollection. One ``json.dumps`` for
    all properties and GEOS's own GeoJSON writer for the geometries keep this fast."""
    geojson = _geometry_json(geoms)
    keep = [i for i, g in enumerate(geojson) if g != "null"]
    if len(keep) != len(props):
        props = [props[i] for i in keep]
    return '{"p":' + _script_json(props) + ',"g":[' + ",".join(geojson[i] for i in keep) + "]}"


_REFERENCE_CACHE: OrderedDict[tuple[str, int], tuple[Any, list[str], list[dict], list[dict], Any]] = OrderedDict()


def _reference_label(key: str, row: Mapping[str, Any]) -> str:
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
    "nagorno_karabakh_pre2020": {"color": "#7d3c98", "weight": 1.5, "dashArray": "4 4", "fillColor": "#d7bde2",
                                 "fillOpacity": 0.25},
    "admin1_aze_arm": {"color": "#999999", "weight": 0.6, "fillOpacity": 0.0},
    "borders_pairwise": {"color": "#333333", "weight": 2, "opacity": 0.7, "dashArray": "2 4"},
}
_REFERENCE_ATTRIBUTION = {
    "basemap": ATTRIBUTION_NATURAL_EARTH,
    "countries_south_caucasus": ATTRIBUTION_NATURAL_EARTH,
    "nagorno_karabakh_pre2020": ATTRIBUTION_NATURAL_EARTH,
    "admin1_aze_arm": ATTRIBUTION_NATURAL_EARTH,
    "borders_pairwise": ATTRIBUTION_NATURAL_EARTH,
    "pipelines_gem": ATTRIBUTION_GEM,
}
_REFERENCE_ORDER = ("countries_south_caucasus", "admin1_aze_arm", "nagorno_karabakh_pre2020",
                    "borders_pairwise", "pipelines_gem")
_REFERENCE_SHOWN = {"countries_south_caucasus", "nagorno_karabakh_pre2020", "borders_pairwise", "pipelines_gem"}
_REFERENCE_INTERACTIVE = {"nagorno_karabakh_pre2020", "borders_pairwise", "pipelines_gem"}


def _reference_parts(key: str, gdf: gpd.GeoDataFrame):
    """Feature JSON, properties and styles of a reference layer, memoised per GeoDataFrame object
    (the app caches its reference layers, so each is serialised once per process)."""
    cache_key = (key, id(gdf))
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
        p = {"s": table.add(style)}
        if key != "basemap":
            p["tip"] = escape_text(_reference_label(key, row))
        props.append(p)
    data_json = _layer_data(gdf.geometry.to_numpy(), props)
    parts = (data_json, props, table.styles, _bounds_of(gdf))
    _REFERENCE_CACHE[cache_key] = (gdf, *parts)  # keeps gdf alive, so its id is not reused
    while len(_REFERENCE_CACHE) > 32:
        _REFERENCE_CACHE.popitem(last=False)
    return parts


def _add_reference(m: folium.Map, key: str, gdf: gpd.GeoDataFrame) -> None:
    data_json, props, styles, _bounds = _reference_parts(key, gdf)
    is_basemap = key == "basemap"
    PlaceLayer(
        data_json, props, styles, None,  # reference layers do not take part in fitting the view
        name=LAYER_NAMES.get(key, key),
        show=is_basemap or key in _REFERENCE_SHOWN,
        control=not is_basemap,
        attribution=_REFERENCE_ATTRIBUTION.get(key),
        className=f"ca-ref ca-ref-{key}",
        interactive=key in _REFERENCE_INTERACTIVE,
    ).add_to(m)


_PLACE_COLS = ["place_key", "place_name", "feature_type", "country", "precision", "max_confidence",
               "mean_confidence", "mention_count", "articles", "mention_ids", "article_ids"]


def _place_parts(places: gpd.GeoDataFrame, popups: dict[str, tuple[list, int]], table: _StyleTable,
                 kind: str, selected_place: str | None) -> tuple[str, list[dict]]:
    props = []
    for row in _rows(places, _PLACE_COLS):
        key = row.place_key
        ftype = str(row.feature_type or "other")
        bucket = _bucket(row.max_confidence)
        precision = _precision_code(row.precision)
        selected = key == selected_place
        if kind == "points":
            style = _point_style(bucket, precision >= 2, ftype, selected)
        elif kind == "lines":
            style = _line_style(bucket, ftype, selected)
        else:
            style = _area_style(bucket, precision >= 4 or ftype == "country", ftype, selected)
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
                    f"confidence up to {_num(row.max_confidence):.2f}"),
        })
    return _layer_data(places.geometry.to_numpy(), props), props


def _rows(df: pd.DataFrame, cols: list[str]):
    """Rows as named tuples, read column-wise (much faster than itertuples on Arrow strings)."""
    from collections import namedtuple

    Row = namedtuple("Row", cols)  # noqa: PYI024
    return (Row._make(values) for values in zip(*(df[c].tolist() for c in cols), strict=True))


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
    ``legends=False`` leaves the legends out (a small map).
    """
    from geo.webassets import use_offline_assets

    use_offline_assets()  # every script and stylesheet from /app/static/vendor, none from a CDN
    places = places_gdf if places_gdf is not None and not places_gdf.empty else None
    m = folium.Map(
        location=list(center) if center is not None else list(DEFAULT_CENTER),
        zoom_start=zoom if zoom is not None else DEFAULT_ZOOM,
        tiles="OpenStreetMap" if tiles == "osm" else None,
        control_scale=True,
        maxZoom=18,  # markercluster needs a maxZoom, which tiles=None does not give
        minZoom=2,
    )
    m.get_root().header.add_child(Element(_POPUP_CSS), name="ca_popup_css")
    basemap = reference.get("basemap")
    if tiles in (None, "none") and basemap is not None and not basemap.empty:
        _add_reference(m, "basemap", basemap)
    for key in _REFERENCE_ORDER:
        gdf = reference.get(key)
        if gdf is not None and not gdf.empty:
            _add_reference(m, key, gdf)

    has_claims = claims is not None and not claims.empty
    popups, articles = _popup_items(plottable_mentions(mentions_df)) if places is not None else ({}, {})
    PopupSupport(articles).add_to(m)
    if places is not None:
        kinds = places.geometry.geom_type
        is_point = (kinds == "Point").to_numpy()
        is_line = (kinds.isin(["LineString", "MultiLineString"]) | places["feature_type"].isin(LINE_TYPES)).to_numpy()
        is_line = is_line & ~is_point
        groups = {"areas": ~is_point & ~is_line, "lines": is_line, "points": is_point}
        for kind in ("areas", "lines", "points"):
            if kind == "points" and has_claims:
                # Claims go over areas and lines but under the settlement dots, so a fan of claims
                # never hides a settlement (each fan leaves its own place's dot free).
                add_claims(m, claims, legend=legends)
                has_claims = False
            sub = places.loc[groups[kind]]
            if sub.empty:
                continue
            table = _StyleTable()
            data_json, props = _place_parts(sub, popups, table, kind, selected_place)
            common = dict(name=LAYER_NAMES[kind], className=f"ca-place ca-{kind}")
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
        add_claims(m, claims, legend=legends)

    if legends:
        Legend(_LEGEND_HTML).add_to(m)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)

    if center is None and zoom is None and (places is not None or (claims is not None and not claims.empty)):
        target = places.loc[places["place_key"] == selected_place] if selected_place and places is not None else None
        if target is None or target.empty:
            target = focus_places(places) if places is not None else claims
        bounds = _bounds_of(target)
        if bounds is not None:
            (s, w), (n, e) = bounds
            if n - s < 2 and e - w < 2:  # a single point or a small place: show some context
                cy, cx = (s + n) / 2, (w + e) / 2
                s, w, n, e = cy - 1.5, cx - 2, cy + 1.5, cx + 2
            m.fit_bounds([[s, w], [n, e]])
    return m


def focus_places(places: gpd.GeoDataFrame, share: float = FOCUS_SHARE) -> gpd.GeoDataFrame:
    """The places the initial view frames: the core of the data, not its far outliers.

    Countries are left out when anything finer was mentioned (they span continents). Of the rest,
    the places nearest the mention-weighted median position that together hold ``share`` of the
    mentions are kept; so a conflict map opens on the conflict even when an article also names
    Washington or Moscow (they stay on the map, a zoom out away).
    """
    if places.empty:
        return places
    finer = places.loc[places["feature_type"] != "country"]
    pool = finer if not finer.empty else places
    if len(pool) == 1:
        return pool
    weights = pool["mention_count"].fillna(1).astype(float).clip(lower=1).to_numpy()
    lon, lat = pool["lon"].astype(float).to_numpy(), pool["lat"].astype(float).to_numpy()

    def weighted_median(values: np.ndarray) -> float:
        order = np.argsort(values)
        cum = np.cumsum(weights[order])
        return float(values[order][np.searchsorted(cum, cum[-1] / 2)])

    dist = np.hypot(lon - weighted_median(lon), lat - weighted_median(lat))
    order = np.argsort(dist, kind="stable")
    cum = np.cumsum(weights[order])
    n = int(np.searchsorted(cum, share * cum[-1]) + 1)
    return pool.iloc[np.sort(order[:n])]


def map_summary(m: folium.Map) -> dict[str, str]:
    """Layer names of a built map and their class names (tests, debugging)."""
    return {child.layer_name: type(child).__name__ for child in m._children.values()
            if getattr(child, "layer_name", None)}


def feature_properties(m: folium.Map, layer_name: str) -> list[dict]:
    """The properties of the features of one of our layers (empty when there is no such layer)."""
    for child in m._children.values():
        if getattr(child, "layer_name", None) == layer_name:
            return list(getattr(child, "properties", []))
    return []


# ---------------------------------------------------------------------------------------- claims
#: Outline of a disputed claim (no claimant colour is red).
DISPUTED_COLOR = "#d62728"
#: Stable colours of the registry's actors; any other claimant gets one of _EXTRA_COLORS by a hash
#: of its name, so a claimant keeps its colour whatever the filters show.
CLAIMANT_COLORS = {
    "Armenia": "#ff7f0e",
    "Azerbaijan": "#1f77b4",
    "Nagorno-Karabakh authorities": "#8c564b",
    "Russia": "#9467bd",
    "Turkey": "#17becf",
    "USA": "#2ca02c",
    "EU": "#bcbd22",
    "France": "#e377c2",
    "Iran": "#393b79",
    "OSCE Minsk Group": "#637939",
    "UN": "#6baed6",
    "Other": "#7f7f7f",
}
_EXTRA_COLORS = ["#98df8a", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5", "#ffbb78", "#8c6d31",
                 "#843c39", "#5254a3", "#7b4173", "#3182bd"]
#: Claims at one spot are fanned out around it (pixels; see claim_offsets).
CLAIM_SPREAD_PX = 8.0
CLAIM_INNER = 2.7
#: A claim's text in a popup is cut to this many characters (the Claims page shows it all).
MAX_CLAIM_CHARS = 700


def claimant_color(claimant: object) -> str:
    """The colour of a claimant: fixed for the registry's actors, a stable hash-picked one otherwise."""
    import zlib

    name = str(claimant or "")
    if name in CLAIMANT_COLORS:
        return CLAIMANT_COLORS[name]
    return _EXTRA_COLORS[zlib.crc32(name.encode("utf-8")) % len(_EXTRA_COLORS)]


def claim_offsets(lat: np.ndarray, lon: np.ndarray) -> list[list[float]]:
    """Pixel offsets fanning out the claims drawn at the same spot: the i-th claim at a spot sits
    on a sunflower spiral (radius ``CLAIM_SPREAD_PX * sqrt(i + CLAIM_INNER)``) around it, so they
    neither hide each other nor the place's own marker, at any zoom."""
    seen: dict[tuple[float, float], int] = defaultdict(int)
    out = []
    golden = math.pi * (3 - math.sqrt(5))
    for y, x in zip(np.round(np.asarray(lat, dtype=float), 5), np.round(np.asarray(lon, dtype=float), 5),
                    strict=True):
        i = seen[(y, x)]
        seen[(y, x)] += 1
        r = CLAIM_SPREAD_PX * math.sqrt(i + CLAIM_INNER)
        out.append([round(r * math.cos(i * golden), 1), round(r * math.sin(i * golden), 1)])
    return out


def _claim_style(claimant: str, disputed: bool, approximate: bool) -> dict:
    color = claimant_color(claimant)
    classes = "ca-claim" + (" ca-claim-disputed" if disputed else "") + (" ca-claim-approx" if approximate else "")
    style = {"radius": 6, "color": "#ffffff", "weight": 1.5, "opacity": 1.0, "fillColor": color,
             "fillOpacity": 0.95, "className": classes}
    if approximate:  # coarser: paler, dashed outline
        style.update(color="#444444", weight=1.2, fillOpacity=0.4, dashArray="2 2", radius=6.5)
    if disputed:
        style.update(color=DISPUTED_COLOR, weight=3, opacity=1.0)
    return style


_CLAIM_JS = """
window.claimAtlas = window.claimAtlas || {};
(function (C) {
    // A circle marker drawn a few pixels off its position (claims sharing a spot fan out).
    C.OffsetCircle = L.CircleMarker.extend({
        _project: function () {
            var o = this.options.offset;
            this._point = this._map.latLngToLayerPoint(this._latlng);
            if (o) { this._point = this._point.add(L.point(o[0], o[1])); }
            this._updateBounds();
        }
    });
    C.claims = %(claims)s;
    C.claimArticles = %(articles)s;
    C.claimsUrl = function (id) {
        // The map runs in streamlit-folium's frame (<base>/component/...): link to the app's page.
        var path = window.location.pathname, cut = path.indexOf('/component/');
        return (cut >= 0 ? path.slice(0, cut) + '/' : '') + 'claims?claim=' + id;
    };
    C.claimPopup = function (p) {
        // Every string here was HTML-escaped on the server: this only concatenates.
        // c: [claimant, as written, date, kind, stance, text, disputed by, disputing ids, article, colour]
        var c = C.claims[p.claim_id], A = C.claimArticles;
        if (!c) { return ''; }
        var h = '<div class="ca-popup ca-claim-popup"><div class="ca-claim-note">A claim attributed to <b>' + c[0]
            + '</b>, as the source reports it: not a verified fact.</div>'
            + '<span style="color:' + c[9] + '">&#9679;</span> <b>' + c[0] + '</b>'
            + (c[1] ? ' <small>(as written: “' + c[1] + '”)</small>' : '') + '<br>'
            + '<small>date: ' + c[2] + ' · kind: ' + c[3] + (c[4] === 'deny' ? ' · a denial' : '') + '</small><br>'
            + '<small>' + (A[c[8]] || '') + '</small>'
            + '<blockquote class="ca-claim-text">“' + c[5] + '”</blockquote>';
        if (c[6]) {
            h += '<div class="ca-claim-dispute">Disputed by ' + c[6];
            for (var i = 0; i < c[7].length; i++) {
                var d = C.claims[c[7][i]];
                h += (i ? '; ' : ': ') + '<a href="' + C.claimsUrl(c[7][i]) + '" target="_blank" rel="noopener">claim #'
                    + c[7][i] + '</a>' + (d ? ' (' + d[0] + ')' : '');
            }
            h += '</div>';
        }
        h += '<small>' + (p.ap ? 'location: article focus (approximate): ' + p.pl + '; the claim names no place'
                                : 'place named in the claim: ' + p.pl)
            + ' · <a href="' + C.claimsUrl(p.claim_id) + '" target="_blank" rel="noopener">claim #' + p.claim_id
            + '</a></small>';
        return h + '</div>';
    };
})(window.claimAtlas);
"""


class ClaimSupport(_FastRender, MacroElement):
    """The claim popup builder, the offset circle marker and the claim/article tables, once per map."""

    _template = Template("""
        {% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}
    """)

    def __init__(self, claims: dict[int, list], articles: dict[int, str]):
        super().__init__()
        self._name = "ClaimSupport"
        self.claims = claims
        self.articles = articles
        self.code = _CLAIM_JS % {"claims": _script_json({str(k): v for k, v in claims.items()}),
                                 "articles": _script_json({str(k): v for k, v in articles.items()})}


class ClaimLayer(PlaceLayer):
    """The claims: one GeoJSON layer of offset circle markers (``properties.o``), styled from a
    style table (``properties.s``), with popups built on opening (``window.claimAtlas.claimPopup``)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = (function () {
                var styles = {{ this.styles_json }}, C = window.claimAtlas;
                return L.geoJson(null, {
                    pointToLayer: function (f, latlng) {
                        var p = f.properties || {};
                        return new C.OffsetCircle(latlng, Object.assign({offset: p.o}, styles[p.s] || {}));
                    },
                    onEachFeature: function (f, layer) {
                        var p = f.properties || {};
                        if (p.tip) { layer.bindTooltip(p.tip, {sticky: true}); }
                        layer.bindPopup(function () { return C.claimPopup(p); }, {maxWidth: 460, maxHeight: 360});
                    },
                    ...{{ this.options_json }}
                }).addData((function (d) {
                    return {type: "FeatureCollection", features: d.g.map(function (g, i) {
                        return {type: "Feature", properties: d.p[i], geometry: g};
                    })};
                })({{ this.data_json }}));
            })();
        {% endmacro %}
    """)


class ClaimLegend(_FastRender, MacroElement):
    """The claims' legend (claimant colours, disputed, approximate), shown while the layer is."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }}, layer = {{ this.layer_name_js }};
            var legend = L.control({position: "bottomright"});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "ca-legend ca-claim-legend");
                div.innerHTML = {{ this.html_json }};
                return div;
            };
            legend.addTo(map);
            map.on("overlayremove", function (e) { if (e.layer === layer) { legend.remove(); } });
            map.on("overlayadd", function (e) { if (e.layer === layer) { legend.addTo(map); } });
        })();
        {% endmacro %}
    """)

    def __init__(self, html_text: str, layer: ClaimLayer):
        super().__init__()
        self._name = "ClaimLegend"
        self.html_json = _script_json(html_text)
        self.layer_name_js = layer.get_name()


def claim_legend_html(claimants: list[str]) -> str:
    """The claims legend: each claimant's colour (names escaped), then what rings and dashes mean."""
    items = " ".join(f"<span style='color:{claimant_color(c)}'>&#9679;</span>&nbsp;{escape_text(c)}"
                     for c in claimants)
    return (
        "<div style='background:rgba(255,255,255,.9);padding:4px 7px;border-radius:4px;font:11px/1.35 sans-serif;"
        "box-shadow:0 1px 3px rgba(0,0,0,.3);max-width:260px'><b>Claims</b> (attributed, not verified), by "
        f"claimant:<br>{items}<br>"
        f"<span style='color:{DISPUTED_COLOR};font-weight:bold'>&#9711;</span> red ring: disputed<br>"
        "<span style='color:#444'>&#9676;</span> pale, dashed: the claim names no place; drawn at its article's "
        "focus place (approximate)</div>"
    )


_CLAIM_COLS = ["claim_id", "article_id", "claimant", "claimant_text", "text", "date", "date_end", "date_precision",
               "kind", "stance", "disputed", "disputed_by", "disputing_claim_ids", "source", "title", "published",
               "place_key", "place_name", "feature_type", "approximate", "lat", "lon"]


def _cut(text: str, limit: int = MAX_CLAIM_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def claim_parts(claims: gpd.GeoDataFrame) -> tuple[str, list[dict], list[dict], dict[int, list], dict[int, str]]:
    """The claims layer's data: script-safe JSON of its features, their properties, the style
    table, and the (escaped) claim and article tables the popups read."""
    from geo.layers import claim_date_label

    table = _StyleTable()
    props: list[dict] = []
    claim_rows: dict[int, list] = {}
    articles: dict[int, str] = {}
    offsets = claim_offsets(claims["lat"].to_numpy(), claims["lon"].to_numpy())
    for row, offset in zip(_rows(claims, _CLAIM_COLS), offsets, strict=True):
        cid = int(row.claim_id)
        article_id = int(row.article_id)
        disputed, approximate = bool(row.disputed), bool(row.approximate)
        claimant = escape_text(row.claimant)
        if cid not in claim_rows:
            claim_rows[cid] = [
                claimant, escape_text(row.claimant_text if row.claimant_text != row.claimant else ""),
                escape_text(claim_date_label(row.date, row.date_end, row.date_precision)), escape_text(row.kind),
                escape_text(row.stance), escape_text(_cut(str(row.text or ""))),
                escape_text(", ".join(row.disputed_by or [])), [int(i) for i in (row.disputing_claim_ids or [])],
                article_id, claimant_color(row.claimant),
            ]
        if article_id not in articles:
            published = escape_text(row.published) if isinstance(row.published, str) else "undated"
            articles[article_id] = (f"<b>{escape_text(row.source) or 'unknown source'}</b>, {published}: "
                                    f"<i>{escape_text(row.title)}</i>")
        place = f"{escape_text(row.place_name)} ({escape_text(row.feature_type)})"
        tip = f"{claimant}: {escape_text(row.kind)} claim, {claim_rows[cid][2]}"
        if disputed:
            tip += f"; disputed by {claim_rows[cid][6]}"
        if approximate:
            tip += "; location approximate (article focus)"
        props.append({
            "claim_id": cid,
            "claimant": claimant,
            "place_key": escape_text(row.place_key),
            "disputed": int(disputed),
            "approximate": int(approximate),
            "s": table.add(_claim_style(str(row.claimant), disputed, approximate)),
            "o": offset,
            "pl": place,
            "ap": int(approximate),
            "tip": tip,
        })
    return _layer_data(claims.geometry.to_numpy(), props), props, table.styles, claim_rows, articles


_CLAIM_CSS = """<style>
.ca-claim-popup .ca-claim-note { background: #fff7e6; border-left: 3px solid #f0ad4e; padding: 2px 5px;
  margin-bottom: 4px; font-size: 11px; }
.ca-claim-popup blockquote.ca-claim-text { margin: 4px 0; padding-left: 6px; border-left: 3px solid #ccc; }
.ca-claim-popup .ca-claim-dispute { color: #b71c1c; font-weight: bold; margin-bottom: 3px; }
</style>"""


def add_claims(m: folium.Map, claims: gpd.GeoDataFrame, show: bool = True, legend: bool = True) -> ClaimLayer | None:
    """Put the claims layer (:func:`geo.layers.claim_layer`), its popups and (optionally) its legend on ``m``."""
    if claims is None or claims.empty:
        return None
    data_json, props, styles, claim_rows, articles = claim_parts(claims)
    m.get_root().header.add_child(Element(_CLAIM_CSS), name="ca_claim_css")
    ClaimSupport(claim_rows, articles).add_to(m)
    layer = ClaimLayer(data_json, props, styles, _bounds_of(claims), name=LAYER_NAMES["claims"], show=show,
                       className="ca-claims")
    layer.add_to(m)
    if not legend:
        return layer
    present = list(dict.fromkeys(str(c) for c in claims["claimant"]))
    order = [c for c in CLAIMANT_COLORS if c in present] + sorted(c for c in present if c not in CLAIMANT_COLORS)
    ClaimLegend(claim_legend_html(order), layer).add_to(m)
    return layer
