"""A person's data duties: forget them everywhere (erasure), or gather everything about them
(a subject access request).

A person is named by email or member id. They are looked up in every kept snapshot (a
member id in the newest snapshot that has it, since generated ids move between exports):
their emails, member ids and, for rows with neither, their name where nobody else in that
snapshot has it. Erasure rewrites each snapshot's stored files without their rows
(``dashboard.ingest.erase``, so the rest loads as before), deletes their contact log
entries and introductions, leaves a record with only the number of rows erased, and
compacts the database so the old bytes are overwritten. The caller clears any caches.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from dashboard.ingest import Upload
from dashboard.ingest.erase import Person, rows_of, without
from dashboard.ingest.strings import fold
from dashboard.model import Community
from dashboard.people import ID_PREFIX, fold_email, person_keys
from dashboard.snapshots import counts, people
from dashboard.store import Snapshot, Store
from dashboard.store import schema as t
from dashboard.store.follow import FollowThrough


class ErasureError(ValueError):
    """The request names nobody usable (no email, no id); the message says so in one line."""


@dataclass(frozen=True)
class Wanted:
    """Who a request is about: the emails, member ids and names that are theirs."""

    emails: frozenset[str]
    member_ids: frozenset[str]
    names: frozenset[str]

    def keys(self) -> set[str]:
        """Their person keys, as the contact log and introductions store them."""
        return set(self.emails) | {ID_PREFIX + i for i in self.member_ids}


def _snapshots(store: Store) -> Iterator[tuple[Snapshot, Community | None]]:
    """Every kept snapshot, newest first, with its people (one in memory at a time)."""
    for info in store.snapshots():
        snap = store.snapshot(info.id)
        if snap is not None:
            yield snap, people(snap)


def _matches(members: pd.DataFrame, wanted: Wanted) -> pd.Series:
    """Members who are the wanted person: by email; without an email, by id and name together
    (a generated id alone may be someone else's in another export)."""
    email = fold(members["email"].astype(str))
    ids = members["member_id"].astype(str)
    by_email = (email != "") & email.isin(list(wanted.emails))
    by_id = (email == "") & ids.isin(list(wanted.member_ids))
    if wanted.names:
        by_id &= fold(members["name"].astype(str)).isin(list(wanted.names))
    return by_email | by_id


def find(store: Store, email: str = "", member_id: str = "") -> Wanted:
    """Who ``email`` or ``member_id`` is, across every snapshot (``ErasureError`` if neither is given)."""
    folded, member_id = fold_email(email), (member_id or "").strip()
    if not folded and not member_id:
        raise ErasureError("give an email (--email) or a member id (--member-id)")
    emails, ids, names = {folded} - {""}, {member_id} - {""}, set()
    if member_id and not folded:  # the newest snapshot that has the id says who it is
        for _snap, com in _snapshots(store):
            if com is not None and member_id in set(com.members["member_id"].astype(str)):
                row = com.members[com.members["member_id"].astype(str) == member_id].iloc[0]
                emails |= {fold_email(str(row["email"]))} - {""}
                names |= {str(fold(pd.Series([str(row["name"])], dtype="str")).iloc[0])} - {""}
                break
    return Wanted(frozenset(emails), frozenset(ids), frozenset(names))


def _person_in(com: Community | None, wanted: Wanted) -> tuple[Person, set[str]]:
    """How the wanted person shows in one snapshot's files, and their person keys there."""
    if com is None:
        return Person(wanted.emails, wanted.member_ids, frozenset()), set()
    members = com.members
    mine = members[_matches(members, wanted).to_numpy()]
    names = fold(mine["name"].astype(str))
    everyone = fold(members["name"].astype(str)).value_counts()
    unique = {n for n, k in names.value_counts().items() if n and int(everyone.get(n, 0)) == int(k)}
    emails = set(wanted.emails) | (set(fold(mine["email"].astype(str))) - {""})
    ids = set(mine["member_id"].astype(str)) | set(wanted.member_ids)
    return Person(frozenset(emails), frozenset(ids), frozenset(unique)), set(person_keys(mine))


@dataclass(frozen=True)
class Erased:
    """What an erasure removed: how many rows, and from where (never whose)."""

    rows: int
    detail: dict[str, int]


def forget(store: Store, email: str = "", member_id: str = "", now: datetime | None = None) -> Erased:
    """Erase a person from every snapshot's files, the contact log and the introductions."""
    wanted = find(store, email, member_id)
    keys = wanted.keys()
    file_rows, emptied = 0, 0
    for snap, com in _snapshots(store):  # one snapshot in memory at a time, as in subject_access
        person, theirs = _person_in(com, wanted)
        keys |= theirs
        changed: dict[str, Upload] = {}
        for kind, upload in snap.uploads.items():
            rewritten, n = without(upload, kind, person)
            if rewritten != upload:
                changed[kind], file_rows = rewritten, file_rows + n
        if changed:
            emptied += _replace(store, snap, changed)
    with store._tx(write=True) as conn:  # the store's one way to open a transaction
        detail = {"snapshot_file_rows": file_rows, **FollowThrough.forget(conn, keys)}
        rows = FollowThrough.record_erasure(conn, detail, now or datetime.now(UTC))
    store.compact(("snapshot_files", "snapshots", t.contacts.name, t.introductions.name))
    return Erased(rows, {**detail, "snapshots_emptied": emptied})


def _replace(store: Store, snap: Snapshot, changed: dict[str, Upload]) -> int:
    """Keep the rewritten files (1 when nothing usable was left and the snapshot went instead)."""
    rebuilt = people(Snapshot(snap.info, {**snap.uploads, **changed}, snap.place_fixes))
    if rebuilt is None:
        store.delete(snap.id)
        return 1
    store.replace_files(snap.id, changed, counts(rebuilt))
    return 0


def subject_access(store: Store, email: str = "", member_id: str = "") -> dict[str, object]:
    """Everything the workspace holds about a person, as one JSON-ready document."""
    wanted = find(store, email, member_id)
    keys = wanted.keys()
    kept = []
    for snap, com in _snapshots(store):
        person, theirs = _person_in(com, wanted)
        keys |= theirs
        files = {kind: {"file": up.name, "rows": rows_of(up, kind, person)} for kind, up in snap.uploads.items()}
        files = {k: v for k, v in files.items() if v["rows"]}
        if files:
            kept.append({"snapshot": snap.id, "kept_at": snap.info.created_at.isoformat(timespec="seconds"),
                         "files": files})
    log, intros = FollowThrough(store).about(keys)
    return {
        "email": fold_email(email), "member_id": (member_id or "").strip(),
        "snapshots": kept, "contact_log": _records(log), "introductions": _records(intros),
    }


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Rows as JSON-ready dicts (dates as YYYY-MM-DD text, missing as null)."""
    out = frame.astype(object).where(frame.notna(), None)
    return [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
            for row in out.to_dict(orient="records")]
