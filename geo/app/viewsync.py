"""geo.app.viewsync."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

import streamlit as st

from geo.app.data import vocabulary
from geo.app.first_run import ensure_corpus_loaded, require_app_entrypoint
from geo.app.html import plain_markdown
from geo.app.resources import data_version
from geo.layers.filters import explain_empty
from geo.layers.view import (
    KINDS,
    MAX_SEARCH_CHARS,
    VIEW_PARAMS,
    ViewState,
    parse_view,
    to_query_params,
)

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
