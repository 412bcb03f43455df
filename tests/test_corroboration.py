"""The same claim across outlets (geo/claims/corroboration.py): the clustering rule, its measure on
the made-up corpus of tests/fixtures/corroboration, the store's clusters and migration, the
"reported by at least N sources" filter."""

from __future__ import annotations

import csv
import sqlite3
from itertools import combinations
from pathlib import Path

import pandas as pd
import pytest

from geo.claims.corroboration import (
    ClaimRecord,
    cluster_claims,
    pairwise_scores,
    same_claim,
)
from geo.layers.filters import claim_filters_active, explain_empty, filter_claims
from geo.layers.view import ViewState, Vocabulary, parse_view, to_query_params
from geo.model import Article, ArticleAnalysis, Claim
from geo.pipeline.ingest import refresh_clusters
from geo.store.migrations import LATEST_VERSION
from geo.store.sqlite import Store
from geo.text.corpus import content_hash

CORPUS = Path(__file__).parent / "fixtures" / "corroboration"


def rec(claim_id: int, source: str, text: str, *, claimant: str = "Azerbaijan", date: str = "2021-03-02",
        places: tuple[str, ...] = ("geonames:1",), stance: str = "assert", strip: tuple[str, ...] = ()) -> ClaimRecord:
    return ClaimRecord(claim_id=claim_id, source=source, claimant=claimant, text=text, date=date,
                       published=date, stance=stance, place_keys=frozenset(places), strip_words=strip)


BRIDGE_A = "The ministry said enemy artillery destroyed a bridge over the river near Lakeside on Tuesday."
BRIDGE_B = "Enemy guns destroyed the river bridge close to Lakeside, the ministry said."
BRIDGE_C = "Officials said a bridge across the river at Lakeside was destroyed by enemy artillery fire."
TALKS = "The ministry said the foreign minister will hold talks with envoys in Lakeside next week."


# ------------------------------------------------------------------ the rule

def test_rewordings_from_different_outlets_are_one_claim() -> None:
    a, b, c = rec(1, "Wire A", BRIDGE_A), rec(2, "Wire B", BRIDGE_B), rec(3, "Wire C", BRIDGE_C, date="2021-03-03")
    assert same_claim(a, b) and same_claim(a, c)
    assert cluster_claims([a, b, c]) == [[1, 2, 3]]


def test_what_keeps_claims_apart() -> None:
    a = rec(1, "Wire A", BRIDGE_A)
    assert not same_claim(a, rec(2, "Wire A", BRIDGE_B))  # one outlet does not corroborate itself
    assert not same_claim(a, rec(2, "Wire B", BRIDGE_B, date="2021-03-05"))  # another day
    assert not same_claim(a, rec(2, "Wire B", BRIDGE_B, claimant="Armenia"))  # another party
    assert not same_claim(a, rec(2, "Wire B", BRIDGE_B, stance="deny"))  # a denial of it
    assert not same_claim(a, rec(2, "Wire B", BRIDGE_B, places=("geonames:2",)))  # another place
    assert not same_claim(a, rec(2, "Wire B", BRIDGE_B, places=()))  # one names a place, one none
    assert not same_claim(a, rec(2, "Wire B", TALKS))  # same party, place and day, another claim
    assert same_claim(rec(1, "Wire A", BRIDGE_A, places=()), rec(2, "Wire B", BRIDGE_B, places=()))


def test_place_and_claimant_words_do_not_make_claims_alike() -> None:
    """Two different claims that share only the place's and the claimant's names stay apart."""
    a = rec(1, "Wire A", "Azerbaijan said Lakeside was shelled.", strip=("Lakeside", "Azerbaijan"))
    b = rec(2, "Wire B", "Azerbaijan said Lakeside hosted a wedding.", strip=("Lakeside", "Azerbaijan"))
    assert not same_claim(a, b)


def test_date_ranges_overlap_and_undated_claims_use_publication() -> None:
    ranged = ClaimRecord(1, "Wire A", "Azerbaijan", BRIDGE_A, date="2021-02-25", date_end="2021-03-02",
                         place_keys=frozenset({"geonames:1"}))
    undated = ClaimRecord(2, "Wire B", "Azerbaijan", BRIDGE_B, published="2021-03-03",
                          place_keys=frozenset({"geonames:1"}))
    assert same_claim(ranged, undated)  # 2 March (range end) and 3 March: within a day
    assert cluster_claims([ClaimRecord(3, "W", "Azerbaijan", BRIDGE_A)]) == []  # no date at all: no cluster


def test_pairwise_scores() -> None:
    assert pairwise_scores([[1, 2, 3]], [[1, 2], [3, 4]]) == (1 / 3, 1 / 2)
    assert pairwise_scores([], []) == (1.0, 1.0)


# ------------------------------------------------------------------ measured on the made-up corpus

def _gold_pairs(claims: pd.DataFrame) -> tuple[set, set]:
    """Gold and predicted same-claim pairs among claims of different articles. Gold: the articles
    report the same event (gold.csv) from different sources; predicted: the same stored cluster."""
    with (CORPUS / "gold.csv").open(encoding="utf-8") as f:
        event = {r["article"]: r["event"] for r in csv.DictReader(f)}
    gold, predicted = set(), set()
    rows = list(claims.itertuples(index=False))
    for a, b in combinations(rows, 2):
        if a.corpus_id == b.corpus_id:
            continue
        pair = tuple(sorted((int(a.claim_id), int(b.claim_id))))
        if event[a.corpus_id] and event[a.corpus_id] == event[b.corpus_id] and a.source != b.source:
            gold.add(pair)
        if pd.notna(a.cluster_id) and a.cluster_id == b.cluster_id:
            predicted.add(pair)
    return gold, predicted


@pytest.mark.integration
def test_clustering_on_the_made_up_corpus(pipeline, session_settings, tmp_path: Path) -> None:
    from geo.text.corpus import read_corpus

    articles, errors = read_corpus(CORPUS, session_settings)
    assert len(articles) == 11 and not errors
    store = Store(tmp_path / "c.sqlite")
    pipeline.ingest(articles, store)
    claims = store.claims_df()
    gold, predicted = _gold_pairs(claims)
    precision = len(gold & predicted) / len(predicted)
    recall = len(gold & predicted) / len(gold)
    # Measured: precision 1.00, recall 0.65 (13 of 20 gold pairs). The misses: a headline whose
    # claimant the extractor gives as "Other" (4 pairs), and a headline saying "bombardment" where
    # the others say "shelling" (text score 44-45, under the threshold; 3 more pairs).
    assert precision >= 1.0 and recall >= 0.65, (precision, recall)
    by_article = claims.groupby("corpus_id")["n_sources"].max()
    assert by_article["a01"] == 3 and by_article["a05"] == 3
    assert by_article["a10"] == 1 and by_article["a11"] == 1  # one outlet twice: not corroborated
    assert by_article["a08"] == 1 and by_article["a04"] == 1  # another day; a denial

    # The map's popups carry the same count and the sources (c[10] of the popup's claim row).
    from geo.layers.claims import claim_layer
    from geo.mapping.claims import claim_parts

    layer = claim_layer(claims, store.claim_places_df(), store.mentions_df(), store.claim_disputes_df())
    rows = claim_parts(layer)[3]
    a01 = int(claims.loc[(claims["corpus_id"] == "a01") & (claims["n_sources"] == 3), "claim_id"].iloc[0])
    assert rows[a01][10] == "Reported by 3 sources: Baku Evening Post, Caspian Wire, Caucasus Ledger"
    a11 = int(claims.loc[claims["corpus_id"] == "a11", "claim_id"].iloc[0])
    assert rows[a11][10] == ""
    store.close()


# ------------------------------------------------------------------ the store

def _article(corpus_id: str, source: str, text: str, published: str = "2021-03-02") -> tuple[Article, ArticleAnalysis]:
    article = Article(id=corpus_id, text=text, source=source, url=f"https://example.org/{corpus_id}",
                      published=published, content_hash=content_hash(text))
    claim = Claim(claimant="Azerbaijan", claimant_text="The ministry", text=text, start=0, end=len(text),
                  date=published)
    return article, ArticleAnalysis(claims=[claim])


def test_store_round_trip_and_removal(store: Store) -> None:
    ids = [store.save_article(*_article(f"a{i}", src, text)).article_id
           for i, (src, text) in enumerate([("Wire A", BRIDGE_A), ("Wire B", BRIDGE_B), ("Wire C", BRIDGE_C),
                                            ("Wire A", TALKS)])]
    assert refresh_clusters(store) == 1
    claims = store.claims_df().set_index("corpus_id")
    assert claims.loc[["a0", "a1", "a2"], "n_sources"].tolist() == [3, 3, 3]
    assert claims.loc["a3", "n_sources"] == 1 and pd.isna(claims.loc["a3", "cluster_id"])
    members = store.claim_clusters_df()
    assert sorted(members["source"]) == ["Wire A", "Wire B", "Wire C"]
    assert set(members["url"]) == {"https://example.org/a0", "https://example.org/a1", "https://example.org/a2"}

    store.delete_article(ids[0])  # the members go with their claims; counts follow at once
    assert sorted(store.claims_df()["n_sources"]) == [1, 2, 2]
    store.delete_article(ids[1])  # a cluster of one source is dropped with it
    assert store.claim_clusters_df().empty and set(store.claims_df()["n_sources"]) == {1}
    assert store.claims_df()["cluster_id"].isna().all()
    refresh_clusters(store)  # and recomputing agrees
    assert store.claim_clusters_df().empty


def test_a_version_3_store_gets_the_cluster_tables(tmp_path: Path) -> None:
    path = tmp_path / "v3.sqlite"
    store = Store(path)
    store.save_article(*_article("a0", "Wire A", BRIDGE_A))
    store.close()
    conn = sqlite3.connect(path)  # back to version 3: as the code before clusters left it
    conn.executescript("DROP TABLE claim_cluster_members; DROP TABLE claim_clusters; PRAGMA user_version = 3;")
    conn.close()

    store = Store(path)
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION >= 4  # and any later step
    assert store.claims_df()["n_sources"].tolist() == [1] and store.claim_clusters_df().empty
    store.save_article(*_article("a1", "Wire B", BRIDGE_B))
    assert refresh_clusters(store) == 1
    store.close()


# ------------------------------------------------------------------ the filter

def test_min_sources_filter() -> None:
    claims = pd.DataFrame({"claim_id": [1, 2, 3], "text": ["x", "y", "z"], "n_sources": [1, 2, 3],
                           "source": ["A", "B", "C"]})
    assert filter_claims(claims, ViewState())["claim_id"].tolist() == [1, 2, 3]
    assert filter_claims(claims, ViewState(min_sources=2))["claim_id"].tolist() == [2, 3]
    assert filter_claims(claims.drop(columns="n_sources"), ViewState(min_sources=2)).empty  # one source each
    assert claim_filters_active(ViewState(min_sources=2)) and not claim_filters_active(ViewState())
    assert "reported by at least 2 sources" in explain_empty(ViewState(min_sources=2))


@pytest.mark.parametrize("value", ["0", "-1", "2.5", "abc", "51", "9" * 40, "<script>"])
def test_min_sources_link_values_are_validated(value: str) -> None:
    view, notes = parse_view({"min_sources": [value]}, Vocabulary())
    assert view.min_sources == 1 and len(notes) == 1 and "min_sources" in notes[0]


def test_min_sources_round_trips_through_the_link() -> None:
    view, notes = parse_view(to_query_params(ViewState(min_sources=3)), Vocabulary())
    assert view.min_sources == 3 and not notes
    assert "min_sources" not in to_query_params(ViewState())  # the default is left out


# ------------------------------------------------------------------ cluster disputes, popups, the page

def test_cluster_disputing_lifts_disputes_to_clusters() -> None:
    from geo.layers.claims import cluster_disputing

    clusters = pd.DataFrame({"cluster_id": [1, 1, 2, 2], "claim_id": [10, 11, 20, 21],
                             "source": ["A", "B", "C", "D"], "url": [""] * 4})
    disputes = pd.DataFrame({"claim_id": [11], "disputed_by": ["Armenia"], "disputing_claim_id": [20]})
    assert cluster_disputing(10, clusters, disputes) == [20, 21]  # 10 itself was not disputed: 11 was
    assert cluster_disputing(20, clusters, disputes) == []  # the link is one way here
    assert cluster_disputing(30, clusters, disputes) == []  # in no cluster, not disputed


def test_popup_and_page_html_escape_source_names() -> None:
    from geo.app.html import corroboration_html
    from geo.mapping.claims import sources_line

    evil = "<img src=x onerror=alert(1)>"
    line = sources_line(2, f"Wire A|{evil}")
    assert line.startswith("Reported by 2 sources: Wire A, ") and "<img" not in line and "&lt;img" in line
    assert sources_line(1, "Wire A") == "" and sources_line(None, None) == ""
    members = pd.DataFrame({"cluster_id": [1, 1], "claim_id": [3, 4], "source": ["Wire A", evil],
                            "url": ["https://a.example/1", "javascript:alert(1)"]})
    html = corroboration_html(3, members, [7])
    assert "Reported by <b>2 sources</b>" in html and "<img" not in html and "javascript:" not in html
    assert "claim #7" in html and 'href="https://a.example/1"' in html
    assert "Reported by 1 source" in corroboration_html(3, members.iloc[0:0])


@pytest.mark.integration
def test_claims_page_shows_sources_and_filters_by_them(tmp_path, monkeypatch, pipeline, session_settings) -> None:
    from streamlit.testing.v1 import AppTest

    from geo.config import PROJECT_ROOT
    from geo.text.corpus import read_corpus

    articles, _ = read_corpus(CORPUS, session_settings)
    path = tmp_path / "app.sqlite"
    pipeline.ingest(articles, Store(path))
    monkeypatch.setenv("CLAIM_ATLAS_DB", str(path))
    claims = Store(path).claims_df()
    clustered = int(claims.loc[claims["n_sources"] == 3, "claim_id"].iloc[0])

    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.query_params["min_sources"] = "3"
    at.query_params["claim"] = str(clustered)
    at.switch_page("pages/claims.py").run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    assert len(table) == int((claims["n_sources"] >= 3).sum()) and (table["n_sources"] >= 3).all()
    assert at.sidebar.number_input(key="min_sources").value == 3
    html = "\n".join(h.value for h in at.get("html"))
    assert "Reported by <b>3 sources</b>" in html
    members = Store(path).claim_clusters_df()
    mine = members.loc[members["cluster_id"] == members.loc[members["claim_id"] == clustered, "cluster_id"].iloc[0]]
    for source in set(mine["source"]):
        assert f"<b>{source}</b>" in html

    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.query_params["min_sources"] = "abc"  # a hostile value: ignored, with a note
    at.switch_page("pages/claims.py").run()
    assert not at.exception and len(at.dataframe[0].value) == len(claims)


def test_blocked_clustering_finds_what_comparing_every_pair_finds() -> None:
    """Blocks by place and steps over runs of one source (a long article's thousands of claims of
    one day are never compared with each other) and still find every pair ``same_claim`` finds."""
    import random

    from geo.claims.corroboration import ClaimRecord, cluster_claims, same_claim

    rng = random.Random(5)
    texts = ["troops shelled the village at dawn", "the army shelled the village at dawn",
             "a ceasefire was agreed in the capital", "talks on a ceasefire were agreed", "aid reached the town"]
    records = [ClaimRecord(claim_id=i, source=rng.choice(["A", "B", "C", "Long"] + ["Long"] * 4),
                           claimant=rng.choice(["army", "ministry"]), text=rng.choice(texts),
                           date=f"2020-10-{rng.randint(1, 9):02d}", stance=rng.choice(["assert", "assert", "deny"]),
                           place_keys=frozenset(rng.sample(["p1", "p2", "p3"], rng.randint(0, 2))))
               for i in range(400)]
    parent = {r.claim_id: r.claim_id for r in records}

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for i, a in enumerate(records):
        for b in records[i + 1:]:
            if same_claim(a, b):
                parent[find(a.claim_id)] = find(b.claim_id)
    groups: dict[int, list[int]] = {}
    for r in records:
        groups.setdefault(find(r.claim_id), []).append(r.claim_id)
    expected = sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: g[0])
    assert expected and cluster_claims(records) == expected
