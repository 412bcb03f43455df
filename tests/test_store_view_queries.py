"""Store.place_ids_in_bounds / Store.mentions_in_view_df: a view's places and mentions from the
R*Tree of place boxes and the index on publication dates (store version 5), the same rows as
filtering every mention in pandas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from synthetic_data import write_synthetic_store

from geo.model import Article, ArticleAnalysis, Mention, Place
from geo.store.sqlite import Store, _lon_ranges
from geo.text.corpus import content_hash


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("view") / "store.sqlite"
    write_synthetic_store(path, 400)
    s = Store(path)
    yield s
    s.close()


def _expected(mentions: pd.DataFrame, south: float, west: float, north: float, east: float) -> list[int]:
    keep = mentions["lat"].between(south, north) & mentions["lon"].between(west, east)
    return sorted(mentions.loc[keep, "mention_id"].astype(int))


def test_mentions_in_view_are_those_of_the_places_in_the_bounds(store: Store) -> None:
    mentions = store.mentions_df()
    for south, west, north, east in [(39.0, 44.0, 40.5, 46.0), (41.0, 47.5, 43.5, 50.5), (0.0, 0.0, 1.0, 1.0)]:
        got = store.mentions_in_view_df(south, west, north, east)
        assert sorted(got["mention_id"].astype(int)) == _expected(mentions, south, west, north, east)
        assert list(got.columns) == list(mentions.columns)
    assert len(store.mentions_in_view_df(-90, -180, 90, 180)) == len(mentions)


def test_the_date_filter_keeps_whole_days(store: Store) -> None:
    mentions = store.mentions_df()
    got = store.mentions_in_view_df(-90, -180, 90, 180, date_from="2020-10-03", date_to="2020-10-05")
    day = mentions["published"].str[:10]
    expected = mentions.loc[(day >= "2020-10-03") & (day <= "2020-10-05"), "mention_id"]
    assert 0 < len(got) == len(expected) and set(got["mention_id"]) == set(expected)
    plan = " ".join(str(r) for r in store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM articles WHERE published >= ? AND published < ?",
        ("2020-10-03", "2020-10-06")).fetchall())
    assert "articles_published" in plan


def test_areas_are_found_by_their_box_and_views_wrap_the_antimeridian(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    text = "Ships crossed the Strait of Nowhere near Taveuni today."
    strait = Place(key="test:strait", name="Strait of Nowhere", lat=-16.8, lon=179.9, feature_type="region",
                   geometry={"type": "Polygon", "coordinates": [[[178.0, -17.5], [179.99, -17.5], [179.99, -16.0],
                                                                 [178.0, -16.0], [178.0, -17.5]]]})
    island = Place(key="test:island", name="Taveuni", lat=-16.85, lon=-179.95)
    mentions = [Mention(start=text.index(n), end=text.index(n) + len(n), text=n, sentence_start=0,
                        sentence_end=len(text), method="test", place=p, confidence=0.9, precision=1)
                for n, p in (("Strait of Nowhere", strait), ("Taveuni", island))]
    store.save_article(Article(id="a", text=text, content_hash=content_hash(text), published="2021-02-03"),
                       ArticleAnalysis(mentions=mentions))
    ids = dict(store.conn.execute("SELECT key, id FROM places").fetchall())
    # the polygon reaches a view that holds none of its points' centre
    assert store.place_ids_in_bounds(-17.4, 178.1, -17.2, 178.3) == [ids["test:strait"]]
    # a view across the antimeridian, as Leaflet reports it (east past 180) or wrapped (west > east)
    both = sorted(ids.values())
    assert store.place_ids_in_bounds(-18, 179.5, -16, 180.5) == both
    assert store.place_ids_in_bounds(-18, 179.5, -16, -179.5) == both
    assert store.place_ids_in_bounds(-18, -179.99, -16, -179.9) == [ids["test:island"]]
    store.close()


def test_longitude_ranges() -> None:
    assert _lon_ranges(44, 50) == [(44.0, 50.0)]
    assert _lon_ranges(-190, -170) == [(170.0, 180.0), (-180.0, -170.0)]
    assert _lon_ranges(-180, 180) == [(-180.0, 180.0)]
