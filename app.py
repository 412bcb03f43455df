"""Claim Atlas: the Streamlit entry point (``streamlit run app.py``).

Pages live in ``pages/`` and are registered here with ``st.navigation``; add new pages to
``PAGES``. On first run with an empty store the bundled corpus is ingested, with its progress
shown, before any page draws. The sidebar filters every data page shares are drawn here, before
the page runs: widgets of the entry script are the same on every page, so their values and their
query parameters follow the reader from page to page (geo/app/viewsync.py).
"""

from __future__ import annotations

import streamlit as st

from geo import app

# No page icons: Streamlit makes the favicon from them, and fetches a Material icon's from
# fonts.gstatic.com (the app must make no outside request); emoji need an emoji font.
st.set_page_config(page_title=app.APP_NAME, layout="wide")


def _open_overview() -> None:
    """The app's root address: the Overview at its own address (``/overview``), with the link's
    query parameters. The default page of ``st.navigation`` is served at the root only: were the
    Overview the default, ``/overview`` would be "a page that does not exist" (issue 14, point 10)."""
    st.switch_page(OVERVIEW, query_params=[(k, v) for k in st.query_params for v in st.query_params.get_all(k)])


OVERVIEW = st.Page("pages/overview.py", title="Overview", url_path=app.OVERVIEW_URL_PATH)
#: The root (``/``): not in the menu; it opens the Overview.
HOME = st.Page(_open_overview, title=app.APP_NAME, url_path="home", default=True, visibility="hidden")
PAGES = [
    HOME,
    OVERVIEW,
    st.Page("pages/map.py", title="Map", url_path=app.MAP_URL_PATH),
    st.Page("pages/sources.py", title="Sources", url_path=app.SOURCES_URL_PATH),
    st.Page("pages/claims.py", title="Claims", url_path=app.CLAIMS_URL_PATH),
    st.Page("pages/timeline.py", title="Timeline", url_path=app.TIMELINE_URL_PATH),
    st.Page("pages/places.py", title="Places", url_path=app.PLACES_URL_PATH),
    st.Page("pages/add_articles.py", title="Add articles", url_path=app.ADD_ARTICLES_URL_PATH),
]

page = st.navigation(PAGES)
if page is HOME:
    page.run()  # switches to the Overview: nothing else to draw
app.sidebar_header()
app.ensure_corpus_loaded()
app.warm_up()  # once per process: the layers, gazetteer and model the first visits would wait for
if page.url_path != app.ADD_ARTICLES_URL_PATH:  # every page but Add articles has the shared filters
    app.draw_filters()
with app.link_drawn_last():  # the sidebar's link box after the page's own elements (its script is heavy)
    page.run()
