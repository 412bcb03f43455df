"""geo/distance.py: the hand-written haversine agrees with geopy's great_circle everywhere."""

from __future__ import annotations

import random

import pytest
from geopy.distance import great_circle

from geo.distance import EARTH_RADIUS_KM, haversine_km


def test_haversine_agrees_with_geopy_great_circle() -> None:
    rng = random.Random(3)
    points = [(rng.uniform(-90, 90), rng.uniform(-180, 180)) for _ in range(400)]
    points += [(0, 0), (0, 180), (0, -180), (90, 0), (-90, 0), (40.18, 44.51), (40.18, 44.51 + 1e-9)]
    for (a, b), (c, d) in zip(points, points[1:] + points[:1], strict=True):
        expected = great_circle((a, b), (c, d), radius=EARTH_RADIUS_KM).km
        assert haversine_km(a, b, c, d) == pytest.approx(expected, rel=1e-9, abs=1e-6)
