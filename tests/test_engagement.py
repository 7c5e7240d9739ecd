"""Engagement metrics, score, segments, headline numbers and the page's charts, computed by hand."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from dashboard import activity
from dashboard import engagement as eng
from dashboard.settings import Settings
from tests.factories import AS_OF, days_before, make_community, small_community

S = Settings()
#: settings where only the rule under test can make someone core
NO_CORE = replace(S, core_score=101.0, core_min_events_6m=1_000)


def one_member(days_ago: list[int], joined_days: int | None = 1_000, settings: Settings = S,
               role: str = "member", **member) -> pd.Series:
    """Metrics of member "a" who attended events the given days before AS_OF.

    A bystander's attendance long ago makes sure the community has a log.
    """
    joined = days_before(joined_days) if joined_days is not None else None
    community = make_community(
        members=[{"member_id": "a", "joined_on": joined, "role": role, **member}, {"member_id": "bystander"}],
        events=[{"event_id": f"e{i}", "starts_at": days_before(d)} for i, d in enumerate(days_ago)]
        + [{"event_id": "old", "starts_at": days_before(3_000)}],
        attendance=[("a", f"e{i}") for i in range(len(days_ago))] + [("bystander", "old")],
    )
    return eng.member_metrics(community, AS_OF, settings).loc["a"]


# --- counting ---------------------------------------------------------------------------


def test_only_attended_rows_at_past_events_count() -> None:
    community = make_community(
        members=[{"member_id": "a"}],
        events=[
            {"event_id": "past", "starts_at": days_before(10)},
            {"event_id": "future", "starts_at": days_before(-1)},
            {"event_id": "missed", "starts_at": days_before(5)},
            {"event_id": "signed", "starts_at": days_before(3)},
            {"event_id": "dropped", "starts_at": days_before(2)},
        ],
        attendance=[("a", "past"), ("a", "future"), ("a", "missed", "no_show"), ("a", "signed", "registered"),
                    ("a", "dropped", "cancelled")],
    )
    row = eng.member_metrics(community, AS_OF, S).loc["a"]
    assert row["events_attended"] == 1
    assert row["no_shows"] == 1
    assert row["rsvps"] == 3  # registered + attended + no-show at past events; cancelled isn't an RSVP


@pytest.mark.parametrize(
    ("starts_at", "counted"),
    [
        (AS_OF + pd.Timedelta(hours=19), True),  # the as_of day itself, evening
        (AS_OF + pd.Timedelta(days=1), False),  # the next day
        (AS_OF - pd.Timedelta(days=1) + pd.Timedelta(hours=23), True),
    ],
)
def test_events_on_the_as_of_day_count(starts_at: pd.Timestamp, counted: bool) -> None:
    community = make_community(
        members=[{"member_id": "a"}], events=[{"event_id": "e", "starts_at": starts_at}], attendance=[("a", "e")]
    )
    assert eng.member_metrics(community, AS_OF, S).loc["a", "events_attended"] == int(counted)


def test_first_last_and_days_since_last() -> None:
    row = one_member([40, 3, 12])
    assert row["events_attended"] == 3
    assert row["first_attended_on"] == days_before(40)
    assert row["last_attended_on"] == days_before(3)
    assert row["days_since_last"] == 3


@pytest.mark.parametrize(
    ("days_ago", "last", "prev"),
    [(0, 1, 0), (89, 1, 0), (90, 0, 1), (179, 0, 1), (180, 0, 0)],
)
def test_90_day_windows(days_ago: int, last: int, prev: int) -> None:
    row = one_member([days_ago])
    assert (row["attended_last_90"], row["attended_prev_90"]) == (last, prev)


@pytest.mark.parametrize(
    ("days_ago", "median"),
    [([5], np.nan), ([30, 10, 0], 15.0), ([35, 30, 20, 0], 10.0), ([9, 9, 2], 3.5)],
)
def test_median_gap(days_ago: list[int], median: float) -> None:
    got = one_member(days_ago)["median_gap_days"]
    assert (math.isnan(got) and math.isnan(median)) or got == median


def test_unknown_members_and_events_in_the_log_are_ignored() -> None:
    community = make_community(
        members=[{"member_id": "a"}, {"member_id": "b"}],
        events=[{"event_id": "e1", "starts_at": days_before(1)}],
        attendance=[("a", "e1"), ("ghost", "e1"), ("b", "nope")],
    )
    metrics = eng.member_metrics(community, AS_OF, S)
    assert metrics["events_attended"].tolist() == [1, 0]


def test_every_member_in_members_order() -> None:
    community = make_community(members=[{"member_id": m} for m in ("z", "a", "m")])
    assert eng.member_metrics(community, AS_OF, S).index.tolist() == ["z", "a", "m"]


def test_inputs_are_not_mutated() -> None:
    community = make_community(
        members=[{"member_id": "a", "role": " Host "}],
        events=[{"event_id": "e1", "starts_at": days_before(1)}],
        attendance=[("a", "e1")],
    )
    before = [f.copy() for f in (community.members, community.events, community.attendance)]
    eng.member_metrics(community, AS_OF, S)
    for old, new in zip(before, (community.members, community.events, community.attendance)):
        pd.testing.assert_frame_equal(old, new)


# --- the score ----------------------------------------------------------------------------


def test_one_event_today_scores_22() -> None:
    row = one_member([0])
    assert row["score_raw"] == pytest.approx(1.0)
    assert row["engagement_score"] == pytest.approx(100 * (1 - math.exp(-1 / 4)))  # 22.1


def test_monthly_for_six_months_is_the_documented_69() -> None:
    assert eng.score_from_raw(sum(0.9**i for i in range(6))) == pytest.approx(69.0, abs=0.05)


def test_decay_is_point_nine_per_average_month() -> None:
    row = one_member([365])
    assert row["score_raw"] == pytest.approx(0.9 ** (365 / 30.4375))  # 0.2838


@pytest.mark.parametrize("role", ["host", "volunteer", "organiser", " Host "])
def test_hosting_weighs_three(role: str) -> None:
    assert one_member([0], role=role)["score_raw"] == pytest.approx(3.0)


def test_score_does_not_depend_on_the_community() -> None:
    alone = one_member([0, 30])
    crowd = make_community(
        members=[{"member_id": "a", "joined_on": days_before(1_000)}, {"member_id": "b"}],
        events=[{"event_id": "e0", "starts_at": days_before(0)}, {"event_id": "e1", "starts_at": days_before(30)}]
        + [{"event_id": f"x{i}", "starts_at": days_before(i)} for i in range(20)],
        attendance=[("a", "e0"), ("a", "e1")] + [("b", f"x{i}") for i in range(20)],
    )
    assert eng.member_metrics(crowd, AS_OF, S).loc["a", "engagement_score"] == pytest.approx(alone["engagement_score"])


def test_score_breakdown_adds_up_to_the_score() -> None:
    community = make_community(
        members=[{"member_id": "a", "role": "volunteer"}],
        events=[{"event_id": f"e{i}", "starts_at": days_before(d)} for i, d in enumerate([0, 45, 400])],
        attendance=[("a", "e0"), ("a", "e1"), ("a", "e2")],
    )
    parts = eng.score_breakdown(community, "a", AS_OF, S)
    metrics = eng.member_metrics(community, AS_OF, S)
    assert parts["event_id"].tolist() == ["e0", "e1", "e2"]
    assert parts["weight"].tolist() == [3.0, 3.0, 3.0]
    assert parts["points"].sum() == pytest.approx(metrics.loc["a", "score_raw"])
    assert eng.score_from_raw(parts["points"].sum()) == pytest.approx(metrics.loc["a", "engagement_score"])


# --- segments, one day either side of each boundary -------------------------------------------


@pytest.mark.parametrize(("joined", "segment"), [(59, "new"), (60, "active")])
def test_new_until_60_days(joined: int, segment: str) -> None:
    assert one_member([5], joined_days=joined)["segment"] == segment


@pytest.mark.parametrize(("joined", "segment"), [(29, "new"), (30, "never attended"), (59, "never attended")])
def test_never_attended_from_30_days_and_before_new(joined: int, segment: str) -> None:
    assert one_member([], joined_days=joined)["segment"] == segment


def test_never_attended_when_join_date_unknown() -> None:
    row = one_member([], joined_days=None)
    assert row["segment"] == "never attended"
    assert row["segment_reason"] == "No events on record (join date unknown)"


@pytest.mark.parametrize(("last", "segment"), [(179, "active"), (180, "lapsed")])
def test_lapsed_at_180_days(last: int, segment: str) -> None:
    assert one_member([last, last + 10])["segment"] == segment


@pytest.mark.parametrize(("since", "segment"), [(20, "active"), (21, "drifting")])
def test_drifting_past_twice_the_usual_gap(since: int, segment: str) -> None:
    # every 10 days, four times: usual gap 10, drifting once the silence passes 20 days
    row = one_member([since, since + 10, since + 20, since + 30], settings=NO_CORE)
    assert row["median_gap_days"] == 10.0
    assert row["segment"] == segment


def test_drifting_needs_three_events() -> None:
    assert one_member([100, 110], settings=NO_CORE)["segment"] == "active"


@pytest.mark.parametrize(
    ("recent", "earlier", "segment"),
    [([0, 45], [100, 110, 120, 130, 140], "drifting"), ([0, 30, 45], [100, 110, 120, 130, 140, 150], "active")],
)
def test_drifting_when_last_90_below_half_the_90_before(recent: list[int], earlier: list[int], segment: str) -> None:
    # 2 < 5 / 2 drifts; 3 < 6 / 2 does not (the gap rule can't fire: they came today)
    assert one_member(recent + earlier, settings=NO_CORE)["segment"] == segment


@pytest.mark.parametrize(("oldest", "segment"), [(181, "core"), (182, "active")])
def test_core_with_six_events_in_six_months(oldest: int, segment: str) -> None:
    settings = replace(S, core_score=101.0)
    assert one_member([0, 1, 2, 3, 4, oldest], settings=settings)["segment"] == segment


@pytest.mark.parametrize(("core_score", "segment"), [(22.1, "core"), (22.2, "active")])
def test_core_by_score(core_score: float, segment: str) -> None:
    # one event today scores 22.12
    assert one_member([0], settings=replace(S, core_score=core_score))["segment"] == segment


def test_drifting_wins_over_core() -> None:
    row = one_member([30, 31, 32, 33, 34, 35, 36], settings=replace(S, core_score=101.0))
    assert row["segment"] == "drifting"
    assert row["segment_reason"] == "Last came 30 days ago, usually every 1 day"


def test_segment_reasons_in_plain_words() -> None:
    assert one_member([], joined_days=45)["segment_reason"] == "Joined 45 days ago and hasn't come to an event yet"
    assert one_member([200, 210])["segment_reason"] == "Last came 200 days ago, nothing for 180+ days"
    assert one_member([10, 50])["segment_reason"] == "Came 2 times, last 10 days ago"


# --- Meetup totals and no data ------------------------------------------------------------------


def test_meetup_totals_give_the_metrics_they_support() -> None:
    community = make_community(
        members=[
            {"member_id": "m", "joined_on": days_before(400), "agg_events_attended": 12,
             "agg_last_attended": days_before(200), "agg_no_shows": 2, "agg_rsvps": 15},
            {"member_id": "z", "joined_on": days_before(400), "agg_events_attended": 0},
            {"member_id": "r", "joined_on": days_before(400), "agg_events_attended": 4,
             "agg_last_attended": days_before(10)},
        ]
    )
    metrics = eng.member_metrics(community, AS_OF, S)
    m = metrics.loc["m"]
    assert (m["events_attended"], m["days_since_last"], m["no_shows"], m["rsvps"]) == (12, 200, 2, 15)
    assert m["metrics_source"] == "Meetup totals"
    assert m["segment"] == "lapsed"
    assert pd.isna(m["engagement_score"]) and pd.isna(m["first_attended_on"]) and pd.isna(m["attended_last_90"])
    assert metrics.loc["z", "segment"] == "never attended"
    assert metrics.loc["r", "segment"] == "active"  # core and drifting need the log
    assert eng.uncomputable_metrics(metrics) == [
        "first_attended_on", "attended_last_90", "attended_prev_90", "median_gap_days", "engagement_score",
    ]


def test_the_log_wins_over_totals_for_the_same_member() -> None:
    community = make_community(
        members=[{"member_id": "a", "agg_events_attended": 50}],
        events=[{"event_id": "e", "starts_at": days_before(3)}],
        attendance=[("a", "e")],
    )
    metrics = eng.member_metrics(community, AS_OF, S)
    assert metrics.loc["a", "events_attended"] == 1
    assert eng.uncomputable_metrics(metrics) == []


def test_no_attendance_data_at_all_is_not_never_attended() -> None:
    community = make_community(
        members=[{"member_id": "old", "joined_on": days_before(400)}, {"member_id": "young", "joined_on": days_before(3)}]
    )
    metrics = eng.member_metrics(community, AS_OF, S)
    assert metrics["metrics_source"].tolist() == ["none", "none"]
    assert pd.isna(metrics.loc["old", "events_attended"]) and pd.isna(metrics.loc["old", "segment"])
    assert metrics.loc["young", "segment"] == "new"


def test_empty_community() -> None:
    metrics = eng.member_metrics(make_community(), AS_OF, S)
    assert metrics.empty and "segment" in metrics.columns


# --- staff --------------------------------------------------------------------------------------


def staffed():
    return make_community(
        members=[{"member_id": "o", "role": "organiser"}, {"member_id": "h", "role": "Host"},
                 {"member_id": "v", "role": "volunteer"}, {"member_id": "m"}],
        events=[{"event_id": "e", "starts_at": days_before(1)}],
        attendance=[("o", "e"), ("h", "e"), ("v", "e"), ("m", "e")],
    )


def test_exclude_staff_drops_organisers_hosts_and_their_attendance() -> None:
    out = eng.exclude_staff(staffed(), S)
    assert out.members["member_id"].tolist() == ["v", "m"]
    assert out.attendance["member_id"].tolist() == ["v", "m"]


def test_exclude_staff_can_be_turned_off() -> None:
    community = staffed()
    assert eng.exclude_staff(community, replace(S, exclude_organisers=False)) is community


# --- community views ----------------------------------------------------------------------------


def test_summary_numbers() -> None:
    community = small_community()
    as_of = pd.Timestamp("2026-03-15")
    metrics = eng.member_metrics(community, as_of, S)
    assert eng.summary(community, metrics, as_of, S) == {
        "members": 3,
        "active_window_days": 90,
        "active_last_90": 3,  # everyone came in Jan-Mar
        "new_this_month": 0,
        "events_held": 3,  # e4 is after as_of
        "upcoming_events": 1,
        "avg_turnout": pytest.approx(5 / 3),  # 1 + 2 + 2 attendees at three events
        "no_show_rate": pytest.approx(1 / 7),  # 1 no-show of 7 RSVPs (5 attended, 1 registered, 1 no-show)
    }


@pytest.mark.parametrize(("days_ago", "active"), [(0, True), (89, True), (90, False), (400, False)])
def test_active_means_came_in_the_window_days_0_to_89(days_ago: int, active: bool) -> None:
    community = make_community(
        members=[{"member_id": "a"}], events=[{"event_id": "e", "starts_at": days_before(days_ago)}],
        attendance=[("a", "e")],
    )
    metrics = eng.member_metrics(community, AS_OF, S)
    assert eng.is_active(metrics, S).tolist() == [active]
    assert eng.summary(community, metrics, AS_OF, S)["active_last_90"] == int(active)


def test_active_counts_meetup_totals_and_never_a_member_without_dates() -> None:
    community = make_community(
        members=[{"member_id": "a", "agg_events_attended": 4, "agg_last_attended": days_before(10)},
                 {"member_id": "b", "agg_events_attended": 4, "agg_last_attended": days_before(120)},
                 {"member_id": "c"}],
        events=[], attendance=[],
    )
    metrics = eng.member_metrics(community, AS_OF, S)
    assert eng.is_active(metrics, S).tolist() == [True, False, False]


def test_summary_leaves_staff_out_when_the_settings_say_so() -> None:
    community = make_community(
        members=[{"member_id": "a"}, {"member_id": "o", "role": "organiser"}],
        events=[{"event_id": "e", "starts_at": days_before(3)}],
        attendance=[("a", "e"), ("o", "e")],
    )
    metrics = eng.member_metrics(community, AS_OF, S)
    left_out = eng.summary(community, metrics, AS_OF, S)
    kept = eng.summary(community, metrics, AS_OF, replace(S, exclude_organisers=False))
    assert (left_out["members"], left_out["active_last_90"]) == (1, 1)
    assert (kept["members"], kept["active_last_90"]) == (2, 2)


def test_no_show_rate_is_none_without_rsvp_data() -> None:
    community = make_community(
        members=[{"member_id": "a"}], events=[{"event_id": "e", "starts_at": days_before(2)}], attendance=[("a", "e")]
    )
    metrics = eng.member_metrics(community, AS_OF, S)
    assert eng.summary(community, metrics, AS_OF, S)["no_show_rate"] is None


def test_segment_mix_by_city() -> None:
    community = small_community()
    metrics = eng.member_metrics(community, pd.Timestamp("2026-03-15"), S)
    out = eng.segment_mix_by_city(community.members, metrics)
    # a joined 69 days before as_of and came twice (active); b and c joined under 60 days ago (new)
    assert out.values.tolist() == [["Leeds", "new", 1], ["Leeds", "active", 1], ["York", "new", 1]]


# --- page helpers and charts ------------------------------------------------------------------------


def test_summary_cards_format_and_say_when_unknown() -> None:
    cards = eng.summary_cards({"members": 1200, "active_window_days": 90, "active_last_90": 3, "new_this_month": 0, "events_held": 4,
                               "avg_turnout": 7.25, "no_show_rate": None})
    assert [(label, value) for label, value, _ in cards] == [
        ("Members", "1,200"), ("Active, 90 days", "3"), ("New this month", "0"), ("Events held", "4"),
        ("Average turnout", "7.2"), ("No-show rate", "–"),
    ]


def test_profile_cards() -> None:
    community = small_community()
    metrics = eng.member_metrics(community, pd.Timestamp("2026-03-15"), S)
    # a came 14 and 64 days before: 0.9^(14/30.4375) + 0.9^(64/30.4375) = 0.9527 + 0.8013 = 1.754 -> score 35.5
    assert metrics.loc["a", "score_raw"] == pytest.approx(1.754, abs=5e-4)
    assert eng.profile_cards(metrics, "a")[:4] == [
        ("Segment", "active"), ("Events attended", "2"), ("Last came", "01 Mar 2026"), ("Days since last", "14"),
    ]
    assert eng.profile_cards(metrics, "a")[4][1] in {"35", "36"}


def test_profile_cards_unknowns_show_a_dash() -> None:
    metrics = eng.member_metrics(make_community(members=[{"member_id": "x"}]), AS_OF, S)
    assert [value for _, value in eng.profile_cards(metrics, "x")] == ["–"] * 5


def test_charts_are_figures_even_when_empty() -> None:
    from dashboard import charts

    community = small_community()
    as_of = pd.Timestamp("2026-03-15")
    metrics = eng.member_metrics(community, as_of, S)
    figures = [
        charts.attendance_over_time(activity.attendance_by_month(community, by_city=True)),
        charts.attendance_over_time(activity.attendance_by_month(community)),
        charts.new_vs_returning(activity.new_vs_returning_by_month(community)),
        charts.cohort_heatmap(activity.cohort_retention(community, 2, as_of), activity.cohort_sizes(community, as_of)),
        charts.segment_mix(eng.segment_mix_by_city(community.members, metrics)),
        charts.member_timeline(activity.member_timeline(community, "a")),
        charts.score_breakdown(eng.score_breakdown(community, "a", as_of, S)),
    ]
    assert [len(f.data) for f in figures] == [2, 1, 2, 1, 2, 2, 1]  # a: attended and registered
    heat = figures[3].data[0]
    assert list(heat.y) == ["Jan 2026 (2)", "Feb 2026 (1)"]
    assert heat.text.tolist() == [["50%", "50%", "50%"], ["100%", "100%", ""]]
    empty = charts.attendance_over_time(activity.attendance_by_month(make_community()))
    assert len(empty.data) == 0 and empty.layout.annotations[0].text == "No attendance recorded yet"


def test_monthly_bars_are_a_month_wide_with_month_ticks_even_for_one_month() -> None:
    from dashboard import charts

    one_month = pd.DataFrame({"month": [pd.Timestamp("2026-06-01")], "attended": [3],
                              "first_timers": [2], "returning": [1]})
    for fig in (charts.attendance_over_time(one_month[["month", "attended"]]), charts.new_vs_returning(one_month)):
        assert fig.layout.xaxis.tickformat == "%b %Y" and fig.layout.xaxis.dtick == "M1"
        assert {t.width for t in fig.data} == {charts._MONTH_BAR_MS}
