"""The canonical data model shared by every part of the core.

Everything downstream of ingestion (geography, engagement, risk, introductions,
the pages and the headless report) reads these columns and nothing else.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TypeVar

import numpy as np
import pandas as pd

from dashboard.columns import isin, positions

# --- canonical columns -------------------------------------------------------

#: members: one row per person. ``member_id`` is a string and unique.
MEMBER_COLUMNS: tuple[str, ...] = (
    "member_id",
    "name",
    "email",  # trimmed, case-folded; "" when unknown
    "city",  # free text as the organiser typed it; "" when unknown
    "country",  # free text country if a column gave one, else ""
    "joined_on",  # datetime64[ns] (naive, date precision), NaT when unknown
    "moved_on",  # datetime64[ns], when they moved to their city, NaT when unknown
    "interests",  # tuple[str, ...] (lower-case), () when unknown
    "role",  # member | host | volunteer | organiser
    "ucla_companionship",  # raw survey answer text, "" when not asked
    "ucla_left_out",
    "ucla_isolated",
    "ons_lonely",
    "agg_events_attended",  # float (NaN when absent): Meetup "Meetups attended"
    "agg_last_attended",  # datetime64[ns]: Meetup "Last Attended"
    "agg_no_shows",  # float: Meetup "No shows"
    "agg_rsvps",  # float: Meetup "RSVPed Yes"
)

#: geocode columns added to members by the geography step
MEMBER_GEO_COLUMNS: tuple[str, ...] = (
    "lat",  # float, NaN when unresolved (never 0,0 as a stand-in)
    "lon",
    "place",  # resolved place name, "" when unresolved
    "country_code",  # ISO-3166 alpha-2 of the resolved place, "" when unresolved
    "place_label",  # the place as typed: resolved place name ("Camden Town"), else the
    # organiser's own text stripped, else "(no city)"
    "city_label",  # what filters, tables and charts group by: the city the place counts
    # under ("London", ``geo.cities``), else the place label itself
    "city_reason",  # why the place counts under that city, "" when it is its own city
)

#: geocode columns added to events by the geography step (online events: NaN)
EVENT_GEO_COLUMNS: tuple[str, ...] = ("lat", "lon", "place_label", "city_label")

#: events: one row per event. ``event_id`` is a string and unique.
EVENT_COLUMNS: tuple[str, ...] = (
    "event_id",
    "title",
    "starts_at",  # datetime64[ns]
    "city",
    "venue",
    "online",  # bool
)

#: attendance: one row per (member, event); status is one of STATUSES.
ATTENDANCE_COLUMNS: tuple[str, ...] = ("member_id", "event_id", "status")
STATUSES: tuple[str, ...] = ("registered", "attended", "no_show", "cancelled")
ROLES: tuple[str, ...] = ("member", "host", "volunteer", "organiser")

#: problems: every row that could not be used, or was changed, with a reason.
PROBLEM_COLUMNS: tuple[str, ...] = ("file", "row", "column", "value", "problem")

#: geocodes: one row per distinct city string
GEOCODE_COLUMNS: tuple[str, ...] = (
    "city_text",
    "place",
    "country",  # ISO alpha-2
    "lat",
    "lon",
    "confidence",  # 0..1
    "status",  # resolved | low_confidence | unresolved | manual
    "reason",  # plain words for the organiser when not simply resolved
    "candidates",  # best guesses, "; "-joined, for unresolved / low confidence
)


def empty_frame(columns: tuple[str, ...]) -> pd.DataFrame:
    """An empty frame with the given columns (object dtype)."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


@dataclass(frozen=True)
class AttendanceCodes:
    """The attendance rows as positions: each row's member in ``members`` and event in
    ``events`` (-1 when the id isn't there; the first of repeated ids) and its status in
    ``STATUSES`` (-1 when not one of them). Hashing a million ids is the costly part of
    reading the log, so a Community works these out once (``Community.codes``)."""

    member: np.ndarray  # int64
    event: np.ndarray  # int64
    status: np.ndarray  # int64

    def __post_init__(self) -> None:
        for array in (self.member, self.event, self.status):
            array.flags.writeable = False  # shared by every reader of the community


def attendance_codes(members: pd.DataFrame, events: pd.DataFrame, attendance: pd.DataFrame) -> AttendanceCodes:
    """The attendance rows as positions in ``members``, ``events`` and ``STATUSES``."""
    return AttendanceCodes(
        positions(attendance["member_id"], members["member_id"]),
        positions(attendance["event_id"], events["event_id"]),
        positions(attendance["status"], pd.Series(STATUSES, dtype="str")),
    )


def _same_ids(before: pd.DataFrame, after: pd.DataFrame, column: str) -> bool:
    """Whether both frames hold the same ids in the same rows (cheap when the column is shared)."""
    a, b = before[column], after[column]
    return len(a) == len(b) and a.dtype == b.dtype and bool(a.array.equals(b.array))


@dataclass(frozen=True)
class Community:
    """One loaded community: immutable; derive new ones with ``dataclasses.replace``."""

    members: pd.DataFrame
    events: pd.DataFrame
    attendance: pd.DataFrame
    problems: pd.DataFrame = field(default_factory=lambda: empty_frame(PROBLEM_COLUMNS))
    geocodes: pd.DataFrame = field(default_factory=lambda: empty_frame(GEOCODE_COLUMNS))
    #: ISO alpha-2 of the community's own main country ("" when unknown)
    country: str = ""
    #: what ingestion understood, per file: free-form dicts for the Data page
    sources: tuple = ()
    #: how ``city_label`` groups places: (reach in km, by the place typed), as
    #: ``geo.group_places`` last did it; None before geocoding
    grouping: tuple[float, bool] | None = None

    def with_(self, **changes) -> "Community":
        """A copy with some fields replaced (the attendance codes kept when they still hold:
        the same log over members and events with the same ids in the same rows)."""
        new = replace(self, **changes)
        known = self.__dict__.get("codes")
        if (
            known is not None
            and new.attendance is self.attendance
            and _same_ids(self.members, new.members, "member_id")
            and _same_ids(self.events, new.events, "event_id")
        ):
            new.__dict__["codes"] = known
        return new

    def knowing(self, codes: AttendanceCodes) -> Community:
        """This community with its attendance codes given by whoever linked the rows (so they
        aren't worked out again from the ids); they must be what ``attendance_codes`` gives."""
        if len(codes.member) != len(self.attendance):
            raise ValueError("attendance codes for another log")
        self.__dict__["codes"] = codes
        return self

    @cached_property
    def codes(self) -> AttendanceCodes:
        """The attendance rows as positions in members, events and statuses, worked out on
        first use and kept (a Community is never changed in place)."""
        return attendance_codes(self.members, self.events, self.attendance)

    @cached_property
    def ids_unique(self) -> bool:
        """Whether no member id and no event id is repeated (then a part of the community can
        take its attendance codes along: ``restrict``)."""
        return bool(self.members["member_id"].is_unique and self.events["event_id"].is_unique)

    def restrict(self, member_keep: np.ndarray, event_keep: np.ndarray | None, row_keep: np.ndarray) -> Community:
        """The community with only the members, events (None: all) and attendance rows whose
        masks are true, its attendance codes renumbered rather than worked out again."""
        new = self.with_(
            members=self.members[member_keep].reset_index(drop=True),
            events=self.events if event_keep is None else self.events[event_keep].reset_index(drop=True),
            attendance=self.attendance[row_keep].reset_index(drop=True),
        )
        known = self.__dict__.get("codes")
        if known is None or not self.ids_unique:
            return new
        return new.knowing(AttendanceCodes(
            _renumbered(member_keep)[known.member[row_keep]],
            known.event[row_keep] if event_keep is None else _renumbered(event_keep)[known.event[row_keep]],
            known.status[row_keep],
        ))


def rows_with(codes: np.ndarray, n: int) -> np.ndarray:
    """A mask of the ``n`` rows some code points at (codes of -1 point at none)."""
    hit = np.zeros(n + 1, dtype=bool)
    hit[codes] = True
    return hit[:n]


def _renumbered(keep: np.ndarray) -> np.ndarray:
    """Each row's position among the kept rows (-1 when dropped), and -1 once more at the end
    (for codes of -1)."""
    return np.append(np.where(keep, np.cumsum(keep) - 1, -1), -1)


def default_as_of(community: Community) -> pd.Timestamp:
    """The date indicators are computed at: the latest event that has attendance
    recorded, else the latest past-looking event, else the latest join date.

    Future events (planned, nobody attended yet) don't move ``as_of``; the core
    never reads the clock, so a saved spreadsheet gives the same answers later.
    """
    ev, att = community.events, community.attendance
    if not ev.empty and not att.empty:
        codes = community.codes
        recorded = (codes.status == STATUSES.index("attended")) | (codes.status == STATUSES.index("no_show"))
        # the events of those rows, then every event with one of their ids (repeated ids too)
        attended_ids = ev["event_id"][rows_with(codes.event[recorded], len(ev))]
        held = ev.loc[isin(ev["event_id"], attended_ids), "starts_at"].dropna()
        if not held.empty:
            return pd.Timestamp(held.max()).normalize()
    if not ev.empty and ev["starts_at"].notna().any():
        return pd.Timestamp(ev["starts_at"].max()).normalize()
    members = community.members
    for col in ("agg_last_attended", "joined_on"):
        if col in members and members[col].notna().any():
            return pd.Timestamp(members[col].max()).normalize()
    return pd.Timestamp("2000-01-01")


T = TypeVar("T")


def handed_out(obj: T) -> T:
    """``obj`` for one caller who may change what they get: frames (also inside dataclasses,
    tuples and lists) as new frame objects over the same data (pandas' copy-on-write: a change
    copies only what it changes); anything else as it is. Used for what is kept and handed out
    again: the app's held caches (``dashboard.ui.frozen``) and ``dashboard.reuse``."""
    if isinstance(obj, (pd.DataFrame, pd.Series)):
        return obj.copy(deep=False)
    if isinstance(obj, tuple):
        return tuple(handed_out(v) for v in obj)  # type: ignore[return-value]
    if isinstance(obj, list):
        return [handed_out(v) for v in obj]  # type: ignore[return-value]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = copy.copy(obj)  # a frozen dataclass's own fields and cached values, by reference
        for name, value in vars(obj).items():
            if isinstance(value, (pd.DataFrame, pd.Series)):
                object.__setattr__(out, name, value.copy(deep=False))
        return out
    return obj
