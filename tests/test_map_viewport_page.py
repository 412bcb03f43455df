"""The Map page on a store of many places: the view's places go as one swappable data layer of
compact features (st_folium's ``feature_group_to_add``), clusters when zoomed out, places when
zoomed in. Run headless with AppTest; st_folium is replaced by a fake that keeps what it is given."""

from __future__ import annotations

from typing import Any

import folium
import pytest
from streamlit.testing.v1 import AppTest
from synthetic_data import write_synthetic_store

from geo.config import PROJECT_ROOT
from geo.layers.viewport import MAX_FEATURES, MAX_VIEW_CLAIMS
from geo.mapping.elements import ClaimKey, ClaimLayer, CompactLayer, ViewClaims

APP = str(PROJECT_ROOT / "app.py")


class FakeFolium:
    def __init__(self) -> None:
        self.calls: list[tuple[folium.Map, dict[str, Any]]] = []

    def __call__(self, fig: folium.Map, **kwargs: Any) -> dict:
        self.calls.append((fig, kwargs))
        return {}


@pytest.fixture(params=[False], ids=["no-claims"])
def many(tmp_path, monkeypatch, request):
    import streamlit_folium

    path = tmp_path / "many.sqlite"
    write_synthetic_store(path, 3000, claims=request.param)
    monkeypatch.setenv("CLAIM_ATLAS_DB", str(path))
    fake = FakeFolium()
    monkeypatch.setattr(streamlit_folium, "st_folium", fake)
    return fake


def _layer_script(kwargs: dict) -> str:
    group = kwargs["feature_group_to_add"]
    assert isinstance(group, folium.FeatureGroup)
    child = next(c for c in group._children.values() if isinstance(c, CompactLayer))
    return child.data_json


def _view_claims(kwargs: dict) -> list[ViewClaims]:
    return [c for c in kwargs["feature_group_to_add"]._children.values() if isinstance(c, ViewClaims)]


def _reported(south, west, north, east, zoom) -> dict:
    return {"bounds": {"_southWest": {"lat": south, "lng": west}, "_northEast": {"lat": north, "lng": east}},
            "center": {"lat": (south + north) / 2, "lng": (west + east) / 2}, "zoom": zoom, "last_object_clicked": None}


def test_zoomed_out_sends_clusters_and_zoomed_in_sends_places(many):
    import json

    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"lat": "40.7", "lon": "46.7", "zoom": "5"})
    at.switch_page("pages/map.py").run()
    assert not at.exception, [e.value for e in at.exception]
    fig, kwargs = many.calls[-1]
    assert "bounds" in kwargs["returned_objects"]
    out = json.loads(_layer_script(kwargs))
    assert 0 < len(out["key"]) <= MAX_FEATURES < 3000
    assert "cluster" in out["kind"]
    assert sum(out["places"]) == 3000  # the whole synthetic area is in view at zoom 5
    rendered = fig.get_root().render()
    assert "synthetic:1" not in rendered  # the map itself holds no place: the data layer does

    # the browser reports a zoomed-in view (the page reads what st_folium stored under its key)
    at.session_state["map"] = _reported(40.0, 46.0, 40.3, 46.4, 12)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    out = json.loads(_layer_script(many.calls[-1][1]))
    assert out["kind"] and set(out["kind"]) == {"place"}
    assert all(key.startswith("synthetic:") for key in out["key"])
    assert all(39.8 < lat < 40.5 for lat in out["lat"])  # the view plus its margin only
    # the map the browser has is the same: only the data layer changed
    assert many.calls[-1][0].location == fig.location and many.calls[-1][0].options["zoom"] == fig.options["zoom"]


def test_a_link_to_a_place_opens_on_it(many):
    import json

    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["place"] = "synthetic:7"
    at.switch_page("pages/map.py").run()
    assert not at.exception, [e.value for e in at.exception]
    fig, kwargs = many.calls[-1]
    assert fig.options["zoom"] == 10
    out = json.loads(_layer_script(kwargs))
    assert "synthetic:7" in out["key"] and set(out["kind"]) == {"place"}


@pytest.mark.parametrize("many", [True], indirect=True, ids=["claims"])
def test_claims_are_counted_zoomed_out_and_drawn_zoomed_in(many):
    import json

    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"lat": "40.7", "lon": "46.7", "zoom": "5"})
    at.switch_page("pages/map.py").run()
    assert not at.exception, [e.value for e in at.exception]
    fig, kwargs = many.calls[-1]
    # zoomed out: the 3,000 claims are counts on the features (600 disputed: every fifth), none drawn
    out = json.loads(_layer_script(kwargs))
    assert sum(out["claims"]) == 3000 and sum(out["disputed"]) == 600
    assert _view_claims(kwargs) == []
    # the map itself holds no claim layer, only the claims' legend
    children = list(fig._children.values())
    assert not any(isinstance(c, ClaimLayer) for c in children)
    assert any(isinstance(c, ClaimKey) for c in children)

    at.session_state["map"] = _reported(40.0, 46.0, 40.3, 46.4, 12)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    kwargs = many.calls[-1][1]
    (drawn,) = _view_claims(kwargs)
    assert 0 < len(drawn.properties) <= MAX_VIEW_CLAIMS
    data = json.loads(drawn.data_json)
    assert all(39.8 < g["coordinates"][1] < 40.5 for g in data["g"])  # the view plus its margin only
    assert {p["claimant"] for p in drawn.properties} <= {"Azerbaijan", "Armenia", "Nagorno-Karabakh authorities",
                                                         "Russia"}
    assert any(p["disputed"] for p in drawn.properties)
    # every claim drawn has its popup row (claimant, date, text ...)
    assert {str(p["claim_id"]) for p in drawn.properties} <= set(json.loads(drawn.claims_json))
    assert any("claims drawn one by one" in c.value for c in at.caption)
