"""Every threshold the organiser can change, in one frozen value."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class RiskWeights:
    """Points each connection-risk signal adds to the 0–100 score (capped at 100)."""

    self_reported: int = 45
    newcomer: int = 25
    never_came: int = 35
    came_once: int = 30
    lapsed: int = 35
    drifting: int = 25
    no_repeat_ties: int = 15
    far_from_group: int = 15


def _setting(default: Any, label: str, help: str, low: float | None = None, high: float | None = None) -> Any:
    """A setting's default with its label, help and range (the settings form shows them and
    enforces the range: outside it the maths stops meaning anything)."""
    meta: dict[str, object] = {"label": label, "help": help}
    if low is not None and high is not None:
        meta["range"] = (low, high)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Settings:
    """Thresholds for engagement, risk and introductions; each declares its default, label,
    help and range once, here."""

    # engagement
    decay_per_month: float = _setting(
        0.9, "Monthly decay of an attendance", "Share of an attendance's weight kept each month (0.9: a "
        "year-old event counts 0.28).", 0.01, 1.0)
    host_weight: float = _setting(
        3.0, "Weight of hosts and volunteers", "Points per event for hosts, volunteers and organisers "
        "(members get 1).", 0.0, 10.0)
    active_window_days: int = _setting(
        90, "Active window (days)", "'Active' means came to an event in this many days up to the as-of date.",
        1, 3650)
    new_member_days: int = _setting(
        60, "New member for (days)", "Members who joined fewer days ago than this are 'new'.", 1, 3650)
    never_attended_days: int = _setting(
        30, "Never attended after (days)", "Signed up at least this long ago and never came.", 1, 3650)
    core_min_events_6m: int = _setting(
        6, "Core: events in six months", "This many events in the last six months makes a member 'core'.",
        1, 1000)
    core_score: float = _setting(
        70.0, "Core: engagement score", "An engagement score at least this high makes a member 'core'.",
        0.0, 100.0)
    drifting_min_events: int = _setting(
        3, "Drifting: events for a rhythm", "Members need this many events before 'drifting' can apply.",
        1, 1000)
    drifting_gap_factor: float = _setting(
        2.0, "Drifting: gap over usual", "Drifting when the silence is longer than this many times their "
        "usual gap between visits.", 1.0, 20.0)
    lapsed_days: int = _setting(
        180, "Lapsed after (days)", "Came before, but nothing for this many days.", 1, 3650)
    exclude_organisers: bool = _setting(
        True, "Leave organisers and hosts out", "Leave organisers and hosts out of the statistics and the "
        "check-in list.")
    # risk
    newcomer_months: int = _setting(
        12, "Newcomer for (months)", "Moved to their city within this many months.", 0, 120)
    came_once_days: int = _setting(
        60, "Came once, then (days)", "Came to one event at least this many days ago and not since.", 0, 3650)
    no_repeat_ties_min_events: int = _setting(
        3, "No repeat ties: events", "Came to this many events without meeting anyone twice.", 1, 1000)
    member_radius_km: float = _setting(
        25.0, "Far: no member within (km)", "No other member within this distance.", 0.1, 20000.0)
    event_radius_km: float = _setting(
        50.0, "Far: no event within (km)", "No in-person event within this distance.", 0.1, 20000.0)
    ucla_lonely_min: int = _setting(
        6, "UCLA-3 lonely from", "A UCLA-3 total (3 to 9) at least this high counts as self-reported "
        "loneliness.", 3, 9)
    risk_medium: int = _setting(
        30, "Medium risk from (score)", "Risk scores from here are 'medium'.", 0, 100)
    risk_high: int = _setting(
        60, "High risk from (score)", "Risk scores from here are 'high'.", 0, 100)
    weights: RiskWeights = field(default_factory=RiskWeights)
    # check-ins
    checkins_per_week: int = _setting(
        10, "Check-ins I can do this week", "How many people the Overview and Connection risk pages put "
        "first: the highest connection-risk scores, due follow-ups before them.", 1, 500)
    # places
    group_by_place: bool = _setting(
        False, "Group by the place typed", "Show each place as members typed it (Camden Town) as a city of its "
        "own, instead of counting neighbourhoods under the city they belong to (London).")
    neighbourhood_km: float = _setting(
        20.0, "Neighbourhoods within (km)", "A place this close to the centre of a city at least 3 times its "
        "size, in the same region and inside the city's built-up area, counts under that city.", 0.0, 100.0)
    # introductions
    buddy_radius_km: float = _setting(
        25.0, "Buddy within (km)", "Suggest buddies who live within this distance.", 0.1, 20000.0)
    buddy_capacity: int = _setting(
        2, "Introductions per buddy", "How many people one buddy may be suggested to.", 0, 100)
    buddies_per_member: int = _setting(
        3, "Buddies suggested per person", "How many buddies to suggest to each person.", 0, 10)
    meetup_radius_km: float = _setting(
        25.0, "Meetup reach (km)", "A meetup reaches the people living within this distance.", 0.1, 20000.0)
    # follow-through (the contact log)
    recent_contact_days: int = _setting(
        30, "Recently reached (days)", "People reached (or who declined) fewer than this many days ago leave the "
        "check-in list for now; a follow-up that comes due brings them back (0: nobody leaves it).", 0, 365)
    retention_months: int = _setting(
        24, "Keep contact notes for (months)", "Contact log entries older than this are deleted when the "
        "workspace opens.", 1, 120)

    @classmethod
    def field_names(cls) -> list[str]:
        """Names of the scalar settings (for forms and serialisation)."""
        return [f.name for f in fields(cls) if f.name != "weights"]


def setting_label(name: str) -> str:
    """What the settings form calls a scalar setting."""
    return str(_FIELDS[name].metadata["label"])


def setting_help(name: str) -> str:
    """The settings form's help for a scalar setting."""
    return str(_FIELDS[name].metadata["help"])


_FIELDS = {f.name: f for f in fields(Settings)}

#: the range each scalar setting may take, from the declarations above
LIMITS: dict[str, tuple[float, float]] = {
    f.name: f.metadata["range"] for f in fields(Settings) if "range" in f.metadata
}
