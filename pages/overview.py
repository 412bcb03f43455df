"""Overview: what the store holds, the most mentioned places, and the way to the other pages.

The figures are the whole atlas's; the sidebar's shared filters (``app.view_filters``) are shown here
too, with how much of the atlas they match, and apply on the other pages."""

from __future__ import annotations

import streamlit as st

from geo import app

version = app.start_data_page()
counts = app.load_counts(version)

st.title(app.APP_NAME)
st.caption("Where news articles place what they report about the conflict. " + app.ATTRIBUTION_NOTE)
view = app.view_filters("overview")
if view.has_filters:
    matching_mentions, matching_claims = app.view_data(version, view)
    st.info("The figures on this page are for the whole atlas. With the sidebar's filters, "
            + app.match_counts(version, view, matching_mentions, matching_claims)
            + " The Map, Sources, Claims, Timeline and Places pages show only those.")
else:
    st.caption("The figures on this page are for the whole atlas; the sidebar's filters apply on the other pages.")

first, last = counts["date_span"]
resolved_pct = 100.0 * counts["resolved"] / counts["mentions"] if counts["mentions"] else 0.0
top_row = st.columns(3)
top_row[0].metric("Articles", counts["articles"])
top_row[1].metric("Sources", counts["sources"])
top_row[2].metric("Published", f"{first} → {last}" if first and first != last else (first or "undated"),
                  help="Dates of the first and the last article")
row = st.columns(3)
row[0].metric("Places", counts["places"], help="Distinct places the mentions were resolved to")
row[1].metric("Place names resolved", f"{resolved_pct:.0f} %",
              help=f"{counts['resolved']} of {counts['mentions']} place names (\"not a place\" excluded)")
row[2].metric("Metonymic", counts["metonymic"],
              help="Place names standing for an actor (\"Baku said\"): listed, never plotted")

st.subheader("Most mentioned places")
places = app.load_places(version)
if places.empty:
    st.info("No place is mentioned yet.")
else:
    top = places.head(15)[["place_name", "feature_type", "country", "mention_count", "articles",
                           "max_confidence", "precision_label", "first_published", "last_published"]]
    st.dataframe(
        top,
        hide_index=True,
        width="stretch",
        column_config={
            "place_name": "Place",
            "feature_type": "Type",
            "country": "Country",
            "mention_count": st.column_config.NumberColumn("Mentions"),
            "articles": st.column_config.NumberColumn("Articles"),
            "max_confidence": st.column_config.ProgressColumn("Best confidence", min_value=0.0, max_value=1.0,
                                                              format="%.2f"),
            "precision_label": "Precision",
            "first_published": "First",
            "last_published": "Last",
        },
    )
    st.caption("Metonymic uses (\"Yerevan says\") and names that are not places are not counted here.")

st.subheader("Explore")
app.page_link("pages/map.py", "Map: every place mentioned, with its sentences", icon=":material/map:")
app.page_link("pages/sources.py", "Sources: every article, with its place names highlighted", icon=":material/article:")
