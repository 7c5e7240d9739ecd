"""Places far from the rest of the community: a member who typed "Atlantis" in a British
community is placed in Atlantis, South Africa (a real town of 80,000), 9,600 km from
everyone else. The resolver can't tell (the name is exact, the town not small); the
community can. The rule, in one place, applied by ``community.geocode_community`` after
the organiser's hand fixes:

    A place resolved without doubt is flagged for review (status ``low_confidence``, still
    on the map at that place, its guesses listed under "Places to check") when
    - its country is neither the community's own nor one where ``MEANINGFUL_MEMBERS`` or
      more of the members live,
    - fewer than ``MEANINGFUL_MEMBERS`` members (its own included) live within ``FAR_KM``
      of it, and
    - it isn't a big city (``BIG_CITY_POP`` people or more: a member far away in New York
      is likelier than a slip of the keyboard).
    A place the organiser fixed by hand is never flagged.

Why these numbers: three members are more than one household, so a country or an area
where three or more live is where the community is, whatever its share (13 members in
Toronto in a British community of 300; hundreds in Australia in one of 100,000); 1,000 km
keeps a member in a neighbouring country's city (Dublin, Paris, Brussels from London) in.

The work is on the distinct places typed, weighted by how many members typed each (a few
thousand places at most for 100,000 members), never per member.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import repeat

import numpy as np
import pandas as pd

from dashboard.distance import distinct_points, haversine_km, pairs_within
from dashboard.geo.cities import Point, gazetteer_id
from dashboard.geo.columns import AnyGeocoder
from dashboard.geo.index import PlaceIndex, get_place_index
from dashboard.geo.resolution import ABROAD_SMALL, RESOLVED_MIN, PlaceLookup

#: a place further than this from where a meaningful number of members live is far
FAR_KM = 1_000.0
#: members in a country, or near a place, that make it somewhere the community lives
MEANINGFUL_MEMBERS = 3
#: a city this big is never flagged: a member living there is likelier than a slip
BIG_CITY_POP = 1_000_000
#: why a far place is flagged (the distance: to the median other member, rounded)
REASON_FAR_FROM_MEMBERS = "About {km} km from the rest of your members; check the spelling or fix it here"
_PLACED = ("resolved", "low_confidence", "manual")


def flag_far_places(geocodes: pd.DataFrame, members: Mapping[str, int], country: str,
                    geocoder: AnyGeocoder | None = None, index: PlaceIndex | None = None) -> pd.DataFrame:
    """``geocodes`` with every resolved place far from the rest of the community flagged
    (the rule above); ``members``: how many members typed each city text (stripped, as
    ``city_text`` holds it: one row each); ``country``: the community's own. The frame
    itself when nothing is far (the usual case)."""
    if geocodes.empty or "status" not in geocodes:
        return geocodes
    lat, lon = geocodes["lat"].to_numpy(dtype=float), geocodes["lon"].to_numpy(dtype=float)
    status = geocodes["status"]
    placed = status.isin(_PLACED).to_numpy() & np.isfinite(lat) & np.isfinite(lon)
    weight = np.fromiter(map(members.get, geocodes["city_text"].tolist(), repeat(0)), float, len(geocodes))
    typed = placed & (weight > 0)
    countries = geocodes["country"].fillna("").astype(str)
    per_country = pd.Series(weight[typed]).groupby(countries.to_numpy(dtype=object)[typed]).sum()
    home = {*per_country.index[per_country >= MEANINGFUL_MEMBERS], (country or "").upper()}
    abroad = np.flatnonzero((status == "resolved").to_numpy() & placed & ~countries.isin(home).to_numpy())
    if not len(abroad) or not typed.any():
        return geocodes
    points, at = distinct_points(lat[typed], lon[typed])
    people = np.bincount(at, weights=weight[typed], minlength=len(points))
    i, j, _km = pairs_within(lat[abroad], lon[abroad], points[:, 0], points[:, 1], FAR_KM)
    near = np.bincount(i, weights=people[j], minlength=len(abroad))
    far = abroad[near < MEANINGFUL_MEMBERS]
    if not len(far):
        return geocodes
    return _flagged(geocodes, far, points, people, country, geocoder,
                    index if index is not None else get_place_index())


def _flagged(geocodes: pd.DataFrame, far: np.ndarray, points: np.ndarray, people: np.ndarray, country: str,
             geocoder: AnyGeocoder | None, ix: PlaceIndex) -> pd.DataFrame:
    """``geocodes`` with the rows ``far`` (positions) flagged, bar big cities."""
    out = geocodes.copy()
    where = "address" if "address" in out else "place"
    column = out.columns.get_loc
    for pos, (text, place, cc, la, lo, conf, address) in zip(far.tolist(), out.iloc[far][
            ["city_text", "place", "country", "lat", "lon", "confidence", where]].itertuples(index=False)):
        own = gazetteer_id(ix, Point(la, lo, cc, place))
        km = _median_km(la, lo, points, people)
        if (own is not None and ix.pop[own] >= BIG_CITY_POP) or km is None:
            continue
        out.iloc[pos, column("status")] = "low_confidence"
        out.iloc[pos, column("reason")] = REASON_FAR_FROM_MEMBERS.format(km=_about(km))
        out.iloc[pos, column("candidates")] = _guesses(text, own, address, country, geocoder, ix)
        out.iloc[pos, column("confidence")] = round(min(float(conf), RESOLVED_MIN) * ABROAD_SMALL, 3)
    return out


def _median_km(lat: float, lon: float, points: np.ndarray, people: np.ndarray) -> float | None:
    """How far the median member living elsewhere is from (lat, lon); None when all live there."""
    km = haversine_km(lat, lon, points[:, 0], points[:, 1])
    elsewhere = (points[:, 0] != lat) | (points[:, 1] != lon)
    km, people = km[elsewhere], people[elsewhere]
    if not people.sum():
        return None
    order = np.argsort(km, kind="stable")
    upto = np.cumsum(people[order])
    return float(km[order][np.searchsorted(upto, upto[-1] / 2)])


def _about(km: float) -> str:
    """9,628 -> "9,600"; 640 -> "640"."""
    return f"{round(km, -2 if km >= 1_000 else -1):,.0f}"


def _guesses(text: str, own: int | None, address: str, country: str, geocoder: AnyGeocoder | None,
             ix: PlaceIndex) -> str:
    """The best guesses listed for a far place: the place itself first, then its namesakes."""
    ids = [] if own is None else [own]
    if isinstance(geocoder, PlaceLookup) and geocoder.index is ix:
        ids += [c for c in geocoder.resolve(text, country_bias=country.upper() or None).candidates if c != own]
    guesses = [ix.short(c) for c in ids] or [str(address)]
    return "; ".join(g for g in guesses if g)
