"""Command-line interface: ``python -m geo ingest|evaluate|gazetteer``.

* ``ingest PATH...``: read corpus folders or files and store them (progress bar, one
  line per problem, a summary).
* ``evaluate ARTICLES_DIR GOLD_DIR [--json] [--gold-spans] [--any-claimant] [--predictions FILE] [--by-class]``:
  run the pipeline and score it against gold annotations as ``EVALUATION.md`` specifies; with
  ``--by-class``, also resolution per class of gold toponym (``resolution_by_class``).
* ``gazetteer build|lookup NAME``: build the offline gazetteer index or query it.

Exit codes: 0 done; 1 ``ingest`` rejected some files (bad input: each is named with the reason,
the others were stored); 2 an error that is not the articles': an internal error (logged with
its traceback; ``ingest`` reports the article ``failed``, and stops after
``MAX_INTERNAL_ERRORS_IN_A_ROW`` in a row or at the first store failure), an invalid
``CLAIM_ATLAS_*`` setting, a store of a newer version, a bad command line.
"""

from __future__ import annotations

import argparse
import json
import logging
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from geo.config import SettingsError, get_settings

log = logging.getLogger("geo.cli")

#: Exit codes (module docstring).
EXIT_REJECTED = 1
EXIT_ERROR = 2


class _CompactReport:
    """One line per rejected (or failed, or with -v any) article on standard error, but at most
    :attr:`PER_REASON` for one status and reason: 100,000 manifest rows naming missing files are
    ten lines and a count, not 100,000 lines."""

    PER_REASON = 10

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}

    def line(self, status: str, text: str, reason: str, write: Callable[..., None]) -> None:
        key = (status, reason)
        n = self.counts[key] = self.counts.get(key, 0) + 1
        if n <= self.PER_REASON:
            write(f"{status:9} {text}", file=sys.stderr)

    def summary(self) -> None:
        for (status, reason), n in self.counts.items():
            if n > self.PER_REASON:
                print(f"{status:9} ... and {n - self.PER_REASON:,} more {status} for the same reason: {reason}",
                      file=sys.stderr)


def _cmd_ingest(args: argparse.Namespace) -> int:
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    from geo.pipeline.ingest import Pipeline
    from geo.store.sqlite import Store
    from geo.text.corpus import read_paths

    settings = get_settings()
    if args.db:
        settings = settings.with_overrides(db_path=Path(args.db))
    articles, errors = read_paths([Path(p) for p in args.paths], settings)
    problems = _CompactReport()
    for err in errors:
        problems.line("rejected", str(err), err.reason, print)
    try:
        store = Store(settings.db_path)
    except (OSError, sqlite3.OperationalError) as exc:  # a path the user gave: no traceback
        print(f"error: cannot open the store {settings.db_path}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    started = time.perf_counter()
    pipeline = Pipeline(settings)
    bar = tqdm(total=len(articles), unit="article", disable=args.quiet or not articles, file=sys.stderr)

    def progress(done: int, total: int, result) -> None:
        bar.update(1)
        if result.status in ("rejected", "failed") or args.verbose:  # problems always, the rest with -v
            problems.line(result.status, f"{result.name}: {result.message}", result.message, tqdm.write)

    def chunk_progress(name: str, done: int, total: int) -> None:  # a long article, part by part
        bar.set_postfix_str(f"{name}: part {done}/{total}" if done < total else "")

    pipeline.chunk_progress = chunk_progress
    with logging_redirect_tqdm():  # log lines (an internal error's traceback) above the bar, not through it
        results = pipeline.ingest(articles, store, progress=progress)
    bar.close()
    problems.summary()
    elapsed = time.perf_counter() - started
    by_status: dict[str, int] = {}
    for r in results:
        by_status[r.status] = by_status.get(r.status, 0) + 1
    rejected = by_status.get("rejected", 0) + len(errors)
    failed, skipped = by_status.get("failed", 0), by_status.get("skipped", 0)
    print(f"{len(results) + len(errors)} files: {by_status.get('added', 0)} added, "
          f"{by_status.get('updated', 0)} updated, {by_status.get('duplicate', 0)} duplicate, "
          f"{rejected} rejected, {failed} failed{f', {skipped} not processed' if skipped else ''}; "
          f"{sum(r.mentions for r in results)} place names, "
          f"{sum(r.resolved for r in results)} resolved, {sum(r.claims for r in results)} claims "
          f"in {elapsed:.1f} s -> {settings.db_path}")
    if skipped:
        reason = next(r.message for r in results if r.status == "skipped").removeprefix("not processed: ")
        print(f"error: {reason}", file=sys.stderr)
    elif failed:
        print(f"error: {failed} articles failed with an internal error (not a problem with the articles); "
              "their tracebacks are logged above", file=sys.stderr)
    if failed or skipped:
        return EXIT_ERROR
    return EXIT_REJECTED if rejected else 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from geo.evaluate import RESOLUTION_BY_CLASS_KEY, format_report, load_gold, resolution_by_class, score
    from geo.pipeline.ingest import Pipeline
    from geo.pipeline.predictions import article_prediction
    from geo.store.sqlite import Store
    from geo.text.corpus import read_corpus

    settings = get_settings()
    articles_dir, gold_dir = Path(args.articles_dir), Path(args.gold_dir)
    try:
        gold = load_gold(gold_dir)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not articles_dir.is_dir():
        print(f"error: {articles_dir} is not a folder", file=sys.stderr)
        return 2
    articles, errors = read_corpus(articles_dir, settings)
    for err in errors:
        print(f"warning: {err}", file=sys.stderr)
    pipeline = Pipeline(settings)
    started = time.perf_counter()
    predictions: dict[str, dict] = {}
    if args.gold_spans:
        for article in articles:
            spans = [(t["start"], t["end"]) for t in gold.get(article.id, {}).get("toponyms", [])
                     if not t.get("not_a_place")]
            predictions[article.id] = article_prediction(article, pipeline.analyze_spans(article, spans))
    else:
        analyses: dict = {}
        with tempfile.TemporaryDirectory() as tmp:  # the app's own path: analyse and store
            store = Store(Path(tmp) / "evaluate.sqlite")
            results = pipeline.ingest(articles, store, analyses=analyses)
            store.close()
        for r in results:
            if r.status == "rejected":  # scored as an article with no predictions, like unreadable files
                print(f"warning: {r.name}: {r.message}", file=sys.stderr)
        broken = [r for r in results if r.status in ("failed", "skipped")]
        if broken:  # metrics over missing predictions would understate the pipeline: none at all
            for r in broken:
                print(f"{r.status:9} {r.name}: {r.message}", file=sys.stderr)
            print(f"error: {len(broken)} of {len(articles)} articles were not analysed because of internal "
                  "errors (see the log above); no metrics computed", file=sys.stderr)
            return EXIT_ERROR
        for article in articles:
            predictions[article.id] = article_prediction(article, analyses.get(article.id))
    seconds = time.perf_counter() - started
    metrics: dict[str, Any] = dict(score(predictions, gold, gold_spans=args.gold_spans,
                                         any_claimant=args.any_claimant))
    metrics["articles"] = len(articles)
    metrics["seconds"] = round(seconds, 3)
    metrics["articles_per_second"] = round(len(articles) / seconds, 2) if seconds > 0 else None
    if args.by_class:  # opt-in: without it --json prints EVALUATION.md's metrics only
        metrics[RESOLUTION_BY_CLASS_KEY] = resolution_by_class(predictions, gold, gold_spans=args.gold_spans)
    if args.predictions:
        with open(args.predictions, "w", encoding="utf-8") as fh:
            for article in articles:
                fh.write(json.dumps(predictions[article.id], ensure_ascii=False) + "\n")
    if args.json:
        print(json.dumps(metrics))
    else:
        print(format_report(metrics))
    return 0


def _cmd_gazetteer(args: argparse.Namespace) -> int:
    from geo.gazetteer.build import build_gazetteer
    from geo.gazetteer.index import get_gazetteer

    settings = get_settings()
    if args.action == "build":
        started = time.perf_counter()
        path = build_gazetteer(settings, force=args.force)
        print(f"gazetteer ready at {path} ({path.stat().st_size / 1e6:.0f} MB, "
              f"{time.perf_counter() - started:.1f} s)")
        return 0
    gaz = get_gazetteer(settings)
    for name in args.names:
        cands = gaz.candidates(name, limit=args.limit)[: args.limit]
        if not cands:
            print(f"{name}: unknown place (no exact or close name in the gazetteer)")
        for c in cands:
            p = c.place
            print(f"{name}\t{p.name}\t{p.country}\t{p.feature_type}\t{p.lat:.4f},{p.lon:.4f}\t"
                  f"pop={p.population}\t{c.match}\t{c.name_score:.2f}\t{p.key}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m geo", description="Claim Atlas geoparsing engine")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="read articles (folders with manifest.csv, or files) into the store")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--db", help="store path (default: CLAIM_ATLAS_DB or var/claim_atlas.sqlite)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("-v", "--verbose", action="store_true", help="one line per article")
    p.set_defaults(func=_cmd_ingest)

    p = sub.add_parser("evaluate", help="score the pipeline against gold annotations (EVALUATION.md)")
    p.add_argument("articles_dir", metavar="ARTICLES_DIR")
    p.add_argument("gold_dir", metavar="GOLD_DIR")
    p.add_argument("--json", action="store_true", help="print one JSON object of metrics")
    p.add_argument("--gold-spans", action="store_true", help="resolve the gold place-name spans (no recognition)")
    p.add_argument("--any-claimant", action="store_true",
                   help="match claims on their text alone (claimants not compared), e.g. for PolNeAR")
    p.add_argument("--predictions", metavar="FILE", help="also write the predictions, one JSON line per article")
    p.add_argument("--by-class", action="store_true",
                   help="also score resolution per class of gold toponym (JSON key resolution_by_class)")
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("gazetteer", help="build the offline gazetteer or look names up")
    p.add_argument("action", choices=["build", "lookup"])
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("--force", action="store_true", help="rebuild even if up to date")
    p.add_argument("--limit", type=int, default=5)
    p.set_defaults(func=_cmd_gazetteer)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a command; returns its exit code (module docstring). Bad settings and a store this
    code cannot use are the user's to fix: one ``error:`` line, no traceback. Any other exception
    is an internal error: logged with its traceback, exit code 2."""
    from geo.store.migrations import StoreVersionError

    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except (SettingsError, StoreVersionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except Exception:  # noqa: BLE001 - reported as an internal error with its traceback, never as bad input
        log.exception("internal error running %r", args.command)
        print(f"error: internal error running {args.command!r} (a bug, not a problem with the input): "
              "the traceback is above", file=sys.stderr)
        return EXIT_ERROR
