"""Map layers as GeoDataFrames, built from the store's mentions and the shipped reference data.

Pure functions (no Streamlit): the pages cache their results, the tests call them directly.

* :func:`place_layer`: one row per place that the articles mention as a place (resolved, not
  metonymic, not "not a place"), with its geometry and summary figures;
* :func:`mention_table`: every mention of one place, with its source sentence;
* :func:`review_table` / :func:`review_mentions`: the Places page's table, one row per place or
  unresolved name with how its mentions were resolved, and the mentions of one such row;
* :func:`reference_layers` / :func:`basemap_layer`: the GeoJSON files of ``data/reference/``;
* :func:`place_at`: which place a map click (a lat/lon) landed on.

>>> places = place_layer(store.mentions_df())          # doctest: +SKIP
>>> places.loc[0, ["place_key", "mention_count"]]      # doctest: +SKIP
"""

from __future__ import annotations

import json
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point, shape

from geo.layers.geometry import fix_antimeridian
from geo.model import PRECISION_LABELS
from geo.text.names import normalize_name

#: Feature types drawn as lines when the place has a line geometry.
LINE_TYPES = ("border", "pipeline", "river")
#: The initial view frames the places holding this share of the mentions (see focus_places).
FOCUS_SHARE = 0.8
#: An area or line wider or taller than this (degrees, ~280 km) is broad: a country, a large
#: province, "the South Caucasus", a pipeline across three countries (a district, or a small region
#: such as Nagorno-Karabakh, 1.8 degrees, is not). Broad places are drawn light and never decide the
#: map's extent while anything finer is mentioned (see broad_places).
BROAD_SPAN_DEGREES = 2.5

PLACE_COLUMNS = [
    "place_key", "place_name", "feature_type", "country", "precision", "precision_label",
    "max_confidence", "mean_confidence", "mention_count", "articles", "first_published",
    "last_published", "mention_ids", "article_ids", "lat", "lon", "geometry",
]

_MENTION_TABLE_COLUMNS = [
    "published", "source", "title", "text", "sentence", "confidence", "precision_label", "metonymic",
    "runner_up_name", "runner_up_confidence", "method", "mention_id", "article_id", "url",
]


def precision_label(value: Any) -> str:
    """Human label of a precision code (``""`` when unknown)."""
    try:
        if value is None or pd.isna(value):
            return ""
        return PRECISION_LABELS.get(int(value), str(value))
    except (TypeError, ValueError):
        return str(value)


def flag(series: pd.Series) -> pd.Series:
    """A 0/1 column of the store (``metonymic``, ``not_a_place``...) as booleans, missing as False."""
    return series.fillna(0).astype(int).astype(bool)


def plottable_mentions(mentions: pd.DataFrame) -> pd.DataFrame:
    """Mentions that go on the map: resolved to a place, a real place, not used metonymically."""
    if mentions.empty:
        return mentions.copy()
    keep = mentions["place_key"].notna() & ~flag(mentions["not_a_place"]) & ~flag(mentions["metonymic"])
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
    df = m.groupby("place_key", sort=True).agg(
        place_name=("place_name", "first"),  # the place's own attributes: the same on all its mentions
        feature_type=("feature_type", "first"),
        country=("country", "first"),
        lat=("lat", "first"),
        lon=("lon", "first"),
        geometry=("geometry", "first"),
        precision=("precision", "min"),
        max_confidence=("confidence", "max"),
        mean_confidence=("confidence", "mean"),
        mention_count=("mention_id", "size"),
        articles=("article_id", "nunique"),
        first_published=("published", "min"),
        last_published=("published", "max"),
    ).reset_index()
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


def _listed(rows: pd.DataFrame) -> pd.DataFrame:
    """Mentions as the pages list them: oldest first (then in article order), with the precision's
    label and the metonymic flag as a boolean."""
    rows = rows.assign(precision_label=[precision_label(p) for p in rows["precision"]],
                       metonymic=flag(rows["metonymic"]))
    return rows.sort_values(["published", "article_id", "start"], kind="stable", na_position="last")


def mention_table(mentions: pd.DataFrame, place_key: str | None) -> pd.DataFrame:
    """Every mention resolved to ``place_key`` (metonymic ones included, flagged), oldest first."""
    if mentions.empty or not place_key:
        return pd.DataFrame(columns=_MENTION_TABLE_COLUMNS)
    rows = mentions.loc[(mentions["place_key"] == place_key) & ~flag(mentions["not_a_place"])]
    return _listed(rows).reset_index(drop=True)[_MENTION_TABLE_COLUMNS]


# ------------------------------------------------------------------------------------ review (Places page)
#: Key prefix of the review table's rows for names resolved to no place (one row per normalised name).
UNRESOLVED = "unresolved:"
REVIEW_COLUMNS = ["key", "place", "feature_type", "country", "mentions", "articles", "written_as", "mean_confidence",
                  "min_confidence", "precision", "runner_up", "metonymic", "corrected", "lat", "lon"]


def reviewable_mentions(mentions: pd.DataFrame, show_unresolved: bool = True) -> pd.DataFrame:
    """The mentions the Places page reviews: all but those read as "not a place", and without the
    unresolved ones unless ``show_unresolved``."""
    if mentions.empty:
        return mentions
    rows = mentions.loc[~flag(mentions["not_a_place"])]
    return rows if show_unresolved else rows.loc[rows["place_key"].notna()]


def review_keys(mentions: pd.DataFrame) -> pd.Series:
    """Each mention's row of the review table: its place key, or ``unresolved:<name normalised>``."""
    keys = [k if isinstance(k, str) and k else UNRESOLVED + normalize_name(str(t or ""))
            for k, t in zip(mentions["place_key"], mentions["text"], strict=True)]
    return pd.Series(keys, index=mentions.index, dtype="object")


def _most_frequent(values: pd.Series) -> str:
    """The most frequent value (the first in sort order among equals); "" when there is none."""
    modes = values.dropna().mode()
    return modes.iloc[0] if len(modes) else ""


def review_table(mentions: pd.DataFrame, corrected_ids: set[int]) -> pd.DataFrame:
    """One row per place (or unresolved name) of ``mentions``: mentions, articles, names as written,
    mean and lowest confidence, finest precision, most frequent runner-up, metonymic and corrected
    (by an analyst; ``corrected_ids``) mentions. Most mentioned first."""
    if mentions.empty:
        return pd.DataFrame(columns=REVIEW_COLUMNS)
    df = mentions.assign(key=review_keys(mentions), confidence=mentions["confidence"].fillna(0),
                         metonymic=flag(mentions["metonymic"]), corrected=mentions["mention_id"].isin(corrected_ids))
    table = df.groupby("key", sort=False).agg(
        place=("place_name", "first"),  # the place's own attributes: the same on all its mentions
        first_text=("text", "first"),
        feature_type=("feature_type", "first"),
        country=("country", "first"),
        mentions=("mention_id", "size"),
        articles=("article_id", "nunique"),
        written_as=("text", lambda t: "; ".join(sorted(set(t)))),
        mean_confidence=("confidence", "mean"),
        min_confidence=("confidence", "min"),
        precision=("precision", "min"),
        runner_up=("runner_up_name", _most_frequent),
        metonymic=("metonymic", "sum"),
        corrected=("corrected", "sum"),
        lat=("lat", "first"),
        lon=("lon", "first"),
    ).reset_index()
    unresolved = table["key"].str.startswith(UNRESOLVED)
    table["place"] = table["place"].where(~unresolved, "(unresolved) " + table["first_text"].astype(str))
    for column in ("feature_type", "country"):
        table[column] = table[column].where(~unresolved, "")
    table["precision"] = ["" if u else precision_label(p) for u, p in zip(unresolved, table["precision"], strict=True)]
    for column in ("lat", "lon"):
        table[column] = table[column].where(~unresolved)
    for column in ("mean_confidence", "min_confidence"):
        table[column] = [round(float(v), 3) for v in table[column]]
    table[["metonymic", "corrected"]] = table[["metonymic", "corrected"]].astype(int)
    table = table[REVIEW_COLUMNS]
    return table.sort_values(["mentions", "place"], ascending=[False, True], kind="stable").reset_index(drop=True)


def review_mentions(mentions: pd.DataFrame, key: str, corrected_ids: set[int]) -> pd.DataFrame:
    """The mentions of one row of :func:`review_table`, listed as :func:`mention_table` lists them,
    with ``corrected`` (by an analyst)."""
    rows = _listed(mentions.loc[review_keys(mentions) == key]) if not mentions.empty else mentions
    return rows.assign(corrected=rows["mention_id"].isin(corrected_ids)) if not rows.empty else rows


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


def broad_places(places: gpd.GeoDataFrame, span: float = BROAD_SPAN_DEGREES) -> np.ndarray:
    """Which places are broad (a boolean per row): countries, and areas or lines spanning more than
    ``span`` degrees either way (a large province, "the region", a border or pipeline across countries).
    A settlement is never broad, whatever its geometry.

    >>> from shapely.geometry import Point, box
    >>> gdf = gpd.GeoDataFrame({"feature_type": ["settlement", "region", "region"]},
    ...                        geometry=[Point(46.8, 39.8), box(40, 38, 50, 43), box(46.5, 39.5, 47, 40)])
    >>> broad_places(gdf).tolist()
    [False, True, False]
    """
    if places.empty:
        return np.zeros(0, dtype=bool)
    bounds = places.geometry.bounds.to_numpy(dtype=float)
    wide = np.nan_to_num(np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]), nan=0.0) > span
    kinds = places["feature_type"].astype(str).to_numpy()
    return ((kinds == "country") | wide) & (kinds != "settlement")


def core_places(places: gpd.GeoDataFrame, share: float = FOCUS_SHARE,
                about: set[str] | frozenset[str] | None = None) -> gpd.GeoDataFrame:
    """The core of the data, not its far outliers: what the view is about (the theatre is chosen
    from it; :func:`focus_places` frames its finer part).

    Countries are left out when anything finer was mentioned (they span continents). When
    ``about`` (the place keys the view's claims name) holds some of the rest, only those count.
    Of them, the places nearest the mention-weighted median position that together hold ``share``
    of the mentions are kept; so a conflict map opens on the conflict even when an article also
    names Washington or Moscow (they stay on the map, a zoom out away).
    """
    if places.empty:
        return places
    finer = places.loc[places["feature_type"] != "country"]
    pool = finer if not finer.empty else places
    if about:
        claimed = pool.loc[pool["place_key"].isin(about)]
        pool = claimed if not claimed.empty else pool
    if len(pool) == 1:
        return pool
    weights = pool["mention_count"].fillna(1).astype(float).clip(lower=1).to_numpy()
    lon, lat = pool["lon"].astype(float).to_numpy(), pool["lat"].astype(float).to_numpy()

    def weighted_median(values: np.ndarray) -> float:
        order = np.argsort(values)
        cum = np.cumsum(weights[order])
        return float(values[order][np.searchsorted(cum, cum[-1] / 2)])

    dist = np.hypot(lon - weighted_median(lon), lat - weighted_median(lat))
    order = np.argsort(dist, kind="stable")
    cum = np.cumsum(weights[order])
    n = int(np.searchsorted(cum, share * cum[-1]) + 1)
    return pool.iloc[np.sort(order[:n])]


def focus_places(places: gpd.GeoDataFrame, share: float = FOCUS_SHARE,
                 about: set[str] | frozenset[str] | None = None) -> gpd.GeoDataFrame:
    """The places the map's initial view frames: the settlements, districts and short lines of the
    core (:func:`core_places`; with ``about``, of what the view's claims name).

    Broad places (:func:`broad_places`: countries, provinces, "the southern Caucasus", long
    borders and pipelines) may make the core, but never decide the extent while it holds anything
    finer: one mention of a region must not shrink the places the articles are about into a
    corner. A core of broad places only is framed on the most mentioned of them.
    """
    core = core_places(places, share, about)
    if core.empty:
        return core
    broad = broad_places(core)
    if about and broad.all():  # the claims name broad places only: frame the finer core
        core = core_places(places, share)
        broad = broad_places(core)
    if not broad.all():
        return core.loc[~broad]
    return core.loc[[core["mention_count"].fillna(0).astype(float).idxmax()]]
