"""Time the ingest of one long generated article (issue 14, point 13).

    PYTHONPATH=. python scripts/benchmark_long_article.py [--chars 2000000 ...] [--profile]

The article is made by tests/long_article.py (varied news-like paragraphs; nothing real). Prints
the seconds to analyse and store it, and with ``--profile`` the top functions by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.model import Article  # noqa: E402
from geo.pipeline.ingest import Pipeline  # noqa: E402
from geo.store.sqlite import Store  # noqa: E402
from geo.text.corpus import content_hash  # noqa: E402
from tests.long_article import long_article  # noqa: E402


def _cpu_seconds() -> float:
    """CPU seconds of this process and of its ended children (the worker processes): on a
    machine shared with other jobs, wall time says more about them than about this code."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chars", type=int, nargs="+", default=[2_000_000])
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    pipeline = Pipeline()
    print(f"pipeline loaded in {time.perf_counter() - started:.1f} s")
    for n in args.chars:
        text = long_article(n)
        article = Article(id=f"long-{n}", text=text, source="Bench", published="2020-10-05",
                          title="A long article", content_hash=content_hash(text))
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(Path(tmp) / "bench.sqlite")
            profiler = cProfile.Profile() if args.profile else None
            started = time.perf_counter()
            cpu = _cpu_seconds()
            if profiler:
                profiler.enable()
            results = pipeline.ingest([article], store)
            if profiler:
                profiler.disable()
            elapsed, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
            print(f"{n:>10,} chars: {elapsed:7.1f} s wall, {cpu:7.1f} s CPU (with workers that ended)  "
                  f"{results[0].status} {results[0].message[:80]}")
            if profiler:
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
                pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
