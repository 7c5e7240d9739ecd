"""Geocoding a whole community: members' and in-person events' cities, the country
the community mostly lives in, and the organiser's hand fixes, in one pass."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from itertools import repeat

import numpy as np
import pandas as pd

from dashboard.geo.columns import (
    DEFAULT_REACH_KM,
    AnyGeocoder,
    Spot,
    add_coordinates,
    add_event_coordinates,
    geo_lookup,
    geocode_frame,
    geocode_places,
    key_counts,
    main_country_of_counts,
    place_columns,
    text_codes,
    texts_of,
)
from dashboard.geo.fixes import apply_manual_fix
from dashboard.geo.index import get_place_index
from dashboard.geo.keys import name_key
from dashboard.geo.outliers import flag_far_places
from dashboard.geo.resolution import PlaceLookup
from dashboard.geo.resolver import Resolver
from dashboard.model import Community
from dashboard.reuse import Reuse


def _country_hint(members: pd.DataFrame) -> str:
    """The country most members typed in a country column, if any ("" otherwise)."""
    if "country" not in members or members.empty:
        return ""
    index = get_place_index()
    votes: Counter[str] = Counter()
    folded: Counter[str] = Counter()
    for text, n in members["country"].fillna("").astype(str).value_counts().items():
        folded[name_key(text)] += int(n)
    for text, n in folded.items():
        regions = index.qualifiers.get(text) if text else None
        if regions and len({cc for cc, _ in regions}) == 1:
            votes[regions[0][0]] += int(n)
    if not votes or votes.most_common(1)[0][1] * 2 < len(members):
        return ""
    return votes.most_common(1)[0][0]


def _community_texts(community: Community) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The members' city codes and distinct texts, and the in-person events' distinct texts."""
    members, events = community.members, community.events
    if "city" in members:
        member_codes, member_texts = text_codes(members["city"])
    else:
        member_codes, member_texts = np.zeros(0, dtype=np.intp), np.array([], dtype=object)
    if "city" in events and len(events):
        online = events["online"].fillna(False).astype(bool) if "online" in events else False
        event_texts = texts_of(events.loc[~online, "city"].unique())
    else:
        event_texts = []
    return member_codes, member_texts, event_texts


def geocode_community(community: Community, geocoder: AnyGeocoder | None = None, country: str = "",
                      geocodes: pd.DataFrame | None = None, *, fixes: Mapping[str, str] | None = None,
                      reach_km: float = DEFAULT_REACH_KM, by_place: bool = False,
                      reuse: Reuse | None = None) -> Community:
    """Geocode members' and in-person events' cities; fill geocodes, geo columns and country.

    Neighbourhoods count under their city (``cities.roll_up`` within ``reach_km``) unless
    ``by_place``; ``group_places`` changes that later without geocoding again.

    ``fixes`` (city text as typed -> the place the organiser chose, as ``resolve_manual``
    reads it) are applied in the same pass, to every case/space variant of the text.
    ``geocodes`` (e.g. from an earlier pass) are kept as they are; only strings they
    don't cover are geocoded. ``reuse`` (``dashboard.reuse``) hands back the members' places
    of an earlier pass over the same members' texts in the same country: only the rest (the
    events' places, say) is geocoded. A place far from the rest of the members is then
    flagged for review (``outliers.flag_far_places``).
    """
    members = community.members
    member_codes, member_texts, event_texts = _community_texts(community)
    country = (country or community.country or "").upper()
    geocoder = geocoder if geocoder is not None else Resolver(country)
    typed = np.bincount(member_codes, minlength=len(member_texts)).tolist()
    if not country:  # ``main_country`` of the members' and events' texts, counted from their codes
        country = _country_hint(members) or main_country_of_counts(key_counts(
            [*member_texts, *event_texts], [*typed, *repeat(1, len(event_texts))]), geocoder)
    # what the members' places depend on: the country and how many members typed each text
    # (a member with no place, e.g. one found only in attendance, changes nothing)
    basis = (country, tuple((t, n) for t, n in zip(member_texts, typed, strict=True) if n and t))
    known = geocodes if geocodes is not None else (reuse.get("member places", basis) if reuse is not None else None)
    if known is not None and "address" not in known:
        known = known.assign(address="")
    covered = set(known["city_text"]) if known is not None else set()
    fresh = geocode_places([t for t in [*member_texts, *event_texts] if t not in covered], geocoder, country,
                           members=key_counts(member_texts, typed))
    frames = [f for f in (known, fresh) if f is not None and len(f)]
    all_geo = pd.concat(frames, ignore_index=True) if frames else geocode_frame([])
    if reuse is not None and geocodes is None:  # the members' rows come first (theirs are the first texts)
        typed_here = set(member_texts.tolist())  # a set lookup per row: Series.isin on strings took 0.4 s at 100k
        reuse.put("member places", basis, all_geo[[t in typed_here for t in all_geo["city_text"].tolist()]])
    for city_text, query in (fixes or {}).items():
        all_geo = apply_manual_fix(all_geo, city_text, query, geocoder)
    index = geocoder.index if isinstance(geocoder, PlaceLookup) else None
    # after the fixes: a place the organiser fixed is never flagged
    all_geo = flag_far_places(all_geo, dict(zip(member_texts, typed)), country, geocoder, index)
    placed = community.with_(geocodes=all_geo, country=country, grouping=(float(reach_km), bool(by_place)))
    return _with_places(placed, geo_lookup(all_geo, reach_km, by_place, index), (member_codes, member_texts))


def group_places(community: Community, reach_km: float = DEFAULT_REACH_KM, by_place: bool = False) -> Community:
    """The community with its members' and events' cities grouped again from its geocodes:
    neighbourhoods under their city within ``reach_km``, or each place as typed (``by_place``)."""
    regrouped = community.with_(grouping=(float(reach_km), bool(by_place)))
    return _with_places(regrouped, geo_lookup(community.geocodes, reach_km, by_place))


def _with_places(community: Community, lookup: dict[str, Spot],
                 coded: tuple[np.ndarray, np.ndarray] | None = None) -> Community:
    """Members and events with their place columns from ``lookup``."""
    members, events = community.members, community.events
    return community.with_(
        members=members.assign(**place_columns(members, lookup, coded=coded)) if "city" in members
        else add_coordinates(members, community.geocodes, lookup),
        events=add_event_coordinates(events, community.geocodes, lookup),
    )
