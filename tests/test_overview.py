"""Overview numbers on a hand-made community."""

import pandas as pd

from dashboard.overview import headline, this_week, tier_cards
from dashboard.settings import Settings
from tests.factories import make_community

AS_OF = pd.Timestamp("2026-06-30")


def community():
    return make_community(
        members=[{"member_id": "a", "name": "Ann"}, {"member_id": "b", "name": "Bo"}],
        events=[
            {"event_id": "e1", "starts_at": pd.Timestamp("2026-06-30 19:00")},  # the as-of day, evening
            {"event_id": "e2", "starts_at": pd.Timestamp("2026-07-10 10:00")},
        ],
        attendance=[],
    )


def test_an_event_on_the_as_of_day_counts_as_held():
    c = community()
    members = c.members.assign(risk_tier=["low", "high"])
    metrics = pd.DataFrame({"days_since_last": [10, 200]}, index=pd.Index(["a", "b"], name="member_id"))
    numbers = {label: value for label, value, _ in headline(members, c, metrics, AS_OF, Settings())}
    assert numbers["Events held"] == "1"
    assert numbers["Upcoming events"] == "1"
    assert numbers["Active, 90 days"] == "1"


def _flagged(n: int) -> pd.DataFrame:
    """n people, scores 1..n: tiers high from 60, medium from 30, else low."""
    scores = list(range(1, n + 1))
    return pd.DataFrame({
        "member_id": [f"m{s}" for s in scores], "name": [f"P{s}" for s in scores], "city_label": ["Leeds"] * n,
        "risk_tier": ["high" if s >= 60 else "medium" if s >= 30 else "low" for s in scores],
        "risk_score": scores, "risk_reasons_text": ["why"] * n,
    })


def test_this_week_lists_only_medium_and_high_by_score():
    members = pd.DataFrame(
        {"member_id": ["a", "b", "c"], "name": ["A", "B", "C"], "city_label": ["Leeds"] * 3,
         "risk_tier": ["low", "high", "medium"],
         "risk_score": [10, 80, 40], "risk_reasons_text": ["", "x", "y"]}
    )
    week = this_week(members, Settings())
    assert week.people["name"].tolist() == ["B", "C"]
    assert week.people["risk"].tolist() == ["High", "Keep an eye on"]
    assert week.waiting == 0


def test_this_week_takes_the_settings_number_and_says_how_many_wait():
    week = this_week(_flagged(100), Settings(checkins_per_week=10))  # 71 people at 30 or more
    assert week.people["name"].tolist() == [f"P{s}" for s in range(100, 90, -1)]
    assert week.waiting == 61
    assert week.caption == ("The 10 people with the highest connection-risk scores; 61 more people are waiting "
                            "on the full check-in list.")


def test_this_week_leaves_out_people_contacted_recently():
    week = this_week(_flagged(100), Settings(checkins_per_week=2), exclude={"m100"})
    assert week.people["name"].tolist() == ["P99", "P98"]
    assert week.waiting == 68


def test_one_check_in_and_one_waiting_read_in_the_singular():
    week = this_week(_flagged(31), Settings(checkins_per_week=1))
    assert week.caption == ("The person with the highest connection-risk score; 1 more person is waiting on the "
                            "full check-in list.")


def test_tier_cards_name_medium_keep_an_eye_on():
    cards = tier_cards({"high": 3, "medium": 40, "low": 7}, Settings())
    assert [(label, value) for label, value, _help in cards] == [("High", "3"), ("Keep an eye on", "40"),
                                                                 ("Low", "7")]


def test_due_follow_ups_come_first_in_the_weeks_list():
    from dashboard.outreach import FOLLOW_UP_DUE, first_checkins

    checkins = pd.DataFrame({"name": ["A", "B", "C", "D"], "risk_score": [90, 80, 70, 60],
                             FOLLOW_UP_DUE: [False, False, True, False]})
    first, waiting = first_checkins(checkins, 2)
    assert first["name"].tolist() == ["C", "A"] and waiting == 2
    first, waiting = first_checkins(checkins.drop(columns=FOLLOW_UP_DUE), 2)
    assert first["name"].tolist() == ["A", "B"] and waiting == 2
