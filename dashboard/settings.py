"""Every threshold the organiser can change, in one frozen value."""

from __future__ import annotations

from dataclasses import dataclass, field, fields


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


@dataclass(frozen=True)
class Settings:
    """Thresholds for engagement, risk and introductions; defaults from DESIGN.md."""

    # engagement
    decay_per_month: float = 0.9
    host_weight: float = 3.0
    active_window_days: int = 90
    new_member_days: int = 60
    never_attended_days: int = 30
    core_min_events_6m: int = 6
    core_score: float = 70.0
    drifting_min_events: int = 3
    drifting_gap_factor: float = 2.0
    lapsed_days: int = 180
    exclude_organisers: bool = True
    # risk
    newcomer_months: int = 12
    came_once_days: int = 60
    no_repeat_ties_min_events: int = 3
    member_radius_km: float = 25.0
    event_radius_km: float = 50.0
    ucla_lonely_min: int = 6
    risk_medium: int = 30
    risk_high: int = 60
    weights: RiskWeights = field(default_factory=RiskWeights)
    # introductions
    buddy_radius_km: float = 25.0
    buddy_capacity: int = 2
    buddies_per_member: int = 3
    meetup_radius_km: float = 25.0

    @classmethod
    def field_names(cls) -> list[str]:
        """Names of the scalar settings (for forms and serialisation)."""
        return [f.name for f in fields(cls) if f.name != "weights"]


#: the range each scalar setting may take (the settings form enforces it): outside it the
#: maths stops meaning anything (a decay of 0, a 1,000-year newcomer window)
LIMITS: dict[str, tuple[float, float]] = {
    "decay_per_month": (0.01, 1.0),
    "host_weight": (0.0, 10.0),
    "active_window_days": (1, 3650),
    "new_member_days": (1, 3650),
    "never_attended_days": (1, 3650),
    "core_min_events_6m": (1, 1000),
    "core_score": (0.0, 100.0),
    "drifting_min_events": (1, 1000),
    "drifting_gap_factor": (1.0, 20.0),
    "lapsed_days": (1, 3650),
    "newcomer_months": (0, 120),
    "came_once_days": (0, 3650),
    "no_repeat_ties_min_events": (1, 1000),
    "member_radius_km": (0.1, 20000.0),
    "event_radius_km": (0.1, 20000.0),
    "ucla_lonely_min": (3, 9),
    "risk_medium": (0, 100),
    "risk_high": (0, 100),
    "buddy_radius_km": (0.1, 20000.0),
    "buddy_capacity": (0, 100),
    "buddies_per_member": (0, 10),
    "meetup_radius_km": (0.1, 20000.0),
}
