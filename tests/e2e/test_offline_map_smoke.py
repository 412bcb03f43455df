"""The map renders in a real browser with every request outside localhost blocked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import folium
import folium.plugins
import pytest
from map_frame import MAP_FRAME

pytestmark = pytest.mark.e2e

APP = "tests/e2e/apps/offline_map_app.py"
ASSET_TYPES = {"script", "stylesheet", "font"}


def _check_leaflet(frame: Any) -> None:
    """Leaflet drew the map: a sized container, markers or clusters, and the GeoJSON line."""
    container = frame.locator(".leaflet-container").first
    container.wait_for(state="visible", timeout=30_000)
    box = container.bounding_box()
    assert box is not None and box["height"] > 100 and box["width"] > 100, box
    markers = frame.locator(".leaflet-marker-icon, .marker-cluster")
    markers.first.wait_for(state="attached", timeout=30_000)
    assert markers.count() > 0
    assert frame.locator("path.leaflet-interactive").count() > 0


def test_streamlit_map_renders_offline(streamlit_server: Any, browser_page: Any, results_dir: Path) -> None:
    url = streamlit_server(APP)
    page = browser_page
    page.goto(url, wait_until="domcontentloaded")
    page.locator(MAP_FRAME).wait_for(state="attached", timeout=60_000)
    frame = page.frame_locator(MAP_FRAME)
    _check_leaflet(frame)

    iframe_box = page.locator(MAP_FRAME).bounding_box()
    assert iframe_box is not None and iframe_box["height"] > 300, iframe_box  # jQuery loaded
    # Font Awesome's font came from the app: the marker's <i class="fa-flag"> has a glyph width.
    icon_width = frame.locator(".awesome-marker i.fa-flag").first.evaluate(
        "e => e.getBoundingClientRect().width"
    )
    assert icon_width > 0
    page.wait_for_timeout(1000)  # let late requests (fonts, images) show up
    broken = frame.locator("img.leaflet-marker-icon").evaluate_all(
        "imgs => imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"
    )
    assert broken == []
    page.screenshot(path=str(results_dir / "offline_map_smoke.png"))

    print("requests outside localhost:", page.outside_requests)
    print("console errors:", page.console_errors)
    print("responses >= 400:", page.bad_responses)
    blocked_assets = [r for r in page.outside_requests if r.resource_type in ASSET_TYPES]
    assert blocked_assets == [], blocked_assets
    assert page.bad_responses == []
    assert not page.locator("text=missing vendored files").count()


def test_exported_html_renders_from_disk(browser_page: Any, tmp_path: Path, results_dir: Path) -> None:
    """offline_map_html(): one file, opened from disk, no server and no internet."""
    from geo.mapping.assets import offline_map_html, restore_cdn_assets

    restore_cdn_assets()  # the export must not depend on use_offline_assets() having run
    m = folium.Map(location=[40.3, 47.6], zoom_start=7, tiles=None, maxZoom=18)  # clusters need it
    folium.plugins.MarkerCluster(name="claims").add_to(m).add_child(folium.Marker([40.0, 46.0]))
    folium.Marker([40.41, 49.87], icon=folium.Icon(icon="flag", prefix="fa")).add_to(m)
    folium.Marker([40.7, 46.4], popup="Ganja").add_to(m)  # Leaflet's default icon
    folium.PolyLine([[39.4, 45.5], [40.2, 47.3], [40.4, 49.8]], color="red").add_to(m)
    path = tmp_path / "map.html"
    path.write_text(offline_map_html(m), encoding="utf-8")

    page = browser_page
    page.goto(path.as_uri())
    _check_leaflet(page)
    default_icon = page.locator("img.leaflet-marker-icon").first
    default_icon.wait_for(state="attached")
    assert default_icon.get_attribute("src", timeout=5_000).startswith("data:image/png")
    assert page.evaluate("() => document.querySelector('img.leaflet-marker-icon').naturalWidth") > 0
    page.screenshot(path=str(results_dir / "offline_map_export.png"))
    print("requests outside localhost:", page.outside_requests)
    print("console errors:", page.console_errors)
    assert page.outside_requests == []
