"""Overview numbers on a hand-made community."""

import pandas as pd

from dashboard.overview import headline, top_checkins
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
    assert numbers["Might welcome a check-in"] == "1"


def test_top_checkins_lists_only_medium_and_high_by_score():
    members = pd.DataFrame(
        {"member_id": ["a", "b", "c"], "name": ["A", "B", "C"], "city_label": ["Leeds"] * 3,
         "risk_tier": ["low", "high", "medium"],
         "risk_score": [10, 80, 40], "risk_reasons_text": ["", "x", "y"]}
    )
    assert top_checkins(members)["name"].tolist() == ["B", "C"]
