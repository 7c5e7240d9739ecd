"""Numbers for the Overview page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from dashboard import engagement
from dashboard.contacts import FollowUps
from dashboard.model import Community
from dashboard.outreach import first_checkins, outreach_list
from dashboard.risk import AT_RISK_TIERS, TIER_LABELS, TIERS
from dashboard.settings import Settings
from dashboard.words import noun_for, plural


def headline(
    members: pd.DataFrame, view: Community, metrics: pd.DataFrame, as_of: pd.Timestamp, settings: Settings
) -> list[tuple[str, str, str]]:
    """(label, value, help) for the overview's metric row. ``view`` and ``members`` (its
    analysed rows) leave organisers and hosts out when the settings say so
    (``engagement.exclude_staff``), as the Engagement and Connection risk pages do; members,
    active members and events come from ``engagement.summary``, as on the Engagement page (the check-ins come first, from ``this_week``, and the
    tiers beside them, from ``tier_cards``)."""
    numbers = engagement.summary(view, metrics, as_of, settings)
    return [
        engagement.members_card(numbers),
        engagement.active_card(numbers),
        ("Events held", f"{numbers['events_held']:,}", "Events on or before the as-of date."),
        ("Upcoming events", f"{numbers['upcoming_events']:,}", "Events after the as-of date."),
    ]


def tier_cards(counts: dict[str, int], settings: Settings) -> list[tuple[str, str, str]]:
    """(label, value, help) per connection-risk tier, high first, each named by its words
    (``risk.TIER_LABELS``: medium is "Keep an eye on"), not by its colour."""
    helps = {
        "high": f"Score {settings.risk_high} or more of 100: first in line for a check-in.",
        "medium": f"Score {settings.risk_medium} to {settings.risk_high - 1}: worth a look when there is time.",
        "low": f"Score under {settings.risk_medium}.",
    }
    return [(TIER_LABELS[t], f"{counts.get(t, 0):,}", helps[t]) for t in reversed(TIERS)]


@dataclass(frozen=True)
class ThisWeek:
    """The week's short check-in list and what is left after it."""

    people: pd.DataFrame  # name, city, risk, why
    waiting: int  # people on the check-in list after them
    listed: pd.DataFrame  # the whole check-in list they head (``outreach.outreach_list``)

    @property
    def caption(self) -> str:
        """What the list is and how many more are waiting, in words."""
        if self.people.empty:
            return "Nobody in this view has a connection-risk signal right now."
        n = len(self.people)
        first = (f"The {plural(n, 'person')} with the highest connection-risk scores" if n > 1
                 else "The person with the highest connection-risk score")
        if not self.waiting:
            return first + ": everyone on the check-in list."
        return (f"{first}; {plural(self.waiting, 'more person')} {noun_for(self.waiting, 'is')} waiting "
                "on the full check-in list.")


def this_week(members: pd.DataFrame, settings: Settings, risk: pd.DataFrame | None = None,
              exclude: Iterable[str] = (), follow_ups: FollowUps | None = None) -> ThisWeek:
    """The first ``settings.checkins_per_week`` people of the check-in list (high and "keep an
    eye on" tiers, as ``outreach.outreach_list`` orders them: due follow-ups first; ``exclude``
    left out) and how many more are waiting, with the whole list. ``risk`` defaults to the risk
    columns of ``members``."""
    if "risk_score" not in members or members.empty:
        return ThisWeek(pd.DataFrame(columns=["name", "city", "risk", "why"]), 0,
                        pd.DataFrame(columns=["member_id", "name"]))
    if risk is None:
        risk = members.set_index(members["member_id"].astype("str").to_numpy())
    checkins = outreach_list(members, risk, show_contacts=False, tiers=AT_RISK_TIERS, exclude=exclude,
                             follow_ups=follow_ups)
    first, waiting = first_checkins(checkins, settings.checkins_per_week)
    people = first[["name", "city", "risk_tier", "risk_reasons"]].set_axis(["name", "city", "risk", "why"], axis=1)
    return ThisWeek(people.assign(risk=people["risk"].map(TIER_LABELS)), waiting, checkins)
