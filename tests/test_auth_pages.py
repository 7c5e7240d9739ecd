"""Every page under AppTest, signed out and as each role, on the demo and on a kept upload:
what reaches the page (every element's message, as the browser would get it) holds no name
or email the role may not see, and the page offers only what the role may do."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles
from streamlit.testing.v1 import AppTest

from dashboard.auth.roles import HELPER, ORGANISER, VIEWER
from dashboard.ingest import Upload
from dashboard.store import Counts, Store
from dashboard.store.users import Users
from dashboard.ui import loaders, signin
from dashboard.ui.state import KEY_UPLOADS

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 180
CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)
PAGES = ["app.py", "pages/1_Data.py", "pages/2_Map.py", "pages/3_Engagement.py", "pages/4_Connection_risk.py",
         "pages/5_Introductions.py"]
EMAIL = {ORGANISER: "olu@example.org", HELPER: "hana@example.org", VIEWER: "vic@example.org"}

with open(ROOT / "data" / "demo_members.csv", newline="", encoding="utf-8") as f:
    _rows = list(csv.DictReader(f))
DEMO_NAMES = sorted({r["Full name"].strip() for r in _rows if " " in r["Full name"].strip()})
DEMO_EMAILS = sorted({r["Email Address"].strip() for r in _rows if "@" in r["Email Address"]})

UPLOADED_NAMES = ["Zephyrine Quillfeather", "Octavius Brambleworth", "Philippa Nettlecombe"]
UPLOADED_EMAILS = ["zephyrine@example.org", "octavius@example.org", "philippa@example.org"]
UPLOAD = {
    "members": ("members.csv", (
        "Name,Email,City,Joined\n"
        + "".join(f"{n},{e},Leeds,2025-0{i + 1}-05\n" for i, (n, e) in enumerate(zip(UPLOADED_NAMES, UPLOADED_EMAILS)))
    ).encode()),
    "events": ("events.csv", b"Event ID,Event name,Date,City\nE1,Coffee,2026-03-01 10:00,Leeds\n"
                             b"E2,Walk,2026-03-20 10:00,Leeds\n"),
    "attendance": ("attendance.csv", b"Event ID,Email,Status\nE1,octavius@example.org,attended\n"
                                     b"E2,octavius@example.org,attended\n"),
}


def _workspace(path: Path, kept: bool) -> str:
    url = f"sqlite:///{path}"
    store = Store.open(url)
    users = Users(store)
    for role, email in EMAIL.items():
        users.add(email, role, "correct horse battery", "test", hasher=CHEAP)
    if kept:
        store.keep({k: Upload(n, d) for k, (n, d) in UPLOAD.items()}, {}, "GB", Counts(3, 2, 2))
    store.close()
    return url


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    return _workspace(tmp_path_factory.mktemp("demo") / "w.db", kept=False)


@pytest.fixture(scope="module")
def kept_db(tmp_path_factory):
    return _workspace(tmp_path_factory.mktemp("kept") / "w.db", kept=True)


def open_page(page: str, db: str, role: str | None, monkeypatch) -> AppTest:
    """``page`` in a new session on workspace ``db``, signed in as ``role`` (None: not signed in)."""
    monkeypatch.setenv("NEIGHBOURLY_DB", db)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    if page != "app.py":
        at.switch_page(page)
    if role is not None:
        at.session_state[signin.KEY_SIGNED_IN] = signin.SignedIn(EMAIL[role], datetime.now(UTC))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _protos(node):
    proto = getattr(node, "proto", None)
    if proto is not None and hasattr(proto, "SerializeToString"):
        yield proto.SerializeToString()
    for child in getattr(node, "children", {}).values():
        yield from _protos(child)


def sent(at: AppTest) -> bytes:
    """Every element's message as the server sends it (tables' Arrow bytes, charts' JSON, texts)."""
    return b"\n".join(_protos(at._tree))


def found(at: AppTest, words: list[str]) -> list[str]:
    blob = sent(at)
    return [w for w in words if w.encode() in blob]


def kinds(at: AppTest, kind: str) -> list:
    return list(at.get(kind))


# --- not signed in --------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_signed_out_every_page_asks_first_and_sends_nothing_from_the_data(page, demo_db, kept_db, monkeypatch):
    for db, names in ((demo_db, DEMO_NAMES + DEMO_EMAILS), (kept_db, UPLOADED_NAMES + UPLOADED_EMAILS)):
        at = open_page(page, db, None, monkeypatch)
        assert [t.value for t in at.title] == ["Sign in to Neighbourly"]
        assert found(at, names) == []
        assert not kinds(at, "file_uploader") and not at.metric and not at.dataframe
        assert KEY_UPLOADS not in at.session_state  # the workspace was not even read


# --- each role ------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_a_viewer_gets_no_name_or_email_and_no_personal_download(page, demo_db, kept_db, monkeypatch):
    for db, names in ((demo_db, DEMO_NAMES + DEMO_EMAILS), (kept_db, UPLOADED_NAMES + UPLOADED_EMAILS)):
        at = open_page(page, db, VIEWER, monkeypatch)
        assert found(at, names) == []
        assert not kinds(at, "download_button") and not kinds(at, "file_uploader")
    assert "Signed in as vic@example.org (viewer)" in [t.value for t in at.sidebar.text]


@pytest.mark.parametrize("page", PAGES)
def test_a_helper_gets_no_email_no_uploads_and_no_erasure(page, kept_db, monkeypatch):
    at = open_page(page, kept_db, HELPER, monkeypatch)
    assert found(at, UPLOADED_EMAILS) == []
    assert not kinds(at, "file_uploader")
    assert not [b for b in at.button if "Erase" in b.label or "Delete" in b.label or "Keep" in b.label]


def test_a_helper_sees_who_might_welcome_a_check_in_and_can_log_a_contact(kept_db, monkeypatch):
    at = open_page("pages/4_Connection_risk.py", kept_db, HELPER, monkeypatch)
    assert found(at, UPLOADED_NAMES)  # the people to check in with, by name
    assert not [t for t in at.toggle if t.label == "Show contact details"]
    assert any(b.label == "Log contact" for b in at.get("form_submit_button"))
    assert any("Emails are for organisers" in c.value for c in at.caption)


def test_an_organiser_uploads_erases_and_sees_the_audit_log(kept_db, monkeypatch):
    at = open_page("pages/1_Data.py", kept_db, ORGANISER, monkeypatch)
    assert len(kinds(at, "file_uploader")) == 3
    assert any(e.label == "Erase the whole workspace" for e in at.expander)
    assert any("Audit log" in e.label for e in at.expander)
    accounts = next(d.value for d in at.dataframe if "role" in d.value.columns)
    assert sorted(accounts["email"]) == sorted(EMAIL.values())


def test_an_organiser_sees_names_and_the_email_toggle(kept_db, monkeypatch):
    at = open_page("pages/4_Connection_risk.py", kept_db, ORGANISER, monkeypatch)
    assert found(at, UPLOADED_NAMES) and not found(at, UPLOADED_EMAILS)  # emails stay behind the toggle
    at.toggle(key="show_contacts").set_value(True).run()
    assert found(at, UPLOADED_EMAILS)
    assert len(kinds(at, "download_button")) == 2


def test_helpers_and_viewers_are_told_in_one_line_what_they_do_not_get(kept_db, monkeypatch):
    at = open_page("pages/1_Data.py", kept_db, VIEWER, monkeypatch)
    notes = [c.value for c in at.caption if "signed in as a viewer" in c.value]
    assert any("Uploading files" in n for n in notes) and any("snapshots" in n for n in notes)
    assert not any("Audit log" in e.label for e in at.expander)


def test_a_viewers_rerun_redacts_nothing_again(kept_db, monkeypatch):
    calls = []
    real = loaders.redaction
    monkeypatch.setattr(loaders, "redaction", lambda role, community: calls.append(role) or real(role, community))
    loaders.clear_personal_caches()
    at = open_page("pages/3_Engagement.py", kept_db, VIEWER, monkeypatch)
    at.run()
    open_page("pages/2_Map.py", kept_db, VIEWER, monkeypatch)  # another page, another session: the same entry
    assert calls == [VIEWER]
    open_page("pages/2_Map.py", kept_db, HELPER, monkeypatch)
    assert calls == [VIEWER, HELPER]


@pytest.mark.parametrize("page", ["app.py", "pages/3_Engagement.py"])
def test_the_check_finds_names_where_an_organiser_sees_them(page, demo_db, monkeypatch):
    # the same search that finds nothing for a viewer finds the demo's people for an organiser
    assert len(found(open_page(page, demo_db, ORGANISER, monkeypatch), DEMO_NAMES)) >= 5


@pytest.fixture(scope="module")
def pair_db(tmp_path_factory):
    from dashboard import snapshots
    from tests.factories import PAIR_AFTER, PAIR_BEFORE

    url = _workspace(tmp_path_factory.mktemp("pair") / "w.db", kept=False)
    store = Store.open(url)
    for files, when in ((PAIR_BEFORE, datetime(2025, 6, 2, tzinfo=UTC)), (PAIR_AFTER, datetime(2026, 3, 2, tzinfo=UTC))):
        snapshots.keep(store, {k: Upload(n, d) for k, (n, d) in files.items()}, {}, "GB", now=when)
    store.close()
    return url


PAIR_NAMES = ["Di Joiner", "Ann Returner", "Ed Drifter", "Cy Leaver", "Bo Steady"]


def _changes(at: AppTest) -> list[str]:
    return [m.value for m in at.main.markdown if m.value.startswith("**")]


def test_what_changed_tells_a_viewer_how_many_and_a_helper_who(pair_db, monkeypatch):
    viewer = open_page("app.py", pair_db, VIEWER, monkeypatch)
    assert "**Joined** (1)" in _changes(viewer) and "**Left the lists** (1)" in _changes(viewer)
    assert found(viewer, PAIR_NAMES) == []  # not even the one who left, known only from the earlier snapshot
    helper = open_page("app.py", pair_db, HELPER, monkeypatch)
    assert "**Joined** (1): Di Joiner" in _changes(helper) and "**Left the lists** (1): Cy Leaver" in _changes(helper)
