"""The workspace: snapshots of the organiser's uploads and choices, and their settings.

Every method opens a connection and a transaction and closes both before it returns;
nothing holds a connection between calls, so a page, the command line and a second
server process can share one database. A snapshot is written in one transaction: a
process killed while keeping one leaves the workspace as it was before.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.engine import URL

from dashboard.ingest import Upload
from dashboard.settings import RiskWeights, Settings
from dashboard.store import engine as eng
from dashboard.store import schema as t

KINDS = ("members", "events", "attendance")
#: a test hook: seconds to wait inside the snapshot's transaction, after its rows are written
#: and before they are committed (the kill-a-writer test kills the process during that wait)
HOLD_ENV_VAR = "NEIGHBOURLY_TEST_HOLD_SNAPSHOT"


@dataclass(frozen=True)
class SnapshotInfo:
    """One kept snapshot, as listed (no file bytes)."""

    id: int
    created_at: datetime  # UTC
    country: str
    files: tuple[tuple[str, str], ...]  # (kind, file name)
    members: int
    events: int
    attendance_rows: int


@dataclass(frozen=True)
class Snapshot:
    """Everything needed to rebuild a community: the uploads, their choices, place fixes, country."""

    info: SnapshotInfo
    uploads: dict[str, Upload]
    place_fixes: dict[str, str]  # the organiser's city text -> the place they chose

    @property
    def id(self) -> int:
        return self.info.id

    @property
    def country(self) -> str:
        return self.info.country


@dataclass(frozen=True)
class Counts:
    """What a kept snapshot contains, as the load path counted it."""

    members: int = 0
    events: int = 0
    attendance_rows: int = 0


class Store:
    """The workspace database. ``Store.open()`` finds, creates and migrates it."""

    def __init__(self, engine: Engine, url: URL) -> None:
        self._engine = engine
        self._url = url

    @classmethod
    def open(cls, url: str | None = None, revision: str = "head") -> Store:
        """Open (creating and upgrading as needed) the workspace at ``url`` / ``$NEIGHBOURLY_DB`` / default."""
        parsed = eng.resolve_url(url)
        engine = eng.create(parsed)
        try:
            eng.upgrade(engine, parsed, revision)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, parsed)

    def close(self) -> None:
        """Release pooled connections."""
        self._engine.dispose()

    @property
    def url(self) -> str:
        """Where the data is kept, printable (no password)."""
        return eng.shown(self._url)

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None on a database server."""
        return eng.sqlite_path(self._url)

    def _tx(self, write: bool = False):
        return eng.transaction(self._engine, self._url, write=write)

    # --- snapshots ---------------------------------------------------------------------------

    def keep(self, uploads: Mapping[str, Upload | None], place_fixes: Mapping[str, str], country: str,
             counts: Counts, now: datetime | None = None) -> SnapshotInfo:
        """Keep the uploads and choices as a new snapshot; returns it as listed."""
        files = {kind: up for kind, up in uploads.items() if up is not None}
        unknown = set(files) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown upload kinds {sorted(unknown)}; expected {KINDS}")
        created = (now or datetime.now(UTC)).astimezone(UTC)
        with self._tx(write=True) as conn:
            snapshot_id = conn.execute(insert(t.snapshots).values(
                created_at=created, country=country or "", members=counts.members, events=counts.events,
                attendance_rows=counts.attendance_rows,
            )).inserted_primary_key[0]
            for kind in KINDS:
                if kind in files:
                    up = files[kind]
                    conn.execute(insert(t.snapshot_files).values(
                        snapshot_id=snapshot_id, kind=kind, name=up.name, data=bytes(up.data), sheet=up.sheet,
                        overrides=dict(up.overrides), date_orders=dict(up.date_orders),
                        sha256=hashlib.sha256(up.data).hexdigest(),
                    ))
            if place_fixes:
                conn.execute(insert(t.place_fixes), [
                    {"snapshot_id": snapshot_id, "city_text": k, "query": v} for k, v in place_fixes.items()
                ])
            _hold_for_tests()
        return SnapshotInfo(int(snapshot_id), created, country or "",
                            tuple((k, files[k].name) for k in KINDS if k in files),
                            counts.members, counts.events, counts.attendance_rows)

    def snapshots(self) -> list[SnapshotInfo]:
        """Every snapshot, newest first."""
        with self._tx() as conn:
            rows = conn.execute(select(t.snapshots).order_by(t.snapshots.c.id.desc())).all()
            names = conn.execute(
                select(t.snapshot_files.c.snapshot_id, t.snapshot_files.c.kind, t.snapshot_files.c.name)
            ).all()
        files: dict[int, list[tuple[str, str]]] = {}
        for sid, kind, name in names:
            files.setdefault(sid, []).append((kind, name))
        return [_info(r, files.get(r.id, [])) for r in rows]

    def latest_id(self) -> int | None:
        """The newest snapshot's id (None when the workspace is empty)."""
        with self._tx() as conn:
            return conn.execute(select(func.max(t.snapshots.c.id))).scalar()

    def snapshot(self, snapshot_id: int) -> Snapshot | None:
        """One snapshot with its files' bytes (None if there is no such snapshot)."""
        with self._tx() as conn:
            row = conn.execute(select(t.snapshots).where(t.snapshots.c.id == snapshot_id)).first()
            if row is None:
                return None
            file_rows = conn.execute(
                select(t.snapshot_files).where(t.snapshot_files.c.snapshot_id == snapshot_id)
            ).all()
            fixes = _place_fixes(conn, snapshot_id)
        order = {k: i for i, k in enumerate(KINDS)}
        file_rows = sorted(file_rows, key=lambda f: order.get(f.kind, 99))
        uploads = {
            f.kind: Upload(f.name, bytes(f.data), f.sheet, dict(f.overrides or {}), dict(f.date_orders or {}))
            for f in file_rows
        }
        info = _info(row, [(f.kind, f.name) for f in file_rows])
        return Snapshot(info, uploads, fixes)

    def latest(self) -> Snapshot | None:
        """The newest snapshot (None when the workspace is empty)."""
        latest = self.latest_id()
        return None if latest is None else self.snapshot(latest)

    def previous_id(self, snapshot_id: int) -> int | None:
        """The snapshot kept just before ``snapshot_id`` (None if it is the first)."""
        with self._tx() as conn:
            return conn.execute(
                select(func.max(t.snapshots.c.id)).where(t.snapshots.c.id < snapshot_id)
            ).scalar()

    def place_fixes(self, snapshot_id: int) -> dict[str, str] | None:
        """One snapshot's place fixes (city text -> the place chosen); None if there is no such snapshot."""
        with self._tx() as conn:
            if conn.execute(select(t.snapshots.c.id).where(t.snapshots.c.id == snapshot_id)).first() is None:
                return None
            return _place_fixes(conn, snapshot_id)

    def fix_place(self, snapshot_id: int, city_text: str, query: str) -> bool:
        """Add or change one place fix of a kept snapshot (a correction of where a place is, not
        of the data: the snapshot's files stay as kept); False if there is no such snapshot."""
        with self._tx(write=True) as conn:
            if conn.execute(select(t.snapshots.c.id).where(t.snapshots.c.id == snapshot_id)).first() is None:
                return False
            conn.execute(delete(t.place_fixes).where(
                (t.place_fixes.c.snapshot_id == snapshot_id) & (t.place_fixes.c.city_text == city_text)))
            conn.execute(insert(t.place_fixes).values(snapshot_id=snapshot_id, city_text=city_text, query=query))
        return True

    def delete(self, snapshot_id: int) -> bool:
        """Delete one snapshot with its files and place fixes; False if it wasn't there."""
        with self._tx(write=True) as conn:
            for table in (t.place_fixes, t.snapshot_files):
                conn.execute(delete(table).where(table.c.snapshot_id == snapshot_id))
            gone = conn.execute(delete(t.snapshots).where(t.snapshots.c.id == snapshot_id)).rowcount
        return bool(gone)

    def replace_files(self, snapshot_id: int, uploads: Mapping[str, Upload], counts: Counts) -> None:
        """Put rewritten files (same kinds, choices kept) in place of a snapshot's, with new counts
        (erasing a person); the old bytes are overwritten on disk by ``compact``."""
        with self._tx(write=True) as conn:
            for kind, up in uploads.items():
                conn.execute(update(t.snapshot_files).where(
                    t.snapshot_files.c.snapshot_id == snapshot_id, t.snapshot_files.c.kind == kind,
                ).values(name=up.name, data=bytes(up.data), sheet=up.sheet, overrides=dict(up.overrides),
                         date_orders=dict(up.date_orders), sha256=hashlib.sha256(up.data).hexdigest()))
            conn.execute(update(t.snapshots).where(t.snapshots.c.id == snapshot_id).values(
                members=counts.members, events=counts.events, attendance_rows=counts.attendance_rows))

    def erase(self) -> None:
        """Erase the whole workspace: every snapshot, place fix, setting, contact, introduction
        and erasure record (users and the audit log stay).

        SQLite also gets a VACUUM so none of it lingers in the file's free pages.
        """
        tables = (t.place_fixes, t.snapshot_files, t.snapshots, t.settings, t.contacts, t.introductions, t.erasures)
        with self._tx(write=True) as conn:
            for table in tables:
                conn.execute(delete(table))
        self.compact(tuple(table.name for table in tables))

    def compact(self, tables: tuple[str, ...] = ()) -> None:
        """Overwrite what deleted rows left behind: SQLite rebuilds the file (VACUUM) and empties
        its write-ahead log; PostgreSQL rewrites ``tables`` (VACUUM FULL: dead rows are not
        just marked reusable, the old table files are dropped)."""
        raw = self._engine.raw_connection()  # outside any transaction: VACUUM can't run inside one
        try:
            driver = raw.driver_connection
            assert driver is not None  # a checked-out raw connection always has its driver's
            if self.path is not None:
                driver.execute("VACUUM")
                driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            elif tables and self._url.get_backend_name() == "postgresql":
                raw.commit()  # end the transaction psycopg opened, then run outside one
                driver.autocommit = True
                try:
                    for name in tables:
                        driver.execute(f'VACUUM FULL "{name}"')
                finally:
                    driver.autocommit = False
        finally:
            raw.close()

    # --- settings ----------------------------------------------------------------------------

    def settings(self) -> Settings:
        """The workspace's settings (defaults for any not saved, or saved by another version)."""
        with self._tx() as conn:
            saved = dict(conn.execute(select(t.settings.c.name, t.settings.c.value)).all())
        return settings_from(saved)

    def save_settings(self, settings: Settings) -> None:
        """Replace the workspace's settings."""
        rows = [{"name": k, "value": v} for k, v in settings_to(settings).items()]
        with self._tx(write=True) as conn:
            conn.execute(delete(t.settings))
            conn.execute(insert(t.settings), rows)

    def reset_settings(self) -> None:
        """Forget the saved settings: the workspace uses the defaults (this version's)."""
        with self._tx(write=True) as conn:
            conn.execute(delete(t.settings))


def _place_fixes(conn: Connection, snapshot_id: int) -> dict[str, str]:
    rows = conn.execute(
        select(t.place_fixes.c.city_text, t.place_fixes.c.query)
        .where(t.place_fixes.c.snapshot_id == snapshot_id).order_by(t.place_fixes.c.city_text)
    ).all()
    return {c: q for c, q in rows}


def _info(row, files: list[tuple[str, str]]) -> SnapshotInfo:
    created = row.created_at
    # SQLite gives back naive datetimes (they were written in UTC); PostgreSQL its session's zone
    created = created.replace(tzinfo=UTC) if created.tzinfo is None else created.astimezone(UTC)
    order = {k: i for i, k in enumerate(KINDS)}
    return SnapshotInfo(int(row.id), created, row.country, tuple(sorted(files, key=lambda f: order.get(f[0], 99))),
                        int(row.members), int(row.events), int(row.attendance_rows))


def settings_to(settings: Settings) -> dict[str, object]:
    """Settings as flat name -> value pairs (risk weights as ``weights.<signal>``)."""
    out: dict[str, object] = {}
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        if dataclasses.is_dataclass(value):
            out.update({f"{f.name}.{w.name}": getattr(value, w.name) for w in dataclasses.fields(value)})
        else:
            out[f.name] = value
    return out


def _typed(value: object, default: object) -> object | None:
    """``value`` as the default's type, or None when it doesn't fit (a setting from another version)."""
    if isinstance(default, bool):
        return value if isinstance(value, bool) else None
    if isinstance(default, (int, float)) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return type(default)(value) if isinstance(default, float) or float(value).is_integer() else None
    return value if isinstance(value, type(default)) else None


def settings_from(saved: Mapping[str, object]) -> Settings:
    """Settings from flat pairs; unknown names and values of the wrong type keep the default."""
    base, weights = Settings(), RiskWeights()

    def pick(obj: Settings | RiskWeights, prefix: str) -> dict[str, Any]:
        chosen: dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            if dataclasses.is_dataclass(getattr(obj, f.name)) or f"{prefix}{f.name}" not in saved:
                continue
            value = _typed(saved[f"{prefix}{f.name}"], getattr(obj, f.name))
            if value is not None:
                chosen[f.name] = value
        return chosen

    return dataclasses.replace(base, **pick(base, ""), weights=dataclasses.replace(weights, **pick(weights, "weights.")))


def _hold_for_tests() -> None:
    seconds = os.environ.get(HOLD_ENV_VAR, "")
    if seconds:
        print("holding the snapshot transaction open", file=sys.stderr, flush=True)
        time.sleep(float(seconds))
