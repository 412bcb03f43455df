"""Store versions (geo/store/migrations.py): an older store is upgraded in place and keeps every
row, analysts' corrections included; a newer or foreign one is refused and left unchanged; a new
one is created at the latest version, with the layout an upgraded one has."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from geo.store import migrations
from geo.store.migrations import LATEST_VERSION, MIGRATIONS, StoreVersionError, upgrade
from geo.store.schema import BASELINE_VERSION
from geo.store.sqlite import Store

FIXTURE = Path(__file__).parent / "fixtures" / "store_v2.sql"


def legacy_store(path: Path) -> Path:
    """A store as the code before versions made it (tests/fixtures/store_v2.sql)."""
    conn = sqlite3.connect(path)
    conn.executescript(FIXTURE.read_text(encoding="utf-8"))
    conn.close()
    return path


def rows(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, sorted."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


def layout(path: Path) -> set[tuple[str, str, str]]:
    """The tables' and indexes' definitions."""
    conn = sqlite3.connect(path)
    try:
        return set(conn.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"))
    finally:
        conn.close()


def user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def test_the_steps_are_ordered_and_complete() -> None:
    assert sorted(MIGRATIONS) == list(range(BASELINE_VERSION + 1, LATEST_VERSION + 1))


def test_a_legacy_store_is_upgraded_in_place_keeping_every_row(tmp_path: Path,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    path = legacy_store(tmp_path / "old.sqlite")
    before = rows(path)
    assert user_version(path) == 0 and ("schema_version", "2") in before["meta"]
    assert len(before["corrections"]) == 2 and len(before["correction_mentions"]) == 2  # what this is about

    caplog.set_level(logging.INFO, logger="geo.store.migrations")
    store = Store(path)
    assert f"upgraded from version {BASELINE_VERSION} to {LATEST_VERSION}" in caplog.text
    assert user_version(path) == LATEST_VERSION
    after = rows(path)
    # version 6: every place's box in the R*Tree place_boxes (and its shadow tables)
    assert [r[0] for r in after["place_boxes"]] == sorted(r[0] for r in before["places"])
    boxes = {t: after[t] for t in after if t.startswith("place_boxes")}
    expected = dict(before, meta=[r for r in before["meta"] if r[0] != "schema_version"],
                    claim_clusters=[], claim_cluster_members=[], **boxes)  # version 4: claim clusters, none yet
    assert after == expected  # every article, mention, place, claim and correction, unchanged
    assert store.data_version() == 5  # opening changes no data

    # The store reads and writes as usual: the correction in force, the undone one, the originals.
    corrections = store.corrections_df().set_index("surface")
    assert corrections.loc["Ganja", "status"] == "active" and corrections.loc["Ganja", "mentions"] == 2
    assert corrections.loc["Yerevan", "status"] == "undone"
    assert [c["place_name"] for c in store.active_corrections()] == ["Ganja (checked)"]
    mentions = store.mentions_df()
    assert set(mentions.loc[mentions["text"] == "Ganja", "place_key"]) == {"manual:40.68000_46.36000:ganja-checked"}
    assert set(store.corrected_mentions_df()["original_place_key"]) == {"geonames:586523"}
    store.delete_article(1)
    assert store.counts()["articles"] == 1
    store.close()

    # Opening it again changes nothing.
    caplog.clear()
    done = rows(path)
    assert upgrade(path) == (LATEST_VERSION, LATEST_VERSION)
    Store(path).close()
    assert rows(path) == done and user_version(path) == LATEST_VERSION
    assert "upgraded" not in caplog.text


def test_a_new_store_is_made_at_the_latest_version_with_the_upgraded_layout(tmp_path: Path) -> None:
    Store(tmp_path / "new.sqlite").close()
    assert user_version(tmp_path / "new.sqlite") == LATEST_VERSION
    assert rows(tmp_path / "new.sqlite")["meta"] == [("data_version", "0")]
    Store(legacy_store(tmp_path / "old.sqlite")).close()
    assert layout(tmp_path / "new.sqlite") == layout(tmp_path / "old.sqlite")


def test_an_empty_file_is_a_new_store(tmp_path: Path) -> None:
    (tmp_path / "empty.sqlite").touch()
    Store(tmp_path / "empty.sqlite").close()
    assert user_version(tmp_path / "empty.sqlite") == LATEST_VERSION


def test_a_store_of_a_newer_version_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    before = rows(path)
    with pytest.raises(StoreVersionError, match=rf"newer Claim Atlas \(store version {LATEST_VERSION + 1}; "
                                                rf"this code reads up to version {LATEST_VERSION}\)"):
        Store(path)
    assert rows(path) == before and user_version(path) == LATEST_VERSION + 1


def test_a_database_that_is_not_a_store_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.execute("INSERT INTO notes VALUES ('mine')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreVersionError, match="not a Claim Atlas store.*notes"):
        Store(path)
    assert rows(path) == {"notes": [("mine",)]} and user_version(path) == 0


def test_a_failing_step_leaves_the_store_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = legacy_store(tmp_path / "old.sqlite")
    before, before_layout = rows(path), layout(path)
    real = MIGRATIONS[LATEST_VERSION]

    def half_done(conn: sqlite3.Connection) -> None:
        real(conn)
        conn.execute("CREATE TABLE half (x)")
        raise RuntimeError("the step broke")

    monkeypatch.setitem(migrations.MIGRATIONS, LATEST_VERSION, half_done)
    with pytest.raises(RuntimeError, match="the step broke"):
        Store(path)
    assert rows(path) == before and layout(path) == before_layout and user_version(path) == 0
    monkeypatch.setitem(migrations.MIGRATIONS, LATEST_VERSION, real)
    Store(path).close()  # the fixed code upgrades it
    assert user_version(path) == LATEST_VERSION


def test_the_sql_splitter_keeps_comments_and_quotes_whole() -> None:
    script = "-- a comment; with a semicolon\nCREATE TABLE t (x TEXT DEFAULT 'a;b');\n\nINSERT INTO t VALUES (';');\n"
    statements = migrations._statements(script)
    assert len(statements) == 2 and "DEFAULT 'a;b'" in statements[0] and "(';')" in statements[1]


def test_an_upgraded_store_answers_view_queries_from_its_r_tree(tmp_path: Path) -> None:
    path = legacy_store(tmp_path / "old.sqlite")
    conn = sqlite3.connect(path)
    places = conn.execute("SELECT id, lat, lon FROM places").fetchall()
    conn.close()
    store = Store(path)  # upgraded to version 6: the boxes of the places it already held
    for pid, lat, lon in places:
        assert pid in store.place_ids_in_bounds(lat - 0.01, lon - 0.01, lat + 0.01, lon + 0.01)
    assert store.place_ids_in_bounds(-89.0, -179.0, -88.0, -178.0) == []
    plan = " ".join(str(r) for r in store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM place_boxes WHERE max_lat >= 1 AND min_lat <= 2 AND max_lon >= 3 "
        "AND min_lon <= 4").fetchall())
    assert "VIRTUAL TABLE INDEX" in plan  # the R*Tree answers, no scan of the places
    indexes = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "articles_published" in indexes
    store.close()
