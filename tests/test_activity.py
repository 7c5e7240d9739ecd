"""The Engagement page's activity views (dashboard.activity), computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from dashboard import activity
from tests.factories import days_before, make_community, small_community


def test_cohort_retention_cell_by_cell() -> None:
    table = activity.cohort_retention(small_community(), max_months=2, as_of=pd.Timestamp("2026-03-15"))
    # January cohort (a, b): Jan a came; Feb b came; Mar a came. February cohort (c): Feb, Mar; Apr is the future.
    expected = pd.DataFrame(
        [[0.5, 0.5, 0.5], [1.0, 1.0, np.nan]],
        index=pd.DatetimeIndex(["2026-01-01", "2026-02-01"], name="join_month"),
        columns=pd.RangeIndex(3, name="months_since_joining"),
    )
    pd.testing.assert_frame_equal(table, expected)


def test_cohort_sizes() -> None:
    sizes = activity.cohort_sizes(small_community(), as_of=pd.Timestamp("2026-03-15"))
    assert sizes.tolist() == [2, 1]


def test_attendance_by_month_and_city() -> None:
    out = activity.attendance_by_month(small_community(), by_city=True)
    assert out.to_dict("list") == {
        "month": [pd.Timestamp("2026-01-01"), pd.Timestamp("2026-02-01"), pd.Timestamp("2026-03-01")],
        "city": ["Leeds", "York", "Leeds"],
        "attended": [1, 2, 2],
    }


def test_attendance_by_month_keeps_the_busiest_cities_and_sums_the_rest() -> None:
    cities = {"Leeds": 5, "York": 4, "Hull": 3, "Bath": 2, "Ely": 1}
    community = make_community(
        members=[{"member_id": f"m{i}"} for i in range(5)],
        events=[{"event_id": c, "starts_at": days_before(3), "city": c} for c in cities],
        attendance=[(f"m{i}", c) for c, n in cities.items() for i in range(n)],
    )
    out = activity.attendance_by_month(community, by_city=True, top_cities=2)
    assert dict(zip(out["city"], out["attended"], strict=True)) == {"Leeds": 5, "York": 4, activity.OTHER_CITIES: 6}
    # one city over the limit stays itself: "Other cities" never stands for a single city
    assert set(activity.attendance_by_month(community, by_city=True, top_cities=4)["city"]) == set(cities)


def test_new_vs_returning_by_month() -> None:
    out = activity.new_vs_returning_by_month(small_community())
    assert out["first_timers"].tolist() == [1, 2, 0]  # a in Jan; b, c in Feb
    assert out["returning"].tolist() == [0, 0, 2]  # a and c again in Mar


def test_first_timers_by_event() -> None:
    out = activity.first_timers_by_event(small_community())
    assert out[["event_id", "attended", "first_timers", "returning"]].values.tolist() == [
        ["e1", 1, 1, 0], ["e2", 2, 2, 0], ["e3", 2, 0, 2],
    ]


def test_events_table_turnout() -> None:
    out = activity.events_table(small_community()).set_index("event_id")
    assert out.loc["e3", ["registered", "attended", "first_timers", "no_shows"]].tolist() == [3, 2, 0, 1]
    assert out.loc["e2", "first_timers"] == 2 and out.loc["e4", "first_timers"] == 0
    assert out.loc["e3", "turnout"] == pytest.approx(2 / 3)
    assert out.loc["e2", "turnout"] == pytest.approx(2 / 3)  # a registered, didn't check in
    assert math.isnan(out.loc["e1", "turnout"])  # check-ins only: no RSVP data
    assert out.index.tolist() == ["e4", "e3", "e2", "e1"]  # newest first


def test_member_timeline() -> None:
    out = activity.member_timeline(small_community(), "c")
    assert out[["event_id", "status", "city"]].values.tolist() == [
        ["e2", "attended", "York"], ["e3", "attended", "Leeds"], ["e4", "registered", "Leeds"],
    ]


def test_views_given_the_attended_rows_match_the_views_that_work_them_out() -> None:
    community = small_community()
    as_of = pd.Timestamp("2026-03-15")
    rows = activity.attended_events(community)
    pd.testing.assert_frame_equal(activity.attendance_by_month(community, True, rows=rows),
                                  activity.attendance_by_month(community, True))
    pd.testing.assert_frame_equal(activity.new_vs_returning_by_month(community, rows),
                                  activity.new_vs_returning_by_month(community))
    pd.testing.assert_frame_equal(activity.cohort_retention(community, 2, as_of, rows),
                                  activity.cohort_retention(community, 2, as_of))
    pd.testing.assert_frame_equal(activity.events_table(community, rows), activity.events_table(community))
