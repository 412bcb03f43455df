"""geo.mapping.elements: the map's layers, popup tables and legends, as folium elements.

Behaviour lives in ``static/claim-atlas/map.js`` and ``map.css`` (loaded by every element here
through folium's ``default_js``/``default_css``, inlined by the standalone export); the elements'
templates are glue that call its functions (``window.claimAtlas.geojsonLayer(...)``) with
script-safe JSON data, every string from an article escaped (:func:`geo.mapping.html.escape_text`).

Rendering. folium renders an element's script macro, then compiles the result as a Jinja
template and renders it again (``MacroElement.render``): with megabytes of layer data that is
most of a map's rendering time. :class:`_FastRender` renders the macro once and inserts the
result as is, where ``geo._compat.fast_map_render`` allows it (switch on, folium and branca
the tested versions); otherwise folium's own rendering runs. The data never needs the second
pass: braces in article text are entities (``escape_text``), so it holds no Jinja syntax.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import folium
import folium.plugins
from branca.element import Element, Figure
from folium.elements import ElementAddToElement, JSCSSMixin
from folium.map import Layer
from folium.template import Template

from geo import _compat
from geo.mapping.assets import OWN_CSS, OWN_JS
from geo.mapping.html import _script_json, escape_text
from geo.mapping.styles import DISPUTED_COLOR, FUEL_COLORS, SELECTED_COLOR, TYPE_COLORS
from geo.model import PRECISION_LABELS


# ---------------------------------------------------------------------------------------- elements
class _RawScript(Element):
    """A script fragment put into the page as is (never compiled as a Jinja template)."""

    _template = Template("{{ this.code }}")

    def __init__(self, code: str):
        super().__init__()
        self._name = "RawScript"
        self.code = code


class _FastRender(JSCSSMixin):
    """Our elements: they load ``static/claim-atlas/`` (``OWN_JS``, ``OWN_CSS``) and render like
    folium's elements, minus the re-compilation of the rendered script as a template.

    The fast path re-implements ``JSCSSMixin.render``, ``Layer.render`` and
    ``MacroElement.render`` of folium 0.20 / branca 0.8 (reading branca's private ``_parent``,
    ``_children`` and ``_template``), hence its gate ``geo._compat.fast_map_render``; an element
    with a header or html macro, or with folium class includes, always takes folium's path."""

    def _use_own_assets(self) -> None:
        """Add our script and stylesheet to the element's asset lists (per instance: the class
        lists are folium's, which ``use_offline_assets`` rewrites)."""
        self.default_js = [*self.default_js, *OWN_JS]
        self.default_css = [*self.default_css, *OWN_CSS]

    def _set_layer_data(self, data_json: str, properties: list[dict], styles: list[dict], bounds,
                        marker: dict | None, options: dict) -> None:
        """The script-safe data every GeoJSON-based layer of ours embeds (``claimAtlas.geojsonLayer``)."""
        self.properties = properties
        self.bounds = bounds
        self.styles_json = _script_json(styles)
        self.marker_json = _script_json(marker or {})
        self.options_json = _script_json({k: v for k, v in options.items() if v is not None})
        self.data_json = data_json

    def _get_self_bounds(self):
        return self.bounds or [[None, None], [None, None]]

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as MacroElement's (branca types Element.render only, as returning str)
        module = self._template.module.__dict__
        if ("header" in module or "html" in module or getattr(self, "includes", None)
                or not _compat.fast_map_render()):
            super().render(**kwargs)  # folium's own rendering
            return
        figure = self.get_root()
        assert isinstance(figure, Figure), "You cannot render this Element if it is not in a Figure."
        if getattr(self, "show", True) and isinstance(self, Layer):
            assert self._parent is not None  # rendered from the map it was added to
            self.add_child(ElementAddToElement(element_name=self.get_name(),
                                               element_parent_name=self._parent.get_name()),
                           name=self.get_name() + "_add")
        for name, url in self.default_js:
            figure.header.add_child(folium.JavascriptLink(url), name=name)
        for name, url in self.default_css:
            figure.header.add_child(folium.CssLink(url), name=name)
        script = module.get("script")
        if script is not None:
            figure.script.add_child(_RawScript(str(script(self, kwargs))), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class PlaceLayer(_FastRender, Layer):
    """One GeoJSON layer whose features are styled from a small style table (``properties.s``),
    with tooltips (``properties.tip``) and popups built on opening (``claimAtlas.popup``).

    ``data_json`` is the layer's data from :func:`_layer_data` (script-safe JSON); ``properties``
    keeps the plain properties for inspection (tests)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = window.claimAtlas.geojsonLayer(
                {{ this.styles_json }}, {{ this.marker_json }}, {{ this.options_json }}, {{ this.data_json }});
        {% endmacro %}
    """)

    def __init__(self, data_json: str, properties: list[dict], styles: list[dict], bounds,
                 *, name: str, show: bool = True, control: bool = True, marker: dict | None = None,
                 **options: Any):
        Layer.__init__(self, name=name, overlay=True, control=control, show=show)
        self._name = "GeoJson"
        self._use_own_assets()
        self._set_layer_data(data_json, properties, styles, bounds, marker, options)


class UrlLayer(_FastRender, Layer):
    """A GeoJSON layer whose data the browser fetches from static files (``urls``, each
    ``{"s": styles, "p": properties, "g": geometries}``: geo.mapping.reference.LayerFiles), styled
    and with tooltips as :class:`PlaceLayer`: the map's script carries only the URLs."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = window.claimAtlas.urlLayer({{ this.options_json }}, {{ this.urls_json }});
        {% endmacro %}
    """)

    def __init__(self, urls: list[str], *, name: str, show: bool = True, control: bool = True, **options: Any):
        Layer.__init__(self, name=name, overlay=True, control=control, show=show)
        self._name = "GeoJson"
        self._use_own_assets()
        self.urls = list(urls)
        self.bounds = None  # reference layers do not take part in fitting the view
        self.urls_json = _script_json(self.urls)
        self.options_json = _script_json({k: v for k, v in options.items() if v is not None})

    def _get_self_bounds(self):
        return [[None, None], [None, None]]


class ClusteredPlaceLayer(_FastRender, folium.plugins.MarkerCluster):
    """Many points: one GeoJSON layer (as :class:`PlaceLayer`) inside a marker cluster group."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.markerClusterGroup({{ this.cluster_json }});
            {{ this.get_name() }}.addLayers([window.claimAtlas.geojsonLayer(
                {{ this.styles_json }}, {{ this.marker_json }}, {{ this.options_json }}, {{ this.data_json }})]);
        {% endmacro %}
    """)

    def __init__(self, data_json: str, properties: list[dict], styles: list[dict], bounds,
                 *, name: str, show: bool = True, marker: dict | None = None, cluster_options: dict | None = None,
                 **options: Any):
        Layer.__init__(self, name=name, overlay=True, control=True, show=show)
        self._name = "MarkerCluster"
        self._use_own_assets()
        self._set_layer_data(data_json, properties, styles, bounds, marker, options)
        self.cluster_json = _script_json(cluster_options or {})


class PopupSupport(_FastRender):
    """The shared tables the place popups read (articles: source, date, title; precision labels),
    once per map."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            window.claimAtlas.popupTables({{ this.articles_json }}, {{ this.precision_json }});
        {% endmacro %}
    """)

    def __init__(self, articles: dict[int, str]):
        super().__init__()
        self._name = "PopupSupport"
        self._use_own_assets()
        precision = {str(k): escape_text(v) for k, v in PRECISION_LABELS.items()}
        self.articles = articles
        self.articles_json = _script_json({str(k): v for k, v in articles.items()})
        self.precision_json = _script_json(precision)


class Legend(_FastRender):
    """A small static legend in the map's corner (our own constant HTML, no user text), folded
    under its title on small maps (static/claim-atlas/map.js, ``C.legend``)."""

    position, class_name, title = "bottomleft", "ca-legend", "Legend"
    _template = Template("""
        {% macro script(this, kwargs) %}
            window.claimAtlas.legend({{ this._parent.get_name() }}, {{ this.html_json }}, {{ this.position_json }},
                                     {{ this.class_json }}, {{ this.title_json }});
        {% endmacro %}
    """)

    def __init__(self, html_text: str):
        super().__init__()
        self._name = type(self).__name__
        self._use_own_assets()
        self.html_json = _script_json(html_text)
        self.position_json, self.class_json, self.title_json = (
            _script_json(v) for v in (self.position, self.class_name, self.title))


#: The places' legend; its box is styled by ``.ca-legend-box`` (static/claim-atlas/map.css).
#: What the legend says of each reference layer, when the map draws it (in this order).
_LEGEND_REFERENCE = {
    "theatre_admin1": "<span style='color:#999999'>&#9473;</span> provinces and regions",
    "pipelines_gem": (f"<span style='color:{FUEL_COLORS['oil']}'>&#9473;</span> oil, "
                      f"<span style='color:{FUEL_COLORS['gas']}'>&#9473;</span> gas pipeline"),
    "borders_pairwise": "<span style='color:#333'>&#8943;</span> border",
    "nagorno_karabakh_pre2020": "<span style='color:#7d3c98'>&#9633;</span> Nagorno-Karabakh before 2020",
}


def legend_html(reference_keys: Iterable[str]) -> str:
    """The map's legend: the mentioned places' symbols, then those of the reference layers drawn."""
    drawn = set(reference_keys)
    parts = [text for key, text in _LEGEND_REFERENCE.items() if key in drawn]
    return (
        "<div class='ca-legend-box'>"
        f"<span style='color:{TYPE_COLORS['settlement']}'>&#9679;</span> settlement "
        f"<span style='color:{TYPE_COLORS['region']}'>&#9632;</span> region "
        f"<span style='color:{TYPE_COLORS['country']}'>&#9633;</span> country "
        f"<span style='color:{TYPE_COLORS['border']}'>&#9473;</span> border "
        f"<span style='color:{TYPE_COLORS['pipeline']}'>&#9473;</span> pipeline<br>"
        + (f"Reference: {'; '.join(parts)}<br>" if parts else "")
        + "Bigger, bolder: more confident. Dashed, paler: coarse (near a place, region, country).<br>"
        "<i>As the articles name them; names standing for a government (\"Baku said\") are not plotted.</i></div>"
    )


class ClaimSupport(_FastRender):
    """The shared tables the claim popups read (claims, articles), once per map."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            window.claimAtlas.claimTables({{ this.claims_json }}, {{ this.articles_json }});
        {% endmacro %}
    """)

    def __init__(self, claims: dict[int, list], articles: dict[int, str]):
        super().__init__()
        self._name = "ClaimSupport"
        self._use_own_assets()
        self.claims = claims
        self.articles = articles
        self.claims_json = _script_json({str(k): v for k, v in claims.items()})
        self.articles_json = _script_json({str(k): v for k, v in articles.items()})


class ClaimLayer(PlaceLayer):
    """The claims: one GeoJSON layer of offset circle markers (``properties.o``), styled from a
    style table (``properties.s``), with popups built on opening (``claimAtlas.claimPopup``)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = window.claimAtlas.claimLayer(
                {{ this.styles_json }}, {{ this.options_json }}, {{ this.data_json }});
        {% endmacro %}
    """)


class ClaimLegend(_FastRender):
    """The claims' legend (claimant colours, disputed, approximate), shown while the layer is."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            window.claimAtlas.claimLegend({{ this._parent.get_name() }}, {{ this.layer_name_js }},
                                          {{ this.html_json }}, "ca-legend ca-claim-legend");
        {% endmacro %}
    """)

    def __init__(self, html_text: str, layer: ClaimLayer):
        super().__init__()
        self._name = "ClaimLegend"
        self._use_own_assets()
        self.html_json = _script_json(html_text)
        self.layer_name_js = layer.get_name()


class CompactLayer(_FastRender):
    """The compact features of one view (:func:`geo.layers.viewport.aggregate_places`) as circle
    markers in the layer it is added to (the page's data layer, a FeatureGroup that
    streamlit-folium swaps without redrawing the map): clusters sized by their number of places,
    labelled with their most mentioned place and their counts, zooming in two steps when clicked;
    places as dots. A feature whose claims include disputed ones is ringed in the disputed colour
    (class ``ca-disputed``) and its tooltip counts them; the selected place (``selected``, a place
    key) is outlined in the selected colour (class ``ca-selected``), as on the map of few places.
    Leaflet's own markers only: no extra asset.

    ``data_json`` is :func:`geo.mapping.features.compact_layer_json` (labels escaped), ``styles``
    the Leaflet options of each style class."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = (function (d, styles, selected) {
                var group = L.featureGroup();
                for (var i = 0; i < d.key.length; i++) {
                    var cluster = d.kind[i] === "cluster";
                    var o = Object.assign({}, styles[d.style[i]] || {});
                    var disputed = (d.disputed || [])[i] || 0;
                    o.className = "ca-compact ca-" + (cluster ? "cluster" : "place") + (disputed ? " ca-disputed" : "");
                    if (cluster) { o.radius = Math.min(30, 8 + 4 * Math.log10(d.places[i])); }
                    if (disputed) { o.color = {{ this.disputed_color_json }}; o.weight = Math.max(o.weight || 1, 2.5); }
                    if (!cluster && d.key[i] === selected) {
                        o.className += " ca-selected"; o.color = {{ this.selected_color_json }}; o.weight = 4;
                    }
                    var marker = L.circleMarker([d.lat[i], d.lon[i]], o);
                    marker.feature = {type: "Feature", properties: {key: d.key[i], kind: d.kind[i]}};
                    var counts = d.mentions[i] + " mention" + (d.mentions[i] === 1 ? "" : "s") + ", "
                        + d.claims[i] + " claim" + (d.claims[i] === 1 ? "" : "s")
                        + (disputed ? " (" + disputed + " disputed)" : "");
                    marker.bindTooltip(cluster ? d.label[i] + " and " + (d.places[i] - 1) + " more places: " + counts
                                               : d.label[i] + ": " + counts);
                    if (cluster) {
                        marker.on("click", function (e) {
                            var map = e.target._map;
                            map.setView(e.latlng, Math.min(map.getZoom() + 2, map.getMaxZoom() || 18));
                        });
                    }
                    group.addLayer(marker);
                }
                return group;
            })({{ this.data_json }}, {{ this.styles_json }}, {{ this.selected_json }});
            {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, data_json: str, styles: dict[str, dict], selected: str | None = None):
        super().__init__()
        self._name = "CompactLayer"
        self.data_json = data_json
        self.styles_json = _script_json(styles)
        self.disputed_color_json = _script_json(DISPUTED_COLOR)
        self.selected_json = _script_json(selected)
        self.selected_color_json = _script_json(SELECTED_COLOR)


class ViewClaims(_FastRender):
    """The claims of one view drawn one by one (:func:`geo.layers.viewport.claims_in_view`), in the
    layer it is added to (the Map page's swapped data layer, as :class:`CompactLayer`): the claim
    popups' tables for these claims, then a claims layer as :class:`ClaimLayer` draws it (coloured
    by claimant, disputed ringed, popups built on opening). Data from
    :func:`geo.mapping.claims.claim_parts` (every string escaped)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            window.claimAtlas.claimTables({{ this.claims_json }}, {{ this.articles_json }});
            var {{ this.get_name() }} = window.claimAtlas.claimLayer(
                {{ this.styles_json }}, {{ this.options_json }}, {{ this.data_json }});
            {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, data_json: str, properties: list[dict], styles: list[dict], claims: dict[int, list],
                 articles: dict[int, str]):
        super().__init__()
        self._name = "ViewClaims"
        self._use_own_assets()
        self._set_layer_data(data_json, properties, styles, None, None, {"className": "ca-claims"})
        self.claims_json = _script_json({str(k): v for k, v in claims.items()})
        self.articles_json = _script_json({str(k): v for k, v in articles.items()})


class ClaimKey(Legend):
    """The claims' legend as a static box (the Map page's many-places path, where the claims drawn
    change with the view and have no layer of their own to follow)."""

    position, class_name, title = "bottomright", "ca-legend ca-claim-legend", "Claims legend"
