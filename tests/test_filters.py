"""Filters: cities, radius, dates, online events and attendance, on a five-member community."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.filters import Filters, apply_filters, city_center, city_labels, city_options, rows_for
from dashboard.model import Community
from tests.factories import make_community

LEEDS = {"city": "Leeds", "city_label": "Leeds", "lat": 53.7965, "lon": -1.5479, "country_code": "GB"}
HUDD = {"city": "Huddersfield", "city_label": "Huddersfield", "lat": 53.6490, "lon": -1.7842, "country_code": "GB"}
LONDON = {"city": "London", "city_label": "London", "lat": 51.5085, "lon": -0.1257, "country_code": "GB"}


def community() -> Community:
    """a, b in Leeds; c in Huddersfield (24 km away); d in London; e unplaced."""
    return make_community(
        members=[
            {"member_id": "a", **LEEDS}, {"member_id": "b", **LEEDS}, {"member_id": "c", **HUDD},
            {"member_id": "d", **LONDON}, {"member_id": "e", "city": "Online only"},
        ],
        events=[
            {"event_id": "e1", "starts_at": "2026-05-01", **{k: LEEDS[k] for k in ("city", "city_label", "lat", "lon")}},
            {"event_id": "e2", "starts_at": "2026-06-01", **{k: LONDON[k] for k in ("city", "city_label", "lat", "lon")}},
            {"event_id": "e3", "starts_at": "2026-06-10", "online": True},
            {"event_id": "e4", "starts_at": "2026-06-20", "online": True},
            {"event_id": "e5", "starts_at": None, **{k: HUDD[k] for k in ("city", "city_label", "lat", "lon")}},
        ],
        attendance=[("a", "e1"), ("c", "e1"), ("d", "e2"), ("a", "e3"), ("d", "e4"),
                    {"member_id": "b", "event_id": "e4", "status": "cancelled"}, ("c", "e5")],
    )


def ids(frame: pd.DataFrame, col: str) -> list[str]:
    return sorted(frame[col])


def test_no_filters_changes_nothing() -> None:
    c = community()
    view = apply_filters(c, Filters())
    assert len(view.members) == 5 and len(view.events) == 5 and len(view.attendance) == 7


def test_city_filter_members_events_attendance() -> None:
    view = apply_filters(community(), Filters(cities=("Leeds",)))
    assert ids(view.members, "member_id") == ["a", "b"]
    # e1 is in Leeds; e3 is online and a Leeds member attended; e4 only had a cancellation
    assert ids(view.events, "event_id") == ["e1", "e3"]
    assert sorted(zip(view.attendance["member_id"], view.attendance["event_id"])) == [("a", "e1"), ("a", "e3")]


@pytest.mark.parametrize(
    ("radius", "members"),
    [(10.0, ["a", "b"]), (25.0, ["a", "b", "c"]), (300.0, ["a", "b", "c", "d"])],
)
def test_radius_filter(radius: float, members: list[str]) -> None:
    view = apply_filters(community(), Filters(near_city="Leeds", radius_km=radius))
    assert ids(view.members, "member_id") == members


def test_cities_and_radius_combine_with_or() -> None:
    view = apply_filters(community(), Filters(cities=("London",), near_city="Huddersfield", radius_km=5))
    assert ids(view.members, "member_id") == ["c", "d"]


def test_unknown_city_matches_nothing() -> None:
    view = apply_filters(community(), Filters(near_city="Atlantis"))
    assert view.members.empty and view.attendance.empty
    assert apply_filters(community(), Filters(cities=("Atlantis",))).members.empty


@pytest.mark.parametrize(
    ("start", "end", "events"),
    [
        (date(2026, 6, 1), None, ["e2", "e3", "e4"]),
        (None, date(2026, 6, 1), ["e1", "e2"]),  # inclusive end day
        (date(2026, 6, 1), date(2026, 6, 10), ["e2", "e3"]),
        (date(2027, 1, 1), None, []),
    ],
)
def test_date_range_filters_events_only(start, end, events: list[str]) -> None:
    view = apply_filters(community(), Filters(date_from=start, date_to=end))
    assert ids(view.events, "event_id") == events
    assert len(view.members) == 5
    assert set(view.attendance["event_id"]) <= set(events)


def test_without_geo_columns_labels_come_from_text() -> None:
    c = community()
    bare = c.with_(members=c.members.drop(columns=["lat", "lon", "city_label", "place", "country_code"]),
                   events=c.events.drop(columns=["lat", "lon", "city_label"]))
    assert ids(apply_filters(bare, Filters(cities=("Leeds",))).members, "member_id") == ["a", "b"]
    assert apply_filters(bare, Filters(near_city="Leeds")).members.empty  # no coordinates, no radius
    assert city_options(bare)[0] == "Leeds"


def test_inputs_are_not_mutated() -> None:
    c = community()
    before = c.members.copy()
    apply_filters(c, Filters(cities=("Leeds",)))
    pd.testing.assert_frame_equal(c.members, before)


def test_city_options_sorted_by_member_count() -> None:
    assert city_options(community()) == ["Leeds", "Huddersfield", "London", "Online only"]
    assert city_options(make_community()) == []


def test_no_city_goes_last() -> None:
    c = make_community(members=[{"member_id": "x"}, {"member_id": "y"}, {"member_id": "z", **LONDON}])
    assert city_options(c) == ["London", "(no city)"]


def test_city_center() -> None:
    assert city_center(community(), "Leeds") == pytest.approx((53.7965, -1.5479))
    assert city_center(community(), "Online only") is None
    assert city_center(community(), "") is None


def test_empty_community() -> None:
    view = apply_filters(make_community(), Filters(cities=("Leeds",), date_from=date(2026, 1, 1)))
    assert view.members.empty and view.events.empty


def test_filters_flags() -> None:
    assert not Filters().active and Filters(date_to=date(2026, 1, 1)).active
    assert Filters(near_city="Leeds").geographic and not Filters(date_to=date(2026, 1, 1)).geographic


def test_rows_for_keeps_the_view_order_by_index_or_by_column() -> None:
    c = make_community(members=[{"member_id": m} for m in "abc"], events=[], attendance=[])
    view = c.with_(members=c.members.iloc[[2, 0]])
    by_index = pd.DataFrame({"x": [1, 2, 3]}, index=pd.Index(["a", "b", "c"], name="member_id"))
    assert rows_for(by_index, view).index.tolist() == ["c", "a"]
    by_column = pd.DataFrame({"member_id": ["a", "b", "c"], "x": [1, 2, 3]})
    assert rows_for(by_column, view)["x"].tolist() == [3, 1]
    assert rows_for(by_column, view).index.tolist() == [0, 1]


def test_city_labels_fall_back_to_the_text_then_no_city() -> None:
    frame = pd.DataFrame({"city": ["  Leeds  Central ", "", None], "online": [False, False, True]})
    assert city_labels(frame).tolist() == ["Leeds Central", "(no city)", "(no city)"]
    assert city_labels(frame, frame["online"]).tolist() == ["Leeds Central", "(no city)", "Online"]
    labelled = frame.assign(city_label=["Leeds", None, "Online"])
    assert city_labels(labelled).tolist() == ["Leeds", "(no city)", "Online"]
