"""Why this buddy, in plain words: the reason shown beside each suggestion."""

from __future__ import annotations

import numpy as np

from dashboard.words import plural


def _first_name(name: str) -> str:
    """The first word of a name, or "this regular" when there is none."""
    parts = name.split()
    return parts[0] if parts else "this regular"


def _join_words(words: list[str]) -> str:
    """"running", "running and chess", "running, chess and hiking"."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def buddy_reason(
    city: str,
    buddy_city: str,
    distance_km: float,
    shared: list[str],
    buddy_name: str,
    events_attended: int,
    regulars_known: int,
) -> str:
    """Why this buddy, in plain words."""
    where = where_words(city, buddy_city, distance_km, shared)
    return f"{where}; {who_words(buddy_name, events_attended, regulars_known)}"


def where_words(city: str, buddy_city: str, distance_km: float, shared: list[str]) -> str:
    """The first half of a reason: where the two are and what they share."""
    if city == buddy_city:
        where = f"both in {city}"
    elif np.isfinite(distance_km):
        where = f"{city} and {buddy_city} are {distance_km:.0f} km apart"
    else:
        where = f"{city} and {buddy_city}"
    if shared:
        where += f", both into {_join_words(shared)}"
    return where


def who_words(buddy_name: str, events_attended: int, regulars_known: int) -> str:
    """The second half of a reason: who the buddy is."""
    who = f"{_first_name(buddy_name)} has been to {plural(events_attended, 'event')}"
    if regulars_known > 0:
        who += f" and knows {plural(regulars_known, 'regular')}"
    return who
