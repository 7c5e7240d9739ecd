"""Distances on the globe: geopy for single pairs, numpy/scipy for many.

NaN coordinates never match anything (they are unresolved places, not (0, 0)).
"""

from __future__ import annotations

import numpy as np
from geopy.distance import geodesic
from scipy.spatial import cKDTree

#: mean Earth radius (km), as used by the haversine formula
EARTH_RADIUS_KM = 6371.0088


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


def km_forchord_for_km(chord: np.ndarray) -> np.ndarray:
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
    tree = cKDTree(unit_vectors(lat_b, lon_b))
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
    qs, inverse = np.unique(np.column_stack((qlat[qok], qlon[qok])), axis=0, return_inverse=True)
    tree = cKDTree(unit_vectors(plat[pok], plon[pok]))
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
    pts, inverse, counts = np.unique(
        np.column_stack((lats[ok], lons[ok])), axis=0, return_inverse=True, return_counts=True
    )
    inverse = np.asarray(inverse).reshape(-1)
    if len(pts) == 1:
        out[ok] = 0.0  # everyone shares one place
        return out
    tree = cKDTree(unit_vectors(pts[:, 0], pts[:, 1]))
    _d, idx = tree.query(unit_vectors(pts[:, 0], pts[:, 1]), k=2)
    other = idx[:, 1]
    dist = haversine_km(pts[:, 0], pts[:, 1], pts[other, 0], pts[other, 1])
    dist = np.where(counts > 1, 0.0, dist)  # someone else lives at the very same place
    out[ok] = dist[inverse]
    return out
