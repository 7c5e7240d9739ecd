"""Attendance statuses from ticketing, RSVP and check-in exports, and tick grids."""

from __future__ import annotations

import re

import pandas as pd

from dashboard.ingest.strings import fold, per_distinct

_WORDS: dict[str, tuple[str, ...]] = {
    "attended": (
        "checked in", "check in", "attended", "present", "came", "showed", "showed up",
        "yes attended", "attendee checked in", "here", "in person attended",
    ),
    "no_show": ("no show", "noshow", "no shows", "did not attend", "didn t attend", "absent", "not attended", "missed"),
    "cancelled": (
        "cancelled", "canceled", "refunded", "refund", "not attending", "no", "declined",
        "not going", "withdrawn", "transferred", "deleted", "rsvp no",
    ),
    "registered": (
        "attending", "registered", "yes", "going", "rsvp yes", "booked", "confirmed",
        "waitlist", "waitlisted", "waiting list", "pending", "maybe", "interested", "rsvp", "ticket", "order",
    ),
}
_LOOKUP = {w: status for status, words in _WORDS.items() for w in words}

#: cell values that mean "was there" in an attendance grid
GRID_TICKS = frozenset({"x", "1", "y", "yes", "✓", "✔", "☑", "tick", "true", "attended", "present", "checked in", "+"})
GRID_BLANKS = frozenset({"", "0", "n", "no", "-", "false", "absent"})


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(text).casefold()).strip()


_PHRASES = sorted(_LOOKUP, key=len, reverse=True)


def _classify(raw: str) -> str | None:
    n = _norm(raw)
    status = _LOOKUP.get(n)
    if status is None and n:
        # "Checked In (Door)", "Attending - Free ticket": first known phrase wins
        for phrase in _PHRASES:
            if re.search(rf"\b{re.escape(phrase)}\b", n):
                return _LOOKUP[phrase]
    return status


def classify_status(values: pd.Series) -> pd.Series:
    """Map raw status text to attended | no_show | cancelled | registered, or None when unknown."""
    return per_distinct(values, _classify)


def is_tick(values: pd.Series) -> pd.Series:
    """True where a grid cell says the person was there."""
    return fold(values).isin(GRID_TICKS)


def looks_like_grid_column(values: pd.Series) -> bool:
    """A column whose filled cells are all ticks or blanks, with at least one tick."""
    cells = fold(values)
    ticks = cells.isin(GRID_TICKS)
    return bool((ticks | cells.isin(GRID_BLANKS)).all() and ticks.any())
