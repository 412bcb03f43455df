"""The SQLite store (geo/store.py): round trips, duplicates, updates, atomicity, reads."""

from __future__ import annotations

import json
import sqlite3
import threading

import pandas as pd
import pytest

from geo.model import Article, ArticleAnalysis, Candidate, Mention, Place
from geo.store.sqlite import Store
from geo.text.corpus import content_hash

KHOJAVEND = Place(key="geonames:146969", name="Khojavend", lat=39.79496, lon=47.1117, country="AZ",
                  population=3700, source="geonames")
YEREVAN = Place(key="geonames:616052", name="Yerevan", lat=40.17720, lon=44.50349, country="AM",
                population=1093485, is_capital=True, source="geonames")
BORDER = Place(key="ref:border:AZ-IR", name="Azerbaijan–Iran border", lat=39.4, lon=48.3, feature_type="border",
               country="AZ", geometry={"type": "LineString", "coordinates": [[46.0, 38.9], [48.0, 39.5]]},
               source="naturalearth-borders")

TEXT = ("Officials in Yerevan said shells hit the town of Martooni overnight. "
        "Troops also moved along the border with Iran. The Minsk Group called for calm.")


def make_article(text: str = TEXT, corpus_id: str = "a1", source: str = "Test Wire", **kw) -> Article:
    return Article(id=corpus_id, text=text, source=source, url=kw.pop("url", "https://example.org/a1"),
                   published=kw.pop("published", "2021-05-04"), title=kw.pop("title", "Shelling reported"),
                   file=kw.pop("file", f"{corpus_id}.txt"), content_hash=content_hash(text), **kw)


def mention(text: str, surface: str, place: Place | None, *, confidence: float = 0.9, precision: int | None = 1,
            **kw) -> Mention:
    start = text.index(surface)
    sent_start = text.rfind(". ", 0, start)
    sent_start = 0 if sent_start < 0 else sent_start + 2
    sent_end = text.find(".", start) + 1
    m = Mention(start=start, end=start + len(surface), text=surface, sentence_start=sent_start,
                sentence_end=sent_end, place=place, confidence=confidence if place else 0.0,
                precision=precision if place else None, **kw)
    if place is not None:
        m.candidates = [Candidate(place=place, match="name", name_score=1.0, score=0.8)]
    return m


def make_analysis(text: str = TEXT) -> ArticleAnalysis:
    return ArticleAnalysis(mentions=[
        mention(text, "Yerevan", YEREVAN),
        mention(text, "Martooni", KHOJAVEND, confidence=0.74, runner_up=YEREVAN, runner_up_confidence=0.1),
        mention(text, "border with Iran", BORDER, precision=5, method="feature"),
        mention(text, "Minsk", None, not_a_place=True, metonymy_reason="part of the name 'the Minsk Group'"),
    ])


def row_counts(store: Store) -> dict[str, int]:
    return {t: store.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("articles", "mentions", "places", "claims")}


# --------------------------------------------------------------------------- round trip


def test_new_store_is_empty(store: Store) -> None:
    assert store.counts() == {"articles": 0, "sources": 0, "mentions": 0, "resolved": 0, "metonymic": 0,
                              "places": 0, "claims": 0}
    assert not store.has_articles()
    assert store.articles_df().empty
    assert store.mentions_df().empty
    assert store.date_span() == (None, None)


def test_save_and_read_back(store: Store) -> None:
    article = make_article()
    result = store.save_article(article, make_analysis(), pipeline_version="t1")
    assert result.status == "added"
    assert result.article_id is not None
    assert (result.mentions, result.resolved, result.claims) == (4, 3, 0)

    stored = store.article(result.article_id)
    assert stored["corpus_id"] == "a1" and stored["text"] == TEXT
    assert stored["published"] == "2021-05-04" and stored["source"] == "Test Wire"
    assert store.article(999_999) is None

    arts = store.articles_df()
    assert list(arts["corpus_id"]) == ["a1"]
    assert arts.loc[0, "mentions"] == 3 and arts.loc[0, "resolved"] == 3  # not_a_place is not counted
    assert "text" not in arts.columns and "text" in store.articles_df(with_text=True).columns


def test_mentions_df(store: Store) -> None:
    result = store.save_article(make_article(), make_analysis())
    df = store.mentions_df(result.article_id)
    assert list(df["text"]) == ["Yerevan", "Martooni", "border with Iran", "Minsk"]
    for _, row in df.iterrows():
        assert TEXT[row["start"]:row["end"]] == row["text"]
        assert row["text"] in row["sentence"]  # the sentence is a substring of the article
        assert row["sentence"] in TEXT
    by_text = df.set_index("text")
    assert by_text.loc["Martooni", "place_key"] == KHOJAVEND.key
    assert by_text.loc["Martooni", "lat"] == pytest.approx(KHOJAVEND.lat)
    assert by_text.loc["Martooni", "runner_up_key"] == YEREVAN.key
    assert by_text.loc["Martooni", "sentence"] == "Officials in Yerevan said shells hit the town of Martooni overnight."
    assert by_text.loc["Minsk", "not_a_place"] == 1 and pd.isna(by_text.loc["Minsk", "place_key"])
    geometry = json.loads(by_text.loc["border with Iran", "geometry"])
    assert geometry["type"] == "LineString"
    cands = json.loads(by_text.loc["Yerevan", "candidates"])
    assert cands[0]["key"] == YEREVAN.key
    assert len(store.mentions_df()) == 4


def test_counts(store: Store) -> None:
    store.save_article(make_article(), make_analysis())
    other = TEXT.replace("overnight", "on Sunday")
    analysis = make_analysis(other)
    analysis.mentions[0].metonymic = True
    store.save_article(make_article(other, corpus_id="a2", source="Other Paper", published="2021-05-09"), analysis)
    assert store.counts() == {"articles": 2, "sources": 2, "mentions": 6, "resolved": 6, "metonymic": 1,
                              "places": 3, "claims": 0}
    assert store.has_articles()
    assert store.date_span() == ("2021-05-04", "2021-05-09")


def test_places_are_shared_between_articles(store: Store) -> None:
    store.save_article(make_article(), make_analysis())
    other = TEXT + " More later."
    store.save_article(make_article(other, corpus_id="a2"), make_analysis(other))
    assert row_counts(store)["places"] == 3


# --------------------------------------------------------------------------- duplicates and updates


def test_duplicate_content_changes_nothing(store: Store) -> None:
    first = store.save_article(make_article(), make_analysis())
    version, counts = store.data_version(), row_counts(store)
    # Same text under another id and file: still the same article.
    again = store.save_article(make_article(corpus_id="copy", file="copy.txt"), make_analysis())
    assert again.status == "duplicate"
    assert again.article_id == first.article_id
    assert "a1" in again.message
    assert store.data_version() == version
    assert row_counts(store) == counts
    assert store.find_by_hash(content_hash(TEXT)) == (first.article_id, "a1")


def test_same_id_with_new_content_replaces_the_old_version(store: Store) -> None:
    first = store.save_article(make_article(), make_analysis())
    version = store.data_version()
    new_text = "Officials in Yerevan said the night was quiet. The Minsk Group welcomed the calm."
    new = make_article(new_text)
    analysis = ArticleAnalysis(mentions=[mention(new_text, "Yerevan", YEREVAN)])
    result = store.save_article(new, analysis)
    assert result.status == "updated"
    assert result.article_id != first.article_id
    assert store.data_version() > version
    assert store.article(first.article_id) is None
    assert store.counts()["articles"] == 1
    df = store.mentions_df()
    assert list(df["text"]) == ["Yerevan"]  # the old mentions went with the old version
    assert set(df["article_id"]) == {result.article_id}
    assert row_counts(store)["mentions"] == 1
    assert store.find_by_hash(content_hash(TEXT)) is None


def test_same_id_from_another_source_is_another_article(store: Store) -> None:
    store.save_article(make_article(), make_analysis())
    other = TEXT + " (updated)"
    result = store.save_article(make_article(other, source="Another Wire"), make_analysis(other))
    assert result.status == "added"
    assert store.counts()["articles"] == 2


def test_every_write_bumps_data_version(store: Store) -> None:
    v0 = store.data_version()
    r = store.save_article(make_article(), make_analysis())
    v1 = store.data_version()
    assert v1 > v0
    store.delete_article(r.article_id)
    assert store.data_version() > v1
    assert row_counts(store)["articles"] == 0 and row_counts(store)["mentions"] == 0


# --------------------------------------------------------------------------- atomicity


def crash_after_mentions(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on (until ``monkeypatch`` undoes it), saving an article fails inside its transaction once its mentions (and claims) are written:
    the last step, linking disputes across articles, raises."""

    def crash(conn: sqlite3.Connection, article_id: int) -> None:
        assert conn.execute("SELECT COUNT(*) FROM mentions WHERE article_id=?", (article_id,)).fetchone()[0] > 0
        raise RuntimeError("simulated crash after mentions were written")

    monkeypatch.setattr(Store, "_link_cross_article_disputes", staticmethod(crash))


def test_crash_mid_ingest_leaves_nothing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    version, counts = store.data_version(), row_counts(store)
    with monkeypatch.context() as patch:
        crash_after_mentions(patch)
        with pytest.raises(RuntimeError, match="simulated crash"):
            store.save_article(make_article(), make_analysis())
    assert row_counts(store) == counts == {"articles": 0, "mentions": 0, "places": 0, "claims": 0}
    assert store.data_version() == version
    # The store still works, and the article can be ingested afterwards.
    assert store.save_article(make_article(), make_analysis()).status == "added"


def test_crash_during_update_keeps_the_old_version(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    first = store.save_article(make_article(), make_analysis())
    new_text = TEXT.replace("overnight", "at dawn")
    with monkeypatch.context() as patch:
        crash_after_mentions(patch)
        with pytest.raises(RuntimeError, match="simulated crash"):
            store.save_article(make_article(new_text), make_analysis(new_text))
    assert store.article(first.article_id)["text"] == TEXT
    assert len(store.mentions_df()) == 4


def test_crash_is_invisible_to_another_connection(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    crash_after_mentions(monkeypatch)
    with pytest.raises(RuntimeError, match="simulated crash"):
        store.save_article(make_article(), make_analysis())
    other = sqlite3.connect(store.path)
    try:
        assert other.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 0
        assert other.execute("SELECT COUNT(*) FROM mentions").fetchone()[0] == 0
    finally:
        other.close()


def test_reopen_keeps_data(tmp_path) -> None:
    path = tmp_path / "reopen.sqlite"
    s1 = Store(path)
    s1.save_article(make_article(), make_analysis())
    s1.close()
    s2 = Store(path)
    try:
        assert s2.counts()["articles"] == 1
        assert len(s2.mentions_df()) == 4
    finally:
        s2.close()


def test_opening_a_store_does_not_bump_data_version(tmp_path) -> None:
    path = tmp_path / "reopen.sqlite"
    s1 = Store(path)
    s1.save_article(make_article(), make_analysis())
    version = s1.data_version()
    s1.close()
    s2 = Store(path)
    try:
        assert s2.data_version() == version
    finally:
        s2.close()


def test_concurrent_writers_from_threads(store: Store) -> None:
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            text = f"{TEXT} Report number {i}."
            store.save_article(make_article(text, corpus_id=f"t{i}"), make_analysis(text))
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.counts()["articles"] == 8
    assert row_counts(store)["mentions"] == 32


def test_tests_cannot_open_the_developers_store() -> None:
    from geo.config import PROJECT_ROOT

    with pytest.raises(RuntimeError, match="developer's store"):
        Store(PROJECT_ROOT / "var" / "claim_atlas.sqlite")


@pytest.mark.integration
def test_cross_article_disputes_are_linked_both_ways_with_their_claims(tmp_path, pipeline) -> None:
    """An assertion and a denial about the same place and date, in two articles."""
    from geo.model import Article
    from geo.store.sqlite import Store
    from geo.text.corpus import content_hash

    store = Store(tmp_path / "disputes.sqlite")
    texts = {
        "a": "Armenia's defence ministry said on Friday that the town of Martuni in the Karabakh region "
             "was shelled overnight.",
        "b": "Azerbaijan's defence ministry on Friday denied shelling the town of Martuni in the Karabakh region.",
    }
    articles = [Article(id=k, text=v, published="2020-10-24", source=f"S-{k}", content_hash=content_hash(v))
                for k, v in texts.items()]
    pipeline.ingest(articles, store)
    claims = store.claims_df().set_index("claim_id")
    disputes = store.claim_disputes_df()
    assert set(claims["stance"]) == {"assert", "deny"}
    assert len(disputes) == 2 and disputes["disputing_claim_id"].notna().all()
    for _, row in disputes.iterrows():
        assert claims.loc[row["disputing_claim_id"], "claimant"] == row["disputed_by"]


@pytest.mark.integration
@pytest.mark.parametrize(("second", "why"), [
    ("Azerbaijan's defence ministry on Monday denied shelling the town of Martuni in the Karabakh region.",
     "another day"),
    ("Azerbaijan's defence ministry said on Friday that the town of Martuni in the Karabakh region was shelled.",
     "the same stance"),
    ("Azerbaijan's defence ministry on Friday denied shelling the town of Hadrut near the Iranian border.",
     "another place"),
])
def test_no_cross_article_dispute_without_same_place_day_and_opposite_stance(tmp_path, pipeline, second: str,
                                                                             why: str) -> None:
    from geo.model import Article
    from geo.store.sqlite import Store
    from geo.text.corpus import content_hash

    store = Store(tmp_path / "disputes.sqlite")
    first = ("Armenia's defence ministry said on Friday that the town of Martuni in the Karabakh region "
             "was shelled overnight.")
    articles = [Article(id=k, text=v, published="2020-10-24", source=f"S-{k}", content_hash=content_hash(v))
                for k, v in {"a": first, "b": second}.items()]
    pipeline.ingest(articles, store)
    assert len(store.claims_df()) == 2, why
    disputes = store.claim_disputes_df()
    assert disputes.empty or disputes["disputing_claim_id"].isna().all(), why


def test_dispute_linking_reads_only_the_days_claims_of_the_opposite_stance(tmp_path) -> None:
    """The linking query is served by the (date, stance) index, so a day full of assertions
    costs nothing to an article that only asserts (it was read claim by claim before)."""
    import sqlite3

    from geo.store.schema import CROSS_ARTICLE_DISPUTES_SQL
    from geo.store.sqlite import Store

    store = Store(tmp_path / "plan.sqlite")
    plan = " | ".join(row[3] for row in store.conn.execute("EXPLAIN QUERY PLAN " + CROSS_ARTICLE_DISPUTES_SQL, (1, 1)))
    # the article's own claims of the day are skipped by the index too (two ranges of its id)
    assert "SEARCH b USING INDEX claims_date_stance_article (date=? AND stance=? AND article_id<?)" in plan, plan
    assert "SEARCH b USING INDEX claims_date_stance_article (date=? AND stance=? AND article_id>?)" in plan, plan
    store.close()
    # A store made before the index replaced the date-only one (a legacy, version-2 store: no
    # user_version, the marker in meta) loses the old index on opening.
    old = tmp_path / "old.sqlite"
    Store(old).close()
    with sqlite3.connect(old) as conn:
        conn.execute("DROP INDEX claims_date_stance_article")
        conn.execute("CREATE INDEX claims_date ON claims(date)")
        conn.execute("INSERT INTO meta VALUES ('schema_version', '2')")
        conn.execute("PRAGMA user_version = 0")
    store = Store(old)
    names = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "claims_date_stance_article" in names and "claims_date" not in names
    assert "claims_date_stance" not in names
