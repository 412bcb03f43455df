"""Widgets and links the pages share: the sidebar header, page links, links to a place or a claim
that keep the view's filters, and the export buttons; the pages' URL paths.

Everything a page shows of an article (titles, sources, sentences) is untrusted text: pages show
it through ``st.dataframe``/``st.text`` (no markup) or through HTML built with every segment
escaped (:mod:`geo.app.html`); never through Markdown, which would let a title load an outside image.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

import pandas as pd
import streamlit as st

from geo.app.data import (
    load_claim_places,
)
from geo.app.resources import data_version, load_theatre
from geo.layers.view import (
    ViewState,
    to_query_params,
)

APP_NAME = "Claim Atlas"
ATTRIBUTION_NOTE = "Claims are shown as attributed claims (who said what, in which source), never as fact."
#: URL path of the Map page (``st.Page(..., url_path=MAP_URL_PATH)`` in app.py).
MAP_URL_PATH = "map"
#: URL path of the Overview (app.py opens it from the root, ``/``, too).
OVERVIEW_URL_PATH = "overview"
SOURCES_URL_PATH = "sources"


# ------------------------------------------------------------------------------------ display
def sidebar_header() -> None:
    """App name and the attribution note, at the top of the sidebar."""
    st.sidebar.markdown(f"### {APP_NAME}")
    st.sidebar.caption(ATTRIBUTION_NOTE)


def page_link(page: str, label: str, icon: str | None = None) -> None:
    """``st.page_link`` to a page of app.py's navigation; plain text when the page runs on its own
    (``streamlit run pages/x.py``, a test), where there is no navigation to link into. The
    exception comes from the undocumented ``streamlit.errors``: on a Streamlit this was not
    tested with (``geo._compat.streamlit_page_link_fallback``) there is no fallback."""
    from geo import _compat

    if not _compat.streamlit_page_link_fallback():
        st.page_link(page, label=label, icon=icon)
        return
    from streamlit.errors import StreamlitAPIException

    try:
        st.page_link(page, label=label, icon=icon)
    except StreamlitAPIException:  # StreamlitPageNotFoundError: no st.navigation in this run
        st.caption(label)


def _link(base: str, view: ViewState | None, **selection: Any) -> str:
    params = to_query_params(view.filters()) if view is not None else {}
    params.update({k: str(v) for k, v in selection.items()})
    return f"{base}?{urlencode(params, doseq=True, quote_via=quote)}"


def place_link(place_key: str, base: str = MAP_URL_PATH, view: ViewState | None = None) -> str:
    """Relative URL of the Map page with this place selected (``map?place=...``), keeping the
    filters of ``view`` (a link opened from the page starts a new session: the URL is the view)."""
    return _link(base, view, place=place_key)


def claim_link(claim_id: int, view: ViewState | None = None) -> str:
    """Relative URL of the Claims page with this claim selected, keeping the filters of ``view``."""
    return _link(CLAIMS_URL_PATH, view, claim=int(claim_id))


# ------------------------------------------------------------------------------------ claims
#: URL paths of the Claims and Timeline pages (``st.Page(..., url_path=...)`` in app.py).
CLAIMS_URL_PATH = "claims"
TIMELINE_URL_PATH = "timeline"


# ------------------------------------------------------------------------------------ places, exports
#: URL paths of the Places and Add articles pages (``st.Page(..., url_path=...)`` in app.py).
PLACES_URL_PATH = "places"
ADD_ARTICLES_URL_PATH = "add"


def export_buttons(mentions_df: pd.DataFrame, claims_df: pd.DataFrame | None = None, *, key: str = "export",
                   selected_place: str | None = None, reference: Mapping[str, Any] | None = None) -> None:
    """Download buttons for the view the page shows: ``mentions_df`` (already filtered by the page)
    and, optionally, ``claims_df`` (its claims). GeoJSON of the places, CSV of the mentions (and of
    the claims), a GeoPackage with layers ``places``/``mentions``/``claims`` and a standalone HTML
    map that works offline (:mod:`geo.export`). Files are made when a button is clicked. ``key``
    prefixes the widget keys (call it more than once on a page with different keys). ``reference``:
    the HTML map's reference layers (the page's theatre, ``load_theatre``); by default those of the
    theatre of ``mentions_df``."""
    from datetime import date

    from geo.layers.places import plottable_mentions
    from geo.mapping import export

    mentions = mentions_df.copy()
    claims = claims_df.copy() if claims_df is not None and not claims_df.empty else None
    links = load_claim_places(data_version()) if claims is not None else None
    if reference is None:
        from geo.layers.places import place_layer

        reference = load_theatre(place_layer(mentions), claims, ViewState())[1]
    stem = f"claim-atlas-{date.today().isoformat()}"
    n_places = plottable_mentions(mentions)["place_key"].nunique() if not mentions.empty else 0
    label = (f"Export this view: {n_places} places on the map, {len(mentions)} mentions (rows of the CSV)"
             + (f", {len(claims)} claims" if claims is not None else "") + ".")
    st.caption(label + " Files are made when you click; the HTML map opens offline, from the file alone.")
    cols = st.columns(5 if claims is not None else 4)
    buttons = [
        ("GeoJSON (places)", lambda: export.export_geojson(mentions, "places"), "places.geojson", "geojson"),
        ("CSV (mentions)", lambda: export.export_csv(mentions, "mentions"), "mentions.csv", "csv"),
        ("GeoPackage", lambda: export.export_gpkg(mentions, claims, links), "view.gpkg", "gpkg"),
        ("HTML map (offline)", lambda: export.export_html(mentions, reference, selected_place=selected_place),
         "map.html", "html"),
    ]
    if claims is not None:
        buttons.append(("CSV (claims)", lambda: export.export_csv(mentions, "claims", claims=claims,
                                                                  claim_places=links), "claims.csv", "csv"))
    for col, (text, make, suffix, kind) in zip(cols, buttons, strict=True):
        col.download_button(text, data=make, file_name=f"{stem}-{suffix}", mime=export.MIME[kind],
                            key=f"{key}_{suffix.replace('.', '_')}", on_click="ignore")
