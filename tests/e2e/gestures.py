"""Pointer gestures the browser tests share."""

from __future__ import annotations

from typing import Any


def brush_across(page: Any, element: Any, start: float = 0.45, end: float = 0.70, height: float = 0.6) -> None:
    """Drag across ``element`` (a chart) from ``start`` to ``end`` of its width, at ``height`` of
    its height, in small steps as a hand would (Vega-Lite's interval brush)."""
    box = element.bounding_box()
    y = box["y"] + box["height"] * height
    page.mouse.move(box["x"] + box["width"] * start, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * end, y, steps=12)
    page.mouse.up()
