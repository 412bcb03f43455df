"""Analysts' corrections (geo/corrections.py, Store corrections tables, the pipeline hook).

A correction is keyed by (normalised name, context); it applies at once to every stored mention of
that name in that context, to articles ingested later, survives re-ingestion, and undo restores
each mention's own original resolution.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from geo.layers.places import place_layer
from geo.model import Article, Mention, Place
from geo.store import corrections as corr
from geo.store.sqlite import Store
from geo.text.corpus import content_hash, read_corpus

KHOJAVEND = "geonames:146969"
MARTUNI_AM = "geonames:616438"  # Martuni, Gegharkunik (Armenia): the runner-up of "Martouni"
RESOLUTION = ["place_key", "confidence", "precision", "runner_up_key", "runner_up_confidence"]

AZ_TEXT = ("Azerbaijan said on Tuesday that its forces had taken positions near Martouni. "
           "The Azerbaijani defence ministry said Azerbaijan would not stop. Officials in Azerbaijan "
           "repeated the claim on Wednesday.")
AM_TEXT = ("Armenia said on Tuesday that the town of Martouni in Armenia was calm. The Armenian government "
           "said Armenia would send aid, and Armenian officials repeated it on Wednesday.")


def _article(text: str, art_id: str, source: str = "Test Wire") -> Article:
    return Article(id=art_id, text=text, source=source, published="2020-10-28", title=art_id, file=f"{art_id}.txt",
                   content_hash=content_hash(text))


@pytest.fixture
def corpus(pipeline, store: Store, bundled_corpus: Path) -> Store:
    articles, errors = read_corpus(bundled_corpus)
    assert not errors
    assert [r.status for r in pipeline.ingest(articles, store)] == ["added", "added"]
    return store


def mention_id(store: Store, text: str, article_id: int | None = None) -> int:
    df = store.mentions_df(article_id)
    return int(df.loc[df["text"] == text, "mention_id"].iloc[0])


def resolution(store: Store, mid: int) -> dict:
    df = store.mentions_df().set_index("mention_id")
    return {k: (None if df.loc[mid, k] != df.loc[mid, k] else df.loc[mid, k]) for k in RESOLUTION}


# --------------------------------------------------------------------------- context


def test_article_context_is_the_focus_country(gazetteer):
    assert corr.article_context(AZ_TEXT, ["Azerbaijan", "Martouni", "Azerbaijan", "Azerbaijan"], gazetteer) == "AZ"
    assert corr.article_context(AM_TEXT, ["Armenia", "Martouni", "Armenia", "Armenia"], gazetteer) == "AM"
    assert corr.article_context("Nothing about any country here.", [], gazetteer) == corr.GLOBAL
    # A tie between two countries has no single focus.
    assert corr.article_context("Armenian and Azerbaijani officials met.", [], gazetteer) == corr.GLOBAL
    assert corr.context_label("AZ", gazetteer) == "Azerbaijan (AZ)"
    assert corr.context_label(corr.GLOBAL).startswith("global")


@pytest.mark.integration
def test_context_of_stored_articles_matches_ingest(corpus: Store, real_gazetteer):
    for aid, (text, names) in corpus.article_mention_texts([1, 2]).items():
        assert corr.article_context(text, names, real_gazetteer) == "AZ", aid


def test_pick_correction_prefers_the_articles_own_context():
    glob = {"id": 1, "context": corr.GLOBAL}
    az = {"id": 2, "context": "AZ"}
    assert corr.pick_correction([glob, az], "AZ") is az
    assert corr.pick_correction([glob, az], "AM") is glob
    assert corr.pick_correction([az], "AM") is None
    assert corr.pick_correction([], "AZ") is None


# --------------------------------------------------------------------------- making and undoing


@pytest.mark.integration
def test_choosing_a_candidate_changes_that_name_in_that_context_at_once(corpus: Store, real_gazetteer):
    store = corpus
    martouni, martoni = mention_id(store, "Martouni"), mention_id(store, "Martoni")
    before = resolution(store, martouni)
    assert before["place_key"] == KHOJAVEND and before["runner_up_key"] == MARTUNI_AM
    other = resolution(store, martoni)
    version = store.data_version()
    cid = corr.choose_candidate(store, real_gazetteer, martouni, MARTUNI_AM, analyst="Ana Analyst",
                                note="The Armenian town, not the Karabakh one")
    assert store.data_version() > version
    after = resolution(store, martouni)
    assert after["place_key"] == MARTUNI_AM
    assert after["confidence"] == 1.0 and after["precision"] == 1
    assert after["runner_up_key"] == KHOJAVEND  # the runner-up was chosen: the former choice takes its place
    assert resolution(store, martoni) == other  # "Martoni" is another name
    assert MARTUNI_AM in set(place_layer(store.mentions_df())["place_key"])

    rec = store.correction(cid)
    assert (rec["name_norm"], rec["context"], rec["kind"], rec["status"]) == ("martouni", "AZ", "candidate", "active")
    assert (rec["analyst"], rec["note"]) == ("Ana Analyst", "The Armenian town, not the Karabakh one")
    assert rec["created_at"] and rec["original"]["place_key"] == KHOJAVEND
    assert rec["original"]["confidence"] == pytest.approx(before["confidence"])
    log = store.corrections_df()
    assert log.loc[0, "mentions"] == 1 and log.loc[0, "articles"] == 1

    corr.undo_correction(store, real_gazetteer, cid, analyst="Bo")
    assert resolution(store, martouni) == before
    rec = store.correction(cid)
    assert (rec["status"], rec["undone_by"]) == ("undone", "Bo") and rec["undone_at"]
    assert store.corrected_mentions_df().empty
    with pytest.raises(ValueError, match="not in force"):
        corr.undo_correction(store, real_gazetteer, cid)


@pytest.mark.integration
def test_corrections_apply_to_new_articles_and_undo_restores_each(corpus: Store, pipeline, real_gazetteer):
    store = corpus
    martouni = mention_id(store, "Martouni")
    cid = corr.choose_candidate(store, real_gazetteer, martouni, MARTUNI_AM, analyst="ana", note="checked")
    # A new article of the same context: its "Martóuni" (the same name once normalised) is corrected.
    text = AZ_TEXT.replace("Martouni", "Martóuni")
    [result] = pipeline.ingest([_article(text, "az-new")], store)
    assert result.status == "added"
    new_mid = mention_id(store, "Martóuni", result.article_id)
    assert resolution(store, new_mid)["place_key"] == MARTUNI_AM
    assert resolution(store, new_mid)["confidence"] == 1.0
    assert store.corrections_df().loc[0, "mentions"] == 2
    # A new article about Armenia is another context: untouched by the AZ correction.
    [am] = pipeline.ingest([_article(AM_TEXT, "am-new")], store)
    am_mid = mention_id(store, "Martouni", am.article_id)
    assert corr.mention_context(store, real_gazetteer, am_mid) == "AM"
    am_before = resolution(store, am_mid)
    assert store.corrected_mentions_df()["mention_id"].tolist() == sorted([martouni, new_mid])

    # Re-ingesting the same content is a duplicate: nothing changes, the corrections stay.
    again = pipeline.ingest([_article(text, "az-new"), _article(AM_TEXT, "am-new")], store)
    assert [r.status for r in again] == ["duplicate", "duplicate"]
    assert resolution(store, new_mid)["place_key"] == MARTUNI_AM

    # Undo: each mention gets its own original back (what the pipeline chose for it).
    new_original = store.corrected_mentions_df().set_index("mention_id").loc[new_mid, "original_place_key"]
    corr.undo_correction(store, real_gazetteer, cid, analyst="ana")
    assert resolution(store, martouni)["place_key"] == KHOJAVEND
    assert resolution(store, new_mid)["place_key"] == new_original
    assert resolution(store, am_mid) == am_before


@pytest.mark.integration
def test_an_updated_article_gets_the_correction(corpus: Store, pipeline, real_gazetteer, bundled_corpus: Path):
    store = corpus
    martouni = mention_id(store, "Martouni")
    corr.choose_candidate(store, real_gazetteer, martouni, MARTUNI_AM, analyst="ana", note="checked")
    articles, _ = read_corpus(bundled_corpus)
    changed = next(a for a in articles if "Martouni" in a.text)
    changed.text += "\n\nMore shelling was reported near Martouni on Saturday, Azerbaijan said."
    changed.content_hash = content_hash(changed.text)
    [result] = pipeline.ingest([changed], store)
    assert result.status == "updated"
    df = store.mentions_df(result.article_id)
    ids = df.loc[df["text"] == "Martouni", "mention_id"].astype(int).tolist()
    assert len(ids) == 2
    assert all(resolution(store, i)["place_key"] == MARTUNI_AM for i in ids)
    assert store.corrections_df().loc[0, "mentions"] == 2  # the old version's rows went with it


@pytest.mark.integration
def test_global_and_context_corrections(corpus: Store, pipeline, real_gazetteer):
    store = corpus
    [am] = pipeline.ingest([_article(AM_TEXT, "am-new")], store)
    am_mid = mention_id(store, "Martouni", am.article_id)
    az_mid = mention_id(store, "Martouni")
    az_before, am_before = resolution(store, az_mid), resolution(store, am_mid)

    glob = corr.choose_candidate(store, real_gazetteer, am_mid, "geonames:616437", analyst="ana", note="global",
                                 scope=corr.GLOBAL)
    assert store.correction(glob)["context"] == corr.GLOBAL
    assert resolution(store, am_mid)["place_key"] == "geonames:616437"
    assert resolution(store, az_mid)["place_key"] == "geonames:616437"

    own = corr.choose_candidate(store, real_gazetteer, az_mid, KHOJAVEND, analyst="ana", note="Karabakh town")
    assert resolution(store, az_mid)["place_key"] == KHOJAVEND  # its own context wins
    assert resolution(store, am_mid)["place_key"] == "geonames:616437"

    corr.undo_correction(store, real_gazetteer, own)
    assert resolution(store, az_mid)["place_key"] == "geonames:616437"  # back to the global one
    corr.undo_correction(store, real_gazetteer, glob)
    assert resolution(store, az_mid) == az_before
    assert resolution(store, am_mid) == am_before


@pytest.mark.integration
def test_a_new_correction_supersedes_the_old_one_of_the_same_key(corpus: Store, real_gazetteer):
    store = corpus
    mid = mention_id(store, "Martouni")
    before = resolution(store, mid)
    first = corr.choose_candidate(store, real_gazetteer, mid, MARTUNI_AM, analyst="ana", note="first")
    second = corr.choose_candidate(store, real_gazetteer, mid, "geonames:616437", analyst="bo", note="second")
    assert store.correction(first)["status"] == "superseded"
    assert resolution(store, mid)["place_key"] == "geonames:616437"
    assert store.correction(second)["original"]["place_key"] == MARTUNI_AM  # what the analyst saw
    assert [c["id"] for c in store.active_corrections()] == [second]
    corr.undo_correction(store, real_gazetteer, second)
    assert resolution(store, mid) == before  # the pipeline's own resolution, not the first correction


@pytest.mark.integration
def test_coordinates_by_hand(corpus: Store, real_gazetteer):
    store = corpus
    mid = mention_id(store, "Martouni")
    cid = corr.set_coordinates(store, real_gazetteer, mid, 39.8, 47.0, name="Martuni (Karabakh)",
                               feature_type="settlement", country="az", analyst="ana", note="from a map")
    rec = store.correction(cid)
    assert rec["kind"] == "coordinates" and rec["place_key"] == "manual:39.80000_47.00000:martuni-karabakh"
    assert re.fullmatch(r"[\w:.~\-]{1,120}", rec["place_key"])  # fits a shared link's place=
    df = store.mentions_df().set_index("mention_id")
    assert (df.loc[mid, "place_name"], df.loc[mid, "lat"], df.loc[mid, "lon"]) == ("Martuni (Karabakh)", 39.8, 47.0)
    assert df.loc[mid, "country"] == "AZ"
    places = place_layer(store.mentions_df()).set_index("place_key")
    point = places.loc[rec["place_key"], "geometry"]
    assert (point.x, point.y) == (47.0, 39.8)


@pytest.mark.parametrize("lat, lon, message", [
    (91, 0, "latitude"), (-90.5, 0, "latitude"), (0, 180.01, "longitude"), (0, -181, "longitude"),
    (float("nan"), 0, "latitude"), ("north", 0, "numbers"), (None, 1, "numbers"),
])
def test_coordinates_are_validated(lat, lon, message):
    with pytest.raises(ValueError, match=message):
        corr.validate_coordinates(lat, lon)


def test_coordinate_bounds_are_accepted():
    assert corr.validate_coordinates(-90, 180) == (-90.0, 180.0)
    assert corr.validate_coordinates("40.5", "-3.25") == (40.5, -3.25)


@pytest.mark.integration
def test_bad_corrections_are_refused_and_change_nothing(corpus: Store, real_gazetteer):
    store = corpus
    mid = mention_id(store, "Martouni")
    version = store.data_version()
    with pytest.raises(ValueError, match="analyst"):
        corr.choose_candidate(store, real_gazetteer, mid, MARTUNI_AM, analyst="  ", note="x")
    with pytest.raises(ValueError, match="note"):
        corr.choose_candidate(store, real_gazetteer, mid, MARTUNI_AM, analyst="ana", note="")
    with pytest.raises(ValueError, match="unknown place"):
        corr.choose_candidate(store, real_gazetteer, mid, "geonames:does-not-exist", analyst="ana", note="x")
    with pytest.raises(ValueError, match="out of range"):
        corr.set_coordinates(store, real_gazetteer, mid, 123, 0, analyst="ana", note="x")
    minsk = mention_id(store, "Minsk")
    with pytest.raises(ValueError, match="not a place"):
        corr.choose_candidate(store, real_gazetteer, minsk, MARTUNI_AM, analyst="ana", note="x")
    with pytest.raises(ValueError, match="no mention"):
        corr.choose_candidate(store, real_gazetteer, 999999, MARTUNI_AM, analyst="ana", note="x")
    assert store.data_version() == version
    assert store.corrections_df().empty


@pytest.mark.integration
def test_mention_candidates_lists_current_runner_up_stored_and_gazetteer(corpus: Store, real_gazetteer):
    store = corpus
    rec = store.mention(mention_id(store, "Martouni"))
    options = corr.mention_candidates(rec, real_gazetteer, "Yerevan")
    by_key = {o["key"]: o for o in options}
    assert options[0]["key"] == KHOJAVEND and options[0]["origin"] == "current"
    assert by_key[MARTUNI_AM]["origin"] == "runner-up"
    stored = {c["key"] for c in json.loads(rec["candidates"])}
    assert stored <= set(by_key)
    assert by_key["geonames:616052"]["origin"] == "gazetteer"  # Yerevan, from the search
    assert len(options) == len(by_key)  # each place once


@pytest.mark.integration
def test_preview_counts_what_a_correction_covers(corpus: Store, real_gazetteer):
    store = corpus
    info = corr.preview(store, real_gazetteer, mention_id(store, "Azerbaijan"))
    assert info["name_norm"] == "azerbaijan" and info["context"] == "AZ"
    total = int((store.mentions_df()["text"] == "Azerbaijan").sum())
    assert info["context_mentions"] == info["global_mentions"] == total
    assert info["context_articles"] == info["global_articles"] == 2


def test_apply_corrections_in_memory_records_the_original(gazetteer):
    khojavend = Place(key=KHOJAVEND, name="Khojavend", lat=39.79, lon=47.11, country="AZ")
    target = Place(key=MARTUNI_AM, name="Martuni", lat=40.14, lon=45.30, country="AM")
    m = Mention(start=0, end=8, text="Martouni", place=khojavend, confidence=0.8, precision=1, runner_up=target,
                runner_up_confidence=0.2)
    gone = Mention(start=10, end=15, text="Minsk", not_a_place=True)
    fix = corr.Correction(id=7, name_norm="martouni", context="AZ", kind="candidate", place=target, precision=1)
    applied = corr.apply_corrections(AZ_TEXT, [m, gone], [fix], gazetteer)
    assert applied == {id(m): (7, {"place": khojavend, "confidence": 0.8, "precision": 1, "runner_up": target,
                                   "runner_up_confidence": 0.2})}
    assert (m.place, m.confidence, m.runner_up, m.runner_up_confidence) == (target, 1.0, khojavend, 0.8)
    assert corr.apply_corrections(AZ_TEXT, [m], [], gazetteer) == {}
