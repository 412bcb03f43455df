"""Map layers as GeoDataFrames, built from the store's mentions and the shipped reference data.

Pure functions (no Streamlit): the pages cache their results, the tests call them directly.

* :func:`place_layer`: one row per place that the articles mention as a place (resolved, not
  metonymic, not "not a place"), with its geometry and summary figures;
* :func:`mention_table`: every mention of one place, with its source sentence;
* :func:`reference_layers` / :func:`basemap_layer`: the GeoJSON files of ``data/reference/``;
* :func:`place_at`: which place a map click (a lat/lon) landed on.

>>> places = place_layer(store.mentions_df())          # doctest: +SKIP
>>> places.loc[0, ["place_key", "mention_count"]]      # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point, shape

from geo.model import PRECISION_LABELS

__all__ = [
    "BASEMAP_FILE",
    "CLAIM_COLUMNS",
    "LINE_TYPES",
    "LOCATION_FOCUS",
    "LOCATION_NAMED",
    "PLACE_COLUMNS",
    "REFERENCE_FILES",
    "article_focus_places",
    "basemap_layer",
    "claim_date_label",
    "claim_layer",
    "claim_table",
    "claims_in_range",
    "filter_claims",
    "fix_antimeridian",
    "mention_table",
    "mentions_in_range",
    "place_at",
    "place_layer",
    "plottable_mentions",
    "precision_label",
    "reference_layers",
    "synthetic_mentions",
]

#: Reference layers shown on the map (key -> file in data/reference/).
REFERENCE_FILES: dict[str, str] = {
    "countries_south_caucasus": "countries_south_caucasus.geojson",
    "nagorno_karabakh_pre2020": "nagorno_karabakh_pre2020.geojson",
    "borders_pairwise": "borders_pairwise.geojson",
    "pipelines_gem": "pipelines_gem.geojson",
    "admin1_aze_arm": "admin1_aze_arm.geojson",
}
BASEMAP_FILE = "world_countries.geojson"

#: Feature types drawn as lines when the place has a line geometry.
LINE_TYPES = ("border", "pipeline", "river")

PLACE_COLUMNS = [
    "place_key", "place_name", "feature_type", "country", "precision", "precision_label",
    "max_confidence", "mean_confidence", "mention_count", "articles", "first_published",
    "last_published", "mention_ids", "article_ids", "lat", "lon", "geometry",
]

_MENTION_TABLE_COLUMNS = [
    "published", "source", "title", "text", "sentence", "confidence", "precision_label", "metonymic",
    "runner_up_name", "runner_up_confidence", "method", "mention_id", "article_id", "url",
]


def precision_label(value: object) -> str:
    """Human label of a precision code (``""`` when unknown)."""
    try:
        if value is None or pd.isna(value):
            return ""
        return PRECISION_LABELS.get(int(value), str(value))
    except (TypeError, ValueError):
        return str(value)


def _flag(series: pd.Series) -> pd.Series:
    return series.fillna(0).astype(int).astype(bool)


def plottable_mentions(mentions: pd.DataFrame) -> pd.DataFrame:
    """Mentions that go on the map: resolved to a place, a real place, not used metonymically."""
    if mentions.empty:
        return mentions.copy()
    keep = mentions["place_key"].notna() & ~_flag(mentions["not_a_place"]) & ~_flag(mentions["metonymic"])
    return mentions.loc[keep]


def _unwrap_ring(coords: np.ndarray, closed: bool = True) -> np.ndarray:
    """A ring (or line) whose longitude jumps by more than 180 degrees between two vertices (it
    crosses the antimeridian: -180 and 180 are the same meridian) made continuous, 179 -> 181
    instead of 179 -> -179, then shifted by a multiple of 360 degrees to overlap [-180, 180] the
    most. Leaflet would otherwise draw a band across the whole map. Rings that do not close after
    unwrapping (they go round the pole, like Antarctica's) are left as they are."""
    lon = coords[:, 0]
    if len(lon) < 2 or np.abs(np.diff(lon)).max() <= 180:
        return coords
    unwrapped = np.unwrap(lon, period=360)
    if closed and abs(unwrapped[0] - unwrapped[-1]) > 1e-9:
        return coords
    lo, hi = float(unwrapped.min()), float(unwrapped.max())
    best = max(range(-2, 3), key=lambda k: min(hi + 360 * k, 180.0) - max(lo + 360 * k, -180.0))
    out = coords.copy()
    out[:, 0] = unwrapped + 360 * best
    return out


def fix_antimeridian(geom):
    """``geom`` with its antimeridian-crossing rings and lines unwrapped (see :func:`_unwrap_ring`).
    Cheap for the usual geometry that spans less than 180 degrees of longitude: returned as is."""
    if geom is None or geom.is_empty:
        return geom
    minx, _miny, maxx, _maxy = geom.bounds
    if maxx - minx <= 180:
        return geom
    kind = geom.geom_type
    if kind == "Polygon":
        shell = _unwrap_ring(np.asarray(geom.exterior.coords))
        holes = [_unwrap_ring(np.asarray(r.coords)) for r in geom.interiors]
        return shapely.make_valid(shapely.Polygon(shell, holes))
    if kind == "LineString":
        return shapely.LineString(_unwrap_ring(np.asarray(geom.coords), closed=False))
    if kind == "MultiPolygon":
        # Unwrapped, the slices some sources cut large countries into touch again: merge them, so
        # no seam is drawn across the country.
        # A part still spanning more than 180 degrees that does not reach a pole could not be
        # unwrapped (a sliver of a broken ring): it would draw a line round the world, so drop it.
        parts = [fix_antimeridian(p) for p in geom.geoms]
        parts = [p for p in parts if p.bounds[2] - p.bounds[0] <= 180 or max(abs(p.bounds[1]), abs(p.bounds[3])) > 60]
        merged = shapely.union_all(parts)
        return merged if merged.geom_type in ("Polygon", "MultiPolygon") else geom
    if kind in ("MultiLineString", "GeometryCollection"):
        return type(geom)([fix_antimeridian(p) for p in geom.geoms])
    return geom


def _geometry(feature_type: str, geometry_json: object, lat: float, lon: float):
    """Line or area geometry from the store's GeoJSON when it has one; otherwise the point."""
    if feature_type != "settlement" and isinstance(geometry_json, str) and geometry_json:
        try:
            geom = shape(json.loads(geometry_json))
            if not geom.is_empty:
                return fix_antimeridian(geom)
        except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.ShapelyError):
            pass
    return Point(float(lon), float(lat))


def _empty_places() -> gpd.GeoDataFrame:
    df = pd.DataFrame({c: pd.Series(dtype="object") for c in PLACE_COLUMNS if c != "geometry"})
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")


def place_layer(mentions: pd.DataFrame) -> gpd.GeoDataFrame:
    """One row per place mentioned as a place, with its geometry (EPSG:4326).

    Settlements are points; borders and pipelines are lines and regions and countries are polygons
    when the store holds their GeoJSON geometry, points otherwise. ``precision`` is the finest
    precision any of its mentions was resolved at; ``mention_ids``/``article_ids`` link every
    plotted feature back to its source sentences. Sorted by mention count, most mentioned first.
    """
    m = plottable_mentions(mentions)
    if m.empty:
        return _empty_places()
    m = m.sort_values(["place_key", "mention_id"], kind="stable")
    grouped = m.groupby("place_key", sort=True)
    firsts = grouped[["place_name", "feature_type", "country", "lat", "lon", "geometry"]].first()
    stats = grouped.agg(
        precision=("precision", "min"),
        max_confidence=("confidence", "max"),
        mean_confidence=("confidence", "mean"),
        mention_count=("mention_id", "size"),
        articles=("article_id", "nunique"),
        first_published=("published", "min"),
        last_published=("published", "max"),
    )
    df = firsts.join(stats).reset_index()
    # Id lists per place without a Python-level groupby apply (it dominates at 10,000 places).
    keys = m["place_key"].to_numpy()
    cuts = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    mention_ids = np.split(m["mention_id"].to_numpy().astype(np.int64), cuts)
    article_ids = np.split(m["article_id"].to_numpy().astype(np.int64), cuts)
    df["mention_ids"] = [ids.tolist() for ids in mention_ids]
    df["article_ids"] = [sorted(set(ids.tolist())) for ids in article_ids]
    df["feature_type"] = df["feature_type"].fillna("other")
    df["country"] = df["country"].fillna("")
    df["precision_label"] = [precision_label(p) for p in df["precision"]]
    df["mean_confidence"] = df["mean_confidence"].round(3)
    is_point = (df["feature_type"] == "settlement") | df["geometry"].isna()
    geoms = np.empty(len(df), dtype=object)
    if is_point.any():
        geoms[is_point.to_numpy()] = shapely.points(
            df.loc[is_point, "lon"].astype(float).to_numpy(), df.loc[is_point, "lat"].astype(float).to_numpy()
        )
    for i in np.flatnonzero(~is_point.to_numpy()):
        row = df.iloc[i]
        geoms[i] = _geometry(row["feature_type"], row["geometry"], row["lat"], row["lon"])
    df = df.drop(columns="geometry")
    gdf = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(list(geoms), crs="EPSG:4326"), crs="EPSG:4326")
    gdf = gdf.sort_values(["mention_count", "place_name"], ascending=[False, True], kind="stable")
    return gdf.reset_index(drop=True)[PLACE_COLUMNS]


def mention_table(mentions: pd.DataFrame, place_key: str | None) -> pd.DataFrame:
    """Every mention resolved to ``place_key`` (metonymic ones included, flagged), oldest first."""
    if mentions.empty or not place_key:
        return pd.DataFrame(columns=_MENTION_TABLE_COLUMNS)
    rows = mentions.loc[(mentions["place_key"] == place_key) & ~_flag(mentions["not_a_place"])].copy()
    rows["precision_label"] = [precision_label(p) for p in rows["precision"]]
    rows["metonymic"] = _flag(rows["metonymic"])
    rows = rows.sort_values(["published", "article_id", "start"], kind="stable", na_position="last")
    return rows.reset_index(drop=True)[_MENTION_TABLE_COLUMNS]


def reference_layers(reference_dir: Path | str) -> dict[str, gpd.GeoDataFrame]:
    """The reference layers of :data:`REFERENCE_FILES` (missing files are left out)."""
    folder = Path(reference_dir)
    out: dict[str, gpd.GeoDataFrame] = {}
    for key, name in REFERENCE_FILES.items():
        path = folder / name
        if path.is_file():
            gdf = gpd.read_file(path)
            gdf = gdf.to_crs("EPSG:4326") if gdf.crs is not None else gdf.set_crs("EPSG:4326")
            out[key] = gdf.set_geometry(gpd.GeoSeries([fix_antimeridian(g) for g in gdf.geometry], crs="EPSG:4326"))
    return out


def basemap_layer(reference_dir: Path | str, tolerance: float = 0.05, grid: float = 0.01) -> gpd.GeoDataFrame:
    """World countries, simplified (``tolerance`` degrees) and snapped to a ``grid``: an offline basemap."""
    path = Path(reference_dir) / BASEMAP_FILE
    if not path.is_file():
        return gpd.GeoDataFrame({"name": []}, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")
    gdf = gpd.read_file(path)[["iso_a2", "name", "geometry"]]
    geoms = gpd.GeoSeries([fix_antimeridian(g) for g in gdf.geometry], crs="EPSG:4326")
    geoms = geoms.simplify(tolerance, preserve_topology=True)
    geoms = shapely.make_valid(shapely.set_precision(geoms.to_numpy(), grid))
    gdf = gdf.set_geometry(gpd.GeoSeries(geoms, crs="EPSG:4326"))
    return gdf.loc[~gdf.geometry.is_empty].reset_index(drop=True)


def place_at(places: gpd.GeoDataFrame, lat: float, lon: float, tolerance: float = 0.05) -> str | None:
    """The place a click at ``lat``/``lon`` selects: a point at (or within ``tolerance`` degrees of)
    the click, else a line within ``tolerance``, else the smallest area containing the click."""
    if places is None or places.empty or lat is None or lon is None:
        return None
    click = Point(float(lon), float(lat))
    geoms = places.geometry.to_numpy()
    kinds = shapely.get_type_id(geoms)  # 0 point, 1 line, 3 polygon, 5 multiline, 6 multipolygon
    dist = shapely.distance(geoms, click)  # degrees: only compared with each other and `tolerance`
    for mask in (kinds == 0, np.isin(kinds, (1, 5))):
        near = np.flatnonzero(mask & (dist <= tolerance))
        if len(near):
            return str(places["place_key"].iloc[near[np.argmin(dist[near])]])
    inside = np.flatnonzero(np.isin(kinds, (3, 6)) & shapely.covers(geoms, click))
    if len(inside):
        return str(places["place_key"].iloc[inside[np.argmin(shapely.area(geoms[inside]))]])
    return None


def synthetic_mentions(n_places: int, mentions_per_place: int = 2, seed: int = 0) -> pd.DataFrame:
    """A fake ``Store.mentions_df()`` of ``n_places`` settlements around the South Caucasus
    (for benchmarks and tests of scale; nothing here is real data)."""
    rng = np.random.default_rng(seed)
    n = n_places * mentions_per_place
    place_idx = np.repeat(np.arange(n_places), mentions_per_place)
    lat = rng.uniform(38.0, 43.5, n_places)
    lon = rng.uniform(43.0, 50.5, n_places)
    conf = rng.uniform(0.3, 1.0, n)
    names = np.array([f"Place {i}" for i in range(n_places)], dtype=object)
    days = rng.integers(1, 29, n)
    return pd.DataFrame({
        "mention_id": np.arange(1, n + 1),
        "article_id": rng.integers(1, max(2, n_places // 10), n),
        "corpus_id": "synthetic",
        "title": [f"Synthetic report {i}" for i in range(n)],
        "source": rng.choice(["Agency A", "Agency B", "Paper C"], n),
        "url": "",
        "published": [f"2020-10-{d:02d}" for d in days],
        "start": 0,
        "end": 5,
        "text": names[place_idx],
        "method": "synthetic",
        "confidence": conf.round(3),
        "precision": 1,
        "metonymic": 0,
        "metonymy_reason": "",
        "not_a_place": 0,
        "runner_up_confidence": 0.0,
        "candidates": "[]",
        "sentence": [f"Shelling was reported near {names[i]} on Tuesday, the ministry said." for i in place_idx],
        "place_key": [f"synthetic:{i}" for i in place_idx],
        "place_name": names[place_idx],
        "feature_type": "settlement",
        "country": "AZ",
        "lat": lat[place_idx],
        "lon": lon[place_idx],
        "geometry": None,
        "runner_up_key": None,
        "runner_up_name": None,
    })


# ------------------------------------------------------------------------------------ claims
CLAIM_COLUMNS = [
    "claim_id", "article_id", "claimant", "claimant_text", "text", "start", "end", "date", "date_end",
    "date_precision", "kind", "stance", "disputed", "disputed_by", "disputing_claim_ids", "source", "title",
    "published", "url", "place_key", "place_name", "feature_type", "country", "location", "approximate",
    "lat", "lon", "geometry",
]
#: ``location`` of a claim drawn at a place it names, and of one drawn at its article's focus place.
LOCATION_NAMED = "named in the claim"
LOCATION_FOCUS = "article focus (approximate)"

_FOCUS_COLUMNS = ["article_id", "place_key", "place_name", "feature_type", "country", "lat", "lon"]


def _split_actors(value: object) -> list[str]:
    """``Store.claims_df()``'s ``disputed_by`` ("A|B", or NULL) as a list; lists pass through."""
    if isinstance(value, list | tuple):
        return [str(v) for v in value if str(v)]
    if not isinstance(value, str) or not value:
        return []
    return [v for v in dict.fromkeys(value.split("|")) if v]


def article_focus_places(mentions: pd.DataFrame) -> pd.DataFrame:
    """Per article, the place a claim naming no place is drawn at: its most mentioned plottable
    place that is not a country (ties: the first named), else its most mentioned country. Articles
    with no plottable place have no row."""
    m = plottable_mentions(mentions)
    if m.empty:
        return pd.DataFrame(columns=_FOCUS_COLUMNS)
    m = m.assign(_country=(m["feature_type"] == "country").astype(int))
    stats = (m.groupby(["article_id", "place_key"], sort=False)
             .agg(n=("mention_id", "size"), first=("start", "min"), _country=("_country", "max"))
             .reset_index())
    stats = stats.sort_values(["article_id", "_country", "n", "first"], ascending=[True, True, False, True],
                              kind="stable")
    best = stats.drop_duplicates("article_id")[["article_id", "place_key"]]
    info = m.drop_duplicates("place_key")[["place_key", "place_name", "feature_type", "country", "lat", "lon"]]
    return best.merge(info, on="place_key", how="left").reset_index(drop=True)[_FOCUS_COLUMNS]


def _empty_claims() -> gpd.GeoDataFrame:
    df = pd.DataFrame({c: pd.Series(dtype="object") for c in CLAIM_COLUMNS if c != "geometry"})
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")


def claim_layer(claims: pd.DataFrame, claim_places: pd.DataFrame, mentions: pd.DataFrame,
                disputes: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Claims as map features: one point per claim and place (EPSG:4326).

    ``claims`` is ``Store.claims_df()``, ``claim_places`` ``Store.claim_places_df()`` and
    ``mentions`` ``Store.mentions_df()``. A claim is drawn at each place it names (its linked
    mentions that are resolved, real places and not metonymic; a place named twice counts once),
    ``location`` :data:`LOCATION_NAMED`. A claim naming no such place is drawn once at its
    article's focus place (:func:`article_focus_places`), ``location`` :data:`LOCATION_FOCUS` and
    ``approximate`` true; with no place in its article at all it is left out.

    ``disputed_by`` is a list of actors, ``disputed`` whether it is empty. ``disputes`` (optional:
    ``claim_id``, ``disputed_by``, ``disputing_claim_id``, as in the ``claim_disputes`` table) adds
    the disputing claims known to the store in ``disputing_claim_ids``.
    """
    if claims is None or claims.empty:
        return _empty_claims()
    base = claims.copy()
    base["disputed_by"] = [_split_actors(v) for v in base["disputed_by"]] if "disputed_by" in base else [[]] * len(base)
    links: dict[int, list[int]] = {}
    if disputes is not None and not disputes.empty:
        known = disputes.dropna(subset=["disputing_claim_id"])
        for cid, other in zip(known["claim_id"].astype(int), known["disputing_claim_id"].astype(int), strict=True):
            links.setdefault(cid, []).append(other)
        extra = disputes.groupby("claim_id")["disputed_by"].agg(list).to_dict()
        base["disputed_by"] = [list(dict.fromkeys(a + [str(x) for x in extra.get(int(c), [])]))
                               for a, c in zip(base["disputed_by"], base["claim_id"], strict=True)]
    base["disputing_claim_ids"] = [sorted(set(links.get(int(c), []))) for c in base["claim_id"]]
    base["disputed"] = [bool(a) for a in base["disputed_by"]]

    place_cols = ["mention_id", "place_key", "place_name", "feature_type", "country", "lat", "lon"]
    plottable = plottable_mentions(mentions)
    named = pd.DataFrame(columns=["claim_id", *place_cols[1:]])
    if claim_places is not None and not claim_places.empty and not plottable.empty:
        named = (claim_places[["claim_id", "mention_id"]]
                 .merge(plottable[place_cols], on="mention_id", how="inner")
                 .sort_values(["claim_id", "mention_id"], kind="stable")
                 .drop_duplicates(["claim_id", "place_key"])
                 .drop(columns="mention_id"))
    named = named.assign(location=LOCATION_NAMED, approximate=False)
    unplaced = base.loc[~base["claim_id"].isin(set(named["claim_id"])), ["claim_id", "article_id"]]
    focus = unplaced.merge(article_focus_places(mentions), on="article_id", how="inner").drop(columns="article_id")
    focus = focus.assign(location=LOCATION_FOCUS, approximate=True)
    located = pd.concat([named, focus], ignore_index=True) if not focus.empty else named
    if located.empty:
        return _empty_claims()
    df = base.drop(columns=[c for c in ("place_key", "lat", "lon") if c in base]).merge(located, on="claim_id")
    df["approximate"] = df["approximate"].astype(bool)
    df["feature_type"] = df["feature_type"].fillna("other")
    df["country"] = df["country"].fillna("")
    df = df.sort_values(["date", "published", "claim_id", "approximate"], kind="stable", na_position="last")
    geoms = shapely.points(df["lon"].astype(float).to_numpy(), df["lat"].astype(float).to_numpy())
    gdf = gpd.GeoDataFrame(df.reset_index(drop=True), geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"),
                           crs="EPSG:4326")
    for c in CLAIM_COLUMNS:
        if c not in gdf:
            gdf[c] = None
    return gdf[CLAIM_COLUMNS]


def claim_date_label(date: object, date_end: object = None, precision: object = None) -> str:
    """A claim's date as shown: ``2020-10-23``, ``2020-10-19 – 2020-10-25 (week)``, or ``undated``."""
    if not isinstance(date, str) or not date:
        return "undated"
    label = date
    if isinstance(date_end, str) and date_end and date_end != date:
        label += f" – {date_end}"
    if isinstance(precision, str) and precision and precision != "day":
        label += f" ({precision})"
    return label


def claims_in_range(claims: pd.DataFrame, start: object = None, end: object = None) -> pd.DataFrame:
    """Claims whose date (or date range) overlaps ``start``..``end`` (ISO dates or ``date``s, both
    inclusive; ``None`` leaves that side open). An undated claim counts at its article's date;
    with neither it is left out of any bounded range."""
    if claims is None or claims.empty or (start is None and end is None):
        return claims
    lo = str(start)[:10] if start is not None else None
    hi = str(end)[:10] if end is not None else None
    first = claims["date"].where(claims["date"].notna(), claims["published"]).astype("string")
    last = claims["date_end"].where(claims["date_end"].notna(), first).astype("string")
    keep = first.notna()
    if hi is not None:
        keep &= first.str.slice(0, 10) <= hi
    if lo is not None:
        keep &= last.str.slice(0, 10) >= lo
    return claims.loc[keep.fillna(False).astype(bool)]


def mentions_in_range(mentions: pd.DataFrame, start: object = None, end: object = None) -> pd.DataFrame:
    """Mentions of articles published ``start``..``end`` (inclusive; undated articles are left out
    of any bounded range)."""
    if mentions is None or mentions.empty or (start is None and end is None):
        return mentions
    published = mentions["published"].astype("string").str.slice(0, 10)
    keep = published.notna()
    if start is not None:
        keep &= published >= str(start)[:10]
    if end is not None:
        keep &= published <= str(end)[:10]
    return mentions.loc[keep.fillna(False).astype(bool)]


def filter_claims(claims: pd.DataFrame, claimants: Sequence[str] | None = None, kinds: Sequence[str] | None = None,
                  disputed_only: bool = False, sources: Sequence[str] | None = None) -> pd.DataFrame:
    """Claims by claimant, kind, source (empty or ``None``: any) and, optionally, disputed ones only.
    Works on ``Store.claims_df()`` and on :func:`claim_layer`'s rows alike."""
    if claims is None or claims.empty:
        return claims
    keep = pd.Series(True, index=claims.index)
    if claimants:
        keep &= claims["claimant"].isin(list(claimants))
    if kinds:
        keep &= claims["kind"].isin(list(kinds))
    if sources:
        keep &= claims["source"].isin(list(sources))
    if disputed_only:
        if "disputed" in claims:
            keep &= claims["disputed"].fillna(False).astype(bool)
        else:
            keep &= claims["disputed_by"].map(lambda v: bool(_split_actors(v)))
    return claims.loc[keep]


def claim_table(claims: pd.DataFrame) -> pd.DataFrame:
    """``Store.claims_df()`` as the Claims page lists it: one row per claim, with ``date_label``,
    ``disputed`` and ``disputed_by`` (a list)."""
    if claims is None or claims.empty:
        cols = ["claim_id", "date_label", "claimant", "claimant_text", "kind", "stance", "disputed", "disputed_by",
                "source", "title", "published", "text", "article_id", "date", "date_end", "start", "end"]
        return pd.DataFrame(columns=cols)
    df = claims.copy()
    df["disputed_by"] = [_split_actors(v) for v in df["disputed_by"]]
    df["disputed"] = [bool(v) for v in df["disputed_by"]]
    df["date_label"] = [claim_date_label(d, e, p) for d, e, p in
                        zip(df["date"], df["date_end"], df["date_precision"], strict=True)]
    return df.reset_index(drop=True)
