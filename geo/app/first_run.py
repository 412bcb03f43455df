"""geo.app.first_run: routing, the checks every page needs first, and the first-run ingest."""

from __future__ import annotations

import re
from typing import Any, NoReturn

import streamlit as st

from geo.app.resources import get_pipeline, get_store
from geo.config import Settings, SettingsError, get_settings
from geo.store.migrations import StoreVersionError

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def _plain(text: str) -> str:
    """``text`` shown as written in ``st.error``/``st.warning`` (which read Markdown)."""
    return _MARKDOWN.sub(r"\\\1", text)


def _stop(problem: str, details: list[str]) -> NoReturn:
    """Show a problem the user must fix (its details as written) and stop the page."""
    st.error(f"{problem}\n\n" + "\n\n".join(_plain(line) for line in details))
    st.stop()
    raise AssertionError("unreachable")  # pragma: no cover - st.stop() raises


def valid_settings() -> Settings:
    """The settings; an invalid ``CLAIM_ATLAS_*`` variable stops the page with ``st.error``
    naming it and the accepted values (user input: no traceback)."""
    try:
        return get_settings()
    except SettingsError as exc:
        _stop("**Claim Atlas cannot start: a setting is not valid.** Fix the environment variable and restart "
              "the app.", exc.problems)


def valid_store():
    """The store; one this code cannot use (of a newer version, or not a Claim Atlas store) stops
    the page with ``st.error`` saying why (it is left unchanged)."""
    valid_settings()
    try:
        return get_store()
    except StoreVersionError as exc:
        _stop("**Claim Atlas cannot open its store.**", [str(exc)])


# ------------------------------------------------------------------------------------ routing
def require_app_entrypoint() -> None:
    """Make sure this page runs inside app.py's ``st.navigation``; call it first in every page.

    Streamlit keeps the legacy ``pages/`` folder mode for a fresh server process until a script
    calls ``st.navigation``: the first visitor who opens ``/map?place=...`` directly would get
    pages/map.py alone (no app.py, legacy sidebar, no wide layout). Here the page notices it is
    in that mode, turns it off and reruns, which runs app.py and routes to the same page. Uses
    ``PagesManager.uses_pages_directory`` (Streamlit internals, checked on 1.67); harmless when
    it is absent, and off (Streamlit's own behaviour) on a Streamlit it was not tested with
    (``geo._compat.streamlit_page_routing``).
    """
    from geo import _compat

    if not _compat.streamlit_page_routing():
        return
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # pragma: no cover - a Streamlit without it
        return
    if getattr(PagesManager, "uses_pages_directory", None):
        PagesManager.uses_pages_directory = False
        st.rerun()


# ------------------------------------------------------------------------------------ first run
def ensure_corpus_loaded() -> None:
    """Check the settings and the store (:func:`valid_store`); when the store holds no article,
    ingest the configured corpus folder, showing progress (``st.status`` + ``st.progress``, one
    line per file), then rerun the page. Does nothing otherwise (one row read: ``Store.has_articles``). A failed
    load is reported once per session, not retried in a loop."""
    store = valid_store()
    if store.has_articles() or st.session_state.get("_claim_atlas_load_failed"):
        return
    from geo.text.corpus import read_corpus

    settings = valid_settings()
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

            results = pipeline.ingest(articles, store, progress=progress)
        added = sum(r.status in ("added", "updated", "duplicate") for r in results)
        rejected = len(errors) + sum(r.status == "rejected" for r in results)
        failed = sum(r.status == "failed" for r in results)
        skipped = [r for r in results if r.status == "skipped"]
        label = f"Corpus loaded: {added} articles stored, {rejected} rejected"
        label += f", {failed} failed (internal errors)." if failed else "."
        problems = bool(failed or skipped)
        status.update(label=label, state="complete" if added and not problems else "error",
                      expanded=not added or problems)
    if failed or skipped:
        # Internal errors are not the articles' fault: say so, and where the tracebacks are.
        st.session_state["_claim_atlas_load_failed"] = True
        st.error(f"{failed} articles failed with an internal error (not a problem with the articles)"
                 + (f", and {len(skipped)} were not processed" if skipped else "")
                 + ": the tracebacks are in the log of the Streamlit server (its terminal).")
        if skipped:
            st.text(skipped[0].message)
        return
    if store.has_articles():
        st.rerun()
    st.session_state["_claim_atlas_load_failed"] = True
    st.error("No article could be stored: see the messages above.")
