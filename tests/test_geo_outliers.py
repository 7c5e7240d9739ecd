"""A place far from the rest of the community (``geo.outliers``): flagged for review with
its guesses, still on the map; never a fix, a neighbouring city, a big city, or a
community that really lives in several countries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard import geo
from dashboard.geo import outliers
from dashboard.geo.columns import geocode_frame
from dashboard.model import Community
from tests.factories import make_community

_UK = ["London"] * 5 + ["Leeds"] * 3 + ["Manchester"] * 2 + ["Bristol"]


def _community(*cities: str, events: tuple[str, ...] = (), country: str = "") -> Community:
    return make_community(members=[{"member_id": f"m{i}", "city": c} for i, c in enumerate(cities)],
                          events=[{"event_id": f"e{i}", "city": c} for i, c in enumerate(events)], country=country)


def _geocoded(community: Community, fixes: dict[str, str] | None = None) -> Community:
    return geo.geocode_community(community, geocoder=geo.OfflineGeocoder(), country=community.country, fixes=fixes)


def _row(community: Community, text: str) -> pd.Series:
    return community.geocodes.set_index("city_text").loc[text]


def test_atlantis_in_a_uk_community_is_flagged_with_its_distance_and_guesses() -> None:
    placed = _geocoded(_community(*_UK, "Atlantis"))
    row = _row(placed, "Atlantis")
    assert (row["place"], row["country"], row["status"]) == ("Atlantis", "ZA", "low_confidence")
    # the median other member: London 9,633 km (5), Bristol 9,676 km (the 6th of 11), the north further
    assert row["reason"] == "About 9,700 km from the rest of your members; check the spelling or fix it here"
    assert geo.LOW_CONFIDENCE_MIN <= row["confidence"] < geo.RESOLVED_MIN
    # listed under "Places to check" with the place itself as the first guess, and its namesake
    review = geo.places_to_review(placed)
    assert review["city_text"].tolist() == ["Atlantis"] and review["members"].tolist() == [1]
    assert review["candidates"].iat[0].split("; ")[:2] == ["Atlantis, ZA", "Atlantis, FL, US"]
    # still on the map at the best guess
    member = placed.members.set_index("city").loc["Atlantis"]
    assert (member["lat"], member["lon"]) == (pytest.approx(-33.567, abs=1e-3), pytest.approx(18.483, abs=1e-3))
    # the rest of the community is untouched
    assert set(placed.geocodes.loc[placed.geocodes["city_text"] != "Atlantis", "status"]) == {"resolved"}


def test_the_same_community_without_atlantis_has_nothing_to_check() -> None:
    assert geo.places_to_review(_geocoded(_community(*_UK))).empty


def test_a_community_in_several_countries_is_not_flagged() -> None:
    # three or more members in each country: that is where the community lives, whatever the distance
    placed = _geocoded(_community("London", "London", "Leeds", "Leeds", "Toronto", "Toronto", "Toronto",
                                  "Sydney", "Sydney", "Melbourne", "Lagos", "Lagos", "Abuja"))
    assert set(placed.geocodes["status"]) == {"resolved"}
    assert geo.places_to_review(placed).empty


def test_members_in_neighbouring_countries_cities_are_not_flagged() -> None:
    placed = _geocoded(_community(*_UK, "Dublin", "Paris", "Brussels", "Amsterdam"))
    assert set(placed.geocodes["status"]) == {"resolved"}


def test_a_lone_member_near_a_group_abroad_is_not_flagged() -> None:
    # the demo's shape: a group in Toronto, one member in Buffalo (150 km away)
    placed = _geocoded(_community(*_UK, *["Toronto"] * 3, "Buffalo"))
    assert _row(placed, "Buffalo")["status"] == "resolved"


def test_a_lone_member_in_a_big_city_far_away_is_not_flagged() -> None:
    placed = _geocoded(_community(*_UK, "New York City"))
    row = _row(placed, "New York City")
    assert row["status"] == "resolved" and row["country"] == "US"


def test_three_members_in_one_far_place_are_where_the_community_lives() -> None:
    two = _geocoded(_community(*_UK, "Atlantis", "Atlantis"))
    three = _geocoded(_community(*_UK, *["Atlantis"] * outliers.MEANINGFUL_MEMBERS))
    assert _row(two, "Atlantis")["status"] == "low_confidence"
    assert _row(three, "Atlantis")["status"] == "resolved"


def test_the_communitys_own_country_is_never_far() -> None:
    # two members: neither is "the rest"; the organiser's country decides which one is odd
    placed = _geocoded(_community("London", "Atlantis", country="GB"))
    assert _row(placed, "London")["status"] == "resolved"
    assert _row(placed, "Atlantis")["status"] == "low_confidence"


def test_the_organisers_fix_wins() -> None:
    placed = _geocoded(_community(*_UK, "Atlantis"), fixes={"atlantis": "Atlantis, ZA"})
    row = _row(placed, "Atlantis")
    assert (row["status"], row["country"]) == ("manual", "ZA")
    assert geo.places_to_review(placed).empty


def test_picking_the_listed_guess_confirms_the_place() -> None:
    gc = geo.OfflineGeocoder()
    flagged = _geocoded(_community(*_UK, "Atlantis"))
    guess = geo.places_to_review(flagged)["candidates"].iat[0].split("; ")[0]
    assert geo.resolve_manual(guess, gc, flagged.country) is not None
    confirmed = _geocoded(_community(*_UK, "Atlantis"), fixes={"Atlantis": guess})
    assert _row(confirmed, "Atlantis")["status"] == "manual"
    assert _row(confirmed, "Atlantis")["lat"] == _row(flagged, "Atlantis")["lat"]


def test_every_spelling_of_a_far_place_is_flagged_and_counted_once() -> None:
    placed = _geocoded(_community(*_UK, "Atlantis", "atlantis "))
    assert set(placed.geocodes.loc[placed.geocodes["place"] == "Atlantis", "status"]) == {"low_confidence"}
    review = geo.places_to_review(placed)
    assert review["members"].tolist() == [2]


def test_an_event_far_from_every_member_is_flagged_too() -> None:
    placed = _geocoded(_community(*_UK, events=("Leeds", "Atlantis")))
    assert _row(placed, "Atlantis")["status"] == "low_confidence"
    assert _row(placed, "Leeds")["status"] == "resolved"


def test_flagging_again_changes_nothing() -> None:
    once = _geocoded(_community(*_UK, "Atlantis"))
    again = geo.geocode_community(once, geocoder=geo.OfflineGeocoder(), country=once.country, geocodes=once.geocodes)
    pd.testing.assert_frame_equal(again.geocodes, once.geocodes)


def test_a_point_from_another_geocoder_is_judged_by_its_distance_alone() -> None:
    # no gazetteer place (an online answer): no size to go by, its address is the guess
    frame = geocode_frame([
        {"city_text": "Home", "place": "London", "country": "GB", "lat": 51.5, "lon": -0.12, "confidence": 1.0,
         "status": "resolved", "reason": "found", "candidates": "", "address": "London, UK"},
        {"city_text": "Far", "place": "Somewhere", "country": "NZ", "lat": -41.3, "lon": 174.8, "confidence": 0.9,
         "status": "resolved", "reason": "found", "candidates": "", "address": "Somewhere, New Zealand"},
    ])
    out = outliers.flag_far_places(frame, {"Home": 20, "Far": 1}, "")
    assert out["status"].tolist() == ["resolved", "low_confidence"]
    assert out["reason"].iat[1] == "About 18,800 km from the rest of your members; check the spelling or fix it here"
    assert out["candidates"].iat[1] == "Somewhere, New Zealand"
    assert frame["status"].tolist() == ["resolved", "resolved"]  # the frame given is left as it was
    assert outliers.flag_far_places(frame, {"Home": 20, "Far": 3}, "") is frame  # nothing far: the frame itself


def test_the_median_member_elsewhere_gives_the_distance() -> None:
    points = np.array([[0.0, 0.0], [0.0, 10.0], [0.0, 20.0], [0.0, 30.0]])
    # at (0, 0): one member 1,112 km away, three 2,224 km, one 3,336 km: the median is 2,224 km
    km = outliers._median_km(0.0, 0.0, points, np.array([5.0, 1.0, 3.0, 1.0]))
    assert km == pytest.approx(2_223.9, abs=1)
    assert outliers._median_km(0.0, 0.0, points[:1], np.array([5.0])) is None
    assert [outliers._about(k) for k in (9_628.0, 1_049.0, 640.4)] == ["9,600", "1,000", "640"]
