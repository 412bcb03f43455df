"""Shared Streamlit helpers: the one place the pages get their data from.

* :func:`get_store` / :func:`get_pipeline`: shared resources (``st.cache_resource``; never mutate).
* :func:`ensure_corpus_loaded`: on first run (an empty store) ingest the configured corpus with a
  visible progress report, then rerun.
* :func:`load_mentions`, :func:`load_articles`, :func:`load_places`, :func:`load_counts`: cached
  reads keyed by ``Store.data_version()`` (every write bumps it, so caches never go stale).
* :func:`load_reference_layers`: the reference GeoJSON layers plus the offline basemap.
* :func:`escape_text`, :func:`article_html`: text made safe for display.

Everything a page shows of an article (titles, sources, sentences) is untrusted text: pages show
it through ``st.dataframe``/``st.text`` (no markup) or through HTML built here with every segment
escaped; never through Markdown, which would let a title load an outside image.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.config import get_settings
from geo.layers import basemap_layer, place_layer, precision_label, reference_layers
from geo.mapview import escape_text
from geo.store import Store

__all__ = [
    "APP_NAME",
    "ATTRIBUTION_NOTE",
    "MAP_URL_PATH",
    "article_html",
    "data_version",
    "ensure_corpus_loaded",
    "escape_text",
    "filter_mentions",
    "get_pipeline",
    "get_store",
    "load_articles",
    "load_counts",
    "load_mentions",
    "load_places",
    "load_reference_layers",
    "page_link",
    "place_link",
    "require_app_entrypoint",
    "sidebar_header",
]

APP_NAME = "Claim Atlas"
ATTRIBUTION_NOTE = "Claims are shown as attributed claims (who said what, in which source), never as fact."
#: URL path of the Map page (``st.Page(..., url_path=MAP_URL_PATH)`` in app.py).
MAP_URL_PATH = "map"
SOURCES_URL_PATH = "sources"


# ------------------------------------------------------------------------------------ resources
@st.cache_resource(show_spinner=False)
def _store_for(db_path: str) -> Store:
    return Store(Path(db_path))


def get_store() -> Store:
    """The store of the configured database (``CLAIM_ATLAS_DB``), one per process."""
    return _store_for(str(get_settings().db_path))


@st.cache_resource(show_spinner="Loading the language model and the gazetteer…")
def _pipeline_for(spacy_model: str, gazetteer_path: str, min_confidence: float):
    from geo.pipeline import Pipeline

    return Pipeline(get_settings())


def get_pipeline():
    """The ingestion pipeline (spaCy model + gazetteer), loaded once per process."""
    s = get_settings()
    return _pipeline_for(s.spacy_model, str(s.gazetteer_path), s.min_confidence)


def data_version() -> int:
    """The store's data version: the cache key of every loader below."""
    return get_store().data_version()


# ------------------------------------------------------------------------------------ routing
def require_app_entrypoint() -> None:
    """Make sure this page runs inside app.py's ``st.navigation``; call it first in every page.

    Streamlit keeps the legacy ``pages/`` folder mode for a fresh server process until a script
    calls ``st.navigation``: the first visitor who opens ``/map?place=...`` directly would get
    pages/map.py alone (no app.py, legacy sidebar, no wide layout). Here the page notices it is
    in that mode, turns it off and reruns, which runs app.py and routes to the same page. Uses
    ``PagesManager.uses_pages_directory`` (Streamlit internals, checked on 1.67); harmless when
    it is absent.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # pragma: no cover - a Streamlit without it
        return
    if getattr(PagesManager, "uses_pages_directory", None):
        PagesManager.uses_pages_directory = False
        st.rerun()


# ------------------------------------------------------------------------------------ first run
def ensure_corpus_loaded() -> None:
    """When the store holds no article, ingest the configured corpus folder, showing progress
    (``st.status`` + ``st.progress``, one line per file), then rerun the page. Does nothing
    otherwise (one ``COUNT`` query). A failed load is reported once per session, not retried in
    a loop."""
    store = get_store()
    if store.counts()["articles"] > 0 or st.session_state.get("_claim_atlas_load_failed"):
        return
    from geo.corpus import read_corpus

    settings = get_settings()
    folder = settings.corpus_dir
    if not folder.is_dir():
        st.warning(f"The store is empty and the corpus folder {folder} does not exist: nothing to show yet.")
        st.session_state["_claim_atlas_load_failed"] = True
        return
    articles, errors = read_corpus(folder, settings)
    with st.status(f"First run: reading the corpus in {folder.name}/ ({len(articles)} articles)…",
                   expanded=True) as status:
        for err in errors:
            st.text(f"rejected   {err}")
        bar = st.progress(0.0, text="Loading the language model and the gazetteer…")
        results = []
        if articles:
            pipeline = get_pipeline()
            bar.progress(0.0, text=f"0 of {len(articles)} articles")

            def progress(done: int, total: int, result: Any) -> None:
                results.append(result)
                bar.progress(done / max(total, 1), text=f"{done} of {total} articles")
                st.text(f"{result.status:<10} {result.name}: {result.message}")

            pipeline.ingest(articles, store, progress=progress)
        added = sum(r.status in ("added", "updated", "duplicate") for r in results)
        rejected = len(errors) + sum(r.status == "rejected" for r in results)
        label = f"Corpus loaded: {added} articles stored, {rejected} rejected."
        status.update(label=label, state="complete" if added else "error", expanded=not added)
    if store.counts()["articles"] > 0:
        st.rerun()
    st.session_state["_claim_atlas_load_failed"] = True
    st.error("No article could be stored: see the messages above.")


# ------------------------------------------------------------------------------------ data
@st.cache_data(show_spinner=False)
def _mentions(db_path: str, version: int) -> pd.DataFrame:
    return _store_for(db_path).mentions_df()


def load_mentions(version: int) -> pd.DataFrame:
    """Every mention (``Store.mentions_df()``), cached per data version."""
    return _mentions(str(get_settings().db_path), version)


@st.cache_data(show_spinner=False)
def _articles(db_path: str, version: int, with_text: bool) -> pd.DataFrame:
    return _store_for(db_path).articles_df(with_text=with_text)


def load_articles(version: int, with_text: bool = True) -> pd.DataFrame:
    """Every article with its metadata (and text), cached per data version."""
    return _articles(str(get_settings().db_path), version, with_text)


@st.cache_data(show_spinner=False)
def _counts(db_path: str, version: int) -> dict:
    store = _store_for(db_path)
    return {**store.counts(), "date_span": store.date_span()}


def load_counts(version: int) -> dict:
    """``Store.counts()`` plus ``date_span``, cached per data version."""
    return _counts(str(get_settings().db_path), version)


def filter_mentions(mentions: pd.DataFrame, min_confidence: float = 0.0,
                    feature_types: Sequence[str] | None = None) -> pd.DataFrame:
    """Mentions at or above ``min_confidence`` whose place is of one of ``feature_types``
    (``None``: any type). Unresolved mentions have no type and are dropped by a type filter."""
    keep = mentions["confidence"].fillna(0) >= float(min_confidence)
    if feature_types is not None:
        keep &= mentions["feature_type"].isin(list(feature_types))
    return mentions.loc[keep]


@st.cache_data(show_spinner=False)
def _places(db_path: str, version: int, min_confidence: float, feature_types: tuple[str, ...] | None):
    mentions = _mentions(db_path, version)
    return place_layer(filter_mentions(mentions, min_confidence, feature_types))


def load_places(version: int, min_confidence: float = 0.0,
                feature_types: Sequence[str] | None = None) -> gpd.GeoDataFrame:
    """The place layer (:func:`geo.layers.place_layer`) of the filtered mentions, cached."""
    types = tuple(sorted(feature_types)) if feature_types is not None else None
    return _places(str(get_settings().db_path), version, float(min_confidence), types)


@st.cache_resource(show_spinner="Reading the reference layers…")
def _reference(reference_dir: str, mtime: float) -> dict[str, gpd.GeoDataFrame]:
    layers = reference_layers(reference_dir)
    layers["basemap"] = basemap_layer(reference_dir)
    return layers


def load_reference_layers() -> dict[str, gpd.GeoDataFrame]:
    """Reference layers and the basemap (shared between sessions: do not modify them)."""
    folder = get_settings().reference_dir
    mtime = max((p.stat().st_mtime for p in folder.glob("*.geojson")), default=0.0)
    return _reference(str(folder), mtime)


# ------------------------------------------------------------------------------------ display
def sidebar_header() -> None:
    """App name and the attribution note, at the top of the sidebar."""
    st.sidebar.markdown(f"### {APP_NAME}")
    st.sidebar.caption(ATTRIBUTION_NOTE)


def page_link(page: str, label: str, icon: str | None = None) -> None:
    """``st.page_link`` to a page of app.py's navigation; plain text when the page runs on its own
    (``streamlit run pages/x.py``, a test), where there is no navigation to link into."""
    from streamlit.errors import StreamlitAPIException

    try:
        st.page_link(page, label=label, icon=icon)
    except StreamlitAPIException:  # StreamlitPageNotFoundError: no st.navigation in this run
        st.caption(label)


def place_link(place_key: str, base: str = MAP_URL_PATH) -> str:
    """Relative URL of the Map page with this place selected (``map?place=...``)."""
    return f"{base}?place={quote(str(place_key), safe='')}"


def _mention_title(m: Any) -> str:
    if bool(m.not_a_place):
        return f"“{m.text}”: not a place here (e.g. part of an organisation's name); not plotted"
    if not isinstance(m.place_key, str) or not m.place_key:
        return f"“{m.text}”: not resolved (no confident match in the gazetteer); not plotted"
    where = ", ".join(x for x in (str(m.feature_type or ""), str(m.country or "")) if x)
    title = (f"Resolved to {m.place_name} ({where}) · confidence {float(m.confidence or 0):.2f} · "
             f"precision: {precision_label(m.precision)}")
    if isinstance(m.runner_up_name, str) and m.runner_up_name:
        title += f" · runner-up: {m.runner_up_name} ({float(m.runner_up_confidence or 0):.2f})"
    if bool(m.metonymic):
        reason = f" ({m.metonymy_reason})" if isinstance(m.metonymy_reason, str) and m.metonymy_reason else ""
        title += f" · metonymic: stands for an actor{reason}; not plotted"
    return title + " · click to see it on the map"


_MARK_STYLE = {
    "place": "background:#fde68a",
    "metonymic": "background:#bfdbfe",
    "unresolved": "background:#e5e7eb;border-bottom:1px dashed #6b7280",
    "not_a_place": "background:#f3f4f6;color:#6b7280",
}


def article_html(text: str, mentions: pd.DataFrame, map_url: str = MAP_URL_PATH) -> str:
    """The article text as HTML: every segment escaped, each place name in a ``<mark>`` whose
    ``title`` tells how it was resolved (place, confidence, metonymic / not a place); resolved
    names link to the Map page with that place selected. Paragraphs become ``<p>``."""
    text = str(text or "")
    parts: list[str] = []
    pos = 0
    cols = ["start", "end", "text", "not_a_place", "place_key", "place_name", "feature_type", "country",
            "confidence", "precision", "runner_up_name", "runner_up_confidence", "metonymic", "metonymy_reason"]
    rows = mentions[cols].sort_values(["start", "end"]) if not mentions.empty else mentions.reindex(columns=cols)
    for m in rows.itertuples(index=False):
        start, end = int(m.start), int(m.end)
        if start < pos or end > len(text) or end <= start:
            continue  # overlapping or out of range: leave the text as it is
        parts.append(escape_text(text[pos:start]))
        if bool(m.not_a_place):
            kind = "not_a_place"
        elif not isinstance(m.place_key, str) or not m.place_key:
            kind = "unresolved"
        else:
            kind = "metonymic" if bool(m.metonymic) else "place"
        mark = (f'<mark class="ca-{kind}" style="{_MARK_STYLE[kind]}" title="{escape_text(_mention_title(m))}">'
                f"{escape_text(text[start:end])}</mark>")
        if kind in ("place", "metonymic"):
            mark = f'<a href="{escape_text(place_link(m.place_key, map_url))}" target="_self">{mark}</a>'
        parts.append(mark)
        pos = end
    parts.append(escape_text(text[pos:]))
    body = "".join(parts).replace("\r\n", "\n").strip()
    paragraphs = [p.replace("\n", "<br>") for p in body.split("\n\n") if p.strip()]
    return "<div class='ca-article'>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</div>"


# ------------------------------------------------------------------------------------ claims
#: URL paths of the Claims and Timeline pages (``st.Page(..., url_path=...)`` in app.py).
CLAIMS_URL_PATH = "claims"
TIMELINE_URL_PATH = "timeline"
#: Session-state key of the date range picked on the Timeline page: ``(from, to)``, dates or None.
DATE_RANGE_KEY = "date_range"


@st.cache_data(show_spinner=False)
def _claims(db_path: str, version: int) -> pd.DataFrame:
    from geo.layers import claim_table

    return claim_table(_store_for(db_path).claims_df())


def load_claims(version: int) -> pd.DataFrame:
    """Every claim (:func:`geo.layers.claim_table` of ``Store.claims_df()``), cached per data version."""
    return _claims(str(get_settings().db_path), version)


def _claim_disputes(store: Store) -> pd.DataFrame | None:
    """The store's dispute links (``claim_id``, ``disputed_by``, ``disputing_claim_id``) when it
    offers them (``Store.claim_disputes_df``); otherwise None and popups name the disputing actors
    only."""
    reader = getattr(store, "claim_disputes_df", None)
    return reader() if callable(reader) else None


@st.cache_data(show_spinner=False)
def _claim_layer(db_path: str, version: int) -> gpd.GeoDataFrame:
    from geo.layers import claim_layer

    store = _store_for(db_path)
    return claim_layer(store.claims_df(), store.claim_places_df(), _mentions(db_path, version),
                       _claim_disputes(store))


def load_claim_layer(version: int) -> gpd.GeoDataFrame:
    """The claims as map features (:func:`geo.layers.claim_layer`), cached per data version."""
    return _claim_layer(str(get_settings().db_path), version)


def _parse_day(value: object):
    from datetime import date

    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10]) if value else None
    except ValueError:
        return None


def active_date_range() -> tuple | None:
    """The date range picked on the Timeline page, as ``(from, to)`` (dates; either may be None
    for an open end), or None. ``?from=&to=`` in the URL (ISO dates) wins and is kept in
    ``st.session_state[DATE_RANGE_KEY]``; a range held in the session is written back to the URL,
    so every page's address shares it. Invalid dates are dropped."""
    params = st.query_params
    if "from" in params or "to" in params:
        lo, hi = _parse_day(params.get("from")), _parse_day(params.get("to"))
        if lo and hi and lo > hi:
            lo, hi = hi, lo
        if lo or hi:
            st.session_state[DATE_RANGE_KEY] = (lo, hi)
        else:
            st.session_state.pop(DATE_RANGE_KEY, None)
    rng = st.session_state.get(DATE_RANGE_KEY)
    if not rng or not any(rng):
        for k in ("from", "to"):
            if k in params:
                del params[k]
        return None
    _write_range_params(rng)
    return rng


def _write_range_params(rng: tuple) -> None:
    params = st.query_params
    for k, v in zip(("from", "to"), rng, strict=True):
        if v is None:
            if k in params:
                del params[k]
        elif params.get(k) != v.isoformat():
            params[k] = v.isoformat()


def set_date_range(start: object, end: object) -> None:
    """Keep ``start``..``end`` (dates or ISO strings) as the shared date range (session and URL)."""
    lo, hi = _parse_day(start), _parse_day(end)
    if lo and hi and lo > hi:
        lo, hi = hi, lo
    if not lo and not hi:
        clear_date_range()
        return
    st.session_state[DATE_RANGE_KEY] = (lo, hi)
    _write_range_params((lo, hi))


def clear_date_range() -> None:
    """Forget the shared date range (session and URL)."""
    st.session_state.pop(DATE_RANGE_KEY, None)
    for k in ("from", "to"):
        if k in st.query_params:
            del st.query_params[k]


def date_range_label(rng: tuple | None) -> str:
    """``2020-10-20 – 2020-10-23``; ``…`` for an open end."""
    if not rng:
        return ""
    lo, hi = rng
    return f"{lo.isoformat() if lo else '…'} – {hi.isoformat() if hi else '…'}"


def date_range_note(key: str, detail: str = "") -> tuple | None:
    """The active Timeline range (:func:`active_date_range`), announced with a "Clear" button, or
    None. ``key`` keeps the button's key unique per page; ``detail`` (our own text) says what the
    range applies to."""
    rng = active_date_range()
    if rng:
        note, button = st.columns([6, 1], vertical_alignment="center")
        note.info(f"Filtered to {date_range_label(rng)} (from Timeline).{' ' + detail if detail else ''}")
        button.button("Clear date filter", key=f"{key}_clear_date_range", on_click=clear_date_range)
    return rng


def claim_paragraph_html(text: str, start: int, end: int, max_chars: int = 2000) -> str:
    """The paragraph of ``text`` around the claim at ``start``..``end`` (paragraphs are separated
    by blank lines), every segment escaped, the claim in ``<mark class="ca-claim">``. A very long
    paragraph is cut to about ``max_chars`` around the claim."""
    text = str(text or "").replace("\r\n", "\n")
    start, end = max(0, int(start)), min(len(text), int(end))
    if end <= start:
        return "<div class='ca-claim-paragraph'><p><i>(the claim's text is not in the stored article)</i></p></div>"
    lo = text.rfind("\n\n", 0, start)
    lo = 0 if lo < 0 else lo + 2
    hi = text.find("\n\n", end)
    hi = len(text) if hi < 0 else hi
    room = max(0, max_chars - (end - start)) // 2
    head, tail = "", ""
    if start - lo > room:
        lo, head = start - room, "…"
    if hi - end > room:
        hi, tail = end + room, "…"
    parts = [head + escape_text(text[lo:start]),
             f'<mark class="ca-claim" style="background:#fde68a">{escape_text(text[start:end])}</mark>',
             escape_text(text[end:hi]).rstrip() + tail]
    body = "".join(parts).strip().replace("\n", "<br>")
    return f"<div class='ca-claim-paragraph'><p>{body}</p></div>"


def claim_header_html(claim: Any, disputing: Sequence[int] = ()) -> str:
    """Who, when, what kind, where from, and who disputes it, for one claim (a row of
    :func:`load_claims`): every value escaped, with the reminder that it is an attributed claim.
    ``disputing``: ids of the claims known to dispute it, linked (``claims?claim=<id>``)."""
    from geo.layers import claim_date_label

    get = claim.get if isinstance(claim, dict) else (lambda k, d=None: getattr(claim, k, d))
    claimant = escape_text(get("claimant"))
    said = get("claimant_text")
    as_written = f" <small>(as written: “{escape_text(said)}”)</small>" if isinstance(said, str) and said and \
        said != get("claimant") else ""
    when = escape_text(claim_date_label(get("date"), get("date_end"), get("date_precision")))
    stance = " · a denial" if get("stance") == "deny" else ""
    source = escape_text(get("source") or "unknown source")
    published = escape_text(get("published") or "undated")
    url = get("url")
    link = (f' · <a href="{escape_text(url)}" rel="noopener noreferrer">original</a>'
            if isinstance(url, str) and url.startswith(("http://", "https://")) else "")
    html = (f"<div class='ca-claim-header'><p style='background:#fff7e6;border-left:3px solid #f0ad4e;"
            f"padding:3px 7px'>A claim attributed to <b>{claimant}</b>, as the source reports it: "
            f"not a verified fact.</p>"
            f"<p><b>{claimant}</b>{as_written}<br>date: {when} · kind: {escape_text(get('kind'))}{stance} · "
            f"claim #{int(get('claim_id'))}<br>source: <b>{source}</b>, {published}: "
            f"<i>{escape_text(get('title'))}</i> (article #{int(get('article_id'))}){link}</p>")
    disputed_by = get("disputed_by") or []
    if isinstance(disputed_by, str):
        disputed_by = [d for d in disputed_by.split("|") if d]
    if disputed_by:
        links = ", ".join(f'<a href="{CLAIMS_URL_PATH}?claim={int(i)}" target="_self">claim #{int(i)}</a>'
                          for i in disputing)
        html += (f"<p style='color:#b71c1c;font-weight:bold'>Disputed by {escape_text(', '.join(disputed_by))}"
                 f"{': ' + links if links else ''}</p>")
    return html + "</div>"


# ------------------------------------------------------------------------------------ places, exports
#: URL paths of the Places and Add articles pages (``st.Page(..., url_path=...)`` in app.py).
PLACES_URL_PATH = "places"
ADD_ARTICLES_URL_PATH = "add"


@st.cache_resource(show_spinner="Opening the gazetteer…")
def _gazetteer_for(gazetteer_path: str, reference_dir: str):
    from geo.gazetteer import get_gazetteer

    return get_gazetteer(get_settings())


def get_gazetteer():
    """The offline gazetteer (built on first use), without the language model: for lookups and
    corrections (shared between sessions: read only)."""
    s = get_settings()
    return _gazetteer_for(str(s.gazetteer_path), str(s.reference_dir))


def export_buttons(mentions_df: pd.DataFrame, claims_df: pd.DataFrame | None = None, *, key: str = "export",
                   selected_place: str | None = None) -> None:
    """Download buttons for the view the page shows: ``mentions_df`` (already filtered by the page)
    and, optionally, ``claims_df`` (its claims). GeoJSON of the places, CSV of the mentions (and of
    the claims), a GeoPackage with layers ``places``/``mentions``/``claims`` and a standalone HTML
    map that works offline (:mod:`geo.export`). Files are made when a button is clicked. ``key``
    prefixes the widget keys (call it more than once on a page with different keys)."""
    from datetime import date

    from geo import export
    from geo.layers import plottable_mentions

    mentions = mentions_df.copy()
    claims = claims_df.copy() if claims_df is not None and not claims_df.empty else None
    links = get_store().claim_places_df() if claims is not None else None
    reference = load_reference_layers()
    stem = f"claim-atlas-{date.today().isoformat()}"
    n_places = plottable_mentions(mentions)["place_key"].nunique() if not mentions.empty else 0
    label = (f"Export this view: {n_places} places, {len(mentions)} mentions"
             + (f", {len(claims)} claims" if claims is not None else "") + ".")
    st.caption(label + " Files are made when you click; the HTML map opens offline, from the file alone.")
    cols = st.columns(5 if claims is not None else 4)
    buttons = [
        ("GeoJSON (places)", lambda: export.export_geojson(mentions, "places"), "places.geojson", "geojson"),
        ("CSV (mentions)", lambda: export.export_csv(mentions, "mentions"), "mentions.csv", "csv"),
        ("GeoPackage", lambda: export.export_gpkg(mentions, claims, links), "view.gpkg", "gpkg"),
        ("HTML map (offline)", lambda: export.export_html(mentions, reference, selected_place=selected_place),
         "map.html", "html"),
    ]
    if claims is not None:
        buttons.append(("CSV (claims)", lambda: export.export_csv(mentions, "claims", claims=claims,
                                                                  claim_places=links), "claims.csv", "csv"))
    for col, (text, make, suffix, kind) in zip(cols, buttons, strict=True):
        col.download_button(text, data=make, file_name=f"{stem}-{suffix}", mime=export.MIME[kind],
                            key=f"{key}_{suffix.replace('.', '_')}", on_click="ignore")


@st.cache_data(show_spinner=False)
def _places_in_range(db_path: str, version: int, min_confidence: float, feature_types: tuple[str, ...] | None,
                     start: str | None, end: str | None) -> gpd.GeoDataFrame:
    from geo.layers import mentions_in_range

    mentions = mentions_in_range(_mentions(db_path, version), start, end)
    return place_layer(filter_mentions(mentions, min_confidence, feature_types))


def load_places_in_range(version: int, min_confidence: float = 0.0, feature_types: Sequence[str] | None = None,
                         date_range: tuple | None = None) -> gpd.GeoDataFrame:
    """:func:`load_places` limited to the articles published in ``date_range`` (``(from, to)``,
    either end open); the whole store when it is None. Cached."""
    if not date_range:
        return load_places(version, min_confidence, feature_types)
    types = tuple(sorted(feature_types)) if feature_types is not None else None
    lo, hi = (d.isoformat() if d else None for d in date_range)
    return _places_in_range(str(get_settings().db_path), version, float(min_confidence), types, lo, hi)
