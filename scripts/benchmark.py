"""Speed of the geoparsing engine: gazetteer lookups and ingestion, against the project's targets.

Not a test (nothing here fails a build): it measures and prints, and with ``--json`` emits one
JSON object, so that numbers can be compared between commits and machines.

Measured:

a. exact gazetteer lookups per second (``Gazetteer.lookup``):
   * cold: a fresh ``Gazetteer`` (new SQLite connection, empty Python caches) over N distinct
     names drawn at random from the index (the OS page cache is whatever it is: the index was
     just opened by this process, so this is "process cold", not "disk cold");
   * warm: the same names again on the same instance;
   * realistic: a mix drawn, with their frequencies, from the names recognised in the bundled
     corpus (what ingestion actually asks for, repeated names included);
b. fuzzy lookups (``Gazetteer.fuzzy``) of names with one letter changed: mean and p95 in ms;
c. ingestion with the model loaded (``Pipeline.ingest`` into a temporary store): synthetic
   ~600-word articles built by shuffling and repeating paragraphs of the bundled corpus, each
   with its own sentence so that content hashes differ; articles/s and words/s, with
   ``Settings.workers`` worker processes (started and loaded before the clock starts; their
   start-up time is reported separately) and with one process.

Targets: >= 20 articles/s, >= 50,000 exact lookups/s, fuzzy < 5 ms.

Usage::

    python scripts/benchmark.py [--json] [--names 20000] [--fuzzy 500] [--articles 40] [--seed 7]
                                [--only exact,fuzzy,ingest]

Uses the shared gazetteer index (built on first use) and never writes to the app's store.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import statistics
import string
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo.config import Settings, get_settings  # noqa: E402
from geo.gazetteer.build import build_gazetteer  # noqa: E402
from geo.gazetteer.index import Gazetteer  # noqa: E402
from geo.model import Article  # noqa: E402
from geo.text.corpus import content_hash, read_corpus  # noqa: E402

TARGET_ARTICLES_PER_S = 20.0
TARGET_LOOKUPS_PER_S = 50_000.0
TARGET_FUZZY_MS = 5.0

CORPUS = ROOT / "data" / "articles"
WORDS_PER_ARTICLE = 600

# Varied sentences for the synthetic articles (places, days and figures are mixed per article).
_PLACES = ["Ganja", "Tartar", "Barda", "Goris", "Shusha", "Aghdam", "Fuzuli", "Jabrayil", "Kapan", "Yerevan",
           "Baku", "Stepanakert", "Martuni", "Hadrut", "Lachin", "Tbilisi", "Mingachevir", "Sisian"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_SOURCES = ["the defence ministry", "local officials", "a regional governor", "witnesses", "the emergency service"]


# --------------------------------------------------------------------------- helpers


def _rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _distinct_random_names(gaz: Gazetteer, n: int, rng: random.Random) -> list[str]:
    """``n`` distinct normalised names drawn uniformly from the index's names table."""
    total = gaz.conn.execute("SELECT MAX(rowid) FROM names").fetchone()[0]
    names: set[str] = set()
    while len(names) < n:
        batch = rng.sample(range(1, total + 1), min(total, 2 * (n - len(names)) + 100))
        for i in range(0, len(batch), 900):
            chunk = batch[i:i + 900]
            marks = ",".join("?" * len(chunk))
            names.update(r[0] for r in gaz.conn.execute(f"SELECT norm FROM names WHERE rowid IN ({marks})", chunk))
    out = sorted(names)
    rng.shuffle(out)
    return out[:n]


def _time_lookups(gaz: Gazetteer, names: list[str]) -> tuple[float, int]:
    found = 0
    started = time.perf_counter()
    for name in names:
        if gaz.lookup(name):
            found += 1
    return time.perf_counter() - started, found


def _one_letter_changed(name: str, rng: random.Random) -> str:
    letters = [i for i, ch in enumerate(name) if ch.isalpha()]
    i = rng.choice(letters)
    new = rng.choice([c for c in string.ascii_lowercase if c != name[i].lower()])
    return name[:i] + new + name[i + 1:]


def _paragraphs(articles: list[Article]) -> list[str]:
    paras = []
    for a in articles:
        for p in a.text.split("\n"):
            p = p.strip()
            if len(p.split()) >= 12:  # body paragraphs, not bylines and share buttons
                paras.append(p)
    return paras


def synthesize_articles(base: list[Article], n: int, rng: random.Random) -> list[Article]:
    """``n`` distinct ~600-word articles from the paragraphs of ``base``."""
    paras = _paragraphs(base)
    out: list[Article] = []
    for i in range(n):
        place, day, src = rng.choice(_PLACES), rng.choice(_DAYS), rng.choice(_SOURCES)
        lead = (f"Report {i + 1}: shelling was reported near {place} on {day}, {src} said, adding that "
                f"{rng.randint(2, 40)} houses had been damaged and {rng.randint(1, 12)} people wounded.")
        body = [lead]
        words = len(lead.split())
        pool = paras[:]
        rng.shuffle(pool)
        k = 0
        while words < WORDS_PER_ARTICLE:
            p = pool[k % len(pool)]  # repeats paragraphs once the pool is used up
            k += 1
            body.append(p)
            words += len(p.split())
        text = "\n\n".join(body) + "\n"
        out.append(Article(id=f"bench-{i:04d}", text=text, source="benchmark", published="2020-10-24",
                           title=lead[:80], file=f"bench-{i:04d}.txt", content_hash=content_hash(text)))
    assert len({a.content_hash for a in out}) == n
    return out


# --------------------------------------------------------------------------- measurements


def bench_exact(settings: Settings, n_names: int, realistic_names: list[str], rng: random.Random) -> dict:
    path = build_gazetteer(settings)
    sampler = Gazetteer(path)
    names = _distinct_random_names(sampler, n_names, rng)
    sampler.conn.close()

    gaz = Gazetteer(path)  # fresh: no connection, no caches
    cold_s, cold_found = _time_lookups(gaz, names)
    warm_s, warm_found = _time_lookups(gaz, names)
    assert cold_found == warm_found == len(names), "every sampled name must be found"

    mix = [rng.choice(realistic_names) for _ in range(n_names)] if realistic_names else []
    fresh = Gazetteer(path)
    mix_cold_s, _ = _time_lookups(fresh, mix)
    mix_warm_s, mix_found = _time_lookups(fresh, mix)
    return {
        "names": len(names),
        "cold_lookups_per_s": round(_rate(len(names), cold_s)),
        "warm_lookups_per_s": round(_rate(len(names), warm_s)),
        "realistic_distinct_names": len(set(realistic_names)),
        "realistic_lookups": len(mix),
        "realistic_first_pass_lookups_per_s": round(_rate(len(mix), mix_cold_s)) if mix else None,
        "realistic_warm_lookups_per_s": round(_rate(len(mix), mix_warm_s)) if mix else None,
        "realistic_found_share": round(mix_found / len(mix), 3) if mix else None,
    }


def bench_fuzzy(settings: Settings, n: int, rng: random.Random) -> dict:
    gaz = Gazetteer(build_gazetteer(settings))
    pool = [r[0] for r in gaz.conn.execute(
        "SELECT n.norm FROM names n JOIN places p ON p.id = n.place_id "
        "WHERE n.kind = 0 AND p.feature_type = 'settlement' AND n.len BETWEEN 5 AND 14 LIMIT 200000")]
    queries = [_one_letter_changed(name, rng) for name in rng.sample(pool, n)]
    gaz.fuzzy(queries[0])  # open the connection outside the timing
    times: list[float] = []
    hits = 0
    for q in queries:
        started = time.perf_counter()
        found = gaz.fuzzy(q)
        times.append((time.perf_counter() - started) * 1000)
        hits += bool(found)
    return {
        "queries": n,
        "mean_ms": round(statistics.fmean(times), 3),
        "p95_ms": round(_p95(times), 3),
        "max_ms": round(max(times), 3),
        "found_share": round(hits / n, 3),
    }


def bench_ingest(settings: Settings, articles: list[Article], workers: int) -> dict:
    from geo.pipeline.ingest import Pipeline
    from geo.store.sqlite import Store

    pipeline = Pipeline(settings.with_overrides(workers=workers))
    words = sum(len(a.text.split()) for a in articles)
    startup = pipeline.start_workers() if workers > 1 else 0.0
    with tempfile.TemporaryDirectory(prefix="claim-atlas-bench-") as tmp, pipeline.workers() if workers > 1 \
            else contextlib.nullcontext():
        store = Store(Path(tmp) / "bench.sqlite")
        pipeline.ingest(articles[:2], store)  # warm-up: lazy model parts, caches, the store's file
        todo = articles[2:]
        todo_words = words - sum(len(a.text.split()) for a in articles[:2])
        started = time.perf_counter()
        results = pipeline.ingest(todo, store)
        seconds = time.perf_counter() - started
        statuses = {r.status for r in results}
        mentions = sum(r.mentions for r in results)
        store.close()
    assert statuses == {"added"}, f"unexpected statuses {statuses}"
    return {
        "workers": workers,
        "worker_startup_s": round(startup, 2),
        "articles": len(todo),
        "words": todo_words,
        "seconds": round(seconds, 3),
        "articles_per_s": round(_rate(len(todo), seconds), 2),
        "words_per_s": round(_rate(todo_words, seconds)),
        "mentions": mentions,
    }


def realistic_lookup_names(settings: Settings, base: list[Article]) -> list[str]:
    """Surface forms the pipeline recognises in the bundled corpus, with repeats."""
    from geo.pipeline.ingest import Pipeline

    pipeline = Pipeline(settings)
    names: list[str] = []
    for article in base:
        for m in pipeline.analyze(article).mentions:
            if m.method != "feature":
                names.append(m.text)
    return names


# --------------------------------------------------------------------------- report


def _mark(ok: bool) -> str:
    return "ok" if ok else "BELOW TARGET"


def report(results: dict) -> str:
    def row(label: str, value: int) -> str:
        return f"   {label:<44}{value:>10,}   >= 50,000  {_mark(value >= TARGET_LOOKUPS_PER_S)}"

    lines = [
        f"Claim Atlas benchmark  (Python {results['env']['python']}, {results['env']['cpus']} CPUs, "
        f"spaCy model {results['env']['spacy_model']})",
    ]
    if "exact" in results:
        ex = results["exact"]
        lines += [
            "",
            f"a. exact gazetteer lookups {'':<21}lookups/s   target",
            row(f"cold, {ex['names']:,} distinct random names", ex["cold_lookups_per_s"]),
            row("warm, the same names again", ex["warm_lookups_per_s"]),
        ]
        if ex["realistic_lookups"]:
            lines += [
                row(f"corpus mix ({ex['realistic_distinct_names']} names), first pass",
                    ex["realistic_first_pass_lookups_per_s"]),
                row("corpus mix, warm", ex["realistic_warm_lookups_per_s"]),
            ]
    if "fuzzy" in results:
        fz = results["fuzzy"]
        lines += [
            "",
            f"b. fuzzy lookups, {fz['queries']} names with one letter changed (found for {fz['found_share']:.0%})",
            f"   mean {fz['mean_ms']:.2f} ms   p95 {fz['p95_ms']:.2f} ms   max {fz['max_ms']:.2f} ms"
            f"   target < 5 ms: mean {_mark(fz['mean_ms'] < TARGET_FUZZY_MS)}, "
            f"p95 {_mark(fz['p95_ms'] < TARGET_FUZZY_MS)}",
        ]
    if "ingest" in results:
        lines += ["", "c. ingest (model loaded, synthetic ~600-word articles, temporary store)"]
    for run in results.get("ingest", []):
        lines.append(
            f"   {run['workers']} process(es) (start-up {run['worker_startup_s']:.1f} s, not timed): "
            f"{run['articles']} articles, "
            f"{run['words']:,} words in {run['seconds']:.2f} s -> {run['articles_per_s']:.1f} articles/s, "
            f"{run['words_per_s']:,} words/s   target >= 20 articles/s  "
            f"{_mark(run['articles_per_s'] >= TARGET_ARTICLES_PER_S)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="emit one JSON object instead of the table")
    parser.add_argument("--names", type=int, default=20_000, help="distinct names for exact lookups")
    parser.add_argument("--fuzzy", type=int, default=500, help="names for fuzzy lookups")
    parser.add_argument("--articles", type=int, default=40, help="synthetic articles to ingest")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", default="exact,fuzzy,ingest",
                        help="comma-separated sections to run: exact, fuzzy, ingest (ingest takes longest)")
    args = parser.parse_args(argv)
    sections = {s.strip() for s in args.only.split(",") if s.strip()}
    if not sections or sections - {"exact", "fuzzy", "ingest"}:
        parser.error("--only takes a comma-separated subset of: exact, fuzzy, ingest")

    rng = random.Random(args.seed)
    settings = get_settings()
    base, errors = read_corpus(CORPUS, settings)
    if errors or not base:
        print(f"cannot read the bundled corpus: {errors}", file=sys.stderr)
        return 2

    from geo.nlp.load import load_nlp

    load_nlp(settings.spacy_model)  # model loading is not what is measured
    results: dict = {
        "env": {"python": platform.python_version(), "cpus": os.cpu_count(), "spacy_model": settings.spacy_model,
                "gazetteer": str(settings.gazetteer_path), "seed": args.seed},
        "targets": {"articles_per_s": TARGET_ARTICLES_PER_S, "exact_lookups_per_s": TARGET_LOOKUPS_PER_S,
                    "fuzzy_ms": TARGET_FUZZY_MS},
    }
    # One random generator for all sections, as before --only existed: a full run draws the
    # same inputs as earlier versions did (a partial run draws others for the later sections).
    if "exact" in sections:
        realistic = realistic_lookup_names(settings, base)
        results["exact"] = bench_exact(settings, args.names, realistic, rng)
    if "fuzzy" in sections:
        results["fuzzy"] = bench_fuzzy(settings, args.fuzzy, rng)
    if "ingest" in sections:
        articles = synthesize_articles(base, args.articles, rng)
        default_workers = getattr(settings, "workers", 1)
        runs = [bench_ingest(settings, articles, default_workers)]
        if default_workers != 1:
            runs.append(bench_ingest(settings, articles, 1))
        results["ingest"] = runs
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
