"""Overview: what the store holds, the most mentioned places, and the way to the other pages.

The figures are the whole atlas's; the sidebar's shared filters (``app.view_filters``) are shown here
too, with how much of the atlas they match, and apply on the other pages."""

from __future__ import annotations

import streamlit as st

from geo import app
from geo.layers.counts import DEFINITIONS, LABELS

version = app.start_data_page()
counts = app.load_counts(version)

st.title(app.APP_NAME)
st.caption("Where news articles place what they report about the conflict. " + app.ATTRIBUTION_NOTE)
view = app.view_filters(app.OVERVIEW_URL_PATH)
if view.has_filters:
    matching_mentions, matching_claims = app.view_data(version, view)
    st.info("The figures on this page are for the whole atlas. With the sidebar's filters, "
            + app.match_counts(version, view, matching_mentions, matching_claims)
            + " The Map, Sources, Claims, Timeline and Places pages show only those.")
else:
    st.caption("The figures on this page are for the whole atlas; the sidebar's filters apply on the other pages.")

first, last = counts["date_span"]
totals = app.load_total_counts(version)
# Dates get a metric each: one "first → last" value is wider than a third of a laptop screen and
# Streamlit cuts metric values to one line (issue 14, point 7).
top_row = st.columns(4)
top_row[0].metric("Articles", counts["articles"])
top_row[1].metric("Sources", counts["sources"])
top_row[2].metric("First published", first or "undated", help="Date of the earliest article")
top_row[3].metric("Last published", last or "undated", help="Date of the latest article")
row = st.columns(4)
for column, field in zip(row, ("place_names", "resolved_places", "mapped_places", "claims"), strict=True):
    column.metric(LABELS[field].capitalize(), getattr(totals, field), help=DEFINITIONS[field])
row = st.columns(4)
row[0].metric("Place names resolved", f"{100.0 * totals.resolved_share:.0f} %",
              help=f"{totals.resolved_names} of {totals.place_names} place names (\"not a place\" excluded)")
row[1].metric(LABELS["metonymic_names"].capitalize(), totals.metonymic_names, help=DEFINITIONS["metonymic_names"])
row[2].metric(LABELS["unresolved_names"].capitalize(), totals.unresolved_names, help=DEFINITIONS["unresolved_names"])

st.subheader("Most mentioned places")
places = app.load_places(version)
if places.empty:
    st.info("No place is mentioned yet.")
else:
    st.caption(f"The {min(15, len(places))} most mentioned of the {totals.mapped_places} {LABELS['mapped_places']}.")
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
