"""Add articles: upload ``.txt``/``.html`` files or paste text, with their metadata.

Exactly the CLI's path (``python -m geo ingest``): each file is decoded and checked by
:func:`geo.corpus.decode_article_bytes` (empty, binary, too large, undecodable, HTML without text,
not English), becomes an :class:`geo.model.Article` and goes through ``Pipeline.ingest`` into the
app's store, one transaction per article: the same content again is a ``duplicate``; new content
under an existing id and source replaces the old version (``updated``). Every write bumps the
store's data version, so every page's cached data refreshes.

Article text is untrusted: results are shown with ``st.dataframe``/``st.text`` and the stored text
as escaped HTML (``app.article_html``).
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import streamlit as st

from geo import app
from geo.model import Article
from geo.text.corpus import ArticleRejected, content_hash, decode_article_bytes, parse_published

app.require_app_entrypoint()
app.enter_page(app.ADD_ARTICLES_URL_PATH)  # no shared filters here; they wait in the session
settings = app.valid_settings()  # an invalid CLAIM_ATLAS_* variable: st.error naming it, and stop
store = app.valid_store()
LIMIT = settings.max_article_bytes
RESULTS_KEY = "add_results"
INTERNAL_ERROR_KEY = "add_internal_error"
#: How each result reads in the summary: a failed article is the code's fault, not the file's.
STATUS_LABELS = {"added": "added", "updated": "updated", "duplicate": "duplicate", "rejected": "rejected",
                 "failed": "failed (internal error)", "skipped": "not processed"}
_SLUG = re.compile(r"[^\w.\-]+")


def article_id_for(name: str, fallback: str = "article", *, file_name: bool = True) -> str:
    """An article id (letters, digits, ``.``, ``_``, ``-``; at most 100) from a file name (its
    extension dropped) or a title."""
    stem = name.rsplit(".", 1)[0] if file_name and "." in name else name
    slug = _SLUG.sub("-", stem.strip()).strip("-.")[:100]
    return slug or fallback


def first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


def make_article(data: bytes, name: str, meta: dict) -> Article:
    """Decode and validate like the CLI; raises ArticleRejected with the reason."""
    text = decode_article_bytes(data, name, settings)
    return Article(id=meta.get("id") or article_id_for(name), text=text, source=meta.get("source", ""),
                   url=meta.get("url", ""), published=parse_published(meta.get("published")),
                   title=meta.get("title") or first_line(text), language="en", file=name,
                   content_hash=content_hash(text))


def ingest(items: list[tuple[str, bytes, dict]]) -> list[dict]:
    """Decode, validate and ingest ``(name, bytes, metadata)`` items, with per-file progress."""
    results: list[dict] = []
    articles: list[Article] = []
    with st.status(f"Adding {len(items)} article{'s' if len(items) != 1 else ''}…", expanded=True) as status:
        bar = st.progress(0.0, text="Checking the files…")
        for name, data, meta in items:
            try:
                articles.append(make_article(data, name, meta))
            except ArticleRejected as exc:
                results.append({"file": name, "id": meta.get("id") or article_id_for(name), "status": "rejected",
                                "message": str(exc), "article_id": None})
                st.text(f"rejected   {name}: {exc}")
        if articles:
            bar.progress(0.0, text="Loading the language model and the gazetteer…")
            pipeline = app.get_pipeline()
            by_name = {a.file: a for a in articles}

            def progress(done: int, total: int, result) -> None:
                bar.progress(done / max(total, 1), text=f"{done} of {total} articles")
                st.text(f"{result.status:<10} {result.name}: {result.message}")

            for result in pipeline.ingest(articles, store, progress=progress):  # skipped ones too
                art = by_name.get(result.name)
                results.append({"file": result.name, "id": art.id if art else "", "status": result.status,
                                "message": result.message, "article_id": result.article_id})
        bar.progress(1.0, text="Done")
        counts = pd.Series([r["status"] for r in results]).value_counts().to_dict()
        summary = ", ".join(f"{counts.get(s, 0)} {label}" for s, label in STATUS_LABELS.items()
                            if counts.get(s) or s in ("added", "updated", "duplicate", "rejected"))
        problems = counts.get("rejected") or counts.get("failed") or counts.get("skipped")
        status.update(label=f"Done: {summary}.", state="error" if problems else "complete", expanded=False)
    if counts.get("failed") or counts.get("skipped"):
        st.session_state[INTERNAL_ERROR_KEY] = (
            f"{counts.get('failed', 0)} article(s) failed with an internal error: a bug, not a problem with the "
            "files" + (f", and {counts['skipped']} were not processed (the ingest stopped)" if counts.get("skipped")
                       else "") + ". The tracebacks are in the log of the Streamlit server (its terminal); the "
            "articles shown as added or updated were stored. Adding the same files again retries the others.")
    order = {name: i for i, (name, _d, _m) in enumerate(items)}
    return sorted(results, key=lambda r: order.get(r["file"], len(order)))


def _published(value: date | None) -> str | None:
    return value.isoformat() if isinstance(value, date) else None


st.title("Add articles")
st.caption(f"Upload .txt or .html files, or paste text, in English. Each article may be up to {LIMIT:,} bytes "
           "(CLAIM_ATLAS_MAX_ARTICLE_BYTES); larger ones are refused with a message. The same pipeline as "
           "`python -m geo ingest` reads them: the same content again is a duplicate, new content under the same "
           "id and source replaces the old version.")

upload_tab, paste_tab = st.tabs(["Upload files", "Paste text"])
with upload_tab, st.form("add_upload", clear_on_submit=False):
    files = st.file_uploader("Article files (.txt, .html)", type=["txt", "html", "htm"], accept_multiple_files=True,
                             key="add_files", help=f"Up to {LIMIT:,} bytes each")
    c1, c2 = st.columns(2)
    up_source = c1.text_input("Source", key="add_upload_source", placeholder="e.g. Reuters")
    up_published = c2.date_input("Publication date", value=None, key="add_upload_published",
                                 min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
    c3, c4 = st.columns(2)
    up_title = c3.text_input("Title (one file only; default: its first line)", key="add_upload_title")
    up_url = c4.text_input("URL (one file only)", key="add_upload_url")
    up_id = st.text_input("Id (one file only; default: the file name)", key="add_upload_id",
                          help="Letters, digits, '.', '_' and '-'. The same id and source with new content "
                               "replaces the old version.")
    upload_submitted = st.form_submit_button("Add the files", type="primary")

with paste_tab, st.form("add_paste", clear_on_submit=False):
    pasted = st.text_area("Article text", key="add_text", height=240)
    p1, p2 = st.columns(2)
    p_title = p1.text_input("Title (default: the first line)", key="add_title")
    p_source = p2.text_input("Source", key="add_source", placeholder="e.g. Reuters")
    p3, p4 = st.columns(2)
    p_published = p3.date_input("Publication date", value=None, key="add_published",
                                min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
    p_url = p4.text_input("URL", key="add_url")
    p_id = st.text_input("Id (default: made from the title)", key="add_id")
    paste_submitted = st.form_submit_button("Add the text", type="primary")

items: list[tuple[str, bytes, dict]] = []
refused: list[dict] = []
if upload_submitted:
    uploads = list(files or [])
    if not uploads:
        st.warning("Choose one or more .txt or .html files first.")
    single = len(uploads) == 1
    for f in uploads:
        meta = {"source": up_source.strip(), "published": _published(up_published)}
        if single:
            meta.update(title=up_title.strip(), url=up_url.strip(),
                        id=article_id_for(up_id, "", file_name=False))
        if f.size > LIMIT:  # refused before its bytes are read, with decode_article_bytes' message
            refused.append({"file": f.name, "id": meta.get("id") or article_id_for(f.name), "status": "rejected",
                            "message": f"too large: {f.size:,} bytes (the limit is {LIMIT:,}; set "
                                       "CLAIM_ATLAS_MAX_ARTICLE_BYTES to change it)", "article_id": None})
        else:
            items.append((f.name, f.getvalue(), meta))
if paste_submitted:
    text = pasted or ""
    title = p_title.strip() or first_line(text)
    art_id = article_id_for(p_id or title, "", file_name=False)
    if not art_id:
        art_id = "pasted-" + content_hash(text)[:12]
    items.append(("pasted text", text.encode("utf-8"),
                  {"source": p_source.strip(), "published": _published(p_published), "title": title,
                   "url": p_url.strip(), "id": art_id}))

if items or refused:
    st.session_state.pop(INTERNAL_ERROR_KEY, None)  # set again by ingest() when this submission meets one
    st.session_state[RESULTS_KEY] = refused + (ingest(items) if items else [])

results = st.session_state.get(RESULTS_KEY)
if results:
    st.subheader("Results")
    if st.session_state.get(INTERNAL_ERROR_KEY):
        st.error(st.session_state[INTERNAL_ERROR_KEY])
    table = pd.DataFrame(results, columns=["file", "id", "status", "message", "article_id"])
    st.dataframe(table, hide_index=True, width="stretch", key="add_results_table",
                 column_config={"file": "File", "id": "Id", "status": "Result", "message": "Details",
                                "article_id": st.column_config.NumberColumn("Stored as #", format="%d")})
    counts = store.counts()
    st.text(f"The store now holds {counts['articles']} articles, {counts['mentions']} place names, "
            f"{counts['claims']} claims.")
    stored = [r for r in results if r["status"] in ("added", "updated") and r["article_id"]]
    if stored:
        st.caption("As stored (place names highlighted as on the Sources page):")
    for r in stored:
        article = store.article(int(r["article_id"]))
        if article is None:
            continue
        with st.expander(f"Article #{int(r['article_id'])}", expanded=len(stored) == 1):
            st.text(f"{article['title'] or article['corpus_id']} · {article['source'] or 'unknown source'} · "
                    f"{article['published'] or 'undated'}")
            st.html(app.article_html(article["text"], store.mentions_df(int(r["article_id"]))))
    app.page_link("pages/sources.py", "Sources: every article, with its place names highlighted")
