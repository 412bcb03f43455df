"""Map: where the articles place what they report. Click a place to list its mentions below.

``?place=<place key>`` selects a place (links from the Sources page use it). The claims are a
layer of their own (coloured by claimant, disputed ones ringed in red). ``?from=&to=`` (the
Timeline page's date range) limits the claims to those about that range and the places to the
articles published in it.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import ui
from geo.config import get_settings
from geo.layers import claim_date_label, claims_in_range, mention_table, mentions_in_range, place_at
from geo.mapview import build_map

ui.require_app_entrypoint()
ui.ensure_corpus_loaded()
version = ui.data_version()
mentions = ui.load_mentions(version)

st.title("Map")
st.caption("Each place as the articles name it, with the sentences that name it, and the claims made about "
           "places. " + ui.ATTRIBUTION_NOTE)
date_range = ui.date_range_note("map", "Claims about dates in this range; places named in articles published in it.")
if date_range:
    mentions = mentions_in_range(mentions, *date_range)

all_types = sorted(t for t in mentions["feature_type"].dropna().unique())
with st.sidebar:
    st.subheader("Map filters")
    min_conf = st.slider("Minimum confidence", 0.0, 1.0, 0.0, 0.05, key="map_min_confidence",
                         help="Hide mentions resolved with less confidence")
    types = st.multiselect("Feature types", all_types, default=all_types, key="map_feature_types")

places = ui.load_places_in_range(version, min_conf, types, date_range)
shown = ui.filter_mentions(mentions, min_conf, types)
claims = ui.load_claim_layer(version)
if date_range:
    claims = claims_in_range(claims, *date_range)

# The place in the URL frames the map once per session; clicks select without re-framing it
# (a changed map would be re-drawn and lose the reader's pan and zoom).
if "map_focus" not in st.session_state:
    st.session_state["map_focus"] = st.query_params.get("place")
selected = st.session_state.get("map_selected") or st.query_params.get("place")

m = build_map(places, shown, ui.load_reference_layers(), tiles=get_settings().tiles,
              selected_place=st.session_state["map_focus"], claims=claims)
plotted = int(places["mention_count"].sum()) if not places.empty else 0
metonymic = int(shown["metonymic"].fillna(0).astype(bool).sum()) if not shown.empty else 0
st.caption(f"{len(places)} places from {plotted} mentions; {metonymic} metonymic mentions "
           "(a place name standing for an actor) are listed but not plotted.")
if not claims.empty:
    approx = claims.loc[claims["approximate"], "claim_id"].nunique()
    st.caption(f"{claims['claim_id'].nunique()} claims drawn at {len(claims)} spots ({approx} naming no place are "
               "drawn at their article's focus place, paler and dashed: approximate). Toggle them with the "
               "layer control; click one for who said it, when, in which source.")
out = st_folium(m, key="map", height=650, use_container_width=True, returned_objects=["last_object_clicked"])

click = (out or {}).get("last_object_clicked") if isinstance(out, dict) else None
if click and click.get("lat") is not None:
    clicked = place_at(places, click["lat"], click["lng"])
    if clicked and clicked != selected:
        selected = clicked
        st.session_state["map_selected"] = clicked
        st.query_params["place"] = clicked

st.subheader("Mentions of the selected place")
if not selected:
    st.info("Click a place on the map (or follow a highlighted name on the Sources page) to list its mentions.")
else:
    table = mention_table(mentions, selected)
    if table.empty:
        st.warning("No mention of this place is in the articles published in the date range." if date_range
                   else "No mention of this place is in the store.")
    else:
        name = mentions.loc[mentions["place_key"] == selected, "place_name"].dropna()
        st.text(f"{name.iloc[0] if len(name) else selected}  ({selected}): {len(table)} mentions")
        if selected not in set(places["place_key"]):
            st.caption("Not on the map with the current filters (or only named metonymically).")
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            column_order=["published", "source", "sentence", "text", "confidence", "precision_label",
                          "metonymic", "runner_up_name", "title", "url"],
            column_config={
                "published": "Published",
                "source": "Source",
                "title": "Article",
                "sentence": st.column_config.TextColumn("Sentence", width="large"),
                "text": "As written",
                "confidence": st.column_config.ProgressColumn("Confidence", min_value=0.0, max_value=1.0,
                                                              format="%.2f"),
                "precision_label": "Precision",
                "metonymic": st.column_config.CheckboxColumn("Metonymic"),
                "runner_up_name": "Runner-up",
                "url": st.column_config.LinkColumn("URL"),
            },
        )
    here = claims.loc[claims["place_key"] == selected] if not claims.empty else claims
    if not here.empty:
        st.subheader("Claims about the selected place")
        if bool(here["approximate"].all()):
            st.caption("These claims name no place: they are drawn here because their article names this place "
                       "most (approximate).")
        listing = pd.DataFrame(here.drop(columns="geometry")).assign(
            link=[f"{ui.CLAIMS_URL_PATH}?claim={int(c)}" for c in here["claim_id"]],
            when=[claim_date_label(d, e, p) for d, e, p in
                  zip(here["date"], here["date_end"], here["date_precision"], strict=True)],
            disputed_by_label=[", ".join(v) for v in here["disputed_by"]],
        )
        st.dataframe(
            listing,
            hide_index=True,
            width="stretch",
            column_order=["when", "claimant", "kind", "disputed_by_label", "text", "source", "approximate", "link"],
            column_config={
                "when": "Date",
                "claimant": "Claimant",
                "kind": "Kind",
                "disputed_by_label": "Disputed by",
                "text": st.column_config.TextColumn("Claim (verbatim)", width="large"),
                "source": "Source",
                "approximate": st.column_config.CheckboxColumn("Approximate location"),
                "link": st.column_config.LinkColumn("Details", display_text="open"),
            },
        )
