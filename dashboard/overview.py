"""Numbers for the Overview page."""

from __future__ import annotations

import pandas as pd

from dashboard import engagement
from dashboard.model import Community
from dashboard.outreach import outreach_list
from dashboard.risk import AT_RISK_TIERS
from dashboard.settings import Settings


def headline(
    members: pd.DataFrame, view: Community, metrics: pd.DataFrame, as_of: pd.Timestamp, settings: Settings
) -> list[tuple[str, str, str]]:
    """(label, value, help) for the overview's metric row. ``view`` and ``members`` (its
    analysed rows) leave organisers and hosts out when the settings say so
    (``engagement.exclude_staff``), as the Engagement and Connection risk pages do; members,
    active members and events come from ``engagement.summary``, as on the Engagement page."""
    numbers = engagement.summary(view, metrics, as_of, settings)
    at_risk = int(members["risk_tier"].isin(AT_RISK_TIERS).sum()) if "risk_tier" in members else 0
    return [
        engagement.members_card(numbers),
        engagement.active_card(numbers),
        ("Might welcome a check-in", f"{at_risk:,}",
         "Medium or high connection risk: see the Connection risk page for why."),
        ("Events held", f"{numbers['events_held']:,}", "Events on or before the as-of date."),
        ("Upcoming events", f"{numbers['upcoming_events']:,}", "Events after the as-of date."),
    ]


def top_checkins(members: pd.DataFrame, n: int = 8) -> pd.DataFrame:
    """The first n people of the check-in list (medium and high risk, highest score first),
    for a first look."""
    if "risk_score" not in members or members.empty:
        return pd.DataFrame(columns=["name", "city", "risk", "why"])
    risk = members.set_index(members["member_id"].astype("str").to_numpy())
    top = outreach_list(members, risk, show_contacts=False, tiers=AT_RISK_TIERS).head(n)
    return top[["name", "city", "risk_tier", "risk_reasons"]].set_axis(["name", "city", "risk", "why"], axis=1)
