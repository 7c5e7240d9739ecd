"""Connection-risk signals at their boundaries, survey scoring, and a community scored by hand."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from dashboard import engagement as eng
from dashboard import risk
from dashboard.distance import EARTH_RADIUS_KM
from dashboard.settings import Settings
from tests.factories import AS_OF, days_before, make_community

S = Settings()
LEEDS = (53.80, -1.55)
KM_PER_DEG_LAT = 2 * np.pi * EARTH_RADIUS_KM / 360  # 111.195 km


def metrics_of(community, settings: Settings = S) -> pd.DataFrame:
    return eng.member_metrics(community, AS_OF, settings)


def attended(days_ago: list[int], joined_days: int = 1_000, **member):
    """A community where member "a" attended events the given days before AS_OF (plus a bystander)."""
    return make_community(
        members=[{"member_id": "a", "joined_on": days_before(joined_days), **member}, {"member_id": "bystander"}],
        events=[{"event_id": f"e{i}", "starts_at": days_before(d)} for i, d in enumerate(days_ago)]
        + [{"event_id": "old", "starts_at": days_before(3_000)}],
        attendance=[("a", f"e{i}") for i in range(len(days_ago))] + [("bystander", "old")],
    )


# --- survey scoring ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "score"),
    [
        ("Often", 3), ("often", 3), ("  OFTEN ", 3), ("Often or always", 3), ("Often/always", 3),
        ("often / always", 3), ("Always", 3), ("3 - Often", 3),
        ("Some of the time", 2), ("some  of the time", 2), ("Sometimes", 2), ("Occasionally", 2),
        ("Hardly ever", 1), ("Hardly ever.", 1), ("Hardly ever or never", 1), ("Never", 1), ("Rarely", 1),
        ("", None), (None, None), ("Quite a lot", None), ("Yes", None), ("5", None), ("not often", None),
    ],
)
def test_score_survey_answer(answer: str | None, score: int | None) -> None:
    assert risk.score_survey_answer(answer) == score


def test_unknown_answers_are_listed_not_guessed() -> None:
    members = make_community(
        members=[
            {"member_id": "a", "ucla_isolated": "Quite a lot", "ons_lonely": "Often/always"},
            {"member_id": "b", "ucla_isolated": "Quite a lot", "ons_lonely": "Most days"},
            {"member_id": "c", "ucla_isolated": "", "ons_lonely": "Never"},
        ]
    ).members
    out = risk.unknown_survey_answers(members)
    assert out.values.tolist() == [["ons_lonely", "Most days", 1], ["ucla_isolated", "Quite a lot", 2]]


def survey(**answers) -> risk.Signal:
    members = make_community(members=[{"member_id": "a", **answers}]).members
    return risk.self_reported(members, S)


@pytest.mark.parametrize(
    ("companionship", "left_out", "isolated", "fires"),
    [
        ("Often", "Some of the time", "Hardly ever", True),  # 3 + 2 + 1 = 6
        ("Some of the time", "Some of the time", "Hardly ever", False),  # 5
        ("Often", "Often", "Often", True),  # 9
        ("Often", "Often", "", False),  # not all three answered
        ("Often", "Often", "Quite a lot", False),  # an unknown answer isn't guessed
    ],
)
def test_ucla3_total_from_six(companionship: str, left_out: str, isolated: str, fires: bool) -> None:
    signal = survey(ucla_companionship=companionship, ucla_left_out=left_out, ucla_isolated=isolated)
    assert bool(signal.fired.iloc[0]) is fires


def test_ucla_threshold_is_a_setting() -> None:
    members = make_community(members=[{"member_id": "a", "ucla_companionship": "Often", "ucla_left_out": "Often",
                                       "ucla_isolated": "Some of the time"}]).members
    assert bool(risk.self_reported(members, replace(S, ucla_lonely_min=8)).fired.iloc[0]) is True
    assert bool(risk.self_reported(members, replace(S, ucla_lonely_min=9)).fired.iloc[0]) is False


@pytest.mark.parametrize(("ons", "fires"), [("Often/always", True), ("often or always", True),
                                            ("Some of the time", False), ("Occasionally", False), ("", False)])
def test_ons_often_or_always(ons: str, fires: bool) -> None:
    assert bool(survey(ons_lonely=ons).fired.iloc[0]) is fires


def test_survey_reasons_quote_the_answers() -> None:
    ucla = survey(ucla_companionship="Often", ucla_left_out="Some of the time", ucla_isolated="Often")
    assert ucla.reason.iloc[0] == "Said they often feel isolated from others (UCLA-3: 8 of 9)"
    middle = survey(ucla_companionship="Some of the time", ucla_left_out="Sometimes", ucla_isolated="sometimes")
    assert middle.reason.iloc[0] == "Said they feel left out or isolated some of the time (UCLA-3: 6 of 9)"
    assert survey(ons_lonely="Often/always").reason.iloc[0] == "Said they feel lonely often or always (ONS question)"


# --- newcomer --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moved_on", "fires"),
    [
        ("2025-06-29", False),  # 12 months and a day before as_of
        ("2025-06-30", True),  # exactly 12 months
        ("2025-07-01", True),
        ("2026-06-30", True),  # as_of itself
        ("2026-07-01", False),  # after as_of
        (None, False),
    ],
)
def test_newcomer_within_12_months(moved_on: str | None, fires: bool) -> None:
    members = make_community(members=[{"member_id": "a", "moved_on": moved_on, "city": "Leeds"}]).members
    assert bool(risk.newcomer(members, AS_OF, S).fired.iloc[0]) is fires


def test_newcomer_reason_names_city_and_month() -> None:
    members = make_community(members=[
        {"member_id": "a", "moved_on": "2026-03-14", "city": "leeds ", "city_label": "Leeds"},
        {"member_id": "b", "moved_on": "2026-03-14"},
    ]).members
    assert risk.newcomer(members, AS_OF, S).reason.tolist() == [
        "Moved to Leeds in March 2026", "Moved to their city in March 2026",
    ]


def test_newcomer_reason_never_names_an_answer_that_is_no_place() -> None:
    members = make_community(members=[
        {"member_id": "a", "moved_on": "2026-03-14", "city": "Online only", "city_label": "Online only"},
        {"member_id": "b", "moved_on": "2026-03-14", "city": "Prefer not to say"},
        {"member_id": "c", "moved_on": "2026-03-14", "city": "Headingley"},  # not in GeoNames, still a place
    ]).members
    assert risk.newcomer(members, AS_OF, S).reason.tolist() == [
        "Moved to their city in March 2026", "Moved to their city in March 2026", "Moved to Headingley in March 2026",
    ]


# --- attendance signals ----------------------------------------------------------------------------


@pytest.mark.parametrize(("joined", "fires"), [(29, False), (30, True)])
def test_never_came_from_30_days(joined: int, fires: bool) -> None:
    community = attended([], joined_days=joined)
    signal = risk.never_came(community.members, metrics_of(community), AS_OF, S)
    assert bool(signal.fired["a"]) is fires


def test_never_came_reasons() -> None:
    community = attended([], joined_days=42)
    assert risk.never_came(community.members, metrics_of(community), AS_OF, S).reason["a"] == (
        "Signed up 6 weeks ago and hasn't been to an event yet"
    )
    unknown = make_community(members=[{"member_id": "a"}, {"member_id": "b"}],
                             events=[{"event_id": "e", "starts_at": days_before(1)}], attendance=[("b", "e")])
    assert risk.never_came(unknown.members, metrics_of(unknown), AS_OF, S).reason["a"] == (
        "Hasn't been to an event yet (sign-up date not known)"
    )


def test_never_came_not_without_any_attendance_data() -> None:
    community = make_community(members=[{"member_id": "a", "joined_on": days_before(400)}])
    assert not risk.never_came(community.members, metrics_of(community), AS_OF, S).fired.any()


def test_never_came_from_meetup_totals() -> None:
    community = make_community(members=[{"member_id": "a", "joined_on": days_before(400), "agg_events_attended": 0}])
    assert risk.never_came(community.members, metrics_of(community), AS_OF, S).fired["a"]


@pytest.mark.parametrize(("days", "events", "fires"), [([59], 1, False), ([60], 1, True), ([60, 70], 2, False)])
def test_came_once_from_60_days(days: list[int], events: int, fires: bool) -> None:
    signal = risk.came_once(metrics_of(attended(days)), S)
    assert bool(signal.fired["a"]) is fires


def test_came_once_reason() -> None:
    assert risk.came_once(metrics_of(attended([61])), S).reason["a"] == "Came once, 2 months ago, and not since"


@pytest.mark.parametrize(("days", "fires"), [([179, 200], False), ([180, 200], True), ([200], False)])
def test_lapsed_from_180_days_with_two_events(days: list[int], fires: bool) -> None:
    # a single event long ago is "came once", not also "lapsed"
    assert bool(risk.lapsed(metrics_of(attended(days)), S).fired["a"]) is fires


def test_lapsed_reason() -> None:
    m = metrics_of(attended([181] + [190 + 7 * i for i in range(11)]))
    assert risk.lapsed(m, S).reason["a"] == "Came 12 times until December 2025, nothing since"


def test_lapsed_from_meetup_totals_without_a_count() -> None:
    community = make_community(members=[{"member_id": "a", "agg_last_attended": "2025-11-02"}])
    signal = risk.lapsed(metrics_of(community), S)
    assert signal.fired["a"] and signal.reason["a"] == "Came until November 2025, nothing since"


@pytest.mark.parametrize(("since", "fires"), [(20, False), (21, True)])
def test_drifting_against_own_rhythm(since: int, fires: bool) -> None:
    m = metrics_of(attended([since, since + 10, since + 20, since + 30]))
    signal = risk.drifting(m, S)
    assert bool(signal.fired["a"]) is fires
    if fires:
        assert signal.reason["a"] == "Usually comes every 10 days, last came 3 weeks ago"


def test_drifting_window_reason() -> None:
    m = metrics_of(attended([0, 45, 100, 110, 120, 130, 140]))
    assert risk.drifting(m, S).reason["a"] == "Came 2 times in the last 90 days, down from 5 in the 90 before"


def test_drifting_not_when_lapsed() -> None:
    assert not risk.drifting(metrics_of(attended([200, 210, 220])), S).fired["a"]


@pytest.mark.parametrize(
    ("events", "repeat_ties", "fires"),
    [(3, 0, True), (2, 0, False), (3, 1, False), (3, None, False)],
)
def test_no_repeat_ties(events: int, repeat_ties: int | None, fires: bool) -> None:
    m = metrics_of(attended(list(range(1, events + 1))))
    stats = pd.DataFrame({"repeat_ties": [repeat_ties] if repeat_ties is not None else []},
                         index=pd.Index(["a"] if repeat_ties is not None else [], name="member_id"))
    assert bool(risk.no_repeat_ties(m, stats, S).fired["a"]) is fires


def ties_community(b_twice: bool):
    """a goes to three events, meeting b, c and d once each (or b twice)."""
    return make_community(
        members=[{"member_id": x} for x in "abcd"],
        events=[{"event_id": f"e{i}", "starts_at": days_before(10 * i)} for i in range(1, 4)],
        attendance=[("a", "e1"), ("a", "e2"), ("a", "e3"), ("b", "e1"), ("c", "e2"), ("d", "e3")]
        + ([("b", "e2")] if b_twice else []),
    )


@pytest.mark.parametrize(("b_twice", "fires"), [(False, True), (True, False)])
def test_without_tie_stats_repeat_ties_come_from_the_ties_module(b_twice: bool, fires: bool) -> None:
    community = ties_community(b_twice)
    out = risk.connection_risk(community, metrics_of(community), AS_OF, S)
    assert bool(out.loc["a", "sig_no_repeat_ties"]) is fires


# --- far from the group ------------------------------------------------------------------------------


def placed(*members: tuple[str, float | None, float | None], events: list[dict] | None = None):
    return make_community(
        members=[{"member_id": m, "lat": lat, "lon": lon} for m, lat, lon in members], events=events or []
    )


@pytest.mark.parametrize(("km", "fires"), [(24.0, False), (26.0, True)])
def test_far_from_other_members_at_25_km(km: float, fires: bool) -> None:
    community = placed(("a", *LEEDS), ("b", LEEDS[0] + km / KM_PER_DEG_LAT, LEEDS[1]))
    signal = risk.far_from_group(community.members, community.events, S)
    assert signal.fired.tolist() == [fires, fires]


@pytest.mark.parametrize(("km", "fires"), [(49.0, False), (51.0, True)])
def test_far_from_in_person_events_at_50_km(km: float, fires: bool) -> None:
    event = {"event_id": "e", "lat": LEEDS[0] + km / KM_PER_DEG_LAT, "lon": LEEDS[1], "starts_at": days_before(3)}
    community = placed(("a", *LEEDS), events=[event])
    assert bool(risk.far_from_group(community.members, community.events, S).fired["a"]) is fires


def test_online_events_are_not_nearby() -> None:
    event = {"event_id": "e", "lat": LEEDS[0], "lon": LEEDS[1], "online": True, "starts_at": days_before(3)}
    community = placed(("a", *LEEDS), events=[event])
    assert risk.far_from_group(community.members, community.events, S).fired["a"]


def test_same_place_is_near_and_no_coordinates_never_fire() -> None:
    community = placed(("a", *LEEDS), ("b", *LEEDS), ("c", None, None))
    signal = risk.far_from_group(community.members, community.events, S)
    assert signal.fired.tolist() == [False, False, False]


def test_far_reason_gives_the_distance() -> None:
    community = placed(("a", *LEEDS), ("b", LEEDS[0] + 80 / KM_PER_DEG_LAT, LEEDS[1]))
    assert risk.far_from_group(community.members, community.events, S).reason["a"] == (
        "Nearest other member is 80 km away, no in-person event within 50 km"
    )


# --- next event -------------------------------------------------------------------------------------


def test_next_event_same_city_then_nearest_then_online() -> None:
    community = make_community(
        members=[
            {"member_id": "leeds", "city": "Leeds", "lat": LEEDS[0], "lon": LEEDS[1]},
            {"member_id": "near", "city": "Bradford", "lat": 53.79, "lon": -1.75},
            {"member_id": "far", "city": "Inverness", "lat": 57.48, "lon": -4.22},
        ],
        events=[
            {"event_id": "today", "title": "Too late", "starts_at": AS_OF, "city": "Leeds", "lat": LEEDS[0], "lon": LEEDS[1]},
            {"event_id": "later", "title": "Quiz", "starts_at": "2026-07-20", "city": "Leeds", "lat": LEEDS[0], "lon": LEEDS[1]},
            {"event_id": "soon", "title": "Walk", "starts_at": "2026-07-01", "city": "leeds", "lat": LEEDS[0], "lon": LEEDS[1]},
            {"event_id": "web", "title": "Zoom chat", "starts_at": "2026-07-05", "online": True},
        ],
    )
    out = risk.next_event_for(community.members, community.events, AS_OF)
    assert out.tolist() == [
        "Walk – Wed 01 Jul 2026, leeds",
        "Walk – Wed 01 Jul 2026, leeds",  # 13 km away
        "Zoom chat – Sun 05 Jul 2026, online",
    ]


def test_no_next_event_without_upcoming_events() -> None:
    community = make_community(members=[{"member_id": "a", "city": "Leeds"}],
                               events=[{"event_id": "e", "starts_at": days_before(1), "city": "Leeds"}])
    assert risk.next_event_for(community.members, community.events, AS_OF).tolist() == [""]


# --- a small community scored by hand -------------------------------------------------------------------


def hand_community():
    """Six members; weights 45/25/35/30/35/25/15/15, medium from 30, high from 60.

    ana  regular with eve, moved 3 months ago: newcomer 25                     -> 25 low
    ben  signed up 40 days ago, never came, moved 20 days ago: 35 + 25          -> 60 high
    cat  came once, 98 days ago (no location): came once 30                      -> 30 medium
    dan  UCLA-3 8 of 9, came twice ~10 months ago: self-reported 45 + lapsed 35 -> 80 high
    eve  regular with ana                                                       ->  0 low
    fay  on Skye, three online events on her own: far 15 + no repeat ties 15     -> 30 medium
    """
    skye = (57.30, -6.20)
    regular = [{"event_id": f"r{i}", "starts_at": days_before(14 * i), "city": "Leeds", "lat": LEEDS[0],
                "lon": LEEDS[1]} for i in range(10)]  # days 0, 14, ..., 126
    old = [{"event_id": f"old{d}", "starts_at": days_before(d), "city": "Leeds", "lat": LEEDS[0], "lon": LEEDS[1]}
           for d in (300, 310)]
    online = [{"event_id": f"o{d}", "starts_at": days_before(d), "online": True} for d in (5, 19, 33)]
    members = [
        {"member_id": "ana", "joined_on": days_before(500), "moved_on": days_before(90), "city": "Leeds",
         "lat": LEEDS[0], "lon": LEEDS[1]},
        {"member_id": "ben", "joined_on": days_before(40), "moved_on": days_before(20), "city": "Leeds",
         "lat": LEEDS[0], "lon": LEEDS[1]},
        {"member_id": "cat", "joined_on": days_before(400), "city": "Leeds"},
        {"member_id": "dan", "joined_on": days_before(600), "city": "Leeds", "lat": LEEDS[0], "lon": LEEDS[1],
         "ucla_companionship": "Often", "ucla_left_out": "Often", "ucla_isolated": "Some of the time"},
        {"member_id": "eve", "joined_on": days_before(700), "city": "Leeds", "lat": LEEDS[0], "lon": LEEDS[1]},
        {"member_id": "fay", "joined_on": days_before(300), "city": "Skye", "lat": skye[0], "lon": skye[1]},
    ]
    attendance = (
        [("ana", f"r{i}") for i in range(10)] + [("eve", f"r{i}") for i in range(10)]
        + [("cat", "r7"), ("dan", "old300"), ("dan", "old310")] + [("fay", f"o{d}") for d in (5, 19, 33)]
    )
    return make_community(members=members, events=regular + old + online, attendance=attendance)


def test_hand_scored_community() -> None:
    community = hand_community()
    out = risk.connection_risk(community, metrics_of(community), AS_OF, S)
    assert out["risk_score"].to_dict() == {"ana": 25, "ben": 60, "cat": 30, "dan": 80, "eve": 0, "fay": 30}
    assert out["risk_tier"].astype(str).to_dict() == {
        "ana": "low", "ben": "high", "cat": "medium", "dan": "high", "eve": "low", "fay": "medium",
    }
    assert out.loc["ben", "risk_reasons"] == [
        "Moved to Leeds in June 2026", "Signed up 6 weeks ago and hasn't been to an event yet",
    ]
    assert out.loc["dan", "risk_reasons_text"] == (
        "Said they often feel left out (UCLA-3: 8 of 9); Came 2 times until September 2025, nothing since"
    )
    assert out.loc["eve", "risk_reasons"] == [] and out.loc["eve", "risk_reasons_text"] == ""
    assert out.loc["fay", "risk_reasons"] == [
        "Came to 3 events but hasn't met anyone there twice",
        "Nearest other member is 487 km away, no in-person event within 50 km",  # geopy great_circle: 486.6
    ]


def test_hand_scored_community_same_with_ties_module() -> None:
    from dashboard.ties import co_attendance_ties, member_tie_stats

    community = hand_community()
    edges = co_attendance_ties(community.attendance, community.events, AS_OF, S.decay_per_month)
    stats = member_tie_stats(edges, community.members["member_id"])
    with_ties = risk.connection_risk(community, metrics_of(community), AS_OF, S, tie_stats=stats)
    built_in = risk.connection_risk(community, metrics_of(community), AS_OF, S)
    pd.testing.assert_series_equal(with_ties["risk_score"], built_in["risk_score"])


def test_score_caps_at_100_and_tiers_follow_settings() -> None:
    community = hand_community()
    heavy = replace(S, weights=replace(S.weights, self_reported=90), risk_medium=25, risk_high=100)
    out = risk.connection_risk(community, metrics_of(community), AS_OF, heavy)
    assert out.loc["dan", "risk_score"] == 100
    assert out["risk_tier"].astype(str).to_dict() == {
        "ana": "medium", "ben": "medium", "cat": "medium", "dan": "high", "eve": "low", "fay": "medium",
    }


def test_signal_and_tier_counts() -> None:
    community = hand_community()
    out = risk.connection_risk(community, metrics_of(community), AS_OF, S)
    counts = risk.signal_counts(out).set_index("signal")["members"]
    assert counts.to_dict() == {
        "newcomer": 2, "came_once": 1, "far_from_group": 1, "lapsed": 1, "never_came": 1, "no_repeat_ties": 1,
        "self_reported": 1, "drifting": 0,
    }
    assert risk.signal_counts(out)["signal"].iloc[0] == "newcomer"
    assert risk.tier_counts(out) == {"high": 2, "medium": 2, "low": 2}


def test_connection_risk_does_not_mutate() -> None:
    community = hand_community()
    metrics = metrics_of(community)
    before = (community.members.copy(), metrics.copy())
    risk.connection_risk(community, metrics, AS_OF, S)
    pd.testing.assert_frame_equal(before[0], community.members)
    pd.testing.assert_frame_equal(before[1], metrics)


def test_framing_says_check_in_not_loneliness() -> None:
    assert "not a measure of loneliness" in risk.RISK_FRAMING
    assert "Only the survey" in risk.RISK_FRAMING


# --- page helpers and charts --------------------------------------------------------------------------


def test_tier_mix_by_city_most_at_risk_first() -> None:
    community = hand_community()
    out = risk.connection_risk(community, metrics_of(community), AS_OF, S)
    mix = risk.tier_mix_by_city(community.members, out)
    assert mix.values.tolist() == [
        ["Leeds", "high", 2], ["Leeds", "medium", 1], ["Leeds", "low", 2], ["Skye", "medium", 1],
    ]


def test_risk_charts() -> None:
    from dashboard import charts

    community = hand_community()
    out = risk.connection_risk(community, metrics_of(community), AS_OF, S)
    bars = charts.signal_bars(risk.signal_counts(out))
    assert len(bars.data[0].y) == 7  # drifting fires for nobody and is left out
    assert len(charts.tiers_by_city(risk.tier_mix_by_city(community.members, out)).data) == 3
    assert list(charts.tier_bars(risk.tier_counts(out)).data[0].y) == [2, 2, 2]
