"""No data lost under concurrency or faults, on SQLite and PostgreSQL: two processes keeping
snapshots at once both land, and a writer killed inside its transaction leaves the old
workspace whole (never half a snapshot)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from dashboard.store import Store
from dashboard.store.workspace import HOLD_ENV_VAR

ROOT = Path(__file__).resolve().parents[1]
HOLDING = "holding the snapshot transaction open"


def _trio(folder: Path, people: list[str]) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "members.csv").write_text(
        "Name,Email,City\n" + "".join(f"{p},{p.lower()}@example.org,Leeds\n" for p in people))
    (folder / "events.csv").write_text("Event ID,Event name,Date,City\nE1,Coffee,2026-03-01 10:00,Leeds\n")
    (folder / "attendance.csv").write_text(
        "Event ID,Email,Status\n" + "".join(f"E1,{p.lower()}@example.org,attended\n" for p in people))
    return [a for k in ("members", "events", "attendance") for a in (f"--{k}", str(folder / f"{k}.csv"))]


def _import(args: list[str], db_url: str, hold: float | None = None) -> subprocess.Popen:
    env = {**os.environ, **({HOLD_ENV_VAR: str(hold)} if hold else {})}
    env.pop("NEIGHBOURLY_DB", None)
    return subprocess.Popen([sys.executable, "-m", "dashboard", "import", *args, "--db", db_url],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _counts(db_url: str) -> tuple[int, int, int]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        out = tuple(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                    for t in ("snapshots", "snapshot_files", "place_fixes"))
    engine.dispose()
    return out


def test_two_processes_keeping_snapshots_at_once_both_land(db_url, tmp_path):
    # a brand-new workspace: both processes also race to create and migrate it; the first holds its
    # snapshot's transaction open for a while, so the second tries to write while it is open
    writers = [_import(_trio(tmp_path / name, people), db_url, hold=hold)
               for name, people, hold in (("a", ["Ann", "Bo"], 15), ("b", ["Cy", "Di", "Ed"], None))]
    results = [w.communicate(timeout=300) for w in writers]
    assert HOLDING in results[0][1]
    for w, (out, err) in zip(writers, results, strict=True):
        assert w.returncode == 0, err
    store = Store.open(db_url)
    kept = store.snapshots()
    assert sorted(s.members for s in kept) == [2, 3]
    assert len({s.id for s in kept}) == 2
    assert {store.snapshot(s.id).uploads["members"].data.count(b"@") for s in kept} == {2, 3}
    store.close()
    assert _counts(db_url) == (2, 6, 0)


def test_a_writer_killed_inside_its_transaction_leaves_the_old_snapshot(db_url, tmp_path):
    first = _import(_trio(tmp_path / "old", ["Ann", "Bo"]), db_url)
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    before = _counts(db_url)

    writer = _import(_trio(tmp_path / "new", ["Cy", "Di", "Ed"]), db_url, hold=120)
    deadline = time.monotonic() + 240
    line = ""
    while HOLDING not in line and time.monotonic() < deadline:
        line = writer.stderr.readline()
        if not line and writer.poll() is not None:
            break
    assert HOLDING in line, f"the writer never got inside its transaction: {writer.stderr.read()}"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL

    assert _counts(db_url) == before  # nothing of the half-kept snapshot
    store = Store.open(db_url)
    latest = store.latest()
    assert latest.info.members == 2 and set(latest.uploads) == {"members", "events", "attendance"}
    assert b"Cy" not in latest.uploads["members"].data
    store.close()
    if db_url.startswith("sqlite"):
        engine = create_engine(db_url)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        engine.dispose()
    # and the workspace is not left locked: the next writer lands
    again = _import(_trio(tmp_path / "again", ["Flo"]), db_url)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert _counts(db_url)[0] == before[0] + 1
