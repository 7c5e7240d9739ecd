"""``OfflineGeocoder``: a geopy ``Geocoder`` over the plain resolver, shaped like geopy's
own geocoders (``__init__``, ``geocode``, ``reverse``, and ``_parse`` turning an answer
into a ``Location``). It never touches the network, so any other geopy geocoder
(Nominatim, see ``dashboard.geo.online``) can stand in for it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point

from dashboard.geo.index import PlaceIndex
from dashboard.geo.resolution import LOW_CONFIDENCE_MIN, RESOLVED_MIN, Resolution, ResolvedBatch
from dashboard.geo.resolver import Resolver

_FAST_LOCATION: bool | None = None


def _slow_location(address: str, lat: float, lon: float, raw: dict) -> Location:
    return Location(address, Point(lat, lon), raw)


def _fast_location(address: str, lat: float, lon: float, raw: dict) -> Location:
    """A Location without re-validating coordinates that came from GeoNames (5x faster).

    Fills geopy 2.5's slots directly; ``location_factory`` checks once per process
    that the result equals geopy's own constructor's and falls back otherwise.
    """
    point = object.__new__(Point)
    point.latitude, point.longitude, point.altitude = lat, lon, 0.0
    loc = object.__new__(Location)
    loc._address, loc._point, loc._tuple, loc._raw = address, point, (address, (lat, lon)), raw
    return loc


def location_factory():
    """The fast constructor when it matches geopy's, else geopy's own."""
    global _FAST_LOCATION
    if _FAST_LOCATION is None:
        try:
            a = _fast_location("X", 51.5, -0.12, {"k": 1})
            b = _slow_location("X", 51.5, -0.12, {"k": 1})
            _FAST_LOCATION = (a == b and a.point == b.point and a.raw == b.raw and tuple(a) == tuple(b)
                              and a.altitude == b.altitude and repr(a) == repr(b))
        except Exception:  # noqa: BLE001 - geopy internals changed: use the public constructor
            _FAST_LOCATION = False
    return _fast_location if _FAST_LOCATION else _slow_location


class OfflineGeocoder(Geocoder):
    """geopy geocoder over the GeoNames index: no network, typo-tolerant, country-biased.

    Also a ``PlaceLookup`` (``resolve``, ``resolve_many``, ``index``), by handing those to
    its ``Resolver``."""

    def __init__(self, country_bias: str = "", index: PlaceIndex | None = None, user_agent: str = "neighbourly-offline"):
        """``country_bias``: ISO alpha-2 the community mostly lives in ("" for none)."""
        super().__init__(user_agent=user_agent)
        self.resolver = Resolver(country_bias, index)
        self._make_location = location_factory()

    @property
    def country_bias(self) -> str:
        """The country ambiguous names lean to ("" for none)."""
        return self.resolver.country_bias

    @property
    def index(self) -> PlaceIndex:
        """The place index the resolver reads."""
        return self.resolver.index

    def resolve(self, query: object, country_bias: str | None = None) -> Resolution:
        """``Resolver.resolve``."""
        return self.resolver.resolve(query, country_bias)

    def resolve_many(self, texts: Iterable[object], country_bias: str | None = None,
                     weights: Sequence[int] | None = None) -> ResolvedBatch:
        """``Resolver.resolve_many``."""
        return self.resolver.resolve_many(texts, country_bias, weights)

    def warm(self) -> OfflineGeocoder:
        """``Resolver.warm``: the once-per-process work done now; returns this geocoder."""
        self.resolver.warm()
        return self

    def prepare(self, country_bias: str | None = None) -> None:
        """``Resolver.prepare``."""
        self.resolver.prepare(country_bias)

    def geocode(self, query, *, exactly_one: bool = True, timeout=None, country_bias: str | None = None,
                limit: int = 5):
        """A Location (or a list of them), None when the text isn't a place we know."""
        res = self.resolver.resolve(query, country_bias)
        if res.place_id is None or res.confidence < LOW_CONFIDENCE_MIN:
            return None if exactly_one else []
        if exactly_one:
            return self._parse(res)
        out = [self._parse(res)]
        for cid in res.candidates:
            if cid != res.place_id and len(out) < limit:
                out.append(self._parse(Resolution(res.query, cid, 0.0, "other candidate")))
        return out

    def reverse(self, query, *, exactly_one: bool = True, timeout=None):
        """The nearest indexed place to a point (within 50 km), else None."""
        point = Point(query)
        lats, lons = self.index.coords()
        from dashboard.distance import haversine_km  # scipy: imported when first needed

        d = haversine_km(point.latitude, point.longitude, lats, lons)
        i = int(np.argmin(d))
        if not np.isfinite(d[i]) or d[i] > 50:
            return None if exactly_one else []
        loc = self._parse(Resolution(str(query), i, 1.0, "nearest place"))
        return loc if exactly_one else [loc]

    def _parse(self, res: Resolution) -> Location:
        """The geopy Location for a resolution that has a place."""
        ix, i = self.index, res.place_id
        assert i is not None
        clean = res.confidence >= RESOLVED_MIN and not res.ambiguous
        raw = {
            "name": ix.names[i], "confidence": round(res.confidence, 3), "country_code": ix.cc[i],
            "admin1": ix.admin1[i], "geonameid": ix.gid[i], "population": ix.pop[i], "reason": res.reason,
            "query": res.query, "ambiguous": res.ambiguous,
            "candidates": [] if clean else [ix.short(c) for c in res.candidates],
        }
        return self._make_location(ix.describe(i), ix.lat[i], ix.lon[i], raw)
