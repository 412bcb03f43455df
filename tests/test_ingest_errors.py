"""Rejections against internal errors in Pipeline.ingest (geo/pipeline/ingest.py, errors.py).

An article whose content is unusable is ``rejected`` with its reason; any other exception is an
internal error: ``failed``, logged with its traceback (a worker's too), never disguised as a
rejection. Internal errors in a row, or a failing store, stop the ingest with the store holding
exactly the articles reported stored."""

from __future__ import annotations

import logging
import pickle
import sqlite3
import subprocess
import sys

import pytest

import geo.pipeline.ingest
from geo.config import PROJECT_ROOT
from geo.model import Article, ArticleAnalysis
from geo.pipeline.errors import WorkerError, describe, for_another_process, is_rejection
from geo.pipeline.ingest import MAX_INTERNAL_ERRORS_IN_A_ROW, Pipeline
from geo.pipeline.predictions import article_prediction
from geo.store.sqlite import Store
from geo.text.corpus import ArticleRejected, content_hash


def _articles(n: int) -> list[Article]:
    out = []
    for i in range(n):
        text = f"Officials in Tbilisi said on Monday that {i + 2} houses near Batumi had been damaged.\n"
        out.append(Article(id=f"e{i:02d}", text=text, source="test", published="2020-10-05", file=f"e{i:02d}.txt",
                           content_hash=content_hash(text)))
    return out


def _failing(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch, ids: set[str],
             exc: Exception | None = None) -> None:
    """``pipeline.analyze`` raises ``exc`` (a KeyError by default: a bug) for these article ids."""
    real = pipeline.analyze

    def analyze(article, doc=None):
        if article.id in ids:
            raise exc if exc is not None else KeyError("a private attribute spaCy removed")
        return real(article, doc)

    monkeypatch.setattr(pipeline, "analyze", analyze)


def _consistent(store: Store) -> tuple[int, int]:
    """(articles, mentions) after checking that no row lost its article."""
    conn = store.conn
    assert conn.execute("SELECT COUNT(*) FROM mentions WHERE article_id NOT IN (SELECT id FROM articles)"
                        ).fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM claims WHERE article_id NOT IN (SELECT id FROM articles)"
                        ).fetchone()[0] == 0
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    return (conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0],
            conn.execute("SELECT COUNT(*) FROM mentions").fetchone()[0])


# --------------------------------------------------------------------------- rejected or failed


@pytest.mark.integration
def test_unusable_content_is_rejected_with_its_reason(pipeline: Pipeline, store: Store,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    _failing(pipeline, monkeypatch, {"e00"}, ArticleRejected("does not look like English"))
    results = pipeline.ingest(_articles(2), store)
    assert [(r.status, r.message) for r in results][0] == ("rejected", "does not look like English")
    assert results[1].status == "added"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # bad input is no internal error


@pytest.mark.integration
def test_an_article_too_long_for_the_model_is_rejected_not_failed(pipeline: Pipeline, store: Store,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    articles = _articles(2)
    articles[0].text = articles[0].text * 20
    monkeypatch.setattr(pipeline.nlp, "max_length", len(articles[1].text) + 10)
    results = pipeline.ingest(articles, store)
    assert [r.status for r in results] == ["rejected", "added"]
    assert "too long for the language model" in results[0].message


@pytest.mark.integration
def test_an_internal_error_fails_its_article_and_logs_the_traceback(pipeline: Pipeline, store: Store,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    _failing(pipeline, monkeypatch, {"e01"})
    results = pipeline.ingest(_articles(3), store)
    assert [r.status for r in results] == ["added", "failed", "added"]
    message = results[1].message
    assert message.startswith("internal error (not a problem with the article) analysing it: KeyError")
    assert "traceback is in the log" in message and "rejected" not in message
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.name == "geo.pipeline.ingest" and "e01.txt" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is KeyError
    assert "Traceback (most recent call last)" in caplog.text and "in analyze" in caplog.text
    assert _consistent(store)[0] == 2


@pytest.mark.integration
def test_an_error_in_a_later_stage_names_the_stage(pipeline: Pipeline, store: Store,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args, **_kwargs):
        raise AttributeError("'Correction' object has no attribute 'place'")

    monkeypatch.setattr(geo.pipeline.ingest, "apply_corrections", broken)
    (result,) = pipeline.ingest(_articles(1), store)
    assert result.status == "failed" and "applying corrections to it: AttributeError" in result.message


@pytest.mark.integration
def test_a_failed_article_leaves_no_analysis_for_evaluation(pipeline: Pipeline, store: Store,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Store, "save_article", lambda *a, **k: (_ for _ in ()).throw(ValueError("bad row")))
    analyses: dict = {}
    (result,) = pipeline.ingest(_articles(1), store, analyses=analyses)
    assert result.status == "failed" and "storing it: ValueError: bad row" in result.message
    assert analyses == {}


# --------------------------------------------------------------------------- stopping


@pytest.mark.integration
def test_internal_errors_in_a_row_stop_the_ingest(pipeline: Pipeline, store: Store,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    articles = _articles(MAX_INTERNAL_ERRORS_IN_A_ROW + 4)
    _failing(pipeline, monkeypatch, {a.id for a in articles[1:]})  # everything after the first breaks
    seen: list[str] = []
    results = pipeline.ingest(articles, store, progress=lambda done, total, r: seen.append(r.status))
    statuses = [r.status for r in results]
    assert statuses == ["added"] + ["failed"] * MAX_INTERNAL_ERRORS_IN_A_ROW + ["skipped"] * 3
    assert seen == statuses[:-3]  # progress reports the articles processed
    assert [r.name for r in results] == [a.file for a in articles]
    reason = results[-1].message
    assert reason.startswith(f"not processed: the ingest stopped after {MAX_INTERNAL_ERRORS_IN_A_ROW} internal "
                             "errors in a row (the last: KeyError")
    assert "3 articles were not processed" in reason
    assert "ingest stopped" in caplog.text
    assert _consistent(store)[0] == 1  # exactly the article reported added
    # Once the cause is fixed, ingesting again does the rest.
    monkeypatch.delattr(pipeline, "analyze")  # the class's own again
    again = pipeline.ingest(articles, store)
    assert [r.status for r in again] == ["duplicate"] + ["added"] * (len(articles) - 1)


@pytest.mark.integration
def test_internal_errors_not_in_a_row_do_not_stop_it(pipeline: Pipeline, store: Store,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    articles = _articles(2 * MAX_INTERNAL_ERRORS_IN_A_ROW + 2)
    _failing(pipeline, monkeypatch, {a.id for i, a in enumerate(articles) if i % 2})
    results = pipeline.ingest(articles, store)
    assert [r.status for r in results] == ["added", "failed"] * (MAX_INTERNAL_ERRORS_IN_A_ROW + 1)


@pytest.mark.integration
def test_a_failing_store_stops_the_ingest_at_once(pipeline: Pipeline, store: Store,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    """The store is every article's: when it fails for a reason of its own (here the disk, inside
    the transaction, after the article's mentions were written), the ingest stops at once and
    the failed article's rows are rolled back."""
    calls = {"n": 0}
    real = Store._link_cross_article_disputes

    def disk_fails(conn: sqlite3.Connection, article_id: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise sqlite3.OperationalError("disk I/O error")
        real(conn, article_id)

    monkeypatch.setattr(Store, "_link_cross_article_disputes", staticmethod(disk_fails))
    results = pipeline.ingest(_articles(5), store)
    assert [r.status for r in results] == ["added", "failed", "skipped", "skipped", "skipped"]
    assert "storing it: OperationalError: disk I/O error" in results[1].message
    assert f"the ingest stopped after the store {store.path} failed (OperationalError: disk I/O error)" in (
        results[2].message)
    assert "internal error storing e01.txt" in caplog.text and "disk I/O error" in caplog.text
    articles, mentions = _consistent(store)
    assert articles == 1 and mentions == len(store.mentions_df(results[0].article_id))


@pytest.mark.integration
def test_a_broken_constraint_is_the_articles_internal_error_not_the_stores(
        pipeline: Pipeline, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def bad_row(conn: sqlite3.Connection, article_id: int) -> None:
        raise sqlite3.IntegrityError("FOREIGN KEY constraint failed")

    monkeypatch.setattr(Store, "_link_cross_article_disputes", staticmethod(bad_row))
    results = pipeline.ingest(_articles(3), store)
    assert [r.status for r in results] == ["failed"] * 3  # each alone; the store itself works
    assert _consistent(store) == (0, 0)


# --------------------------------------------------------------------------- errors across processes


def test_worker_errors_keep_their_traceback_through_pickling() -> None:
    def deep() -> None:
        raise ValueError("boom deep down")

    try:
        deep()
    except ValueError as exc:
        carried = for_another_process(exc)
    back = pickle.loads(pickle.dumps(carried))
    assert isinstance(back, WorkerError) and not is_rejection(back)
    assert str(back) == describe(back) == "ValueError: boom deep down"
    assert "in deep" in back.traceback_text and 'raise ValueError("boom deep down")' in back.traceback_text
    assert "in deep" in str(back.__cause__)  # what logging prints with exc_info
    rejected = pickle.loads(pickle.dumps(for_another_process(ArticleRejected("empty: the file has no text"))))
    assert is_rejection(rejected) and str(rejected) == "empty: the file has no text"


def test_an_internal_error_logged_from_a_worker_shows_the_workers_traceback(
        caplog: pytest.LogCaptureFixture) -> None:
    try:
        {}["missing"]
    except KeyError as exc:
        carried = pickle.loads(pickle.dumps(for_another_process(exc)))
    logging.getLogger("geo.pipeline.ingest").error("internal error analysing x.txt", exc_info=carried)
    assert "_RemoteTraceback" in caplog.text and "{}[\"missing\"]" in caplog.text.replace("'", '"')
    assert "WorkerError: KeyError: 'missing'" in caplog.text


# --------------------------------------------------------------------------- claims are part of the engine


def test_a_broken_claims_import_surfaces() -> None:
    """No fallback to "no claims": an import error in geo.claims breaks importing the pipeline."""
    code = ("import sys; sys.modules['geo.claims.extract'] = None\n"
            "import geo.pipeline.ingest")
    run = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode != 0 and "ModuleNotFoundError" in run.stderr and "geo.claims.extract" in run.stderr


def test_predictions_always_have_claims() -> None:
    article = _articles(1)[0]
    assert article_prediction(article, None)["claims"] == []
    assert article_prediction(article, ArticleAnalysis())["claims"] == []
