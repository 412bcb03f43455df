"""Shared Streamlit helpers: the one place the pages get their data from.

* :func:`get_store` / :func:`get_pipeline`: shared resources (``st.cache_resource``; never mutate).
* :func:`ensure_corpus_loaded`: on first run (an empty store) ingest the configured corpus with a
  visible progress report, then rerun.
* :func:`load_mentions`, :func:`load_articles`, :func:`load_places`, :func:`load_counts`: cached
  reads keyed by ``Store.data_version()`` (every write bumps it, so caches never go stale).
* :func:`load_reference_layers`: the reference GeoJSON layers plus the offline basemap.
* :func:`escape_text`, :func:`article_html`: text made safe for display.
* :func:`view_filters`: the sidebar filters every data page shares, synchronised with the URL
  (a shareable link, :mod:`geo.viewstate`); :func:`view_data`, :func:`load_view_places`: the data
  of a view; :func:`update_view`: the selected place or claim, the map's centre and zoom.

Everything a page shows of an article (titles, sources, sentences) is untrusted text: pages show
it through ``st.dataframe``/``st.text`` (no markup) or through HTML built here with every segment
escaped; never through Markdown, which would let a title load an outside image.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.config import get_settings
from geo.layers import basemap_layer, place_layer, precision_label, reference_layers
from geo.mapview import escape_text
from geo.store import Store
from geo.viewstate import (
    KINDS,
    MAX_SEARCH_CHARS,
    VIEW_PARAMS,
    ViewState,
    Vocabulary,
    claim_filters_active,
    claims_naming,
    explain_empty,
    parse_view,
    to_query_params,
)
from geo.viewstate import filter_claims as view_filter_claims
from geo.viewstate import filter_mentions as view_filter_mentions

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
    "start_data_page",
    "update_view",
    "view_data",
    "view_filters",
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


def _link(base: str, view: ViewState | None, **selection: Any) -> str:
    params = to_query_params(view.filters()) if view is not None else {}
    params.update({k: str(v) for k, v in selection.items()})
    return f"{base}?{urlencode(params, doseq=True, quote_via=quote)}"


def place_link(place_key: str, base: str = MAP_URL_PATH, view: ViewState | None = None) -> str:
    """Relative URL of the Map page with this place selected (``map?place=...``), keeping the
    filters of ``view`` (a link opened from the page starts a new session: the URL is the view)."""
    return _link(base, view, place=place_key)


def claim_link(claim_id: int, view: ViewState | None = None) -> str:
    """Relative URL of the Claims page with this claim selected, keeping the filters of ``view``."""
    return _link(CLAIMS_URL_PATH, view, claim=int(claim_id))


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


def article_html(text: str, mentions: pd.DataFrame, map_url: str = MAP_URL_PATH,
                 view: ViewState | None = None) -> str:
    """The article text as HTML: every segment escaped, each place name in a ``<mark>`` whose
    ``title`` tells how it was resolved (place, confidence, metonymic / not a place); resolved
    names link to the Map page with that place selected (and the filters of ``view``). Paragraphs
    become ``<p>``."""
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
            mark = f'<a href="{escape_text(place_link(m.place_key, map_url, view))}" target="_self">{mark}</a>'
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


def claim_header_html(claim: Any, disputing: Sequence[int] = (), view: ViewState | None = None) -> str:
    """Who, when, what kind, where from, and who disputes it, for one claim (a row of
    :func:`load_claims`): every value escaped, with the reminder that it is an attributed claim.
    ``disputing``: ids of the claims known to dispute it, linked (``claims?claim=<id>``, with the
    filters of ``view``)."""
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
        links = ", ".join(f'<a href="{escape_text(claim_link(i, view))}" target="_self">claim #{int(i)}</a>'
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
    links = load_claim_places(data_version()) if claims is not None else None
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


# ------------------------------------------------------------------------------------ shared view
# One view for every page: the sidebar filters (view_filters), the selected place or claim and the
# map's centre and zoom, kept in the session and in the URL's query parameters (geo.viewstate).
#
# Source of truth on each run: when the URL differs from the one this session last wrote (a link
# was opened, the browser went back), the URL wins: it is parsed against the store's vocabulary
# (hostile values fall back with a note) and sets the widgets. Otherwise the widgets win and the
# URL is rewritten from them. Navigating between pages clears the query in the browser: then the
# session's view stands and the new page writes it back.
VIEW_KEY = "_view"  # the current ViewState (not a widget key: it survives pages without the sidebar)
_URL_KEY = "_view_url"  # the view's query parameters as last written or applied
_PAGE_KEY = "_view_page"  # the page of the last run
_NOTES_KEY = "_view_notes"  # (notes on the link last applied, the filters they apply to)
_EPOCH_KEY = "_view_epoch"  # bumped when a link is applied or a page opened: the map re-frames
_LINK_SLOT_KEY = "_view_link_slot"  # the sidebar element showing the link (rewritten on updates)

W_FROM, W_TO = "flt_from", "flt_to"
W_SOURCE, W_CLAIMANT, W_KIND = "flt_source", "flt_claimant", "flt_kind"
W_DISPUTED, W_SEARCH, W_CONF = "flt_disputed", "flt_q", "flt_conf"
_EARLIEST, _LATEST = date(1900, 1, 1), date(2100, 12, 31)
_EMBED = {"embed", "embed_options"}  # Streamlit's own query parameters, never rewritten  # the dates geo.viewstate accepts
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&\"'=^%@/;,?])")


_AUTOLINK = re.compile(r"(?i)(www(?=\.)|:|@)")
_ZWSP = "\u200b"


def plain_markdown(text: object) -> str:
    """``text`` for Streamlit's Markdown (st.warning, st.info...) shown literally: every ASCII
    punctuation character backslash-escaped, so link parameters or place names never become
    links, images, HTML, icons, colours or formulas; and a zero-width space before ``:`` and
    after ``www`` and ``@``, which GitHub-flavoured Markdown would otherwise turn into links
    (``http://...``, ``www.x.org``, ``a@b.org``) in spite of the escapes."""
    text = _AUTOLINK.sub(lambda m: _ZWSP + m.group(1) if m.group(1) == ":" else m.group(1) + _ZWSP,
                         str(text).replace(_ZWSP, ""))
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


@st.cache_data(show_spinner=False)
def _claim_places(db_path: str, version: int) -> pd.DataFrame:
    return _store_for(db_path).claim_places_df()


def load_claim_places(version: int) -> pd.DataFrame:
    """``Store.claim_places_df()`` (claim_id, mention_id), cached per data version."""
    return _claim_places(str(get_settings().db_path), version)


@st.cache_data(show_spinner=False)
def _vocabulary(db_path: str, version: int) -> Vocabulary:
    mentions, claims = _mentions(db_path, version), _claims(db_path, version)
    articles = _articles(db_path, version, False)
    sources = set(articles["source"].dropna().astype(str)) | set(claims["source"].dropna().astype(str))
    return Vocabulary(
        sources=frozenset(s for s in sources if s),
        claimants=frozenset(c for c in claims["claimant"].dropna().astype(str) if c),
        place_keys=frozenset(k for k in mentions["place_key"].dropna().astype(str) if k),
        claim_ids=frozenset(int(c) for c in claims["claim_id"]),
    )


def vocabulary() -> Vocabulary:
    """What the store holds (sources, claimants, place keys, claim ids): what links are checked
    against and what the filters offer. Cached per data version."""
    return _vocabulary(str(get_settings().db_path), data_version())


def view_key(view: ViewState) -> str:
    """The filters of ``view`` as a short stable text (a cache key)."""
    return json.dumps(to_query_params(view.filters()), sort_keys=True)


@st.cache_data(show_spinner=False, max_entries=64)
def _view_data(db_path: str, version: int, key: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    view, _ = parse_view(json.loads(key), Vocabulary())
    mentions, claims = _mentions(db_path, version), _claims(db_path, version)
    links = _claim_places(db_path, version)
    named = claims_naming(links, mentions, view.place_search) if view.place_search else None
    claims = view_filter_claims(claims, view, named)
    claim_mentions = None
    if claim_filters_active(view):
        claim_mentions = set(links.loc[links["claim_id"].isin(set(claims["claim_id"])), "mention_id"].astype(int))
    return view_filter_mentions(mentions, view, claim_mentions), claims


def view_data(version: int, view: ViewState) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The mentions and the claims (rows of :func:`load_claims`) of the view's filters, cached.
    Claim filters (claimant, kind, disputed) keep the place names of the matching claims only;
    the place search keeps the claims whose text or places match it."""
    if not view.has_filters:
        return load_mentions(version), load_claims(version)
    return _view_data(str(get_settings().db_path), version, view_key(view))


@st.cache_data(show_spinner=False, max_entries=64)
def _view_places(db_path: str, version: int, key: str) -> gpd.GeoDataFrame:
    return place_layer(_view_data(db_path, version, key)[0])


def load_view_places(version: int, view: ViewState) -> gpd.GeoDataFrame:
    """The place layer (:func:`geo.layers.place_layer`) of the view's mentions, cached."""
    if not view.has_filters:
        return load_places(version)
    return _view_places(str(get_settings().db_path), version, view_key(view))


def _named(mentions: pd.DataFrame) -> int:
    if mentions is None or mentions.empty:
        return 0
    return int((~mentions["not_a_place"].fillna(0).astype(int).astype(bool)).sum())


def match_counts(version: int, view: ViewState, mentions: pd.DataFrame, claims: pd.DataFrame) -> str:
    """``12 of 71 place names, 9 of 36 claims match the filters`` (names read as "not a place"
    are not counted)."""
    total_names, total_claims = _named(load_mentions(version)), len(load_claims(version))
    if not view.has_filters:
        return f"{total_names} place names, {total_claims} claims (no filter)."
    return (f"{_named(mentions)} of {total_names} place names, {len(claims)} of {total_claims} claims "
            "match the filters.")


def _widget_values(view: ViewState) -> dict[str, Any]:
    return {W_FROM: view.date_from, W_TO: view.date_to, W_SOURCE: list(view.sources),
            W_CLAIMANT: list(view.claimants), W_KIND: list(view.kinds), W_DISPUTED: view.disputed_only,
            W_SEARCH: view.place_search, W_CONF: float(view.min_confidence)}


def _view_from_widgets(base: ViewState) -> ViewState:
    s = st.session_state
    lo, hi = s.get(W_FROM), s.get(W_TO)
    lo = lo if isinstance(lo, date) else None
    hi = hi if isinstance(hi, date) else None
    if lo and hi and lo > hi:
        lo, hi = hi, lo
    conf = s.get(W_CONF) or 0.0
    return base.with_changes(
        date_from=lo, date_to=hi,
        sources=tuple(dict.fromkeys(s.get(W_SOURCE) or ())),
        claimants=tuple(dict.fromkeys(s.get(W_CLAIMANT) or ())),
        kinds=tuple(dict.fromkeys(s.get(W_KIND) or ())),
        disputed_only=bool(s.get(W_DISPUTED)),
        place_search=" ".join(str(s.get(W_SEARCH) or "").split())[:MAX_SEARCH_CHARS],
        min_confidence=round(min(max(float(conf), 0.0), 1.0), 3),
    )


def _query_now() -> dict[str, tuple[str, ...]]:
    params = st.query_params
    return {k: tuple(params.get_all(k)) for k in VIEW_PARAMS if k in params}


def _as_query(view: ViewState) -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) if isinstance(v, list) else (v,) for k, v in to_query_params(view).items()}


def _write_url(view: ViewState) -> None:
    """Write ``view`` to the URL: changed parameters set, parameters back at their default removed;
    parameters that are not the view's (``article``...) left alone."""
    target = _as_query(view)
    if _query_now() != target:
        params = st.query_params
        others = {k: params.get_all(k) for k in params if k not in VIEW_PARAMS and k.lower() not in _EMBED}
        # One message (one browser history entry), parameters in a stable order.
        params.from_dict({**{k: list(v) for k, v in target.items()}, **others})
    st.session_state[_URL_KEY] = target


def enter_page(page: str) -> bool:
    """Record that ``page`` (a URL path) runs; True when the previous run was another page. Pages
    without the shared filters (Add articles) call it, so coming back is seen as a navigation
    (whose cleared URL keeps the session's view) and not as a link without parameters."""
    state = st.session_state
    navigated = state.get(_PAGE_KEY) != page
    state[_PAGE_KEY] = page
    if navigated:
        state[_EPOCH_KEY] = state.get(_EPOCH_KEY, 0) + 1
        state.pop(_NOTES_KEY, None)
    return navigated


def _sync_from_url(page: str) -> None:
    """Apply the URL's view when it was not written by this session (see the section comment)."""
    state = st.session_state
    now, last = _query_now(), state.get(_URL_KEY)
    navigated = enter_page(page)
    if last is not None and (now == last or (navigated and not now)):
        if navigated:  # widget values do not follow the reader to another page: the session's view does
            state.update(_widget_values(state.get(VIEW_KEY, ViewState())))
        return
    view, notes = parse_view(st.query_params, vocabulary())
    state[VIEW_KEY] = view
    state.update(_widget_values(view))
    state[_EPOCH_KEY] = state.get(_EPOCH_KEY, 0) + 1
    if notes:
        state[_NOTES_KEY] = (notes, view.filters())
    else:
        state.pop(_NOTES_KEY, None)


def _active_filters(view: ViewState) -> int:
    return sum(bool(x) for x in (view.date_from or view.date_to, view.sources, view.claimants, view.kinds,
                                 view.disputed_only, view.place_search, view.min_confidence))


def reset_filters() -> None:
    """Every filter back to its default (the selected place or claim and the map view stay)."""
    st.session_state.update(_widget_values(ViewState()))


def _order_dates(changed: str) -> None:
    """Keep From <= To: moving one end past the other moves the other end with it."""
    s = st.session_state
    lo, hi = s.get(W_FROM), s.get(W_TO)
    if isinstance(lo, date) and isinstance(hi, date) and lo > hi:
        if changed == W_FROM:
            s[W_TO] = lo
        else:
            s[W_FROM] = hi


def set_date_range(start: date | None, end: date | None) -> None:
    """Set the shared date range (for a widget callback: the Timeline's brush). The ends are put
    in order; None leaves that end open."""
    if start and end and start > end:
        start, end = end, start
    st.session_state[W_FROM], st.session_state[W_TO] = start, end


def share_url(view: ViewState, page: str) -> str:
    """The link to ``view`` on ``page`` (a URL path): absolute when Streamlit knows the browser's
    address (``st.context.url``, which ends with the page's path), else relative."""
    query = urlencode(to_query_params(view), doseq=True, quote_via=quote)
    try:
        base = st.context.url
    except Exception:  # pragma: no cover - no browser context
        base = None
    base = base or page
    return f"{base}?{query}" if query else base


def _show_link(view: ViewState, page: str) -> None:
    slot = st.session_state.get(_LINK_SLOT_KEY)
    if slot is None:
        return
    with slot.container():
        st.markdown("**Copy link**", help="The link reopens this page with these filters, the selected place "
                    "or claim and the map's view. It holds no article text. Copy it with the copy icon at "
                    "the right of the box (shown on hover).")
        st.code(share_url(view, page), language=None, wrap_lines=True)


def update_view(**changes: Any) -> ViewState:
    """Change the selected place or claim or the map's view (``place=``, ``claim=``, ``lat=``...):
    kept in the session, written to the URL and to the sidebar's link. Call it after
    :func:`view_filters`, from the page body (not from a widget callback)."""
    state = st.session_state
    view = state.get(VIEW_KEY, ViewState()).with_changes(**changes)
    state[VIEW_KEY] = view
    _write_url(view)
    _show_link(view, state.get(_PAGE_KEY) or "")
    return view


def view_epoch() -> int:
    """A number that changes when a link is applied or a page is opened (the Map re-frames then)."""
    return int(st.session_state.get(_EPOCH_KEY, 0))


def view_filters(page: str) -> ViewState:
    """The filters every data page shares, in the sidebar: published or claimed between two dates,
    sources, claimants, claim kinds, disputed only, place search, minimum confidence; plus a
    "Reset filters" button and the link to the view. Returns the page's :class:`ViewState`.

    ``page`` is the page's URL path (``"map"``...). Reads the URL when it changed outside the app
    (a shared link: invalid values are shown in a warning and fall back to defaults), writes the
    view back to the URL when the widgets change it."""
    _sync_from_url(page)
    state = st.session_state
    base = state.get(VIEW_KEY, ViewState())
    for k, v in _widget_values(base).items():
        if k not in state:  # e.g. after a page without the sidebar (Add articles)
            state[k] = v
    vocab = vocabulary()

    def options(known: frozenset, key: str) -> list[str]:
        return sorted(set(known) | set(state.get(key) or []), key=str.casefold)

    view = _view_from_widgets(base)  # widget values are in the session before the widgets are drawn
    with st.sidebar:
        state[_LINK_SLOT_KEY] = st.empty()
        active = _active_filters(view)
        st.subheader(f"Filters ({active} active)" if active else "Filters",
                     help="Shared by every page and kept in the link above.")
        st.date_input("From", value=None, min_value=_EARLIEST, max_value=_LATEST, key=W_FROM,
                      format="YYYY-MM-DD", on_change=_order_dates, args=(W_FROM,),
                      help="Claims about this date or later (undated claims: their article's date); "
                           "place names in articles published from this date. Empty: no lower bound")
        st.date_input("To", value=None, min_value=_EARLIEST, max_value=_LATEST, key=W_TO, format="YYYY-MM-DD",
                      on_change=_order_dates, args=(W_TO,), help="Inclusive. Empty: no upper bound")
        st.multiselect("Sources", options(vocab.sources, W_SOURCE), key=W_SOURCE, placeholder="All sources")
        st.multiselect("Claimants", options(vocab.claimants, W_CLAIMANT), key=W_CLAIMANT,
                       placeholder="All claimants", help="Place names are then those of these claimants' claims")
        st.multiselect("Claim kind", options(frozenset(KINDS), W_KIND), key=W_KIND, placeholder="All kinds")
        st.toggle("Disputed claims only", key=W_DISPUTED)
        st.text_input("Place search", key=W_SEARCH, max_chars=MAX_SEARCH_CHARS, placeholder="e.g. Martuni",
                      help="Place names as written or as resolved; claims naming such a place or saying it")
        st.slider("Minimum confidence", 0.0, 1.0, step=0.05, key=W_CONF,
                  help="Hide place names resolved with less confidence (claims are not affected)")
        st.button("Reset filters", key="flt_reset", on_click=reset_filters, disabled=not view.has_filters)

    state[VIEW_KEY] = view
    _write_url(view)
    _show_link(view, page)
    pending = state.get(_NOTES_KEY)
    if pending and pending[1] == view.filters():
        st.warning("Parts of the link were not used; their defaults apply:\n\n"
                   + "\n".join(f"- {plain_markdown(n)}" for n in pending[0]))
    return view


def empty_view(view: ViewState, key: str) -> None:
    """What a page shows when the view is empty: why (:func:`geo.viewstate.explain_empty`) and a
    "Reset filters" button (``key`` keeps it unique)."""
    st.info(plain_markdown(explain_empty(view)))
    st.button("Reset filters", key=f"{key}_reset_filters", on_click=reset_filters)


def start_data_page() -> int:
    """What every data page does first: run under the app, make sure the corpus is loaded,
    and return the store's data version (the cache key of every loader)."""
    require_app_entrypoint()
    ensure_corpus_loaded()
    return data_version()
