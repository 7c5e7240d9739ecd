"""The workspace store, on SQLite and on PostgreSQL (``db_url``): snapshots, settings,
migrations, refusing a newer schema, where the file lives and who may read it."""

from __future__ import annotations

import dataclasses
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, inspect, text

from dashboard.ingest import Upload
from dashboard.settings import Settings
from dashboard.store import Counts, NewerSchemaError, Store, StoreError, head_revision
from dashboard.store.workspace import settings_from, settings_to

ROOT = Path(__file__).resolve().parents[1]
FIRST = "0001_snapshots"


def _uploads(tag: str = "") -> dict[str, Upload]:
    return {
        "members": Upload(f"members{tag}.csv", f"Full name,E-mail,Town\nAnn{tag},ann@example.org,Leeds\n".encode(),
                          overrides={"Town": "city", "Full name": "name"}, date_orders={"joined_on": "day-first"}),
        "events": Upload("events.xlsx", b"PK\x03\x04 not really a workbook \x00\xff", sheet="Events 2026"),
        "attendance": Upload("attendance.csv", "Event,Email\nE1,ann@example.org\n".encode("utf-16")),
    }


@pytest.fixture
def store(db_url):
    s = Store.open(db_url)
    yield s
    s.close()


def test_a_kept_snapshot_comes_back_exactly(db_url):
    when = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    with_fixes = {"Leeds": "Leeds, GB", "St Albans": "Saint Albans, GB"}
    kept = Store.open(db_url).keep(_uploads(), with_fixes, "GB", Counts(1, 1, 1), now=when)
    reopened = Store.open(db_url)  # a new process would do the same
    back = reopened.latest()
    assert back is not None and back.id == kept.id
    assert back.uploads == _uploads()  # bytes, names, sheet, overrides and date orders
    assert back.place_fixes == with_fixes
    assert back.country == "GB"
    assert back.info.created_at == when
    assert back.info.files == (("members", "members.csv"), ("events", "events.xlsx"),
                               ("attendance", "attendance.csv"))
    assert (back.info.members, back.info.events, back.info.attendance_rows) == (1, 1, 1)
    reopened.close()


def test_snapshots_are_listed_newest_first_and_one_can_be_deleted(store):
    first = store.keep({"members": _uploads("1")["members"]}, {}, "", Counts(1))
    second = store.keep(_uploads("2"), {"York": "York, GB"}, "GB", Counts(2, 1, 1))
    assert [s.id for s in store.snapshots()] == [second.id, first.id]
    assert store.previous_id(second.id) == first.id and store.previous_id(first.id) is None
    assert store.snapshots()[1].files == (("members", "members1.csv"),)
    assert store.delete(second.id) is True
    assert store.delete(second.id) is False
    assert [s.id for s in store.snapshots()] == [first.id]
    assert store.latest().uploads["members"].name == "members1.csv"
    assert store.snapshot(second.id) is None
    assert store.latest().place_fixes == {}


def test_erasing_the_workspace_leaves_nothing(store, db_url):
    store.keep(_uploads("Zebedee"), {"Leeds": "Leeds, GB"}, "GB", Counts(1, 1, 1))
    store.save_settings(dataclasses.replace(Settings(), lapsed_days=99))
    store.erase()
    assert store.snapshots() == [] and store.latest() is None
    assert store.settings() == Settings()
    if store.path is not None:  # not even in free pages or the write-ahead log
        for f in store.path.parent.glob(store.path.name + "*"):
            assert b"Zebedee" not in f.read_bytes(), f


def test_settings_are_kept_in_the_workspace(store, db_url):
    assert store.settings() == Settings()
    changed = dataclasses.replace(Settings(), lapsed_days=120, decay_per_month=0.8, exclude_organisers=False,
                                  weights=dataclasses.replace(Settings().weights, newcomer=40))
    store.save_settings(changed)
    other = Store.open(db_url)  # another session / process sees them
    assert other.settings() == changed
    other.close()


def test_resetting_settings_goes_back_to_the_defaults(store, db_url):
    store.save_settings(dataclasses.replace(Settings(), lapsed_days=99))
    store.reset_settings()
    assert store.settings() == Settings()


def test_a_place_fix_on_a_kept_snapshot_is_seen_by_another_session(store, db_url):
    first = store.keep(_uploads("1"), {"Lidz": "Leeds, GB"}, "GB", Counts(1, 1, 1))
    second = store.keep(_uploads("2"), {}, "GB", Counts(1, 1, 1))
    assert store.fix_place(second.id, "Yrok", "York, GB") is True
    assert store.fix_place(second.id, "Yrok", "York, England") is True  # changed, not added twice
    assert store.fix_place(second.id + 1, "Lidz", "Leeds, GB") is False  # no such snapshot
    other = Store.open(db_url)
    assert other.place_fixes(second.id) == {"Yrok": "York, England"}
    assert other.latest().place_fixes == {"Yrok": "York, England"}
    assert other.place_fixes(first.id) == {"Lidz": "Leeds, GB"}  # the earlier snapshot keeps its own
    assert other.snapshot(second.id).uploads == store.snapshot(second.id).uploads  # the files stay as kept
    assert other.place_fixes(second.id + 1) is None  # deleted, or never kept
    other.close()


def test_settings_from_another_version_keep_the_defaults():
    saved = {**settings_to(Settings()), "lapsed_days": 200, "no_such_setting": 3, "risk_high": "lots",
             "weights.newcomer": 30, "weights.gone": 1, "exclude_organisers": 1, "decay_per_month": 1}
    back = settings_from(saved)
    assert back.lapsed_days == 200 and back.weights.newcomer == 30
    assert back.risk_high == Settings().risk_high  # wrong type: default
    assert back.exclude_organisers is True  # 1 is not a bool: default
    assert back.decay_per_month == 1.0 and isinstance(back.decay_per_month, float)


def test_a_database_made_by_the_first_migration_is_upgraded_in_place(db_url):
    old = Store.open(db_url, revision=FIRST)
    kept = old.keep(_uploads(), {"Leeds": "Leeds, GB"}, "GB", Counts(1, 1, 1))
    old.close()
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert "settings" not in inspect(conn).get_table_names()
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == FIRST
    new = Store.open(db_url)
    assert new.latest().uploads == _uploads() and new.latest().id == kept.id
    new.save_settings(dataclasses.replace(Settings(), lapsed_days=77))
    assert new.settings().lapsed_days == 77
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
    new.close()
    engine.dispose()


def test_a_database_from_a_newer_version_is_refused_and_left_alone(db_url):
    s = Store.open(db_url)
    s.keep(_uploads(), {}, "GB", Counts(1, 1, 1))
    s.close()
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    path = Path(db_url.removeprefix("sqlite:///")) if db_url.startswith("sqlite") else None
    before = path.read_bytes() if path else None
    with pytest.raises(NewerSchemaError) as err:
        Store.open(db_url)
    message = str(err.value)
    assert "newer version of Neighbourly" in message and "9999_from_the_future" in message
    assert "nothing was changed" in message and "\n" not in message
    if path:
        assert path.read_bytes() == before
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "9999_from_the_future"
        assert conn.execute(text("SELECT count(*) FROM snapshot_files")).scalar() == 3
    engine.dispose()


def test_the_sqlite_file_is_owner_only_and_in_wal_mode(tmp_path):
    old_umask = os.umask(0o022)  # a typical umask would make files world-readable
    try:
        s = Store.open(f"sqlite:///{tmp_path / 'sub' / 'w.db'}")
        s.keep(_uploads(), {}, "GB", Counts(1, 1, 1))
        files = sorted(p.name for p in (tmp_path / "sub").iterdir())
        assert files == ["w.db", "w.db-shm", "w.db-wal"]
        for name in files:
            assert stat.S_IMODE((tmp_path / "sub" / name).stat().st_mode) == 0o600, name
        assert stat.S_IMODE((tmp_path / "sub").stat().st_mode) == 0o700
        engine = create_engine(f"sqlite:///{tmp_path / 'sub' / 'w.db'}")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        engine.dispose()
        s.close()
    finally:
        os.umask(old_umask)


def test_an_existing_loose_file_is_tightened_to_owner_only(tmp_path):
    db = tmp_path / "w.db"
    db.touch(mode=0o644)
    db.chmod(0o644)
    Store.open(f"sqlite:///{db}").close()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_the_default_workspace_is_a_file_in_the_user_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("NEIGHBOURLY_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    s = Store.open()
    assert s.path == tmp_path / "data" / "neighbourly" / "workspace.db"
    assert s.path.is_file()
    s.close()


def test_the_tests_never_use_the_real_workspace():
    assert "neighbourly-test-workspace-" in os.environ["NEIGHBOURLY_DB"]  # set by conftest for the whole run


def test_neighbourly_db_moves_the_workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("NEIGHBOURLY_DB", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    s = Store.open()
    s.keep(_uploads(), {}, "", Counts(1))
    assert s.path == tmp_path / "elsewhere.db" and len(s.snapshots()) == 1
    s.close()


def test_an_unreachable_server_is_named_without_its_password():
    with pytest.raises(StoreError) as err:
        Store.open("postgresql+psycopg://organiser:s3cret-pw@127.0.0.1:9/workspace")
    message = str(err.value)
    assert "s3cret-pw" not in message and "127.0.0.1:9/workspace" in message
    assert "\n" not in message


@pytest.mark.parametrize("url", ["not a url at all", "nosuchdb://x/y"])
def test_a_bad_url_is_a_clear_error(url):
    with pytest.raises(StoreError, match="database"):
        Store.open(url)


def test_an_unwritable_sqlite_location_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot create the workspace database at sqlite:///"):
        Store.open(f"sqlite:///{blocker / 'w.db'}")


def test_a_kept_snapshot_rebuilds_the_same_numbers(db_url):
    from dashboard import geo, snapshots
    from dashboard.analysis import analyse
    from dashboard.model import default_as_of

    demo = {k: Upload(f"demo_{k}.csv", (ROOT / "data" / f"demo_{k}.csv").read_bytes())
            for k in ("members", "events", "attendance")}
    gc = geo.OfflineGeocoder()
    store = Store.open(db_url)
    info, kept = snapshots.keep(store, demo, {"Leeds": "Wakefield, GB"}, "GB", geocoder=gc)
    assert (info.members, info.events, info.attendance_rows) == (301, 100, len(kept.attendance))
    rebuilt = snapshots.community(store.latest(), geocoder=gc)
    store.close()
    as_of = default_as_of(kept)
    a, b = analyse(kept, as_of, Settings()), analyse(rebuilt, as_of, Settings())
    pd.testing.assert_frame_equal(a.members, b.members)
    pd.testing.assert_frame_equal(kept.geocodes, rebuilt.geocodes)
    assert (rebuilt.geocodes.set_index("city_text").loc["Leeds", "status"]) == "manual"


def test_the_head_a_workspace_opens_at_without_alembic_is_alembics_head():
    from dashboard.store.engine import HEAD_REVISION

    assert HEAD_REVISION == head_revision()
