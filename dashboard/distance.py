"""Distances on the globe: geopy for single pairs, numpy/scipy for many.

The one home of distance in the project: one Earth radius, the haversine
(vectorised, and for one pair in plain ``math``), and the KD-tree searches on
unit vectors (within a radius, nearest other, nearest target) that the risk
signals, the filters and the introductions use.

NaN coordinates never match anything (they are unresolved places, not (0, 0)).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from geopy.distance import geodesic

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

#: mean Earth radius (km), as used by the haversine formula (geopy's great_circle uses the same)
EARTH_RADIUS_KM = 6371.0088


def load_kd_tree() -> type[cKDTree]:
    """scipy's KD-tree (imported on first use, a few tenths of a second: a process that only
    parses files never pays it; a server warms it with its place index)."""
    from scipy.spatial import cKDTree

    return cKDTree


def _tree(points: np.ndarray) -> cKDTree:
    """A KD-tree over unit vectors."""
    return load_kd_tree()(points)


def haversine1_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle km between two points, in plain ``math`` (fast for one pair at a time)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km; arguments broadcast like numpy arrays."""
    p1, p2 = np.radians(np.asarray(lat1, dtype=float)), np.radians(np.asarray(lat2, dtype=float))
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def geodesic_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance in km between two (lat, lon) points on the WGS-84 ellipsoid (geopy)."""
    return float(geodesic(a, b).km)


def within_radius_mask(lats, lons, center_lat: float, center_lon: float, radius_km: float) -> np.ndarray:
    """True for points within ``radius_km`` of the centre (NaN points: False)."""
    lats = np.asarray(lats, dtype=float)
    lons = np.asarray(lons, dtype=float)
    if not (np.isfinite(center_lat) and np.isfinite(center_lon)):
        return np.zeros(lats.shape, dtype=bool)
    # cheap latitude band first: most members of a big community are far away
    band = np.abs(lats - center_lat) <= radius_km / 111.0 + 1e-9
    out = np.zeros(lats.shape, dtype=bool)
    if band.any():
        out[band] = haversine_km(lats[band], lons[band], center_lat, center_lon) <= radius_km
    return out


def unit_vectors(lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Points on the unit sphere (so straight-line distance is a monotone of arc length)."""
    phi, lmb = np.radians(lats), np.radians(lons)
    return np.column_stack((np.cos(phi) * np.cos(lmb), np.cos(phi) * np.sin(lmb), np.sin(phi)))


def chord_for_km(km: float) -> float:
    """The straight-line (unit sphere) length matching a great-circle distance of ``km``."""
    return float(2 * np.sin(min(km / EARTH_RADIUS_KM, np.pi) / 2))


def km_for_chord(chord: np.ndarray) -> np.ndarray:
    """Great-circle km for unit-sphere chord lengths (inf stays inf)."""
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(chord), np.inf, 2.0 * EARTH_RADIUS_KM * np.arcsin(np.minimum(chord / 2.0, 1.0)))


def pairs_within(lat_a, lon_a, lat_b, lon_b, radius_km: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair (i, j) of point i of a and point j of b at most ``radius_km`` apart, with the
    distance in km: (i, j, km), i ascending. Coordinates must be finite."""
    lat_a, lon_a = np.asarray(lat_a, dtype=float), np.asarray(lon_a, dtype=float)
    lat_b, lon_b = np.asarray(lat_b, dtype=float), np.asarray(lon_b, dtype=float)
    if not len(lat_a) or not len(lat_b):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    tree = _tree(unit_vectors(lat_b, lon_b))
    # a little over the radius so no pair at exactly radius_km is lost to rounding; haversine decides
    near = tree.query_ball_point(unit_vectors(lat_a, lon_a), r=chord_for_km(radius_km) * (1 + 1e-9) + 1e-12)
    counts = np.fromiter((len(x) for x in near), np.int64, len(near))
    i = np.repeat(np.arange(len(near)), counts)
    j = np.fromiter((k for x in near for k in x), np.int64, int(counts.sum()))
    d = haversine_km(lat_a[i], lon_a[i], lat_b[j], lon_b[j])
    keep = d <= radius_km
    return i[keep], j[keep], d[keep]


def count_within(points_lat, points_lon, query_lat, query_lon, radius_km: float,
                 exclude_self: bool = False) -> np.ndarray:
    """For each query point, how many points lie within ``radius_km`` (NaN query: 0).

    With ``exclude_self`` the query points are the points themselves and each point
    doesn't count itself. Identical query coordinates (members geocoded to the same
    city) are asked once, so 100k members in a few hundred places is fast.
    """
    plat, plon = np.asarray(points_lat, dtype=float), np.asarray(points_lon, dtype=float)
    qlat, qlon = np.asarray(query_lat, dtype=float), np.asarray(query_lon, dtype=float)
    out = np.zeros(qlat.shape, dtype=np.int64)
    pok = np.isfinite(plat) & np.isfinite(plon)
    qok = np.isfinite(qlat) & np.isfinite(qlon)
    if not pok.any() or not qok.any():
        return out
    qs, inverse = distinct_points(qlat[qok], qlon[qok])
    tree = _tree(unit_vectors(plat[pok], plon[pok]))
    # a hair over the radius: the chord of exactly radius_km must count despite rounding
    counts = tree.query_ball_point(unit_vectors(qs[:, 0], qs[:, 1]), r=chord_for_km(radius_km) * (1 + 1e-12),
                                   return_length=True)
    result = np.asarray(counts, dtype=np.int64)[np.asarray(inverse).reshape(-1)]
    if exclude_self:
        result = result - 1
    out[qok] = np.maximum(result, 0)
    return out


def nearest_other_km(lats, lons) -> np.ndarray:
    """Distance from each point to the nearest *other* point (NaN when there is none)."""
    lats, lons = np.asarray(lats, dtype=float), np.asarray(lons, dtype=float)
    out = np.full(lats.shape, np.nan)
    ok = np.isfinite(lats) & np.isfinite(lons)
    if ok.sum() < 2:
        return out
    pts, inverse = distinct_points(lats[ok], lons[ok])
    out[ok] = nearest_other_place_km(pts, np.bincount(inverse, minlength=len(pts)))[inverse]
    return out


def distinct_points(lats: np.ndarray, lons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (lat, lon) pairs (rows of a 2-column array), exactly, and each point's row
    among them; by hashing, many times faster than ``np.unique(axis=0)`` on 100k members."""
    lat_code, lat_uniq = pd.factorize(np.asarray(lats, dtype=float))
    lon_code, lon_uniq = pd.factorize(np.asarray(lons, dtype=float))
    width = max(len(lon_uniq), 1)
    inverse, keys = pd.factorize(lat_code.astype(np.int64) * width + lon_code)
    pair_lat = np.asarray(lat_uniq, dtype=float)[keys // width]
    pair_lon = np.asarray(lon_uniq, dtype=float)[keys % width]
    return np.column_stack((pair_lat, pair_lon)), inverse.astype(np.int64)


def nearest_other_place_km(places: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """For distinct places (``distinct_points``) with ``counts`` people each: how far each
    place's people are from the nearest other person (0 when they share the place; inf
    for one person alone in the only place)."""
    if len(places) == 1:
        return np.where(counts > 1, 0.0, np.inf)
    xyz = unit_vectors(places[:, 0], places[:, 1])
    _d, idx = _tree(xyz).query(xyz, k=2)
    other = idx[:, 1]
    dist = haversine_km(places[:, 0], places[:, 1], places[other, 0], places[other, 1])
    return np.where(counts > 1, 0.0, dist)  # someone else lives at the very same place


def nearest_within(lats, lons, target_lats, target_lons, radius_km: float) -> tuple[np.ndarray, np.ndarray]:
    """For each point, the nearest target at most ``radius_km`` away: (km, target index), with
    (inf, -1) where there is none (or the point is NaN). NaN targets are never nearest.

    Identical points are asked once, so 100k members in a few hundred places is fast.
    """
    qlat, qlon = np.asarray(lats, dtype=float), np.asarray(lons, dtype=float)
    tlat, tlon = np.asarray(target_lats, dtype=float), np.asarray(target_lons, dtype=float)
    km, index = np.full(qlat.shape, np.inf), np.full(qlat.shape, -1, dtype=np.int64)
    tok = np.flatnonzero(np.isfinite(tlat) & np.isfinite(tlon))
    qok = np.isfinite(qlat) & np.isfinite(qlon)
    if not len(tok) or not qok.any():
        return km, index
    qs, inverse = distinct_points(qlat[qok], qlon[qok])
    # a hair over the radius: a target at exactly radius_km must count despite rounding
    chord, near = _tree(unit_vectors(tlat[tok], tlon[tok])).query(
        unit_vectors(qs[:, 0], qs[:, 1]), k=1, distance_upper_bound=chord_for_km(radius_km) * (1 + 1e-12)
    )
    found = np.isfinite(chord)
    km[qok] = km_for_chord(chord)[inverse]
    index[qok] = np.where(found, tok[np.minimum(near, len(tok) - 1)], -1)[inverse]
    return km, index
