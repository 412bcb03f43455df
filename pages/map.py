"""Map: where the articles place what they report. Click a place to list its mentions below.

The sidebar's shared filters (``app.view_filters``) choose the place names and the claims drawn;
the claims are a layer of their own (coloured by claimant, disputed ones ringed in red). The view
is in the URL (``?source=...&conf=...&place=...&lat=...&lon=...&zoom=...``, see geo/layers/view.py):
a click on a place selects it (``place``), and the map reports its centre and zoom after every
pan or zoom (``lat``/``lon``/``zoom``), so the sidebar's link reopens the map as it is seen.

With more than ``FEW_PLACES`` places, the map holds no place: the places of the view the map reported
last (bounds and zoom) go as one data layer of compact features, clusters when zoomed out
(geo.layers.viewport), which st_folium swaps without redrawing the map (``feature_group_to_add``).
The claims go the same way: counted on those features (claims, disputed ones), and drawn one by
one in that layer only when the view holds few enough of them (zoomed in).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import app
from geo.config import get_settings
from geo.layers.claims import claim_date_label
from geo.layers.places import mention_table, place_at
from geo.layers.view import reported_map_view
from geo.layers.viewport import FEW_PLACES, MAX_VIEW_CLAIMS, bounds_around, bounds_from_leaflet
from geo.mapping.build import build_map, view_layer
from geo.mapping.claims import add_claim_key
from geo.mapping.reference import STATIC_LAYER_FILES

version = app.start_data_page()

st.title("Map")
st.caption("Each place as the articles name it, with the sentences that name it, and the claims made about "
           "places. " + app.ATTRIBUTION_NOTE)
view = app.view_filters(app.MAP_URL_PATH)
mentions, claim_rows = app.view_data(version, view)
places = app.load_view_places(version, view)
claims = app.load_view_claim_layer(version, view)
st.text(app.match_counts(version, view, mentions, claim_rows))
if places.empty and claims.empty:
    app.empty_view(view, "map")


def _frame() -> tuple:
    """Where the map opens: the view's centre, zoom and selected place, taken when the map is
    redrawn anyway (filters changed, a link applied, the page opened). Between those, pans and
    clicks only update the view: the map itself stays the same object in the browser (a changed
    map would be re-mounted, losing the reader's pan, zoom and open popup)."""
    signature = (app.view_key(view), app.view_epoch())
    if st.session_state.get("map_frame_signature") != signature:
        st.session_state["map_frame_signature"] = signature
        st.session_state["map_frame"] = (view.lat, view.lon, view.zoom, view.place)
    return st.session_state["map_frame"]


lat, lon, zoom, focus = _frame()
theatre, reference = app.load_view_theatre(version, view)  # the wars the view is about: their layers
# Many places: the map itself holds no place; the places of the view (the bounds and zoom the map
# reported last, or its frame before it has) are sent as one data layer of at most a few thousand
# compact features, clusters when zoomed out (geo.layers.viewport), which st_folium swaps on each pan
# or zoom without redrawing the map (feature_group_to_add). Few places: all of them, with their
# popups, as before.
aggregated = len(places) > FEW_PLACES
if aggregated and focus and lat is None:  # a link to a place without a map view: open on the place
    chosen = places.loc[places["place_key"] == focus]
    if not chosen.empty:
        lat, lon, zoom = float(chosen["lat"].iloc[0]), float(chosen["lon"].iloc[0]), zoom or 10
m = build_map(places.iloc[:0] if aggregated else places, mentions, reference, tiles=get_settings().tiles,
              center=(lat, lon) if lat is not None and lon is not None else None, zoom=zoom,
              selected_place=focus, claims=None if aggregated else claims, home=(theatre.center, theatre.zoom),
              layer_files=STATIC_LAYER_FILES)  # reference layers: static files the browser keeps
features = view_claim_rows = None
if aggregated:
    last = st.session_state.get("map")
    last = last if isinstance(last, dict) else {}
    seen = bounds_from_leaflet(last.get("bounds"))
    seen_zoom = reported_map_view(last.get("center"), last.get("zoom"))
    if seen is not None and seen_zoom is not None:
        view_zoom, view_bounds = seen_zoom[2], seen
    else:  # before the map has reported its view: its frame
        view_zoom = zoom if zoom is not None else theatre.zoom
        centre = (lat, lon) if lat is not None and lon is not None else theatre.center
        view_bounds = bounds_around(centre[0], centre[1], view_zoom)
    features, view_claim_rows = app.load_view_features(version, view, view_zoom, view_bounds)
    add_claim_key(m, claims)  # the claims' legend: the claims drawn change with the view
st.caption("Theatre: " + (", ".join(theatre.names) or "no conflict profile applies")
           + (f"; borders and regions of {', '.join(theatre.countries)}" if theatre.countries else ""))
shown = app.load_view_counts(version, view)
plotted = int(places["mention_count"].sum()) if not places.empty else 0
st.caption(f"{shown.mapped_places} places on the map, from {plotted} of the {shown.place_names} place names; "
           f"{shown.metonymic_names} metonymic place names (standing for an actor) are listed but not plotted.")
if not claims.empty and aggregated:
    st.caption(f"{claims['claim_id'].nunique()} claims at {len(claims)} spots: counted on the places and clusters "
               f"(hover one; ringed red when some are disputed), drawn one by one when at most {MAX_VIEW_CLAIMS} "
               "are in view (zoom in). Click one for who said it, when, in which source.")
elif not claims.empty:
    approx = claims.loc[claims["approximate"], "claim_id"].nunique()
    st.caption(f"{claims['claim_id'].nunique()} claims drawn at {len(claims)} spots ({approx} naming no place are "
               "drawn at their article's focus place, paler and dashed: approximate). Toggle them with the "
               "layer control; click one for who said it, when, in which source.")
# "center" and "zoom" are returned so the link holds the map's view: each pan or zoom ends in one
# short rerun (the map is not redrawn, see _frame). Clicks select a place.
if features is None:
    out = st_folium(m, key="map", height=650, use_container_width=True,
                    returned_objects=["last_object_clicked", "center", "zoom"])
else:
    clusters = int((features["kind"] == "cluster").sum())
    st.caption(f"{len(features)} features for the {int(features['places'].sum())} places in view"
               + (f": {clusters} clusters, labelled with their most mentioned place (click one, or zoom in, to "
                  "see its places)" if clusters else "")
               + (f"; {view_claim_rows['claim_id'].nunique()} claims drawn one by one"
                  if view_claim_rows is not None and not view_claim_rows.empty else "")
               + ". Click a place to list its mentions below.")
    out = st_folium(m, key="map", height=650, use_container_width=True,
                    feature_group_to_add=view_layer(features, view_claim_rows, selected_place=view.place),
                    returned_objects=["last_object_clicked", "center", "zoom", "bounds"])
out = out if isinstance(out, dict) else {}

selected = view.place
click = out.get("last_object_clicked")
on_cluster = features is not None and click and click.get("lat") is not None and bool(
    ((features["kind"] == "cluster") & ((features["lat"] - float(click["lat"])).abs() < 1e-4)
     & ((features["lon"] - float(click["lng"])).abs() < 1e-4)).any())  # a cluster zooms in: no place chosen
if click and click.get("lat") is not None and not on_cluster:
    clicked = place_at(places, click["lat"], click["lng"])
    if clicked and clicked != selected:
        selected = clicked
        view = app.update_view(place=clicked)
        if features is not None:  # the data layer was drawn before the click was read: outline the place now
            st.rerun()
reported = reported_map_view(out.get("center"), out.get("zoom"))  # None until the browser reported one
if reported is not None and reported != (view.lat, view.lon, view.zoom):
    view = app.update_view(lat=reported[0], lon=reported[1], zoom=reported[2])

st.subheader("Mentions of the selected place")
if not selected:
    st.info("Click a place on the map (or follow a highlighted name on the Sources page) to list its mentions.")
else:
    table = mention_table(mentions, selected)
    if table.empty:
        st.warning("No mention of this place matches the filters." if view.has_filters
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
            link=[app.claim_link(c, view) for c in here["claim_id"]],
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

st.subheader("Export this view")
app.export_buttons(mentions, claim_rows, key="map_export", selected_place=selected, reference=reference)
