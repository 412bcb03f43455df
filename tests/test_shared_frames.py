"""geo.app.data.shared_frames: one cached frame per process, handed out as shallow copies that
callers may modify (pandas copy-on-write) without changing what the next caller gets."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geo.app.data import shared_frames


def _loader():
    calls: list[int] = []

    @shared_frames(max_entries=2)
    def load(version: int) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
        calls.append(version)
        places = gpd.GeoDataFrame({"name": ["Martuni", "Shusha"], "count": [1, 2],
                                   "tags": [["a"], ["b"]]},
                                  geometry=[Point(47.2, 39.8), Point(46.75, 39.76)], crs="EPSG:4326")
        return places, pd.DataFrame({"claim_id": [1, 2], "text": ["x", "y"]})

    return load, calls


def test_a_caller_changing_its_frame_leaves_the_cached_frame_as_it_was() -> None:
    load, calls = _loader()
    places, claims = load(1)
    assert calls == [1]
    places["count"] = 99  # a column replaced
    places.loc[0, "name"] = "changed"  # a cell set
    places["extra"] = True  # a column added
    places.sort_values("name", ascending=False, inplace=True)
    places.geometry.iloc[0]  # read only
    places.loc[1, "geometry"] = Point(0, 0)  # a geometry set
    claims.drop(columns="text", inplace=True)
    again, claims_again = load(1)
    assert calls == [1]  # loaded once: the second call got the cached frames
    assert list(again["name"]) == ["Martuni", "Shusha"]
    assert list(again["count"]) == [1, 2]
    assert "extra" not in again.columns
    assert again.geometry.iloc[1].equals(Point(46.75, 39.76))
    assert list(claims_again.columns) == ["claim_id", "text"]
    assert isinstance(again, gpd.GeoDataFrame) and again.crs == "EPSG:4326"


def test_each_call_is_a_new_frame_object_over_the_same_data() -> None:
    load, _ = _loader()
    first, _ = load(11)
    second, _ = load(11)
    assert first is not second
    assert first["count"].to_numpy() is not None
    assert pd.testing.assert_frame_equal(pd.DataFrame(first), pd.DataFrame(second)) is None


def test_versions_are_cached_apart_and_old_ones_dropped() -> None:
    load, calls = _loader()  # (Streamlit keys its caches by the function's code: versions unused above)
    load(21), load(22), load(23)
    load(23)
    assert calls == [21, 22, 23]
    load(21)  # dropped (max_entries=2): loaded again
    assert calls == [21, 22, 23, 21]
