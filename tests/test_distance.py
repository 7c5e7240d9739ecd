"""Distances: the haversine against geopy, radius masks, neighbour counts and nearest searches."""

from __future__ import annotations

import numpy as np
import pytest
from geopy.distance import great_circle

from dashboard.distance import (
    EARTH_RADIUS_KM,
    chord_for_km,
    count_within,
    distinct_points,
    geodesic_km,
    haversine1_km,
    haversine_km,
    km_for_chord,
    nearest_other_km,
    nearest_other_place_km,
    nearest_within,
    pairs_within,
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


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_one_pair_haversine_is_the_vectorised_one(a: tuple[float, float], b: tuple[float, float]) -> None:
    assert haversine1_km(*a, *b) == pytest.approx(float(haversine_km(*a, *b)), rel=1e-12, abs=1e-9)


def test_one_earth_radius_the_same_as_geopys_great_circle() -> None:
    assert great_circle(LEEDS, LONDON).km == pytest.approx(haversine1_km(*LEEDS, *LONDON), rel=1e-6)
    assert EARTH_RADIUS_KM == pytest.approx(6371.0088)


@pytest.mark.parametrize("km", [0.0, 1.0, 25.0, 500.0, 10_000.0])
def test_chord_and_km_are_inverses(km: float) -> None:
    assert float(km_for_chord(np.array(chord_for_km(km)))) == pytest.approx(km, abs=1e-9)
    assert np.isinf(km_for_chord(np.array([np.inf]))).all()


def test_pairs_within_matches_brute_force() -> None:
    rng = np.random.default_rng(1)
    a_lat, a_lon = rng.uniform(53, 54.5, 40), rng.uniform(-2.5, -1, 40)
    b_lat, b_lon = rng.uniform(53, 54.5, 30), rng.uniform(-2.5, -1, 30)
    i, j, d = pairs_within(a_lat, a_lon, b_lat, b_lon, 20.0)
    full = haversine_km(a_lat[:, None], a_lon[:, None], b_lat[None, :], b_lon[None, :])
    assert set(zip(i.tolist(), j.tolist())) == set(zip(*np.nonzero(full <= 20.0)))
    assert np.allclose(d, full[i, j]) and (np.diff(i) >= 0).all()
    assert [len(x) for x in pairs_within([], [], b_lat, b_lon, 20.0)] == [0, 0, 0]


def test_pairs_within_keeps_a_pair_at_exactly_the_radius() -> None:
    d = float(haversine_km(*LEEDS, *HUDDERSFIELD))
    i, j, _ = pairs_within([LEEDS[0]], [LEEDS[1]], [HUDDERSFIELD[0]], [HUDDERSFIELD[1]], d)
    assert (i.tolist(), j.tolist()) == ([0], [0])


def test_nearest_within_matches_brute_force() -> None:
    rng = np.random.default_rng(2)
    lat, lon = np.round(rng.uniform(53, 54.5, 60), 1), np.round(rng.uniform(-2.5, -1, 60), 1)
    t_lat, t_lon = rng.uniform(53, 54.5, 15), rng.uniform(-2.5, -1, 15)
    lat[0], t_lat[0] = np.nan, np.nan
    km, idx = nearest_within(lat, lon, t_lat, t_lon, 15.0)
    full = haversine_km(lat[:, None], lon[:, None], t_lat[None, :], t_lon[None, :])
    best = np.nanmin(np.where(np.isnan(full), np.inf, full), axis=1)
    found = best <= 15.0
    assert (idx >= 0).tolist() == found.tolist()
    assert np.allclose(km[found], best[found]) and np.isinf(km[~found]).all()
    assert np.allclose(full[found.nonzero()[0], idx[found]], best[found])
    assert idx[0] == -1 and np.isinf(km[0])


def test_nearest_within_with_no_targets() -> None:
    km, idx = nearest_within([LEEDS[0]], [LEEDS[1]], [np.nan], [np.nan], 50.0)
    assert idx.tolist() == [-1] and np.isinf(km).all()


def test_distinct_points_are_exact_and_map_back() -> None:
    lats = np.array([LEEDS[0], LONDON[0], LEEDS[0], LEEDS[0] + 1e-9])
    lons = np.array([LEEDS[1], LONDON[1], LEEDS[1], LEEDS[1]])
    pts, inverse = distinct_points(lats, lons)
    assert len(pts) == 3 and inverse.tolist() == [0, 1, 0, 2]
    assert np.array_equal(pts[inverse], np.column_stack((lats, lons)))


@pytest.mark.parametrize(("counts", "want"), [([1], np.inf), ([2], 0.0)])
def test_nearest_other_place_alone_or_shared(counts: list[int], want: float) -> None:
    assert nearest_other_place_km(np.array([LEEDS]), np.array(counts)).tolist() == [want]
