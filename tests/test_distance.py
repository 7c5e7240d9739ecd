"""Distances: the vectorised haversine against geopy, radius masks and neighbour counts."""

from __future__ import annotations

import numpy as np
import pytest
from geopy.distance import great_circle

from dashboard.distance import (
    count_within,
    geodesic_km,
    haversine_km,
    nearest_other_km,
    within_radius_mask,
)

LEEDS = (53.7965, -1.5479)
HUDDERSFIELD = (53.6490, -1.7842)
LONDON = (51.5085, -0.1257)
SYDNEY = (-33.8679, 151.2073)
PAIRS = [(LEEDS, HUDDERSFIELD), (LEEDS, LONDON), (LONDON, SYDNEY), (LEEDS, LEEDS), ((0.0, 179.9), (0.0, -179.9))]


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_haversine_matches_geopy(a: tuple[float, float], b: tuple[float, float]) -> None:
    ours = float(haversine_km(a[0], a[1], b[0], b[1]))
    assert ours == pytest.approx(great_circle(a, b).km, rel=1e-6, abs=1e-6)  # same sphere model
    assert ours == pytest.approx(geodesic_km(a, b), rel=0.006, abs=1e-6)  # ellipsoid: within 0.6 %


def test_haversine_broadcasts() -> None:
    lats = np.array([LEEDS[0], HUDDERSFIELD[0], LONDON[0]])
    lons = np.array([LEEDS[1], HUDDERSFIELD[1], LONDON[1]])
    matrix = haversine_km(lats[:, None], lons[:, None], lats[None, :], lons[None, :])
    assert matrix.shape == (3, 3)
    assert np.allclose(np.diag(matrix), 0) and np.allclose(matrix, matrix.T)
    assert 20 < matrix[0, 1] < 30


def test_haversine_nan_stays_nan() -> None:
    assert np.isnan(haversine_km(np.nan, 0.0, 1.0, 1.0))


def test_within_radius_mask() -> None:
    lats = [LEEDS[0], HUDDERSFIELD[0], LONDON[0], np.nan]
    lons = [LEEDS[1], HUDDERSFIELD[1], LONDON[1], np.nan]
    assert within_radius_mask(lats, lons, *LEEDS, 25).tolist() == [True, True, False, False]
    assert within_radius_mask(lats, lons, *LEEDS, 10).tolist() == [True, False, False, False]
    assert within_radius_mask([], [], *LEEDS, 25).shape == (0,)
    assert not within_radius_mask(lats, lons, np.nan, np.nan, 25).any()


def test_within_radius_boundary_is_inclusive() -> None:
    d = float(haversine_km(*LEEDS, *HUDDERSFIELD))
    assert within_radius_mask([HUDDERSFIELD[0]], [HUDDERSFIELD[1]], *LEEDS, d).tolist() == [True]


def test_count_within_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    lat = np.round(rng.uniform(53, 54.5, 300), 1)  # rounded: many members share a place
    lon = np.round(rng.uniform(-2.5, -1, 300), 1)
    lat[:5] = np.nan
    got = count_within(lat, lon, lat, lon, 25, exclude_self=True)
    d = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    want = np.where(np.isnan(lat), 0, (d <= 25).sum(axis=1) - 1)
    assert got.tolist() == want.tolist()


def test_count_within_other_points_and_empty() -> None:
    got = count_within([LEEDS[0], HUDDERSFIELD[0]], [LEEDS[1], HUDDERSFIELD[1]], [LONDON[0], LEEDS[0]],
                       [LONDON[1], LEEDS[1]], 30)
    assert got.tolist() == [0, 2]
    assert count_within([], [], [LEEDS[0]], [LEEDS[1]], 30).tolist() == [0]


def test_nearest_other_km() -> None:
    lats = [LEEDS[0], HUDDERSFIELD[0], LONDON[0], LONDON[0], np.nan]
    lons = [LEEDS[1], HUDDERSFIELD[1], LONDON[1], LONDON[1], np.nan]
    got = nearest_other_km(lats, lons)
    assert 20 < got[0] < 30 and got[0] == pytest.approx(got[1])
    assert got[2] == 0.0 and got[3] == 0.0 and np.isnan(got[4])
    assert np.isnan(nearest_other_km([LEEDS[0]], [LEEDS[1]])).all()
