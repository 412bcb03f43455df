"""The ingestion pipeline: article -> mentions -> places (-> claims) -> store.

The same code path serves the CLI (``python -m geo ingest``), the app's first run and
its upload page, and ``python -m geo evaluate``.

>>> pipeline = Pipeline()                                  # doctest: +SKIP
>>> results = pipeline.ingest(articles, Store(path))       # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from spacy.tokens import Doc

from geo.config import Settings, get_settings
from geo.corrections import Correction, apply_corrections, load_corrections
from geo.gazetteer import Gazetteer, get_gazetteer
from geo.language import load_nlp
from geo.mentions import detect_metonymy, mentions_from_spans, recognize_toponyms
from geo.model import Article, Mention
from geo.resolve import resolve_toponyms
from geo.store import ArticleAnalysis, IngestResult, Store

#: Bump when the pipeline's output changes meaning (stored with each article).
PIPELINE_VERSION = "1"

ProgressCallback = Callable[[int, int, IngestResult], None]


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
        self.nlp = nlp or load_nlp(self.settings.spacy_model)
        self.nlp.max_length = max(self.nlp.max_length, self.settings.max_article_bytes + 1)
        self.gazetteer = gazetteer or get_gazetteer(self.settings)

    def parse(self, texts: list[str]) -> Iterator[Doc]:
        """Parse texts lazily; large batches use several processes (``Settings.workers``)."""
        if self.settings.workers > 1 and len(texts) >= 24:
            return self.nlp.pipe(texts, batch_size=8, n_process=self.settings.workers)
        return self.nlp.pipe(texts, batch_size=8)

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
        for article, doc in zip(articles, self.parse([a.text for a in articles]), strict=True):
            yield article, self.analyze(article, doc)

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
        for article, doc in zip(todo, self.parse([a.text for a in todo]), strict=True):
            try:
                analysis = self.analyze(article, doc)
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
