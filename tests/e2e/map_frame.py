"""What the browser tests know about the map's iframe (streamlit-folium draws the map in one)."""

from __future__ import annotations

from typing import Any

MAP_FRAME = 'iframe[title*="st_folium"]'


def visible_in_frame(locator: Any, frame_box: dict) -> Any:
    """The first element of ``locator`` drawn inside the map frame (or None). Leaflet leaves
    paths that are out of view in the SVG as 1.5 px stubs: those are skipped."""
    for i in range(locator.count()):
        box = locator.nth(i).bounding_box()
        if not box or box["width"] <= 4:
            continue
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        if frame_box["x"] < cx < frame_box["x"] + frame_box["width"] and \
                frame_box["y"] < cy < frame_box["y"] + frame_box["height"]:
            return locator.nth(i)
    return None
