"""Introductions with a life: approved or declined, then introduced on a day, then ``met`` when a
later snapshot shows the two at the same event after that day.

Pure: the decided pairs come in as a frame (``INTRO_COLUMNS``, as ``dashboard.store.follow``
reads it) and are matched to a community's members by person key (``dashboard.people``),
so a re-exported sheet whose generated ids moved still finds both people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from dashboard.days import day_text
from dashboard.model import Community
from dashboard.people import member_ids_for

APPROVED, DECLINED, INTRODUCED, MET = "approved", "declined", "introduced", "met"
#: every status a decided pair can have, in the order of its life
STATUSES: tuple[str, ...] = (APPROVED, DECLINED, INTRODUCED, MET)
INTRO_COLUMNS: tuple[str, ...] = ("id", "person_key", "member_id", "buddy_key", "buddy_id", "status", "decided_at",
                                  "introduced_on", "met_on", "logged_by")
#: the report's introductions.csv
REPORT_COLUMNS: tuple[str, ...] = ("member_id", "buddy_id", "introduced_on", "met_on", "status")
#: what the review table shows for a kept status
_DECISION_OF = {APPROVED: "approve", DECLINED: "decline", INTRODUCED: "approve", MET: "approve"}


@dataclass(frozen=True)
class Pair:
    """A suggested pair as the workspace keeps it: both people's keys and the ids they had."""

    person_key: str
    member_id: str
    buddy_key: str
    buddy_id: str


def empty_introductions() -> pd.DataFrame:
    """No decided pairs."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in INTRO_COLUMNS}).astype({"id": "int64"})


def pairs_for(frame: pd.DataFrame, keys: pd.Series) -> list[Pair]:
    """The ``Pair`` of each row of a frame with ``member_id`` and ``buddy_id`` columns (``keys``:
    member_id -> person key, ``person_keys`` of the members by id)."""
    key_of = keys.to_dict()
    out = []
    for mid, bid in zip(frame["member_id"].astype(str), frame["buddy_id"].astype(str), strict=True):
        out.append(Pair(key_of.get(mid, f"id:{mid}"), mid, key_of.get(bid, f"id:{bid}"), bid))
    return out


def resolved(intros: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """The decided pairs with ``now_member`` and ``now_buddy``: each side's id in ``members``
    ("" when they are not there). The functions below take this frame."""
    if "now_member" in intros:
        return intros
    if intros.empty:
        return intros.assign(now_member=pd.Series(dtype=str), now_buddy=pd.Series(dtype=str))
    return intros.assign(
        now_member=member_ids_for(intros["person_key"], intros["member_id"], members).to_numpy(),
        now_buddy=member_ids_for(intros["buddy_key"], intros["buddy_id"], members).to_numpy(),
    )


def decisions_of(r: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(member_id, buddy_id) -> the review table's decision for every pair decided in the workspace
    (``r``: ``resolved`` pairs)."""
    r = r[(r["now_member"] != "") & (r["now_buddy"] != "")]
    return {(m, b): _DECISION_OF.get(s, "undecided")
            for m, b, s in zip(r["now_member"], r["now_buddy"], r["status"], strict=True)}


def declined_pairs(r: pd.DataFrame) -> frozenset[tuple[str, str]]:
    """Pairs (member_id, buddy_id) the organiser declined: never suggested again (``r``: ``resolved``)."""
    return frozenset(pair for pair, d in decisions_of(r).items() if d == "decline")


def attended_days(community: Community) -> pd.DataFrame:
    """(member_id, day) of every attended event with a date."""
    att = community.attendance
    att = att[att["status"].astype(str) == "attended"]
    starts = community.events.drop_duplicates("event_id").set_index("event_id")["starts_at"]
    day = pd.to_datetime(att["event_id"].map(starts)).dt.normalize()
    out = pd.DataFrame({"member_id": att["member_id"].astype(str).to_numpy(), "day": day.to_numpy()})
    return out.dropna(subset=["day"])


def met_dates(intros: pd.DataFrame, community: Community) -> dict[int, date]:
    """Introduced pairs (by id) that ``community`` shows at the same event after the day they
    were introduced, with the day of the first such event."""
    r = resolved(intros, community.members)
    todo = r[(r["status"] == INTRODUCED) & r["introduced_on"].notna() & (r["now_member"] != "") & (r["now_buddy"] != "")]
    if todo.empty:
        return {}
    seen = attended_days(community)
    people = set(todo["now_member"]) | set(todo["now_buddy"])
    days = seen[seen["member_id"].isin(people)].groupby("member_id")["day"].apply(lambda d: set(d.tolist()))
    found: dict[int, date] = {}
    for row in todo.itertuples():
        since = pd.Timestamp(row.introduced_on)
        shared = days.get(row.now_member, set()) & days.get(row.now_buddy, set())
        after = sorted(d for d in shared if d > since)
        if after:
            found[int(row.id)] = after[0].date()
    return found


def with_met(intros: pd.DataFrame, met: dict[int, date]) -> pd.DataFrame:
    """The pairs with the meetings ``met_dates`` found applied (what the store keeps next)."""
    if not met:
        return intros
    hit = intros["id"].astype(int).isin(list(met))
    out = intros.copy()
    out.loc[hit, "status"] = MET
    out.loc[hit, "met_on"] = intros.loc[hit, "id"].astype(int).map(met)
    return out


def counts(intros: pd.DataFrame) -> dict[str, int]:
    """How many pairs are approved (not yet introduced), declined, introduced (met or not) and met."""
    status = intros["status"].astype(str) if "status" in intros else pd.Series(dtype=str)
    return {
        APPROVED: int((status == APPROVED).sum()),
        DECLINED: int((status == DECLINED).sum()),
        INTRODUCED: int(status.isin([INTRODUCED, MET]).sum()),
        MET: int((status == MET).sum()),
    }


def table(r: pd.DataFrame, members: pd.DataFrame, statuses: tuple[str, ...] = STATUSES) -> pd.DataFrame:
    """The ``resolved`` pairs with the given statuses as the page and the report list them: both ids
    (as in ``members``, else as kept), both names ("" for someone no longer there), the days."""
    r = r[r["status"].isin(list(statuses))]
    names = dict(zip(members["member_id"].astype(str), members["name"].fillna("").astype(str), strict=False))
    member = r["now_member"].where(r["now_member"] != "", r["member_id"]).astype(str)
    buddy = r["now_buddy"].where(r["now_buddy"] != "", r["buddy_id"]).astype(str)
    return pd.DataFrame({
        "member_id": member.to_numpy(),
        "name": r["now_member"].map(names).fillna("").to_numpy(dtype=object),
        "buddy_id": buddy.to_numpy(),
        "buddy_name": r["now_buddy"].map(names).fillna("").to_numpy(dtype=object),
        "introduced_on": day_text(r["introduced_on"]),
        "met_on": day_text(r["met_on"]),
        "status": r["status"].astype(str).to_numpy(),
    })
