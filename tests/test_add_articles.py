"""The Add articles page (pages/add_articles.py), run headless with AppTest through app.py.

Uploads and pasted text go through the CLI's path (decode_article_bytes -> Article ->
Pipeline.ingest) into the store named by CLAIM_ATLAS_DB; the session's shared pipeline stands in
for ``ui.get_pipeline`` so the model is loaded once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import geo.app
from geo.config import PROJECT_ROOT
from geo.store.sqlite import Store

APP = str(PROJECT_ROOT / "app.py")
PAGE = "pages/add_articles.py"
TIMEOUT = 120

GOOD = (b"Shelling hit Stepanakert on Tuesday, the Armenian defence ministry said in a statement.\n\n"
        b"Azerbaijan denied the report and said its forces had only returned fire near Shusha. "
        b"Residents of the town said they spent the night in basements.\n")
HOSTILE = ("Reports from Stepanakert <script>alert(1)</script> said the shelling went on all night.\n\n"
           "The ministry said {{7*7}} and ${alert(2)} were not its words, and Azerbaijan denied the claims "
           "made about the fighting near Shusha on Tuesday.")


@pytest.fixture
def db(db: Path, monkeypatch: pytest.MonkeyPatch, pipeline) -> Path:
    """The app's store copy (conftest), with the app ingesting through the session's pipeline."""
    monkeypatch.setattr(geo.app, "get_pipeline", lambda: pipeline)
    return db


def open_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Add articles"
    return at


def click(at: AppTest, label: str) -> AppTest:
    button = next(b for b in at.button if b.label == label)
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def results(at: AppTest) -> dict[str, tuple[str, str]]:
    table = next(d.value for d in at.dataframe if "status" in d.value.columns)
    return {row.file: (row.status, row.message) for row in table.itertuples(index=False)}


def upload(at: AppTest, *files: tuple[str, bytes, str], source: str = "") -> AppTest:
    at.file_uploader(key="add_files").set_value(list(files))
    if source:
        at.text_input(key="add_upload_source").set_value(source)
    return click(at, "Add the files")


@pytest.mark.integration
def test_page_offers_a_filtered_multi_file_upload(db):
    at = open_page()
    uploader = at.file_uploader(key="add_files")
    assert uploader.accept_multiple_files
    assert {t.lstrip(".") for t in uploader.allowed_type} >= {"txt", "html"}
    assert "2,000,000 bytes" in " ".join(c.value for c in at.caption)


@pytest.mark.integration
def test_good_text_is_added_then_duplicate(db):
    store = Store(db)
    before, version = store.counts()["articles"], store.data_version()
    at = open_page()
    upload(at, ("stepanakert-report.txt", GOOD, "text/plain"), source="Test Wire")
    status, message = results(at)["stepanakert-report.txt"]
    assert status == "added", message
    assert store.counts()["articles"] == before + 1
    assert store.data_version() > version
    stored = store.articles_df().set_index("corpus_id").loc["stepanakert-report"]
    assert stored["source"] == "Test Wire"
    assert stored["title"].startswith("Shelling hit Stepanakert")
    assert '<mark class="ca-place"' in "\n".join(h.value for h in at.get("html"))

    version = store.data_version()
    upload(at, ("stepanakert-report.txt", GOOD, "text/plain"))
    status, message = results(at)["stepanakert-report.txt"]
    assert status == "duplicate" and "nothing changed" in message
    assert store.counts()["articles"] == before + 1
    assert store.data_version() == version

    # The caches refresh: the Overview counts the new article at once.
    at.switch_page("pages/overview.py").run()
    assert {m.label: m.value for m in at.metric}["Articles"] == str(before + 1)


@pytest.mark.integration
def test_new_content_under_the_same_id_and_source_is_updated(db):
    store = Store(db)
    at = open_page()
    upload(at, ("report.txt", GOOD, "text/plain"), source="Test Wire")
    assert results(at)["report.txt"][0] == "added"
    upload(at, ("report.txt", GOOD + b"\nMore shelling was reported near Shusha on Wednesday.\n", "text/plain"),
           source="Test Wire")
    assert results(at)["report.txt"][0] == "updated"
    assert (store.articles_df()["corpus_id"] == "report").sum() == 1


@pytest.mark.integration
def test_empty_binary_html_without_text_and_foreign_files_are_rejected_with_their_reason(db):
    store = Store(db)
    before = store.counts()["articles"]
    at = open_page()
    upload(at,
           ("empty.txt", b"   \n", "text/plain"),
           ("binary.txt", b"\x00\x01\x02PK\x03\x04" * 50, "text/plain"),
           ("nothing.html", b"<html><head><script>var x = 1;</script></head><body></body></html>", "text/html"),
           ("deutsch.txt", ("Die Regierung hat am Dienstag erkl\u00e4rt, dass die Gespr\u00e4che \u00fcber den "
                            "Waffenstillstand in der n\u00e4chsten Woche fortgesetzt werden sollen, und die "
                            "Opposition hat das kritisiert.").encode(), "text/plain"),
           ("good.txt", GOOD, "text/plain"))
    found = results(at)
    assert found["empty.txt"][0] == "rejected" and "empty" in found["empty.txt"][1]
    assert found["binary.txt"][0] == "rejected" and "binary" in found["binary.txt"][1]
    assert found["nothing.html"][0] == "rejected" and "no extractable article text" in found["nothing.html"][1]
    assert found["deutsch.txt"][0] == "rejected" and "English" in found["deutsch.txt"][1]
    assert found["good.txt"][0] == "added"  # one bad file never stops the others
    assert store.counts()["articles"] == before + 1


@pytest.mark.integration
def test_too_large_files_are_refused_with_the_limit(db, monkeypatch):
    monkeypatch.setenv("CLAIM_ATLAS_MAX_ARTICLE_BYTES", "300")
    at = open_page()
    assert "300 bytes" in " ".join(c.value for c in at.caption)
    upload(at, ("long.txt", GOOD * 3, "text/plain"), ("short.txt", GOOD[:120], "text/plain"))
    found = results(at)
    assert found["long.txt"][0] == "rejected"
    assert "too large" in found["long.txt"][1] and "300" in found["long.txt"][1]
    assert found["short.txt"][0] != "rejected" or "too large" not in found["short.txt"][1]


@pytest.mark.integration
def test_wrong_file_type_is_not_accepted(db):
    at = open_page()
    with pytest.raises(Exception, match="(?i)file extension"):
        upload(at, ("notes.pdf", b"%PDF-1.4 binary", "application/pdf"))


@pytest.mark.integration
def test_pasted_text_with_metadata(db):
    store = Store(db)
    at = open_page()
    at.text_area(key="add_text").set_value(GOOD.decode())
    at.text_input(key="add_title").set_value("Shelling in Stepanakert")
    at.text_input(key="add_source").set_value("Paste Wire")
    at.text_input(key="add_url").set_value("https://example.org/stepanakert")
    at.date_input(key="add_published").set_value("2020-10-27")
    click(at, "Add the text")
    status, message = results(at)["pasted text"]
    assert status == "added", message
    row = store.articles_df().set_index("corpus_id").loc["Shelling-in-Stepanakert"]
    assert (row["source"], row["published"], row["url"], row["title"]) == (
        "Paste Wire", "2020-10-27", "https://example.org/stepanakert", "Shelling in Stepanakert")


@pytest.mark.integration
def test_hostile_text_is_stored_verbatim_and_shown_escaped(db):
    store = Store(db)
    at = open_page()
    at.text_area(key="add_text").set_value(HOSTILE)
    at.text_input(key="add_source").set_value("<b>Agency</b> {{ 7919 * 7907 }}")
    click(at, "Add the text")
    status, message = results(at)["pasted text"]
    assert status == "added", message
    article_id = int(next(d.value for d in at.dataframe if "status" in d.value.columns)["article_id"].iloc[0])
    stored = store.article(article_id)
    assert stored["text"] == HOSTILE  # verbatim
    assert stored["source"] == "<b>Agency</b> {{ 7919 * 7907 }}"
    html = "\n".join(h.value for h in at.get("html"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#123;&#123;7*7&#125;&#125;" in html
    markup = html + "".join(m.value for m in at.markdown) + "".join(c.value for c in at.caption)
    for raw in ("<script>alert(1)</script>", "{{7*7}}", "${alert(2)}", "<b>Agency</b>"):
        assert raw not in markup
    assert "62615633" not in markup  # 7919 * 7907: no template was evaluated
    texts = "\n".join(t.value for t in at.text)
    assert "<b>Agency</b> {{ 7919 * 7907 }}" in texts  # st.text shows it as plain text


@pytest.mark.integration
def test_an_internal_error_is_shown_as_one_not_as_a_rejection(db, pipeline, monkeypatch):
    store = Store(db)
    before = store.counts()["articles"]
    real = pipeline.analyze

    def broken(article, doc=None):
        if article.file == "first.txt":
            raise KeyError("a private attribute spaCy removed")
        return real(article, doc)

    monkeypatch.setattr(pipeline, "analyze", broken)
    at = open_page()
    upload(at, ("first.txt", GOOD, "text/plain"), ("second.txt", GOOD + b"\nMore on Wednesday.\n", "text/plain"))
    found = results(at)
    assert found["first.txt"][0] == "failed"
    assert "internal error (not a problem with the article)" in found["first.txt"][1]
    assert "KeyError" in found["first.txt"][1]
    assert found["second.txt"][0] == "added"
    errors = " ".join(e.value for e in at.error)
    assert "1 article(s) failed with an internal error: a bug, not a problem with the files" in errors
    assert "log of the Streamlit server" in errors
    assert store.counts()["articles"] == before + 1

    # Once fixed, adding the same files again stores the one that failed; the error is gone.
    monkeypatch.delattr(pipeline, "analyze")  # the class's own again
    upload(at, ("first.txt", GOOD, "text/plain"))
    assert results(at)["first.txt"][0] == "added" and not at.error


@pytest.mark.integration
def test_articles_not_processed_after_a_stopped_ingest_are_listed(db, pipeline, monkeypatch):
    from geo.pipeline.ingest import MAX_INTERNAL_ERRORS_IN_A_ROW

    def broken(article, doc=None):
        raise KeyError("a private attribute spaCy removed")

    monkeypatch.setattr(pipeline, "analyze", broken)
    at = open_page()
    n = MAX_INTERNAL_ERRORS_IN_A_ROW + 1
    upload(at, *[(f"f{i}.txt", GOOD + f"\nReport {i}.\n".encode(), "text/plain") for i in range(n)])
    found = results(at)
    assert [found[f"f{i}.txt"][0] for i in range(n)] == ["failed"] * MAX_INTERNAL_ERRORS_IN_A_ROW + ["skipped"]
    assert "the ingest stopped after" in found[f"f{n - 1}.txt"][1]
    assert "and 1 were not processed (the ingest stopped)" in " ".join(e.value for e in at.error)


@pytest.mark.integration
def test_an_invalid_setting_stops_the_app_with_its_name(db, monkeypatch):
    monkeypatch.setenv("CLAIM_ATLAS_TILES", "osmm")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    (error,) = at.error
    assert "a setting is not valid" in error.value
    assert "CLAIM\\_ATLAS\\_TILES='osmm' is not valid \\(accepted: none, osm\\)" in error.value
    assert not at.title  # no page drew
    at = AppTest.from_file(str(PROJECT_ROOT / PAGE), default_timeout=TIMEOUT)  # the page on its own too
    at.run()
    assert not at.exception and "a setting is not valid" in at.error[0].value


def test_a_store_of_a_newer_version_stops_the_app(tmp_path, monkeypatch):
    import sqlite3

    from geo.store.migrations import LATEST_VERSION

    path = tmp_path / "newer.sqlite"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    monkeypatch.setenv("CLAIM_ATLAS_DB", str(path))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "cannot open its store" in at.error[0].value and "newer Claim Atlas" in at.error[0].value


PLANET = (b"<!DOCTYPE html><html><head><meta property='og:title' content='Harbour flooded in Batumi'>"
          b"<meta property='og:site_name' content='Daily Planet'>"
          b"<meta property='article:published_time' content='2020-10-07'></head><body><article><p>"
          + GOOD.replace(b"\n\n", b"</p><p>") + b"</p></article></body></html>")
DATELINED = b"STEPANAKERT, October 9, 2020 (Wire Agency) - " + GOOD


@pytest.mark.integration
def test_each_file_gets_its_own_metadata_from_itself_or_the_manifest(db):
    """Per file: the HTML's meta tags, a text's dateline, a manifest row; bad manifest rows are
    rejected with their line numbers and every valid file is stored."""
    store = Store(db)
    manifest = (b"id,file,source,url,published,title,language\n"
                b"from-manifest,m.txt,Manifest Wire,https://wire.example/m,2020-10-11,Manifest title,en\n"
                b"bad id!,x.txt,Wire,,2020-10-05,,en\n"
                b"missing,not-uploaded.txt,Wire,,2020-10-05,,en\n"
                b"late,y.txt,Wire,,9999-12-31,,en\n")
    at = open_page()
    at.file_uploader(key="add_files").set_value([
        ("planet.html", PLANET, "text/html"), ("dated.txt", DATELINED, "text/plain"),
        ("m.txt", GOOD + b"\nA third paragraph about Shusha.\n", "text/plain"), ("manifest.csv", manifest, "text/csv")])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    warning = "\n".join(w.value for w in at.warning).replace("\\", "")  # shown escaped
    assert "manifest.csv line 3" in warning and "manifest.csv line 4" in warning and "line 5" in warning
    click(at, "Add the files")
    found = results(at)
    assert [found[n][0] for n in ("planet.html", "dated.txt", "m.txt")] == ["added"] * 3, found
    assert found["manifest.csv line 3"][0] == found["manifest.csv line 4"][0] == "rejected"
    assert "not uploaded" in found["manifest.csv line 4"][1]
    assert "outside the accepted range" in found["manifest.csv line 5"][1]
    stored = store.articles_df().set_index("file")
    assert (stored.loc["planet.html", "source"], stored.loc["planet.html", "published"],
            stored.loc["planet.html", "title"]) == ("Daily Planet", "2020-10-07", "Harbour flooded in Batumi")
    assert (stored.loc["dated.txt", "source"], stored.loc["dated.txt", "published"]) == ("Wire Agency", "2020-10-09")
    assert (stored.loc["m.txt", "corpus_id"], stored.loc["m.txt", "source"], stored.loc["m.txt", "published"],
            stored.loc["m.txt", "title"]) == ("from-manifest", "Manifest Wire", "2020-10-11", "Manifest title")
    # Results name each article by title and source, with a link to its Sources view.
    table = next(d.value for d in at.dataframe if "status" in d.value.columns).set_index("file")
    assert table.loc["planet.html", "title"] == "Harbour flooded in Batumi"
    assert table.loc["planet.html", "source"] == "Daily Planet"
    assert table.loc["planet.html", "open"] == f"sources?article={int(stored.loc['planet.html', 'id'])}"
    assert not any(e.label.startswith("Article #") for e in at.expander)
