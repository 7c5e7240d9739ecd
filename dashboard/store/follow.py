"""The contact log, introductions and erasure records in the workspace database.

The rules live in the core (``dashboard.contacts``, ``dashboard.introductions.lifecycle``,
``dashboard.erasure``); this module only reads and writes their facts. Every method opens
and closes its own transaction through the store (as ``Users`` does). A person is their
``person_key`` (``dashboard.people``): nothing here stores a name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime

import pandas as pd
from sqlalchemy import Connection, delete, func, insert, or_, select, update

from dashboard.contacts import LOG_COLUMNS, Contact, checked, empty_log, retention_cutoff
from dashboard.introductions.lifecycle import (
    APPROVED,
    DECLINED,
    INTRO_COLUMNS,
    INTRODUCED,
    MET,
    Pair,
    empty_introductions,
)
from dashboard.store import schema as t
from dashboard.store.workspace import Store


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _frame(rows: list, columns: tuple[str, ...], empty: pd.DataFrame) -> pd.DataFrame:
    if not rows:
        return empty
    return pd.DataFrame([tuple(r) for r in rows], columns=list(columns))


class FollowThrough:
    """The workspace's contact log, introductions and erasure records: ``FollowThrough(store)``."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def _tx(self, write: bool = False):
        return self._store._tx(write=write)  # the store's one way to open a transaction

    # --- the contact log ---------------------------------------------------------------------

    def log_contact(self, contact: Contact, logged_by: str = "", now: datetime | None = None) -> int:
        """Add one entry (``ContactError`` when it can't be); returns its id."""
        c = checked(contact)
        with self._tx(write=True) as conn:
            return int(conn.execute(insert(t.contacts).values(
                person_key=c.person_key, member_id=c.member_id, contacted_on=c.on, channel=c.channel,
                outcome=c.outcome, note=c.note, follow_up_on=c.follow_up_on, logged_by=(logged_by or "")[:320],
                logged_at=_now(now),
            )).inserted_primary_key[0])

    def contacts(self, keys: Iterable[str] | None = None) -> pd.DataFrame:
        """Every entry (or those about ``keys``), in the order they were logged (``LOG_COLUMNS``)."""
        query = select(*(t.contacts.c[name] for name in LOG_COLUMNS)).order_by(t.contacts.c.id)
        if keys is not None:
            query = query.where(t.contacts.c.person_key.in_(list(keys)))
        with self._tx() as conn:
            rows = conn.execute(query).all()
        return _frame(rows, LOG_COLUMNS, empty_log())

    def delete_contact(self, entry_id: int) -> bool:
        """Delete one entry (a mistake, or a do-not-contact that no longer holds); False if it wasn't there."""
        with self._tx(write=True) as conn:
            return bool(conn.execute(delete(t.contacts).where(t.contacts.c.id == int(entry_id))).rowcount)

    def apply_retention(self, today: date, months: int) -> int:
        """Delete the entries dated more than ``months`` months before ``today``; how many went."""
        cutoff = retention_cutoff(today, months)
        with self._tx(write=True) as conn:
            return int(conn.execute(delete(t.contacts).where(t.contacts.c.contacted_on < cutoff)).rowcount or 0)

    # --- introductions -----------------------------------------------------------------------

    def introductions(self) -> pd.DataFrame:
        """Every decided pair (``INTRO_COLUMNS``), in the order they were first decided."""
        query = select(*(t.introductions.c[name] for name in INTRO_COLUMNS)).order_by(t.introductions.c.id)
        with self._tx() as conn:
            rows = conn.execute(query).all()
        return _frame(rows, INTRO_COLUMNS, empty_introductions())

    @staticmethod
    def _existing(conn: Connection, pair: Pair):
        c = t.introductions.c
        return conn.execute(select(t.introductions).where(
            c.person_key == pair.person_key, c.buddy_key == pair.buddy_key)).first()

    def _upsert(self, conn: Connection, pair: Pair, values: Mapping[str, object], now: datetime, by: str) -> None:
        row = self._existing(conn, pair)
        if row is None:
            conn.execute(insert(t.introductions).values(**{
                "person_key": pair.person_key, "member_id": pair.member_id, "buddy_key": pair.buddy_key,
                "buddy_id": pair.buddy_id, "decided_at": now, "logged_by": by[:320], **values}))
        else:
            conn.execute(update(t.introductions).where(t.introductions.c.id == row.id).values(
                member_id=pair.member_id or row.member_id, buddy_id=pair.buddy_id or row.buddy_id, **values))

    def decide(self, decisions: Mapping[Pair, str], logged_by: str = "", now: datetime | None = None) -> None:
        """Keep the organiser's decision on each pair: ``approve``, ``decline`` or ``undecided``
        (forgets an approval or a decline). A pair already introduced keeps its history."""
        when = _now(now)
        with self._tx(write=True) as conn:
            for pair, decision in decisions.items():
                row = self._existing(conn, pair)
                if row is not None and row.status in (INTRODUCED, MET):
                    continue
                if decision == "undecided":
                    if row is not None:
                        conn.execute(delete(t.introductions).where(t.introductions.c.id == row.id))
                elif decision in ("approve", "decline"):
                    status = APPROVED if decision == "approve" else DECLINED
                    if row is None or row.status != status:
                        self._upsert(conn, pair, {"status": status, "decided_at": when}, when, logged_by)
                else:
                    raise ValueError(f"decision {decision!r} is not approve, decline or undecided")

    def introduce(self, pair: Pair, on: date, logged_by: str = "", now: datetime | None = None) -> None:
        """The two were introduced on ``on`` (approving the pair if it wasn't); a meeting after that
        day, found in the data, makes it ``met`` (``record_met``)."""
        when = _now(now)
        with self._tx(write=True) as conn:
            self._upsert(conn, pair, {"status": INTRODUCED, "introduced_on": on, "met_on": None}, when, logged_by)

    def record_met(self, met: Mapping[int, date]) -> int:
        """Mark introductions (by id) ``met`` on the given dates; how many changed."""
        changed = 0
        with self._tx(write=True) as conn:
            for intro_id, on in met.items():
                changed += conn.execute(update(t.introductions).where(
                    t.introductions.c.id == int(intro_id), t.introductions.c.status == INTRODUCED,
                ).values(status=MET, met_on=on)).rowcount or 0
        return int(changed)

    # --- a person's facts, for access requests and erasure -------------------------------------

    def about(self, keys: Iterable[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The contact log entries and introductions (either side) about any of a person's keys."""
        keys = list(keys)
        c, i = t.contacts.c, t.introductions.c
        with self._tx() as conn:
            log = conn.execute(select(*(c[n] for n in LOG_COLUMNS)).where(c.person_key.in_(keys)).order_by(c.id)).all()
            intros = conn.execute(select(*(i[n] for n in INTRO_COLUMNS)).where(
                or_(i.person_key.in_(keys), i.buddy_key.in_(keys))).order_by(i.id)).all()
        return _frame(log, LOG_COLUMNS, empty_log()), _frame(intros, INTRO_COLUMNS, empty_introductions())

    @staticmethod
    def forget(conn: Connection, keys: Iterable[str]) -> dict[str, int]:
        """Delete a person's contact log entries and introductions (either side) inside the caller's
        transaction. By key only: a generated member id may be someone else's in another export."""
        keys = list(keys)
        c, i = t.contacts.c, t.introductions.c
        log = conn.execute(delete(t.contacts).where(c.person_key.in_(keys))).rowcount
        intros = conn.execute(delete(t.introductions).where(
            or_(i.person_key.in_(keys), i.buddy_key.in_(keys)))).rowcount
        return {"contact_log": int(log or 0), "introductions": int(intros or 0)}

    @staticmethod
    def record_erasure(conn: Connection, counts: Mapping[str, int], now: datetime | None = None) -> int:
        """Leave a record that an erasure happened: when and how many rows, never whose."""
        rows = int(sum(counts.values()))
        conn.execute(insert(t.erasures).values(at=_now(now), rows=rows, detail=dict(counts)))
        return rows

    def last_erasure(self) -> int:
        """The newest erasure record's id (0 when there is none): sessions holding a snapshot's
        files reload them when it changes."""
        with self._tx() as conn:
            return int(conn.execute(select(func.max(t.erasures.c.id))).scalar() or 0)

    def erasures(self) -> list[tuple[datetime, int, dict]]:
        """Every erasure record, newest first: (when, rows erased, rows per place)."""
        with self._tx() as conn:
            rows = conn.execute(select(t.erasures).order_by(t.erasures.c.id.desc())).all()
        return [(r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC), int(r.rows), dict(r.detail)) for r in rows]


def open_workspace(url: str | None, today: date) -> tuple[Store, int]:
    """Open the workspace (``Store.open``) and apply its retention: contact log entries older than
    the ``retention_months`` setting are deleted. Returns the store and how many entries went."""
    store = Store.open(url)
    try:
        return store, FollowThrough(store).apply_retention(today, store.settings().retention_months)
    except BaseException:
        store.close()
        raise
