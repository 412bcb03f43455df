"""Looking into a built folium map from the tests: its layers and their features' properties.

Test helpers (no page uses them): folium keeps a map's children in ``Map._children``.
"""

from __future__ import annotations

import folium


def map_summary(m: folium.Map) -> dict[str, str]:
    """Layer names of a built map and their class names."""
    return {child.layer_name: type(child).__name__ for child in m._children.values()
            if getattr(child, "layer_name", None)}


def feature_properties(m: folium.Map, layer_name: str) -> list[dict]:
    """The properties of the features of one of our layers (empty when there is no such layer)."""
    for child in m._children.values():
        if getattr(child, "layer_name", None) == layer_name:
            return list(getattr(child, "properties", []))
    return []
