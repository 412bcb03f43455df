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

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point, shape

from geo.layers.geometry import fix_antimeridian
from geo.model import PRECISION_LABELS

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
