"""Claims: who said what, where and when, as the articles report it.

Select a claim in the table to read it in its paragraph and see its places on a small map. The
sidebar's shared filters (``app.view_filters``) choose the rows; ``?claim=<id>`` selects a claim
(the selection is written back to the URL). Claims are attributed statements, never facts.
"""

from __future__ import annotations

import hashlib

import streamlit as st
from streamlit_folium import st_folium

from geo import app
from geo.config import get_settings
from geo.layers.claims import (
    CLAIM_ORDERS,
    LOCATION_FOCUS,
    claim_place_names,
    cluster_disputing,
    cluster_members,
    sort_claims,
)
from geo.mapping.build import build_map
from geo.mapping.reference import STATIC_LAYER_FILES

#: Pixels per table row: three lines of text, so a long claim wraps instead of being cut.
ROW_HEIGHT = 72

version = app.start_data_page()
claims = app.load_claims(version)

st.title("Claims")
st.caption("Who said what, where and when, as the articles report it: each row is a statement attributed to "
           "a claimant, not a verified fact. " + app.ATTRIBUTION_NOTE)
view = app.view_filters(app.CLAIMS_URL_PATH)
_, rows = app.view_data(version, view)
rows = rows.reset_index(drop=True)
selected = view.claim

st.text(f"{len(rows)} of {len(claims)} claims" + (" match the filters" if view.has_filters else ""))
if rows.empty:
    app.empty_view(view, "claims")
order = st.selectbox("Sort by", list(CLAIM_ORDERS), key="claims_sort",
                     help="Or click a column's header. Undated claims come last.")
rows = sort_claims(rows, order)
# A new filter choice or order is a new table (positions change): its selection starts from the view's claim.
table_key = "claims_table_" + hashlib.sha1((app.view_key(view) + order).encode()).hexdigest()[:10]
positions = rows.index[rows["claim_id"] == selected].tolist() if selected is not None else []
places_of = claim_place_names(app.load_claim_layer(version))
shown = rows.assign(disputed_by_label=[", ".join(v) for v in rows["disputed_by"]],
                    places=[places_of.get(int(c), "") for c in rows["claim_id"]])
st.caption("Claims longer than three lines are cut in the row: select a row (the box at its left) to read the "
           "claim in full below, with its source, date, claimant, places and disputes.")
event = st.dataframe(
    shown,
    key=table_key,
    on_select="rerun",
    selection_mode="single-row",
    selection_default={"selection": {"rows": positions[:1]}} if positions else None,
    hide_index=True,
    width="stretch",
    row_height=ROW_HEIGHT,
    height=min(38 + ROW_HEIGHT * 8, 38 + ROW_HEIGHT * max(1, len(rows))),
    column_order=["date_label", "claimant", "text", "places", "source", "disputed_by_label", "kind", "n_sources",
                  "claim_id"],
    column_config={
        "claim_id": st.column_config.NumberColumn("#", width="small"),
        "date_label": st.column_config.TextColumn("Date", width=96,
                                                  help="The date the claim is about, resolved against "
                                                  "the article's publication date"),
        "claimant": st.column_config.TextColumn("Claimant", width=120),
        "kind": st.column_config.TextColumn("Kind", width=90),
        "disputed_by_label": st.column_config.TextColumn("Disputed by", width="small"),
        "places": st.column_config.TextColumn("Places", width="medium", help="Where the claim is drawn on the map"),
        "source": st.column_config.TextColumn("Source", width="medium"),
        "n_sources": st.column_config.NumberColumn("Reported by", width="small",
                                                   help="How many distinct sources report this claim (the same "
                                                   "claim across articles)", format="%d sources"),
        "text": st.column_config.TextColumn("Claim (verbatim)", width=640,
                                            help="Cut after three lines: select the row to read the claim "
                                            "in full below the table"),
    },
)
picked_rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
previous = st.session_state.get("_claims_pick")
if picked_rows and picked_rows[0] < len(rows):
    picked = int(rows.iloc[picked_rows[0]]["claim_id"])
    st.session_state["_claims_pick"] = (table_key, picked)
    if picked != selected:
        selected = picked
        view = app.update_view(claim=picked)
elif previous and previous[0] == table_key and previous[1] == selected:
    selected = None  # the reader cleared the selection of this table
    st.session_state.pop("_claims_pick", None)
    view = app.update_view(claim=None)

if selected is None:
    st.info("Select a claim in the table (the box at the left of its row) to read it in full, in its paragraph, "
            "with its source, date, claimant, places and disputes, and see its places on a map.")
    app.stop_page()

match = claims.loc[claims["claim_id"] == selected]
if match.empty:
    st.warning(f"There is no claim #{selected} in the store.")
    app.stop_page()
claim = match.iloc[0]
if selected not in set(rows["claim_id"]):
    st.caption("This claim is not in the table with the current filters.")
layer = app.load_claim_layer(version)
spots = layer.loc[layer["claim_id"] == selected]
disputing = list(spots["disputing_claim_ids"].iloc[0]) if not spots.empty else []

st.subheader(f"Claim #{selected}")
left, right = st.columns([1, 1], gap="medium")
with left:
    st.html(app.claim_header_html(claim, disputing, view))
    if spots.empty:
        st.text("Location: none (neither the claim nor its article names a place that could be resolved).")
    elif bool(spots["approximate"].iloc[0]):
        st.text(f"Location: {LOCATION_FOCUS}: {spots['place_name'].iloc[0]} "
                "(the claim names no place; its article names this one most).")
    else:
        names = ", ".join(f"{n} ({t})" for n, t in zip(spots["place_name"], spots["feature_type"], strict=True))
        st.text(f"Places named in the claim: {names}")
    clusters, disputes = app.load_claim_clusters(version)
    st.html(app.corroboration_html(int(selected), cluster_members(int(selected), clusters),
                                   cluster_disputing(int(selected), clusters, disputes), view))
    articles = app.load_articles(version, with_text=True)
    article = articles.loc[articles["id"] == int(claim["article_id"])]
    text = article["text"].iloc[0] if not article.empty else ""
    st.caption("The claim in its paragraph:")
    st.html(app.claim_paragraph_html(text, int(claim["start"]), int(claim["end"])))
with right:
    if not spots.empty:
        places = app.load_places(version).iloc[0:0]
        m = build_map(places, app.load_mentions(version).iloc[0:0], app.load_reference_layers(),
                      tiles=get_settings().tiles, claims=spots, legends=False, layer_files=STATIC_LAYER_FILES)
        st.caption("The claim at " + ("its article's focus place (approximate: paler, dashed)." if
                                      bool(spots["approximate"].iloc[0]) else "the places it names.")
                   + (" Red ring: disputed." if bool(spots["disputed"].iloc[0]) else "")
                   + " Click it for its details.")
        st_folium(m, key=f"claim_map_{selected}", height=420, use_container_width=True, returned_objects=[])
