"""The first visit of a freshly installed and of a restarted app (issue 14, point 3), in a real
browser: on an empty CLAIM_ATLAS_HOME the simplified layers are written to the layer cache while
the Map page loads; a restarted app on the same home reads them back (the files are not
rewritten) and draws the same map. (How long it takes: scripts/benchmark_first_visit.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from map_frame import MAP_FRAME

pytestmark = pytest.mark.e2e

def _visit_map(page: Any, url: str) -> int:
    page.goto(f"{url}/map", wait_until="domcontentloaded")
    page.locator(MAP_FRAME).wait_for(state="attached", timeout=120_000)
    claims = page.frame_locator(MAP_FRAME).locator("path.ca-claim")
    claims.first.wait_for(state="attached", timeout=60_000)
    return int(claims.count())


def test_a_fresh_app_shows_what_it_loads_and_a_restarted_one_reads_its_layer_cache(
        streamlit_server: Any, browser_page: Any, new_browser_page: Any, corpus_store: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {"CLAIM_ATLAS_DB": str(corpus_store), "CLAIM_ATLAS_HOME": str(home)}
    page = browser_page
    first = _visit_map(page, streamlit_server("app.py", extra_env=env))
    cache = home / "cache" / "layers"
    written = {p.name: p.stat().st_mtime_ns for p in cache.glob("*")}
    assert any(n.startswith("world-") and n.endswith(".json") for n in written), written
    assert any(n.startswith("reference-") and n.endswith(".json") for n in written), written

    other = new_browser_page()
    assert _visit_map(other, streamlit_server("app.py", extra_env=env)) == first
    assert {p.name: p.stat().st_mtime_ns for p in cache.glob("*")} == written  # read back, not rebuilt
    for p in (page, other):
        assert p.outside_requests == [], p.outside_requests

