"""geo.mapview.build_map as a pure function: layers, escaping, metonymy, scale, no CDN."""

from __future__ import annotations

import json
import re

import folium
import folium.plugins
import pandas as pd
import pytest
from folium_layers import feature_properties, map_summary
from markupsafe import Markup
from synthetic_data import synthetic_mentions

from geo.config import PROJECT_ROOT
from geo.layers.places import place_layer
from geo.layers.reference import basemap_layer, reference_layers
from geo.mapping.build import build_map, focus_places
from geo.mapping.elements import ClusteredPlaceLayer, PlaceLayer
from geo.mapping.html import escape_text, highlight_sentence
from geo.mapping.reference import ATTRIBUTION_GEM, ATTRIBUTION_GEONAMES, ATTRIBUTION_NATURAL_EARTH
from geo.mapping.styles import LAYER_NAMES

REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"
IMG = "<img src=x onerror=alert(1)>"
TEMPLATE = "${alert(1)}"
JINJA = "{{ 7919 * 7907 }}"
PIPELINE_GEOM = json.dumps({"type": "LineString", "coordinates": [[49.8, 40.4], [44.8, 41.7], [35.9, 36.9]]})
REGION_GEOM = json.dumps({"type": "Polygon", "coordinates": [[[46, 39], [47.3, 39], [47.3, 40.4], [46, 40.4], [46, 39]]]})


@pytest.fixture(scope="module")
def reference() -> dict:
    layers = reference_layers(REFERENCE_DIR)
    layers["basemap"] = basemap_layer(REFERENCE_DIR)
    return layers


def mention(mid: int, **kw) -> dict:
    row = {
        "mention_id": mid, "article_id": 1, "corpus_id": "a1", "title": "Report", "source": "Agency",
        "url": "", "published": "2020-10-20", "start": 0, "end": 8, "text": "Martouni", "method": "ner",
        "confidence": 0.86, "precision": 1, "metonymic": 0, "metonymy_reason": "", "not_a_place": 0,
        "runner_up_confidence": 0.41, "candidates": "[]", "sentence": "Shelling hit Martouni overnight.",
        "place_key": "geonames:146969", "place_name": "Khojavend", "feature_type": "settlement", "country": "AZ",
        "lat": 39.795, "lon": 47.1117, "geometry": None, "runner_up_key": "geonames:1", "runner_up_name": "Martuni",
    }
    row.update(kw)
    return row


@pytest.fixture
def mentions() -> pd.DataFrame:
    return pd.DataFrame([
        mention(1),
        mention(2, text="Baku", place_key="geonames:587084", place_name="Baku", lat=40.3777, lon=49.892,
                metonymic=1, sentence="Baku said the town was shelled."),  # only metonymic: not plotted
        mention(3, text="BTC", place_key="ref:pipeline:BTC", place_name="Baku-Tbilisi-Ceyhan pipeline",
                feature_type="pipeline", precision=5, geometry=PIPELINE_GEOM, confidence=0.4,
                sentence="The BTC pipeline was not hit."),
        mention(4, text="Karabakh", place_key="ref:breakaway:B38", place_name="Nagorno-Karabakh",
                feature_type="region", precision=3, geometry=REGION_GEOM, lat=39.8, lon=46.7,
                sentence="Fighting in Karabakh continued."),
        mention(5, text="Martouni", metonymic=1, sentence="Martouni said nothing."),  # metonymic use of a plotted place
    ])


def rendered(m: folium.Map) -> str:
    return m.get_root().render()


def decoded(html: str) -> str:
    """The page with the JSON escapes undone (what the browser's JavaScript sees)."""
    return (html.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
            .replace("\\u0027", "'"))


def test_escape_text_neutralises_html_template_strings_and_jinja():
    assert escape_text(IMG) == "&lt;img src=x onerror=alert(1)&gt;"
    assert escape_text(TEMPLATE) == "&#36;&#123;alert(1)&#125;"
    assert escape_text("a`b") == "a&#96;b"
    assert escape_text(None) == ""
    assert escape_text(float("nan")) == ""
    assert escape_text('"q"') == "&#34;q&#34;"  # markupsafe's entities (before: &quot;), the same to a browser
    assert escape_text("it's") == "it&#39;s"
    assert escape_text(Markup("<b>trusted?</b>")) == "&lt;b&gt;trusted?&lt;/b&gt;"  # article text is never trusted
    assert type(escape_text("<x>")) is str  # not Markup: concatenating to it must not escape anything


def test_script_json_escapes_what_closes_a_script_element():
    from geo.mapping.html import _script_json

    value = {"t": "</script><script>alert('x')</script> & more", "n": [1, 2.5, None], "ü": "Şuşa"}
    out = _script_json(value)
    assert type(out) is str
    assert "<" not in out and ">" not in out and "&" not in out and "'" not in out
    assert json.loads(out) == value
    # Byte for byte what the hand-written version made (compact, non-ASCII kept).
    assert out == (json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
                   .replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027"))


def test_highlight_sentence_marks_whole_words_only():
    assert highlight_sentence("Baku and Bakuriani; Baku.", "Baku") == "<mark>Baku</mark> and Bakuriani; <mark>Baku</mark>."
    long = "x " * 400 + "near Shusha " + "y " * 400
    cut = highlight_sentence(long, "Shusha")
    assert "<mark>Shusha</mark>" in cut and cut.startswith("…") and cut.endswith("…")
    assert len(cut) < 500


def test_layers_present(mentions, reference):
    m = build_map(place_layer(mentions), mentions, reference)
    layers = map_summary(m)
    for key in ("basemap", "countries_south_caucasus", "nagorno_karabakh_pre2020", "borders_pairwise",
                "pipelines_gem", "admin1_aze_arm", "areas", "lines", "points"):
        assert LAYER_NAMES[key] in layers, key
    assert any(isinstance(c, folium.LayerControl) for c in m._children.values())
    assert not any(isinstance(c, folium.TileLayer) for c in m._children.values())  # offline basemap
    html = rendered(m)
    for attribution in (ATTRIBUTION_GEM, ATTRIBUTION_NATURAL_EARTH, ATTRIBUTION_GEONAMES):
        assert attribution in html
    assert "Global Energy Monitor, CC BY 4.0" in html
    assert "L.control.layers" in html


def test_the_map_loads_leaflet_and_its_own_assets_not_folium_extras_it_never_uses(mentions, reference):
    html = rendered(build_map(place_layer(mentions), mentions, reference))
    sources = re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)"', html)
    assert any("leaflet.js" in u for u in sources) and any("leaflet.css" in u for u in sources)
    assert any(u.endswith("claim-atlas/map.js") for u in sources)
    for unused in ("jquery", "bootstrap", "awesome-markers", "fontawesome", "glyphicons", "rotate"):
        assert not [u for u in sources if unused in u], unused


def test_osm_tiles_when_asked(mentions, reference):
    m = build_map(place_layer(mentions), mentions, reference, tiles="osm")
    assert any(isinstance(c, folium.TileLayer) for c in m._children.values())
    assert LAYER_NAMES["basemap"] not in map_summary(m)


def test_features_link_back_to_their_sentences(mentions, reference):
    m = build_map(place_layer(mentions), mentions, reference)
    points = feature_properties(m, LAYER_NAMES["points"])
    assert [p["place_key"] for p in points] == ["geonames:146969"]
    khojavend = points[0]
    assert khojavend["mention_ids"] == [1]  # the metonymic mention 5 is not among them
    assert khojavend["article_ids"] == [1]
    popup = khojavend["m"]
    assert len(popup) == 1
    article_id, sentence, confidence, precision, runner_up, mention_id = popup[0]
    assert (article_id, mention_id, precision) == (1, 1, 1)
    assert sentence == "Shelling hit <mark>Martouni</mark> overnight."
    assert confidence == pytest.approx(0.86)
    assert runner_up == "Martuni (0.41)"
    assert [p["place_key"] for p in feature_properties(m, LAYER_NAMES["lines"])] == ["ref:pipeline:BTC"]
    assert [p["place_key"] for p in feature_properties(m, LAYER_NAMES["areas"])] == ["ref:breakaway:B38"]


def test_metonymic_mentions_are_not_plotted(mentions, reference):
    m = build_map(place_layer(mentions), mentions, reference)
    keys = {p["place_key"] for name in ("points", "lines", "areas") for p in feature_properties(m, LAYER_NAMES[name])}
    assert "geonames:587084" not in keys  # "Baku said"
    html = decoded(rendered(m))
    assert "Baku said the town was shelled." not in html
    assert "Martouni said nothing." not in html


def test_article_text_renders_inert(mentions, reference):
    evil = mentions.copy()
    evil.loc[0, "sentence"] = f"Shelling hit Martouni {IMG} {TEMPLATE} `whoami` {JINJA}."
    evil.loc[0, "title"] = f"<script>alert('t')</script>{TEMPLATE}"
    evil.loc[0, "source"] = f"Agency `x` {IMG}"
    evil.loc[0, "runner_up_name"] = f"{IMG}"
    evil.loc[3, "place_name"] = f"Karabakh {IMG} {TEMPLATE} {JINJA}"
    m = build_map(place_layer(evil), evil, reference)
    html = rendered(m)
    # streamlit-folium sends the scripts of the map's elements, rendered its own way: check those too
    from streamlit_folium import _get_map_string

    m.render()
    for page in (html, _get_map_string(m)):
        visible = decoded(page)
        for raw in (IMG, TEMPLATE, "<script>alert('t')</script>", "`whoami`", "`x`", JINJA):
            assert raw not in page
            assert raw not in visible
        assert "62615633" not in page  # Jinja never evaluated the text
        assert "&lt;img src=x onerror=alert(1)&gt;" in visible  # present, as text
        assert "&#36;&#123;alert(1)&#125;" in visible
        assert "&#96;whoami&#96;" in visible
        assert "&#123;&#123; 7919 * 7907 &#125;&#125;" in visible


def test_no_cdn_asset(mentions, reference):
    html = rendered(build_map(place_layer(mentions), mentions, reference))
    tags = re.findall(r"<(?:script|link)\b[^>]*>", html, flags=re.I)
    assert tags, "the page loads scripts and styles"
    outside = [t for t in tags if re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", t, flags=re.I)]
    assert outside == []
    assert "/app/static/vendor/leaflet@1.9.4/dist/leaflet.js" in html


def test_selected_place_is_outlined_and_framed(mentions, reference):
    m = build_map(place_layer(mentions), mentions, reference, selected_place="geonames:146969")
    layer = next(c for c in m._children.values() if getattr(c, "layer_name", "") == LAYER_NAMES["points"])
    assert "#f1c40f" in layer.styles_json
    (south, west), (north, east) = _fit_bounds(m)
    assert south < 39.795 < north and west < 47.1117 < east
    assert north - south < 5


def _fit_bounds(m: folium.Map):
    fit = next(c for c in m._children.values() if isinstance(c, folium.FitBounds))
    return fit.bounds


def test_view_frames_the_core_not_the_outliers(reference):
    rows = [mention(i, place_key="geonames:146969") for i in range(1, 20)]
    rows.append(mention(50, text="Washington", place_key="geonames:4140963", place_name="Washington",
                        country="US", lat=38.895, lon=-77.036))
    m = pd.DataFrame(rows)
    places = place_layer(m)
    assert list(focus_places(places)["place_key"]) == ["geonames:146969"]
    (_s, west), (_n, _e) = _fit_bounds(build_map(places, m, reference))
    assert west > 0  # not stretched to Washington
    assert {p["place_key"] for p in feature_properties(build_map(places, m, reference), LAYER_NAMES["points"])} == {
        "geonames:146969", "geonames:4140963"}  # still plotted


def test_empty_store_builds_a_map(reference):
    empty = pd.DataFrame([mention(1)]).iloc[0:0]
    m = build_map(place_layer(empty), empty, reference)
    assert LAYER_NAMES["points"] not in map_summary(m)
    assert "leaflet" in rendered(m)


def test_ten_thousand_places_in_one_clustered_layer(reference):
    m10 = synthetic_mentions(10_000)
    places = place_layer(m10)
    assert len(places) == 10_000
    m = build_map(places, m10, reference)
    layer = next(c for c in m._children.values() if getattr(c, "layer_name", "") == LAYER_NAMES["points"])
    assert isinstance(layer, ClusteredPlaceLayer)
    assert len(layer.properties) == 10_000

    def walk(element):
        yield element
        for child in element._children.values():
            yield from walk(child)

    assert not any(isinstance(e, (folium.Marker, folium.CircleMarker)) for e in walk(m))
    html = rendered(m)
    assert "L.markerClusterGroup" in html
    assert html.count("Synthetic report") >= 900  # the articles table: one entry per article (~1,000)


def test_few_points_are_one_geojson_layer(mentions, reference):
    m = build_map(place_layer(mentions), mentions, reference)
    layer = next(c for c in m._children.values() if getattr(c, "layer_name", "") == LAYER_NAMES["points"])
    assert isinstance(layer, PlaceLayer) and not isinstance(layer, ClusteredPlaceLayer)


# A region spanning the three states of the South Caucasus ("the southern Caucasus", "the region").
CAUCASUS_GEOM = json.dumps({"type": "Polygon", "coordinates": [[[40, 38.4], [50.4, 38.4], [50.4, 43.6], [40, 43.6],
                                                                [40, 38.4]]]})


def _region_and_towns() -> pd.DataFrame:
    rows = [mention(i, text="the southern Caucasus", place_key="ref:region:caucasus", place_name="South Caucasus",
                    feature_type="region", precision=4, geometry=CAUCASUS_GEOM, lat=41.0, lon=45.2)
            for i in (1, 6, 7)]  # named three times: in the old rule it held enough mentions to be framed
    rows += [mention(i, place_key="geonames:146969") for i in (2, 3)]  # Khojavend (Martuni)
    rows += [mention(i, text="Askeran", place_key="geonames:148619", place_name="Askeran", lat=39.9366, lon=46.8336)
             for i in (4, 5)]
    return pd.DataFrame(rows)


def test_a_mentioned_broad_region_is_drawn_light_and_never_frames_the_map(reference):
    m_df = _region_and_towns()
    places = place_layer(m_df)
    assert set(focus_places(places)["place_key"]) == {"geonames:146969", "geonames:148619"}
    (south, west), (north, east) = _fit_bounds(build_map(places, m_df, reference))
    assert north < 42 and west > 44 and east < 50  # the towns (with some context), not the region (40..50.4 E)
    assert south < 39.795 < north and west < 46.8336 < east
    m = build_map(places, m_df, reference)
    layer = next(c for c in m._children.values() if getattr(c, "layer_name", "") == LAYER_NAMES["areas"])
    (region,) = feature_properties(m, LAYER_NAMES["areas"])
    style = json.loads(layer.styles_json)[region["s"]]
    assert style["fillOpacity"] <= 0.05 and style["opacity"] <= 0.4  # light


def test_the_map_frames_the_places_the_claims_are_about(reference):
    import geopandas as gpd
    from shapely.geometry import Point

    m_df = _region_and_towns()
    m_df = pd.concat([m_df, pd.DataFrame([mention(9, text="Yerevan", place_key="geonames:616052",
                                                  place_name="Yerevan", country="AM", lat=40.18, lon=44.51)])],
                     ignore_index=True)
    places = place_layer(m_df)
    claims = gpd.GeoDataFrame({
        "claim_id": [1], "article_id": [1], "claimant": ["Armenia"], "claimant_text": ["Armenia"],
        "text": ["Askeran was shelled."], "date": ["2020-10-20"], "date_end": [None], "date_precision": ["day"],
        "kind": ["attack"], "stance": ["assert"], "disputed": [False], "disputed_by": [[]],
        "disputing_claim_ids": [[]], "source": ["Agency"], "title": ["Report"], "published": ["2020-10-20"],
        "place_key": ["geonames:148619"], "place_name": ["Askeran"], "feature_type": ["settlement"],
        "approximate": [False], "lat": [39.9366], "lon": [46.8336], "n_sources": [1], "cluster_sources": [""]},
        geometry=[Point(46.8336, 39.9366)], crs="EPSG:4326")
    about = frozenset({"geonames:148619"})
    assert list(focus_places(places, about=about)["place_key"]) == ["geonames:148619"]
    (south, west), (north, east) = _fit_bounds(build_map(places, m_df, reference, claims=claims))
    assert south < 39.9366 < north and west < 46.8336 < east
    assert west > 44.51  # Yerevan, only mentioned, does not stretch it
    # a broad region a claim is about stays light (its claim has a marker) and does not frame the map
    claims.loc[0, "place_key"] = "ref:region:caucasus"
    m = build_map(places, m_df, reference, claims=claims)
    layer = next(c for c in m._children.values() if getattr(c, "layer_name", "") == LAYER_NAMES["areas"])
    (region,) = feature_properties(m, LAYER_NAMES["areas"])
    assert json.loads(layer.styles_json)[region["s"]]["fillOpacity"] <= 0.05
    (south, west), (north, east) = _fit_bounds(m)
    assert west > 44 and north < 42
    # selected, it is outlined as any selected place
    m = build_map(places, m_df, reference, claims=claims, selected_place="ref:region:caucasus", center=(40, 46), zoom=6)
    layer = next(c for c in m._children.values() if getattr(c, "layer_name", "") == LAYER_NAMES["areas"])
    (region,) = feature_properties(m, LAYER_NAMES["areas"])
    assert json.loads(layer.styles_json)[region["s"]]["color"] == "#f1c40f"
