"""geo.mapping.elements."""

from __future__ import annotations

from typing import Any

import folium
import folium.plugins
from branca.element import Element, MacroElement
from folium.elements import ElementAddToElement, JSCSSMixin
from folium.map import Layer
from folium.template import Template

from geo.mapping.html import _script_json, escape_text
from geo.mapping.styles import FUEL_COLORS, TYPE_COLORS
from geo.model import PRECISION_LABELS


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


_CLAIM_CSS = """<style>
.ca-claim-popup .ca-claim-note { background: #fff7e6; border-left: 3px solid #f0ad4e; padding: 2px 5px;
  margin-bottom: 4px; font-size: 11px; }
.ca-claim-popup blockquote.ca-claim-text { margin: 4px 0; padding-left: 6px; border-left: 3px solid #ccc; }
.ca-claim-popup .ca-claim-dispute { color: #b71c1c; font-weight: bold; margin-bottom: 3px; }
</style>"""
