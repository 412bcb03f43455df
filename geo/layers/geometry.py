"""geo.layers.geometry.

The dateline repair is written here rather than taken from the ``antimeridian`` package
(0.4.9, tried): on ``data/reference/world_countries.geojson`` (clockwise rings, and slices of
broken rings spanning most of the world) its split polygons came out invalid (self-intersecting)
for Russia and Fiji, Russia's area grew from 17.3 million km² (this repair; the country has
about 17.1) to 19.7 (20.5 after ``make_valid``, as a GeometryCollection), and Antarctica was
closed to the pole as nested shells. Unwrapping (below) keeps every country one valid shape.
"""

from __future__ import annotations

import numpy as np
import shapely


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
