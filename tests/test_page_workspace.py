"""The app remembers: pages open on the workspace's latest snapshot; the Data page keeps, lists,
goes back to, deletes and erases snapshots (AppTest, a fresh SQLite workspace per test)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.ingest import Upload
from dashboard.settings import Settings
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


def _kept_at(db: str, snapshot_id: int) -> str:
    store = Store.open(db)
    (info,) = [s for s in store.snapshots() if s.id == snapshot_id]
    store.close()
    return f"{info.created_at:%Y-%m-%d %H:%M}"


def _settings_input(at: AppTest, label: str):
    return next(n for n in at.sidebar.number_input if n.label == label)


def test_settings_are_kept_in_the_workspace_and_another_session_sees_them(db):
    one, two = _open(), _open("pages/4_Connection_risk.py")  # two sessions on one workspace
    assert _settings_input(one, "Lapsed after (days)").value == Settings().lapsed_days
    _settings_input(one, "Lapsed after (days)").set_value(120)
    next(b for b in one.sidebar.button if b.label == "Apply").click().run()
    assert not one.exception, [e.value for e in one.exception]
    assert _settings_input(one, "Lapsed after (days)").value == 120
    store = Store.open(db)
    assert store.settings().lapsed_days == 120  # in the workspace, not the session
    store.close()

    two.run()  # the other session's next rerun
    assert _settings_input(two, "Lapsed after (days)").value == 120
    fresh = _open("pages/3_Engagement.py")  # a new session (a reload, tomorrow) starts from them
    assert _settings_input(fresh, "Lapsed after (days)").value == 120

    next(b for b in two.sidebar.button if b.label == "Defaults").click().run()
    one.run()
    assert _settings_input(one, "Lapsed after (days)").value == Settings().lapsed_days


def test_a_place_fix_is_kept_with_the_snapshot_and_shows_in_another_session(db):
    store = Store.open(db)
    files = {k: Upload(name, data) for k, (name, data) in _files("Fix").items()}
    files["members"] = Upload("members.csv", b"Name,Email,City,Joined\nAnn Fix,ann@example.org,Leeds,2026-01-05\n"
                                             b"Bo Fix,bo@example.org,Qqzzxville,2026-01-06\n")
    kept = store.keep(files, {}, "GB", Counts(2, 1, 1)).id
    store.close()
    mapper, other = _open("pages/2_Map.py"), _open()
    assert "Qqzzxville" in mapper.selectbox(key="fix_text").options
    mapper.selectbox(key="fix_text").set_value("Qqzzxville")
    mapper.text_input(key="fix_typed").set_value("Leeds, GB").run()
    next(b for b in mapper.button if b.label == "Use this place").click().run()
    assert not mapper.exception, [e.value for e in mapper.exception]
    store = Store.open(db)
    assert store.place_fixes(kept) == {"Qqzzxville": "Leeds, GB"}
    assert [s.id for s in store.snapshots()] == [kept]  # no new snapshot: the kept one is corrected
    store.close()
    assert not any(b.key == "fix_text" for b in mapper.selectbox)  # nothing left to check

    other.run()  # the other session uses the fix from its next rerun
    assert other.session_state[KEY_MANUAL_PLACES] == {"Qqzzxville": "Leeds, GB"}
    mapper.switch_page("pages/1_Data.py").run()  # the session that fixed it still shows the kept snapshot
    assert [t.value for t in mapper.text if t.value.startswith("Showing")] == [f"Showing snapshot {kept}, kept "
                                                                                f"{_kept_at(db, kept)} UTC (the latest)."]


def test_a_snapshot_deleted_elsewhere_moves_a_session_to_the_latest_one_left(db):
    first = _keep_directly(db, "Old")
    second = _keep_directly(db, "New")
    at = _open("pages/1_Data.py")
    at.selectbox(key="snapshot_pick").set_value(first).run()
    next(b for b in at.button if b.label == "Go back to this snapshot").click().run()
    assert _member_names(at) == {"Ann Old"}
    store = Store.open(db)
    store.delete(first)  # another session deletes the one this session went back to
    store.close()
    at.run()
    assert _member_names(at) == {"Ann New"} and at.session_state["_snapshot"] == second


def test_the_data_page_says_what_it_shows_and_own_uploads_go_back_to_the_latest_snapshot(db):
    at = _open("pages/1_Data.py")
    assert any("demo community, because the workspace has no kept snapshot" in t.value for t in at.text)
    kept = _keep_directly(db, "Kept")
    at.run()
    assert any(f"Showing snapshot {kept}" in t.value and "(the latest)" in t.value for t in at.text)
    assert not any(b.label.startswith("Back to the") for b in at.button)  # nothing of its own to drop

    name, data = _files("Mine")["members"]
    at.file_uploader(key="upload_members").set_value((name, data, "text/csv")).run()
    assert any("not kept in the workspace yet" in t.value for t in at.text)
    assert not any(b.label == "Back to the demo community" for b in at.button)  # the workspace isn't empty
    next(b for b in at.button if b.label == "Back to the latest kept snapshot").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["_snapshot"] == kept
    assert not any("demo community" in c.value for c in at.sidebar.caption)
