"""The contact log's rules: what an entry may say, each person's last contact, who must never
be contacted, whose follow-up is due and who was reached too recently to list again.

Pure: the log comes in as a frame (``LOG_COLUMNS``, as ``dashboard.store.follow`` reads it)
and ``today`` is passed in. Entries are about a person's key (``dashboard.people``), so a
later snapshot still finds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from dashboard.days import day_text
from dashboard.people import member_ids_for

#: what came of a contact; "declined" is an outcome in its own right (social prescribing keeps it)
OUTCOMES: tuple[str, ...] = ("reached", "no_answer", "declined", "do_not_contact")
OUTCOME_LABELS: dict[str, str] = {
    "reached": "Reached", "no_answer": "No answer", "declined": "Declined", "do_not_contact": "Do not contact",
}
DO_NOT_CONTACT = "do_not_contact"
#: outcomes that take someone off the check-in list for ``recent_contact_days``
RESTING_OUTCOMES: tuple[str, ...] = ("reached", "declined")
CHANNELS: tuple[str, ...] = ("call", "message", "email", "in_person")
CHANNEL_LABELS: dict[str, str] = {"call": "Call", "message": "Message", "email": "Email", "in_person": "In person"}
NOTE_MAX_CHARS = 500
LOG_COLUMNS: tuple[str, ...] = ("id", "person_key", "member_id", "contacted_on", "channel", "outcome", "note",
                                "follow_up_on", "logged_by", "logged_at")
#: each person's last contact, as the check-in list and the report show it
LAST_COLUMNS: tuple[str, ...] = ("last_contacted_on", "last_outcome", "follow_up_on", "do_not_contact")


class ContactError(ValueError):
    """A contact that can't be logged; the message says why in one line."""


@dataclass(frozen=True)
class Contact:
    """One contact to log: who (their key and member id), when, how, what came of it."""

    person_key: str
    member_id: str
    on: date
    outcome: str
    channel: str = "call"
    note: str = ""
    follow_up_on: date | None = None


def checked(contact: Contact) -> Contact:
    """The contact with its note trimmed, or ``ContactError`` saying what is wrong with it."""
    if not contact.person_key:
        raise ContactError("say who was contacted (an email or a member id)")
    if contact.outcome not in OUTCOMES:
        raise ContactError(f"outcome {contact.outcome!r} is not one of {', '.join(OUTCOMES)}")
    if contact.channel not in CHANNELS:
        raise ContactError(f"channel {contact.channel!r} is not one of {', '.join(CHANNELS)}")
    note = (contact.note or "").strip()
    if len(note) > NOTE_MAX_CHARS:
        raise ContactError(f"the note is {len(note)} characters long; keep it to {NOTE_MAX_CHARS}")
    if contact.follow_up_on is not None and contact.follow_up_on < contact.on:
        raise ContactError(f"the follow-up date {contact.follow_up_on} is before the contact ({contact.on})")
    if contact.outcome == DO_NOT_CONTACT and contact.follow_up_on is not None:
        raise ContactError("someone who asked not to be contacted gets no follow-up")
    return Contact(contact.person_key, str(contact.member_id or ""), contact.on, contact.outcome, contact.channel,
                   note, contact.follow_up_on)


def empty_log() -> pd.DataFrame:
    """A contact log with no entries."""
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in LOG_COLUMNS})
    return frame.astype({"id": "int64"})


def _days(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce").astype("datetime64[ns]")


def resolved(log: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """The log's entries about people in ``members``, each with the ``member_id`` they have there,
    oldest first (by date, then the order they were logged)."""
    if log.empty or members.empty:
        return log.iloc[:0].assign(contacted_on=_days(log["contacted_on"]), follow_up_on=_days(log["follow_up_on"]))
    out = log.assign(
        member_id=member_ids_for(log["person_key"], log["member_id"], members).to_numpy(),
        contacted_on=_days(log["contacted_on"]), follow_up_on=_days(log["follow_up_on"]),
    )
    out = out[out["member_id"] != ""]
    return out.sort_values(["contacted_on", "id"], kind="stable").reset_index(drop=True)


def last_contacts(log: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Per member with any entry (indexed by ``member_id``): the date and outcome of their last
    contact, the follow-up that contact set (a later contact replaces it), and whether any
    entry says ``do_not_contact`` (it never lapses: delete that entry to undo it)."""
    entries = resolved(log, members)
    if entries.empty:
        frame = pd.DataFrame({"last_contacted_on": pd.Series(dtype="datetime64[ns]"),
                              "last_outcome": pd.Series(dtype=object),
                              "follow_up_on": pd.Series(dtype="datetime64[ns]"),
                              "do_not_contact": pd.Series(dtype=bool)})
        return frame.rename_axis("member_id")
    last = entries.groupby("member_id", sort=True).tail(1).set_index("member_id")
    never = entries["outcome"].eq(DO_NOT_CONTACT).groupby(entries["member_id"]).any()
    out = pd.DataFrame({
        "last_contacted_on": last["contacted_on"],
        "last_outcome": last["outcome"].astype(object),
        "follow_up_on": last["follow_up_on"],
        "do_not_contact": never.reindex(last.index).fillna(False).astype(bool),
    })
    return out.sort_index()


@dataclass(frozen=True)
class FollowUps:
    """What the contact log means for the check-in list on ``today``."""

    last: pd.DataFrame = field(default_factory=lambda: last_contacts(empty_log(), pd.DataFrame()))
    today: pd.Timestamp = field(default_factory=lambda: pd.Timestamp(0))
    recent_days: int = 0

    @classmethod
    def of(cls, log: pd.DataFrame, members: pd.DataFrame, today: date | pd.Timestamp, recent_days: int) -> FollowUps:
        """From the whole log and the members it is matched to."""
        return cls(last_contacts(log, members), pd.Timestamp(today).normalize(), int(recent_days))

    def do_not_contact(self) -> set[str]:
        """Member ids never to list, suggest or pair again."""
        return set(self.last.index[self.last["do_not_contact"].to_numpy(bool)].astype(str))

    def due(self) -> set[str]:
        """Member ids whose follow-up date has come (and who may be contacted)."""
        due = self.last["follow_up_on"].notna() & (self.last["follow_up_on"] <= self.today)
        return set(self.last.index[(due & ~self.last["do_not_contact"]).to_numpy(bool)].astype(str))

    def resting(self) -> set[str]:
        """Member ids reached (or who declined) fewer than ``recent_days`` days ago, follow-up not due."""
        recent = self.last["last_contacted_on"] > self.today - pd.Timedelta(days=self.recent_days)  # < days ago
        resting = recent & self.last["last_outcome"].isin(RESTING_OUTCOMES)
        return set(self.last.index[resting.to_numpy(bool)].astype(str)) - self.due()

    def columns(self, ids: pd.Index) -> pd.DataFrame:
        """``LAST_COLUMNS`` plus ``follow_up_due`` for the given member ids (blank for no contact)."""
        ids = pd.Index(ids).astype(str)
        last = self.last.reindex(ids)
        due = ids.isin(list(self.due()))
        return pd.DataFrame({
            "last_contacted_on": day_text(last["last_contacted_on"]),
            "last_outcome": last["last_outcome"].fillna("").astype(str).to_numpy(),
            "follow_up_on": day_text(last["follow_up_on"]),
            "follow_up_due": due,
            "do_not_contact": last["do_not_contact"].fillna(False).astype(bool).to_numpy(),
        }, index=ids)


def history(entries: pd.DataFrame, member_id: str) -> pd.DataFrame:
    """One member's entries (of ``resolved``'s), newest first, as a person's panel shows them."""
    mine = entries[entries["member_id"].astype(str) == str(member_id)].iloc[::-1]
    return pd.DataFrame({
        "id": mine["id"].astype("int64").to_numpy(),
        "on": day_text(mine["contacted_on"]),
        "channel": mine["channel"].map(CHANNEL_LABELS).fillna(mine["channel"]).astype(str).to_numpy(),
        "outcome": mine["outcome"].map(OUTCOME_LABELS).fillna(mine["outcome"]).astype(str).to_numpy(),
        "note": mine["note"].fillna("").astype(str).to_numpy(),
        "follow_up_on": day_text(mine["follow_up_on"]),
        "logged_by": mine["logged_by"].fillna("").astype(str).to_numpy(),
    })


def retention_cutoff(today: date | pd.Timestamp, months: int) -> date:
    """Entries dated before this day are older than ``months`` months and are deleted."""
    return (pd.Timestamp(today).normalize() - pd.DateOffset(months=int(months))).date()
