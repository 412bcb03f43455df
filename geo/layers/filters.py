"""The one implementation of the sidebar filters, shared by every page, the map and the exports.

Pure pandas: the app layer calls it, tests call it without Streamlit."""

from __future__ import annotations

import pandas as pd

from geo.layers.view import ViewState

# --------------------------------------------------------------------------- filtering

def claim_filters_active(view: ViewState) -> bool:
    """Whether the view filters by something only claims have.

    Examples
    --------
    >>> claim_filters_active(ViewState(sources=("AFP",), min_confidence=0.5))
    False
    >>> claim_filters_active(ViewState(disputed_only=True))
    True
    >>> claim_filters_active(ViewState(min_sources=2))
    True
    """
    return bool(view.claimants or view.kinds or view.disputed_only or view.min_sources > 1)


def _in_range(dates, view: ViewState):
    """Rows whose date (ISO text; only its first 10 characters count) is in the view's range;
    undated rows drop out only when a date filter is set."""

    keep = pd.Series(True, index=dates.index)
    if view.date_from or view.date_to:
        d = dates.astype("string").str.slice(0, 10)
        if view.date_from:
            keep &= (d >= view.date_from.isoformat()).fillna(False).astype(bool)
        if view.date_to:
            keep &= (d <= view.date_to.isoformat()).fillna(False).astype(bool)
    return keep


def _claims_in_range(claims, view: ViewState):
    """A claim is in the range when its date (or the span ``date``..``date_end``) overlaps it; an
    undated claim counts at its article's publication date; with neither it is out of any range."""

    dates = claims["date"] if "date" in claims else pd.Series(None, index=claims.index, dtype="object")
    first = dates.where(dates.notna(), claims["published"]).astype("string").str.slice(0, 10)
    ends = claims["date_end"] if "date_end" in claims else pd.Series(None, index=claims.index, dtype="object")
    last = ends.astype("string").str.slice(0, 10).where(ends.notna(), first)
    keep = first.notna()
    if view.date_to:
        keep &= first <= view.date_to.isoformat()
    if view.date_from:
        keep &= last >= view.date_from.isoformat()
    return keep.fillna(False).astype(bool)


def _is_disputed(claims):
    """Whether each claim is disputed: the ``disputed`` flag when there is one, else a non-empty
    ``disputed_by`` (a list, or the store's "A|B" text)."""
    if "disputed" in claims:
        return claims["disputed"].fillna(False).astype(bool)

    def one(value) -> bool:
        if isinstance(value, list | tuple | set):
            return any(str(v) for v in value)
        return isinstance(value, str) and any(v for v in value.split("|"))

    return claims["disputed_by"].map(one).astype(bool)


def _source_counts(claims):
    """How many distinct sources report each claim: ``n_sources`` (its cluster's, from the store),
    else 1 (the claim's own article)."""
    if "n_sources" not in claims:
        return pd.Series(1, index=claims.index)
    return pd.to_numeric(claims["n_sources"], errors="coerce").fillna(1)


def claims_naming(claim_places, mentions, needle: str) -> set[int]:
    """Ids of the claims linked (``claim_places``: ``claim_id``, ``mention_id``) to a place name
    whose text as written or resolved name contains ``needle`` (case-insensitive)."""
    if not needle or claim_places is None or claim_places.empty or mentions is None or mentions.empty:
        return set()
    hit = (mentions["text"].str.contains(needle, case=False, regex=False, na=False)
           | mentions["place_name"].fillna("").str.contains(needle, case=False, regex=False))
    ids = set(mentions.loc[hit, "mention_id"].astype(int))
    return set(claim_places.loc[claim_places["mention_id"].isin(ids), "claim_id"].astype(int))


def filter_claims(claims, view: ViewState, place_claim_ids: set[int] | None = None,
                  conflict_article_ids: set[int] | None = None):
    """Claims of the view: date (the claim's date or date span, else its article's), source,
    conflict (the claims of ``conflict_article_ids``: geo.layers.theatre.conflict_article_ids), claimant, kind, disputed only, and the place search: on the claim text, on ``place_name``
    when the rows have one (map features), and on ``place_claim_ids`` (:func:`claims_naming`:
    the claims naming a matching place), and reported by at least ``min_sources`` distinct sources
    (``n_sources``, the claim's cluster). The minimum confidence is about place names only."""
    if claims is None or claims.empty:
        return claims

    keep = pd.Series(True, index=claims.index)
    if view.date_from or view.date_to:
        keep &= _claims_in_range(claims, view)
    if view.sources:
        keep &= claims["source"].isin(view.sources)
    if view.conflicts and conflict_article_ids is not None:
        keep &= claims["article_id"].isin(conflict_article_ids)
    if view.claimants:
        keep &= claims["claimant"].isin(view.claimants)
    if view.kinds:
        keep &= claims["kind"].isin(view.kinds)
    if view.disputed_only:
        keep &= _is_disputed(claims)
    if view.min_sources > 1:
        keep &= _source_counts(claims) >= view.min_sources
    if view.place_search:
        needle = view.place_search
        found = claims["text"].str.contains(needle, case=False, regex=False, na=False)
        if "place_name" in claims:
            found |= claims["place_name"].fillna("").astype(str).str.contains(needle, case=False, regex=False)
        if place_claim_ids:
            found |= claims["claim_id"].isin(place_claim_ids)
        keep &= found
    return claims[keep]


def filter_mentions(mentions, view: ViewState, claim_mention_ids: set[int] | None = None,
                    conflict_article_ids: set[int] | None = None):
    """Place mentions of the view: article date, source, conflict (the mentions of
    ``conflict_article_ids``: geo.layers.theatre.conflict_article_ids), minimum confidence, place search
    (on the name as written and the resolved name) and, when claim filters are active, only
    the mentions that are places of the matching claims.

    Examples
    --------
    >>> mentions = pd.DataFrame({
    ...     "mention_id": [1, 2, 3], "text": ["Baku", "Ganja", "Shusha"], "place_name": ["Baku", "Ganja", None],
    ...     "published": ["2020-10-01", "2020-10-05T08:00", "2020-11-02"], "source": ["AFP", "BBC", "AFP"],
    ...     "confidence": [0.9, 0.4, 0.8]})
    >>> filter_mentions(mentions, ViewState(min_confidence=0.5))["text"].tolist()
    ['Baku', 'Shusha']
    >>> from datetime import date
    >>> october = ViewState(date_from=date(2020, 10, 1), date_to=date(2020, 10, 31))
    >>> filter_mentions(mentions, october)["text"].tolist()
    ['Baku', 'Ganja']
    >>> filter_mentions(mentions, ViewState(place_search="GAN"))["mention_id"].tolist()
    [2]
    """
    if mentions is None or mentions.empty:
        return mentions
    keep = _in_range(mentions["published"], view)
    if view.sources:
        keep &= mentions["source"].isin(view.sources)
    if view.conflicts and conflict_article_ids is not None:
        keep &= mentions["article_id"].isin(conflict_article_ids)
    if view.min_confidence:
        keep &= mentions["confidence"].fillna(0) >= view.min_confidence
    if view.place_search:
        needle = view.place_search
        keep &= (mentions["text"].str.contains(needle, case=False, regex=False, na=False)
                 | mentions["place_name"].fillna("").str.contains(needle, case=False, regex=False))
    if claim_filters_active(view) and claim_mention_ids is not None:
        keep &= mentions["mention_id"].isin(claim_mention_ids)
    return mentions[keep]


def filter_articles(articles, view: ViewState, matching_mentions, matching_claims):
    """Articles of the view (the Sources page): published in the date range, from the chosen
    sources and, when filtered by conflict, holding a mention or a claim of the view (both are then
    those of the conflict's articles), when a place search or a minimum confidence is set, holding one of
    ``matching_mentions`` (:func:`filter_mentions`), when claim filters are active one of
    ``matching_claims`` (:func:`filter_claims`)."""
    if articles is None or articles.empty:
        return articles
    keep = _in_range(articles["published"], view)
    if view.sources:
        keep &= articles["source"].isin(view.sources)
    if view.conflicts:
        keep &= articles["id"].isin(set(matching_mentions["article_id"]) | set(matching_claims["article_id"]))
    if view.place_search or view.min_confidence:
        keep &= articles["id"].isin(set(matching_mentions["article_id"]))
    if claim_filters_active(view):
        keep &= articles["id"].isin(set(matching_claims["article_id"]))
    return articles[keep]


def explain_empty(view: ViewState) -> str:
    """Why a view shows nothing, and how to widen it."""
    active = []
    if view.date_from or view.date_to:
        active.append(f"dates {view.date_from or '…'} to {view.date_to or '…'}")
    if view.sources:
        active.append(f"{len(view.sources)} source(s)")
    if view.conflicts:
        active.append(f"conflict(s) {', '.join(view.conflicts)}")
    if view.claimants:
        active.append(f"claimant(s) {', '.join(view.claimants)}")
    if view.kinds:
        active.append(f"kind(s) {', '.join(view.kinds)}")
    if view.disputed_only:
        active.append("disputed claims only")
    if view.min_sources > 1:
        active.append(f"reported by at least {view.min_sources} sources")
    if view.place_search:
        active.append(f"place search '{view.place_search}'")
    if view.min_confidence:
        active.append(f"confidence at least {view.min_confidence:g}")
    if not active:
        return "Nothing to show: the atlas holds no matching data yet. Add articles to fill it."
    return ("Nothing matches " + "; ".join(active) + ". Widen the view: remove a filter in the sidebar, "
            "or use 'Reset filters'.")
