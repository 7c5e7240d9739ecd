"""Geocoding a community: the lookup interface, hand fixes in one pass, places typed
in any case or punctuation, and places shared by several towns judged by where the
community's members live."""

from __future__ import annotations

import pandas as pd
import pytest
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
    # no second pass over the column: each text once, bar names several places share
    # that are looked at again knowing where the members are ("Leeds", "York")
    shared = ["Leeds", "York"]
    assert sorted(counter.asked) == sorted(typed + fix_queries + shared)


# --- places typed in any case, with any punctuation -----------------------------------------

_FORMS = ["{} uk", "{} UK", "{}, UK", "{}, uk", "{} (UK)", "{} (uk)", "{} - England", "{} - england",
          "{}   uk", "{} UK ", "{}-UK", "{}.uk", "{} uk.", "{}/UK", "{} England", "{}, England"]


@pytest.mark.parametrize("city", ["manchester", "Manchester", "MANCHESTER", "leeds", "Leeds", "LEEDS"])
@pytest.mark.parametrize("form", _FORMS)
@pytest.mark.parametrize("bias", ["", "GB", "US"])
def test_case_and_punctuation_never_decide_whether_a_place_is_found(city: str, form: str, bias: str) -> None:
    resolver = geo.Resolver(bias)
    expected = resolver.resolve(f"{city.title()}, UK")
    got = resolver.resolve(form.format(city))
    assert expected.status == "resolved" and expected.reason == "exact name"
    assert (got.place_id, got.confidence, got.reason) == (expected.place_id, expected.confidence, expected.reason)


def test_a_two_letter_word_in_lower_case_is_not_read_as_a_region() -> None:
    # "or" is a word before it is Oregon; "uk" and "nz" aren't words
    resolver = geo.Resolver("GB")
    assert resolver.resolve("Portland OR").place_id == resolver.resolve("Portland, Oregon").place_id
    assert "closest spelling" in resolver.resolve("portland or").reason  # "or" left as typed, not Oregon
    assert resolver.resolve("wellington nz").place_id == resolver.resolve("Wellington, New Zealand").place_id


# --- names several places share: members first, then the country, then size ---------------

def _placed(community: Community, city: str, country: str = "") -> pd.Series:
    out = geo.geocode_community(community, geocoder=geo.OfflineGeocoder(), country=country)
    return out.geocodes.set_index("city_text").loc[city]


_NEAR = "of the places with this name, the one near the community's members"


def test_newcastle_in_a_north_east_community_is_newcastle_upon_tyne() -> None:
    row = _placed(_members(*["Sunderland"] * 5, "Durham", "Gateshead", "Middlesbrough", "Newcastle"), "Newcastle")
    assert row["place"] == "Newcastle upon Tyne" and row["status"] == "resolved"
    assert row["reason"] == f"alternative name of Newcastle upon Tyne; {_NEAR}"


def test_newcastle_in_a_northern_irish_community_is_newcastle_county_down() -> None:
    row = _placed(_members(*["Belfast"] * 5, "Newry", "Downpatrick", "Lisburn", "Newcastle"), "Newcastle")
    assert (row["place"], row["country"]) == ("Newcastle", "GB") and row["lat"] == pytest.approx(54.22, abs=0.05)
    assert row["status"] == "resolved" and row["reason"] == f"exact name; {_NEAR}"


def test_members_nearby_beat_the_countrys_bias_and_size() -> None:
    community = _members(*["Strathroy"] * 4, "Tillsonburg", "Tillsonburg", "London")
    row = _placed(community, "London", country="GB")  # the organiser set GB; the members live in Ontario
    assert row["country"] == "CA" and row["reason"] == f"exact name; {_NEAR}"


def test_a_members_own_text_does_not_vouch_for_itself() -> None:
    # a London community: the one Clapham in the data is in Bedfordshire, 80 km away, and
    # GeoNames has no Clapham in London; it is placed, but flagged for the organiser to check
    row = _placed(_members(*["London"] * 6, "Camden Town", "Peckham", "Clapham", "clapham"), "Clapham")
    assert row["place"] == "Clapham" and row["status"] == "low_confidence"
    assert row["reason"] == ("exact name; of the places with this name, the one in United Kingdom; "
                             "a small place far from where the members live")


def test_clapham_in_a_bedford_community_is_the_local_one() -> None:
    row = _placed(_members(*["Bedford"] * 5, "Kempston", "Clapham"), "Clapham")
    assert row["place"] == "Clapham" and row["status"] == "resolved" and row["reason"] == f"exact name; {_NEAR}"


def test_without_members_nearby_the_country_decides_then_size() -> None:
    assert geo.Resolver("GB").resolve("London").reason == "exact name; of the places with this name, the one in United Kingdom"
    assert geo.Resolver("").resolve("London").reason == "exact name; of the places with this name, the biggest"
    # a city abroad ten times the size of its namesakes at home still wins, on size
    assert geo.Resolver("GB").resolve("Cologne").reason == "alternative name of Köln; of the places with this name, the biggest"


def test_a_community_spread_out_keeps_the_usual_pick() -> None:
    # no member near any Newcastle: the pick is the one without members, a toss-up flagged for review
    spread = _members("London", "London", "Bristol", "Leeds", "Newcastle")
    assert _placed(spread, "Newcastle")["reason"] == geo.Resolver("GB").resolve("Newcastle").reason
