"""Add articles: upload ``.txt``/``.html`` files (alone, with a ``manifest.csv``, or in a zip) or
paste text, with their metadata set per file in an editable table.

Exactly the CLI's path (``python -m geo ingest``): each file is decoded and checked by
:func:`geo.corpus.decode_article_bytes` (empty, binary, too large, undecodable, HTML without text,
not English), becomes an :class:`geo.model.Article` and goes through ``Pipeline.ingest`` into the
app's store, one transaction per article: the same content again is a ``duplicate``; new content
under an existing id and source replaces the old version (``updated``). Every write bumps the
store's data version, so every page's cached data refreshes.

After upload, each file gets a row of an editable table (``st.data_editor``): id, title, source,
publication date and URL, pre-filled from what the file says of itself
(:func:`geo.text.uploads.article_metadata`: HTML meta tags, a dateline) or from an uploaded
``manifest.csv`` (the CLI's columns, :func:`geo.text.corpus.parse_manifest`: a bad row is rejected
with its line number, the valid ones are kept), the defaults above the table filling what neither
says. Results name each article by its title and source, with a link to it on the Sources page.

Article text is untrusted: results are shown with ``st.dataframe``/``st.text`` and the stored text
as escaped HTML (``app.article_html``).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

import pandas as pd
import streamlit as st

from geo import app
from geo.app.html import plain_markdown
from geo.model import Article
from geo.text.corpus import (
    ArticleRejected,
    content_hash,
    decode_article_bytes,
    parse_manifest,
    parse_published,
)
from geo.text.uploads import MAX_ZIP_BYTES, article_metadata, manifest_metadata, unpack_uploads

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
    language = (meta.get("language") or "en").lower()
    if not language.startswith("en"):
        raise ArticleRejected(f"language {language!r} is not supported: Claim Atlas reads English articles only")
    text = decode_article_bytes(data, name, settings)
    return Article(id=meta.get("id") or article_id_for(name), text=text, source=meta.get("source", ""),
                   url=meta.get("url", ""), published=parse_published(meta.get("published")),
                   title=meta.get("title") or first_line(text), language="en", file=name,
                   content_hash=content_hash(text))


def ingest(items: list[tuple[str, bytes, dict]], refused: list[dict] | None = None) -> list[dict]:
    """Decode, validate and ingest ``(name, bytes, metadata)`` items, with per-file progress;
    ``refused`` (files and manifest rows refused before) are counted in the summary."""
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

            def chunk_progress(name: str, done: int, total: int) -> None:  # a long article, part by part
                bar.progress(done / max(total, 1), text=f"{name}: part {done} of {total}")

            for result in pipeline.ingest(articles, store, progress=progress,  # skipped ones too
                                          chunk_progress=chunk_progress):
                art = by_name.get(result.name)
                results.append({"file": result.name, "id": art.id if art else "", "status": result.status,
                                "message": result.message, "article_id": result.article_id})
        bar.progress(1.0, text="Done")
        counts = pd.Series([r["status"] for r in (refused or []) + results]).value_counts().to_dict()
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


@st.cache_data(max_entries=512, show_spinner=False)
def _file_metadata(data: bytes, name: str) -> dict[str, str]:
    """What a file says of itself (title, source, date, URL), cached by its bytes: the table
    is drawn again on every rerun."""
    try:
        text = decode_article_bytes(data, name, settings, check_language=False)
    except ArticleRejected:
        text = ""  # rejected with its reason when added
    return article_metadata(data, text)


TABLE_COLUMNS = ["file", "id", "title", "source", "published", "url"]


def metadata_table(uploads: list) -> tuple[pd.DataFrame | None, list[dict], dict[str, tuple[bytes, dict]]]:
    """The editable metadata table of the uploaded files (one row per article file), the refusals
    (files that cannot be articles, bad manifest rows with their line numbers) and, by file name,
    each file's bytes and the metadata the table started from (the manifest row's language too)."""
    if not uploads:
        return None, [], {}
    readable = max(LIMIT, MAX_ZIP_BYTES)  # zips and manifests are read whole (Streamlit caps uploads)
    batch = unpack_uploads([(f.name, f.size, f.getvalue() if f.size <= readable else None) for f in uploads], LIMIT)
    refused = [{"file": e.where, "id": "", "status": "rejected", "message": e.reason, "article_id": None}
               for e in batch.refused]
    from_manifest: dict[str, dict[str, str]] = {}
    if batch.manifest is not None:
        rows, errors = parse_manifest(batch.manifest)
        refused += [{"file": e.where, "id": "", "status": "rejected", "message": e.reason, "article_id": None}
                    for e in errors]
        from_manifest = manifest_metadata(rows)
        for name, meta in from_manifest.items():
            if name not in batch.files:
                refused.append({"file": f"manifest.csv line {meta['line']}", "id": meta["id"], "status": "rejected",
                                "message": f"file {name!r} was not uploaded", "article_id": None})
    if refused:
        st.warning(f"{len(refused)} file(s) or manifest row(s) will not be added (the others will):\n\n"
                   + "\n".join(f"- {plain_markdown(r['file'])}: {plain_markdown(r['message'])}"
                                for r in refused[:20])
                   + (f"\n- … and {len(refused) - 20} more" if len(refused) > 20 else ""))
    files: dict[str, tuple[bytes, dict]] = {}
    table = []
    for name, data in batch.files.items():
        own = _file_metadata(data, name)
        meta = {**own, **{k: v for k, v in from_manifest.get(name, {}).items() if v}}
        files[name] = (data, meta)
        table.append({"file": name, "id": meta.get("id") or article_id_for(name), "title": meta["title"],
                      "source": meta["source"], "published": parse_date(meta["published"]), "url": meta["url"]})
    if not table:
        return None, refused, files
    st.caption("Metadata per file, read from each file (HTML meta tags, a dateline)"
               + (" and from the manifest" if batch.manifest is not None else "")
               + ": edit any cell. Empty sources and dates take the defaults above.")
    key = "add_meta_" + hashlib.sha256("|".join(f"{n}:{len(d)}" for n, (d, _m) in files.items()).encode()).hexdigest()[:16]
    edited = st.data_editor(
        pd.DataFrame(table, columns=TABLE_COLUMNS), key=key, hide_index=True, num_rows="fixed", disabled=["file"],
        width="stretch",
        column_config={"file": "File", "id": st.column_config.TextColumn("Id", max_chars=100),
                       "title": st.column_config.TextColumn("Title", max_chars=300),
                       "source": st.column_config.TextColumn("Source", max_chars=200),
                       "published": st.column_config.DateColumn("Published", min_value=date(1900, 1, 1),
                                                                max_value=date(2100, 12, 31), format="YYYY-MM-DD"),
                       "url": st.column_config.TextColumn("URL", max_chars=2000)})
    return edited, refused, files


def parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _cell(value: object) -> str:
    """A table cell as text ("" for an empty one: None, NaN, NaT)."""
    return "" if value is None or pd.isna(value) else str(value).strip()  # type: ignore[call-overload]


st.title("Add articles")
st.caption(f"Upload .txt or .html files, or paste text, in English. Each article may be up to {LIMIT:,} bytes "
           "(CLAIM_ATLAS_MAX_ARTICLE_BYTES); larger ones are refused with a message. The same pipeline as "
           "`python -m geo ingest` reads them: the same content again is a duplicate, new content under the same "
           "id and source replaces the old version.")

upload_tab, paste_tab = st.tabs(["Upload files", "Paste text"])
with upload_tab:
    files = st.file_uploader("Article files (.txt, .html), with a manifest.csv if you have one, or a .zip of them",
                             type=["txt", "html", "htm", "csv", "zip"], accept_multiple_files=True, key="add_files",
                             help=f"Up to {LIMIT:,} bytes each. A manifest.csv has the command line's columns "
                                  "(id, file, source, url, published, title, language): its rows set the "
                                  "metadata of the files they name.")
    c1, c2 = st.columns(2)
    up_source = c1.text_input("Default source", key="add_upload_source", placeholder="e.g. Reuters",
                              help="For the files whose row below names no source")
    up_published = c2.date_input("Default publication date", value=None, key="add_upload_published",
                                 min_value=date(1900, 1, 1), max_value=date(2100, 12, 31),
                                 help="For the files whose row below has no date")
    edited, batch_refused, batch_files = metadata_table(list(files or []))
    upload_submitted = st.button("Add the files", type="primary", key="add_upload_submit")

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
    if edited is None and not batch_refused:
        st.warning("Choose one or more .txt or .html files first.")
    refused += batch_refused
    ids: dict[str, str] = {}
    for row in ([] if edited is None else edited.to_dict("records")):
        name = str(row["file"])
        data, read = batch_files[name]
        published = row.get("published")
        meta = {"source": _cell(row.get("source")) or up_source.strip(),
                "published": (_published(published) if isinstance(published, date) else parse_published(_cell(published)))
                or _published(up_published),
                "title": _cell(row.get("title")), "url": _cell(row.get("url")),
                "id": article_id_for(_cell(row.get("id")), "", file_name=False) or article_id_for(name),
                "language": read.get("language", "")}
        if meta["id"] in ids:
            refused.append({"file": name, "id": meta["id"], "status": "rejected", "article_id": None,
                            "message": f"the id {meta['id']!r} is also the id of {ids[meta['id']]}: give each file its own"})
            continue
        ids[meta["id"]] = name
        items.append((name, data, meta))
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
    st.session_state[RESULTS_KEY] = refused + (ingest(items, refused) if items else [])

results = st.session_state.get(RESULTS_KEY)
if results:
    st.subheader("Results")
    if st.session_state.get(INTERNAL_ERROR_KEY):
        st.error(st.session_state[INTERNAL_ERROR_KEY])
    stored_meta = {int(r["article_id"]): store.article(int(r["article_id"])) for r in results if r.get("article_id")}
    rows = []
    for r in results:
        article = stored_meta.get(int(r["article_id"])) if r.get("article_id") else None
        rows.append({**r, "title": (article or {}).get("title") or "", "source": (article or {}).get("source") or "",
                     "open": f"{app.SOURCES_URL_PATH}?article={int(r['article_id'])}" if article else None})
    table = pd.DataFrame(rows, columns=["title", "source", "file", "status", "message", "open", "id", "article_id"])
    st.dataframe(table, hide_index=True, width="stretch", key="add_results_table",
                 column_config={"title": "Title", "source": "Source", "file": "File", "id": "Id", "status": "Result",
                                "message": "Details",
                                "open": st.column_config.LinkColumn("Sources view", display_text="Open in Sources",
                                                                    help="The article on the Sources page"),
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
        label = f"{article['title'] or article['corpus_id']} · {article['source'] or 'unknown source'}"
        with st.expander(plain_markdown(label[:200]), expanded=len(stored) == 1):
            st.text(f"{article['title'] or article['corpus_id']} · {article['source'] or 'unknown source'} · "
                    f"{article['published'] or 'undated'}")
            st.markdown(f"[Open in Sources]({app.SOURCES_URL_PATH}?article={int(r['article_id'])})")
            st.html(app.article_html(article["text"], store.mentions_df(int(r["article_id"]))))
    app.page_link("pages/sources.py", "Sources: every article, with its place names highlighted")
