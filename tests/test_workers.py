"""Large batches are parsed and analysed in worker processes (geo/pipeline.py). They must store
what the in-process path stores, report a failing article without stopping the others, and lose
nothing when a worker dies."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

import geo.pipeline.workers
from geo.model import Article
from geo.pipeline.ingest import MIN_ARTICLES_FOR_WORKERS, Pipeline
from geo.store.sqlite import Store
from geo.text.corpus import content_hash

_PLACES = ["Tbilisi", "Ganja", "Gyumri", "Batumi", "Goris", "Barda", "Kapan", "Shusha"]


def _articles(n: int) -> list[Article]:
    out = []
    for i in range(n):
        a, b = _PLACES[i % len(_PLACES)], _PLACES[(3 * i + 1) % len(_PLACES)]
        text = (f"Officials in {a} said on Monday that {i + 2} houses near {b} had been damaged.\n\n"
                f"The ministry in Yerevan denied the report, calling it false.\n")
        out.append(Article(id=f"w{i:02d}", text=text, source="test", published="2020-10-05",
                           file=f"w{i:02d}.txt", content_hash=content_hash(text)))
    return out


def _stored(store: Store) -> list[tuple]:
    rows = store.conn.execute(
        "SELECT a.corpus_id, m.start, m.end, m.text, p.key, m.metonymic FROM mentions m "
        "JOIN articles a ON a.id = m.article_id LEFT JOIN places p ON p.id = m.place_id "
        "ORDER BY a.corpus_id, m.start").fetchall()
    claims = store.conn.execute(
        "SELECT a.corpus_id, c.claimant, c.start, c.end FROM claims c JOIN articles a ON a.id = c.article_id "
        "ORDER BY a.corpus_id, c.start, c.claimant").fetchall()
    return [tuple(r) for r in rows] + [tuple(r) for r in claims]


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers start by fork, so that patches made here reach them (spawn would re-import)."""
    monkeypatch.setattr(geo.pipeline.workers, "_worker_context", lambda: multiprocessing.get_context("fork"))


@pytest.fixture
def two_workers(settings, nlp, real_gazetteer) -> Pipeline:  # nlp, gazetteer: the session's, loaded
    return Pipeline(settings.with_overrides(workers=2))


@pytest.mark.integration
def test_workers_store_what_one_process_stores(two_workers: Pipeline, settings, tmp_path: Path, forked) -> None:
    articles = _articles(MIN_ARTICLES_FOR_WORKERS)
    in_workers, in_process = Store(tmp_path / "a.sqlite"), Store(tmp_path / "b.sqlite")
    assert two_workers._wants_workers(len(articles))
    results = two_workers.ingest(articles, in_workers)
    assert two_workers._pool is None  # a pool started for one batch is stopped after it
    Pipeline(settings.with_overrides(workers=1)).ingest(articles, in_process)
    assert [r.status for r in results] == ["added"] * len(articles)
    assert _stored(in_workers) == _stored(in_process)
    assert any(row[4] == "geonames:615532" for row in _stored(in_workers))  # Ganja resolved


@pytest.mark.integration
def test_analysis_happens_in_the_workers(two_workers: Pipeline, store: Store, forked,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    with two_workers.workers():
        pids = {p.pid for p in two_workers._pool._processes.values()}
        assert len(pids) == 2 and os.getpid() not in pids

        def not_here(*_args, **_kwargs):
            raise AssertionError("analysed in the parent process")

        monkeypatch.setattr(Pipeline, "analyze", not_here)  # after the fork: workers keep the real one
        results = two_workers.ingest(_articles(3), store)  # few articles, but the pool is running
    assert [r.status for r in results] == ["added"] * 3
    assert two_workers._pool is None


@pytest.mark.integration
def test_a_failing_article_in_a_worker_fails_alone_with_its_traceback(
        two_workers: Pipeline, store: Store, forked, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    real = Pipeline.analyze

    def flaky(self, article, doc=None):
        if article.id == "w03":
            raise ValueError("boom in a worker")
        return real(self, article, doc)

    monkeypatch.setattr(Pipeline, "analyze", flaky)
    results = two_workers.ingest(_articles(MIN_ARTICLES_FOR_WORKERS), store)
    statuses = {r.name: r.status for r in results}
    assert statuses.pop("w03.txt") == "failed"  # an internal error, never disguised as a rejection
    assert set(statuses.values()) == {"added"}
    message = next(r.message for r in results if r.status == "failed")
    assert "ValueError: boom in a worker" in message and "internal error" in message
    assert store.counts()["articles"] == MIN_ARTICLES_FOR_WORKERS - 1
    # The worker's traceback crossed the process boundary into the parent's log.
    (record,) = [r for r in caplog.records if r.levelname == "ERROR" and "w03.txt" in r.getMessage()]
    logged = caplog.text
    assert record.exc_info is not None
    assert "Traceback (most recent call last)" in logged and "in flaky" in logged
    assert 'raise ValueError("boom in a worker")' in logged


@pytest.mark.integration
def test_a_dead_worker_loses_no_article(two_workers: Pipeline, store: Store, forked,
                                        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    parent, real = os.getpid(), Pipeline.analyze

    def dies_in_worker(self, article, doc=None):
        if article.id == "w05" and os.getpid() != parent:
            os._exit(3)  # a crash (out of memory, a segfault in a C extension)
        return real(self, article, doc)

    monkeypatch.setattr(Pipeline, "analyze", dies_in_worker)
    results = two_workers.ingest(_articles(MIN_ARTICLES_FOR_WORKERS), store)
    assert "worker processes failed" in caplog.text  # the pool broke; the rest ran in this process
    assert [r.status for r in results] == ["added"] * MIN_ARTICLES_FOR_WORKERS
    assert store.counts()["articles"] == MIN_ARTICLES_FOR_WORKERS


@pytest.mark.integration
def test_small_batches_and_custom_pipelines_stay_in_process(two_workers: Pipeline, pipeline: Pipeline) -> None:
    assert not two_workers._wants_workers(MIN_ARTICLES_FOR_WORKERS - 1)
    assert not pipeline._wants_workers(1000)  # given its own model and gazetteer: not rebuildable


@pytest.mark.integration
def test_spawned_workers_as_in_the_app(two_workers: Pipeline, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app serves from threads, so its workers are spawned: fresh interpreters that load the
    model and open the gazetteer themselves."""
    monkeypatch.setattr(geo.pipeline.workers, "_worker_context", lambda: multiprocessing.get_context("spawn"))
    results = two_workers.ingest(_articles(MIN_ARTICLES_FOR_WORKERS), store)
    assert [r.status for r in results] == ["added"] * MIN_ARTICLES_FOR_WORKERS
    assert store.counts()["places"] > 0


@pytest.mark.integration
def test_worker_start_method_follows_the_threads() -> None:
    import threading

    assert geo.pipeline.workers._worker_context().get_start_method() == (
        "fork" if threading.active_count() == 1 else "spawn")
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert geo.pipeline.workers._worker_context().get_start_method() == "spawn"
    finally:
        stop.set()
        thread.join()


_AREAS_AND_LINES = ("Azerbaijan's defence ministry said on Monday that Armenian forces shelled Tartar. "
                    "Fighting continued in Nagorno-Karabakh and along the border with Iran, near the "
                    "Baku-Tbilisi-Ceyhan pipeline.")


class _EmptyGazetteer:
    def get(self, key: str):
        return None


@pytest.mark.integration
def test_analyses_cross_processes_with_areas_and_lines_by_key(pipeline: Pipeline, real_gazetteer) -> None:
    """What a worker sends back: gazetteer places with an outline or a route travel as their
    keys and come back as the receiving gazetteer's own objects; the predictions are the same."""
    import pickle

    from geo.gazetteer.index import Gazetteer
    from geo.pipeline.predictions import article_prediction
    from geo.pipeline.workers import dump_analyses, load_analyses

    article = _articles(1)[0]
    article.text = _AREAS_AND_LINES
    analysis = pipeline.analyze(article)
    with_outlines = [m.place for m in analysis.mentions if m.place is not None and m.place.geometry]
    assert {p.feature_type for p in with_outlines} >= {"region", "border"}  # the case this is about
    blob = dump_analyses([analysis], pipeline.gazetteer)
    assert len(blob) * 3 < len(pickle.dumps([analysis], protocol=pickle.HIGHEST_PROTOCOL))
    receiving = Gazetteer(real_gazetteer.path)  # another process's copy of the same index
    (loaded,) = load_analyses(blob, receiving)
    assert article_prediction(article, loaded) == article_prediction(article, analysis)
    by_key = 0
    for ours, theirs in zip(loaded.mentions, analysis.mentions, strict=True):
        if theirs.place is not None and theirs.place.geometry:
            known = receiving.get(theirs.place.key)
            if known is not None:  # the gazetteer's: read from the receiving one
                assert ours.place is known
                by_key += 1
            else:  # made on the fly (all the pipelines as one line): sent whole
                assert ours.place == theirs.place
    assert by_key >= 2
    # A key the receiving gazetteer lacks is an error (the pipeline then analyses the batch itself).
    with pytest.raises(KeyError, match="not in this gazetteer"):
        load_analyses(blob, _EmptyGazetteer())


@pytest.mark.integration
def test_places_made_on_the_fly_cross_processes_whole(pipeline: Pipeline) -> None:
    import dataclasses

    from geo.pipeline.workers import dump_analyses, load_analyses

    border = next(p for p in pipeline.gazetteer.places_of_type("border") if p.geometry)
    made = dataclasses.replace(border, key="ref:made-here", name="a line made here")
    (loaded,) = load_analyses(dump_analyses([made], pipeline.gazetteer), _EmptyGazetteer())
    assert loaded == made and loaded.geometry == border.geometry


@pytest.mark.integration
def test_unreadable_worker_analyses_are_made_here(two_workers: Pipeline, settings, tmp_path: Path, forked,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    articles = _articles(MIN_ARTICLES_FOR_WORKERS)
    expected = Store(tmp_path / "expected.sqlite")
    Pipeline(settings).ingest(articles, expected)

    def unreadable(blob, gazetteer):
        raise KeyError("place 'geonames:1' is not in this gazetteer")

    monkeypatch.setattr(geo.pipeline.workers, "load_analyses", unreadable)
    store = Store(tmp_path / "workers.sqlite")
    results = two_workers.ingest(articles, store)
    assert {r.status for r in results} == {"added"}
    assert _stored(store) == _stored(expected)


@pytest.mark.integration
@pytest.mark.parametrize("n", [1, 2, 5, 24, 25, 198, 1000])
def test_worker_batches_split_evenly_in_order(n: int) -> None:
    from geo.pipeline.workers import WORKER_BATCH, worker_batches

    batches = worker_batches(list(range(n)), 2)
    assert [i for b in batches for i in b] == list(range(n))  # all, once, in order
    assert max(map(len, batches)) - min(map(len, batches)) <= 1 and max(map(len, batches)) <= WORKER_BATCH
    assert len(batches) % 2 == 0 or len(batches) == n  # each worker gets as many batches


@pytest.mark.integration
def test_forked_workers_inherit_a_frozen_heap(two_workers: Pipeline, forked) -> None:
    """The parent's objects are frozen for the fork (the workers' collector never writes to
    them, so their pages stay shared) and unfrozen again in the parent."""
    import gc

    with two_workers.workers():
        assert gc.get_freeze_count() == 0
        assert two_workers._pool.submit(gc.get_freeze_count).result() > 100_000


@pytest.mark.integration
@pytest.mark.parametrize("workers", [1, 2])
def test_a_batch_spacy_cannot_parse_is_parsed_article_by_article(settings, store: Store, forked, workers: int,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """In this process and in workers alike: a failing batch parse costs no article (each is then
    parsed alone), and an article that fails alone fails alone."""
    real_parse = Pipeline.parse

    def batch_fails(self, texts):
        if len(texts) > 1:
            raise RuntimeError("the batch broke")
        return real_parse(self, texts)

    real = Pipeline.analyze

    def one_fails(self, article, doc=None):
        if article.id == "w02":
            raise ValueError("this one is broken")
        return real(self, article, doc)

    monkeypatch.setattr(Pipeline, "parse", batch_fails)
    monkeypatch.setattr(Pipeline, "analyze", one_fails)
    results = Pipeline(settings.with_overrides(workers=workers)).ingest(_articles(MIN_ARTICLES_FOR_WORKERS), store)
    statuses = {r.name: r.status for r in results}
    assert statuses.pop("w02.txt") == "failed"
    assert set(statuses.values()) == {"added"}


@pytest.mark.integration
def test_a_rejection_in_a_worker_stays_a_rejection(two_workers: Pipeline, store: Store, forked,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from geo.text.corpus import ArticleRejected

    real = Pipeline.analyze

    def unusable(self, article, doc=None):
        if article.id == "w04":
            raise ArticleRejected("does not look like English")
        return real(self, article, doc)

    monkeypatch.setattr(Pipeline, "analyze", unusable)
    results = two_workers.ingest(_articles(MIN_ARTICLES_FOR_WORKERS), store)
    statuses = {r.name: (r.status, r.message) for r in results}
    assert statuses.pop("w04.txt") == ("rejected", "does not look like English")
    assert {s for s, _m in statuses.values()} == {"added"}


@pytest.mark.integration
def test_internal_errors_in_a_row_in_workers_stop_the_ingest_and_the_workers(
        two_workers: Pipeline, store: Store, forked, monkeypatch: pytest.MonkeyPatch) -> None:
    from geo.pipeline.ingest import MAX_INTERNAL_ERRORS_IN_A_ROW

    def broken(self, article, doc=None):
        raise AttributeError("'Doc' object has no attribute '_private'")  # a spaCy upgrade, say

    monkeypatch.setattr(Pipeline, "analyze", broken)
    results = two_workers.ingest(_articles(MIN_ARTICLES_FOR_WORKERS), store)
    statuses = [r.status for r in results]
    assert statuses == (["failed"] * MAX_INTERNAL_ERRORS_IN_A_ROW
                        + ["skipped"] * (MIN_ARTICLES_FOR_WORKERS - MAX_INTERNAL_ERRORS_IN_A_ROW))
    assert "AttributeError" in results[0].message and "internal errors in a row" in results[-1].message
    assert two_workers._pool is None  # the pool this ingest started is stopped
    assert store.counts()["articles"] == 0


def test_a_foreign_persistent_id_is_an_unpickling_error(gazetteer) -> None:
    """Places travel as pickle persistent ids (their keys); anything else in that slot is refused
    with the error the pipeline answers by analysing the batch itself."""
    import io
    import pickle

    from geo.pipeline.workers import load_analyses

    class Foreign(pickle.Pickler):
        def persistent_id(self, obj):
            return ("not", "a key") if obj == "x" else None

    buffer = io.BytesIO()
    Foreign(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(["x"])
    with pytest.raises(pickle.UnpicklingError, match="unexpected persistent id"):
        load_analyses(buffer.getvalue(), gazetteer)
