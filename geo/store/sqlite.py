"""The store: articles, mentions, places and claims in SQLite.

All SQL of the project lives here, behind :class:`Store`, so that a PostgreSQL/PostGIS
backend can replace it without touching the pipeline or the pages: the rest of the code
only calls these methods and receives plain records or pandas DataFrames.

Guarantees:

* ingesting an article is one transaction: a crash mid-ingest leaves no half article;
* re-ingesting the same content changes nothing (articles are identified by a hash of
  their text); new content under an existing corpus id replaces the old version;
* every write bumps ``data_version``, which the app uses as its cache key;
* opening a store of an older version upgrades it in place (``geo/store/migrations.py``);
  one of a newer version is refused with :class:`StoreVersionError`, never used.

>>> store = Store(Path("var/claim_atlas.sqlite"))     # doctest: +SKIP
>>> store.counts()["articles"]                        # doctest: +SKIP
2
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd

from geo.model import Article, ArticleAnalysis, IngestResult, Place
from geo.store.migrations import StoreVersionError, upgrade
from geo.store.precedence import pick_correction
from geo.store.schema import CROSS_ARTICLE_DISPUTES_SQL, place_box

__all__ = ["Store", "StoreVersionError"]


class _Duplicate(Exception):
    def __init__(self, article_id: int, corpus_id: str):
        super().__init__(corpus_id)
        self.article_id, self.corpus_id = article_id, corpus_id


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")



#: Every mention with its place, its article's metadata and its sentence (Store.mentions_df and
#: Store.mentions_in_view_df add their WHERE and ORDER BY).
_MENTIONS_SQL = """
    SELECT m.id AS mention_id, m.article_id, a.corpus_id, a.title, a.source, a.url, a.published,
           m.start, m."end", m.text, m.method, m.confidence, m.precision, m.metonymic,
           m.metonymy_reason, m.not_a_place, m.runner_up_confidence, m.candidates,
           substr(a.text, m.sentence_start + 1, m.sentence_end - m.sentence_start) AS sentence,
           p.key AS place_key, p.name AS place_name, p.feature_type, p.country, p.lat, p.lon,
           p.geometry, r.key AS runner_up_key, r.name AS runner_up_name
    FROM mentions m JOIN articles a ON a.id = m.article_id
    LEFT JOIN places p ON p.id = m.place_id
    LEFT JOIN places r ON r.id = m.runner_up_place_id
"""


def _lon_ranges(west: float, east: float) -> list[tuple[float, float]]:
    """The longitude ranges within -180..180 a view from ``west`` to ``east`` covers (two when it
    crosses the antimeridian).

    >>> _lon_ranges(170, 190), _lon_ranges(170, -170), _lon_ranges(-200, 200)
    ([(170.0, 180.0), (-180.0, -170.0)], [(170.0, 180.0), (-180.0, -170.0)], [(-180.0, 180.0)])
    """
    span = east - west if east >= west else east - west + 360.0
    if span >= 360.0:
        return [(-180.0, 180.0)]
    lo = (float(west) + 180.0) % 360.0 - 180.0
    hi = lo + span
    if hi <= 180.0:
        return [(lo, hi)]
    return [(lo, 180.0), (-180.0, hi - 360.0)]


class Store:
    """The SQLite store. One instance per database file; safe to share between threads."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        with self._write_lock:  # creates or upgrades the layout; opening a store changes no data
            upgrade(self.path)

    # ------------------------------------------------------------------ connections
    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA foreign_keys=ON")
            # WAL mode is the file's, set once by upgrade() when the Store opened it (see _use_wal)
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: everything inside commits together or not at all."""
        conn = self.conn
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='data_version'")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # ------------------------------------------------------------------ writes
    def find_by_hash(self, content_hash: str) -> tuple[int, str] | None:
        row = self.conn.execute("SELECT id, corpus_id FROM articles WHERE content_hash=?", (content_hash,)).fetchone()
        return (row[0], row[1]) if row else None

    def _place_id(self, conn: sqlite3.Connection, place: Place | None) -> int | None:
        if place is None:
            return None
        row = conn.execute("SELECT id FROM places WHERE key=?", (place.key,)).fetchone()
        if row:
            return row[0]
        geometry = json.dumps(place.geometry, separators=(",", ":")) if place.geometry else None
        cur = conn.execute(
            "INSERT INTO places (key, name, feature_type, country, lat, lon, population, geometry, source) "
            "VALUES (?,?,?,?,?,?,?,?,?)",
            (place.key, place.name, place.feature_type, place.country, place.lat, place.lon,
             int(place.population or 0), geometry, place.source))
        # its box in the R*Tree of view queries (store version 6; place_ids_in_bounds)
        conn.execute("INSERT OR REPLACE INTO place_boxes VALUES (?,?,?,?,?)",
                     (cur.lastrowid, *place_box(place.lat, place.lon, geometry)))
        return cur.lastrowid

    def save_article(self, article: Article, analysis: ArticleAnalysis, *, pipeline_version: str = "") -> IngestResult:
        """Store an article with everything derived from it, in one transaction."""
        name = article.file or article.id
        try:
            return self._save_article(article, analysis, name, pipeline_version)
        except _Duplicate as dup:
            return IngestResult(name, "duplicate", f"same content as article {dup.corpus_id!r}: nothing changed",
                                article_id=dup.article_id)

    def _save_article(self, article: Article, analysis: ArticleAnalysis, name: str,
                      pipeline_version: str) -> IngestResult:
        with self.transaction() as conn:
            dup = conn.execute("SELECT id, corpus_id FROM articles WHERE content_hash=?",
                               (article.content_hash,)).fetchone()
            if dup:
                raise _Duplicate(dup[0], dup[1])  # rolls back: nothing changes, not even data_version
            old = conn.execute("SELECT id FROM articles WHERE corpus_id=? AND source=?",
                               (article.id, article.source)).fetchall()
            status = "updated" if old else "added"
            for (old_id,) in old:
                conn.execute("DELETE FROM articles WHERE id=?", (old_id,))
            cur = conn.execute(
                "INSERT INTO articles (corpus_id, content_hash, file, source, url, published, title, language, "
                "text, ingested_at, pipeline_version) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (article.id, article.content_hash, article.file, article.source, article.url, article.published,
                 article.title, article.language, article.text, _now(), pipeline_version))
            article_id = cur.lastrowid
            assert article_id is not None  # set by every INSERT
            mention_ids: dict[int, int] = {}
            for m in analysis.mentions:
                cands = [{"key": c.place.key, "name": c.place.name, "country": c.place.country,
                          "type": c.place.feature_type, "lat": c.place.lat, "lon": c.place.lon,
                          "match": c.match, "score": c.score} for c in m.candidates[:5]]
                cur = conn.execute(
                    'INSERT INTO mentions (article_id, start, "end", text, sentence_start, sentence_end, method, '
                    "place_id, confidence, precision, metonymic, metonymy_reason, not_a_place, runner_up_place_id, "
                    "runner_up_confidence, candidates) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (article_id, m.start, m.end, m.text, m.sentence_start, m.sentence_end, m.method,
                     self._place_id(conn, m.place), m.confidence, m.precision, int(m.metonymic),
                     m.metonymy_reason, int(m.not_a_place), self._place_id(conn, m.runner_up),
                     m.runner_up_confidence, json.dumps(cands)))
                assert cur.lastrowid is not None  # set by every INSERT
                mention_ids[id(m)] = cur.lastrowid
            for key, (correction_id, original) in analysis.corrections.items():
                if key in mention_ids:
                    self._record_original(conn, mention_ids[key], correction_id,
                                          self._place_id(conn, original.get("place")), original.get("confidence"),
                                          original.get("precision"), self._place_id(conn, original.get("runner_up")),
                                          original.get("runner_up_confidence"))
            for claim in analysis.claims:
                self._save_claim(conn, article_id, claim, mention_ids)
            self._link_cross_article_disputes(conn, article_id)
        resolved = sum(1 for m in analysis.mentions if m.place is not None)
        verb = "updated (new content for this id)" if status == "updated" else "added"
        return IngestResult(name, status, f"{verb}: {len(analysis.mentions)} place names, {resolved} resolved, "
                            f"{len(analysis.claims)} claims", article_id=article_id,
                            mentions=len(analysis.mentions), resolved=resolved, claims=len(analysis.claims))

    def _save_claim(self, conn: sqlite3.Connection, article_id: int, claim, mention_ids: dict[int, int]) -> None:
        cur = conn.execute(
            'INSERT INTO claims (article_id, claimant, claimant_text, text, start, "end", date, date_end, '
            "date_precision, kind, stance, details) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (article_id, claim.claimant, claim.claimant_text, claim.text, claim.start, claim.end, claim.date,
             claim.date_end, claim.date_precision, claim.kind, claim.stance, json.dumps(claim.details)))
        claim.store_id = cur.lastrowid
        for m in claim.mentions:
            if id(m) in mention_ids:
                conn.execute("INSERT OR IGNORE INTO claim_places VALUES (?,?)", (cur.lastrowid, mention_ids[id(m)]))
        for actor in claim.disputed_by:
            conn.execute("INSERT OR IGNORE INTO claim_disputes (claim_id, disputed_by) VALUES (?,?)",
                         (cur.lastrowid, actor))

    @staticmethod
    def _link_cross_article_disputes(conn: sqlite3.Connection, article_id: int) -> None:
        """Link this article's claims to claims of other articles about the same place and
        date with the opposite stance (an assertion and a denial), both ways."""
        rows = conn.execute(CROSS_ARTICLE_DISPUTES_SQL, (article_id, article_id)).fetchall()
        for a_id, b_id, a_actor, b_actor in rows:
            conn.execute("INSERT OR IGNORE INTO claim_disputes VALUES (?,?,?)", (a_id, b_actor, b_id))
            conn.execute("INSERT OR IGNORE INTO claim_disputes VALUES (?,?,?)", (b_id, a_actor, a_id))

    def delete_article(self, article_id: int) -> None:
        """Remove an article with everything derived from it. Its claims leave their clusters (by
        cascade) and a cluster left with fewer than two sources is dropped in the same
        transaction; a cluster the removed claim held together transitively is split by the next
        `refresh_clusters` (run after every ingest)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM articles WHERE id=?", (article_id,))
            conn.execute(
                """DELETE FROM claim_clusters WHERE id NOT IN (
                       SELECT k.cluster_id FROM claim_cluster_members k
                       JOIN claims c ON c.id = k.claim_id JOIN articles a ON a.id = c.article_id
                       GROUP BY k.cluster_id HAVING COUNT(DISTINCT a.source) >= 2)""")

    # ------------------------------------------------------------------ reads
    def data_version(self) -> int:
        """Bumped by every write: the cache key of everything read from the store."""
        row = self.conn.execute("SELECT value FROM meta WHERE key='data_version'").fetchone()
        return int(row[0]) if row else 0

    def has_articles(self) -> bool:
        """Whether the store holds any article: one row read, where ``counts()`` counts every table
        (0.1 s at 100,000 places, on every page run)."""
        return self.conn.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is not None

    def counts(self) -> dict[str, int]:
        c = self.conn
        return {
            "articles": c.execute("SELECT COUNT(*) FROM articles").fetchone()[0],
            "sources": c.execute("SELECT COUNT(DISTINCT source) FROM articles").fetchone()[0],
            "mentions": c.execute("SELECT COUNT(*) FROM mentions WHERE not_a_place=0").fetchone()[0],
            "resolved": c.execute("SELECT COUNT(*) FROM mentions WHERE place_id IS NOT NULL "
                                  "AND not_a_place=0").fetchone()[0],
            "metonymic": c.execute("SELECT COUNT(*) FROM mentions WHERE metonymic=1").fetchone()[0],
            "places": c.execute("SELECT COUNT(DISTINCT place_id) FROM mentions WHERE place_id IS NOT NULL "
                                "AND not_a_place=0").fetchone()[0],
            "claims": c.execute("SELECT COUNT(*) FROM claims").fetchone()[0],
        }

    def date_span(self) -> tuple[str | None, str | None]:
        row = self.conn.execute("SELECT MIN(published), MAX(published) FROM articles").fetchone()
        return row[0], row[1]

    def articles_df(self, *, with_text: bool = False) -> pd.DataFrame:
        cols = "id, corpus_id, file, source, url, published, title, language, content_hash, ingested_at"
        if with_text:
            cols += ", text"
        df = pd.read_sql_query(f"SELECT {cols} FROM articles ORDER BY published, corpus_id", self.conn)
        counts = pd.read_sql_query(
            "SELECT article_id AS id, COUNT(*) AS mentions, SUM(place_id IS NOT NULL) AS resolved "
            "FROM mentions WHERE not_a_place=0 GROUP BY article_id", self.conn)
        df = df.merge(counts, on="id", how="left")
        df[["mentions", "resolved"]] = df[["mentions", "resolved"]].fillna(0).astype(int)
        return df

    def article(self, article_id: int) -> dict | None:
        row = self.conn.execute(
            "SELECT id, corpus_id, file, source, url, published, title, language, text FROM articles WHERE id=?",
            (article_id,)).fetchone()
        if not row:
            return None
        keys = ("id", "corpus_id", "file", "source", "url", "published", "title", "language", "text")
        return dict(zip(keys, row, strict=True))

    def mentions_df(self, article_id: int | None = None) -> pd.DataFrame:
        """Every mention with its place, its article's metadata and its sentence."""
        sql = _MENTIONS_SQL
        args: tuple = ()
        if article_id is not None:
            sql += " WHERE m.article_id = ?"
            args = (article_id,)
        sql += " ORDER BY a.published, a.corpus_id, m.start"
        return pd.read_sql_query(sql, self.conn, params=args)

    def place_ids_in_bounds(self, south: float, west: float, north: float, east: float) -> list[int]:
        """The ids of the places whose box (geometry's, else point) meets these bounds, from the
        R*Tree ``place_boxes`` (an indexed query, not a pass over every place). ``west`` may be
        greater than ``east`` or outside -180..180 (a view across the antimeridian, as Leaflet
        reports it): longitudes wrap; a span of 360 degrees or more is every longitude."""
        sql = "SELECT id FROM place_boxes WHERE max_lat >= ? AND min_lat <= ? AND max_lon >= ? AND min_lon <= ?"
        ids: set[int] = set()
        for lo, hi in _lon_ranges(west, east):
            ids.update(r[0] for r in self.conn.execute(sql, (south, north, lo, hi)))
        return sorted(ids)

    def mentions_in_view_df(self, south: float, west: float, north: float, east: float,
                            date_from: str | None = None, date_to: str | None = None) -> pd.DataFrame:
        """The mentions (as :meth:`mentions_df`) of the places in these bounds
        (:meth:`place_ids_in_bounds`) in the articles published from ``date_from`` to ``date_to``
        (``YYYY-MM-DD``, both included, either optional): the R*Tree and the index on
        ``articles.published`` answer it, so its cost follows the view, not the store."""
        ids = self.place_ids_in_bounds(south, west, north, east)
        conditions, args = ["m.place_id IN (SELECT value FROM json_each(?))"], [json.dumps(ids)]
        if date_from:
            conditions.append("a.published >= ?")
            args.append(str(date_from)[:10])
        if date_to:  # the whole day: published may carry a time
            conditions.append("a.published < ?")
            args.append(str(date.fromisoformat(str(date_to)[:10]) + timedelta(days=1)))
        sql = _MENTIONS_SQL + " WHERE " + " AND ".join(conditions) + " ORDER BY a.published, a.corpus_id, m.start"
        return pd.read_sql_query(sql, self.conn, params=tuple(args))

    def claims_df(self) -> pd.DataFrame:
        sql = """
            SELECT c.id AS claim_id, c.article_id, a.corpus_id, a.title, a.source, a.url, a.published,
                   c.claimant, c.claimant_text, c.text, c.start, c."end", c.date, c.date_end, c.date_precision,
                   c.kind, c.stance, c.details,
                   (SELECT group_concat(disputed_by, '|') FROM claim_disputes d WHERE d.claim_id = c.id)
                       AS disputed_by,
                   k.cluster_id,
                   CASE WHEN k.cluster_id IS NULL THEN 1 ELSE
                       (SELECT COUNT(DISTINCT a2.source) FROM claim_cluster_members k2
                        JOIN claims c2 ON c2.id = k2.claim_id JOIN articles a2 ON a2.id = c2.article_id
                        WHERE k2.cluster_id = k.cluster_id) END AS n_sources,
                   (SELECT group_concat(src, '|') FROM (SELECT DISTINCT a3.source AS src FROM claim_cluster_members k3
                        JOIN claims c3 ON c3.id = k3.claim_id JOIN articles a3 ON a3.id = c3.article_id
                        WHERE k3.cluster_id = k.cluster_id ORDER BY a3.source)) AS cluster_sources
            FROM claims c JOIN articles a ON a.id = c.article_id
            LEFT JOIN claim_cluster_members k ON k.claim_id = c.id
            ORDER BY COALESCE(c.date, a.published), c.id
        """
        return pd.read_sql_query(sql, self.conn)

    def cluster_inputs_df(self) -> pd.DataFrame:
        """What corroboration needs of every claim: its source, party, stance, dates, sentence, and
        its places (resolved keys and the names as written, "|"-joined)."""
        return pd.read_sql_query("""
            SELECT c.id AS claim_id, a.source, a.published, c.claimant, c.claimant_text, c.text, c.date,
                   c.date_end, c.stance,
                   (SELECT group_concat(p.key, '|') FROM claim_places cp JOIN mentions m ON m.id = cp.mention_id
                    JOIN places p ON p.id = m.place_id WHERE cp.claim_id = c.id) AS place_keys,
                   (SELECT group_concat(m.text, '|') FROM claim_places cp JOIN mentions m ON m.id = cp.mention_id
                    WHERE cp.claim_id = c.id) AS place_texts
            FROM claims c JOIN articles a ON a.id = c.article_id
        """, self.conn)

    def replace_clusters(self, clusters: list[list[int]]) -> None:
        """Store ``clusters`` (lists of claim ids, two or more each) in place of the ones stored, in
        one transaction; ids of claims no longer stored are skipped."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM claim_cluster_members")
            conn.execute("DELETE FROM claim_clusters")
            known = {r[0] for r in conn.execute("SELECT id FROM claims")}
            now = _now()
            for members in clusters:
                members = [m for m in members if m in known]
                if len(members) < 2:
                    continue
                cluster_id = conn.execute("INSERT INTO claim_clusters (computed_at) VALUES (?)", (now,)).lastrowid
                conn.executemany("INSERT INTO claim_cluster_members (claim_id, cluster_id) VALUES (?,?)",
                                 [(m, cluster_id) for m in members])

    def claim_clusters_df(self) -> pd.DataFrame:
        """Cluster membership: ``cluster_id``, ``claim_id`` and the member's article, source and url."""
        return pd.read_sql_query("""
            SELECT k.cluster_id, k.claim_id, c.article_id, a.source, a.url, a.title
            FROM claim_cluster_members k JOIN claims c ON c.id = k.claim_id JOIN articles a ON a.id = c.article_id
            ORDER BY k.cluster_id, a.source, k.claim_id
        """, self.conn)

    def claim_disputes_df(self) -> pd.DataFrame:
        """Who disputes which claim, and the disputing claim when it is known (a denial
        stored as its own claim, in this article or another)."""
        return pd.read_sql_query(
            "SELECT claim_id, disputed_by, disputing_claim_id FROM claim_disputes ORDER BY claim_id", self.conn)

    def claim_places_df(self) -> pd.DataFrame:
        return pd.read_sql_query("SELECT claim_id, mention_id FROM claim_places", self.conn)

    # ------------------------------------------------------------------ corrections
    # The rules (what a name and a context are, which correction wins) live in geo/corrections.py;
    # here only their SQL.
    _CORRECTION_COLS = ("id", "name_norm", "surface", "context", "kind", "place_key", "place_name", "feature_type",
                        "country", "lat", "lon", "geometry", "precision", "analyst", "note", "created_at",
                        "mention_id", "article_id", "original", "status", "undone_at", "undone_by")

    @staticmethod
    def _record_original(conn: sqlite3.Connection, mention_id: int, correction_id: int, place_id: int | None,
                         confidence: float | None, precision: int | None, runner_up_place_id: int | None,
                         runner_up_confidence: float | None) -> None:
        conn.execute("INSERT OR REPLACE INTO correction_mentions VALUES (?,?,?,?,?,?,?)",
                     (mention_id, correction_id, place_id, float(confidence or 0.0), precision, runner_up_place_id,
                      float(runner_up_confidence or 0.0)))

    def mention(self, mention_id: int) -> dict | None:
        """One mention with its article id, surface text, resolution and stored candidates."""
        row = self.conn.execute(
            """SELECT m.id, m.article_id, m.text, m.not_a_place, m.metonymic, m.confidence, m.precision,
                      m.runner_up_confidence, m.candidates, p.key, p.name, p.feature_type, p.country, p.lat, p.lon,
                      r.key, r.name
               FROM mentions m LEFT JOIN places p ON p.id = m.place_id LEFT JOIN places r ON r.id = m.runner_up_place_id
               WHERE m.id = ?""", (int(mention_id),)).fetchone()
        if not row:
            return None
        keys = ("mention_id", "article_id", "text", "not_a_place", "metonymic", "confidence", "precision",
                "runner_up_confidence", "candidates", "place_key", "place_name", "feature_type", "country", "lat",
                "lon", "runner_up_key", "runner_up_name")
        return dict(zip(keys, row, strict=True))

    def place_record(self, key: str) -> dict | None:
        """A stored place by key, with its GeoJSON geometry (a dict) or None."""
        row = self.conn.execute("SELECT key, name, feature_type, country, lat, lon, population, geometry, source "
                                "FROM places WHERE key=?", (key,)).fetchone()
        if not row:
            return None
        out = dict(zip(("key", "name", "feature_type", "country", "lat", "lon", "population", "geometry", "source"),
                       row, strict=True))
        out["geometry"] = json.loads(out["geometry"]) if out["geometry"] else None
        return out

    def mention_texts(self) -> list[str]:
        """The distinct surface texts of the mentions that may be places (``not_a_place`` = 0)."""
        return [r[0] for r in self.conn.execute("SELECT DISTINCT text FROM mentions WHERE not_a_place=0")]

    def mentions_with_texts(self, texts: list[str]) -> list[tuple[int, int]]:
        """``(mention id, article id)`` of the possible-place mentions written as one of ``texts``."""
        out: list[tuple[int, int]] = []
        texts = list(dict.fromkeys(texts))
        for i in range(0, len(texts), 500):
            chunk = texts[i:i + 500]
            marks = ",".join("?" * len(chunk))
            out += self.conn.execute(f"SELECT id, article_id FROM mentions WHERE not_a_place=0 AND text IN ({marks})",
                                     chunk).fetchall()
        return sorted(out)

    def article_mention_texts(self, article_ids: list[int]) -> dict[int, tuple[str, list[str]]]:
        """Per article: its text and the surface texts of its possible-place mentions, in text order
        (what the pipeline's resolution saw; geo.corrections derives the article's context from it)."""
        out: dict[int, tuple[str, list[str]]] = {}
        for article_id in dict.fromkeys(int(a) for a in article_ids):
            row = self.conn.execute("SELECT text FROM articles WHERE id=?", (article_id,)).fetchone()
            if row is None:
                continue
            names = [r[0] for r in self.conn.execute(
                "SELECT text FROM mentions WHERE article_id=? AND not_a_place=0 ORDER BY start, id", (article_id,))]
            out[article_id] = (row[0], names)
        return out

    def _correction_rows(self, where: str = "", args: tuple = ()) -> list[dict]:
        cols = ", ".join(f'"{c}"' for c in self._CORRECTION_COLS)
        rows = self.conn.execute(f"SELECT {cols} FROM corrections {where} ORDER BY id", args).fetchall()
        out = []
        for row in rows:
            rec = dict(zip(self._CORRECTION_COLS, row, strict=True))
            rec["geometry"] = json.loads(rec["geometry"]) if rec["geometry"] else None
            rec["original"] = json.loads(rec["original"] or "{}")
            out.append(rec)
        return out

    def active_corrections(self) -> list[dict]:
        """Every correction in force (status ``active``), oldest first."""
        return self._correction_rows("WHERE status='active'")

    def correction(self, correction_id: int) -> dict | None:
        rows = self._correction_rows("WHERE id=?", (int(correction_id),))
        return rows[0] if rows else None

    def corrections_df(self) -> pd.DataFrame:
        """Every correction ever made (active, undone, superseded), newest first, with the number of
        mentions it changes now (``mentions``) and in how many articles (``articles``)."""
        df = pd.read_sql_query(
            """SELECT c.id AS correction_id, c.surface, c.name_norm, c.context, c.kind, c.place_key, c.place_name,
                      c.feature_type, c.country, c.lat, c.lon, c.precision, c.analyst, c.note, c.created_at,
                      c.mention_id, c.article_id, c.original, c.status, c.undone_at, c.undone_by,
                      COUNT(cm.mention_id) AS mentions, COUNT(DISTINCT m.article_id) AS articles
               FROM corrections c LEFT JOIN correction_mentions cm ON cm.correction_id = c.id
               LEFT JOIN mentions m ON m.id = cm.mention_id
               GROUP BY c.id ORDER BY c.id DESC""", self.conn)
        return df

    def corrected_mentions_df(self) -> pd.DataFrame:
        """``mention_id, correction_id`` and the mention's resolution before the correction."""
        return pd.read_sql_query(
            """SELECT cm.mention_id, cm.correction_id, p.key AS original_place_key, p.name AS original_place_name,
                      cm.confidence AS original_confidence, cm.precision AS original_precision
               FROM correction_mentions cm LEFT JOIN places p ON p.id = cm.place_id ORDER BY cm.mention_id""",
            self.conn)

    def rewrite_corrections(self, name_norm: str, mention_contexts: dict[int, str], *, new: dict | None = None,
                            undo: int | None = None, by: str = "") -> int | None:
        """Add a correction (``new``) and/or undo one (``undo``) of the name ``name_norm``, then bring
        every stored mention of that name in line, in one transaction.

        ``mention_contexts`` maps each stored possible-place mention of the name to its article's
        context. Mentions corrected before are first restored to their own original resolution, then
        each gets the correction that wins for its context now (geo.corrections.pick_correction).
        ``new`` supersedes an active correction with the same name and context. Returns the new
        correction's id (None without ``new``).
        """

        now = _now()
        new_id: int | None = None
        with self.transaction() as conn:
            if undo is not None:
                row = conn.execute("SELECT name_norm, status FROM corrections WHERE id=?", (int(undo),)).fetchone()
                if row is None or row[0] != name_norm:
                    raise ValueError(f"no correction #{undo} of this name")
                if row[1] != "active":
                    raise ValueError(f"correction #{undo} is not in force ({row[1]})")
                conn.execute("UPDATE corrections SET status='undone', undone_at=?, undone_by=? WHERE id=?",
                             (now, by, int(undo)))
            if new is not None:
                conn.execute("UPDATE corrections SET status='superseded', undone_at=?, undone_by=? "
                             "WHERE name_norm=? AND context=? AND status='active'",
                             (now, new.get("analyst", by), name_norm, new["context"]))
                values = {**new, "name_norm": name_norm, "created_at": now, "status": "active",
                          "geometry": json.dumps(new["geometry"], separators=(",", ":")) if new.get("geometry") else None,
                          "original": json.dumps(new.get("original") or {}, ensure_ascii=False)}
                cols = [c for c in self._CORRECTION_COLS if c in values and c != "id"]
                cur = conn.execute(f"INSERT INTO corrections ({', '.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                                   [values[c] for c in cols])
                new_id = cur.lastrowid
            # Restore every mention of this name to its own resolution before any correction.
            restored = conn.execute(
                """SELECT cm.mention_id, cm.place_id, cm.confidence, cm.precision, cm.runner_up_place_id,
                          cm.runner_up_confidence
                   FROM correction_mentions cm JOIN corrections c ON c.id = cm.correction_id
                   WHERE c.name_norm = ?""", (name_norm,)).fetchall()
            for mention_id, place_id, confidence, precision, runner_id, runner_conf in restored:
                conn.execute("UPDATE mentions SET place_id=?, confidence=?, precision=?, runner_up_place_id=?, "
                             "runner_up_confidence=? WHERE id=?",
                             (place_id, confidence, precision, runner_id, runner_conf, mention_id))
                conn.execute("DELETE FROM correction_mentions WHERE mention_id=?", (mention_id,))
            # Apply the corrections in force now.
            col_list = ", ".join(f'"{c}"' for c in self._CORRECTION_COLS)
            active = [dict(zip(self._CORRECTION_COLS, r, strict=True)) for r in conn.execute(
                f"SELECT {col_list} FROM corrections WHERE name_norm=? AND status='active'", (name_norm,))]
            target_ids: dict[int, int | None] = {}
            for mention_id, context in mention_contexts.items():
                chosen = pick_correction(active, context)
                if chosen is None:
                    continue
                current = conn.execute("SELECT place_id, confidence, precision, runner_up_place_id, "
                                       "runner_up_confidence FROM mentions WHERE id=? AND not_a_place=0",
                                       (int(mention_id),)).fetchone()
                if current is None:
                    continue
                if chosen["id"] not in target_ids:
                    geometry = json.loads(chosen["geometry"]) if chosen["geometry"] else None
                    target_ids[chosen["id"]] = self._place_id(conn, Place(
                        key=chosen["place_key"], name=chosen["place_name"], lat=chosen["lat"], lon=chosen["lon"],
                        feature_type=chosen["feature_type"], country=chosen["country"], geometry=geometry,
                        source="analyst" if chosen["kind"] == "coordinates" else "correction"))
                target = target_ids[chosen["id"]]
                place_id, confidence, precision, runner_id, runner_conf = current
                self._record_original(conn, int(mention_id), chosen["id"], *current)
                if runner_id is not None and runner_id == target:  # the runner-up was chosen: swap them
                    runner_id, runner_conf = place_id, confidence
                conn.execute("UPDATE mentions SET place_id=?, confidence=1.0, precision=?, runner_up_place_id=?, "
                             "runner_up_confidence=? WHERE id=?",
                             (target, chosen["precision"], runner_id, runner_conf or 0.0, int(mention_id)))
        return new_id
