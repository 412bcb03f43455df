"""The ingestion pipeline: article -> mentions -> places (-> claims) -> store.

The same code path serves the CLI (``python -m geo ingest``), the app's first run and
its upload page, and ``python -m geo evaluate``.

>>> pipeline = Pipeline()                                  # doctest: +SKIP
>>> results = pipeline.ingest(articles, Store(path))       # doctest: +SKIP
"""

from __future__ import annotations

import copyreg
import gc
import io
import logging
import multiprocessing
import pickle
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

from spacy.tokens import Doc

from geo.config import Settings, get_settings
from geo.corrections import Correction, apply_corrections, load_corrections
from geo.gazetteer import Gazetteer, get_gazetteer
from geo.language import load_nlp
from geo.mentions import detect_metonymy, mentions_from_spans, recognize_toponyms
from geo.model import Article, Mention, Place
from geo.resolve import resolve_toponyms
from geo.store import ArticleAnalysis, IngestResult, Store

#: Bump when the pipeline's output changes meaning (stored with each article).
PIPELINE_VERSION = "1"

ProgressCallback = Callable[[int, int, IngestResult], None]

#: Articles spaCy parses together: the network layers and each parse step then work on a
#: whole batch (16 against 8: about a tenth less time per article).
PARSE_BATCH = 16

#: Most articles a worker is given at once (one parse batch).
WORKER_BATCH = PARSE_BATCH

#: Fewer articles than this are analysed in-process: starting worker processes (each loads
#: the model, about 2 s) would cost more than it saves.
MIN_ARTICLES_FOR_WORKERS = 24

log = logging.getLogger(__name__)


def flag_metonymy(doc: Doc, mentions: list[Mention]) -> None:
    """Mark settlement names that stand for an actor ("Yerevan says")."""
    for m in mentions:
        if m.place is not None and m.place.feature_type == "settlement" and not m.not_a_place:
            m.metonymic, reason = detect_metonymy(doc, m.start, m.end)
            if m.metonymic:
                m.metonymy_reason = reason


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
        context = _worker_context()
        forking = context.get_start_method() == "fork"
        if forking:
            # Forked workers share the parent's pages until they write to them, and the garbage
            # collector writes to every object it visits: frozen, the model's and gazetteer's
            # objects (inherited) are never visited, so they are neither copied nor scanned.
            gc.freeze()
        try:
            self._pool = ProcessPoolExecutor(max_workers=self.settings.workers, mp_context=context,
                                             initializer=_init_worker, initargs=(self.settings,))
            list(self._pool.map(_worker_ready, range(self.settings.workers)))
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
                batches = worker_batches(articles, self.settings.workers)
                for batch, blob in zip(batches, self._pool.map(_analyze_batch_in_worker, batches), strict=True):
                    try:
                        outcomes = load_analyses(blob, self.gazetteer)
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
            from geo.claims import extract_claims
        except ImportError:  # claims extraction not installed in this build
            return []
        return extract_claims(doc, article, mentions)

    def analyze_many(self, articles: list[Article]) -> Iterator[tuple[Article, ArticleAnalysis]]:
        """Analyse articles (in worker processes for large batches); raises the first error."""
        for article, outcome in zip(articles, self._analyses(articles), strict=True):
            if isinstance(outcome, Exception):
                raise outcome
            yield article, outcome

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


# --------------------------------------------------------------------------- worker processes

_worker_pipeline: Pipeline | None = None


def _worker_context():
    """How worker processes start.

    ``fork`` when this process runs a single thread (the CLI, scripts): workers start at once
    with the model already in memory, and no script is re-imported. ``spawn`` when other
    threads run (the Streamlit server): a fork would copy locks other threads may hold.
    """
    import threading

    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _init_worker(settings: Settings) -> None:
    """Load the model and open the gazetteer once per worker process (``load_nlp`` holds
    the matrix library to one thread, inherited by a forked worker)."""
    global _worker_pipeline
    from geo.gazetteer import build_gazetteer

    # A gazetteer of its own: a forked worker must never use the parent's SQLite connection.
    gazetteer = Gazetteer(build_gazetteer(settings))
    _worker_pipeline = Pipeline(settings.with_overrides(workers=1), gazetteer=gazetteer)


def _worker_ready(_: int) -> bool:
    return _worker_pipeline is not None


def worker_batches(articles: list[Article], workers: int) -> list[list[Article]]:
    """Split articles into batches of at most ``WORKER_BATCH``, as even as can be, and a
    multiple of ``workers`` in number, two per worker at least: every worker gets the same
    share, so none waits idle at the end while another parses its last batch.

    >>> [len(b) for b in worker_batches(list(range(198)), 2)]
    [14, 14, 14, 14, 14, 14, 15, 14, 14, 14, 14, 14, 14, 15]
    """
    per_worker = max(2, -(-len(articles) // (workers * WORKER_BATCH)))
    n = min(len(articles), workers * per_worker)
    return [articles[i * len(articles) // n:(i + 1) * len(articles) // n] for i in range(n)]


def _analyze_batch_in_worker(articles: list[Article]) -> bytes:
    """Each article's analysis, or the error it raised (returned, so the others go on),
    pickled by :func:`dump_analyses`."""
    pipeline = _worker_pipeline
    # Errors travel as RuntimeError: an exception of any other class may not unpickle.
    out = [RuntimeError(str(o) or type(o).__name__) if isinstance(o, Exception) else o
           for o in pipeline._analyses_here(articles)]
    return dump_analyses(out, pipeline.gazetteer)


# --------------------------------------------------------------------------- analyses between processes


def _gazetteer_place(key: str) -> Place:  # pragma: no cover - never called: a marker for the unpickler
    raise pickle.UnpicklingError(f"place {key!r} needs a gazetteer to be read")


def dump_analyses(outcomes: list, gazetteer: Gazetteer) -> bytes:
    """Pickle analyses with the gazetteer's areas and lines as their keys.

    A country's or region's outline is tens of kilobytes of GeoJSON, and an article names
    its countries and regions in many mentions and candidates: pickled whole, an analysis was
    some 300 kB, which the parent process spent longer reading back than storing. Places are
    sent by key only when they are the gazetteer's own object for that key (not a place made
    on the fly); :func:`load_analyses` reads them from the same gazetteer.
    """
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    by_key: dict[int, bool] = {}

    def reduce_place(place: Place):
        d = place.__dict__
        if d.get("_geometry_json") is not None or d.get("geometry") is not None:
            known = by_key.get(id(place))
            if known is None:
                known = by_key[id(place)] = gazetteer.get(place.key) is place
            if known:
                return _gazetteer_place, (place.key,)
        return place.__reduce_ex__(pickle.HIGHEST_PROTOCOL)

    pickler.dispatch_table = copyreg.dispatch_table.copy()
    pickler.dispatch_table[Place] = reduce_place
    pickler.dump(outcomes)
    return buffer.getvalue()


def load_analyses(blob: bytes, gazetteer: Gazetteer) -> list:
    """Read what :func:`dump_analyses` wrote, places by key from ``gazetteer`` (which must be
    the same index the worker used; a key it lacks raises ``KeyError``)."""

    def place(key: str) -> Place:
        found = gazetteer.get(key)
        if found is None:
            raise KeyError(f"place {key!r} is not in this gazetteer")
        return found

    class _Unpickler(pickle.Unpickler):
        def find_class(self, module: str, name: str):
            if module == __name__ and name == "_gazetteer_place":
                return place
            return super().find_class(module, name)

    return _Unpickler(io.BytesIO(blob)).load()


def mention_prediction(m: Mention) -> dict:
    """One mention in the gold layout of EVALUATION.md."""
    p = m.place
    out = {"start": m.start, "end": m.end, "text": m.text, "name": p.name if p else None,
           "country": p.country if p else None, "lat": p.lat if p else None, "lon": p.lon if p else None,
           "type": p.feature_type if p else None, "metonymic": bool(m.metonymic),
           "confidence": m.confidence, "precision": m.precision, "not_a_place": bool(m.not_a_place)}
    if p is not None and p.geometry and p.feature_type in ("border", "pipeline", "region", "river"):
        out["geometry"] = p.geometry
    return out


def claims_available() -> bool:
    """Whether this build extracts claims (``geo.claims`` present)."""
    import importlib.util

    return importlib.util.find_spec("geo.claims") is not None


def article_prediction(article: Article, analysis: ArticleAnalysis | None) -> dict:
    """An article's predictions in the gold layout (``--predictions`` output).

    ``claims`` is present only when claims are extracted, so that claim metrics read
    null rather than zero before then.
    """
    analysis = analysis or ArticleAnalysis()
    out = {
        "id": article.id,
        "published": article.published,
        "toponyms": [mention_prediction(m) for m in analysis.mentions if not m.not_a_place],
    }
    if claims_available():
        out["claims"] = [c.to_prediction() for c in analysis.claims]
    return out
