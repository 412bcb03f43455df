"""Which dates the Timeline's axis spans (issue 14, point 5).

One claim dated eleven years before the others used to stretch the axis over eleven years, leaving
the rest as slivers. The axis fits where the claims are: the densest span (:func:`core_span`),
the claims outside it noted by the page and reachable (the whole period on demand, a table); with
a date range picked, the range with a margin (:func:`fit_domain`), so a brushed week stays a week
wide on screen. Pure functions on dates; the page draws.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

#: A gap between two dated claims splits them into separate spans when it is longer than this
#: many days and longer than :data:`GAP_SHARE` of the whole span.
MIN_GAP_DAYS = 30
GAP_SHARE = 0.25
#: Margin around a picked date range, as a share of its width (at least a day on each side).
RANGE_MARGIN = 0.1


@dataclass(frozen=True)
class Domain:
    """The axis's first and last day, and how many of the claims' dates fall outside it."""

    first: date
    last: date
    outside: int


def _spans(days: list[date]) -> list[list[date]]:
    """``days`` (sorted) cut at every gap longer than both :data:`MIN_GAP_DAYS` and
    :data:`GAP_SHARE` of their whole span."""
    whole = (days[-1] - days[0]).days
    limit = max(MIN_GAP_DAYS, GAP_SHARE * whole)
    spans: list[list[date]] = [[days[0]]]
    for previous, day in zip(days, days[1:], strict=False):
        if (day - previous).days > limit:
            spans.append([])
        spans[-1].append(day)
    return spans


def core_span(days: Iterable[date]) -> tuple[date, date] | None:
    """The span holding most of the claims (``days``: one date per claim, repeats count): the
    dates are cut at long gaps (:func:`_spans`) and the span with the most claims kept (the later
    one among equals), again until no gap is long relative to what is left. None without dates."""
    kept = sorted(days)
    if not kept:
        return None
    while True:
        spans = _spans(kept)
        if len(spans) == 1:
            return kept[0], kept[-1]
        kept = max(reversed(spans), key=len)  # reversed: among equals, max keeps the later span


def fit_domain(days: Iterable[date], date_from: date | None = None, date_to: date | None = None,
               whole: bool = False) -> Domain | None:
    """The days the axis spans: every date when ``whole``; else, with a date range picked
    (``date_from``/``date_to``, either open), the range and a margin of :data:`RANGE_MARGIN` of
    its width; else the :func:`core_span`. ``outside``: how many of ``days`` the axis leaves out."""
    dates = sorted(days)
    if not dates:
        return None
    if whole:
        first, last = dates[0], dates[-1]
    elif date_from or date_to:
        lo, hi = date_from or min(dates[0], date_to or dates[0]), date_to or max(dates[-1], date_from or dates[-1])
        margin = max(timedelta(days=1), timedelta(days=round(RANGE_MARGIN * (hi - lo).days)))
        first, last = lo - margin, hi + margin
    else:
        core = core_span(dates)
        assert core is not None
        first, last = core
    return Domain(first, last, sum(1 for d in dates if d < first or d > last))
