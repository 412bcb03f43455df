"""What the map sends for one view: the places within the visible bounds (plus a margin) and, at low
zoom, those places aggregated into grid cells, so the features sent stay bounded whatever the store
holds (issue 13, points 2 and 3).

Pure pandas/numpy, vectorised (no Python loop per place); no Streamlit.

* :class:`Bounds` / :func:`bounds_from_leaflet`: the view's bounds as the map component reports
  them (``{"_southWest": {"lat", "lng"}, "_northEast": {...}}``);
* :func:`bounds_around`: the bounds a map of a given size shows at a centre and zoom;
* :func:`places_in_view`: the places whose geometry's bounding box meets the bounds widened by a
  margin (longitudes wrap across the antimeridian);
* :func:`aggregate_places`: compact features for a zoom: one per grid cell holding several
  places, labelled with its most-mentioned place, or one per place when the zoom is high or the
  view holds few places;
* :func:`claim_counts` / :func:`disputed_counts`: claims (and disputed claims) per place, for the
  features' counts;
* :func:`claims_in_view`: the claims drawn one by one in a view: only when zoomed in enough and
  few enough, else none (their counts are on the places and clusters).

The grid is a quadtree of the lon/lat plane: at level ``L`` a cell spans ``360 / 2**L`` degrees
each way, and level ``zoom + 2`` makes a cell about 64 screen pixels wide (Leaflet draws the world
``256 * 2**zoom`` pixels wide). Cells nest from one level to the next, like geohashes.

>>> import pandas as pd
>>> places = pd.DataFrame({"place_key": ["a", "b", "c"], "place_name": ["Aghdam", "Barda", "Cuba"],
...                        "feature_type": "settlement", "max_confidence": 0.9,
...                        "mention_count": [3, 5, 1], "lat": [40.0, 40.1, -22.0], "lon": [47.0, 47.1, -80.0]})
>>> f = aggregate_places(places, zoom=3, few=0)
>>> f[["key", "label", "kind", "places", "mentions"]].values.tolist()
[['cell:5:20:11', 'Barda', 'cluster', 2, 8], ['c', 'Cuba', 'place', 1, 1]]
>>> aggregate_places(places, zoom=12)["kind"].tolist()  # high zoom: every place on its own
['place', 'place', 'place']
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: Features sent for one view at most (cells are coarsened until they fit).
MAX_FEATURES = 2000
#: From this zoom on, places are sent one by one (when there are at most MAX_FEATURES in view).
INDIVIDUAL_ZOOM = 10
#: A view holding at most this many places sends them one by one at any zoom.
FEW_PLACES = 500
#: A cell is about this many screen pixels wide (a power of two: 64 gives level = zoom + 2).
CELL_PIXELS = 64
#: The view is widened by this share of its width and height on every side before filtering.
MARGIN = 0.25
#: Claims (claim and place pairs) drawn one by one in a view at most; beyond, only their counts.
MAX_VIEW_CLAIMS = 500
#: A view holding at most this many claims draws them one by one at any zoom.
FEW_CLAIMS = 100

#: The columns of a compact feature.
FEATURE_COLUMNS = ["key", "label", "kind", "places", "mentions", "claims", "disputed", "style", "lat", "lon"]


@dataclass(frozen=True)
class Bounds:
    """A view's bounds in degrees. ``west`` may be greater than ``east`` (the view crosses the
    antimeridian); a span of 360 degrees or more covers every longitude."""

    south: float
    west: float
    north: float
    east: float

    def widened(self, margin: float = MARGIN) -> Bounds:
        """These bounds widened by ``margin`` times their span on every side (latitudes kept
        within -90..90; longitudes may leave -180..180, :func:`places_in_view` wraps them)."""
        dlat = (self.north - self.south) * margin
        dlon = self.lon_span * margin
        return Bounds(max(-90.0, self.south - dlat), self.west - dlon, min(90.0, self.north + dlat),
                      self.west + self.lon_span + dlon)

    @property
    def lon_span(self) -> float:
        span = self.east - self.west
        return span if span >= 0 else span + 360.0


def bounds_from_leaflet(value: Any) -> Bounds | None:
    """The bounds st_folium returns (Leaflet's ``LatLngBounds`` as JSON) as :class:`Bounds`; None
    when it sent nothing usable (before the map reported, or not numbers).

    >>> bounds_from_leaflet({"_southWest": {"lat": 38.5, "lng": 44.0}, "_northEast": {"lat": 41, "lng": 49}})
    Bounds(south=38.5, west=44.0, north=41.0, east=49.0)
    >>> bounds_from_leaflet({"_southWest": {"lat": None, "lng": None}, "_northEast": {}}) is None
    True
    """
    if not isinstance(value, dict):
        return None
    try:
        sw, ne = value["_southWest"], value["_northEast"]
        south, west, north, east = (float(sw["lat"]), float(sw["lng"]), float(ne["lat"]), float(ne["lng"]))
    except (KeyError, TypeError, ValueError):
        return None
    if not all(math.isfinite(v) for v in (south, west, north, east)) or south > north:
        return None
    if east - west >= 360.0:  # Leaflet counts on past the antimeridian: the whole world is in view
        return Bounds(max(south, -90.0), -180.0, min(north, 90.0), 180.0)
    return Bounds(max(south, -90.0), west, min(north, 90.0), east)


def bounds_around(lat: float, lon: float, zoom: int | float, width: int = 1000, height: int = 650) -> Bounds:
    """The bounds a map of ``width`` x ``height`` pixels shows centred on ``lat``/``lon`` at ``zoom``
    (Web Mercator, as Leaflet draws it): the view before the map has reported its own.

    >>> b = bounds_around(40.0, 47.0, 6, width=512, height=512)
    >>> round(b.west, 3), round(b.east, 3), round(b.south, 2), round(b.north, 2)
    (41.375, 52.625, 35.56, 44.17)
    """
    world = 256.0 * 2.0 ** float(zoom)  # pixels across the world at this zoom
    half_lon = width / 2.0 * 360.0 / world
    y = math.log(math.tan(math.pi / 4 + math.radians(min(max(lat, -85.0), 85.0)) / 2))  # Mercator
    dy = height / 2.0 * 2 * math.pi / world

    def lat_of(v: float) -> float:
        return math.degrees(2 * math.atan(math.exp(v)) - math.pi / 2)

    if half_lon >= 180.0:
        return Bounds(lat_of(y - dy), -180.0, lat_of(y + dy), 180.0)
    return Bounds(lat_of(y - dy), lon - half_lon, lat_of(y + dy), lon + half_lon)


def _wrap(lon: np.ndarray | float) -> Any:
    """Longitudes brought into -180..180."""
    return (np.asarray(lon, dtype=float) + 180.0) % 360.0 - 180.0


def _extents(places: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each place's bounding box (minx, miny, maxx, maxy): its geometry's, else its lat/lon point."""
    lon = places["lon"].astype(float).to_numpy()
    lat = places["lat"].astype(float).to_numpy()
    if isinstance(places, gpd.GeoDataFrame) and places.geometry.name in places:
        box = shapely.bounds(places.geometry.to_numpy())  # NaN for a missing geometry
        missing = np.isnan(box).any(axis=1)
        box[missing] = np.column_stack([lon, lat, lon, lat])[missing]
        return box[:, 0], box[:, 1], box[:, 2], box[:, 3]
    return lon, lat, lon, lat


def places_in_view(places: pd.DataFrame, bounds: Bounds | None, margin: float = MARGIN) -> pd.DataFrame:
    """The rows of ``places`` (a place layer: ``lat``, ``lon`` and, in a GeoDataFrame, a geometry)
    whose bounding box meets ``bounds`` widened by ``margin`` (a share of the view's span on each
    side). An area or line reaching into the view is kept; longitudes wrap, so a view across the
    antimeridian (or reported past it, as Leaflet does) keeps the places on both sides. All rows
    when ``bounds`` is None.

    >>> p = pd.DataFrame({"lat": [40.0, 40.0, 0.0], "lon": [47.0, -179.5, 47.0]})
    >>> places_in_view(p, Bounds(39, 46, 41, 48), margin=0).index.tolist()
    [0]
    >>> places_in_view(p, Bounds(39, 170, 41, 190), margin=0).index.tolist()  # across the antimeridian
    [1]
    """
    if bounds is None or places.empty:
        return places
    view = bounds.widened(margin) if margin else bounds
    minx, miny, maxx, maxy = _extents(places)
    keep = (maxy >= view.south) & (miny <= view.north)
    width = view.lon_span
    if width < 360.0:
        west = float(_wrap(view.west))
        # the box [minx, maxx] meets [west, west + width] on the circle: its west end lies in the view,
        # or the view's west end lies in the box
        keep &= (((minx - west) % 360.0 <= width) | ((west - minx) % 360.0 <= (maxx - minx)))
    return places.loc[keep]


def claim_counts(claims: pd.DataFrame | None) -> pd.Series:
    """Distinct claims per place key (a claim layer: ``claim_id``, ``place_key``)."""
    if claims is None or claims.empty or "place_key" not in claims:
        return pd.Series(dtype="int64")
    rows = claims.loc[claims["place_key"].notna(), ["place_key", "claim_id"]]
    return rows.drop_duplicates().groupby("place_key")["claim_id"].size().astype("int64")


def disputed_counts(claims: pd.DataFrame | None) -> pd.Series:
    """Distinct disputed claims per place key (a claim layer: ``claim_id``, ``place_key``,
    ``disputed``), so a cluster can say how many of its claims someone disputes.

    >>> c = pd.DataFrame({"claim_id": [1, 2, 2, 3], "place_key": ["a", "a", "b", "a"],
    ...                   "disputed": [True, True, True, False]})
    >>> disputed_counts(c).to_dict()
    {'a': 2, 'b': 1}
    """
    if claims is None or claims.empty or "disputed" not in claims:
        return pd.Series(dtype="int64")
    return claim_counts(claims.loc[claims["disputed"].fillna(False).astype(bool)])


def claims_in_view(claims: pd.DataFrame | None, zoom: int | float, bounds: Bounds | None, *,
                   margin: float = MARGIN, max_claims: int = MAX_VIEW_CLAIMS, few: int = FEW_CLAIMS,
                   individual_zoom: int = INDIVIDUAL_ZOOM) -> pd.DataFrame:
    """The rows of a claim layer (one per claim and place: ``lat``, ``lon``) to draw one by one in
    a view: those in ``bounds`` widened by ``margin``, when there are at most ``few`` of them, or
    at most ``max_claims`` at ``zoom >= individual_zoom``; otherwise none (an empty frame): the
    view's claims are then only counted on its places and clusters (:func:`aggregate_places`).

    >>> c = pd.DataFrame({"claim_id": [1, 2, 3], "lat": [40.0, 40.1, 0.0], "lon": [47.0, 47.1, 0.0]})
    >>> claims_in_view(c, 6, Bounds(39, 46, 41, 48))["claim_id"].tolist()
    [1, 2]
    >>> len(claims_in_view(c, 6, Bounds(39, 46, 41, 48), few=1))  # zoomed out and too many: counts only
    0
    >>> claims_in_view(c, 12, Bounds(39, 46, 41, 48), few=1)["claim_id"].tolist()
    [1, 2]
    """
    if claims is None or claims.empty:
        return claims.iloc[:0] if claims is not None else pd.DataFrame()
    rows = places_in_view(claims, bounds, margin)
    n = len(rows)
    if n <= few or (zoom >= individual_zoom and n <= max_claims):
        return rows
    return rows.iloc[:0]


def cell_level(zoom: int | float, cell_pixels: int = CELL_PIXELS) -> int:
    """The grid level whose cells are about ``cell_pixels`` wide on screen at ``zoom``.

    >>> cell_level(5), 360 / 2 ** cell_level(5)  # 64-pixel cells at zoom 5: 2.8 degrees
    (7, 2.8125)
    """
    return max(0, int(round(zoom)) + int(round(math.log2(256 / cell_pixels))))


def _style_of_places(places: pd.DataFrame) -> np.ndarray:
    """A place's style class: its feature type and confidence step (``settlement-4``)."""
    kind = places["feature_type"].fillna("other").astype(str).to_numpy() if "feature_type" in places \
        else np.full(len(places), "other", dtype=object)
    conf = places["max_confidence"].astype(float).fillna(0).to_numpy() if "max_confidence" in places \
        else np.zeros(len(places))
    bucket = np.clip(np.floor(conf * 5), 0, 4).astype(int).astype(str)
    return np.char.add(np.char.add(kind.astype(str), "-"), bucket).astype(object)


def _individual(places: pd.DataFrame, claims: pd.Series, disputed: pd.Series) -> pd.DataFrame:
    keys = places["place_key"].astype(str)
    return pd.DataFrame({
        "key": keys.to_numpy(),
        "label": places["place_name"].fillna(keys).astype(str).to_numpy(),
        "kind": "place",
        "places": 1,
        "mentions": places["mention_count"].fillna(0).astype("int64").to_numpy(),
        "claims": keys.map(claims).fillna(0).astype("int64").to_numpy(),
        "disputed": keys.map(disputed).fillna(0).astype("int64").to_numpy(),
        "style": _style_of_places(places),
        "lat": places["lat"].astype(float).round(5).to_numpy(),
        "lon": places["lon"].astype(float).round(5).to_numpy(),
    })[FEATURE_COLUMNS]


def _cells(lat: np.ndarray, lon: np.ndarray, level: int) -> tuple[np.ndarray, np.ndarray]:
    size = 360.0 / 2 ** level
    ix = np.floor((_wrap(lon) + 180.0) / size).astype(np.int64)
    iy = np.floor((np.clip(lat, -90.0, 90.0) + 90.0) / size).astype(np.int64)
    return ix, iy


def _cluster_style(n: pd.Series) -> np.ndarray:
    return np.select([n >= 100, n >= 10], ["cluster-l", "cluster-m"], "cluster-s").astype(object)


def aggregate_places(places: pd.DataFrame, zoom: int | float, bounds: Bounds | None = None, *,
                     claims: pd.Series | None = None, disputed: pd.Series | None = None, margin: float = MARGIN, max_features: int = MAX_FEATURES,
                     individual_zoom: int = INDIVIDUAL_ZOOM, few: int = FEW_PLACES,
                     cell_pixels: int = CELL_PIXELS) -> pd.DataFrame:
    """The compact features of one view (:data:`FEATURE_COLUMNS`), at most ``max_features``.

    ``places`` is a place layer (``place_key``, ``place_name``, ``feature_type``,
    ``max_confidence``, ``mention_count``, ``lat``, ``lon``); ``claims`` the claims per place key
    (:func:`claim_counts`), ``disputed`` the disputed ones (:func:`disputed_counts`). Only the places in ``bounds`` (widened by ``margin``) count.

    * At ``zoom >= individual_zoom``, or when the view holds at most ``few`` places, every place is
      a feature of its own (``kind`` ``"place"``, ``key`` its place key), as long as there are at
      most ``max_features``.
    * Otherwise places are grouped by grid cell (:func:`cell_level`; cells are made coarser, a level
      at a time, until at most ``max_features`` remain). A cell of several places is one feature:
      ``kind`` ``"cluster"``, ``key`` ``cell:<level>:<x>:<y>``, the number of ``places``, their
      ``mentions``, ``claims`` and ``disputed`` summed, ``label`` the name of its most mentioned place (ties: the
      first name in order), drawn at the mention-weighted mean position of its places. A cell of
      one place sends that place (``kind`` ``"place"``).

    ``style`` is a style class: ``cluster-s``/``-m``/``-l`` (under 10, under 100, more places),
    or the place's feature type and confidence step (``settlement-4``). Most mentions first.
    """
    counts = claims if claims is not None else pd.Series(dtype="int64")
    disputes = disputed if disputed is not None else pd.Series(dtype="int64")
    rows = places_in_view(places, bounds, margin)
    rows = rows.loc[rows["lat"].notna() & rows["lon"].notna()]
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in FEATURE_COLUMNS})
    n = len(rows)
    if n <= max_features and (n <= few or zoom >= individual_zoom):
        out = _individual(rows, counts, disputes)
    else:
        keys = rows["place_key"].astype(str)
        df = pd.DataFrame({
            "place_key": keys.to_numpy(),
            "name": rows["place_name"].fillna(keys).astype(str).to_numpy(),
            "mentions": rows["mention_count"].fillna(0).astype("int64").to_numpy(),
            "claims": keys.map(counts).fillna(0).astype("int64").to_numpy(),
            "disputed": keys.map(disputes).fillna(0).astype("int64").to_numpy(),
            "lat": rows["lat"].astype(float).to_numpy(),
            "lon": _wrap(rows["lon"].astype(float).to_numpy()),
        })
        level = cell_level(zoom, cell_pixels)
        while True:  # a few passes at most: each halves the cells' number of rows and columns
            ix, iy = _cells(df["lat"].to_numpy(), df["lon"].to_numpy(), level)
            cell = ix * (2 ** (level + 1)) + iy
            if level == 0 or len(np.unique(cell)) <= max_features:
                break
            level -= 1
        df["cell"], df["ix"], df["iy"] = cell, ix, iy
        weight = df["mentions"].clip(lower=1).astype(float)
        df["wlat"], df["wlon"], df["w"] = df["lat"] * weight, df["lon"] * weight, weight
        grouped = df.groupby("cell", sort=False).agg(
            places=("place_key", "size"), mentions=("mentions", "sum"), claims=("claims", "sum"),
            disputed=("disputed", "sum"),
            wlat=("wlat", "sum"), wlon=("wlon", "sum"), w=("w", "sum"), ix=("ix", "first"), iy=("iy", "first"))
        # The label: the cell's most mentioned place (first name among equals): names are sorted only
        # among each cell's most mentioned places, a small share of the rows.
        most = df["mentions"] == df.groupby("cell", sort=False)["mentions"].transform("max")
        top = df.loc[most].sort_values(["cell", "name"], kind="stable").drop_duplicates("cell").set_index("cell")
        grouped = grouped.join(top[["place_key", "name"]])
        clusters = grouped.loc[grouped["places"] > 1]
        out_clusters = pd.DataFrame({
            "key": ("cell:" + str(level) + ":" + clusters["ix"].astype(str) + ":" + clusters["iy"].astype(str)).to_numpy(),
            "label": clusters["name"].to_numpy(),
            "kind": "cluster",
            "places": clusters["places"].astype("int64").to_numpy(),
            "mentions": clusters["mentions"].astype("int64").to_numpy(),
            "claims": clusters["claims"].astype("int64").to_numpy(),
            "disputed": clusters["disputed"].astype("int64").to_numpy(),
            "style": _cluster_style(clusters["places"]),
            "lat": (clusters["wlat"] / clusters["w"]).round(5).to_numpy(),
            "lon": (clusters["wlon"] / clusters["w"]).round(5).to_numpy(),
        })
        single = set(grouped.loc[grouped["places"] == 1, "place_key"])
        alone = _individual(rows.loc[keys.isin(single).to_numpy()], counts, disputes)
        out = pd.concat([out_clusters, alone], ignore_index=True)[FEATURE_COLUMNS]
    return out.sort_values(["mentions", "label", "key"], ascending=[False, True, True], kind="stable") \
        .reset_index(drop=True)
