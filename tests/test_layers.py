"""geo.layers: the place layer, the mention table, the reference layers, click lookup."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon
from synthetic_data import synthetic_mentions

from geo.config import PROJECT_ROOT
from geo.layers.geometry import fix_antimeridian
from geo.layers.places import (
    PLACE_COLUMNS,
    REVIEW_COLUMNS,
    mention_table,
    place_at,
    place_layer,
    plottable_mentions,
    review_mentions,
    review_table,
    reviewable_mentions,
)
from geo.layers.reference import basemap_layer, reference_layers

REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"

PIPELINE_GEOM = json.dumps({"type": "LineString", "coordinates": [[49.8, 40.4], [44.8, 41.7], [35.9, 36.9]]})
REGION_GEOM = json.dumps({"type": "Polygon", "coordinates": [[[46, 39], [47.3, 39], [47.3, 40.4], [46, 40.4], [46, 39]]]})


def mention(mid: int, **kw) -> dict:
    row = {
        "mention_id": mid, "article_id": 1, "corpus_id": "a1", "title": "Report", "source": "Agency",
        "url": "", "published": "2020-10-20", "start": 0, "end": 4, "text": "Baku", "method": "ner",
        "confidence": 0.8, "precision": 1, "metonymic": 0, "metonymy_reason": "", "not_a_place": 0,
        "runner_up_confidence": 0.0, "candidates": "[]", "sentence": "Shelling hit Baku.",
        "place_key": "geonames:587084", "place_name": "Baku", "feature_type": "settlement", "country": "AZ",
        "lat": 40.3777, "lon": 49.892, "geometry": None, "runner_up_key": None, "runner_up_name": None,
    }
    row.update(kw)
    return row


@pytest.fixture
def mentions() -> pd.DataFrame:
    return pd.DataFrame([
        mention(1, confidence=0.9),
        mention(2, article_id=2, published="2020-10-24", confidence=0.5, precision=2),
        mention(3, metonymic=1, metonymy_reason="subject of 'said'"),  # "Baku said": not plotted
        mention(4, text="Yerevan", place_key="geonames:616052", place_name="Yerevan", country="AM",
                lat=40.18, lon=44.51, metonymic=1),  # only metonymic: no row at all
        mention(5, text="Minsk Group", place_key=None, place_name=None, feature_type=None, not_a_place=1,
                confidence=0.0, precision=None, lat=None, lon=None),
        mention(6, text="Xyzzy", place_key=None, place_name=None, feature_type=None, confidence=0.0,
                precision=None, lat=None, lon=None),  # unresolved
        mention(7, text="BTC pipeline", place_key="ref:pipelines_gem:BTC", place_name="BTC", feature_type="pipeline",
                precision=5, lat=40.4, lon=44.8, geometry=PIPELINE_GEOM, confidence=0.7),
        mention(8, text="Karabakh", place_key="ref:breakaway:B38", place_name="Nagorno-Karabakh",
                feature_type="region", precision=3, lat=39.8, lon=46.7, geometry=REGION_GEOM, confidence=0.95),
        mention(9, article_id=3, text="Karabakh", place_key="ref:breakaway:B38", place_name="Nagorno-Karabakh",
                feature_type="region", precision=3, lat=39.8, lon=46.7, geometry=REGION_GEOM, confidence=0.85,
                published="2020-10-22"),
        mention(10, article_id=2, text="Karabakh", place_key="ref:breakaway:B38", place_name="Nagorno-Karabakh",
                feature_type="region", precision=3, lat=39.8, lon=46.7, geometry="{not json", confidence=0.6),
    ])


def test_place_layer_one_row_per_plotted_place(mentions):
    places = place_layer(mentions)
    assert list(places.columns) == PLACE_COLUMNS
    assert places.crs.to_epsg() == 4326
    assert set(places["place_key"]) == {"geonames:587084", "ref:pipelines_gem:BTC", "ref:breakaway:B38"}
    assert places["place_key"].is_unique
    # most mentioned first
    assert places.iloc[0]["place_key"] == "ref:breakaway:B38"


def test_place_layer_excludes_metonymic_unresolved_and_not_a_place(mentions):
    plotted = plottable_mentions(mentions)
    assert set(plotted["mention_id"]) == {1, 2, 7, 8, 9, 10}
    places = place_layer(mentions).set_index("place_key")
    assert "geonames:616052" not in places.index  # Yerevan: only metonymic
    assert places.loc["geonames:587084", "mention_ids"] == [1, 2]  # mention 3 ("Baku said") left out


def test_place_layer_geometry_by_feature_type(mentions):
    places = place_layer(mentions).set_index("place_key")
    assert places.loc["geonames:587084"].geometry.equals(Point(49.892, 40.3777))
    assert places.loc["ref:pipelines_gem:BTC"].geometry.geom_type == "LineString"
    assert places.loc["ref:breakaway:B38"].geometry.geom_type == "Polygon"


def test_place_layer_figures_and_links(mentions):
    baku = place_layer(mentions).set_index("place_key").loc["geonames:587084"]
    assert baku["mention_count"] == 2
    assert baku["articles"] == 2
    assert baku["article_ids"] == [1, 2]
    assert baku["max_confidence"] == pytest.approx(0.9)
    assert baku["mean_confidence"] == pytest.approx(0.7)
    assert baku["precision"] == 1  # the finest precision of its mentions
    assert baku["precision_label"] == "settlement"
    assert (baku["first_published"], baku["last_published"]) == ("2020-10-20", "2020-10-24")


def test_place_layer_of_nothing_is_empty_with_columns(mentions):
    empty = place_layer(mentions.iloc[0:0])
    assert empty.empty and list(empty.columns) == PLACE_COLUMNS
    only_metonymic = place_layer(mentions.loc[mentions["metonymic"] == 1])
    assert only_metonymic.empty


def test_bad_geometry_json_falls_back_to_the_point():
    m = pd.DataFrame([mention(1, feature_type="region", precision=3, geometry="{broken")])
    assert place_layer(m).geometry.iloc[0].geom_type == "Point"


def test_mention_table_lists_every_mention_of_a_place(mentions):
    table = mention_table(mentions, "geonames:587084")
    assert list(table["mention_id"]) == [1, 3, 2]  # by date, then article, then position
    assert list(table["metonymic"]) == [False, True, False]
    assert {"sentence", "source", "title", "confidence", "precision_label", "runner_up_name"} <= set(table.columns)
    assert mention_table(mentions, "nowhere").empty
    assert mention_table(mentions, None).empty


def test_reference_layers_are_read():
    layers = reference_layers(REFERENCE_DIR)  # every profile's own layers: the Karabakh war's
    assert list(layers) == ["countries_south_caucasus", "admin1_aze_arm", "nagorno_karabakh_pre2020",
                            "borders_pairwise", "pipelines_gem"]
    assert layers["pipelines_gem"].attrs["layer_name"] == "Pipelines"
    for name, gdf in layers.items():
        assert not gdf.empty, name
        assert gdf.crs.to_epsg() == 4326
    assert set(layers["pipelines_gem"].geom_type) <= {"LineString", "MultiLineString"}
    assert set(layers["borders_pairwise"].geom_type) <= {"LineString", "MultiLineString"}
    assert set(layers["nagorno_karabakh_pre2020"].geom_type) <= {"Polygon", "MultiPolygon"}
    assert reference_layers(REFERENCE_DIR / "missing") == {}


def test_basemap_is_simplified_and_draws_no_band_round_the_world():
    basemap = basemap_layer(REFERENCE_DIR)
    assert len(basemap) > 200
    raw = sum(len(shapely.get_coordinates(g)) for g in basemap_layer(REFERENCE_DIR, tolerance=0, grid=0).geometry)
    simple = sum(len(shapely.get_coordinates(g)) for g in basemap.geometry)
    assert simple < raw / 2
    for geom in basemap.geometry:
        for part in getattr(geom, "geoms", [geom]):
            minx, miny, maxx, maxy = part.bounds
            assert maxx - minx <= 180 or max(abs(miny), abs(maxy)) > 60, part.bounds  # Antarctica


def test_fix_antimeridian_unwraps_a_crossing_ring():
    fiji = Polygon([(179.5, -16.5), (-179.5, -16.5), (-179.5, -16.0), (179.5, -16.0)])
    fixed = fix_antimeridian(fiji)
    minx, _, maxx, _ = fixed.bounds
    assert maxx - minx == pytest.approx(1.0)
    assert fixed.area == pytest.approx(0.5)
    small = Polygon([(46, 39), (47, 39), (47, 40)])
    assert fix_antimeridian(small) is small


def test_place_at_points_lines_then_smallest_area(mentions):
    places = place_layer(mentions)
    assert place_at(places, 40.3777, 49.892) == "geonames:587084"
    assert place_at(places, 41.7, 44.81) == "ref:pipelines_gem:BTC"  # near the line
    assert place_at(places, 39.5, 46.5) == "ref:breakaway:B38"  # inside the region
    assert place_at(places, 10.0, 10.0) is None
    assert place_at(places.iloc[0:0], 40.0, 49.0) is None


def test_synthetic_mentions_make_n_places():
    m = synthetic_mentions(1000, mentions_per_place=3)
    assert len(m) == 3000
    places = place_layer(m)
    assert len(places) == 1000
    assert (places.geometry.geom_type == "Point").all()
    assert np.all(places["mention_count"] == 3)


def test_lines_are_kept_as_lines():
    line = json.dumps(LineString([(44.0, 41.0), (46.0, 41.5)]).__geo_interface__)
    m = pd.DataFrame([mention(1, feature_type="border", precision=5, geometry=line)])
    assert place_layer(m).geometry.iloc[0].geom_type == "LineString"


def test_review_table_has_a_row_per_place_and_per_unresolved_name():
    rows = pd.DataFrame([
        mention(1, confidence=0.9, runner_up_name="Baku (district)"),
        mention(2, article_id=2, text="BAKU", confidence=None, precision=3, metonymic=1,
                runner_up_name="Baku (district)"),
        mention(3, article_id=2, text="Bakou", confidence=0.6, runner_up_name="Bakı"),
        mention(4, text="Xyzville", place_key=None, place_name=None, feature_type=None, country=None, lat=None,
                lon=None, confidence=None, precision=None),
        mention(5, article_id=3, text="xyzville!", place_key=None, place_name=None, feature_type=None, country=None,
                lat=None, lon=None, confidence=None, precision=None),
        mention(6, text="Minsk Group", not_a_place=1, place_key=None, place_name=None),
    ])
    shown = reviewable_mentions(rows)
    assert shown["mention_id"].tolist() == [1, 2, 3, 4, 5]
    assert reviewable_mentions(rows, show_unresolved=False)["mention_id"].tolist() == [1, 2, 3]
    table = review_table(shown, corrected_ids={3, 5})
    assert table.columns.tolist() == REVIEW_COLUMNS
    baku, xyz = table.iloc[0].to_dict(), table.iloc[1].to_dict()
    assert {k: baku[k] for k in ("key", "place", "feature_type", "country", "mentions", "articles", "written_as",
                                 "min_confidence", "precision", "runner_up", "metonymic", "corrected")} == {
        "key": "geonames:587084", "place": "Baku", "feature_type": "settlement", "country": "AZ", "mentions": 3,
        "articles": 2, "written_as": "BAKU; Bakou; Baku", "min_confidence": 0.0, "precision": "settlement",
        "runner_up": "Baku (district)", "metonymic": 1, "corrected": 1}
    assert baku["mean_confidence"] == 0.5 and (baku["lat"], baku["lon"]) == (40.3777, 49.892)
    # Names resolved to no place are grouped by their normalised spelling.
    assert xyz["key"].startswith("unresolved:") and xyz["place"] == "(unresolved) Xyzville"
    assert (xyz["mentions"], xyz["corrected"], xyz["feature_type"], xyz["precision"]) == (2, 1, "", "")
    assert pd.isna(xyz["lat"]) and xyz["runner_up"] == ""
    assert review_table(shown.iloc[0:0], set()).columns.tolist() == REVIEW_COLUMNS
    # The mentions of one row, oldest first, flagged as on the Map page.
    listed = review_mentions(shown, xyz["key"], corrected_ids={5})
    assert listed["mention_id"].tolist() == [4, 5] and listed["corrected"].tolist() == [False, True]
    baku_rows = review_mentions(shown, "geonames:587084", set())
    assert baku_rows["metonymic"].tolist() == [False, True, False]
    assert baku_rows["mention_id"].tolist() == mention_table(rows, "geonames:587084")["mention_id"].tolist()
