"""Small hand-made communities for tests: give only the columns a test is about.

``make_community(members=[{"member_id": "a", "joined_on": "2026-01-01"}], ...)``
fills every other canonical column with its documented empty value ("" for
text, NaT for dates, NaN for numbers, () for interests, "member" for role), so
tests read as the facts they check. Geo columns (``lat``, ``lon``, ``place``,
``country_code``, ``place_label``, ``city_label``, ``city_reason``) are always present,
NaN/"" unless given (a label not given is the other label, else the city).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from dashboard.geo import NO_CITY_LABEL, ONLINE_LABEL
from dashboard.model import (
    ATTENDANCE_COLUMNS,
    EVENT_COLUMNS,
    EVENT_GEO_COLUMNS,
    MEMBER_COLUMNS,
    MEMBER_GEO_COLUMNS,
    Community,
)

_MEMBER_DATES = ("joined_on", "moved_on", "agg_last_attended")
_MEMBER_FLOATS = ("agg_events_attended", "agg_no_shows", "agg_rsvps", "lat", "lon")

#: the day most tests compute at
AS_OF = pd.Timestamp("2026-06-30")


def days_before(days: int, as_of: pd.Timestamp = AS_OF) -> pd.Timestamp:
    """The date ``days`` days before ``as_of`` (negative: after)."""
    return as_of - pd.Timedelta(days=days)


def _dates(values: list) -> pd.Series:
    """Naive datetime64[ns] from strings, Timestamps or None."""
    return pd.Series(pd.to_datetime(pd.Series(values, dtype=object)), dtype="datetime64[ns]")


def _floats(values: list) -> pd.Series:
    return pd.Series([np.nan if v is None else float(v) for v in values], dtype="float64")


def _texts(values: list) -> pd.Series:
    return pd.Series(["" if v is None else str(v) for v in values], dtype="str")


def _texts_or(values: list, rows: list[dict], default: Callable[[dict], str]) -> pd.Series:
    """Strings; where a row gives none, ``default(row)``."""
    return pd.Series([v if v is not None else default(r) for v, r in zip(values, rows)], dtype="str")


def _city_label(row: dict) -> str:
    return (row.get("city") or "").strip() or NO_CITY_LABEL


def make_members(rows: list[dict]) -> pd.DataFrame:
    """A canonical members frame (with geo columns) from partial dicts."""
    columns = MEMBER_COLUMNS + MEMBER_GEO_COLUMNS
    out: dict[str, pd.Series] = {}
    for col in columns:
        values = [r.get(col) for r in rows]
        if col == "member_id":
            out[col] = pd.Series([str(v) for v in values], dtype="str")
        elif col in _MEMBER_DATES:
            out[col] = _dates(values)
        elif col in _MEMBER_FLOATS:
            out[col] = _floats(values)
        elif col == "interests":
            out[col] = pd.Series([tuple(v) if v is not None else () for v in values], dtype=object)
        elif col == "role":
            out[col] = pd.Series([v or "member" for v in values], dtype="str")
        elif col == "name":
            out[col] = _texts_or(values, rows, lambda r: f"Member {r.get('member_id')}")
        elif col in ("city_label", "place_label"):  # one defaults to the other, then to the city
            other = "place_label" if col == "city_label" else "city_label"
            out[col] = _texts_or(values, rows, lambda r, other=other: r.get(other) or _city_label(r))
        else:
            out[col] = _texts(values)
    return pd.DataFrame(out, columns=list(columns))


def make_events(rows: list[dict]) -> pd.DataFrame:
    """A canonical events frame (with geo columns) from partial dicts."""
    columns = EVENT_COLUMNS + EVENT_GEO_COLUMNS
    out: dict[str, pd.Series] = {}
    for col in columns:
        values = [r.get(col) for r in rows]
        if col == "event_id":
            out[col] = pd.Series([str(v) for v in values], dtype="str")
        elif col == "starts_at":
            out[col] = _dates(values)
        elif col == "online":
            out[col] = pd.Series([bool(v) for v in values], dtype=bool)
        elif col in ("lat", "lon"):
            out[col] = _floats(values)
        elif col == "title":
            out[col] = _texts_or(values, rows, lambda r: f"Event {r.get('event_id')}")
        elif col in ("city_label", "place_label"):
            other = "place_label" if col == "city_label" else "city_label"
            out[col] = _texts_or(values, rows, lambda r, other=other: (
                ONLINE_LABEL if r.get("online") else r.get(other) or _city_label(r)))
        else:
            out[col] = _texts(values)
    return pd.DataFrame(out, columns=list(columns))


def make_attendance(rows: list[dict | tuple]) -> pd.DataFrame:
    """A canonical attendance frame; rows are dicts or (member_id, event_id[, status])."""
    norm = []
    for r in rows:
        if isinstance(r, tuple):
            r = dict(zip(ATTENDANCE_COLUMNS, r))
        norm.append({"member_id": str(r["member_id"]), "event_id": str(r["event_id"]),
                     "status": r.get("status") or "attended"})
    return pd.DataFrame(
        {c: pd.Series([r[c] for r in norm], dtype="str") for c in ATTENDANCE_COLUMNS},
        columns=list(ATTENDANCE_COLUMNS),
    )


def make_community(
    members: list[dict] | None = None,
    events: list[dict] | None = None,
    attendance: list[dict | tuple] | None = None,
    country: str = "GB",
) -> Community:
    """A Community from partial rows, every canonical column filled."""
    return Community(
        members=make_members(members or []),
        events=make_events(events or []),
        attendance=make_attendance(attendance or []),
        country=country,
    )


def small_community() -> Community:
    """Three members, three past events and one upcoming, in two cities."""
    return make_community(
        members=[
            {"member_id": "a", "joined_on": "2026-01-05", "city": "Leeds"},
            {"member_id": "b", "joined_on": "2026-01-20", "city": "Leeds"},
            {"member_id": "c", "joined_on": "2026-02-10", "city": "York"},
        ],
        events=[
            {"event_id": "e1", "title": "Walk", "starts_at": "2026-01-10 10:00", "city": "Leeds"},
            {"event_id": "e2", "title": "Quiz", "starts_at": "2026-02-12 19:00", "city": "York"},
            {"event_id": "e3", "title": "Picnic", "starts_at": "2026-03-01 12:00", "city": "Leeds"},
            {"event_id": "e4", "title": "Later", "starts_at": "2026-04-20 12:00", "city": "Leeds"},
        ],
        attendance=[("a", "e1"), ("a", "e3"), ("b", "e2"), ("c", "e2"), ("c", "e3"),
                    ("b", "e3", "no_show"), ("a", "e2", "registered"), ("c", "e4", "registered")],
    )


# --- a hand-made pair of snapshots (files as uploaded) with known changes between them ----------

_PAIR_HEAD = "Name,Email,City,Joined,Role\n"
_PAIR_EVENTS = "Event ID,Event name,Date,City\nE0,Picnic,2024-06-01 12:00,Leeds\nE1,Coffee,2025-06-01 10:00,Leeds\n"
_PAIR_BEFORE_ATTENDANCE = (
    "Event ID,Email,Status\nE0,ann@example.org,attended\nE0,bo@example.org,attended\nE1,bo@example.org,attended\n"
    "E0,ed@example.org,attended\nE1,ed@example.org,attended\nE0,fay@example.org,attended\n"
    "E1,fay@example.org,attended\nE0,cy@example.org,attended\nE1,cy@example.org,attended\n"
)
#: kept on 2 June 2025 (its latest event: 1 June 2025)
PAIR_BEFORE: dict[str, tuple[str, bytes]] = {
    "members": ("members-june.csv", (
        _PAIR_HEAD + "Ann Returner,ann@example.org,Leeds,2024-01-01,member\n"  # last came June 2024: lapsed
        "Bo Steady,bo@example.org,Leeds,2024-01-01,member\n"
        "Cy Leaver,cy@example.org,Leeds,2024-01-01,member\n"
        "Ed Drifter,ed@example.org,Leeds,2024-01-01,member\n"
        "Fay Organiser,fay@example.org,Leeds,2024-01-01,organiser\n").encode()),
    "events": ("events-june.csv", _PAIR_EVENTS.encode()),
    "attendance": ("attendance-june.csv", _PAIR_BEFORE_ATTENDANCE.encode()),
}
#: kept on 2 March 2026 (a walk on 1 March 2026): Cy is gone, Di signed up, Ann came back, Bo came
#: again, Ed and Fay (an organiser) stayed away long enough to be "lapsed"
PAIR_AFTER: dict[str, tuple[str, bytes]] = {
    "members": ("members-march.csv", (
        _PAIR_HEAD + "Bo Steady,bo@example.org,Leeds,2024-01-01,member\n"  # the rows moved: ids shift, emails match
        "Ann Returner,ann@example.org,Leeds,2024-01-01,member\n"
        "Di Joiner,di@example.org,Leeds,2026-02-01,member\n"
        "Ed Drifter,ed@example.org,Leeds,2024-01-01,member\n"
        "Fay Organiser,fay@example.org,Leeds,2024-01-01,organiser\n").encode()),
    "events": ("events-march.csv", (_PAIR_EVENTS + "E2,Walk,2026-03-01 10:00,Leeds\n").encode()),
    "attendance": ("attendance-march.csv", (
        _PAIR_BEFORE_ATTENDANCE.replace("E0,cy@example.org,attended\nE1,cy@example.org,attended\n", "")
        + "E2,ann@example.org,attended\nE2,bo@example.org,attended\nE2,di@example.org,attended\n").encode()),
}
#: (name, change) between them, organisers left out (the default settings)
PAIR_CHANGES: list[tuple[str, str]] = [
    ("Di Joiner", "joined"), ("Ann Returner", "came_back"), ("Ed Drifter", "newly_at_risk"),
    ("Ann Returner", "no_longer_at_risk"), ("Cy Leaver", "left"),
]
