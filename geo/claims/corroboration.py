"""The same claim across outlets: clusters of claims that corroborate each other.

Two claims of different articles are taken for one claim reported twice when

* the same party makes them with the same stance (an assertion does not corroborate a denial);
* they are about the same places (their resolved place keys overlap) or neither names a place;
* their dates overlap within :data:`DATE_SLACK_DAYS` (a claim without a date counts at its
  article's publication date);
* their texts say the same thing: rapidfuzz's ``token_set_ratio`` of the sentences, with the
  place names and the claimant's words taken out (they are already compared above, and would
  make any two claims of one party about one place look alike), is at least
  :data:`TEXT_THRESHOLD`;
* they come from different sources: two articles of one outlet do not corroborate each other.

Pairs are joined transitively (union-find). Candidates are blocked by party, stance and date
before any text is compared, so the work grows with the claims of one party on neighbouring
days, not with the square of the corpus.

Pure: the pipeline reads the store's claims, calls :func:`cluster_claims` and hands the clusters
back to the store.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from rapidfuzz import fuzz

#: Claims whose dates are this many days apart or fewer may be the same claim (reports of an
#: event often date it "yesterday" or by the next day's publication).
DATE_SLACK_DAYS = 1
#: Least ``token_set_ratio`` (0..100) of two normalised claim texts. Chosen on the corpus of
#: tests/fixtures/corroboration (see the README): body sentences rewording one event score 58-100
#: there; a headline with other words ("bombardment" for "shelling") 44-45. Pairwise recall is
#: 0.80 at 35-45, 0.65 at 50-60, 0.35 at 70, precision 1.0 throughout; but that corpus has few
#: different claims of one party, place and day, so 50 keeps a margin for precision.
TEXT_THRESHOLD = 50.0

_WORD = re.compile(r"[a-z0-9]+")
#: Words that every claim shares and that say nothing about what is claimed.
_STOP = frozenset({
    "the", "a", "an", "of", "in", "on", "at", "to", "and", "or", "by", "for", "from", "with", "that", "this",
    "it", "its", "was", "were", "is", "are", "be", "been", "has", "have", "had", "said", "says", "say",
    "stated", "claimed", "reported", "told", "according", "ministry", "defence", "defense", "spokesman",
    "spokeswoman", "officials", "official", "forces", "side", "near", "also", "their", "his", "her", "they",
    "as", "which", "who", "after", "before", "during", "over", "into", "yesterday", "today",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
})


@dataclass(frozen=True)
class ClaimRecord:
    """What clustering needs of one stored claim."""

    claim_id: int
    source: str
    claimant: str
    text: str
    date: str | None = None
    date_end: str | None = None
    published: str | None = None
    stance: str = "assert"
    place_keys: frozenset[str] = frozenset()
    #: Words to leave out of the text comparison: the places as written, the claimant as written.
    strip_words: tuple[str, ...] = field(default=())


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _span(c: ClaimRecord) -> tuple[date, date] | None:
    first = _day(c.date) or _day(c.published)
    if first is None:
        return None
    last = _day(c.date_end) if c.date else None
    return first, max(first, last or first)


def normalise_text(c: ClaimRecord) -> str:
    """The claim's words without place names, claimant words, stop words and digits-only noise."""
    drop = {w for s in c.strip_words for w in _WORD.findall(s.lower())}
    return " ".join(w for w in _WORD.findall(c.text.lower()) if w not in drop and w not in _STOP)


def text_similarity(a: ClaimRecord, b: ClaimRecord) -> float:
    """``token_set_ratio`` (0..100) of the two normalised texts."""
    return fuzz.token_set_ratio(normalise_text(a), normalise_text(b))


def same_claim(a: ClaimRecord, b: ClaimRecord, threshold: float = TEXT_THRESHOLD) -> bool:
    """Whether ``a`` and ``b`` report the same claim (the rule of this module's docstring)."""
    if a.source == b.source or a.claimant != b.claimant or a.stance != b.stance:
        return False
    if bool(a.place_keys) != bool(b.place_keys) or (a.place_keys and not a.place_keys & b.place_keys):
        return False
    sa, sb = _span(a), _span(b)
    if sa is None or sb is None:
        return False
    slack = timedelta(days=DATE_SLACK_DAYS)
    if sa[0] > sb[1] + slack or sb[0] > sa[1] + slack:
        return False
    return text_similarity(a, b) >= threshold


def cluster_claims(claims: Iterable[ClaimRecord], threshold: float = TEXT_THRESHOLD) -> list[list[int]]:
    """Clusters of claim ids reported by two or more sources (each sorted; singletons left out)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    # Candidates share claimant, stance and a place (or both have none): a claim is in the block
    # of each of its places. Within a block, sorted by first day and source, a run of one day and
    # one source is stepped over whole when it is the claim's own source (never the same claim):
    # thousands of claims of one long article compared with each other made this quadratic.
    blocks: dict[tuple[str, str, str], list[tuple[date, date, ClaimRecord]]] = defaultdict(list)
    for c in claims:
        span = _span(c)
        if span is None:
            continue
        parent[c.claim_id] = c.claim_id
        for key in c.place_keys or ("",):
            blocks[(c.claimant, c.stance, key)].append((span[0], span[1], c))
    slack = timedelta(days=DATE_SLACK_DAYS)
    for block in blocks.values():
        block.sort(key=lambda t: (t[0], t[2].source))
        n = len(block)
        run_end = [n] * n  # the index after the run of block[j]'s first day and source
        for j in range(n - 2, -1, -1):
            same_run = block[j + 1][0] == block[j][0] and block[j + 1][2].source == block[j][2].source
            run_end[j] = run_end[j + 1] if same_run else j + 1
        for i, (_, last_i, a) in enumerate(block):
            j = i + 1
            while j < n:
                first_j, _, b = block[j]
                if first_j > last_i + slack:
                    break  # sorted by first day: no later claim can overlap ``a``
                if b.source == a.source:
                    j = run_end[j]
                    continue
                if find(a.claim_id) != find(b.claim_id) and same_claim(a, b, threshold):
                    parent[find(a.claim_id)] = find(b.claim_id)
                j += 1
    groups: dict[int, list[int]] = defaultdict(list)
    for cid in parent:
        groups[find(cid)].append(cid)
    return sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: g[0])


def pairwise_scores(predicted: Sequence[Sequence[int]], gold: Sequence[Sequence[int]]) -> tuple[float, float]:
    """Pairwise precision and recall of ``predicted`` clusters against ``gold`` clusters: the
    share of predicted same-cluster pairs that gold puts together, and the reverse."""

    def pairs(clusters: Sequence[Sequence[int]]) -> set[tuple[int, int]]:
        return {(x, y) for g in clusters for i, x in enumerate(sorted(g)) for y in sorted(g)[i + 1:]}

    p, g = pairs(predicted), pairs(gold)
    precision = len(p & g) / len(p) if p else 1.0
    recall = len(p & g) / len(g) if g else 1.0
    return precision, recall
