"""geo.layers.viewport: the view's places (bounds plus a margin) and their aggregation by zoom."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point
from synthetic_data import synthetic_mentions

from geo.layers.places import place_layer
from geo.layers.viewport import (
    FEATURE_COLUMNS,
    MAX_FEATURES,
    Bounds,
    aggregate_places,
    bounds_from_leaflet,
    cell_level,
    claim_counts,
    claims_in_view,
    disputed_counts,
    places_in_view,
)
from geo.mapping.features import compact_layer_json


def synthetic_places(n: int, seed: int = 0) -> pd.DataFrame:
    """A place layer of ``n`` points spread over the whole world (as place_layer's columns)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "place_key": [f"synthetic:{i}" for i in range(n)],
        "place_name": [f"Place {i}" for i in range(n)],
        "feature_type": "settlement",
        "max_confidence": rng.uniform(0.3, 1.0, n),
        "mention_count": rng.integers(1, 50, n),
        "lat": rng.uniform(-80, 80, n),
        "lon": rng.uniform(-180, 180, n),
    })


@pytest.fixture(scope="module")
def big() -> pd.DataFrame:
    return synthetic_places(100_000)


@pytest.mark.parametrize("zoom", [1, 3, 5, 7, 9])
def test_low_zoom_sends_a_bounded_number_of_features_for_100k_places(big, zoom):
    features = aggregate_places(big, zoom)  # no bounds: the whole store
    assert 0 < len(features) <= MAX_FEATURES
    assert list(features.columns) == FEATURE_COLUMNS
    assert int(features["places"].sum()) == len(big)  # every place is counted once
    assert int(features["mentions"].sum()) == int(big["mention_count"].sum())
    assert (features["kind"] == "cluster").any()


def test_a_viewport_bounds_the_features_at_any_zoom(big):
    view = Bounds(south=35, west=40, north=45, east=55)
    for zoom in (4, 6, 8, 10, 12, 16):
        features = aggregate_places(big, zoom, view)
        assert len(features) <= MAX_FEATURES
        inside = places_in_view(big, view)
        assert int(features["places"].sum()) == len(inside)


def test_exact_counts_and_label_of_a_cell():
    places = pd.DataFrame({
        "place_key": ["a", "b", "c", "d", "far"],
        "place_name": ["Aghdam", "Barda", "Tartar", "Agdere", "Lisbon"],
        "feature_type": "settlement", "max_confidence": 0.9,
        "mention_count": [3, 7, 7, 1, 2],
        "lat": [40.01, 40.02, 40.03, 40.04, 38.7], "lon": [46.91, 46.92, 46.93, 46.94, -9.1],
    })
    claims = pd.Series({"a": 2, "c": 1, "far": 4})
    features = aggregate_places(places, 5, claims=claims, few=0)
    cluster = features.loc[features["kind"] == "cluster"].iloc[0]
    assert (cluster["places"], cluster["mentions"], cluster["claims"]) == (4, 18, 3)
    assert cluster["label"] == "Barda"  # most mentioned; Barda and Tartar tie at 7: the first name
    assert cluster["style"] == "cluster-s"
    assert cluster["key"].startswith(f"cell:{cell_level(5)}:")
    # drawn at the mention-weighted mean position of its places
    assert cluster["lat"] == pytest.approx((40.01 * 3 + 40.02 * 7 + 40.03 * 7 + 40.04) / 18, abs=1e-5)
    alone = features.loc[features["key"] == "far"].iloc[0]  # a cell of one place sends the place
    assert (alone["kind"], alone["label"], alone["claims"], alone["places"]) == ("place", "Lisbon", 4, 1)
    assert alone["style"] == "settlement-4"


def test_high_zoom_and_few_places_send_individual_places(big):
    view = Bounds(south=40.0, west=46.0, north=40.5, east=46.8)
    inside = places_in_view(big, view)
    assert 0 < len(inside) <= MAX_FEATURES
    features = aggregate_places(big, 12, view)
    assert (features["kind"] == "place").all()
    assert set(features["key"]) == set(inside["place_key"])
    few = synthetic_places(30)
    assert (aggregate_places(few, 2)["kind"] == "place").all()  # few places: one by one at any zoom
    assert len(aggregate_places(few, 2, few=0)) < 30


def test_the_aggregation_takes_a_place_layer():
    places = place_layer(synthetic_mentions(2000, mentions_per_place=3))
    features = aggregate_places(places, 6)
    assert int(features["mentions"].sum()) == 6000 and int(features["places"].sum()) == 2000
    assert (features["kind"] == "cluster").any()
    assert aggregate_places(places.iloc[:0], 6).empty


def test_viewport_filter_keeps_the_bounds_plus_a_margin():
    p = pd.DataFrame({"place_key": list("abcde"), "lat": [40.0, 41.2, 42.0, 40.0, -40.0],
                      "lon": [47.0, 47.0, 47.0, 48.2, 47.0]})
    view = Bounds(south=39.0, west=46.0, north=41.0, east=48.0)
    assert places_in_view(p, view, margin=0)["place_key"].tolist() == ["a"]
    assert places_in_view(p, view)["place_key"].tolist() == ["a", "b", "d"]  # 0.25 of 2 degrees: 0.5
    assert places_in_view(p, None)["place_key"].tolist() == list("abcde")


def test_viewport_filter_wraps_longitudes_and_keeps_lines_reaching_in():
    gdf = gpd.GeoDataFrame({"place_key": ["fiji", "pipe", "point"], "lat": [-17.8, 30.0, 0.0],
                            "lon": [178.0, 10.0, 0.0]},
                           geometry=[Point(178.0, -17.8), LineString([(0, 30), (45, 40)]), Point(0, 0)],
                           crs="EPSG:4326")
    # Leaflet reports longitudes past 180 after panning east across the antimeridian
    across = bounds_from_leaflet({"_southWest": {"lat": -25, "lng": 175}, "_northEast": {"lat": -10, "lng": 190}})
    assert places_in_view(gdf, across, margin=0)["place_key"].tolist() == ["fiji"]
    # the pipeline's point is far away, but its line reaches into the view
    assert places_in_view(gdf, Bounds(35, 40, 42, 50), margin=0)["place_key"].tolist() == ["pipe"]
    world = bounds_from_leaflet({"_southWest": {"lat": -85, "lng": -400}, "_northEast": {"lat": 85, "lng": 400}})
    assert world == Bounds(-85, -180, 85, 180)
    assert len(places_in_view(gdf, world)) == 3


@pytest.mark.parametrize("bad", [None, {}, "x", {"_southWest": {"lat": "a", "lng": 1}, "_northEast": {"lat": 2, "lng": 3}},
                                 {"_southWest": {"lat": 50, "lng": 1}, "_northEast": {"lat": 10, "lng": 3}},
                                 {"_southWest": {"lat": float("nan"), "lng": 1}, "_northEast": {"lat": 10, "lng": 3}}])
def test_unusable_bounds_are_none(bad):
    assert bounds_from_leaflet(bad) is None


def test_claim_counts_counts_distinct_claims_per_place():
    claims = pd.DataFrame({"claim_id": [1, 1, 2, 3, 4], "place_key": ["a", "a", "a", "b", None]})
    assert claim_counts(claims).to_dict() == {"a": 2, "b": 1}
    assert claim_counts(None).empty


def test_compact_json_is_small_and_escaped(big):
    features = aggregate_places(big, 5)
    text = compact_layer_json(features)
    data = json.loads(text)
    assert set(data) == set(FEATURE_COLUMNS) and len(data["key"]) == len(features)
    assert len(text.encode()) < 200 * len(features)  # well under 1 MB for the bounded feature count
    hostile = features.iloc[:1].assign(label="<img src=x onerror=alert(1)>${x}`")
    out = compact_layer_json(hostile)
    assert "<img" not in out and "${" not in out and "`" not in out


def _claim_rows(n: int, lat: float = 40.2, lon: float = 46.2, text: str = "Shelling near the town, the ministry said.",
                seed: int = 1) -> gpd.GeoDataFrame:
    """A claim layer's rows (as geo.layers.claim_layer gives them) of ``n`` claims near a spot."""
    rng = np.random.default_rng(seed)
    lats, lons = lat + rng.uniform(-0.05, 0.05, n), lon + rng.uniform(-0.05, 0.05, n)
    df = pd.DataFrame({
        "claim_id": np.arange(1, n + 1), "article_id": 1, "claimant": ["Armenia", "Azerbaijan"] * (n // 2) + ["Armenia"] * (n % 2),
        "claimant_text": "the ministry", "text": text, "date": "2020-10-02", "date_end": None, "date_precision": "day",
        "kind": "military", "stance": "assert", "disputed": [i % 3 == 0 for i in range(n)],
        "disputed_by": [["Armenia"] if i % 3 == 0 else [] for i in range(n)], "disputing_claim_ids": [[]] * n,
        "source": "Agency A", "title": "A report", "published": "2020-10-02",
        "place_key": [f"synthetic:{i}" for i in range(n)], "place_name": [f"Place {i}" for i in range(n)],
        "feature_type": "settlement", "approximate": False, "lat": lats, "lon": lons, "n_sources": 1,
        "cluster_sources": None,
    })
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(lons, lats), crs="EPSG:4326")


def test_disputed_claims_are_counted_per_place_and_summed_per_cluster():
    claims = pd.DataFrame({"claim_id": [1, 2, 2, 3, 4], "place_key": ["a", "a", "b", "b", "c"],
                           "disputed": [True, True, True, False, None]})
    assert disputed_counts(claims).to_dict() == {"a": 2, "b": 1}
    assert disputed_counts(claims.drop(columns="disputed")).empty and disputed_counts(None).empty
    places = pd.DataFrame({"place_key": ["a", "b", "c"], "place_name": ["A", "B", "C"], "feature_type": "settlement",
                           "max_confidence": 0.9, "mention_count": 1, "lat": [40.01, 40.02, 40.03],
                           "lon": [46.91, 46.92, 46.93]})
    cluster = aggregate_places(places, 5, claims=claim_counts(claims), disputed=disputed_counts(claims), few=0).iloc[0]
    # summed over the places (claim 2 names a and b: counted at each, as on the places themselves)
    assert (cluster["kind"], cluster["claims"], cluster["disputed"]) == ("cluster", 5, 3)
    alone = aggregate_places(places, 12, claims=claim_counts(claims), disputed=disputed_counts(claims))
    assert alone.set_index("key")["disputed"].to_dict() == {"a": 2, "b": 1, "c": 0}


def test_claims_are_drawn_one_by_one_only_when_zoomed_in_and_few():
    view = Bounds(south=40.1, west=46.1, north=40.3, east=46.3)
    near = _claim_rows(300)
    far = _claim_rows(50, lat=10.0, lon=10.0)
    claims = pd.concat([near, far], ignore_index=True)
    assert claims_in_view(claims, 5, view).empty  # zoomed out, 300 in view: counts only
    drawn = claims_in_view(claims, 12, view)
    assert len(drawn) == 300 and (drawn["lat"] > 39).all()  # zoomed in: those in view (plus margin) only
    assert len(claims_in_view(claims, 5, view, few=300)) == 300  # few enough: at any zoom
    assert claims_in_view(claims, 14, view, max_claims=299).empty  # too many even zoomed in: counts only
    assert claims_in_view(claims.iloc[:0], 12, view).empty and claims_in_view(None, 12, view).empty


def test_the_view_layer_draws_the_claims_in_view_escaped():
    import folium
    import streamlit_folium

    from geo.mapping.build import view_layer
    from geo.mapping.elements import CompactLayer, ViewClaims

    places = synthetic_places(20)
    claims = _claim_rows(5, text="<img src=x onerror=alert(1)> said ${x} `{{7*7}}`")
    group = view_layer(aggregate_places(places, 12), claims)
    children = list(group._children.values())
    assert isinstance(children[0], ViewClaims) and isinstance(children[1], CompactLayer)  # claims under places
    script = streamlit_folium._get_feature_group_string(group, folium.Map())
    assert "claimAtlas.claimTables(" in script and "claimAtlas.claimLayer(" in script
    assert "<img" not in script and "${" not in script and "{{7" not in script and "`" not in script
    assert "&lt;img" in script or "\\u0026lt;img" in script
    data = json.loads(children[0].data_json)
    assert len(data["g"]) == 5
    assert {p["claimant"] for p in children[0].properties} == {"Armenia", "Azerbaijan"}
    assert sum(p["disputed"] for p in children[0].properties) == 2  # claims 1 and 4 (every third)
    assert view_layer(aggregate_places(places, 12)).get_root() is not None  # no claims: places only
