"""Smallest Streamlit page with a real map, for the offline end-to-end test.

Run by tests/e2e/test_offline_map_smoke.py through `streamlit run`; its static/ folder is a symlink
to the repo's static/ (Streamlit serves static/ next to the main script).
"""

from __future__ import annotations

import folium
import folium.plugins
import streamlit as st
from streamlit_folium import st_folium

from geo.mapping.assets import missing_assets, use_offline_assets

use_offline_assets()

st.title("Offline map smoke test")
if missing := missing_assets():
    st.error(f"missing vendored files: {missing}")

# With tiles=None nothing gives Leaflet a maxZoom, and markercluster then throws
# "Map has no maxZoom specified": pass it as a map option.
m = folium.Map(location=[40.3, 47.6], zoom_start=7, tiles=None, maxZoom=18)
points = [[39.6 + (i % 10) * 0.12, 45.6 + (i // 10) * 0.8] for i in range(50)]
folium.plugins.FastMarkerCluster(points, name="claims").add_to(m)
line = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "Reported front line", "claims": 7},
            "geometry": {
                "type": "LineString",
                "coordinates": [[45.5, 39.4], [46.4, 39.9], [47.3, 40.2], [48.6, 40.6], [49.8, 40.4]],
            },
        }
    ],
}
folium.GeoJson(
    line,
    name="line",
    style_function=lambda _f: {"color": "#c0392b", "weight": 5},
    popup=folium.GeoJsonPopup(fields=["name", "claims"]),
).add_to(m)
folium.Marker(
    [40.41, 49.87],
    popup=folium.Popup("Baku: <b>3 claims</b>", max_width=200),
    icon=folium.Icon(color="red", icon="flag", prefix="fa"),
).add_to(m)
folium.LayerControl().add_to(m)

st_folium(m, key="map", height=500, returned_objects=[])
