"""Store versions and the ordered steps between them.

A store holds analysts' corrections, which cannot be rebuilt from the articles: it is upgraded
in place, never recreated. Its version is SQLite's ``PRAGMA user_version``:

* 0 and no tables: a new, empty file; it is created at the latest version.
* 0 with ``meta.schema_version = '2'``: a store of the code before versions were kept here
  (that marker was written and never read). It is brought to the full version-2 layout
  (:data:`geo.store.schema.BASELINE_SCHEMA`, idempotent, as every open used to do) and then
  through the steps below.
* 3 and later: the steps after it run, in order.
* newer than :data:`LATEST_VERSION`: :class:`StoreVersionError`; the store is not touched.

The whole upgrade runs in one transaction on a connection of its own (foreign keys off, as
SQLite's procedure for rebuilding a table requires, and checked with ``foreign_key_check``
before the commit): it applies completely or not at all, and two processes opening the same
old store upgrade it once.

To change the store, add a function ``_vN_to_vN1(conn)`` and its entry in :data:`MIGRATIONS`;
never edit :data:`~geo.store.schema.BASELINE_SCHEMA`, which old stores were made with.

Hand-written rather than a migrations library: ordered steps in one transaction keyed on
``user_version`` take a few dozen lines here, while sqlite-utils' ``sqlite-migrate`` (the
lightest fitting one) would add two packages to the runtime, keep its own ``_sqlite_migrations``
table instead of ``user_version`` and know nothing of the legacy marker; Alembic would bring
SQLAlchemy.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from geo.store.schema import BASELINE_SCHEMA, BASELINE_VERSION

log = logging.getLogger(__name__)


class StoreVersionError(RuntimeError):
    """The file is a store this code cannot use as it is (newer, or not a Claim Atlas store).
    The message says why and what to do; the file is left unchanged."""


def _v2_to_v3(conn: sqlite3.Connection) -> None:
    """The version now lives in ``PRAGMA user_version``: drop the legacy marker, so that no
    reader can take a stale copy of it for the store's version."""
    conn.execute("DELETE FROM meta WHERE key='schema_version'")


def _v3_to_v4(conn: sqlite3.Connection) -> None:
    """Claim clusters: the same claim reported by several sources (geo/claims/corroboration.py).
    Only clusters of two or more claims are stored; a claim in none is reported by its own source.
    Idempotent: a store marked legacy after it had these tables (tests do so) upgrades again."""
    conn.execute("CREATE TABLE IF NOT EXISTS claim_clusters (id INTEGER PRIMARY KEY, computed_at TEXT NOT NULL DEFAULT '')")
    conn.execute("CREATE TABLE IF NOT EXISTS claim_cluster_members ("
                 "claim_id INTEGER PRIMARY KEY REFERENCES claims(id) ON DELETE CASCADE, "
                 "cluster_id INTEGER NOT NULL REFERENCES claim_clusters(id) ON DELETE CASCADE)")
    conn.execute("CREATE INDEX IF NOT EXISTS claim_cluster_members_cluster ON claim_cluster_members(cluster_id)")


def _v4_to_v5(conn: sqlite3.Connection) -> None:
    """Dispute linking reads other articles' claims of a day by two ranges of the article id
    (before and after the article's), so the index on (date, stance) gains the article id: with
    "!=" a long article with thousands of claims of one day read its own claims once per claim."""
    conn.execute("DROP INDEX IF EXISTS claims_date_stance")
    conn.execute("CREATE INDEX IF NOT EXISTS claims_date_stance_article ON claims(date, stance, article_id)")


def _v5_to_v6(conn: sqlite3.Connection) -> None:
    """Spatial and date filters as indexed queries (issue 13, point 4): an R*Tree of each place's
    bounding box (``place_boxes``: its geometry's box, else its point; kept by the store as places
    are added, geo.store.sqlite) and an index on the articles' publication date."""
    from geo.store.schema import PLACE_BOXES_SCHEMA, place_box

    for statement in _statements(PLACE_BOXES_SCHEMA):
        conn.execute(statement)
    rows = conn.execute("SELECT id, lat, lon, geometry FROM places").fetchall()
    conn.executemany("INSERT OR REPLACE INTO place_boxes VALUES (?,?,?,?,?)",
                     [(pid, *place_box(lat, lon, geometry)) for pid, lat, lon, geometry in rows])


#: Target version -> the step that brings a store from the version before it to that one.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    3: _v2_to_v3,
    4: _v3_to_v4,
    5: _v4_to_v5,
    6: _v5_to_v6,
}
#: The version this code creates and reads.
LATEST_VERSION = max(MIGRATIONS)
#: What the code before versions wrote in ``meta`` (key ``schema_version``).
_LEGACY_MARKER = str(BASELINE_VERSION)


def store_version(conn: sqlite3.Connection, where: Path | str = "the store") -> int:
    """The store's version: ``user_version``, or for a store older than it :data:`BASELINE_VERSION`
    (its legacy marker), or 0 for an empty file. Raises StoreVersionError for a database that is
    not a Claim Atlas store."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version:
        return int(version)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not tables:
        return 0
    marker = None
    if "meta" in tables:
        row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        marker = row[0] if row else None
    if marker == _LEGACY_MARKER:
        return BASELINE_VERSION
    raise StoreVersionError(
        f"{where} is not a Claim Atlas store (an SQLite database without its version: tables "
        f"{', '.join(sorted(tables)[:5])}{', ...' if len(tables) > 5 else ''}); it was left unchanged. "
        "Point CLAIM_ATLAS_DB (or --db) at a Claim Atlas store, or at a new file.")


def _statements(script: str) -> list[str]:
    """The statements of an SQL script, one by one: ``executescript`` would commit the
    transaction the upgrade runs in. ``sqlite3.complete_statement`` knows comments and quotes."""
    out: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\n;"):
                out.append(pending)
            pending = ""
    return out


def _refuse_newer(version: int, path: Path | str) -> None:
    if version > LATEST_VERSION:
        raise StoreVersionError(
            f"{path} is a store of a newer Claim Atlas (store version {version}; this code reads up to "
            f"version {LATEST_VERSION}); it was left unchanged. Run the newer Claim Atlas, or point "
            "CLAIM_ATLAS_DB (or --db) at another store.")


def _use_wal(conn: sqlite3.Connection, wait: float = 30.0) -> None:
    """Put the store in write-ahead-log mode (persistent: set once per file, here, when a Store opens it).

    Not per connection: switching from the rollback journal needs an exclusive lock, and SQLite
    answers "database is locked" at once, without waiting, to a connection asking for it while
    another holds a write transaction (its deadlock rule), so connections opened while a thread
    writes would fail. Here the switch is retried for ``wait`` seconds; an existing WAL store
    only reads its mode."""
    deadline = time.monotonic() + wait
    while True:
        try:
            if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def upgrade(path: Path | str) -> tuple[int, int]:
    """Bring the store at ``path`` to :data:`LATEST_VERSION` in place (creating it when the file
    is new); returns ``(version before, version after)``. Raises StoreVersionError, leaving the
    file unchanged, when it is newer than this code or not a Claim Atlas store."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        _use_wal(conn)
        before = store_version(conn, path)
        _refuse_newer(before, path)
        if before == LATEST_VERSION:
            return before, before
        conn.execute("BEGIN IMMEDIATE")
        try:
            before = store_version(conn, path)  # again, holding the write lock: another process may have done it
            _refuse_newer(before, path)
            version = before
            if version <= BASELINE_VERSION:  # new, or legacy: the full version-2 layout (idempotent DDL)
                for statement in _statements(BASELINE_SCHEMA):
                    conn.execute(statement)
                version = BASELINE_VERSION
            for target in range(version + 1, LATEST_VERSION + 1):
                MIGRATIONS[target](conn)
                conn.execute(f"PRAGMA user_version = {int(target)}")
            problems = conn.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise RuntimeError(f"store upgrade would break {len(problems)} references, e.g. {problems[0]}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()
    if before:
        log.info("store %s upgraded from version %d to %d", path, before, LATEST_VERSION)
    return before, LATEST_VERSION
