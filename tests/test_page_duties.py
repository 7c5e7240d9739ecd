"""The Data page's data duties under AppTest: retention said in words, forgetting a person (this
session and another one read the rewritten files; the caches are cleared; the audit log has a
count), and everything about a person as one JSON download."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import snapshots
from dashboard.contacts import Contact
from dashboard.ingest import Upload
from dashboard.store import Store
from dashboard.store.follow import FollowThrough
from dashboard.store.users import Users
from dashboard.ui.state import KEY_UPLOADS
from tests.test_page_follow import open_page

EMAIL, NAME = "zelda.quarrington@example.org", "Zelda Quarrington"
FILES = {
    "members": ("members.csv", f"Name,Email,City,Joined\n{NAME},{EMAIL},Leeds,2026-01-05\n"
                               "Ann Other,ann@example.org,Leeds,2026-01-06\n".encode()),
    "events": ("events.csv", b"Event ID,Event name,Date,City\nE1,Coffee,2026-03-01 10:00,Leeds\n"),
    "attendance": ("attendance.csv", f"Event ID,Email,Status\nE1,{EMAIL},attended\nE1,ann@example.org,attended\n"
                   .encode()),
}


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'workspace.db'}"
    monkeypatch.setenv("NEIGHBOURLY_DB", url)
    store = Store.open(url)
    snapshots.keep(store, {k: Upload(n, d) for k, (n, d) in FILES.items()}, {}, "GB")
    FollowThrough(store).log_contact(Contact(EMAIL, "M00001", date(2026, 5, 1), "reached", note=f"{NAME} is fine"))
    store.close()
    return url


def holds(at: AppTest, text: str) -> bool:
    return any(text.encode() in up.data for up in (at.session_state[KEY_UPLOADS] or {}).values())


def test_the_data_page_says_what_retention_does():
    at = open_page("pages/1_Data.py")
    assert any("older than 24 months are deleted when the workspace opens" in c.value for c in at.caption)


def test_forgetting_a_person_reaches_every_session_and_leaves_a_count(db):
    other = open_page("pages/4_Connection_risk.py")  # another organiser's session, open meanwhile
    assert holds(other, EMAIL)
    at = open_page("pages/1_Data.py")
    at.text_input(key="forget_who").input(f" {EMAIL.upper()} ")
    at.checkbox(key="forget_sure").check().run()
    next(b for b in at.button if b.label == "Forget this person").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(s.value.startswith("Erased: 3 rows (2 rows in kept files, 1 contact log entry") for s in at.success)
    assert not holds(at, EMAIL) and holds(at, "ann@example.org")
    other.run()
    assert not other.exception, [e.value for e in other.exception]
    assert not holds(other, EMAIL) and not holds(other, NAME)
    store = Store.open(db)
    assert FollowThrough(store).contacts().empty
    (entry,) = [a for a in Users(store).audit() if a.action == "erasure"]
    assert entry.detail == "1 person, 3 rows" and EMAIL not in entry.detail
    store.close()
    for f in Path(db.removeprefix("sqlite:///")).parent.glob("workspace.db*"):
        assert EMAIL.encode() not in f.read_bytes() and NAME.encode() not in f.read_bytes(), f.name


def test_everything_about_a_person_is_offered_as_one_json_download(db):
    at = open_page("pages/1_Data.py")
    assert not [b for b in at.get("download_button") if "everything about them" in b.proto.label]
    at.text_input(key="access_who").input(EMAIL).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [b.proto.label for b in at.get("download_button") if "everything about them" in b.proto.label] == [
        "Download everything about them (JSON)"]
