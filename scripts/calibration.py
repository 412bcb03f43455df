"""Does a geocode's confidence mean what it says? Reliability of resolution confidences.

Reads the predictions ``python -m geo evaluate ... --predictions FILE`` wrote and the gold
of the same articles, matches the toponyms as ``geo.evaluate`` does, and prints, per
confidence bin, how many resolved mentions fall in it and what share of them lies within
161 km of the gold (countries: same country code). A calibrated confidence has each bin's
accuracy near its mean confidence; the expected calibration error (ECE) sums the gaps,
weighted by the bins' sizes.

Usage (LGL is a dev set kept outside the repository)::

    python -m geo evaluate ARTICLES GOLD --json --predictions /tmp/pred.jsonl
    python scripts/calibration.py /tmp/pred.jsonl GOLD [--bins 10] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from geo.evaluate import _match_toponyms, _resolution_evaluable, _resolve_pair, load_gold


def reliability(predictions: dict[str, dict], gold: dict[str, dict], bins: int = 10) -> dict:
    """Per-bin counts, mean confidence and accuracy of the resolved, matched, evaluable mentions."""
    rows: list[tuple[float, bool]] = []
    for article_id, g_art in gold.items():
        p_art = predictions.get(article_id) or {}
        g_tops, p_tops, pairs = _match_toponyms(g_art, p_art)
        for si, gi in pairs:
            g, p = g_tops[gi], p_tops[si]
            if not _resolution_evaluable(g) or p.get("lat") is None or p.get("confidence") is None:
                continue
            correct, _ = _resolve_pair(g, p)
            rows.append((float(p["confidence"]), correct))
    table = []
    ece = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [(c, ok) for c, ok in rows if lo <= c < hi or (b == bins - 1 and c == 1.0)]
        if not inside:
            continue
        conf = sum(c for c, _ in inside) / len(inside)
        acc = sum(ok for _, ok in inside) / len(inside)
        ece += len(inside) / len(rows) * abs(conf - acc)
        table.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": len(inside), "mean_confidence": round(conf, 3),
                      "accuracy": round(acc, 3)})
    return {"mentions": len(rows), "ece": round(ece, 4), "bins": table}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("predictions", type=Path)
    ap.add_argument("gold", type=Path)
    ap.add_argument("--bins", type=int, default=10)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    preds = {}
    with args.predictions.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                art = json.loads(line)
                preds[str(art["id"])] = art
    result = reliability(preds, load_gold(args.gold), args.bins)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"{result['mentions']} resolved mentions, ECE {result['ece']:.3f}")
    print(f"{'bin':<9} {'n':>6} {'mean conf':>10} {'accuracy':>9}")
    for row in result["bins"]:
        print(f"{row['bin']:<9} {row['n']:>6} {row['mean_confidence']:>10.3f} {row['accuracy']:>9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
