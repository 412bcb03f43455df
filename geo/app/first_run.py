"""geo.app.first_run."""

from __future__ import annotations

from typing import Any

import streamlit as st

from geo.app.resources import get_pipeline, get_store
from geo.config import get_settings


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
    """When the store holds no article, ingest the configured corpus folder, showing progress
    (``st.status`` + ``st.progress``, one line per file), then rerun the page. Does nothing
    otherwise (one ``COUNT`` query). A failed load is reported once per session, not retried in
    a loop."""
    store = get_store()
    if store.counts()["articles"] > 0 or st.session_state.get("_claim_atlas_load_failed"):
        return
    from geo.text.corpus import read_corpus

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
