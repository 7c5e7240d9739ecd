"""Where a community's members are, for names several places share: among the
places called "Newcastle", the one near where members live wins, then the
community's country, then size (``Resolver.pick`` weighs them in that order).

``MembersArea`` holds the places members typed that resolved without doubt, each
with its share of the members; ``settle_near_members`` re-resolves a batch's
shared names with it."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from dashboard.distance import haversine1_km, haversine_km
from dashboard.geo.keys import PART_SEPARATORS, city_key, name_key
from dashboard.geo.resolution import ABROAD_SMALL_POP, RESOLVED_MIN, Resolution, ResolvedBatch

if TYPE_CHECKING:
    from dashboard.geo.resolver import Resolver

#: members within this distance of a place live "near" it
LOCAL_KM = 50.0
#: a place with fewer of the members near it than this isn't "where members are"
LOCAL_MIN_SHARE = 0.02
#: a community with at least this share of its members near one place lives in one area
CONCENTRATED_SHARE = 0.5
_KM_PER_DEGREE = 111.2



class MembersArea:
    """The places members typed, each with its share of the members, sorted by latitude
    so that "how many members live within ``LOCAL_KM`` of here" reads one band."""

    def __init__(self, points: Sequence[tuple[float, float, float, str]]):
        """``points``: (lat, lon, members, city key); spellings of one place are one point."""
        total = sum(w for _la, _lo, w, _k in points if w > 0)
        places: dict[tuple[float, float], float] = {}
        #: city key -> where its members are and their share (to leave them out)
        self._keys: dict[str, tuple[float, float, float]] = {}
        for lat, lon, w, key in points:
            if w > 0:
                places[lat, lon] = places.get((lat, lon), 0.0) + w / total
                self._keys[key] = (lat, lon, w / total)
        # the places sorted by latitude: a band of +-LOCAL_KM is one slice
        order = sorted(places)
        self._lat = np.array([la for la, _lo in order], dtype=float)
        self._lon = np.array([lo for _la, lo in order], dtype=float)
        self._share_of = np.array([places[p] for p in order], dtype=float)
        self._shares: dict[tuple[float, float], float] = {}  # shared by ``excluding`` copies
        self.exclude = ""
        heaviest = max(places.items(), key=lambda kv: kv[1], default=None)
        self.concentrated = heaviest is not None and self._share(*heaviest[0]) >= CONCENTRATED_SHARE

    def __bool__(self) -> bool:
        """Whether any member's place is known."""
        return len(self._lat) > 0

    def excluding(self, key: str) -> MembersArea:
        """The same area with the members who typed ``key`` left out (the text being
        placed: its own members can't vouch for where it is)."""
        other = MembersArea.__new__(MembersArea)
        other.__dict__.update(self.__dict__)  # the same arrays and share cache
        other.exclude = key
        return other

    def share_near(self, lat: float, lon: float) -> float:
        """The share of the members (bar the excluded text's) within ``LOCAL_KM`` of (lat, lon)."""
        share = self._shares.get((lat, lon))
        if share is None:
            share = self._shares[lat, lon] = self._share(lat, lon)
        if not share:
            return 0.0
        left_out = self._keys.get(self.exclude)
        if left_out is not None and haversine1_km(lat, lon, left_out[0], left_out[1]) <= LOCAL_KM:
            share -= left_out[2]
        return max(share, 0.0)

    def prime(self, lats: Sequence[float], lons: Sequence[float]) -> None:
        """Work out ``share_near`` for many points at once (one KD-tree query, not one band each)."""
        from dashboard.distance import pairs_within  # scipy: imported when first needed

        todo = [(la, lo) for la, lo in dict.fromkeys(zip(lats, lons, strict=True)) if (la, lo) not in self._shares]
        if not todo or not len(self._lat):
            return
        q_lat, q_lon = np.array([t[0] for t in todo], dtype=float), np.array([t[1] for t in todo], dtype=float)
        i, j, _km_apart = pairs_within(q_lat, q_lon, self._lat, self._lon, LOCAL_KM)
        shares = np.bincount(i, weights=self._share_of[j], minlength=len(todo))
        self._shares.update(zip(todo, shares.tolist(), strict=True))

    def _share(self, lat: float, lon: float) -> float:
        band = LOCAL_KM / _KM_PER_DEGREE
        lo, hi = np.searchsorted(self._lat, lat - band), np.searchsorted(self._lat, lat + band, side="right")
        if lo == hi:
            return 0.0
        km = haversine_km(lat, lon, self._lat[lo:hi], self._lon[lo:hi])
        return float(self._share_of[lo:hi][km <= LOCAL_KM].sum())


def members_area(resolved: ResolvedBatch, weights: Sequence[int], resolver: Resolver) -> MembersArea:
    """The area of the members whose text resolved without doubt (``weights[i]`` members
    typed text ``i``)."""
    ix = resolver.index
    points = []
    for res, w in zip(resolved, weights, strict=True):
        i = res.place_id
        if w > 0 and i is not None and res.confidence >= RESOLVED_MIN and not res.ambiguous:
            points.append((ix.lat[i], ix.lon[i], float(w), city_key(res.query)))
    return MembersArea(points)


def _worth_another_look(resolver: Resolver, area: MembersArea, namesakes: tuple[int, ...],
                        place_id: int | None) -> bool:
    """Whether the area can change the answer or its reason: a place of that name near
    members, or a small winner far from a community that lives in one area."""
    ix = resolver.index
    if any(area.share_near(ix.lat[c], ix.lon[c]) >= LOCAL_MIN_SHARE for c in namesakes):
        return True
    return place_id is not None and area.concentrated and ix.pop[place_id] < ABROAD_SMALL_POP


def settle_near_members(resolver: Resolver, resolved: ResolvedBatch, weights: Sequence[int],
                        bias: str) -> ResolvedBatch:
    """``resolved`` with every name several places share picked again knowing where the
    members are (in place; the others untouched)."""
    area = members_area(resolved, weights, resolver)
    if not area:
        return resolved
    local = copy.copy(resolver)
    ix = resolver.index
    shared: list[tuple[int, Resolution, tuple[int, ...]]] = []
    for i, res in enumerate(resolved):
        if len(res.candidates) < 2 or res.place_id is None or res.reason.startswith("closest spelling"):
            continue  # one place of that name, or none, or a typo's guesses: nothing to settle
        namesakes = ix.candidates(name_key(PART_SEPARATORS.split(res.query, maxsplit=1)[0]))[:200]
        if len(namesakes) >= 2:
            shared.append((i, res, namesakes))
    places = {c for _i, _res, namesakes in shared for c in namesakes}
    area.prime([ix.lat[c] for c in places], [ix.lon[c] for c in places])
    for i, res, namesakes in shared:
        here = area.excluding(city_key(res.query))
        if not _worth_another_look(resolver, here, namesakes, res.place_id):
            continue
        local.area = here
        again = local.resolve(res.query, bias)
        resolved.place_ids[i], resolved.verdicts[i] = again.place_id, again
    return resolved
