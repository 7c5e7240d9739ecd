"""Neighbourhoods that roll up into their city: members keep the place they typed and
count under the city it belongs to, in the filter, the Map's table and cities.csv."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import geo, mapviz
from dashboard.filters import Filters, apply_filters, city_options, place_and_city
from dashboard.load import grouped
from dashboard.model import Community
from dashboard.report import CITY_REPORT_COLUMNS, city_report
from dashboard.settings import Settings
from tests.factories import make_community


def _placed(*cities: str, events: list[dict] | None = None, fixes: dict[str, str] | None = None,
            **grouping) -> Community:
    community = make_community(members=[{"member_id": f"m{i}", "city": c} for i, c in enumerate(cities)],
                               events=events, country="")
    return geo.geocode_community(community, fixes=fixes, **grouping)


def _by_city(community: Community) -> dict[str, str]:
    m = community.members
    return dict(zip(m["city"], m["city_label"], strict=True))


@pytest.fixture(scope="module")
def london() -> Community:
    return _placed("London", "London", "Camden Town", "Hackney", "Leeds",
                   events=[{"event_id": "e1", "city": "Camden Town"}, {"event_id": "e2", "city": "Leeds"}])


def test_picking_london_keeps_its_neighbourhoods_with_their_places(london: Community) -> None:
    view = apply_filters(london, Filters(cities=("London",)))
    assert sorted(view.members["city"]) == ["Camden Town", "Hackney", "London", "London"]
    assert sorted(view.members["place_label"]) == ["Camden Town", "Hackney", "London", "London"]
    assert set(view.members["city_label"]) == {"London"}


def test_the_city_filter_offers_london_not_its_neighbourhoods(london: Community) -> None:
    assert city_options(london) == ["London", "Leeds"]


def test_an_event_in_a_neighbourhood_is_in_its_citys_view(london: Community) -> None:
    view = apply_filters(london, Filters(cities=("London",)))
    assert view.events["event_id"].tolist() == ["e1"]
    assert view.events["place_label"].tolist() == ["Camden Town"]


def test_a_members_place_reads_neighbourhood_then_city(london: Community) -> None:
    assert place_and_city(london.members).tolist() == [
        "London", "London", "Camden Town, London", "Hackney, London", "Leeds"]


def test_each_member_says_why_their_place_counts_under_the_city(london: Community) -> None:
    why = dict(zip(london.members["city"], london.members["city_reason"], strict=True))
    assert why["London"] == "" and why["Leeds"] == ""
    assert why["Camden Town"].startswith("Camden Town is 4 km from the centre of London")
    assert why["Camden Town"].endswith("at least 3 times its size: counted under London")


def test_grouping_by_the_place_typed_makes_each_place_its_own_city(london: Community) -> None:
    by_place = grouped(london, Settings(group_by_place=True))
    assert _by_city(by_place) == {"London": "London", "Camden Town": "Camden Town", "Hackney": "Hackney",
                                  "Leeds": "Leeds"}
    assert set(by_place.members["city_reason"]) == {""}
    assert apply_filters(by_place, Filters(cities=("London",))).members["city"].tolist() == ["London", "London"]


def test_the_default_settings_keep_the_loaded_grouping(london: Community) -> None:
    assert grouped(london, Settings()) is london


def test_a_shorter_reach_leaves_further_places_as_their_own_city() -> None:
    near = _placed("London", "Camden Town", "Croydon", reach_km=10.0)
    assert _by_city(near) == {"London": "London", "Camden Town": "London", "Croydon": "Croydon"}
    assert _by_city(grouped(near, Settings(neighbourhood_km=20.0)))["Croydon"] == "London"
    assert _by_city(_placed("London", "Camden Town", reach_km=0.0))["Camden Town"] == "Camden Town"


@pytest.mark.parametrize(("typed", "city"), [
    ("Brooklyn", "New York City"),  # 2.7 million under 8.8 million: 3 times is enough
    ("Newark, NJ", "Newark"),  # another state: never New York's
    ("Wakefield", "Wakefield"),  # 14 km from Leeds, past its built-up area
    ("Salford", "Manchester"),
    ("Watford", "Watford"),  # 25 km from London: past the 20 km reach
])
def test_which_places_count_under_a_bigger_city(typed: str, city: str) -> None:
    community = _placed("New York", "Leeds", "Manchester", "London", typed)
    assert _by_city(community)[typed] == city


def test_a_city_named_by_nobody_gets_its_gazetteer_name() -> None:
    assert set(_placed("Camden Town", "Hackney").members["city_label"]) == {"London"}


def test_a_point_placed_by_hand_counts_as_small() -> None:
    community = _placed("Leeds", "Headingley", fixes={"Headingley": "Headingley @ 53.82, -1.58"})
    assert _by_city(community) == {"Leeds": "Leeds", "Headingley": "Leeds"}


def test_the_map_table_lists_the_neighbourhoods_under_each_city(london: Community) -> None:
    summary = mapviz.city_summary(london.members).set_index("city_label")
    assert summary.loc["London", "members"] == 4
    assert summary.loc["London", "neighbourhoods"] == "Camden Town (1), Hackney (1)"
    assert summary.loc["Leeds", "neighbourhoods"] == ""


def test_cities_csv_has_one_row_per_city_with_its_neighbourhoods() -> None:
    community = _placed("London", "Camden Town", "Camden Town", "Hackney", "Leeds", "Qqqzzxq")
    report = city_report(community)
    assert tuple(report.columns) == CITY_REPORT_COLUMNS
    rows = report.set_index("city")
    assert rows.index.tolist() == ["London", "Leeds", "Qqqzzxq"]
    assert rows.loc["London", "members"] == 4
    assert rows.loc["London", "neighbourhoods"] == "Camden Town (2), Hackney (1)"
    assert pd.isna(rows.loc["Qqqzzxq", "lat"])


def test_the_map_page_says_why_each_place_counts_under_a_city(london: Community) -> None:
    folded = mapviz.folded_places(london.members)
    assert folded[["place", "city", "members"]].values.tolist() == [["Camden Town", "London", 1],
                                                                    ["Hackney", "London", 1]]
    assert folded["why"].str.endswith("counted under London").all()
    assert mapviz.folded_places(grouped(london, Settings(group_by_place=True)).members).empty
