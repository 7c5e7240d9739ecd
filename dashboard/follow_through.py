"""What the organiser's follow-through means for one community: the check-in list's follow-ups,
what the buddy suggestions must leave out, introductions that have since met, and "Did it help?".

Pure: the contact log and the decided introductions come in as frames (from
``dashboard.store.follow``), ``today`` is passed in. "Did it help?" describes what happened
after a contact beside what happened to people who were not contacted; it claims no cause.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

import pandas as pd

from dashboard.analysis import Exclusions, risk_at
from dashboard.contacts import FollowUps, resolved
from dashboard.engagement import exclude_staff
from dashboard.introductions import lifecycle
from dashboard.model import Community
from dashboard.people import person_keys
from dashboard.risk import AT_RISK_TIERS
from dashboard.settings import Settings

#: "Did it help?" looks at people reached in this many days up to today...
HELP_WINDOW_DAYS = 90
#: ...and whether they came to an event within this many days of being reached
CAME_WITHIN_DAYS = 60


@dataclass(frozen=True)
class Followed:
    """The workspace's follow-through, matched to one community."""

    follow_ups: FollowUps
    exclusions: Exclusions
    introductions: pd.DataFrame  # the decided pairs, meetings found applied, ``lifecycle.resolved`` to the community
    newly_met: dict[int, date]  # introductions this community shows met for the first time (to keep)
    log: pd.DataFrame  # the whole contact log (``dashboard.contacts.LOG_COLUMNS``)
    entries: pd.DataFrame  # the log's entries about members of the community, with their member_id there
    keys: pd.Series  # member_id -> person key (what a new entry about them is kept under)


def followed(log: pd.DataFrame, intros: pd.DataFrame, community: Community, today: date | pd.Timestamp,
             settings: Settings) -> Followed:
    """Match the contact log and the introductions to ``community`` on ``today``."""
    members = community.members
    follow_ups = FollowUps.of(log, members, today, settings.recent_contact_days)
    met = lifecycle.met_dates(intros, community)
    pairs = lifecycle.resolved(lifecycle.with_met(intros, met), members)
    exclusions = Exclusions(frozenset(follow_ups.do_not_contact()), lifecycle.declined_pairs(pairs))
    keys = pd.Series(person_keys(members).to_numpy(), index=members["member_id"].astype(str).to_numpy(), dtype=str)
    return Followed(follow_ups, exclusions, pairs, met, log, resolved(log, members), keys)


@dataclass(frozen=True)
class Helped:
    """People reached in the window and whether they came back, beside people on the check-in
    list at the window's start who were not contacted; introductions made and met."""

    since: str  # the window's first day (YYYY-MM-DD)
    until: str  # today
    window_days: int
    came_within_days: int
    reached: int
    reached_came: int
    not_contacted: int
    not_contacted_came: int
    introduced: int
    met: int

    def as_json(self) -> dict[str, object]:
        """The report's ``"follow_through"`` summary."""
        return {**asdict(self), "wording": sentences(self)}


def _came(days: pd.DataFrame, start: pd.Series, within: int) -> int:
    """How many of the people in ``start`` (member_id -> day) attended an event on one of the
    ``within`` days after their day."""
    if start.empty:
        return 0
    seen = days.merge(start.rename("start").rename_axis("member_id").reset_index(), on="member_id")
    after = (seen["day"] > seen["start"]) & (seen["day"] <= seen["start"] + pd.Timedelta(days=within))
    return int(seen.loc[after, "member_id"].nunique())


def checkin_ids_at(community: Community, day: pd.Timestamp, settings: Settings) -> set[str]:
    """Who the check-in list held on ``day`` (medium or high risk then, staff left out as the list does)."""
    listed = exclude_staff(community, settings).members["member_id"].astype(str)
    risk = risk_at(community, pd.Timestamp(day), settings)
    at_risk = risk.index[risk["risk_tier"].astype(str).isin(AT_RISK_TIERS)].astype(str)
    return set(at_risk) & set(listed)


def did_it_help(log: pd.DataFrame, intros: pd.DataFrame, community: Community, today: date | pd.Timestamp,
                settings: Settings, window_days: int = HELP_WINDOW_DAYS,
                within_days: int = CAME_WITHIN_DAYS) -> Helped:
    """"Did it help?" on ``today``: see ``Helped``."""
    today = pd.Timestamp(today).normalize()
    since = today - pd.Timedelta(days=window_days)
    entries = resolved(log, community.members)
    in_window = entries[(entries["contacted_on"] > since) & (entries["contacted_on"] <= today)]
    reached = in_window[in_window["outcome"] == "reached"].groupby("member_id")["contacted_on"].min()
    never = set(entries.loc[entries["outcome"] == "do_not_contact", "member_id"])
    others = checkin_ids_at(community, since, settings) - set(in_window["member_id"]) - never
    days = lifecycle.attended_days(community)
    made = lifecycle.counts(intros)
    return Helped(
        since=f"{since:%Y-%m-%d}", until=f"{today:%Y-%m-%d}", window_days=int(window_days),
        came_within_days=int(within_days), reached=len(reached), reached_came=_came(days, reached, within_days),
        not_contacted=len(others),
        not_contacted_came=_came(days, pd.Series(since, index=sorted(others), dtype="datetime64[ns]"), within_days),
        introduced=made[lifecycle.INTRODUCED], met=made[lifecycle.MET],
    )


def _day(day: pd.Timestamp) -> str:
    return f"{day.day} {day:%B %Y}"


def _people(n: int) -> str:
    return f"{n:,} {'person' if n == 1 else 'people'}"


def sentences(h: Helped) -> list[str]:
    """The panel's words: what happened, said as a description, never as a cause."""
    since = pd.Timestamp(h.since)
    out = [
        f"Of {_people(h.reached)} reached since {_day(since)}, {h.reached_came:,} came to an event within "
        f"{h.came_within_days} days of being reached.",
        f"Of {_people(h.not_contacted)} on the check-in list on {_day(since)} who were not contacted since, "
        f"{h.not_contacted_came:,} came to an event within {h.came_within_days} days of that day.",
        f"Introductions made: {h.introduced:,}; of these, {h.met:,} have since been at the same event.",
        "This describes what happened; it does not show that a contact caused it. The two groups differ, "
        "and people reached lately have had less time to come.",
    ]
    return out
