"""The store's SQL: its baseline layout and the queries worth a name.

:data:`BASELINE_SCHEMA` is the store as version 2 made it, the first version (the code before
``geo/store/migrations.py`` ran it, idempotently, on every open). New stores and legacy ones
start from it and go through the steps of :mod:`geo.store.migrations`: change the store by adding
a step there, never by editing this script.
"""

from __future__ import annotations

#: The version :data:`BASELINE_SCHEMA` makes (legacy stores carry it as ``meta.schema_version``).
BASELINE_VERSION = 2

BASELINE_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    corpus_id TEXT NOT NULL,
    content_hash TEXT NOT NULL UNIQUE,
    file TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    published TEXT,
    title TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT 'en',
    text TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    pipeline_version TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS articles_corpus_id ON articles(corpus_id);
CREATE TABLE IF NOT EXISTS places (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    feature_type TEXT NOT NULL,
    country TEXT NOT NULL DEFAULT '',
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    population INTEGER NOT NULL DEFAULT 0,
    geometry TEXT,
    source TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS mentions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    text TEXT NOT NULL,
    sentence_start INTEGER NOT NULL,
    sentence_end INTEGER NOT NULL,
    method TEXT NOT NULL,
    place_id INTEGER REFERENCES places(id),
    confidence REAL NOT NULL DEFAULT 0,
    precision INTEGER,
    metonymic INTEGER NOT NULL DEFAULT 0,
    metonymy_reason TEXT NOT NULL DEFAULT '',
    not_a_place INTEGER NOT NULL DEFAULT 0,
    runner_up_place_id INTEGER REFERENCES places(id),
    runner_up_confidence REAL NOT NULL DEFAULT 0,
    candidates TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS mentions_article ON mentions(article_id);
CREATE INDEX IF NOT EXISTS mentions_place ON mentions(place_id);
CREATE TABLE IF NOT EXISTS claims (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    claimant TEXT NOT NULL,
    claimant_text TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    date TEXT,
    date_end TEXT,
    date_precision TEXT,
    kind TEXT NOT NULL DEFAULT 'statement',
    stance TEXT NOT NULL DEFAULT 'assert',
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS claims_article ON claims(article_id);
-- Dispute linking looks up a day's claims of the opposite stance (and date filters use the
-- prefix). Replaces an index on the date alone, which made linking read every claim of the day.
DROP INDEX IF EXISTS claims_date;
CREATE INDEX IF NOT EXISTS claims_date_stance ON claims(date, stance);
CREATE TABLE IF NOT EXISTS claim_places (
    claim_id INTEGER NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
    mention_id INTEGER NOT NULL REFERENCES mentions(id) ON DELETE CASCADE,
    PRIMARY KEY (claim_id, mention_id)
);
-- Deleting an article (re-ingesting new content for its id) cascades from each mention to its
-- claim links; without this index every cascade scanned all claims' places.
CREATE INDEX IF NOT EXISTS claim_places_mention ON claim_places(mention_id);
CREATE TABLE IF NOT EXISTS claim_disputes (
    claim_id INTEGER NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
    disputed_by TEXT NOT NULL,
    disputing_claim_id INTEGER REFERENCES claims(id) ON DELETE SET NULL,
    PRIMARY KEY (claim_id, disputed_by)
);
CREATE INDEX IF NOT EXISTS claim_disputes_disputing ON claim_disputes(disputing_claim_id);
-- Analysts' corrections of place resolution (geo/corrections.py). A correction is keyed by the
-- normalised surface name and a context (the article's focus country, or 'global'); it applies to
-- every mention of that name in articles of that context. `original` keeps the resolution of the
-- mention the analyst corrected; correction_mentions keeps, for every mention it changed, that
-- mention's own resolution before, so undo restores each exactly.
CREATE TABLE IF NOT EXISTS corrections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name_norm TEXT NOT NULL,
    surface TEXT NOT NULL DEFAULT '',
    context TEXT NOT NULL,
    kind TEXT NOT NULL,
    place_key TEXT NOT NULL,
    place_name TEXT NOT NULL,
    feature_type TEXT NOT NULL,
    country TEXT NOT NULL DEFAULT '',
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    geometry TEXT,
    precision INTEGER,
    analyst TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    mention_id INTEGER,
    article_id INTEGER,
    original TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'active',
    undone_at TEXT,
    undone_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS corrections_name ON corrections(name_norm, context, status);
CREATE TABLE IF NOT EXISTS correction_mentions (
    mention_id INTEGER PRIMARY KEY REFERENCES mentions(id) ON DELETE CASCADE,
    correction_id INTEGER NOT NULL REFERENCES corrections(id),
    place_id INTEGER REFERENCES places(id),
    confidence REAL NOT NULL DEFAULT 0,
    precision INTEGER,
    runner_up_place_id INTEGER REFERENCES places(id),
    runner_up_confidence REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS correction_mentions_correction ON correction_mentions(correction_id);
INSERT OR IGNORE INTO meta VALUES ('schema_version', '2');
INSERT OR IGNORE INTO meta VALUES ('data_version', '0');
"""


# From the day's claims of the opposite stance (index claims_date_stance_article, store version 5), not from every
# earlier mention of the place, nor from every claim of the day: either would make each
# ingest slower than the last. Stances are "assert" and "deny", so "opposite" is an
# equality the index can serve.
_CROSS_ARTICLE_DISPUTES_PART = """
    SELECT a.id, b.id, a.claimant, b.claimant
    FROM claims a
    JOIN claims b ON b.date = a.date
                 AND b.stance = (CASE a.stance WHEN 'deny' THEN 'assert' ELSE 'deny' END)
                 AND b.article_id {side} a.article_id AND b.claimant != a.claimant
    WHERE a.article_id = ? AND a.date IS NOT NULL
      AND EXISTS (SELECT 1 FROM claim_places ap JOIN mentions am ON am.id = ap.mention_id
                  JOIN claim_places bp ON bp.claim_id = b.id JOIN mentions bm ON bm.id = bp.mention_id
                  WHERE ap.claim_id = a.id AND bm.place_id = am.place_id)
    """
#: The claims of other articles (parameters: the article's id, twice) disputing or disputed by the
#: article's claims. Other articles are those before and after it, two ranges of the index
#: ``claims_date_stance_article``: "!=" would read the article's own claims of the day too, and a
#: long article with thousands of claims of one day made that quadratic (12 s for a 2 MB article).
CROSS_ARTICLE_DISPUTES_SQL = (_CROSS_ARTICLE_DISPUTES_PART.format(side="<") + "UNION ALL"
                              + _CROSS_ARTICLE_DISPUTES_PART.format(side=">") + "ORDER BY 1, 2\n")


# Version 5 (geo/store/migrations.py): each place's bounding box in an R*Tree, so a view's places
# are an indexed query (Store.place_ids_in_bounds, Store.mentions_in_view_df), and the articles'
# publication date indexed for date filters. The store adds a place's box when it adds the place
# (places are never updated); the trigger drops it with the place.
PLACE_BOXES_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS place_boxes USING rtree(id, min_lon, max_lon, min_lat, max_lat);
CREATE TRIGGER IF NOT EXISTS place_boxes_delete AFTER DELETE ON places BEGIN
    DELETE FROM place_boxes WHERE id = old.id;
END;
CREATE INDEX IF NOT EXISTS articles_published ON articles(published);
"""


def place_box(lat: float, lon: float, geometry: str | None) -> tuple[float, float, float, float]:
    """A place's box for ``place_boxes``: ``(min_lon, max_lon, min_lat, max_lat)`` of its stored
    GeoJSON geometry, else (none, or unreadable) of its point.

    >>> place_box(40.0, 47.0, None)
    (47.0, 47.0, 40.0, 40.0)
    >>> place_box(40.0, 47.0, '{"type": "LineString", "coordinates": [[45, 39], [48, 41.5]]}')
    (45.0, 48.0, 39.0, 41.5)
    """
    import json

    import shapely.errors
    import shapely.geometry

    if geometry:
        try:
            minx, miny, maxx, maxy = shapely.geometry.shape(json.loads(geometry)).bounds
            if all(v == v for v in (minx, miny, maxx, maxy)):  # an empty geometry has NaN bounds
                return float(minx), float(maxx), float(miny), float(maxy)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, shapely.errors.ShapelyError):
            pass  # not readable as GeoJSON: the point
    return float(lon), float(lon), float(lat), float(lat)
