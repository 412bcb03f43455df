"""The on-disk cache of built layers (geo.layers.reference.cached_layers) and the app's warm-up."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from geo.layers.reference import cached_layers


def _layers() -> dict[str, gpd.GeoDataFrame]:
    gdf = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[box(0, 0, 1, 1), box(2, 2, 3, 4)], crs="EPSG:4326")
    gdf.attrs["layer_name"] = "Squares"
    return {"squares": gdf}


def _source_and_counted_build(tmp_path: Path) -> tuple[Path, list[int], Callable[[], dict]]:
    """A source file, and a build of ``_layers`` that counts its calls."""
    source = tmp_path / "source.geojson"
    source.write_text("{}")
    calls: list[int] = []

    def build() -> dict[str, gpd.GeoDataFrame]:
        calls.append(1)
        return _layers()

    return source, calls, build


def test_built_once_then_read_back_equal(tmp_path: Path) -> None:
    source, calls, build = _source_and_counted_build(tmp_path)
    first = cached_layers(tmp_path / "cache", "test", [source], build)
    again = cached_layers(tmp_path / "cache", "test", [source], build)
    assert len(calls) == 1
    assert again["squares"].geometry.geom_equals_exact(first["squares"].geometry, 0).all()
    assert list(again["squares"]["name"]) == ["a", "b"] and again["squares"].crs == first["squares"].crs
    assert again["squares"].attrs["layer_name"] == "Squares"


def test_a_changed_source_rebuilds(tmp_path: Path) -> None:
    source, calls, build = _source_and_counted_build(tmp_path)
    cached_layers(tmp_path / "cache", "test", [source], build)
    source.write_text('{"changed": true}')
    cached_layers(tmp_path / "cache", "test", [source], build)
    assert len(calls) == 2


def test_a_damaged_cache_is_rebuilt_and_an_unwritable_one_only_builds(tmp_path: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    source = tmp_path / "source.geojson"
    source.write_text("{}")
    cache = tmp_path / "cache"
    cached_layers(cache, "test", [source], _layers)
    for part in cache.glob("*.parquet"):
        part.write_bytes(b"not parquet")
    out = cached_layers(cache, "test", [source], _layers)
    assert list(out["squares"]["name"]) == ["a", "b"]
    assert "unreadable" in caplog.text
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder would be")
    assert list(cached_layers(blocked / "cache", "test", [source], _layers)["squares"]["name"]) == ["a", "b"]
    assert cached_layers(None, "test", [source], _layers)["squares"].attrs["layer_name"] == "Squares"


def test_warm_up_runs_once_per_process_and_not_when_off(monkeypatch: pytest.MonkeyPatch) -> None:
    import geo.app.resources as resources

    started: list[str] = []
    monkeypatch.setattr(resources, "_warm", lambda mode: started.append(mode))
    monkeypatch.setattr(resources, "_warm_up_started", False)
    monkeypatch.setenv("CLAIM_ATLAS_WARM_UP", "off")
    resources.warm_up()
    monkeypatch.setenv("CLAIM_ATLAS_WARM_UP", "layers")
    resources.warm_up()
    resources.warm_up()
    for thread in threading.enumerate():
        if thread.name == "claim-atlas-warm-up":
            thread.join(timeout=10)
    assert started == ["layers"]


def test_warm_up_loads_the_layers_the_map_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    import geo.app.resources as resources

    resources._world.clear()
    resources._reference.clear()
    resources._warm("layers")
    stamp = resources._reference_stamp()
    world = resources._world(*stamp)  # a cache hit: the same objects
    assert world is resources._world(*stamp) and len(world["countries"]) > 200
    assert "basemap" in resources._reference(*stamp)
    assert any((resources.get_settings().home / "cache" / "layers").glob("world-*.json"))
