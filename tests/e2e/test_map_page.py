"""The Map page in a real browser: `streamlit run app.py` on a store of the bundled corpus, every
request that leaves localhost blocked. Saves map.png (into docs/ when scripts/screenshot.sh runs it, else test-results/); the
Timeline and Claims test saves timeline.png and claims.png beside it."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from gestures import brush_across
from map_frame import MAP_FRAME, visible_in_frame

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
ASSET_TYPES = {"script", "stylesheet", "font"}
# Into test-results/ by default, so a test run leaves the repository clean; scripts/screenshot.sh
# points these at docs/.
SCREENSHOT = Path(os.environ.get("CLAIM_ATLAS_SCREENSHOT", REPO_ROOT / "test-results" / "map.png"))
TIMELINE_SCREENSHOT = SCREENSHOT.with_name("timeline.png")
CLAIMS_SCREENSHOT = SCREENSHOT.with_name("claims.png")


def _claim_layer(db: Path):
    """The claims the pages draw (one feature per claim and place), read from the store."""
    from geo.layers.claims import claim_layer
    from geo.store.sqlite import Store

    store = Store(db)
    try:
        return claim_layer(store.claims_df(), store.claim_places_df(), store.mentions_df())
    finally:
        store.close()


def test_map_page_offline(streamlit_server: Any, browser_page: Any, corpus_store: Path) -> None:
    url = streamlit_server("app.py", extra_env={"CLAIM_ATLAS_DB": str(corpus_store)})
    page = browser_page
    layer_files: list[tuple[str, int]] = []  # the reference layers' static files the map fetched
    page.on("response", lambda r: layer_files.append((r.url, r.status)) if "/claim-atlas/layers/" in r.url else None)
    # Straight to the Map page of a fresh server: the first request is routed through app.py.
    page.goto(f"{url}/map", wait_until="domcontentloaded")
    page.locator(MAP_FRAME).wait_for(state="attached", timeout=90_000)
    frame = page.frame_locator(MAP_FRAME)
    container = frame.locator(".leaflet-container").first
    container.wait_for(state="visible", timeout=30_000)
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Overview" in nav and "Sources" in nav and "app" not in nav.split()  # app.py's navigation

    iframe_box = page.locator(MAP_FRAME).bounding_box()
    assert iframe_box is not None and iframe_box["height"] >= 600 and iframe_box["width"] > 600, iframe_box
    box = container.bounding_box()
    assert box is not None and box["height"] > 500, box

    points = frame.locator("path.ca-points, .marker-cluster")
    points.first.wait_for(state="attached", timeout=30_000)
    assert points.count() >= 2  # Khojavend (Martouni), Washington, Moscow
    assert frame.locator("path.ca-lines").count() >= 1  # the mentioned border and pipelines
    assert frame.locator("path.ca-areas").count() >= 1  # Nagorno-Karabakh, countries
    # The reference layers are fetched from Streamlit's static server (never inlined in the map's
    # script, never from outside localhost) and drawn under the places, the basemap lowest.
    frame.locator("path.ca-ref-pipelines_gem.leaflet-interactive").nth(3).wait_for(state="attached", timeout=30_000)
    frame.locator("path.ca-ref-basemap").first.wait_for(state="attached", timeout=30_000)
    frame.locator("path.ca-ref-nagorno_karabakh_pre2020").first.wait_for(state="attached", timeout=30_000)
    fetched = {re.sub(r"-[0-9a-f]{16}\.json$", "", url.rsplit("/", 1)[1]): status for url, status in layer_files}
    assert all(u.startswith(f"{url}/app/static/claim-atlas/layers/") for u, _status in layer_files), layer_files
    assert set(fetched) >= {"basemap", "countries_south_caucasus", "nagorno_karabakh_pre2020", "borders_pairwise",
                            "pipelines_gem"}, fetched
    assert set(fetched.values()) == {200}, fetched
    first_base, last_ref, first_place = frame.locator(".leaflet-overlay-pane svg").first.evaluate(
        """svg => { const ps = [...svg.querySelectorAll('path')];
                    const refs = ps.map((p, i) => p.classList.contains('ca-ref') ? i : -1);
                    return [ps.findIndex(p => p.classList.contains('ca-ref-basemap')), Math.max(...refs),
                            ps.findIndex(p => p.classList.contains('ca-place') || p.classList.contains('ca-claim'))]; }""")
    assert first_base == 0 and 0 <= last_ref < first_place, (first_base, last_ref, first_place)
    assert frame.locator("path.ca-ref-borders_pairwise.leaflet-interactive").count() >= 10
    assert frame.locator(".leaflet-control-layers").count() == 1
    # The claims: one circle per claim and place, disputed ones ringed red, those naming no place
    # drawn (paler) at their article's focus place; a legend of claimants.
    claims = _claim_layer(corpus_store)
    claim_paths = frame.locator("path.ca-claim")
    assert claim_paths.count() == len(claims) > 20
    assert frame.locator("path.ca-claim-disputed").count() == int(claims["disputed"].sum()) >= 2
    assert frame.locator("path.ca-claim-approx").count() == int(claims["approximate"].sum()) >= 1
    assert "Armenia" in (frame.locator(".ca-claim-legend").text_content() or "")  # folded or open
    assert "Global Energy Monitor" in frame.locator(".leaflet-control-attribution").inner_text()

    # A click on a settlement opens its popup (the sentence, name highlighted) and, through
    # streamlit-folium, lists its mentions under the map.
    # Chromium scrolls a partly hidden iframe into view on mousedown, so the mouseup would land
    # elsewhere: bring the whole map into view first.
    page.locator(MAP_FRAME).scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    iframe_box = page.locator(MAP_FRAME).bounding_box()
    marker = visible_in_frame(frame.locator("path.ca-points"), iframe_box)
    assert marker is not None, "no settlement inside the initial view"
    marker.click(force=True)
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(state="visible", timeout=10_000)
    assert popup.locator("mark").count() >= 1
    assert "confidence" in popup.inner_text()
    selected = page.locator('[data-testid="stText"]', has_text="mentions")
    selected.first.wait_for(state="visible", timeout=30_000)
    assert "geonames:" in selected.first.inner_text()
    page.locator('[data-testid="stDataFrame"]').first.wait_for(state="visible", timeout=30_000)

    # A click on a disputed claim opens its popup: who said it, the verbatim text, who disputes it.
    frame.locator(".leaflet-popup-close-button").click()
    popup.wait_for(state="detached", timeout=10_000)
    claim = visible_in_frame(frame.locator("path.ca-claim-disputed"), iframe_box)
    assert claim is not None, "no disputed claim inside the initial view"
    claim.click(force=True)
    popup.wait_for(state="visible", timeout=10_000)
    text = popup.inner_text()
    assert "not a verified fact" in text and "Disputed by" in text and "as written" in text
    page.wait_for_timeout(1500)  # late requests (fonts, images) show up

    # Streamlit scrolls inside its own container, so a "full page" shot is the viewport: make the
    # viewport tall enough for the map, its popup and the table of mentions under it.
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.wait_for_timeout(1500)
    folded = frame.locator("details.ca-legend-fold:not([open]) > summary")
    for _ in range(folded.count()):  # the legends open, for the picture (folded on maps under 1000 px wide)
        folded.first.click()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    print("requests outside localhost:", page.outside_requests)
    print("console errors:", page.console_errors)
    print("responses >= 400:", page.bad_responses)
    blocked_assets = [r for r in page.outside_requests if r.resource_type in ASSET_TYPES]
    assert blocked_assets == [], blocked_assets
    assert page.outside_requests == []  # no tiles either: the basemap is drawn from local data
    # Streamlit's frontend probes /map/_stcore/... before the app root; nothing else may fail.
    assert [r for r in page.bad_responses if "/_stcore/" not in r] == []


def test_timeline_and_claims_pages_offline(streamlit_server: Any, browser_page: Any, corpus_store: Path) -> None:
    """Timeline draws its Altair charts with no outside request (Vega ships with Streamlit's
    frontend), a brush picks the shared date range (the sidebar's From/To) that lands in the URL
    and follows the reader to the Claims page; a claim opened by its URL shows its paragraph and
    its places on a map."""
    url = streamlit_server("app.py", extra_env={"CLAIM_ATLAS_DB": str(corpus_store)})
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 1150})
    page.goto(f"{url}/timeline", wait_until="domcontentloaded")
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    charts.nth(1).wait_for(state="visible", timeout=90_000)
    charts.first.locator("canvas, svg").first.wait_for(state="visible", timeout=30_000)
    page.wait_for_timeout(2000)
    assert page.outside_requests == [], page.outside_requests

    # Drag across the bars: the range goes to the URL, the date fields and a note.
    brush_across(page, charts.first)
    page.wait_for_url(re.compile(r"[?&]from=\d{4}-\d\d-\d\d.*&to=\d{4}-\d\d-\d\d"), timeout=30_000)
    page.get_by_text("Date filter:").wait_for(state="visible", timeout=30_000)
    picked = re.search(r"from=(\d{4}-\d\d-\d\d)", page.url).group(1)
    sidebar_from = page.locator('[data-testid="stSidebar"] [data-testid="stDateInput"] input').first
    assert sidebar_from.input_value() == picked  # the brush set the shared date filter
    page.wait_for_timeout(1500)
    TIMELINE_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(TIMELINE_SCREENSHOT), full_page=True)

    # The range follows the reader to the Claims page.
    page.locator('[data-testid="stSidebarNav"] a', has_text="Claims").click()
    page.wait_for_url(re.compile(rf"/claims\?.*from={picked}"), timeout=30_000)
    page.get_by_text("match the filters").first.wait_for(state="visible", timeout=30_000)
    assert sidebar_from.input_value() == picked

    # A disputed claim opened by its URL: header, paragraph, small map of its places.
    claims = _claim_layer(corpus_store)
    disputed = claims.loc[claims["disputed"]]
    claim_id = int(disputed["claim_id"].value_counts().idxmax())  # the one with the most places
    page.goto(f"{url}/claims?claim={claim_id}", wait_until="domcontentloaded")
    page.get_by_text(f"Claim #{claim_id}").first.wait_for(state="visible", timeout=90_000)
    page.locator("mark.ca-claim").wait_for(state="visible", timeout=30_000)
    assert page.locator("mark.ca-claim").count() == 1
    assert page.get_by_text("not a verified fact").count() >= 1
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-container").first.wait_for(state="visible", timeout=30_000)
    spots = frame.locator("path.ca-claim")
    spots.first.wait_for(state="attached", timeout=30_000)
    assert spots.count() == int((claims["claim_id"] == claim_id).sum()) >= 2
    assert frame.locator("path.ca-claim-disputed").count() == spots.count()
    page.wait_for_timeout(1500)
    page.set_viewport_size({"width": 1280, "height": 1300})
    page.wait_for_timeout(1000)
    page.screenshot(path=str(CLAIMS_SCREENSHOT), full_page=True)

    print("requests outside localhost:", page.outside_requests)
    print("console errors:", page.console_errors)
    assert page.outside_requests == []
    assert [r for r in page.bad_responses if "/_stcore/" not in r] == []
