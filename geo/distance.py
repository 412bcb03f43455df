"""One great-circle distance for the whole project (resolution weighs it, evaluation scores
with it), so that both measure the same Earth."""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088


# --------------------------------------------------------------------------- geometry


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km on a sphere of radius ``EARTH_RADIUS_KM``; accurate enough
    for a 161 km threshold anywhere on Earth.

    The haversine formula, written out: geopy's ``great_circle`` gives the same distance (to
    1e-12, relative; ``tests/test_distance.py`` checks it) but builds two ``Point`` objects per
    call, ~5 us against 0.5 us, and resolution calls it about 250 times per article (some 5 %
    of ingest time in ``scripts/benchmark.py``). geopy stays the reference, not the hot path.

    Examples
    --------
    Yerevan to Baku, about 460 km as the crow flies:

    >>> round(haversine_km(40.1811, 44.5136, 40.3777, 49.8920))
    457

    A degree of longitude shrinks towards the poles; a degree of latitude does not:

    >>> round(haversine_km(0, 0, 0, 1)), round(haversine_km(60, 0, 60, 1)), round(haversine_km(60, 0, 61, 0))
    (111, 56, 111)
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
