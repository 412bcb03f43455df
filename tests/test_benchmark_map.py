"""scripts/benchmark_map.py --json: one row per store with places, claims, server seconds, bytes sent
and the browser's seconds (None without Chromium), measured on a small synthetic store."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest
from synthetic_data import write_synthetic_store

from geo.config import PROJECT_ROOT


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmark_map", PROJECT_ROOT / "scripts" / "benchmark_map.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_report_row_measures_the_map_page_of_a_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit_folium

    bench = _script()
    db = tmp_path / "many.sqlite"
    write_synthetic_store(db, 600, claims=True)
    monkeypatch.setattr(streamlit_folium, "_component_func", streamlit_folium._component_func)  # restored after
    monkeypatch.setenv("CLAIM_ATLAS_DB", str(db))
    row = bench.measure("600 places", db, repeat=1, browser=False)
    assert set(row) == {"store", "places", "claims", "server_s", "sent_bytes", "browser_s"}
    assert (row["places"], row["claims"], row["browser_s"]) == (600, 600, None)
    assert row["server_s"] > 0
    # more than FEW_PLACES: the map without places plus the view's compact features, a few KB
    assert 0 < row["sent_bytes"] < 300_000
    json.dumps({"runs": [row]})  # the report is plain JSON


def test_no_chromium_gives_no_browser_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHROMIUM_PATH", str(tmp_path / "no-such-chromium"))
    assert _script().time_browser(tmp_path / "any.sqlite", repeat=1) is None
