"""Predictions in the gold layout of EVALUATION.md (``python -m geo evaluate --predictions``)."""

from __future__ import annotations

from geo.model import Article, ArticleAnalysis, Mention


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


def article_prediction(article: Article, analysis: ArticleAnalysis | None) -> dict:
    """An article's predictions in the gold layout (``--predictions`` output)."""
    analysis = analysis or ArticleAnalysis()
    return {
        "id": article.id,
        "published": article.published,
        "toponyms": [mention_prediction(m) for m in analysis.mentions if not m.not_a_place],
        "claims": [c.to_prediction() for c in analysis.claims],
    }
