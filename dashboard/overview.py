"""Numbers for the Overview page."""

from __future__ import annotations

import pandas as pd

from dashboard import engagement
from dashboard.model import Community
from dashboard.settings import Settings


def headline(
    members: pd.DataFrame, view: Community, metrics: pd.DataFrame, as_of: pd.Timestamp, settings: Settings
) -> list[tuple[str, str, str]]:
    """(label, value, help) for the overview's metric row; active members and events come
    from ``engagement.summary``, as on the Engagement page."""
    numbers = engagement.summary(view, metrics, as_of, settings)
    tiers = members["risk_tier"].value_counts() if "risk_tier" in members else pd.Series(dtype=int)
    return [
        ("Members", f"{len(members):,}", "People in this view (after the sidebar filters)."),
        engagement.active_card(numbers),
        ("Might welcome a check-in", f"{int(tiers.get('high', 0)) + int(tiers.get('medium', 0)):,}",
         "Medium or high connection risk: see the Connection risk page for why."),
        ("Events held", f"{numbers['events_held']:,}", "Events on or before the as-of date."),
        ("Upcoming events", f"{numbers['upcoming_events']:,}", "Events after the as-of date."),
    ]


def top_checkins(members: pd.DataFrame, n: int = 8) -> pd.DataFrame:
    """The n highest-risk members with their reasons, for a first look."""
    if "risk_score" not in members or members.empty:
        return pd.DataFrame(columns=["name", "city", "risk", "why"])
    top = members[members["risk_tier"].isin(["high", "medium"])].nlargest(n, "risk_score")
    return pd.DataFrame(
        {
            "name": top["name"].values,
            "city": top["city_label"].values if "city_label" in top else top["city"].values,
            "risk": top["risk_tier"].values,
            "why": top["risk_reasons_text"].values,
        }
    )
