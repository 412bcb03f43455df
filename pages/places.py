"""Places: every place the articles name, how each name was resolved, and analysts' corrections.

Pick a place (or an unresolved name), then one of its mentions: its candidates are listed and a
form corrects it (another candidate, or coordinates by hand). A correction applies to that name in
that context (the article's focus country, or everywhere) in every article, now and at every later
ingest; see geo/store/corrections.py. ``?place=<place key>`` selects a place (choosing one here writes it
back, so the Map page shows it too). The sidebar's shared filters (``app.view_filters``) choose the
mentions listed; unresolved names can be hidden (this page only).

Article text is untrusted: it is shown through ``st.dataframe`` and ``st.text`` only.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from geo import app
from geo.layers.places import UNRESOLVED, precision_label, review_mentions, review_table, reviewable_mentions
from geo.model import FEATURE_TYPES
from geo.store import corrections as corr

version = app.start_data_page()
store = app.get_store()

@st.cache_data(show_spinner=False)
def _preview(db_path: str, data_version: int, mention_id: int) -> dict:
    """What a correction of this mention would cover (geo.corrections.preview), per data version."""
    return corr.preview(app.get_store(), app.get_gazetteer(), mention_id)


def _save_correction(mention_id: int) -> None:
    """The correction form's submit callback (it runs before the page, so the page shows the result)."""
    state = st.session_state
    gaz = app.get_gazetteer()
    common = {"analyst": state.get("places_analyst", ""), "note": state.get("places_note", ""),
              "scope": state.get("places_scope", "context")}
    try:
        if state.get("places_how", "candidate") == "candidate":
            choice = state.get(f"places_candidate_{mention_id}")
            if not choice:
                raise ValueError("choose a candidate")
            cid = corr.choose_candidate(store, gaz, mention_id, choice, **common)
        else:
            cid = corr.set_coordinates(store, gaz, mention_id, state.get(f"places_lat_{mention_id}"),
                                       state.get(f"places_lon_{mention_id}"),
                                       name=state.get(f"places_manual_name_{mention_id}"),
                                       feature_type=state.get("places_manual_type", "settlement"), **common)
    except ValueError as exc:
        state["places_form_error"] = str(exc)
        return
    changed = int(store.corrections_df().set_index("correction_id").loc[cid, "mentions"])
    state["places_flash"] = f"Correction #{cid} saved: {changed} mentions changed."
    state.pop("places_note", None)


st.title("Places")
st.caption("Every place the articles name, how each name was resolved (chosen place, runner-up, confidence, "
           "precision), and analysts' corrections. " + app.ATTRIBUTION_NOTE)

flash = st.session_state.pop("places_flash", None)
if flash:
    st.success(flash)

shared = app.view_filters(app.PLACES_URL_PATH)
matching, matching_claims = app.view_data(version, shared)
with st.sidebar:
    st.subheader("This page only")
    show_unresolved = st.checkbox("Show unresolved names", value=True, key="places_unresolved")

view = reviewable_mentions(matching, show_unresolved)
corrected = store.corrected_mentions_df()
corrected_ids = set(corrected["mention_id"].astype(int))
table = review_table(view, corrected_ids)
shown = app.load_view_counts(version, shared)
st.text(f"{shown.resolved_places} resolved places"
        + (f" and {shown.unresolved_names} unresolved names" if show_unresolved else "")
        + f" in the table, from {len(view)} place names ({len(corrected_ids)} corrected by analysts; names read "
        "as 'not a place' are left out). " + app.match_counts(version, shared, matching, matching_claims))

event = st.dataframe(
    table, hide_index=True, width="stretch", key="places_table", on_select="rerun", selection_mode="single-row",
    column_order=["place", "feature_type", "country", "mentions", "articles", "written_as", "mean_confidence",
                  "precision", "runner_up", "metonymic", "corrected", "key"],
    column_config={
        "place": "Place (chosen candidate)",
        "key": st.column_config.TextColumn("Key", help="Where the place comes from: geonames:, country:, ref: (the "
                                           "offline gazetteer), nominatim: (found online), manual: (set by hand); "
                                           "unresolved: a name with no place"),
        "feature_type": "Type",
        "country": "Country",
        "mentions": st.column_config.NumberColumn("Mentions"),
        "articles": st.column_config.NumberColumn("Articles"),
        "written_as": "Written as",
        "mean_confidence": st.column_config.ProgressColumn("Confidence (mean)", min_value=0.0, max_value=1.0,
                                                           format="%.2f"),
        "precision": "Precision",
        "runner_up": "Runner-up",
        "metonymic": st.column_config.NumberColumn("Metonymic", help="Mentions standing for an actor: not plotted"),
        "corrected": st.column_config.NumberColumn("Corrected", help="Mentions corrected by an analyst"),
    },
)

keys = table["key"].tolist()
labels = dict(zip(table["key"], [f"{p} ({t or 'unresolved'}{', ' + c if c else ''}): {n} mentions"
                                 for p, t, c, n in zip(table["place"], table["feature_type"].fillna(""),
                                                       table["country"].fillna(""), table["mentions"],
                                                       strict=True)], strict=True))
# A row picked in the table, or ?place=..., selects the place (the selectbox below stays the control).
rows = getattr(getattr(event, "selection", None), "rows", None) or []
if rows and rows[0] < len(keys) and st.session_state.get("_places_table_pick") != keys[rows[0]]:
    st.session_state["_places_table_pick"] = keys[rows[0]]
    st.session_state["places_place"] = keys[rows[0]]
    st.session_state["_places_chosen"] = True
wanted = shared.place
if wanted in labels and st.session_state.get("_places_url_place") != wanted:
    st.session_state["places_place"] = wanted  # a link (or the Map page) selected another place
st.session_state["_places_url_place"] = wanted
if st.session_state.get("places_place") not in labels:
    st.session_state.pop("places_place", None)


def _chosen() -> None:
    st.session_state["_places_chosen"] = True

st.subheader("Review a place")
if not keys:
    app.empty_view(shared, "places")
else:
    place_key = st.selectbox("Place", keys, format_func=lambda k: labels.get(k, k), key="places_place",
                             on_change=_chosen)
    if st.session_state.pop("_places_chosen", False):
        chosen = None if place_key.startswith(UNRESOLVED) else place_key
        if chosen != shared.place:
            shared = app.update_view(place=chosen)
            st.session_state["_places_url_place"] = chosen
    shown = review_mentions(view, place_key, corrected_ids)
    st.dataframe(
        shown, hide_index=True, width="stretch", key="places_mentions",
        column_order=["mention_id", "published", "source", "title", "text", "sentence", "confidence",
                      "precision_label", "runner_up_name", "metonymic", "corrected"],
        column_config={
            "mention_id": st.column_config.NumberColumn("Mention", format="%d"),
            "published": "Published",
            "source": "Source",
            "title": "Article",
            "text": "As written",
            "sentence": st.column_config.TextColumn("Sentence", width="large"),
            "confidence": st.column_config.ProgressColumn("Confidence", min_value=0.0, max_value=1.0, format="%.2f"),
            "precision_label": "Precision",
            "runner_up_name": "Runner-up",
            "metonymic": st.column_config.CheckboxColumn("Metonymic"),
            "corrected": st.column_config.CheckboxColumn("Corrected"),
        },
    )
    mention_labels = {int(r.mention_id): f"#{int(r.mention_id)} · {r.published or 'undated'} · {r.source or '?'} · "
                                         f"“{r.text}”" for r in shown.itertuples(index=False)}
    mention_id = st.selectbox("Mention to review", list(mention_labels), key="places_mention",
                              format_func=lambda i: mention_labels.get(i, str(i)))
    record = store.mention(mention_id) if mention_id is not None else None
    if record is not None:
        gaz = app.get_gazetteer()
        covers = _preview(str(store.path), version, int(mention_id))
        current = (f"{record['place_name']} ({record['feature_type']}, {record['country']}) at "
                   f"{record['lat']:.4f}, {record['lon']:.4f}; confidence {float(record['confidence'] or 0):.2f}; "
                   f"precision: {precision_label(record['precision'])}"
                   if record["place_key"] else "not resolved (no confident candidate)")
        st.text(f"“{record['text']}” is now: {current}")
        if record["runner_up_key"]:
            st.text(f"Runner-up: {record['runner_up_name']} ({float(record['runner_up_confidence'] or 0):.2f})")
        if mention_id in corrected_ids:
            row = corrected.loc[corrected["mention_id"] == mention_id].iloc[0]
            st.text(f"Corrected by correction #{int(row['correction_id'])}; before it: "
                    f"{row['original_place_name'] if isinstance(row['original_place_name'], str) else 'not resolved'}")
        search = st.text_input("Search the gazetteer for another place", key="places_search",
                               placeholder="a name, e.g. Martuni")
        options = corr.mention_candidates(record, gaz, search)
        st.dataframe(pd.DataFrame(options, columns=["name", "type", "country", "lat", "lon", "match", "score",
                                                    "origin", "key"]),
                     hide_index=True, width="stretch", key="places_candidates")
        by_key = {o["key"]: o for o in options}
        context_name = corr.context_label(covers["context"], gaz)
        with st.form("places_correction"):
            st.markdown("**Correct this name**")
            st.radio("Correct by", ["candidate", "coordinates"], horizontal=True, key="places_how",
                           format_func={"candidate": "choosing a candidate",
                                        "coordinates": "setting coordinates by hand"}.get)
            st.selectbox(
                "Candidate", list(by_key), key=f"places_candidate_{mention_id}",
                format_func=lambda k: (f"{by_key[k]['name']} ({by_key[k]['type']}, {by_key[k]['country']}) "
                                       f"{by_key[k]['lat']:.4f}, {by_key[k]['lon']:.4f} [{by_key[k]['origin']}] {k}"))
            c1, c2 = st.columns(2)
            c1.number_input("Latitude", min_value=-90.0, max_value=90.0, format="%.5f", key=f"places_lat_{mention_id}",
                                  value=float(record["lat"]) if record["lat"] is not None else 0.0)
            c2.number_input("Longitude", min_value=-180.0, max_value=180.0, format="%.5f", key=f"places_lon_{mention_id}",
                                  value=float(record["lon"]) if record["lon"] is not None else 0.0)
            c3, c4 = st.columns(2)
            c3.text_input("Place name (coordinates only)", value=str(record["text"]),
                                        key=f"places_manual_name_{mention_id}")
            c4.selectbox("Feature type (coordinates only)", list(FEATURE_TYPES), key="places_manual_type")
            st.radio(
                "Applies to", ["context", corr.GLOBAL], key="places_scope",
                format_func={"context": f"this name in articles about {context_name}: "
                                        f"{covers['context_mentions']} mentions in {covers['context_articles']} articles",
                             corr.GLOBAL: f"this name in every article: {covers['global_mentions']} mentions in "
                                          f"{covers['global_articles']} articles (a correction made for an "
                                          "article's own context wins over it)"}.get)
            st.text_input("Analyst (who makes it)", key="places_analyst")
            st.text_area("Note (why)", key="places_note")
            st.form_submit_button("Save correction", type="primary", on_click=_save_correction, args=(mention_id,))
        st.caption("A correction applies to the name as written (normalised: case, accents and punctuation do not "
                   "matter) in every article of the same context, the article's focus country, or in every article "
                   "(global); articles added later get it too. Undo restores each mention's own resolution.")
        problem = st.session_state.pop("places_form_error", None)
        if problem:
            st.error("The correction was not saved:")
            st.text(problem)

st.subheader("Corrections")
log = store.corrections_df()
if log.empty:
    st.info("No correction yet.")
else:
    def _original_name(value: str) -> str:
        try:
            original = json.loads(value or "{}")
        except ValueError:
            return ""
        return original.get("place_name") or "not resolved"

    log = log.assign(original_place=[_original_name(v) for v in log["original"]])
    st.dataframe(
        log, hide_index=True, width="stretch", key="places_corrections",
        column_order=["correction_id", "status", "surface", "context", "place_name", "original_place", "kind",
                      "mentions", "articles", "analyst", "created_at", "note", "undone_by", "undone_at"],
        column_config={
            "correction_id": st.column_config.NumberColumn("#", format="%d"),
            "status": "Status",
            "surface": "Name",
            "context": "Context",
            "place_name": "Corrected to",
            "original_place": "Was",
            "kind": "How",
            "mentions": st.column_config.NumberColumn("Mentions now"),
            "articles": st.column_config.NumberColumn("Articles"),
            "analyst": "Analyst",
            "created_at": "When (UTC)",
            "note": st.column_config.TextColumn("Note", width="large"),
            "undone_by": "Undone by",
            "undone_at": "Undone at",
        },
    )

    def _undo(correction_id: int) -> None:
        try:
            corr.undo_correction(store, app.get_gazetteer(), correction_id,
                                 analyst=st.session_state.get("places_analyst", ""))
        except ValueError as exc:
            st.session_state["places_flash"] = f"Correction #{correction_id} was not undone: {exc}"
        else:
            st.session_state["places_flash"] = f"Correction #{correction_id} undone: the original resolution is back."

    for row in log.loc[log["status"] == "active"].itertuples(index=False):
        left, right = st.columns([6, 1])
        left.text(f"#{int(row.correction_id)} “{row.surface}” ({row.context}) → {row.place_name}, "
                  f"{int(row.mentions)} mentions; by {row.analyst}, {row.created_at}")
        right.button("Undo", key=f"places_undo_{int(row.correction_id)}", on_click=_undo,
                     args=(int(row.correction_id),))

st.subheader("Export")
claims = matching_claims
if not claims.empty:
    claims = claims.loc[claims["article_id"].isin(set(view["article_id"]))]
app.export_buttons(view, claims, key="places_export",
                  selected_place=st.session_state.get("places_place") if keys else None)
