"""Sources: every article with its metadata and its text, place names highlighted.

Highlighted names link to the Map page (``map?place=<key>``); hovering shows how each was read.
``?article=<id>`` opens one article. The sidebar's shared filters (``app.view_filters``) choose the
articles: published in the date range, from the chosen sources and, when a place search, a
minimum confidence or a claim filter is set, holding a matching place name or claim.
"""

from __future__ import annotations

import streamlit as st

from geo import app
from geo.app.html import plain_markdown
from geo.layers.filters import filter_articles

version = app.start_data_page()
articles = app.load_articles(version, with_text=True)
mentions = app.load_mentions(version)

st.title("Sources")
st.caption("The articles as stored. Place names are highlighted: yellow a place, blue a place name standing "
           "for an actor (metonymic, not plotted), grey not a place or not resolved. " + app.ATTRIBUTION_NOTE)

view = app.view_filters(app.SOURCES_URL_PATH)
matching_mentions, matching_claims = app.view_data(version, view)

PAGE_SIZE = 20
with st.sidebar:
    st.subheader("This page only")
    query = st.text_input("Title or text contains", key="sources_query",
                          help="Not part of the link: the shared filters above are")

view_articles = filter_articles(articles, view, matching_mentions, matching_claims)
if query:
    q = query.strip().lower()
    view_articles = view_articles.loc[view_articles["title"].str.lower().str.contains(q, regex=False)
                                      | view_articles["text"].str.lower().str.contains(q, regex=False)]
wanted = st.query_params.get("article")
if wanted is not None:  # from a link: untrusted
    wanted_id = int(wanted) if wanted.isdigit() and len(wanted) <= 12 else None
    if wanted_id is None or wanted_id not in set(articles["id"]):
        shown = wanted if len(wanted) <= 40 else wanted[:37] + "..."
        st.warning(plain_markdown(f"Ignored the article '{shown}': no such article in this atlas."))
    elif wanted_id in set(view_articles["id"]):
        view_articles = view_articles.loc[view_articles["id"] == wanted_id]
    else:
        st.info("The linked article does not match the filters: reset them to see it.")

st.text(f"{len(view_articles)} of {len(articles)} articles" + (" match the filters" if view.has_filters else "")
        + f" · {app.match_counts(version, view, matching_mentions, matching_claims)}")
if view_articles.empty:
    app.empty_view(view, "sources")
pages = max(1, -(-len(view_articles) // PAGE_SIZE))
page_no = st.number_input("Page", 1, pages, 1, key="sources_page") if pages > 1 else 1
by_article = {aid: group for aid, group in mentions.groupby("article_id")}

for row in view_articles.iloc[(page_no - 1) * PAGE_SIZE: page_no * PAGE_SIZE].itertuples(index=False):
    article_mentions = by_article.get(row.id, mentions.iloc[0:0])
    header = (f"<h4 style='margin-bottom:0'>{app.escape_text(row.title or row.corpus_id)}</h4>"
              f"<p style='color:#555;margin-top:2px'>{app.escape_text(row.source or 'unknown source')} · "
              f"{app.escape_text(row.published or 'undated')} · article #{int(row.id)} "
              f"({app.escape_text(row.corpus_id)}) · {int(row.mentions)} place names, {int(row.resolved)} resolved")
    if isinstance(row.url, str) and row.url.startswith(("http://", "https://")):
        header += f" · <a href=\"{app.escape_text(row.url)}\" rel=\"noopener noreferrer\">original</a>"
    header += "</p>"
    with st.container(border=True):
        st.html(header)
        st.html(app.article_html(row.text, article_mentions, view=view))
