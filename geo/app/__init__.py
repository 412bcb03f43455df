"""The app layer: the only code that imports Streamlit (with ``app.py`` and ``pages/``).

Pages use what this package exports: cached resources and data (``resources``, ``data``), the
first run (``first_run``), the view kept in the URL (``viewsync``), HTML fragments (``html``) and
shared widgets (``widgets``).
"""
from geo.app.data import (
    load_articles,
    load_claim_clusters,
    load_claim_layer,
    load_claims,
    load_counts,
    load_mentions,
    load_places,
    load_total_counts,
    load_view_claim_layer,
    load_view_counts,
    load_view_features,
    load_view_places,
    load_view_theatre,
    match_counts,
    view_data,
    view_key,
)
from geo.app.first_run import ensure_corpus_loaded, require_app_entrypoint, valid_settings, valid_store
from geo.app.folium_links import use_offline_frame_links
from geo.app.html import article_html, claim_header_html, claim_paragraph_html, corroboration_html
from geo.app.resources import (
    data_version,
    get_gazetteer,
    get_pipeline,
    get_store,
    load_reference_layers,
    load_theatre,
    warm_up,
)
from geo.app.viewsync import (
    draw_filters,
    empty_view,
    enter_page,
    set_date_range,
    start_data_page,
    update_view,
    view_epoch,
    view_filters,
)
from geo.app.widgets import (
    ADD_ARTICLES_URL_PATH,
    APP_NAME,
    ATTRIBUTION_NOTE,
    CLAIMS_URL_PATH,
    MAP_URL_PATH,
    OVERVIEW_URL_PATH,
    PLACES_URL_PATH,
    SOURCES_URL_PATH,
    TIMELINE_URL_PATH,
    claim_link,
    export_buttons,
    page_link,
    sidebar_header,
)
from geo.mapping.html import escape_text

# Every page imports the app layer before it draws a map: the frame's links are local from then on.
use_offline_frame_links()

__all__ = [
    "corroboration_html",
    "load_claim_clusters",
    "ADD_ARTICLES_URL_PATH",
    "APP_NAME",
    "ATTRIBUTION_NOTE",
    "CLAIMS_URL_PATH",
    "MAP_URL_PATH",
    "OVERVIEW_URL_PATH",
    "PLACES_URL_PATH",
    "SOURCES_URL_PATH",
    "TIMELINE_URL_PATH",
    "article_html",
    "claim_header_html",
    "claim_link",
    "claim_paragraph_html",
    "data_version",
    "draw_filters",
    "empty_view",
    "ensure_corpus_loaded",
    "enter_page",
    "escape_text",
    "export_buttons",
    "get_gazetteer",
    "get_pipeline",
    "get_store",
    "load_articles",
    "load_claim_layer",
    "load_claims",
    "load_counts",
    "load_mentions",
    "load_places",
    "load_reference_layers",
    "load_theatre",
    "load_total_counts",
    "load_view_counts",
    "load_view_places",
    "load_view_claim_layer",
    "load_view_features",
    "load_view_theatre",
    "match_counts",
    "page_link",
    "require_app_entrypoint",
    "set_date_range",
    "sidebar_header",
    "start_data_page",
    "warm_up",
    "update_view",
    "valid_settings",
    "valid_store",
    "view_data",
    "view_epoch",
    "view_filters",
    "view_key",
]
