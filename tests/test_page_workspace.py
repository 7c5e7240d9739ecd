"""The app remembers: pages open on the workspace's latest snapshot; the Data page keeps, lists,
goes back to, deletes and erases snapshots (AppTest, a fresh SQLite workspace per test)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.ingest import Upload
from dashboard.store import Counts, Store
from dashboard.ui.state import KEY_MANUAL_PLACES, KEY_UPLOADS

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 180


def _files(tag: str) -> dict[str, tuple[str, bytes]]:
    return {
        "members": (f"members-{tag}.csv", f"Name,Email,City,Joined\nAnn {tag},ann@example.org,Leeds,2026-01-05\n"
                                          f"Bo {tag},bo@example.org,Lidz,2026-01-06\n".encode()),
        "events": ("events.csv", b"Event ID,Event name,Date,City\nE1,Coffee,2026-03-01 10:00,Leeds\n"),
        "attendance": ("attendance.csv", b"Event ID,Email,Status\nE1,ann@example.org,attended\n"),
    }


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'workspace.db'}"
    monkeypatch.setenv("NEIGHBOURLY_DB", url)
    return url


def _open(page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _member_names(at: AppTest) -> set[str]:
    return set(at.session_state[KEY_UPLOADS]["members"].data.decode().split("\n")[1].split(",")[:1])


def _keep_directly(db: str, tag: str, fixes: dict[str, str] | None = None) -> int:
    store = Store.open(db)
    ups = {k: Upload(name, data) for k, (name, data) in _files(tag).items()}
    info = store.keep(ups, fixes or {}, "GB", Counts(2, 1, 1))
    store.close()
    return info.id


def test_an_empty_workspace_shows_the_demo_and_says_so(db):
    at = _open()
    assert any("demo community" in c.value and "no kept snapshot" in c.value for c in at.sidebar.caption)


def test_uploads_kept_on_the_data_page_open_in_a_new_session_on_any_page(db):
    at = _open("pages/1_Data.py")
    for kind, (name, data) in _files("Kept").items():
        at.file_uploader(key=f"upload_{kind}").set_value((name, data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    keep = next(b for b in at.button if b.label == "Keep these uploads as a snapshot")
    keep.click().run()
    assert not at.exception, [e.value for e in at.exception]
    store = Store.open(db)
    (kept,) = store.snapshots()
    assert kept.files[0] == ("members", "members-Kept.csv") and kept.members == 2
    store.close()
    assert any(str(Path(db.removeprefix("sqlite:///"))) in t.value for t in at.text)  # says where

    fresh = _open("pages/2_Map.py")  # a reload, a bookmark, another browser: a new session
    assert not any("demo community" in c.value for c in fresh.sidebar.caption)
    assert "members-Kept.csv" in "".join(t.value for t in fresh.sidebar.text)
    assert _member_names(fresh) == {"Ann Kept"}


def test_place_fixes_come_back_with_the_snapshot(db):
    _keep_directly(db, "Fixed", {"Lidz": "Leeds, GB"})
    at = _open("pages/2_Map.py")
    assert at.session_state[KEY_MANUAL_PLACES] == {"Lidz": "Leeds, GB"}


def test_a_snapshot_kept_elsewhere_shows_on_the_next_rerun(db):
    _keep_directly(db, "One")
    at = _open()
    assert _member_names(at) == {"Ann One"}
    _keep_directly(db, "Two")  # another session, or `python -m dashboard import`
    at.run()
    assert _member_names(at) == {"Ann Two"}


def test_going_back_stays_back_and_delete_and_erase_work(db):
    first = _keep_directly(db, "Old")
    second = _keep_directly(db, "New")
    at = _open("pages/1_Data.py")
    assert _member_names(at) == {"Ann New"}
    at.selectbox(key="snapshot_pick").set_value(first).run()
    next(b for b in at.button if b.label == "Go back to this snapshot").click().run()
    assert _member_names(at) == {"Ann Old"}
    at.run()  # stays on the earlier snapshot
    assert _member_names(at) == {"Ann Old"}

    at.selectbox(key="snapshot_pick").set_value(second).run()
    next(b for b in at.button if b.label == "Delete this snapshot").click().run()
    assert not at.exception, [e.value for e in at.exception]
    store = Store.open(db)
    assert [s.id for s in store.snapshots()] == [first]

    at.checkbox(key="erase_sure").check().run()
    next(b for b in at.button if b.label == "Erase the whole workspace").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert store.snapshots() == []
    store.close()
    assert any("demo community" in c.value for c in at.sidebar.caption)
