"""The Places page (pages/places.py), run headless with AppTest through app.py: the place table,
reviewing a mention, making a correction (it changes the store and the map's places at once and
survives re-ingestion through the CLI), the corrections list with Undo, and the export buttons."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

import geo.app
from geo.cli import main as cli
from geo.config import PROJECT_ROOT
from geo.store.sqlite import Store

#: Every test reads the bundled corpus ingested with the model.
pytestmark = pytest.mark.integration

APP = str(PROJECT_ROOT / "app.py")
PAGE = "pages/places.py"
TIMEOUT = 120
KHOJAVEND = "geonames:146969"
MARTUNI_AM = "geonames:616438"


def open_page(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Places"
    return at


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def mention_of(store: Store, text: str) -> dict:
    df = store.mentions_df()
    return df.loc[df["text"] == text].iloc[0].to_dict()


def select_mention(at: AppTest, place_key: str, mention_id: int) -> AppTest:
    at.selectbox(key="places_place").set_value(place_key)
    run(at)
    at.selectbox(key="places_mention").set_value(mention_id)
    return run(at)


def save(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Save correction").click()
    return run(at)


def map_places() -> set[str]:
    return set(geo.app.load_places(geo.app.data_version())["place_key"])


def test_page_lists_places_with_their_resolution(db):
    at = open_page()
    table = at.dataframe[0].value
    assert {"place", "mentions", "articles", "written_as", "mean_confidence", "precision", "runner_up",
            "corrected"} <= set(table.columns)
    row = table.set_index("key").loc[KHOJAVEND]
    assert (row["place"], row["mentions"], row["articles"]) == ("Khojavend", 2, 1)
    assert row["written_as"] == "Martoni; Martouni"
    assert row["precision"] == "settlement"
    assert "Minsk" not in set(table["written_as"])  # not a place: left out
    assert "No correction yet." in [i.value for i in at.info]
    labels = [d.label for d in at.get("download_button")]
    assert {"GeoJSON (places)", "CSV (mentions)", "GeoPackage", "HTML map (offline)"} <= set(labels)


def test_query_param_selects_a_place_and_its_candidates_are_listed(db):
    at = open_page({"place": KHOJAVEND})
    assert at.selectbox(key="places_place").value == KHOJAVEND
    mentions = at.dataframe[1].value
    assert set(mentions["text"]) == {"Martouni", "Martoni"}
    store = Store(db)
    martouni = int(mention_of(store, "Martouni")["mention_id"])
    select_mention(at, KHOJAVEND, martouni)
    candidates = next(d.value for d in at.dataframe if "origin" in d.value.columns)
    assert candidates.iloc[0]["key"] == KHOJAVEND and candidates.iloc[0]["origin"] == "current"
    assert MARTUNI_AM in set(candidates["key"])
    texts = " ".join(t.value for t in at.text)
    assert "“Martouni” is now: Khojavend" in texts and "Runner-up: Martuni" in texts
    scope = at.radio(key="places_scope")
    assert scope.options == ["context", "global"] or len(scope.options) == 2


def test_correction_changes_the_store_and_the_map_survives_reingest_and_undo(db, capsys):
    store = Store(db)
    before = mention_of(store, "Martouni")
    assert before["place_key"] == KHOJAVEND
    at = open_page()
    select_mention(at, KHOJAVEND, int(before["mention_id"]))
    at.selectbox(key=f"places_candidate_{int(before['mention_id'])}").set_value(MARTUNI_AM)
    at.text_input(key="places_analyst").set_value("Ana Analyst")
    at.text_area(key="places_note").set_value("Martuni in Gegharkunik, per the wire's map")
    save(at)
    assert at.success and "Correction #1 saved: 1 mentions changed." in at.success[0].value

    after = mention_of(store, "Martouni")
    assert (after["place_key"], after["confidence"], after["runner_up_key"]) == (MARTUNI_AM, 1.0, KHOJAVEND)
    assert MARTUNI_AM in map_places()  # the map's place layer has it at once
    log = next(d.value for d in at.dataframe if "status" in d.value.columns and "analyst" in d.value.columns)
    assert log.iloc[0][["status", "surface", "context", "place_name", "original_place", "analyst"]].tolist() == [
        "active", "Martouni", "AZ", "Martuni", "Khojavend", "Ana Analyst"]

    # The corpus ingested again through the CLI: duplicates, the correction stays.
    assert cli(["ingest", str(PROJECT_ROOT / "data" / "articles"), "--db", str(db), "-q"]) == 0
    assert "2 duplicate" in capsys.readouterr().out
    assert mention_of(store, "Martouni")["place_key"] == MARTUNI_AM

    # A new version of the article through the CLI: its mentions are corrected too.
    corpus = db.parent / "corpus"
    shutil.copytree(PROJECT_ROOT / "data" / "articles", corpus)
    path = next(p for p in corpus.glob("*.txt") if "Martouni" in p.read_text(encoding="utf-8"))
    path.write_text(path.read_text(encoding="utf-8") + "\nShelling near Martouni went on, Azerbaijan said.\n",
                    encoding="utf-8")
    assert cli(["ingest", str(corpus), "--db", str(db), "-q"]) == 0
    assert "1 updated" in capsys.readouterr().out
    df = store.mentions_df()
    assert set(df.loc[df["text"] == "Martouni", "place_key"]) == {MARTUNI_AM}
    assert (df["text"] == "Martouni").sum() == 2

    # Undo from the page: every corrected mention gets its original back.
    run(at)
    at.button(key="places_undo_1").click()
    run(at)
    assert "Correction #1 undone" in at.success[0].value
    df = store.mentions_df()
    assert set(df.loc[df["text"] == "Martouni", "place_key"]) == {KHOJAVEND}
    restored = mention_of(store, "Martouni")
    assert restored["runner_up_key"] == before["runner_up_key"]
    assert MARTUNI_AM not in map_places()
    assert store.correction(1)["status"] == "undone" and store.correction(1)["undone_by"] == "Ana Analyst"
    assert not [b for b in at.button if b.key == "places_undo_1"]


def test_coordinates_by_hand_and_validation_messages(db):
    store = Store(db)
    mid = int(mention_of(store, "Martouni")["mention_id"])
    at = open_page()
    select_mention(at, KHOJAVEND, mid)
    at.radio(key="places_how").set_value("coordinates")
    at.number_input(key=f"places_lat_{mid}").set_value(39.9)
    at.number_input(key=f"places_lon_{mid}").set_value(47.05)
    at.text_input(key=f"places_manual_name_{mid}").set_value("Martuni (field report)")
    save(at)  # no analyst, no note: refused
    assert at.error and "not saved" in at.error[0].value
    assert any("analyst" in t.value for t in at.text)
    assert store.corrections_df().empty
    at.text_input(key="places_analyst").set_value("Ana")
    at.text_area(key="places_note").set_value("Coordinates from the field team")
    save(at)
    assert at.success
    m = mention_of(store, "Martouni")
    assert (m["place_name"], m["lat"], m["lon"]) == ("Martuni (field report)", 39.9, 47.05)
    assert m["place_key"] in map_places()


def test_hostile_names_are_shown_as_text(db, pipeline):
    from geo.model import Article
    from geo.text.corpus import content_hash

    text = ("Shelling hit Stepanakert <script>alert(1)</script> on Tuesday, {{ 7919 * 7907 }} the ministry said. "
            "Azerbaijan denied it.")
    store = Store(db)
    pipeline.ingest([Article(id="evil", text=text, source="<b>Wire</b>", title="<img src=x onerror=alert(1)>",
                             published="2020-10-25", content_hash=content_hash(text))], store)
    stepanakert = mention_of(store, "Stepanakert")
    at = open_page({"place": stepanakert["place_key"]})
    assert at.selectbox(key="places_place").value == stepanakert["place_key"]
    mentions = at.dataframe[1].value
    assert "<img src=x onerror=alert(1)>" in set(mentions["title"])  # data, shown by st.dataframe as text
    markup = "".join(m.value for m in at.markdown) + "".join(h.value for h in at.get("html"))
    for raw in ("<script>alert(1)</script>", "<img src=x", "<b>Wire</b>", "{{ 7919"):
        assert raw not in markup
    assert "62615633" not in markup
