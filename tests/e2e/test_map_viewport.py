"""The Map page on a store of many places, in a real browser with every request leaving localhost
blocked: zoomed out, the places come as clusters; after zooming in, as individual places; the data
layer is swapped without redrawing the map."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from map_frame import MAP_FRAME

pytestmark = pytest.mark.e2e

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: synthetic_data


def _many_places_app(streamlit_server: Any, db: Path, claims: bool = False) -> str:
    """The app on a synthetic store of 3,000 places (and as many claims): its URL."""
    from synthetic_data import write_synthetic_store

    write_synthetic_store(db, 3000, claims=claims)
    return streamlit_server("app.py", extra_env={"CLAIM_ATLAS_DB": str(db)})


def _open_map(page: Any, url: str, zoom: int) -> Any:
    """The Map page centred on the synthetic area at ``zoom``: the map's frame, once attached."""
    page.goto(f"{url}/map?lat=40.75&lon=46.75&zoom={zoom}", wait_until="domcontentloaded")
    page.locator(MAP_FRAME).wait_for(state="attached", timeout=90_000)
    return page.frame_locator(MAP_FRAME)


def test_clusters_when_zoomed_out_places_when_zoomed_in(streamlit_server: Any, browser_page: Any,
                                                        tmp_path: Path) -> None:
    url = _many_places_app(streamlit_server, tmp_path / "many.sqlite")
    page = browser_page
    frame = _open_map(page, url, 6)
    clusters = frame.locator("path.ca-cluster")
    clusters.first.wait_for(state="attached", timeout=60_000)
    assert clusters.count() >= 5
    assert frame.locator("path.ca-compact").count() <= 2000
    page.locator('[data-testid="stCaptionContainer"]', has_text="clusters").first.wait_for(timeout=30_000)
    # mark the map the browser holds: a redraw would lose the mark
    frame.locator(".leaflet-container").first.evaluate("el => { el.dataset.mark = 'kept'; }")

    # zoom in on the centre (the map reports its bounds and zoom; the page sends that view only)
    page.locator(MAP_FRAME).scroll_into_view_if_needed()
    zoom_in = frame.locator(".leaflet-control-zoom-in")
    for _ in range(3):  # zoom 6 -> 9: a few hundred places in view (of 3,000), one by one
        zoom_in.click()
        page.wait_for_timeout(700)
    page.wait_for_function("() => window.location.search.includes('zoom=9')", timeout=30_000)
    places = frame.locator("path.ca-place")
    for _ in range(60):  # the page reruns and swaps the data layer (via zoom 7 and 8: fewer places each time)
        if 0 < places.count() <= 500 and frame.locator("path.ca-cluster").count() == 0:
            break
        page.wait_for_timeout(500)
    assert 0 < places.count() <= 500 and frame.locator("path.ca-cluster").count() == 0
    assert frame.locator(".leaflet-container[data-mark='kept']").count() == 1  # the same map

    print("requests outside localhost:", page.outside_requests)
    assert page.outside_requests == []


def test_claims_are_counted_zoomed_out_and_drawn_zoomed_in(streamlit_server: Any, browser_page: Any,
                                                           tmp_path: Path) -> None:
    url = _many_places_app(streamlit_server, tmp_path / "many_claims.sqlite", claims=True)
    page = browser_page
    frame = _open_map(page, url, 6)
    frame.locator("path.ca-cluster").first.wait_for(state="attached", timeout=60_000)
    # zoomed out: the claims are counts on the clusters (those holding disputed claims ringed), none drawn
    assert frame.locator("path.ca-cluster.ca-disputed").count() >= 1
    assert frame.locator("path.ca-claim").count() == 0
    assert frame.locator(".ca-claim-legend").count() == 1

    # a link zoomed in: the claims in view are drawn one by one, coloured by claimant, disputed ringed
    frame = _open_map(page, url, 11)
    claims = frame.locator("path.ca-claim")
    claims.first.wait_for(state="attached", timeout=60_000)
    assert 0 < claims.count() <= 500
    assert frame.locator("path.ca-claim.ca-claim-disputed").count() >= 1
    page.locator('[data-testid="stCaptionContainer"]', has_text="claims drawn one by one").first.wait_for(
        timeout=30_000)
    # a claim opens its popup: who said it, the text, a link to its details
    claims.first.dispatch_event("click")
    popup = frame.locator(".ca-claim-popup")
    popup.wait_for(state="visible", timeout=10_000)
    assert "A claim attributed to" in popup.inner_text()
    assert popup.locator("a[href*='claims?claim=']").count() >= 1

    print("requests outside localhost:", page.outside_requests)
    assert page.outside_requests == []


def test_a_clicked_place_lists_its_mentions_and_is_outlined(streamlit_server: Any, browser_page: Any,
                                                            tmp_path: Path) -> None:
    """Compact features carry no popup: a click on one selects its place (details below the map,
    built on demand), written to the URL (``place=``), and the place is outlined on the map."""
    url = _many_places_app(streamlit_server, tmp_path / "many_select.sqlite")
    page = browser_page
    frame = _open_map(page, url, 11)
    places = frame.locator("path.ca-place")
    places.first.wait_for(state="attached", timeout=60_000)
    assert frame.locator("path.ca-selected").count() == 0
    page.locator('[data-testid="stAlert"]', has_text="Click a place on the map").first.wait_for(timeout=30_000)
    places.nth(0).dispatch_event("click")
    page.wait_for_function("() => window.location.search.includes('place=')", timeout=30_000)
    listing = page.locator('[data-testid="stText"]', has_text="mentions")
    listing.first.wait_for(timeout=30_000)
    key = page.evaluate("() => new URLSearchParams(window.location.search).get('place')")
    assert key and f"({key})" in listing.first.inner_text()
    selected = frame.locator("path.ca-place.ca-selected")
    selected.first.wait_for(state="attached", timeout=30_000)
    assert selected.count() == 1

    print("requests outside localhost:", page.outside_requests)
    assert page.outside_requests == []
