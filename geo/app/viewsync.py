"""The view every page shares, kept in the session and in the URL (a shareable link).

The view (:class:`geo.layers.view.ViewState`) has two parts, kept in the URL differently:

* The **filters** are sidebar widgets bound to the URL by Streamlit
  (``bind="query-params"``, each widget's key being its parameter: ``from``, ``to``, ``source``,
  ``conflict``, ``claimant``, ``kind``, ``disputed``, ``q``, ``conf``). Streamlit reads them from a link when the
  widgets first appear in a session, writes them when they change and drops a parameter back at
  its default. The widgets are drawn by app.py before the page runs (:func:`draw_filters`), in the
  entry script, so they are the same widgets on every page: their values, and their parameters in
  the URL, follow the reader from page to page (``persist_state="session"`` keeps them across
  Add articles, which has no filters).
* The **selected place or claim and the map's centre and zoom** (``place``, ``claim``, ``lat``,
  ``lon``, ``zoom``) are no widgets: :func:`view_filters` reads them from the URL when it changed
  outside the app (a link was opened, the browser went back) and :func:`update_view` writes them.

Links are untrusted. Streamlit's binding does check a bound value (it drops what it cannot read,
an option the widget does not offer, a date or number out of range), but silently, and by other
rules than the documented ones (README, "What a shared link encodes"): it reads ``disputed=1`` as
invalid, applies a reversed date range and keeps the known values of a parameter repeated more
than 50 times. So :func:`draw_filters` also parses the URL's filter parameters with
:func:`geo.layers.view.parse_view` whenever they changed since the last run, before the widgets
read them; when the widgets then hold something else than that validated view, it puts the
validated values into the widgets through ``st.session_state`` and reruns once (on a link's first
run Streamlit lets the URL win over ``st.session_state``: the values can only be set on the next
run), and Streamlit writes the repaired values back to the URL. The notes on what was ignored are
shown by :func:`view_filters` as a warning.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date
from typing import Any, NoReturn
from urllib.parse import quote, urlencode

import streamlit as st
from streamlit.errors import StreamlitAPIException

from geo.app.data import vocabulary
from geo.app.first_run import ensure_corpus_loaded, require_app_entrypoint
from geo.app.html import plain_markdown
from geo.app.resources import data_version
from geo.layers.filters import explain_empty
from geo.layers.view import (
    FILTER_FIELDS,
    FILTER_PARAMS,
    KINDS,
    MAX_MIN_SOURCES,
    MAX_SEARCH_CHARS,
    SELECTION_PARAMS,
    ViewState,
    normalize_search,
    parse_view,
    to_query_params,
    unknown_param_notes,
)

# Session keys (none of them a widget's).
VIEW_KEY = "_view"  # the current ViewState (filters as last read from the widgets, selection, map view)
_SELECTION_URL_KEY = "_view_url"  # the selection's query parameters as last written or applied
_FILTERS_URL_KEY = "_view_filters_url"  # the filters' query parameters at the end of the last run
_RELOAD_KEY = "_view_reload"  # (repaired filter parameters, notes): the URL was rewritten, then a rerun
_REPAIR_KEY = "_view_repair"  # (validated filters, notes) the widgets take on the next run
_FRESH_NOTES_KEY = "_view_fresh_notes"  # notes on the filters of a link read in this run
_DRAWN_KEY = "_view_drawn"  # set by draw_filters, taken by view_filters: the widgets exist in this run
_PAGE_KEY = "_view_page"  # the page of the last run
_NOTES_KEY = "_view_notes"  # (notes on the link last applied, the filters they apply to)
_EPOCH_KEY = "_view_epoch"  # bumped when a link is applied or a page opened: the map re-frames
_LINK_SLOT_KEY = "_view_link_slot"  # the sidebar element showing the link (rewritten on updates)
_LINK_DEFERRED_KEY = "_view_link_deferred"  # True, or the (view, page) to show, while a page runs
_RESYNC_KEY = "_view_resync"  # the widgets' filters and the URL's differ: put the widgets' in the URL next run
_RESYNCED_KEY = "_view_resynced"  # (URL's filters, widgets' filters) last put right: tried once only

# The filter widgets' keys are their query parameters (Streamlit's binding names the parameter so).
W_FROM, W_TO, W_SOURCE, W_CONFLICT, W_CLAIMANT, W_KIND, W_DISPUTED, W_SEARCH, W_CONF, W_MIN_SOURCES = FILTER_PARAMS
W_RESET = "flt_reset"
_EARLIEST, _LATEST = date(1900, 1, 1), date(2100, 12, 31)  # the dates geo.layers.view accepts
_BOUND: dict[str, Any] = {"bind": "query-params", "persist_state": "session"}


def _widget_values(view: ViewState) -> dict[str, Any]:
    """The filter widgets' values (by key) showing ``view``'s filters."""
    return {W_FROM: view.date_from, W_TO: view.date_to, W_SOURCE: list(view.sources),
            W_CONFLICT: list(view.conflicts),
            W_CLAIMANT: list(view.claimants), W_KIND: list(view.kinds), W_DISPUTED: view.disputed_only,
            W_SEARCH: view.place_search, W_CONF: float(view.min_confidence),
            W_MIN_SOURCES: int(view.min_sources)}


def _filters_from_widgets() -> ViewState:
    """The filters the widgets hold (in the session before they are drawn, and after), normalised as
    :func:`geo.layers.view.parse_view` normalises a link's."""
    s = st.session_state
    lo, hi = s.get(W_FROM), s.get(W_TO)
    lo = lo if isinstance(lo, date) else None
    hi = hi if isinstance(hi, date) else None
    if lo and hi and lo > hi:
        lo, hi = hi, lo
    conf = s.get(W_CONF) or 0.0
    return ViewState(
        date_from=lo, date_to=hi,
        sources=tuple(dict.fromkeys(s.get(W_SOURCE) or ())),
        conflicts=tuple(dict.fromkeys(s.get(W_CONFLICT) or ())),
        claimants=tuple(dict.fromkeys(s.get(W_CLAIMANT) or ())),
        kinds=tuple(dict.fromkeys(s.get(W_KIND) or ())),
        disputed_only=bool(s.get(W_DISPUTED)),
        place_search=normalize_search(str(s.get(W_SEARCH) or "")),
        min_confidence=round(min(max(float(conf), 0.0), 1.0), 3),
        min_sources=_min_sources(s.get(W_MIN_SOURCES)),
    )


def _min_sources(value: Any) -> int:
    """The "reported by at least N sources" widget's value as the view holds it (1..MAX)."""
    try:
        return int(min(max(int(value or 1), 1), MAX_MIN_SOURCES))
    except (TypeError, ValueError):
        return 1


def _with_filters(view: ViewState, filters: ViewState) -> ViewState:
    return view.with_changes(**{f: getattr(filters, f) for f in FILTER_FIELDS})


def _query_now(keys: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    params = st.query_params
    return {k: tuple(params.get_all(k)) for k in keys if k in params}


def _selection_query(view: ViewState) -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) if isinstance(v, list) else (v,)
            for k, v in to_query_params(view).items() if k in SELECTION_PARAMS}


def _write_selection(view: ViewState) -> None:
    """Write ``view``'s selection and map view to the URL: changed parameters set, parameters back at
    their default removed. The filters' parameters are Streamlit's (bound widgets: setting them here
    would raise), and parameters that are not the view's (``article``...) are left alone.

    Written by hand: these parameters belong to no widget (the map's centre and zoom come from the
    map component, the selection from a click or a table row), so Streamlit's binding cannot."""
    target = _selection_query(view)
    now = _query_now(SELECTION_PARAMS)
    if now != target:
        params = st.query_params
        for key in now.keys() - target.keys():
            del params[key]
        changed = {k: list(v) for k, v in target.items() if now.get(k) != v}
        if changed:
            params.update(changed)  # one message for all of them
    st.session_state[_SELECTION_URL_KEY] = target


def enter_page(page: str) -> bool:
    """Record that ``page`` (a URL path) runs; True when the previous run was another page. Pages
    without the shared filters (Add articles) call it, so coming back is seen as a navigation
    (whose URL has lost the selection: the session's stands) and not as a link without one."""
    state = st.session_state
    navigated = state.get(_PAGE_KEY) != page
    state[_PAGE_KEY] = page
    if navigated:
        state[_EPOCH_KEY] = state.get(_EPOCH_KEY, 0) + 1
        state.pop(_NOTES_KEY, None)
    return navigated


def _sync_selection(page: str) -> list[str] | None:
    """Apply the URL's selection and map view when this session did not write them (a link was
    opened, the browser went back); returns the notes on them then, else None. Moving to another
    page drops them from the URL: then the session's stand (and the page writes them back)."""
    state = st.session_state
    now, last = _query_now(SELECTION_PARAMS), state.get(_SELECTION_URL_KEY)
    navigated = enter_page(page)
    if last is not None and (now == last or (navigated and not now)):
        return None
    parsed, notes = parse_view(dict(now), vocabulary())
    view = state.get(VIEW_KEY, ViewState())
    state[VIEW_KEY] = view.with_changes(**{f: getattr(parsed, f) for f in ("place", "claim", "lat", "lon", "zoom")})
    state[_SELECTION_URL_KEY] = now
    state[_EPOCH_KEY] = state.get(_EPOCH_KEY, 0) + 1
    return notes


def _active_filters(view: ViewState) -> int:
    return sum(bool(x) for x in (view.date_from or view.date_to, view.sources, view.conflicts, view.claimants,
                                 view.kinds, view.disputed_only, view.place_search, view.min_confidence,
                                 view.min_sources > 1))


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


def _filter_query(view: ViewState) -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) if isinstance(v, list) else (v,)
            for k, v in to_query_params(view).items() if k in FILTER_PARAMS}


def _rewrite_unbound(raw: dict[str, tuple[str, ...]], target: dict[str, tuple[str, ...]]) -> bool:
    """Put ``target`` in the URL in place of the filter parameters ``raw``, unless widgets are bound
    to them (True when done). Streamlit refuses to set a bound parameter through ``st.query_params``
    (StreamlitAPIException, checked before anything changes): setting ``raw``'s own values tells, and
    changes nothing when it passes. Only then is the whole query rewritten at once."""
    params = st.query_params
    try:
        params.update({k: list(v) for k, v in raw.items()})
    except StreamlitAPIException:
        return False
    others = {k: params.get_all(k) for k in params if k not in FILTER_PARAMS}
    params.from_dict({**others, **{k: list(v) for k, v in target.items()}})
    return True


def draw_filters() -> None:
    """Draw the filters every data page shares, in the sidebar: published or claimed between two
    dates, sources, claimants, claim kinds, disputed only, place search, minimum confidence, and a
    "Reset filters" button, under the place of the link to the view. app.py calls it before the
    page runs (a page run on its own gets them from :func:`view_filters`).

    Each widget is bound to its query parameter. When the URL's filter parameters changed since the
    last run they are validated first, and what Streamlit would read otherwise than the documented
    rules is repaired (invalid values never raise; :func:`view_filters` lists them):

    * while no widget is bound to them (a link opened: a new session), the URL is rewritten to the
      validated view and the script reruns, before any widget reads it: the widgets then read the
      repaired URL;
    * else (the browser's Back button within a session) the widgets have read the URL already:
      when they hold something else than the validated view, the validated values go into them
      through ``st.session_state`` on the next run, and Streamlit writes them to the URL."""
    state = st.session_state
    state[_DRAWN_KEY] = True
    vocab = vocabulary()
    raw = _query_now(FILTER_PARAMS)
    checked: tuple[ViewState, list[str]] | None = None
    reloaded, repair = state.pop(_RELOAD_KEY, None), state.pop(_REPAIR_KEY, None)
    if state.pop(_RESYNC_KEY, False) and reloaded is None and repair is None:
        _rewrite_widget_params()
    if reloaded is not None and reloaded[0] == raw:  # the URL this session repaired, in the last run
        state[_FRESH_NOTES_KEY] = reloaded[1]
    elif repair is not None:  # the validated filters of the URL read in the last run
        state.update(_widget_values(repair[0]))
        state[_FRESH_NOTES_KEY] = repair[1]
    elif raw and raw != state.get(_FILTERS_URL_KEY):
        # Checked when the URL's filters changed since the last run: a link, the browser's history
        # or a widget wrote them. A URL without them has nothing to check (and the widgets keep
        # their values where a page switch dropped them from the URL: Streamlit writes them back).
        validated, notes = parse_view(dict(raw), vocab)
        target = _filter_query(validated)
        if raw == target:
            state[_FRESH_NOTES_KEY] = notes
        elif _rewrite_unbound(raw, target):
            state[_RELOAD_KEY] = (target, notes)
            st.rerun()
        else:
            checked = (validated, notes)

    def options(known: frozenset, key: str) -> list[str]:
        return sorted(set(known) | set(state.get(key) or []), key=str.casefold)

    shown = _filters_from_widgets()  # widget values are in the session before the widgets are drawn
    with st.sidebar:
        state[_LINK_SLOT_KEY] = st.empty()
        active = _active_filters(shown)
        st.subheader(f"Filters ({active} active)" if active else "Filters",
                     help="Shared by every page and kept in the link above.")
        st.date_input("From", value=None, min_value=_EARLIEST, max_value=_LATEST, key=W_FROM,
                      format="YYYY-MM-DD", on_change=_order_dates, args=(W_FROM,), **_BOUND,
                      help="Claims about this date or later (undated claims: their article's date); "
                           "place names in articles published from this date. Empty: no lower bound")
        st.date_input("To", value=None, min_value=_EARLIEST, max_value=_LATEST, key=W_TO, format="YYYY-MM-DD",
                      on_change=_order_dates, args=(W_TO,), help="Inclusive. Empty: no upper bound", **_BOUND)
        st.multiselect("Sources", options(vocab.sources, W_SOURCE), key=W_SOURCE, placeholder="All sources",
                       **_BOUND)
        st.multiselect("Conflict", options(vocab.conflicts, W_CONFLICT), key=W_CONFLICT, placeholder="All conflicts",
                       help="Articles about these wars: a third of their place names in the states at war, or a "
                            "claim by one of the war's armed groups or authorities (data/conflicts/)", **_BOUND)
        st.multiselect("Claimants", options(vocab.claimants, W_CLAIMANT), key=W_CLAIMANT, **_BOUND,
                       placeholder="All claimants", help="Place names are then those of these claimants' claims")
        st.multiselect("Claim kind", options(frozenset(KINDS), W_KIND), key=W_KIND, placeholder="All kinds",
                       **_BOUND)
        st.toggle("Disputed claims only", key=W_DISPUTED, **_BOUND)
        st.text_input("Place search", key=W_SEARCH, max_chars=MAX_SEARCH_CHARS, placeholder="e.g. Martuni",
                      help="Place names as written or as resolved; claims naming such a place or saying it",
                      **_BOUND)
        st.slider("Minimum confidence", 0.0, 1.0, step=0.05, key=W_CONF, **_BOUND,
                  help="Hide place names resolved with less confidence (claims are not affected)")
        st.number_input("Reported by at least N sources", min_value=1, max_value=MAX_MIN_SOURCES, step=1,
                        key=W_MIN_SOURCES, **_BOUND,
                        help="Only claims that this many distinct outlets report (the same claim across articles)")
        st.button("Reset filters", key=W_RESET, on_click=reset_filters, disabled=not shown.has_filters)

    if checked is not None:
        validated, notes = checked
        if _filters_from_widgets() != validated.filters():
            state[_REPAIR_KEY] = (validated.filters(), notes)
            st.rerun()
        state[_FRESH_NOTES_KEY] = notes
    else:
        _check_url_follows_widgets(vocab)
    state[_FILTERS_URL_KEY] = _query_now(FILTER_PARAMS)  # as the binding left it (invalid values dropped)


def _check_url_follows_widgets(vocab: Any) -> None:
    """After the widgets are drawn: when the URL holds other filters than the widgets apply, rerun
    once to write the widgets' into it (:func:`_rewrite_widget_params`).

    They part when an answer to an earlier run rewrites the browser's URL after the reader changed a
    filter: a run started before the change that writes the selection (``st.query_params.update``,
    e.g. the map's first report of its view) sends the whole query as Streamlit last knew it, without
    the new filter. The widget keeps its value (the pages apply it) but the URL, and a link copied
    from the address bar, lose it; Streamlit writes a bound parameter back only when the widget was
    unmounted. The Back button is no such case: there Streamlit sets the widgets from the URL as they
    are drawn, so they agree here."""
    state = st.session_state
    url_filters = parse_view(dict(_query_now(FILTER_PARAMS)), vocab)[0].filters()
    shown = _filters_from_widgets()
    pair = (url_filters, shown)
    if url_filters != shown and state.get(_RESYNCED_KEY) != pair:
        state[_RESYNCED_KEY] = pair  # once per disagreement: a value the URL cannot hold never loops
        state[_RESYNC_KEY] = True
        st.rerun()


def _rewrite_widget_params() -> None:
    """Set each filter widget to the value it holds, before it is drawn: for Streamlit a value set
    through ``st.session_state``, which it writes to the URL when it differs from the URL's
    (and removes from the URL at the default). The public way to make a bound widget rewrite its
    parameter: ``st.query_params`` refuses bound parameters."""
    state = st.session_state
    for key in FILTER_PARAMS:
        if key in state:
            state[key] = state[key]


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
    state = st.session_state
    if state.get(_LINK_DEFERRED_KEY):  # drawn when the page is done (link_drawn_last)
        state[_LINK_DEFERRED_KEY] = (view, page)
        return
    _draw_link(view, page)


@contextlib.contextmanager
def link_drawn_last() -> Iterator[None]:
    """Run a page with the sidebar's link drawn when it is done (or stopped by :func:`stop_page`), in its
    place above the filters, with the view the page ended on. Why: the link's code box (``st.code``,
    for its copy button) makes the browser load and parse a 1.5 MB script (Streamlit's syntax
    highlighter); sent first, it delayed the page's own elements, the map drawn about 0.2 s later
    at 100,000 places (scripts/benchmark_map.py, alternating runs)."""
    st.session_state[_LINK_DEFERRED_KEY] = True
    try:
        yield
    finally:
        _draw_deferred_link()


def _draw_deferred_link() -> None:
    """Draw the link :func:`_show_link` put off, if any, and stop putting it off."""
    shown = st.session_state.pop(_LINK_DEFERRED_KEY, None)
    if isinstance(shown, tuple):
        _draw_link(*shown)


def stop_page() -> NoReturn:
    """``st.stop()`` for a page run under :func:`link_drawn_last`: the sidebar's link is drawn first
    (Streamlit drops what a run draws once it is stopped)."""
    _draw_deferred_link()
    st.stop()
    raise AssertionError("unreachable")  # pragma: no cover - st.stop() raises


def _draw_link(view: ViewState, page: str) -> None:
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
    _write_selection(view)
    _show_link(view, state.get(_PAGE_KEY) or "")
    return view


def view_epoch() -> int:
    """A number that changes when a link is applied or a page is opened (the Map re-frames then)."""
    return int(st.session_state.get(_EPOCH_KEY, 0))


def view_filters(page: str) -> ViewState:
    """The page's :class:`ViewState`: the shared filters of the sidebar (:func:`draw_filters`, drawn
    here when the page runs on its own), the selected place or claim and the map's view. Fills the
    sidebar's link and shows a warning listing what a link held that could not be used.

    ``page`` is the page's URL path (``"map"``...)."""
    state = st.session_state
    if not state.pop(_DRAWN_KEY, False):
        draw_filters()
        state.pop(_DRAWN_KEY, None)
    fresh = state.pop(_FRESH_NOTES_KEY, None)
    selection_notes = _sync_selection(page)
    view = _with_filters(state.get(VIEW_KEY, ViewState()), _filters_from_widgets())
    state[VIEW_KEY] = view
    if fresh is not None or selection_notes is not None:  # a link was read in this run
        notes = (fresh or []) + (selection_notes or []) + unknown_param_notes(st.query_params.keys())
        if notes:
            state[_NOTES_KEY] = (notes, view.filters())
        else:
            state.pop(_NOTES_KEY, None)
    _write_selection(view)
    _show_link(view, page)
    pending = state.get(_NOTES_KEY)
    if pending and pending[1] == view.filters():
        st.warning("Parts of the link were not used; their defaults apply:\n\n"
                   + "\n".join(f"- {plain_markdown(n)}" for n in pending[0]))
    return view


def empty_view(view: ViewState, key: str) -> None:
    """What a page shows when the view is empty: why (:func:`geo.layers.filters.explain_empty`) and
    a "Reset filters" button (``key`` keeps it unique)."""
    st.info(plain_markdown(explain_empty(view)))
    st.button("Reset filters", key=f"{key}_reset_filters", on_click=reset_filters)


def start_data_page() -> int:
    """What every data page does first: run under the app, make sure the corpus is loaded,
    and return the store's data version (the cache key of every loader)."""
    require_app_entrypoint()
    ensure_corpus_loaded()
    return data_version()
