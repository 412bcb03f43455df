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
