"""The small fixture gazetteer of the unit tests, turned from SQL text into a SQLite index.

``tests/fixtures/gazetteer.sql`` (a few hundred real places, made by
``scripts/make_fixture_gazetteer.py``) holds the ``places``, ``names`` and ``geometries`` rows;
this module lays them out exactly as :func:`geo.gazetteer.build.build_gazetteer` does (same
schema, indexes and packed ``exact`` table), so that :class:`geo.gazetteer.index.Gazetteer`
reads it like the real index.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from geo.gazetteer import build

FIXTURE_SQL = Path(__file__).resolve().parent / "fixtures" / "gazetteer.sql"


def build_fixture_gazetteer(path: Path, fingerprint: str = "fixture") -> Path:
    """Write the fixture index to ``path`` (replacing it) and return ``path``.

    ``fingerprint`` is stored as the index's source fingerprint: pass the real one
    (:func:`geo.gazetteer.build.source_fingerprint`) so that code opening the index through
    ``build_gazetteer`` takes it as up to date instead of rebuilding the real one over it.
    """
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    try:
        # As the real build: no journal, no fsync (else every INSERT of the script is a synced
        # transaction of its own, tens of seconds on a busy disk).
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.executescript(build._SCHEMA)
        conn.executescript("BEGIN;\n" + FIXTURE_SQL.read_text(encoding="utf-8") + "\nCOMMIT;")
        conn.executescript(build._INDEXES)
        build._build_exact(conn)
        conn.execute("INSERT INTO meta VALUES ('fingerprint', ?)", (fingerprint,))
        conn.commit()
    finally:
        conn.close()
    return path
