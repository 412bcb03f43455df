"""The ingestion pipeline: article -> mentions -> places (-> claims) -> store.

The same code path serves the CLI (``python -m geo ingest``), the app's first run and
its upload page, and ``python -m geo evaluate``.

>>> pipeline = Pipeline()                                  # doctest: +SKIP
>>> results = pipeline.ingest(articles, Store(path))       # doctest: +SKIP
"""

from __future__ import annotations

import gc
import logging
import pickle
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

from spacy.tokens import Doc

from geo.config import Settings, get_settings
from geo.gazetteer.index import Gazetteer, get_gazetteer
from geo.geoparse.metonymy import flag_metonymy
from geo.geoparse.recognize import mentions_from_spans, recognize_toponyms
from geo.geoparse.resolve import resolve_toponyms
from geo.model import Article, ArticleAnalysis, IngestResult, Mention
from geo.nlp.load import load_nlp
from geo.pipeline import workers
from geo.pipeline.workers import PARSE_BATCH
from geo.store.corrections import Correction, apply_corrections, load_corrections
from geo.store.sqlite import Store

#: Bump when the pipeline's output changes meaning (stored with each article).
PIPELINE_VERSION = "1"

ProgressCallback = Callable[[int, int, IngestResult], None]


#: Fewer articles than this are analysed in-process: starting worker processes (each loads
#: the model, about 2 s) would cost more than it saves.
MIN_ARTICLES_FOR_WORKERS = 24

log = logging.getLogger(__name__)


class Pipeline:
    """Holds the loaded model and gazetteer; analyses and ingests articles."""

    def __init__(self, settings: Settings | None = None, *, nlp=None, gazetteer: Gazetteer | None = None):
        self.settings = settings or get_settings()
        #: Worker processes can rebuild this pipeline from the settings alone.
        self._rebuildable = nlp is None and gazetteer is None
        self.nlp = nlp or load_nlp(self.settings.spacy_model)
        self.nlp.max_length = max(self.nlp.max_length, self.settings.max_article_bytes + 1)
        self.gazetteer = gazetteer or get_gazetteer(self.settings)
        self._pool: ProcessPoolExecutor | None = None

    def parse(self, texts: list[str]) -> Iterator[Doc]:
        """Parse texts lazily, in batches (in this process)."""
        return self.nlp.pipe(texts, batch_size=PARSE_BATCH)

    # -- worker processes

    def _wants_workers(self, n_articles: int) -> bool:
        return self._rebuildable and self.settings.workers > 1 and (
            self._pool is not None or n_articles >= MIN_ARTICLES_FOR_WORKERS)

    def start_workers(self) -> float:
        """Start ``Settings.workers`` processes, each with its own model and gazetteer, and wait
        until they are ready; returns the seconds it took. Each process parses *and* analyses
        whole articles, so only finished analyses cross process boundaries (not spaCy Docs).
        """
        if self._pool is not None:
            return 0.0
        started = time.perf_counter()
        context = workers._worker_context()
        forking = context.get_start_method() == "fork"
        if forking:
            # Forked workers share the parent's pages until they write to them, and the garbage
            # collector writes to every object it visits: frozen, the model's and gazetteer's
            # objects (inherited) are never visited, so they are neither copied nor scanned.
            gc.freeze()
        try:
            self._pool = ProcessPoolExecutor(max_workers=self.settings.workers, mp_context=context,
                                             initializer=workers._init_worker, initargs=(self.settings,))
            list(self._pool.map(workers._worker_ready, range(self.settings.workers)))
        finally:
            if forking:
                gc.unfreeze()  # this process collects as before
        return time.perf_counter() - started

    def stop_workers(self) -> None:
        """Stop the worker processes (if any)."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    @contextmanager
    def workers(self) -> Iterator[Pipeline]:
        """Keep the worker processes running across several ``ingest`` calls.

        >>> with pipeline.workers():                 # doctest: +SKIP
        ...     pipeline.ingest(batch1, store); pipeline.ingest(batch2, store)
        """
        self.start_workers()
        try:
            yield self
        finally:
            self.stop_workers()

    def _analyses(self, articles: list[Article]) -> Iterator[ArticleAnalysis | Exception]:
        """Each article's analysis (or the error it raised), in order; in worker processes
        for large batches, falling back to this process if they cannot run."""
        done = 0
        if self._wants_workers(len(articles)):
            own_pool = self._pool is None
            try:
                if own_pool:
                    self.start_workers()
                batches = workers.worker_batches(articles, self.settings.workers)
                for batch, blob in zip(batches, self._pool.map(workers._analyze_batch_in_worker, batches), strict=True):
                    try:
                        outcomes = workers.load_analyses(blob, self.gazetteer)
                    except (pickle.UnpicklingError, KeyError) as exc:  # not the worker's gazetteer
                        log.warning("could not read a worker's analyses (%s); analysing them here", exc)
                        outcomes = list(self._analyses_here(batch))
                    for outcome in outcomes:
                        done += 1
                        yield outcome
                return
            except (BrokenProcessPool, OSError) as exc:  # a worker died, or processes cannot start
                log.warning("worker processes failed (%s); analysing the rest in this process", exc)
                self.stop_workers()
            finally:
                if own_pool:
                    self.stop_workers()
        yield from self._analyses_here(articles[done:])

    def _analyses_here(self, articles: list[Article]) -> Iterator[ArticleAnalysis | Exception]:
        """Each article's analysis (or the error it raised), in this process, a parse batch at
        a time. A batch spaCy cannot parse is parsed article by article, so that only the
        culprit fails."""
        for i in range(0, len(articles), PARSE_BATCH):
            batch = articles[i:i + PARSE_BATCH]
            try:
                docs: list[Doc | None] = list(self.parse([a.text for a in batch]))
            except Exception:  # noqa: BLE001 - analyze() then parses each article alone
                docs = [None] * len(batch)
            for article, doc in zip(batch, docs, strict=True):
                try:
                    yield self.analyze(article, doc)
                except Exception as exc:  # noqa: BLE001 - one bad article must not stop the corpus
                    yield exc

    def analyze(self, article: Article, doc: Doc | None = None) -> ArticleAnalysis:
        """Everything the pipeline derives from one article (nothing is stored)."""
        doc = doc if doc is not None else self.nlp(article.text)
        mentions = recognize_toponyms(doc, self.gazetteer)
        resolve_toponyms(article.text, mentions, self.gazetteer, min_confidence=self.settings.min_confidence)
        flag_metonymy(doc, mentions)
        return ArticleAnalysis(mentions=mentions, claims=self._claims(article, doc, mentions))

    def apply_corrections(self, article: Article, analysis: ArticleAnalysis, corrections: list[Correction]) -> None:
        """Apply analysts' corrections in force (geo/corrections.py) to an analysed article's
        mentions, as making a correction does to stored ones: the same name in the same context
        gets the chosen place; claims keep their links to the mentions."""
        analysis.corrections = apply_corrections(article.text, analysis.mentions, corrections, self.gazetteer)

    def analyze_spans(self, article: Article, spans: list[tuple[int, int]], doc: Doc | None = None) -> ArticleAnalysis:
        """Resolve given place-name spans (evaluation of resolution alone)."""
        doc = doc if doc is not None else self.nlp(article.text)
        mentions = mentions_from_spans(doc, spans)
        resolve_toponyms(article.text, mentions, self.gazetteer, min_confidence=self.settings.min_confidence)
        flag_metonymy(doc, mentions)
        return ArticleAnalysis(mentions=mentions, claims=[])

    def _claims(self, article: Article, doc: Doc, mentions: list[Mention]) -> list:
        try:
            from geo.claims.extract import extract_claims
        except ImportError:  # claims extraction not installed in this build
            return []
        return extract_claims(doc, article, mentions)

    def ingest(self, articles: list[Article], store: Store, progress: ProgressCallback | None = None,
               analyses: dict[str, ArticleAnalysis] | None = None) -> list[IngestResult]:
        """Analyse and store each article in its own transaction; duplicates are skipped
        before any analysis, and one failing article never stops the others.

        ``analyses``, when given, receives each analysed article's analysis by article id
        (evaluation reads its predictions from there).
        """
        results: list[IngestResult] = []
        todo: list[Article] = []
        for article in articles:
            dup = store.find_by_hash(article.content_hash)
            if dup:
                result = IngestResult(article.file or article.id, "duplicate",
                                      f"same content as article {dup[1]!r}: nothing changed", article_id=dup[0])
                results.append(result)
                if progress:
                    progress(len(results), len(articles), result)
            else:
                todo.append(article)
        corrections = load_corrections(store) if todo else []
        for article, analysis in zip(todo, self._analyses(todo), strict=True):
            try:
                if isinstance(analysis, Exception):
                    raise analysis
                self.apply_corrections(article, analysis, corrections)
                if analyses is not None:
                    analyses[article.id] = analysis
                result = store.save_article(article, analysis, pipeline_version=PIPELINE_VERSION)
            except Exception as exc:  # noqa: BLE001 - one bad article must not stop the corpus
                result = IngestResult(article.file or article.id, "rejected", f"pipeline error: {exc}")
            results.append(result)
            if progress:
                progress(len(results), len(articles), result)
        return results
