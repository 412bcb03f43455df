"""Scoring half of ``python -m geo evaluate``: compare system output with hand-annotated gold.

The metrics and their names are specified in ``EVALUATION.md`` (shared with the annotators).
Everything here is a pure function over JSON-like dicts in the gold layout, so the same
scores can be recomputed from a ``--predictions`` file without running the pipeline.

Interpretation choices (where ``EVALUATION.md`` leaves room):

* Matching, for toponyms and claims alike, is one-to-one: greedy by largest overlap first,
  then completed by augmenting paths, so the result is a *maximum* bipartite matching (no
  possible match is lost to an unlucky greedy choice) that keeps the large-overlap pairs.
* Precision has the system items as denominator, recall the gold items; F1 is
  ``2 * matched / (system + gold)`` and is ``None`` whenever recall is (no gold items).
  A metric with an empty denominator is ``None``, never 0.
* Claim texts are compared after collapsing whitespace; claimants and disputing actors
  are compared after stripping and case-folding. Dates are compared on their first ten
  characters (``YYYY-MM-DD``), so a date-time equals its date.
* A system toponym flagged ``not_a_place: true`` is ignored (the system itself says it is no
  place), so gold scored against itself is perfect.
* Uncertain gold toponyms count for recognition and metonymy, not for resolution.
  Uncertain gold claims count for matching and dispute F1, not for dates.
* Beside the metrics, ``resolution_by_class`` breaks resolution down by the class of the gold
  toponym (its ``type``; demonym spans such as "Russian" apart), on the very mentions and rules
  of ``resolution_acc_161km``; the command line prints it after them (``--json`` key
  ``resolution_by_class``).
"""

from __future__ import annotations

import csv
import json
import math
import re
import statistics
from collections.abc import Callable, Iterator, Sequence
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path
from typing import Any

from shapely.geometry import Point, shape
from shapely.ops import nearest_points

from geo.config import PROJECT_ROOT
from geo.distance import haversine_km

"""Mean Earth radius (IUGG), the usual choice for haversine distances."""

ACCURACY_THRESHOLD_KM = 161.0
"""100 miles: the customary threshold of geoparsing evaluations, so scores are comparable."""

METRIC_KEYS: tuple[str, ...] = (
    "toponym_precision",
    "toponym_recall",
    "toponym_f1",
    "resolution_acc_161km",
    "resolution_median_error_km",
    "metonymy_accuracy",
    "claim_precision",
    "claim_recall",
    "claim_f1",
    "claim_date_accuracy",
    "claim_dispute_f1",
)
"""The keys ``score`` returns, in report order (the ``--json`` contract)."""

RESOLUTION_BY_CLASS_KEY = "resolution_by_class"
"""The ``--json`` key of ``resolution_by_class``: resolution scored per class of gold toponym."""

DEMONYM_CLASS = "demonym"
"""The class of a gold span that is a demonym or country adjective ("Russian", "Iraqis")."""

UNTYPED_CLASS = "untyped"
"""The class of a gold toponym without a ``type``."""

Metrics = dict[str, float | int | None]


# --------------------------------------------------------------------------- loading


def load_gold(gold_dir: Path) -> dict[str, dict]:
    """Read every ``<id>.json`` in *gold_dir* into ``{id: gold}``.

    The id is the file name, because that is how gold is joined to the manifest; a file
    whose own ``id`` disagrees would silently score against the wrong article, so it is an
    error, as are unreadable JSON and an empty folder (all raise ``ValueError`` naming the file).
    """
    gold_dir = Path(gold_dir)
    if not gold_dir.is_dir():
        raise ValueError(f"gold folder not found: {gold_dir}")
    gold: dict[str, dict] = {}
    for path in sorted(gold_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"broken gold file {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise ValueError(f"broken gold file {path}: top level must be a JSON object")
        article_id = path.stem
        if "id" in data and str(data["id"]) != article_id:
            raise ValueError(f"gold file {path} has id {data['id']!r}, expected {article_id!r}")
        gold[article_id] = data
    if not gold:
        raise ValueError(f"no *.json gold files in {gold_dir}")
    return gold


def distance_to_geometry_km(
    lat: float,
    lon: float,
    geometry: dict | None,
    plat: float | None,
    plon: float | None,
) -> float:
    """Distance in km from the gold point (*lat*, *lon*) to a prediction.

    A line or area is right wherever it passes, not only at its first vertex, so with a
    GeoJSON *geometry* the distance is to its nearest point on or inside it (0 inside a
    polygon): the nearest point is found on lon/lat with shapely, then measured with
    haversine. Without a usable geometry (absent, empty or malformed) the predicted point
    (*plat*, *plon*) is used; with neither, the prediction is unresolved and the distance
    is ``math.inf``.
    """
    if geometry:
        try:
            geom = shape(geometry)
        except Exception:  # malformed GeoJSON from the system: fall back to its point
            geom = None
        if geom is not None and not geom.is_empty:
            nearest, _ = nearest_points(geom, Point(lon, lat))
            return haversine_km(lat, lon, nearest.y, nearest.x)
    if plat is None or plon is None:
        return math.inf
    return haversine_km(lat, lon, float(plat), float(plon))


# --------------------------------------------------------------------------- matching


def _one_to_one(
    system: Sequence[dict], gold: Sequence[dict], weight: Callable[[dict, dict], float]
) -> list[tuple[int, int]]:
    """Maximum bipartite matching that prefers large overlaps; returns (sys, gold) pairs.

    Greedy by descending weight first (so pairs with the larger overlap are kept), then
    augmenting paths (Kuhn) from each unmatched system item, which only ever adds pairs,
    so the total is maximal. ``weight(sys_item, gold_item) <= 0`` means they cannot match.
    """
    n_sys, n_gold = len(system), len(gold)
    adj: list[list[tuple[float, int]]] = [[] for _ in range(n_sys)]
    for s in range(n_sys):
        for g in range(n_gold):
            w = weight(system[s], gold[g])
            if w > 0:
                adj[s].append((w, g))
        adj[s].sort(key=lambda wg: (-wg[0], wg[1]))
    sys_of: dict[int, int] = {}
    gold_of: dict[int, int] = {}
    edges = sorted((-w, s, g) for s in range(n_sys) for w, g in adj[s])
    for _, s, g in edges:
        if s not in gold_of and g not in sys_of:
            gold_of[s], sys_of[g] = g, s

    def augment(s: int, seen: set[int]) -> bool:
        for _, g in adj[s]:
            if g in seen:
                continue
            seen.add(g)
            if g not in sys_of or augment(sys_of[g], seen):
                gold_of[s], sys_of[g] = g, s
                return True
        return False

    for s in range(n_sys):
        if s not in gold_of and adj[s]:
            augment(s, set())
    return sorted(gold_of.items())


def _span(item: dict) -> tuple[int, int] | None:
    start, end = item.get("start"), item.get("end")
    if start is None or end is None:
        return None
    return int(start), int(end)


def _span_overlap(a: dict, b: dict) -> int:
    sa, sb = _span(a), _span(b)
    if sa is None or sb is None:
        return 0
    return max(0, min(sa[1], sb[1]) - max(sa[0], sb[0]))


_WS = re.compile(r"\s+")


def _norm_text(text: Any) -> str:
    return _WS.sub(" ", str(text or "")).strip()


def _norm_actor(actor: Any) -> str:
    return str(actor or "").strip().casefold()


def _longest_common_substring(a: str, b: str) -> int:
    """Length of the longest common substring (exact: no junk heuristic)."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if short in long_:
        return len(short)
    m = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return m.size


def claim_text_overlap(a: str, b: str) -> int:
    """Characters two claim texts share (longest common substring), 0 if below the threshold.

    Gold claims carry no offsets, so overlap is measured on the texts themselves; a match
    needs at least half of the shorter text, per ``EVALUATION.md``.
    """
    a, b = _norm_text(a), _norm_text(b)
    if not a or not b:
        return 0
    lcs = _longest_common_substring(a, b)
    return lcs if lcs >= 0.5 * min(len(a), len(b)) else 0


def _claim_overlap(sys_claim: dict, gold_claim: dict) -> int:
    if _norm_actor(sys_claim.get("claimant")) != _norm_actor(gold_claim.get("claimant")):
        return 0
    return _claim_text_overlap(sys_claim, gold_claim)


def _claim_text_overlap(sys_claim: dict, gold_claim: dict) -> int:
    """``--any-claimant``: claims match on their text alone (corpora whose claimants lie outside
    the actor vocabulary, such as PolNeAR)."""
    return claim_text_overlap(sys_claim.get("text", ""), gold_claim.get("text", ""))


# --------------------------------------------------------------------------- scoring


def _ratio(num: int | float, den: int | float) -> float | None:
    return num / den if den else None


def _f1(matched: int, n_sys: int, n_gold: int) -> float | None:
    return 2 * matched / (n_sys + n_gold) if n_gold else None


def _truthy_list(value: Any) -> list:
    return list(value) if isinstance(value, list | tuple) else []


def _date(value: Any) -> str | None:
    return str(value)[:10] if value else None


def _is_place(t: dict) -> bool:
    return not t.get("not_a_place", False)


def _resolution_evaluable(g: dict) -> bool:
    if g.get("uncertain"):
        return False
    if g.get("type") == "country" and g.get("country"):
        return True
    return g.get("lat") is not None and g.get("lon") is not None


def _resolve_pair(g: dict, p: dict | None) -> tuple[bool, float | None]:
    """(correct, distance_km or None); distance is None for countries and unresolved ones."""
    if g.get("type") == "country" and g.get("country"):
        code = (p or {}).get("country")
        return bool(code) and str(code).casefold() == str(g["country"]).casefold(), None
    if p is None:
        return False, None
    d = distance_to_geometry_km(
        float(g["lat"]), float(g["lon"]), p.get("geometry"), p.get("lat"), p.get("lon")
    )
    if math.isinf(d):
        return False, None
    return d <= ACCURACY_THRESHOLD_KM, d


def _match_toponyms(g_art: dict, p_art: dict) -> tuple[list[dict], list[dict], list[tuple[int, int]]]:
    """The gold and system place mentions of one article and their one-to-one span matching."""
    g_tops = [t for t in _truthy_list(g_art.get("toponyms")) if isinstance(t, dict) and _is_place(t)]
    p_tops = [t for t in _truthy_list(p_art.get("toponyms")) if isinstance(t, dict) and _is_place(t)]
    return g_tops, p_tops, _one_to_one(p_tops, g_tops, _span_overlap)


def _scored_resolutions(
    g_tops: list[dict], p_tops: list[dict], pairs: list[tuple[int, int]], gold_spans: bool
) -> Iterator[tuple[dict, bool, float | None]]:
    """(gold toponym, correct, distance_km or None) for every mention resolution is scored on:
    the matched ones (every gold one with *gold_spans*), gold not uncertain."""
    pred_of_gold: dict[int, dict] = {gi: p_tops[si] for si, gi in pairs}
    scored = range(len(g_tops)) if gold_spans else sorted(pred_of_gold)
    for gi in scored:
        g = g_tops[gi]
        if _resolution_evaluable(g):
            correct, dist = _resolve_pair(g, pred_of_gold.get(gi))
            yield g, correct, dist


def score(
    predictions: dict[str, dict],
    gold: dict[str, dict],
    *,
    gold_spans: bool = False,
    any_claimant: bool = False,
) -> Metrics:
    """Compute the ``EVALUATION.md`` metrics of *predictions* against *gold*.

    Both map article id to an article in the gold layout. The articles scored are the
    gold ids: a gold article missing from *predictions* counts as predicting nothing, and
    predictions for articles without gold are ignored.

    Resolution is scored on matched mentions whose gold is not uncertain; with
    ``gold_spans=True`` (the system resolved the gold spans) every such gold place
    mention is scored, and one the system dropped counts as wrong like an unresolved one.
    ``resolution_median_error_km`` excludes countries and unresolved predictions (they have
    no distance), while ``resolution_acc_161km`` counts the unresolved as wrong.
    If no prediction has a ``claims`` key the system does not extract claims and all claim
    metrics are ``None``. With ``any_claimant=True`` claims match on their text alone (the
    claimants are not compared). Returns exactly the keys of ``METRIC_KEYS``.
    """
    top_sys = top_gold = top_matched = 0
    res_total = res_correct = 0
    distances: list[float] = []
    meto_total = meto_correct = 0
    # Claim metrics need claims on both sides: a system that extracts none, or gold with no
    # claim annotations at all (a toponym-only benchmark such as LGL), gives null, not 0.
    has_claims = any(isinstance(p, dict) and "claims" in p for p in predictions.values()) and any(
        isinstance(g, dict) and "claims" in g for g in gold.values())
    cl_sys = cl_gold = cl_matched = 0
    date_total = date_correct = 0
    disp_sys = disp_gold = disp_both = 0

    for article_id, g_art in gold.items():
        p_art = predictions.get(article_id) or {}
        g_tops, p_tops, pairs = _match_toponyms(g_art, p_art)
        top_sys += len(p_tops)
        top_gold += len(g_tops)
        top_matched += len(pairs)

        for _g, correct, dist in _scored_resolutions(g_tops, p_tops, pairs, gold_spans):
            res_total += 1
            res_correct += correct
            if dist is not None:
                distances.append(dist)

        for si, gi in pairs:
            g = g_tops[gi]
            if g.get("type") == "settlement":
                meto_total += 1
                meto_correct += bool(p_tops[si].get("metonymic")) == bool(g.get("metonymic"))

        if not has_claims:
            continue
        g_claims = [c for c in _truthy_list(g_art.get("claims")) if isinstance(c, dict)]
        p_claims = [c for c in _truthy_list(p_art.get("claims")) if isinstance(c, dict)]
        cl_sys += len(p_claims)
        cl_gold += len(g_claims)
        cpairs = _one_to_one(p_claims, g_claims, _claim_text_overlap if any_claimant else _claim_overlap)
        cl_matched += len(cpairs)
        for si, gi in cpairs:
            pc, gc = p_claims[si], g_claims[gi]
            gdate = _date(gc.get("date"))
            if not gc.get("uncertain") and gdate is not None:
                date_total += 1
                date_correct += _date_correct(_date(pc.get("date")), gdate, _date(gc.get("date_end")))
            p_disp = {_norm_actor(a) for a in _truthy_list(pc.get("disputed_by"))} - {""}
            g_disp = {_norm_actor(a) for a in _truthy_list(gc.get("disputed_by"))} - {""}
            disp_sys += len(p_disp)
            disp_gold += len(g_disp)
            disp_both += len(p_disp & g_disp)

    metrics: Metrics = {
        "toponym_precision": _ratio(top_matched, top_sys),
        "toponym_recall": _ratio(top_matched, top_gold),
        "toponym_f1": _f1(top_matched, top_sys, top_gold),
        "resolution_acc_161km": _ratio(res_correct, res_total),
        "resolution_median_error_km": statistics.median(distances) if distances else None,
        "metonymy_accuracy": _ratio(meto_correct, meto_total),
        "claim_precision": None,
        "claim_recall": None,
        "claim_f1": None,
        "claim_date_accuracy": None,
        "claim_dispute_f1": None,
    }
    if has_claims:
        metrics.update(
            claim_precision=_ratio(cl_matched, cl_sys),
            claim_recall=_ratio(cl_matched, cl_gold),
            claim_f1=_f1(cl_matched, cl_sys, cl_gold),
            claim_date_accuracy=_ratio(date_correct, date_total),
            claim_dispute_f1=_ratio(2 * disp_both, disp_sys + disp_gold),
        )
    return metrics


@lru_cache(maxsize=1)
def _demonyms() -> frozenset[str]:
    """The demonyms and country adjectives of ``data/demonyms.csv``, lower-cased (the evaluator
    reads the table itself: it imports nothing of the system it scores)."""
    path = PROJECT_ROOT / "data" / "demonyms.csv"
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return frozenset(row["demonym"].strip().lower() for row in csv.DictReader(fh) if row.get("demonym"))
    except OSError:
        return frozenset()


def is_demonym(text: Any) -> bool:
    """Whether *text* is a demonym or country adjective of ``data/demonyms.csv``, plurals and
    possessives included ("Russian", "Iraqis", "American's").

    >>> is_demonym("Russians"), is_demonym("Georgia")
    (True, False)
    """
    word = " ".join(str(text or "").replace("\u2019", "'").split()).lower()
    word = word[:-2] if word.endswith("'s") else word.rstrip("'")
    demonyms = _demonyms()
    return word in demonyms or (word.endswith("s") and word[:-1] in demonyms)


def gold_class(g: dict) -> str:
    """The class a gold toponym is reported under: ``demonym`` when its text is a demonym
    (whatever its ``type``: LGL types them ``country``), else its gold ``type`` (``settlement``,
    ``region``, ``country``, ``river``, ...), ``untyped`` without one. Always the gold's side:
    a wrong resolution must not move a mention to another class."""
    if is_demonym(g.get("text")):
        return DEMONYM_CLASS
    kind = str(g.get("type") or "").strip()
    return kind or UNTYPED_CLASS


def resolution_by_class(
    predictions: dict[str, dict], gold: dict[str, dict], *, gold_spans: bool = False
) -> dict[str, dict[str, float | int | None]]:
    """Resolution scored per class of gold toponym (``gold_class``): ``{class: {"n", "acc161",
    "median_error_km"}}``, largest class first.

    The mentions scored and the rules are exactly those of ``resolution_acc_161km`` and
    ``resolution_median_error_km`` in ``score`` (same matching, same *gold_spans* mode; a demonym
    is scored by the rule of its gold ``type``, so by country code, without a distance, when it is
    typed ``country`` as in LGL), so the ``n`` add up to the mentions that accuracy is computed on.
    """
    totals: dict[str, list[int]] = {}
    distances: dict[str, list[float]] = {}
    for article_id, g_art in gold.items():
        p_art = predictions.get(article_id) or {}
        g_tops, p_tops, pairs = _match_toponyms(g_art, p_art)
        for g, correct, dist in _scored_resolutions(g_tops, p_tops, pairs, gold_spans):
            cls = gold_class(g)
            counts = totals.setdefault(cls, [0, 0])
            counts[0] += 1
            counts[1] += correct
            if dist is not None:
                distances.setdefault(cls, []).append(dist)
    out: dict[str, dict[str, float | int | None]] = {}
    for cls in sorted(totals, key=lambda c: (-totals[c][0], c)):
        n, right = totals[cls]
        dists = distances.get(cls)
        out[cls] = {"n": n, "acc161": _ratio(right, n),
                    "median_error_km": statistics.median(dists) if dists else None}
    return out


def _date_correct(sys_date: str | None, gold_date: str, gold_end: str | None) -> bool:
    """Exact day, or inside the gold range (ISO dates order lexicographically)."""
    if sys_date is None:
        return False
    if sys_date == gold_date:
        return True
    return gold_end is not None and gold_date <= sys_date <= gold_end


# --------------------------------------------------------------------------- report


def _fmt(key: str, value: Any) -> str:
    if value is None:
        return "null"
    if not isinstance(value, float):
        return str(value)
    if key.endswith("_km"):
        return f"{value:.1f}"
    if key in {"seconds", "articles_per_second"}:
        return f"{value:.2f}"
    return f"{value:.4f}"


def format_report(metrics: dict) -> str:
    """Aligned two-column text table of *metrics* in their given order (``None`` as ``null``),
    then a table per nested entry (``resolution_by_class``: class, n, accuracy within 161 km,
    median error).

    Meant for humans at a terminal; machines should read ``--json`` instead.
    """
    rows = [(str(k), _fmt(str(k), v)) for k, v in metrics.items() if not isinstance(v, dict)]
    lines: list[str] = []
    if rows:
        kw = max(len(k) for k, _ in rows)
        vw = max(len(v) for _, v in rows)
        lines = [f"{k:<{kw}}  {v:>{vw}}" for k, v in rows]
    for key, table in metrics.items():
        if isinstance(table, dict):
            lines += ["", *_format_class_table(str(key), table)]
    return "\n".join(lines).strip("\n")


def _format_class_table(key: str, table: dict) -> list[str]:
    title = f"{key} (class of the gold toponym: its type, demonyms apart)"
    head = ("class", "n", "acc_161km", "median_error_km")
    body = [(str(cls), _fmt("n", row.get("n")), _fmt("acc161", row.get("acc161")),
             _fmt("median_error_km", row.get("median_error_km")))
            for cls, row in table.items() if isinstance(row, dict)]
    if not body:
        return [title, "  (no resolved mentions)"]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(4)]
    return [title, *(f"  {r[0]:<{widths[0]}}  " + "  ".join(f"{c:>{w}}" for c, w in zip(r[1:], widths[1:], strict=True))
                     for r in [head, *body])]


__all__ = [
    "ACCURACY_THRESHOLD_KM",
    "DEMONYM_CLASS",
    "METRIC_KEYS",
    "RESOLUTION_BY_CLASS_KEY",
    "UNTYPED_CLASS",
    "claim_text_overlap",
    "distance_to_geometry_km",
    "format_report",
    "gold_class",
    "is_demonym",
    "load_gold",
    "resolution_by_class",
    "score",
]
