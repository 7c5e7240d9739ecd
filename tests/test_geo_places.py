"""Geocoding a community: the lookup interface, hand fixes in one pass, places typed
in any case or punctuation, and places shared by several towns judged by where the
community's members live."""

from __future__ import annotations

import pandas as pd
from geopy.geocoders import Nominatim

from dashboard import geo
from dashboard.model import Community
from tests.factories import make_community


def _members(*cities: str) -> Community:
    return make_community(members=[{"member_id": f"m{i}", "city": c} for i, c in enumerate(cities)], country="")


# --- the lookup interface -----------------------------------------------------------


def test_the_resolver_and_its_geopy_adapter_are_lookups_other_geocoders_are_not() -> None:
    assert isinstance(geo.Resolver(), geo.PlaceLookup)
    assert isinstance(geo.OfflineGeocoder(), geo.PlaceLookup)
    assert not isinstance(Nominatim(user_agent="test"), geo.PlaceLookup)


def test_a_plain_resolver_geocodes_a_column_as_the_geopy_adapter_does() -> None:
    texts = ["Leeds", "leeds uk", "Springfield", "Manchestr", "Online", "Perth"]
    pd.testing.assert_frame_equal(geo.geocode_places(texts, geo.Resolver("GB"), "GB"),
                                  geo.geocode_places(texts, geo.OfflineGeocoder("GB"), "GB"))


# --- hand fixes, applied in the same pass ------------------------------------------------

_FIXES = {"Online": "Bradford", "SHOREDITCH": "London, UK", "Flat 3": "53.80, -1.55",
          "Nowhere new": "Leeds", "Qqqzzxq": "Qqqqzzz"}


def _fixable() -> Community:
    return make_community(
        members=[{"member_id": str(i), "city": c} for i, c in enumerate(
            ["Leeds", "Shoreditch", "shoreditch ", "Flat 3", "Online", "Qqqzzxq", "York", "Huddersfeild"])],
        events=[{"event_id": "e1", "city": "Shoreditch"}, {"event_id": "e2", "city": "", "online": True}],
        country="",
    )


def _fixed_the_old_way(community: Community, gc: geo.OfflineGeocoder) -> Community:
    """What the app's loader did before: geocode, fix each text, then geocode again."""
    community = geo.geocode_community(community, geocoder=gc)
    for city_text, query in _FIXES.items():
        community = community.with_(geocodes=geo.apply_manual_fix(community.geocodes, city_text, query, gc))
    return geo.geocode_community(community, geocoder=gc, country=community.country, geocodes=community.geocodes)


def test_fixes_in_one_pass_give_what_fixing_after_geocoding_gave() -> None:
    gc = geo.OfflineGeocoder()
    old = _fixed_the_old_way(_fixable(), gc)
    new = geo.geocode_community(_fixable(), geocoder=gc, fixes=_FIXES)
    assert new.country == old.country == "GB"
    pd.testing.assert_frame_equal(new.geocodes, old.geocodes)
    pd.testing.assert_frame_equal(new.members, old.members)
    pd.testing.assert_frame_equal(new.events, old.events)
    shoreditch = new.members[new.members["city"].str.strip().str.lower() == "shoreditch"]
    assert set(shoreditch["place"]) == {"London"}
    assert new.geocodes.set_index("city_text").loc["Qqqzzxq", "status"] == "unresolved"  # a stale fix never breaks loading


class _Counting(geo.Resolver):
    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def resolve(self, query: object, country_bias: str | None = None) -> geo.Resolution:
        self.asked.append(str(query))
        return super().resolve(query, country_bias)


def test_fixes_in_one_pass_resolve_each_text_once() -> None:
    counter = _Counting()
    geo.geocode_community(_fixable(), geocoder=counter, country="GB", fixes=_FIXES)
    typed = ["Leeds", "Shoreditch", "Flat 3", "Online", "Qqqzzxq", "York", "Huddersfeild"]
    fix_queries = ["Bradford", "London, UK", "Leeds", "Qqqqzzz"]  # coordinates need no lookup
    assert sorted(counter.asked) == sorted(typed + fix_queries)
