"""The reference layers as static files (geo.mapping.reference.LayerFiles): written once, named by
their content, loaded by URL from the app's maps; the standalone export still inlines them."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon

from geo.config import PROJECT_ROOT
from geo.layers.places import place_layer
from geo.layers.reference import basemap_layer, reference_layers, theatre_layers, world_layers
from geo.layers.theatre import Theatre
from geo.mapping.assets import offline_map_html
from geo.mapping.build import build_map
from geo.mapping.elements import PlaceLayer, UrlLayer
from geo.mapping.features import HEAVY_VERTICES, _display_geometries
from geo.mapping.reference import LAYER_URL_PREFIX, STATIC_LAYER_FILES, LayerFiles, layer_file_content
from geo.mapping.styles import LAYER_NAMES

REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"
HOSTILE = "<img src=x onerror=alert(1)> ${x} {{ 7*7 }} `y`"


@pytest.fixture(scope="module")
def reference() -> dict[str, gpd.GeoDataFrame]:
    world = world_layers(REFERENCE_DIR)
    scene = Theatre(countries=("SD", "TD"), admin1=("SD",))
    return {"basemap": basemap_layer(REFERENCE_DIR), **theatre_layers(world, scene),
            **reference_layers(REFERENCE_DIR)}


def _files(tmp_path: Path) -> LayerFiles:
    return LayerFiles(tmp_path / "layers", "/app/static/claim-atlas/layers")


def _url_layers(m) -> dict[str, UrlLayer]:
    return {c.layer_name: c for c in m._children.values() if isinstance(c, UrlLayer)}


def test_the_app_writes_into_the_static_folder_streamlit_serves():
    assert STATIC_LAYER_FILES.folder == PROJECT_ROOT / "static" / "claim-atlas" / "layers"
    assert LAYER_URL_PREFIX == "/app/static/claim-atlas/layers"


def test_a_layer_file_holds_styles_escaped_tooltips_and_geometries(tmp_path):
    gdf = gpd.GeoDataFrame({"name": [HOSTILE, "Plain"], "fuel": ["oil", "gas"]},
                           geometry=[LineString([(44, 40), (45, 41)]), LineString([(46, 40), (47, 41)])],
                           crs="EPSG:4326")
    [url] = _files(tmp_path).urls("pipelines_gem", gdf)
    name = url.rsplit("/", 1)[1]
    text = (tmp_path / "layers" / name).read_text(encoding="utf-8")
    data = json.loads(text)
    assert set(data) == {"s", "p", "g"} and len(data["p"]) == len(data["g"]) == 2
    assert data["g"][0]["type"] == "LineString"
    assert data["s"][data["p"][0]["s"]]["color"] != data["s"][data["p"][1]["s"]]["color"]  # oil, gas
    tip = data["p"][0]["tip"]
    for raw in ("<img", "${", "{{", "`"):
        assert raw not in tip
    assert "&lt;img" in tip
    assert "<" not in text  # script-safe JSON as well
    assert text == layer_file_content("pipelines_gem", gdf)


def test_files_are_named_by_content_and_written_once(tmp_path, reference):
    files = _files(tmp_path)
    first = files.urls("pipelines_gem", reference["pipelines_gem"])
    assert first is not None and len(first) == 1
    assert first[0].startswith("/app/static/claim-atlas/layers/pipelines_gem-") and first[0].endswith(".json")
    path = tmp_path / "layers" / first[0].rsplit("/", 1)[1]
    stamp = path.stat().st_mtime_ns
    again = LayerFiles(tmp_path / "layers").urls("pipelines_gem", reference["pipelines_gem"].copy())
    assert again is not None and again[0].rsplit("/", 1)[1] == path.name  # same content, same file
    assert path.stat().st_mtime_ns == stamp
    changed = reference["pipelines_gem"].iloc[:1]
    other = files.urls("pipelines_gem", changed)
    assert other is not None and other != first  # a data change is a new URL: the browser's copy never stales
    assert not list((tmp_path / "layers").glob(".tmp-*"))


def test_a_deleted_file_is_written_again(tmp_path, reference):
    files = _files(tmp_path)
    [url] = files.urls("borders_pairwise", reference["borders_pairwise"]) or []
    path = tmp_path / "layers" / url.rsplit("/", 1)[1]
    path.unlink()
    assert files.urls("borders_pairwise", reference["borders_pairwise"]) == [url]
    assert path.is_file()


def test_theatre_layers_are_written_one_file_per_country(tmp_path, reference):
    urls = _files(tmp_path).urls("theatre_countries", reference["theatre_countries"])
    assert urls is not None and len(urls) == 2
    assert any("/theatre_countries-SD-" in u for u in urls) and any("/theatre_countries-TD-" in u for u in urls)
    admin1 = _files(tmp_path).urls("theatre_admin1", reference["theatre_admin1"])
    assert admin1 is not None and len(admin1) == 1 and "/theatre_admin1-SD-" in admin1[0]


def test_an_unwritable_folder_inlines_the_layers(tmp_path, reference, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    files = LayerFiles(blocker / "layers")
    assert files.urls("pipelines_gem", reference["pipelines_gem"]) is None
    m = build_map(place_layer(pd.DataFrame()), pd.DataFrame(), reference, layer_files=files)
    assert not _url_layers(m)
    assert "cannot write the map's layer files" in caplog.text


def test_the_app_map_references_the_files_and_inlines_no_reference_feature(tmp_path, reference):
    files = _files(tmp_path)
    m = build_map(place_layer(pd.DataFrame()), pd.DataFrame(), reference, layer_files=files)
    layers = _url_layers(m)
    for key in ("basemap", "theatre_countries", "theatre_admin1", "countries_south_caucasus",
                "nagorno_karabakh_pre2020", "borders_pairwise", "pipelines_gem", "admin1_aze_arm"):
        assert LAYER_NAMES[key] in layers, key
    assert not any(isinstance(c, PlaceLayer) for c in m._children.values())
    html = m.get_root().render()
    for layer in layers.values():
        for url in layer.urls:
            assert json.dumps(url) in html
            assert (tmp_path / "layers" / url.rsplit("/", 1)[1]).is_file()
    assert "claimAtlas.urlLayer" in html
    assert "ca-ref-pipelines_gem" in html and "Pipelines: Global Energy Monitor, CC BY 4.0" in html
    assert "Nagorno-Karabakh before 2020" in html  # the legend still names the layers drawn
    assert "L.control.layers" in html and LAYER_NAMES["pipelines_gem"] in html
    # no reference feature or tooltip inlined
    assert "MultiPolygon" not in html and "reference line, Natural Earth" not in html
    assert "route: Global Energy Monitor" not in html
    inline = build_map(place_layer(pd.DataFrame()), pd.DataFrame(), reference).get_root().render()
    assert len(html) * 20 < len(inline)


def test_the_export_still_inlines_the_layers(tmp_path, reference):
    from geo.mapping.export import export_html

    html = export_html(pd.DataFrame(columns=["place_key"]), reference).decode("utf-8")
    assert "claimAtlas.urlLayer(" not in html  # map.js is inlined, and defines it as C.urlLayer
    assert "MultiPolygon" in html and "/app/static/claim-atlas/layers" not in html
    assert "claimAtlas.geojsonLayer(" in html


def test_the_offline_export_of_an_app_map_is_refused_nothing(tmp_path, reference):
    # offline_map_html inlines scripts and stylesheets; layer URLs are data the export never uses.
    m = build_map(place_layer(pd.DataFrame()), pd.DataFrame(), {"basemap": reference["basemap"]})
    assert "/app/static/claim-atlas/layers" not in offline_map_html(m)


def test_heavy_mentioned_areas_are_simplified_for_display_only():
    circle = Point(45, 40).buffer(5, quad_segs=HEAVY_VERTICES)  # ~4,000 vertices
    small = Polygon([(46, 39), (47, 39), (47, 40), (46, 39)])
    geoms = pd.Series([circle, small, None]).to_numpy()
    shown = _display_geometries(geoms)
    assert shapely.get_num_coordinates(shown[0]) < HEAVY_VERTICES < shapely.get_num_coordinates(circle)
    assert shown[1] is small and shown[2] is None
    assert shapely.get_num_coordinates(geoms[0]) == shapely.get_num_coordinates(circle)  # input untouched
