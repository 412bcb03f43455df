"""The links streamlit-folium sends its map frame, pointed at the vendored files.

``st_folium`` collects the map's script and stylesheet links from its elements (and adds two d3
CDN URLs of its own when a branca colormap is on the map) and sends them to its frame through
its private ``_component_func``: the only way in is to wrap that function. It runs only on the
streamlit-folium versions it was tested with (``geo._compat.offline_streamlit_folium_links``);
elsewhere the frame gets the links as folium made them (already vendored by
``geo.mapping.assets.use_offline_assets``, but for the colormap's d3) and a warning says so.
"""

from __future__ import annotations

import logging
from typing import Any

import streamlit_folium

from geo import _compat
from geo.mapping.assets import localize_url

log = logging.getLogger(__name__)

_original: Any = None


def use_offline_frame_links() -> None:
    """Wrap ``streamlit_folium._component_func`` once: localize every link, log any that is not
    vendored (the browser would fetch it from the internet). Idempotent."""
    global _original
    if _original is not None or not _compat.offline_streamlit_folium_links():
        return
    original = streamlit_folium._component_func
    _original = original

    def component(*args: Any, **kwargs: Any) -> Any:
        for key in ("css_links", "js_links"):
            links = []
            for url in kwargs.get(key) or []:
                local = localize_url(url)
                if local is None:
                    log.warning("map asset not vendored, the browser will fetch it: %s", url)
                links.append(local or url)
            kwargs[key] = links
        return original(*args, **kwargs)

    streamlit_folium._component_func = component


def restore_frame_links() -> None:
    """Undo :func:`use_offline_frame_links` (tests)."""
    global _original
    if _original is not None:
        streamlit_folium._component_func = _original
        _original = None
