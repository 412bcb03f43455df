"""Sources: every article with its metadata and its text, place names highlighted.

Highlighted names link to the Map page (``map?place=<key>``); hovering shows how each was read.
``?article=<id>`` opens one article.
"""

from __future__ import annotations

import streamlit as st

from geo import ui

ui.require_app_entrypoint()
ui.ensure_corpus_loaded()
version = ui.data_version()
articles = ui.load_articles(version, with_text=True)
mentions = ui.load_mentions(version)

st.title("Sources")
st.caption("The articles as stored. Place names are highlighted: yellow a place, blue a place name standing "
           "for an actor (metonymic, not plotted), grey not a place or not resolved. " + ui.ATTRIBUTION_NOTE)

PAGE_SIZE = 20
with st.sidebar:
    st.subheader("Sources filters")
    sources = sorted(articles["source"].dropna().unique())
    chosen = st.multiselect("Source", sources, default=[], key="sources_source", placeholder="All sources")
    query = st.text_input("Title or text contains", key="sources_query")

view = articles
if chosen:
    view = view.loc[view["source"].isin(chosen)]
if query:
    q = query.strip().lower()
    view = view.loc[view["title"].str.lower().str.contains(q, regex=False)
                    | view["text"].str.lower().str.contains(q, regex=False)]
wanted = st.query_params.get("article")
if wanted and wanted.isdigit() and int(wanted) in set(view["id"]):
    view = view.loc[view["id"] == int(wanted)]

st.text(f"{len(view)} of {len(articles)} articles")
pages = max(1, -(-len(view) // PAGE_SIZE))
page_no = st.number_input("Page", 1, pages, 1, key="sources_page") if pages > 1 else 1
by_article = {aid: group for aid, group in mentions.groupby("article_id")}

for row in view.iloc[(page_no - 1) * PAGE_SIZE: page_no * PAGE_SIZE].itertuples(index=False):
    article_mentions = by_article.get(row.id, mentions.iloc[0:0])
    header = (f"<h4 style='margin-bottom:0'>{ui.escape_text(row.title or row.corpus_id)}</h4>"
              f"<p style='color:#555;margin-top:2px'>{ui.escape_text(row.source or 'unknown source')} · "
              f"{ui.escape_text(row.published or 'undated')} · article #{int(row.id)} "
              f"({ui.escape_text(row.corpus_id)}) · {int(row.mentions)} place names, {int(row.resolved)} resolved")
    if isinstance(row.url, str) and row.url.startswith(("http://", "https://")):
        header += f" · <a href=\"{ui.escape_text(row.url)}\" rel=\"noopener noreferrer\">original</a>"
    header += "</p>"
    with st.container(border=True):
        st.html(header)
        st.html(ui.article_html(row.text, article_mentions))
