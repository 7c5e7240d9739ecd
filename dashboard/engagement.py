"""Engagement: who comes, who comes back, who is drifting.

Everything here is a pure function of ``(community, as_of, settings)``; the
clock is never read. ``as_of`` is a day: events starting on that calendar day
count as "on or before as_of", later ones are the future.

Per-member metrics (``member_metrics``)
---------------------------------------
Counted from attendance rows with status ``attended`` at events whose start
date is on or before ``as_of``. Windows are whole days counted back from
``as_of`` (0 = the as_of day itself): "last 90 days" is days 0–89, "the 90
before" is days 90–179 (90 = ``settings.active_window_days``).

The engagement score (Orbit's "love")
-------------------------------------
Each attendance is worth ``weight × decay ** months_ago`` where

* ``weight`` is 1, or ``settings.host_weight`` (3) for members whose role is
  host, volunteer or organiser (hosting and volunteering weigh more);
* ``decay`` is ``settings.decay_per_month`` (0.9);
* ``months_ago = days_ago / 30.4375`` (an average calendar month), so
  attending today is worth 1 and a year ago 0.9 ** 12 ≈ 0.28.

The sum is ``score_raw``. It is mapped onto 0–100 by a fixed curve that does
not depend on the community, so a score reads the same everywhere::

    engagement_score = 100 × (1 − exp(−score_raw / SCORE_SCALE)),  SCORE_SCALE = 4

Reference points: one event today → 22; one event a month for the last six
months (the latest today) → raw 4.69 → 69, just under the default core line
of 70; one event a week for a year → 99; a single event a year ago → 7.

Segments (``SEGMENTS``) and their precedence
--------------------------------------------
The first rule that matches wins, in this order:

1. ``never attended`` – no events on record and joined ``never_attended_days``
   (30) or more days ago, or join date unknown. Checked before ``new`` because
   a month-old sign-up who hasn't come is the thing to act on.
2. ``new`` – joined fewer than ``new_member_days`` (60) days ago.
3. ``lapsed`` – came at least once, nothing for ``lapsed_days`` (180) or more.
4. ``drifting`` – had a rhythm (``drifting_min_events``, 3+ events) and either
   the days since the last attendance exceed ``drifting_gap_factor`` (2) × their
   own median gap between attendances, or the last 90 days hold fewer than half
   the attendances of the 90 before.
5. ``core`` – score ≥ ``core_score`` (70) or ``core_min_events_6m`` (6) events in
   the last ``CORE_WINDOW_DAYS`` (182, six months).
6. ``active`` – everyone else who has come.

Members known only through Meetup totals (``agg_*`` columns, no attendance-log
rows) get events attended, last attended, days since last, no-shows and RSVPs
from those totals; their segment can be ``never attended``, ``new``,
``lapsed`` or ``active`` only, because ``drifting`` and ``core`` need the dates
of each attendance. ``uncomputable_metrics`` names what could not be computed.
When the community has no attendance information at all, a member's
``metrics_source`` is ``"none"``, counts are missing and the segment is only
``new`` (by join date) or missing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from dashboard.activity import attended_events
from dashboard.columns import isin
from dashboard.days import DAYS_PER_MONTH, NAT_DAY, as_of_day, date_days, day_numbers, days_to_datetime
from dashboard.filters import city_labels
from dashboard.model import STATUSES, Community
from dashboard.settings import Settings
from dashboard.words import plural

SEGMENTS: tuple[str, ...] = ("new", "never attended", "active", "core", "drifting", "lapsed")
#: roles whose attendances weigh ``settings.host_weight``
WEIGHTED_ROLES: tuple[str, ...] = ("host", "volunteer", "organiser")
#: roles left out of statistics when ``settings.exclude_organisers`` is on
STAFF_ROLES: tuple[str, ...] = ("organiser", "host")
SCORE_SCALE: float = 4.0
#: "six months" for the core rule
CORE_WINDOW_DAYS: int = 182

SOURCE_LOG = "attendance log"
SOURCE_MEETUP = "Meetup totals"
SOURCE_NONE = "none"
SOURCES: tuple[str, ...] = (SOURCE_LOG, SOURCE_MEETUP, SOURCE_NONE)

#: metrics a Meetup-totals member cannot have, with the words the page shows
METRIC_LABELS: dict[str, str] = {
    "events_attended": "events attended",
    "first_attended_on": "first attended",
    "last_attended_on": "last attended",
    "days_since_last": "days since last",
    "attended_last_90": "attendance in the last 90 days",
    "attended_prev_90": "attendance in the 90 days before",
    "median_gap_days": "usual gap between visits",
    "no_shows": "no-shows",
    "rsvps": "RSVPs",
    "engagement_score": "engagement score",
}
_MEETUP_UNCOMPUTABLE: tuple[str, ...] = (
    "first_attended_on",
    "attended_last_90",
    "attended_prev_90",
    "median_gap_days",
    "engagement_score",
)

SCORE_EXPLANATION: str = (
    "The engagement score (0–100) adds up every event a member came to, with "
    "recent events counting more: an event today is worth 1 point, and each "
    "month that passes keeps 90% of its value (a year-old event is worth 0.28). "
    "Hosts, volunteers and organisers get 3 points per event. The total is put "
    "on a fixed 0–100 curve, score = 100 × (1 − e^(−points / 4)), the same for "
    "every community: one event today scores 22, one event a month for the last "
    "six months scores 69, weekly for a year scores 99. Members scoring 70 or "
    "more, or with 6+ events in the last six months, are 'core'."
)

_ATTENDED, _NO_SHOW = STATUSES.index("attended"), STATUSES.index("no_show")
#: per status code (and a trailing entry for unknown, code -1): does the row count as an RSVP?
_IS_RSVP = np.array([s in ("registered", "attended", "no_show") for s in STATUSES] + [False])


# --- small vectorised helpers -------------------------------------------------


def _column(frame: pd.DataFrame, name: str, default: object) -> pd.Series:
    """A column, or a constant Series when the frame lacks it."""
    if name in frame.columns:
        return frame[name]
    return pd.Series([default] * len(frame), index=frame.index, dtype=object if default is None else None)


def _float_column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A numeric column as float64 (NaN when missing or unparsable)."""
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def format_by_value(values: np.ndarray, fmt: Callable[[Any], str]) -> np.ndarray:
    """``fmt`` applied once per distinct value, broadcast back (object array)."""
    if len(values) == 0:
        return np.empty(0, dtype=object)
    codes, uniq = pd.factorize(values, use_na_sentinel=True)  # hashing: no sort needed
    lut = np.empty(len(uniq) + 1, dtype=object)
    lut[:-1] = [fmt(v) for v in uniq]
    lut[-1] = fmt(np.nan) if (codes < 0).any() else ""  # code -1 (NaN) picks the last entry
    return lut[codes]


def score_from_raw(raw: float | np.ndarray) -> float | np.ndarray:
    """The 0–100 engagement score for a raw decayed total (see module docstring)."""
    return 100.0 * (1.0 - np.exp(-np.asarray(raw, dtype=float) / SCORE_SCALE))


def _role_in(members: pd.DataFrame, roles: tuple[str, ...]) -> np.ndarray:
    """True where the member's role (trimmed, any case) is one of ``roles``."""
    if "role" not in members.columns or members.empty:
        return np.zeros(len(members), dtype=bool)
    codes, uniq = pd.factorize(members["role"])
    hit = np.array([str(u).strip().lower() in roles for u in uniq] + [False])
    return hit[codes]


def member_weights(members: pd.DataFrame, settings: Settings) -> np.ndarray:
    """Per-member attendance weight: host_weight for host/volunteer/organiser roles."""
    return np.where(_role_in(members, WEIGHTED_ROLES), float(settings.host_weight), 1.0)


# --- attendance as arrays ----------------------------------------------------


def coded_attendance(community: Community) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Attendance as arrays: member position, event position, status code, event day.

    Positions index ``community.members`` / ``community.events`` (-1 when the id
    is unknown); status codes index ``STATUSES`` (-1 unknown); day is the event's
    calendar day number (sentinel when the event or its date is unknown).
    """
    ev = community.events
    codes = community.codes  # worked out once per community
    member_pos, event_pos, status = codes.member, codes.event, codes.status
    ev_day = np.append(day_numbers(ev["starts_at"]) if len(ev) else np.empty(0, np.int64), NAT_DAY)
    day = ev_day[event_pos]  # position -1 picks the appended sentinel
    return member_pos, event_pos, status, day


def _group_bounds(sorted_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) offsets of runs of equal values in a sorted array."""
    if len(sorted_ids) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    change = np.flatnonzero(sorted_ids[1:] != sorted_ids[:-1]) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [len(sorted_ids)]))
    return starts, ends


def sorted_attended(
    community: Community, as_of: pd.Timestamp
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Attended rows up to as_of sorted by (member, day), plus per-member no-shows,
    RSVPs and whether the member has any row in the log."""
    n = len(community.members)
    member_pos, _, status, day = coded_attendance(community)
    today = as_of_day(as_of)
    known = member_pos >= 0
    past = known & (day != NAT_DAY) & (day <= today)
    no_shows = np.bincount(member_pos[past & (status == _NO_SHOW)], minlength=n)
    rsvps = np.bincount(member_pos[past & _IS_RSVP[status]], minlength=n)
    has_rows = np.bincount(member_pos[known], minlength=n) > 0
    take = past & (status == _ATTENDED)
    m, d = member_pos[take], day[take]
    if len(d):
        dmin = int(d.min())
        shift = (int(d.max()) - dmin).bit_length()
        key = (m << shift) | (d - dmin)
        key.sort()  # one fast integer sort instead of an argsort of rows
        m, d = key >> shift, (key & ((1 << shift) - 1)) + dmin
    return m, d, no_shows, rsvps, has_rows


# --- per-member metrics -------------------------------------------------------


def member_metrics(community: Community, as_of: pd.Timestamp, settings: Settings) -> pd.DataFrame:
    """Per-member engagement metrics, score and segment, indexed by member_id."""
    members = community.members
    today = as_of_day(as_of)
    cols, recent6m, has_rows = _log_columns(community, as_of, settings)
    cols, source_code = _with_totals(members, cols, has_rows, community_has_log=len(community.attendance) > 0)
    first, last, count = cols.pop("first"), cols.pop("last"), cols["events_attended"]
    has_last = last != NAT_DAY
    since_last = np.where(has_last, np.maximum(today - last, 0), -1).astype(np.float64)
    since_last[~has_last] = np.nan
    score = np.asarray(score_from_raw(cols["score_raw"]), dtype=float)  # an array in, an array out
    joined = date_days(members, "joined_on")
    since_joined = np.where(joined != NAT_DAY, today - joined, np.iinfo(np.int64).max)
    frame = pd.DataFrame(
        {
            "events_attended": count,
            "first_attended_on": days_to_datetime(first),
            "last_attended_on": days_to_datetime(last),
            "days_since_last": since_last,
            "attended_last_90": cols["attended_last_90"],
            "attended_prev_90": cols["attended_prev_90"],
            "median_gap_days": cols["median_gap_days"],
            "no_shows": cols["no_shows"],
            "rsvps": cols["rsvps"],
            "engagement_score": score,
            "score_raw": cols["score_raw"],
        },
        index=pd.Index(members["member_id"].astype("str"), name="member_id"),
    )
    segment, reason = _segments(_Facts(
        count, since_last, cols["attended_last_90"], cols["attended_prev_90"], cols["median_gap_days"], score,
        recent6m, since_joined, joined != NAT_DAY, source_code,
    ), settings)
    frame["segment"] = pd.Categorical.from_codes(segment, categories=list(SEGMENTS))
    frame["metrics_source"] = pd.Categorical.from_codes(source_code, categories=list(SOURCES))
    # object dtype: converting 100k sentences to Arrow strings would double this step
    frame["segment_reason"] = pd.Series(reason, index=frame.index, dtype=object)
    for col in ("events_attended", "days_since_last", "attended_last_90", "attended_prev_90", "no_shows", "rsvps"):
        frame[col] = pd.array(frame[col].to_numpy(), dtype="Int64")
    return frame


def _log_columns(
    community: Community, as_of: pd.Timestamp, settings: Settings
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """What the attendance log says per member: counts, windows, median gap, no-shows, RSVPs,
    the raw decayed score and first/last day numbers ("first", "last"); also the attendances
    in the last six months and whether the member has any row in the log."""
    n = len(community.members)
    window = int(settings.active_window_days)
    m, d, no_shows, rsvps, has_rows = sorted_attended(community, as_of)
    first = np.full(n, NAT_DAY, dtype=np.int64)
    last = np.full(n, NAT_DAY, dtype=np.int64)
    starts, ends = _group_bounds(m)
    if len(starts):
        first[m[starts]] = d[starts]
        last[m[ends - 1]] = d[ends - 1]
    ago = as_of_day(as_of) - d
    decay = np.exp(ago * (math.log(settings.decay_per_month) / DAYS_PER_MONTH))
    cols = {
        "events_attended": np.bincount(m, minlength=n).astype(np.float64),
        "first": first,
        "last": last,
        "attended_last_90": np.bincount(m[ago < window], minlength=n).astype(np.float64),
        "attended_prev_90": np.bincount(m[(ago >= window) & (ago < 2 * window)], minlength=n).astype(np.float64),
        "median_gap_days": _median_gaps(m, d, n),
        "no_shows": no_shows.astype(np.float64),
        "rsvps": rsvps.astype(np.float64),
        "score_raw": np.bincount(m, weights=decay, minlength=n) * member_weights(community.members, settings),
    }
    return cols, np.bincount(m[ago < CORE_WINDOW_DAYS], minlength=n), has_rows


def _with_totals(
    members: pd.DataFrame, cols: dict[str, np.ndarray], has_rows: np.ndarray, community_has_log: bool
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """``_log_columns`` with members known only from Meetup totals counted from those (what
    the totals can't give left missing), and nothing known where there is no information
    at all; and each member's source code (into ``SOURCES``)."""
    agg_events = _float_column(members, "agg_events_attended")
    agg_last = date_days(members, "agg_last_attended")
    use_agg = ~has_rows & (~np.isnan(agg_events) | (agg_last != NAT_DAY))
    none = ~has_rows & ~use_agg & (not community_has_log)
    source_code = np.where(use_agg, 1, np.where(none, 2, 0)).astype(np.int8)
    out = dict(cols)
    out["events_attended"] = np.where(use_agg, agg_events, cols["events_attended"])
    out["last"] = np.where(use_agg, agg_last, cols["last"])
    out["no_shows"] = np.where(use_agg, _float_column(members, "agg_no_shows"), cols["no_shows"])
    out["rsvps"] = np.where(use_agg, _float_column(members, "agg_rsvps"), cols["rsvps"])
    for col in ("events_attended", "no_shows", "rsvps"):
        out[col][none] = np.nan
    computable = ~use_agg & ~none
    for col in ("attended_last_90", "attended_prev_90", "score_raw"):
        out[col] = np.where(computable, cols[col], np.nan)
    out["first"] = np.where(computable, cols["first"], NAT_DAY)
    return out, source_code


def _median_gaps(m: np.ndarray, d: np.ndarray, n: int) -> np.ndarray:
    """Median days between consecutive attendances per member (NaN with < 2)."""
    out = np.full(n, np.nan)
    if len(m) < 2:
        return out
    same = m[1:] == m[:-1]
    gm = m[1:][same]
    gaps = (d[1:] - d[:-1])[same]
    if len(gaps) == 0:
        return out
    shift = int(gaps.max()).bit_length()
    key = (gm << shift) | gaps
    key.sort()
    gm, gaps = key >> shift, key & ((1 << shift) - 1)
    starts, ends = _group_bounds(gm)
    size = ends - starts
    lo = gaps[starts + (size - 1) // 2]
    hi = gaps[starts + size // 2]
    out[gm[starts]] = (lo + hi) / 2.0
    return out


def drifting_mask(
    events: np.ndarray,
    since_last: np.ndarray,
    last90: np.ndarray,
    prev90: np.ndarray,
    median_gap: np.ndarray,
    settings: Settings,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drifting against one's own rhythm: (either rule, gap rule, window rule); NaN never fires."""
    with np.errstate(invalid="ignore"):
        rhythm = events >= settings.drifting_min_events
        gap_rule = rhythm & (since_last > settings.drifting_gap_factor * median_gap)
        window_rule = rhythm & (last90 < 0.5 * prev90)
    return gap_rule | window_rule, gap_rule, window_rule


class _Facts(NamedTuple):
    """Per-member arrays the segments and their reasons are worked out from."""

    events: np.ndarray  # events attended
    since_last: np.ndarray
    last90: np.ndarray
    prev90: np.ndarray
    median_gap: np.ndarray
    score: np.ndarray
    recent6m: np.ndarray
    since_joined: np.ndarray
    join_known: np.ndarray
    source_code: np.ndarray  # indexes SOURCES


def _segments(f: _Facts, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """Segment codes (into SEGMENTS, -1 missing), the first rule that matches, and plain-words reasons."""
    n = len(f.events)
    with np.errstate(invalid="ignore"):
        has_count = ~np.isnan(f.events)
        never = has_count & (f.events == 0) & (~f.join_known | (f.since_joined >= settings.never_attended_days))
        new = f.join_known & (f.since_joined < settings.new_member_days)
        came = (has_count & (f.events > 0)) | ~np.isnan(f.since_last)
        lapsed = came & (f.since_last >= settings.lapsed_days)
        drifting, gap_rule, _ = drifting_mask(f.events, f.since_last, f.last90, f.prev90, f.median_gap, settings)
        core_score = f.score >= settings.core_score
        core_events = f.recent6m >= settings.core_min_events_6m
        core = (core_score | core_events) & (f.source_code == SOURCES.index(SOURCE_LOG))
        active = came | (has_count & (f.events == 0))
    rules = [never, new, lapsed, drifting, core, active]
    names = ["never attended", "new", "lapsed", "drifting", "core", "active"]
    code = np.full(n, -1, dtype=np.int8)
    assigned = np.zeros(n, dtype=bool)
    for rule, name in zip(rules, names):
        hit = rule & ~assigned
        code[hit] = SEGMENTS.index(name)
        assigned |= hit
    return code, _segment_reasons(code, f, gap_rule, core_score, settings)


def _segment_reasons(
    code: np.ndarray, f: _Facts, gap_rule: np.ndarray, core_score: np.ndarray, settings: Settings
) -> np.ndarray:
    """Why each member is in their segment, in plain words (object array); a drifting member
    by the gap rule and a core member by score are told so (``gap_rule``, ``core_score``)."""
    since_joined, since_last, count = f.since_joined, f.since_last, f.events
    reason = np.empty(len(code), dtype=object)
    reason[code == -1] = "No attendance data for this member"
    i = np.flatnonzero(code == SEGMENTS.index("never attended"))
    known, unknown = i[f.join_known[i]], i[~f.join_known[i]]
    reason[known] = format_by_value(
        since_joined[known], lambda v: f"Joined {plural(v, 'day')} ago and hasn't come to an event yet"
    )
    reason[unknown] = "No events on record (join date unknown)"
    i = np.flatnonzero(code == SEGMENTS.index("new"))
    reason[i] = format_by_value(since_joined[i], lambda v: f"Joined {plural(max(v, 0), 'day')} ago")
    i = np.flatnonzero(code == SEGMENTS.index("lapsed"))
    reason[i] = format_by_value(
        since_last[i], lambda v: f"Last came {plural(v, 'day')} ago, nothing for {settings.lapsed_days}+ days"
    )
    i = np.flatnonzero(code == SEGMENTS.index("drifting"))
    by_gap, by_window = i[gap_rule[i]], i[~gap_rule[i]]
    reason[by_gap] = format_by_value(since_last[by_gap], lambda v: f"Last came {plural(v, 'day')} ago") + \
        format_by_value(f.median_gap[by_gap], lambda v: f", usually every {v:g} {'day' if v == 1 else 'days'}")
    w = settings.active_window_days
    reason[by_window] = format_by_value(f.last90[by_window], lambda v: f"{plural(v, 'event')} in the last {plural(w, 'day')}") + \
        format_by_value(f.prev90[by_window], lambda v: f", down from {v:g} in the {w} before")
    i = np.flatnonzero(code == SEGMENTS.index("core"))
    by_score, by_events = i[core_score[i]], i[~core_score[i]]
    reason[by_score] = format_by_value(
        np.floor(f.score[by_score]), lambda v: f"Engagement score {v:.0f} (core from {settings.core_score:g})"
    )
    reason[by_events] = format_by_value(f.recent6m[by_events], lambda v: f"{plural(v, 'event')} in the last six months")
    i = np.flatnonzero(code == SEGMENTS.index("active"))
    dated, undated = i[~np.isnan(since_last[i])], i[np.isnan(since_last[i])]
    reason[dated] = format_by_value(count[dated], lambda v: "Came" if np.isnan(v) else f"Came {plural(v, 'time')}") + \
        format_by_value(since_last[dated], lambda v: f", last {plural(v, 'day')} ago")
    reason[undated] = format_by_value(count[undated], lambda v: f"Came {plural(v, 'time')}" if v > 0 else "No events yet")
    meetup = np.flatnonzero(f.source_code == SOURCES.index(SOURCE_MEETUP))
    reason[meetup] = "From Meetup totals: " + reason[meetup]
    return reason


def uncomputable_metrics(metrics: pd.DataFrame) -> list[str]:
    """Metric columns that could not be computed for some members (Meetup totals only)."""
    if metrics.empty or not (metrics["metrics_source"] == SOURCE_MEETUP).any():
        return []
    return list(_MEETUP_UNCOMPUTABLE)


def is_staff(members: pd.DataFrame) -> pd.Series:
    """True for organisers and hosts (False when there is no role column)."""
    return pd.Series(_role_in(members, STAFF_ROLES), index=members.index)


def exclude_staff(community: Community, settings: Settings) -> Community:
    """The community without organisers and hosts (and their attendance), when asked to."""
    if not settings.exclude_organisers or "role" not in community.members.columns:
        return community
    staff = is_staff(community.members)
    if not staff.any():
        return community
    members = community.members
    staff_ids = members.loc[staff.to_numpy(), "member_id"]
    # their attendance rows by the community's codes: a row goes when its member's id is a staff id
    by_id = np.append(isin(members["member_id"], staff_ids), False)[community.codes.member]
    return community.restrict(~staff.to_numpy(), None, ~by_id)


def is_active(metrics: pd.DataFrame, settings: Settings) -> pd.Series:
    """The one rule for "active": came to an event in the last ``active_window_days`` days
    (days 0 to window − 1 back from as_of), by the attendance log or by Meetup totals."""
    since = metrics["days_since_last"].astype("Float64")
    return (since < settings.active_window_days).fillna(False).astype(bool)


def summary(community: Community, metrics: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> dict:
    """Headline numbers for a view: members, active (``is_active``), new this month, events
    held and upcoming, average turnout (attendees per held event) and no-show rate (None
    without RSVP data). Organisers and hosts are left out when the settings say so
    (``exclude_staff``), here and on every page that shows these numbers."""
    community = exclude_staff(community, settings)
    members = community.members
    as_of = pd.Timestamp(as_of).normalize()
    m = metrics.reindex(members["member_id"].astype("str"))
    joined = members["joined_on"]
    new_month = (joined.dt.to_period("M") == as_of.to_period("M")) & (joined <= as_of)
    ev = community.events
    # compare by day: an event on the as-of day itself has been held
    days = ev["starts_at"].dt.normalize()
    held = ev.loc[ev["starts_at"].notna() & (days <= as_of)]
    att = community.attendance[isin(community.attendance["event_id"], held["event_id"])]
    per_event = att.loc[att["status"] == "attended"].groupby("event_id").size()
    avg_turnout = float(per_event.mean()) if len(per_event) else None
    status_counts = att["status"].value_counts()
    n_no_show = int(status_counts.get("no_show", 0))
    n_registered = int(status_counts.get("registered", 0))
    n_rsvps = n_no_show + n_registered + int(status_counts.get("attended", 0))
    no_show_rate: float | None = None
    if (n_no_show or n_registered) and n_rsvps:
        no_show_rate = n_no_show / n_rsvps
    else:
        agg_ns = _float_column(members, "agg_no_shows")
        agg_rsvps = _float_column(members, "agg_rsvps")
        both = ~np.isnan(agg_ns) & ~np.isnan(agg_rsvps)
        if both.any() and agg_rsvps[both].sum() > 0:
            no_show_rate = float(agg_ns[both].sum() / agg_rsvps[both].sum())
    return {
        "members": len(members),
        "active_window_days": int(settings.active_window_days),
        "active_last_90": int(is_active(m, settings).sum()),
        "new_this_month": int(new_month.sum()),
        "events_held": len(held),
        "upcoming_events": int((days > as_of).sum()),
        "avg_turnout": avg_turnout,
        "no_show_rate": no_show_rate,
    }


def members_card(numbers: dict) -> tuple[str, str, str]:
    """``summary``'s member count as (label, value, help): the same card on every page."""
    return ("Members", f"{numbers['members']:,}", "Members in this view (organisers and hosts left out when set).")


def active_card(numbers: dict) -> tuple[str, str, str]:
    """``summary``'s active count as (label, value, help): the same card on every page."""
    days = numbers["active_window_days"]
    return (
        f"Active, {plural(days, 'day')}",
        f"{numbers['active_last_90']:,}",
        f"Came to at least one event in the last {plural(days, 'day')} (organisers and hosts left out when set).",
    )


def summary_cards(numbers: dict) -> list[tuple[str, str, str]]:
    """``summary``'s numbers as (label, value, help) for a metric row; "–" when unknown."""
    turnout = numbers["avg_turnout"]
    rate = numbers["no_show_rate"]
    return [
        members_card(numbers),
        active_card(numbers),
        ("New this month", f"{numbers['new_this_month']:,}", "Joined in the as-of date's calendar month."),
        ("Events held", f"{numbers['events_held']:,}", "Events on or before the as-of date."),
        ("Average turnout", "–" if turnout is None else f"{turnout:.1f}",
         "People who came, per event with attendance recorded."),
        ("No-show rate", "–" if rate is None else f"{rate:.0%}",
         "No-shows among RSVPs; needs RSVP data (registered / no-show), from the log or Meetup totals."),
    ]


def profile_cards(metrics: pd.DataFrame, member_id: str) -> list[tuple[str, str]]:
    """A member's headline figures as (label, value) pairs; "–" for what isn't known."""
    row = metrics.loc[str(member_id)]

    def show(col: str, fmt: str) -> str:
        value = row[col]
        return "–" if pd.isna(value) else format(value, fmt)

    last = row["last_attended_on"]
    return [
        ("Segment", "–" if pd.isna(row["segment"]) else str(row["segment"])),
        ("Events attended", show("events_attended", ",")),
        ("Last came", "–" if pd.isna(last) else f"{last:%d %b %Y}"),
        ("Days since last", show("days_since_last", ",")),
        ("Engagement score", show("engagement_score", ".0f")),
    ]


def segment_mix_by_city(members_with_city_label: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """Members per (city, segment), long form: city, segment, members; busiest cities first."""
    members = members_with_city_label
    city = city_labels(members)
    seg = metrics["segment"].reindex(members["member_id"].astype("str")).to_numpy()
    frame = pd.DataFrame({"city": city.to_numpy(), "segment": pd.Categorical(seg, categories=list(SEGMENTS))})
    counts = frame.groupby(["city", "segment"], observed=True).size().rename("members").reset_index()
    totals = counts.groupby("city")["members"].transform("sum")
    counts = counts.assign(_total=totals).sort_values(["_total", "city", "segment"], ascending=[False, True, True])
    return counts.drop(columns="_total").reset_index(drop=True)


def score_breakdown(
    community: Community, member_id: str, as_of: pd.Timestamp, settings: Settings
) -> pd.DataFrame:
    """Each counted attendance and the points it adds to the score (newest first).

    ``points.sum()`` is the member's ``score_raw``; ``score_from_raw`` of it the score.
    """
    members = community.members
    row = members.loc[members["member_id"] == str(member_id)]
    weight = float(member_weights(row, settings)[0]) if len(row) else 1.0
    rows = attended_events(community, as_of)
    rows = rows.loc[rows["member_id"] == str(member_id)]
    days_ago = (pd.Timestamp(as_of).normalize() - rows["starts_at"].dt.normalize()).dt.days
    months_ago = days_ago / DAYS_PER_MONTH
    factor = np.power(settings.decay_per_month, months_ago.to_numpy(dtype=float))
    out = pd.DataFrame(
        {
            "event_id": rows["event_id"].to_numpy(),
            "title": rows["title"].to_numpy(),
            "date": rows["starts_at"].to_numpy(),
            "days_ago": days_ago.to_numpy(dtype=np.int64),
            "months_ago": months_ago.to_numpy(dtype=float),
            "weight": weight,
            "decay": factor,
            "points": weight * factor,
        }
    )
    return out.sort_values(["date", "event_id"], ascending=[False, True], ignore_index=True)
