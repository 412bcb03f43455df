"""The map of each war's theatre, in a real browser: for every shipped conflict profile, two
made-up articles (tests/fixtures/theatres/<profile>/) are ingested with the CLI into a store of
their own, `streamlit run app.py` serves it, and the Map page must draw that war's layers and open
on its places. The Karabakh war is the bundled corpus. Saves <profile>.png per profile (into
docs/screenshots/ when scripts/screenshot.sh runs it, else test-results/screenshots/).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from map_frame import MAP_FRAME

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "theatres"
SCREENSHOTS = Path(os.environ.get("CLAIM_ATLAS_THEATRE_SCREENSHOTS", REPO_ROOT / "test-results" / "screenshots"))


@dataclass(frozen=True)
class Expected:
    name: str  # the profile's name, as the page's "Theatre:" caption gives it
    parties: frozenset[str]  # claimants the articles' claims must have
    inside: tuple[float, float]  # a (lat, lon) of the war the opening view must show
    world_layers: bool  # drawn from the world layers (else from the profile's own layers)


EXPECTED = {
    "karabakh-2020": Expected("Nagorno-Karabakh war (2020)", frozenset({"Armenia", "Azerbaijan"}),
                              (39.82, 46.75), world_layers=False),
    "russia-ukraine": Expected("Russia-Ukraine war", frozenset({"Russia", "Ukraine"}), (48.46, 35.04), True),
    "sudan": Expected("War in Sudan", frozenset({"RSF", "Sudan"}), (15.5, 32.53), True),
    "israel-gaza-lebanon": Expected("Israel-Gaza-Lebanon war", frozenset({"Israel", "Hamas", "Hezbollah"}),
                                    (31.5, 34.45), True),
    "drc-m23": Expected("DR Congo - M23", frozenset({"M23", "Rwanda"}), (-1.68, 29.22), True),
}


def _ingest(folder: Path, db: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "geo", "ingest", str(folder), "--db", str(db), "-q"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


def _claimants(db: Path) -> set[str]:
    from geo.store.sqlite import Store

    store = Store(db)
    try:
        return set(store.claims_df()["claimant"])
    finally:
        store.close()


def _map_bounds(page: Any) -> tuple[float, float, float, float]:
    """South, west, north, east of the Leaflet map as the reader sees it (streamlit-folium keeps the
    map in its frame's ``window.map``)."""
    frame = page.locator(MAP_FRAME).element_handle().content_frame()
    frame.wait_for_function("() => window.map && window.map.getBounds", timeout=30_000)
    page.wait_for_timeout(1000)  # fitBounds has ended
    return tuple(frame.evaluate(
        "() => { const b = window.map.getBounds(); return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]; }"))


@pytest.mark.parametrize("profile", list(EXPECTED))
def test_map_draws_the_theatre_of_each_war(profile: str, streamlit_server: Any, browser_page: Any,
                                           corpus_store: Path, tmp_path: Path) -> None:
    expected = EXPECTED[profile]
    if profile == "karabakh-2020":
        db = corpus_store
    else:
        db = tmp_path / f"{profile}.sqlite"
        _ingest(FIXTURES / profile, db)
    assert expected.parties <= _claimants(db)  # the articles' claims have their war's parties

    url = streamlit_server("app.py", extra_env={"CLAIM_ATLAS_DB": str(db)})
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 1100})
    page.goto(f"{url}/map", wait_until="domcontentloaded")
    page.locator(MAP_FRAME).wait_for(state="attached", timeout=90_000)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-container").first.wait_for(state="visible", timeout=30_000)
    frame.locator("path.ca-points, path.ca-areas").first.wait_for(state="attached", timeout=30_000)

    caption = page.get_by_text("Theatre:").first
    caption.wait_for(state="visible", timeout=30_000)
    assert expected.name in caption.inner_text()

    overlays = frame.locator(".leaflet-control-layers-overlays").text_content() or ""
    if expected.world_layers:
        assert "Countries of the theatre" in overlays and "Provinces and regions of the theatre" in overlays
        # fetched from their static files (one per country) after the map is drawn
        frame.locator("path.ca-ref-theatre_admin1").nth(4).wait_for(state="attached", timeout=30_000)
        assert frame.locator("path.ca-ref-theatre_countries").count() >= 2
        assert frame.locator("path.ca-ref-theatre_admin1").count() >= 5
        # The Caucasus layers belong to the Karabakh war only.
        assert "South Caucasus" not in overlays and "Pipelines" not in overlays
        assert frame.locator("path.ca-ref-countries_south_caucasus, path.ca-ref-pipelines_gem").count() == 0
    else:
        assert "Countries (South Caucasus)" in overlays and "Pipelines" in overlays
        frame.locator("path.ca-ref-pipelines_gem").nth(3).wait_for(state="attached", timeout=30_000)
        assert "of the theatre" not in overlays

    # The opening view frames the war's places, not the world.
    south, west, north, east = _map_bounds(page)
    lat, lon = expected.inside
    assert south < lat < north and west < lon < east, (south, west, north, east)
    assert east - west < 60, (south, west, north, east)

    page.wait_for_timeout(1000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{profile}.png"), full_page=True)
    assert page.outside_requests == [], page.outside_requests
    assert [r for r in page.bad_responses if "/_stcore/" not in r] == []


def test_a_link_filtered_to_a_conflict_opens_its_theatre(streamlit_server: Any, browser_page: Any,
                                                         tmp_path: Path) -> None:
    """``?conflict=`` is the sidebar's Conflict filter: on a store of the Sudan war, a link to the
    Karabakh war shows none of its articles and opens on the Karabakh war's view and layers; an
    unknown conflict is ignored with a note."""
    db = tmp_path / "sudan.sqlite"
    _ingest(FIXTURES / "sudan", db)
    url = streamlit_server("app.py", extra_env={"CLAIM_ATLAS_DB": str(db)})
    page = browser_page
    page.goto(f"{url}/map?conflict=karabakh-2020&conflict=atlantis", wait_until="domcontentloaded")
    page.get_by_text("Theatre: Nagorno-Karabakh war (2020)").first.wait_for(state="visible", timeout=90_000)
    page.get_by_text("Ignored the unknown conflict 'atlantis'").first.wait_for(state="visible", timeout=30_000)
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert "karabakh-2020" in sidebar.locator('[data-testid="stMultiSelect"]', has_text="Conflict").inner_text()
    assert "atlantis" not in page.url
    page.locator(MAP_FRAME).wait_for(state="attached", timeout=30_000)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-container").first.wait_for(state="visible", timeout=30_000)
    frame.locator("path.ca-ref-pipelines_gem").first.wait_for(state="attached", timeout=30_000)
    assert frame.locator("path.ca-points").count() == 0  # no article of the Sudan store is about Karabakh
    south, west, north, east = _map_bounds(page)
    assert south < 40.2 < north and west < 46.5 < east  # the profile's [view]
