"""A synthetic ``Store.mentions_df()`` for tests of scale (no page or script uses it)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def synthetic_mentions(n_places: int, mentions_per_place: int = 2, seed: int = 0) -> pd.DataFrame:
    """A fake ``Store.mentions_df()`` of ``n_places`` settlements around the South Caucasus
    (nothing here is real data)."""
    rng = np.random.default_rng(seed)
    n = n_places * mentions_per_place
    place_idx = np.repeat(np.arange(n_places), mentions_per_place)
    lat = rng.uniform(38.0, 43.5, n_places)
    lon = rng.uniform(43.0, 50.5, n_places)
    conf = rng.uniform(0.3, 1.0, n)
    names = np.array([f"Place {i}" for i in range(n_places)], dtype=object)
    days = rng.integers(1, 29, n)
    return pd.DataFrame({
        "mention_id": np.arange(1, n + 1),
        "article_id": rng.integers(1, max(2, n_places // 10), n),
        "corpus_id": "synthetic",
        "title": [f"Synthetic report {i}" for i in range(n)],
        "source": rng.choice(["Agency A", "Agency B", "Paper C"], n),
        "url": "",
        "published": [f"2020-10-{d:02d}" for d in days],
        "start": 0,
        "end": 5,
        "text": names[place_idx],
        "method": "synthetic",
        "confidence": conf.round(3),
        "precision": 1,
        "metonymic": 0,
        "metonymy_reason": "",
        "not_a_place": 0,
        "runner_up_confidence": 0.0,
        "candidates": "[]",
        "sentence": [f"Shelling was reported near {names[i]} on Tuesday, the ministry said." for i in place_idx],
        "place_key": [f"synthetic:{i}" for i in place_idx],
        "place_name": names[place_idx],
        "feature_type": "settlement",
        "country": "AZ",
        "lat": lat[place_idx],
        "lon": lon[place_idx],
        "geometry": None,
        "runner_up_key": None,
        "runner_up_name": None,
    })


#: The claimants synthetic claims are attributed to, in turn.
SYNTHETIC_CLAIMANTS = ("Azerbaijan", "Armenia", "Nagorno-Karabakh authorities", "Russia")


def write_synthetic_store(path, n_places: int, per_article: int = 10, seed: int = 0, claims: bool = False) -> None:
    """A store of ``n_places`` distinct settlements around the South Caucasus, ``per_article`` per
    synthetic article (as scripts/benchmark_map.py writes it; nothing here is real data).

    ``claims``: one claim per place too (its sentence, about that place, dated as its article,
    attributed in turn to :data:`SYNTHETIC_CLAIMANTS`; every fifth one disputed by the next
    claimant), as many claims as places."""
    from geo.model import Article, ArticleAnalysis, Claim, Mention, Place
    from geo.store.sqlite import Store
    from geo.text.corpus import content_hash

    rng = np.random.default_rng(seed)
    store = Store(path)
    for a in range(0, n_places, per_article):
        names = [f"Place{i}" for i in range(a, min(a + per_article, n_places))]
        text = " ".join(f"Shelling was reported near {n} on Tuesday, the ministry said." for n in names)
        published = f"2020-10-{1 + a % 28:02d}"
        article = Article(id=f"syn{a}", text=text, source=f"Agency {a % 7}", title=f"Synthetic report {a}",
                          published=published, content_hash=content_hash(text))
        mentions, found, pos = [], [], 0
        for i, name in zip(range(a, a + len(names)), names, strict=True):
            start = text.index(name, pos)
            place = Place(key=f"synthetic:{i}", name=name, lat=float(rng.uniform(38.0, 43.5)),
                          lon=float(rng.uniform(43.0, 50.5)), country="AZ")
            sentence_start, sentence_end = text.rfind("Shelling", 0, start), text.index(".", start) + 1
            mention = Mention(start=start, end=start + len(name), text=name, sentence_start=sentence_start,
                              sentence_end=sentence_end, method="synthetic", place=place,
                              confidence=float(rng.uniform(0.3, 1.0)), precision=1)
            mentions.append(mention)
            if claims:
                claimant = SYNTHETIC_CLAIMANTS[i % len(SYNTHETIC_CLAIMANTS)]
                disputed = [SYNTHETIC_CLAIMANTS[(i + 1) % len(SYNTHETIC_CLAIMANTS)]] if i % 5 == 0 else []
                found.append(Claim(claimant=claimant, claimant_text="the ministry", text=text[sentence_start:sentence_end],
                                   start=sentence_start, end=sentence_end, date=published, date_precision="day",
                                   kind="military", disputed_by=disputed, mentions=[mention]))
            pos = start + len(name)
        store.save_article(article, ArticleAnalysis(mentions=mentions, claims=found))
    store.close()
