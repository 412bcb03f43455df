"""The ingestion pipeline: article -> mentions -> places (-> claims) -> store.

The same code path serves the CLI (``python -m geo ingest``), the app's first run and
its upload page, and ``python -m geo evaluate``.

Each article ends ``added``, ``updated``, ``duplicate``, ``rejected`` (its content is unusable:
:mod:`geo.pipeline.errors`), ``failed`` (an internal error, logged with its traceback) or
``skipped`` (not processed: the ingest stopped, see :data:`MAX_INTERNAL_ERRORS_IN_A_ROW`).

>>> pipeline = Pipeline()                                  # doctest: +SKIP
>>> results = pipeline.ingest(articles, Store(path))       # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import os
import pickle
import sqlite3
import time
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

from spacy.tokens import Doc

from geo.claims.corroboration import ClaimRecord, cluster_claims
from geo.claims.extract import extract_claims
from geo.config import Settings, get_settings
from geo.gazetteer.geocoders import online_geocoder
from geo.gazetteer.index import Gazetteer, get_gazetteer
from geo.geoparse.metonymy import flag_metonymy
from geo.geoparse.recognize import mentions_from_spans, recognize_toponyms
from geo.geoparse.resolve import resolve_toponyms
from geo.model import Article, ArticleAnalysis, IngestResult, Mention
from geo.nlp.load import load_nlp
from geo.pipeline import workers
from geo.pipeline.errors import describe, is_rejection
from geo.pipeline.workers import PARSE_BATCH
from geo.store.corrections import Correction, apply_corrections, load_corrections
from geo.store.sqlite import Store
from geo.text.chunks import CHUNK_CHARS, paragraph_chunks
from geo.text.corpus import ArticleRejected, published_problem

#: Bump when the pipeline's output changes meaning (stored with each article).
PIPELINE_VERSION = "1"

ProgressCallback = Callable[[int, int, IngestResult], None]
#: Called as ``(article name, chunks done, chunks)`` while a long article is analysed in chunks.
ChunkProgressCallback = Callable[[str, int, int], None]


#: Fewer articles than this are analysed in-process: starting worker processes (each loads
#: the model, about 2 s) would cost more than it saves.
MIN_ARTICLES_FOR_WORKERS = 24

#: An ingest stops after this many internal errors in a row: by then the cause is not one odd
#: article but the code or its environment (a broken model, a bad upgrade), and going on would
#: only report every remaining article as failed, slowly. A constant, not a setting: no corpus
#: needs another value.
MAX_INTERNAL_ERRORS_IN_A_ROW = 5

#: Where an internal error's traceback is (the message of a ``failed`` article says so).
LOG_HINT = ("the traceback is in the log (standard error of the process that ingested: the terminal "
            "of `python -m geo` or of the Streamlit server)")

log = logging.getLogger(__name__)


class Pipeline:
    """Holds the loaded model and gazetteer; analyses and ingests articles."""

    def __init__(self, settings: Settings | None = None, *, nlp=None, gazetteer: Gazetteer | None = None):
        self.settings = settings or get_settings()
        #: Worker processes can rebuild this pipeline from the settings alone.
        self._rebuildable = nlp is None and gazetteer is None
        self.nlp = nlp or load_nlp(self.settings.spacy_model, self.settings.accel)
        self.nlp.max_length = max(self.nlp.max_length, self.settings.max_article_bytes + 1)
        self.gazetteer = gazetteer or get_gazetteer(self.settings)
        #: For names the gazetteer does not know (None unless CLAIM_ATLAS_ONLINE_GEOCODER is on);
        #: each worker process makes its own.
        self.online = online_geocoder(self.settings)
        self._pool: ProcessPoolExecutor | None = None
        #: Told of each chunk of a long article analysed in this process (see :meth:`analyze`).
        self.chunk_progress: ChunkProgressCallback | None = None

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
                                             initializer=workers._init_worker, initargs=(self.settings, Pipeline, os.getpid()))
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

    def _analyses(self, articles: list[Article], chunk_progress: ChunkProgressCallback | None = None,
                  ) -> Generator[ArticleAnalysis | Exception, None, None]:
        """Each article's analysis (or the error it raised), in order. A long article is cut into
        chunks of whole paragraphs (:func:`chunk_articles`), each analysed as an article of its
        own (by the worker processes too, in parallel) and merged back, with progress told to
        :attr:`chunk_progress`: the work is linear in the text, not quadratic as one huge doc was."""
        units: list[Article] = []
        plan: list[list[int]] = []  # per article, its chunks' offsets ([0] for a short article)
        for article in articles:
            if len(article.text) > CHUNK_CHARS and len(article.text) <= self.nlp.max_length:
                chunks = chunk_articles(article)
                units += [c for _, c in chunks]
                plan.append([o for o, _ in chunks])
            else:
                units.append(article)
                plan.append([])
        outcomes = self._analyses_of_units(units)
        tell = chunk_progress or self.chunk_progress
        try:
            for article, offsets in zip(articles, plan, strict=True):
                if not offsets:
                    yield next(outcomes)
                    continue
                parts: list[ArticleAnalysis | Exception] = []
                for k in range(len(offsets)):
                    parts.append(next(outcomes))
                    if tell:
                        tell(article.file or article.id, k + 1, len(offsets))
                error = next((p for p in parts if isinstance(p, Exception)), None)
                yield error if error is not None else merge_chunk_analyses(parts, offsets)  # type: ignore[arg-type]
        finally:
            outcomes.close()

    def _analyses_of_units(self, articles: list[Article]) -> Generator[ArticleAnalysis | Exception, None, None]:
        """Each article's analysis (or the error it raised), in order; in worker processes
        for large batches, falling back to this process if they cannot run."""
        done = 0
        if self._wants_workers(len(articles)):
            own_pool = self._pool is None
            try:
                if own_pool:
                    self.start_workers()
                batches = workers.worker_batches(articles, self.settings.workers)
                pool = self._pool
                assert pool is not None  # started above, or by the caller
                for batch, blob in zip(batches, pool.map(workers._analyze_batch_in_worker, batches), strict=True):
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
        a time (:func:`~geo.pipeline.workers.parse_batches`). A batch spaCy cannot parse is parsed article by article, so that only the
        culprit fails."""
        for batch in workers.parse_batches(articles):
            short = [a for a in batch if len(a.text) <= CHUNK_CHARS]  # long ones are parsed chunk by chunk
            try:
                parsed = iter(self.parse([a.text for a in short]))
                docs: list[Doc | None] = [next(parsed) if len(a.text) <= CHUNK_CHARS else None for a in batch]
            except Exception:  # noqa: BLE001 - analyze() then parses each article alone
                log.warning("spaCy could not parse a batch of %d articles; parsing each alone", len(batch),
                            exc_info=True)
                docs = [None] * len(batch)
            for article, doc in zip(batch, docs, strict=True):
                try:
                    yield self.analyze(article, doc)
                except Exception as exc:  # noqa: BLE001 - reported per article by ingest (rejected or failed)
                    yield exc

    def _parse_one(self, article: Article) -> Doc:
        self._check_length(article)
        return self.nlp(article.text)

    def _check_length(self, article: Article) -> None:
        if len(article.text) > self.nlp.max_length:  # spaCy's own error would read as a bug
            raise ArticleRejected(f"too long for the language model: {len(article.text):,} characters (the limit "
                                  f"is {self.nlp.max_length:,}; set CLAIM_ATLAS_MAX_ARTICLE_BYTES to change it)")

    def analyze(self, article: Article, doc: Doc | None = None) -> ArticleAnalysis:
        """Everything the pipeline derives from one article (nothing is stored). An article
        longer than :data:`~geo.text.chunks.CHUNK_CHARS` (and not parsed already) is analysed
        chunk by chunk (:func:`chunk_articles`), in time linear in its length."""
        if doc is None and len(article.text) > CHUNK_CHARS:
            self._check_length(article)
            chunks = chunk_articles(article)
            return merge_chunk_analyses([self.analyze(c) for _, c in chunks], [o for o, _ in chunks])
        doc = doc if doc is not None else self._parse_one(article)
        mentions = recognize_toponyms(doc, self.gazetteer)
        resolve_toponyms(article.text, mentions, self.gazetteer, min_confidence=self.settings.min_confidence,
                         online=self.online)
        flag_metonymy(doc, mentions)
        return ArticleAnalysis(mentions=mentions, claims=self._claims(article, doc, mentions))

    def apply_corrections(self, article: Article, analysis: ArticleAnalysis, corrections: list[Correction]) -> None:
        """Apply analysts' corrections in force (geo/corrections.py) to an analysed article's
        mentions, as making a correction does to stored ones: the same name in the same context
        gets the chosen place; claims keep their links to the mentions."""
        analysis.corrections = apply_corrections(article.text, analysis.mentions, corrections, self.gazetteer)

    def analyze_spans(self, article: Article, spans: list[tuple[int, int]], doc: Doc | None = None) -> ArticleAnalysis:
        """Resolve given place-name spans (evaluation of resolution alone)."""
        doc = doc if doc is not None else self._parse_one(article)
        mentions = mentions_from_spans(doc, spans)
        resolve_toponyms(article.text, mentions, self.gazetteer, min_confidence=self.settings.min_confidence,
                         online=self.online)
        flag_metonymy(doc, mentions)
        return ArticleAnalysis(mentions=mentions, claims=[])

    def _claims(self, article: Article, doc: Doc, mentions: list[Mention]) -> list:
        return extract_claims(doc, article, mentions)

    def ingest(self, articles: list[Article], store: Store, progress: ProgressCallback | None = None,
               analyses: dict[str, ArticleAnalysis] | None = None,
               chunk_progress: ChunkProgressCallback | None = None) -> list[IngestResult]:
        """Analyse and store each article in its own transaction; duplicates, and articles
        published out of range (:func:`~geo.text.corpus.published_problem`: rejected), are
        skipped before any analysis. Returns one result per article (those first).

        An article whose content is unusable is ``rejected`` and the others go on. An internal
        error fails its article (``failed``, logged with its traceback) and the others go on,
        until :data:`MAX_INTERNAL_ERRORS_IN_A_ROW` in a row stop the ingest. A store that cannot
        save (disk, lock, file) stops it at once: every following article would meet it. Either
        way the remaining articles are ``skipped`` with the reason, the store holds exactly the
        articles reported added or updated, and ingesting again resumes (stored ones are
        duplicates). ``progress`` is called for each article processed, not for skipped ones.

        ``chunk_progress``, when given, is told of each chunk of a long article analysed (in place
        of :attr:`chunk_progress`: a pipeline shared by several callers, as the app's is, takes it
        per call).

        ``analyses``, when given, receives each analysed article's analysis by article id
        (evaluation reads its predictions from there).
        """
        results: list[IngestResult] = []
        todo: list[Article] = []
        in_batch: dict[str, str] = {}  # content hash -> the name of the batch's first article with it
        for article in articles:
            problem = published_problem(article.published)
            first = None if problem else in_batch.get(article.content_hash)
            dup = None if problem or first else store.find_by_hash(article.content_hash)
            if problem:
                result = IngestResult(article.file or article.id, "rejected", problem)
                results.append(result)
                if progress:
                    progress(len(results), len(articles), result)
            elif first:
                result = IngestResult(article.file or article.id, "duplicate",
                                      f"same content as {first} earlier in this batch: analysed and stored once")
                results.append(result)
                if progress:
                    progress(len(results), len(articles), result)
            elif dup:
                result = IngestResult(article.file or article.id, "duplicate",
                                      f"same content as article {dup[1]!r}: nothing changed", article_id=dup[0])
                results.append(result)
                if progress:
                    progress(len(results), len(articles), result)
            else:
                in_batch[article.content_hash] = f"article {article.id!r}" + (f" ({article.file})" if article.file
                                                                              else "")
                todo.append(article)
        corrections = load_corrections(store) if todo else []
        processed, failed_in_a_row, stopped = 0, 0, ""
        outcomes = self._analyses(todo, chunk_progress)
        try:
            for article, outcome in zip(todo, outcomes, strict=True):
                result, error, store_failed = self._ingest_one(article, outcome, store, corrections, analyses)
                processed += 1
                results.append(result)
                if progress:
                    progress(len(results), len(articles), result)
                failed_in_a_row = failed_in_a_row + 1 if error else 0
                if store_failed:
                    stopped = f"the store {store.path} failed ({error})"
                elif failed_in_a_row >= MAX_INTERNAL_ERRORS_IN_A_ROW:
                    stopped = f"{failed_in_a_row} internal errors in a row (the last: {error})"
                if stopped:
                    break
        finally:
            outcomes.close()  # stops the worker processes this ingest started
        if stopped:
            remaining = todo[processed:]
            reason = (f"not processed: the ingest stopped after {stopped}. {len(remaining)} articles were not "
                      "processed; the store holds every article reported added or updated. Fix the cause and "
                      "ingest again: articles already stored are skipped as duplicates.")
            log.error("ingest stopped after %s; %d articles not processed", stopped, len(remaining))
            results += [IngestResult(a.file or a.id, "skipped", reason) for a in remaining]
        if any(r.status in {"added", "updated"} for r in results):
            refresh_clusters(store)
        return results

    def _ingest_one(self, article: Article, outcome: ArticleAnalysis | Exception, store: Store,
                    corrections: list[Correction], analyses: dict[str, ArticleAnalysis] | None,
                    ) -> tuple[IngestResult, str, bool]:
        """Store one analysed article; returns its result, its internal error (``Type: message``,
        or "") and whether the store itself failed.

        Rejections are the article's; every other exception is an internal error, logged here
        with its traceback (a worker's comes with it).
        """
        name, stage = article.file or article.id, "analysing"
        try:
            if isinstance(outcome, Exception):
                raise outcome
            stage = "applying corrections to"
            self.apply_corrections(article, outcome, corrections)
            if analyses is not None:
                analyses[article.id] = outcome
            stage = "storing"
            return store.save_article(article, outcome, pipeline_version=PIPELINE_VERSION), "", False
        except Exception as exc:  # noqa: BLE001 - reported per article, as a rejection or an internal error
            if analyses is not None:
                analyses.pop(article.id, None)
            if is_rejection(exc):
                return IngestResult(name, "rejected", str(exc)), "", False
            log.error("internal error %s %s", stage, name, exc_info=exc)
            error = describe(exc)
            return IngestResult(name, "failed", f"internal error (not a problem with the article) {stage} it: "
                                f"{error}; {LOG_HINT}"), error, stage == "storing" and _is_store_failure(exc)


def chunk_articles(article: Article) -> list[tuple[int, Article]]:
    """A long article as ``(offset, article)`` chunks of whole paragraphs
    (:func:`~geo.text.chunks.paragraph_chunks`), each with the article's metadata; a chunk's
    context (resolution, speakers, dates, disputes) is its own, as a short article's is."""
    return [(offset, dataclasses.replace(article, text=text, id=f"{article.id}#{k + 1}"))
            for k, (offset, text) in enumerate(paragraph_chunks(article.text))]


def merge_chunk_analyses(parts: list[ArticleAnalysis], offsets: list[int]) -> ArticleAnalysis:
    """One analysis of the chunks' analyses, every offset moved to the whole article's."""
    merged = ArticleAnalysis()
    for part, offset in zip(parts, offsets, strict=True):
        _shift_mentions(part.mentions, offset)
        for claim in part.claims:
            claim.start += offset
            claim.end += offset
            if "continues" in claim.details:
                claim.details["continues"] += offset
        merged.mentions += part.mentions
        merged.claims += part.claims
    return merged


def _shift_mentions(mentions: list[Mention], delta: int) -> None:
    """Move mentions' offsets by ``delta`` characters (between a chunk's and its article's)."""
    for m in mentions:
        m.start += delta
        m.end += delta
        if m.sentence_end:  # 0: not known
            m.sentence_start += delta
            m.sentence_end += delta


def refresh_clusters(store: Store) -> int:
    """Recompute the store's claim clusters (the same claim reported by several sources) from all
    its claims and store them; returns how many there are. Run after each ingest batch (and after
    articles are removed) so clusters always match the stored claims; candidates are blocked by
    party and date, so this stays fast (see the README for the time on the bundled corpus)."""
    started = time.perf_counter()
    rows = store.cluster_inputs_df()
    records = [
        ClaimRecord(claim_id=int(r.claim_id),  # type: ignore[arg-type]  # itertuples cells are untyped
                    source=str(r.source or ""), claimant=str(r.claimant),
                    text=str(r.text or ""), date=_text_or_none(r.date), date_end=_text_or_none(r.date_end),
                    published=_text_or_none(r.published), stance=str(r.stance or "assert"),
                    place_keys=frozenset(k for k in str(r.place_keys or "").split("|") if k),
                    strip_words=tuple(w for w in str(r.place_texts or "").split("|") if w)
                    + (str(r.claimant_text or ""),))
        for r in rows.itertuples(index=False)]
    clusters = cluster_claims(records)
    store.replace_clusters(clusters)
    log.info("claim clusters: %d from %d claims in %.3f s", len(clusters), len(records),
             time.perf_counter() - started)
    return len(clusters)


def _text_or_none(value: object) -> str | None:
    return None if value is None or (isinstance(value, float) and value != value) else str(value)


def _is_store_failure(exc: Exception) -> bool:
    """Whether the store itself failed (locked, disk full or failing, read-only, not a database),
    as against this article's data breaking a constraint or the code misusing the driver (an
    internal error of this article alone). The store is shared by every article, so a failure of
    its own stops the ingest at once; its transaction rolled back, so nothing half-written stays."""
    return isinstance(exc, (sqlite3.OperationalError, OSError)) or type(exc) is sqlite3.DatabaseError
