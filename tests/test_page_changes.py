"""The Overview's "What changed since <date>" panel under AppTest, on a hand-made pair of kept
snapshots with known joiners, returners and leavers (tests/factories.py ``PAIR_*``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import snapshots
from dashboard.ingest import Upload
from dashboard.store import Store
from tests.factories import PAIR_AFTER, PAIR_BEFORE

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 180
JUNE, MARCH = datetime(2025, 6, 2, 9, 30, tzinfo=UTC), datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
#: the panel's lines for the pair, as the organiser reads them
EXPECTED = [
    "**Joined** (1): Di Joiner",
    "**Came back after a gap** (1): Ann Returner",
    "**Might now welcome a check-in** (1): Ed Drifter",
    "**No longer on the check-in list** (1): Ann Returner",
    "**Left the lists** (1): Cy Leaver",
]
TITLE = "What changed since 02 June 2025"


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'workspace.db'}"
    monkeypatch.setenv("NEIGHBOURLY_DB", url)
    return url


def _keep(db: str, files: dict[str, tuple[str, bytes]], when: datetime) -> int:
    store = Store.open(db)
    try:
        info, _ = snapshots.keep(store, {k: Upload(n, d) for k, (n, d) in files.items()}, {}, "GB", now=when)
    finally:
        store.close()
    return info.id


def _overview() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _panel(at: AppTest) -> list[str]:
    """The panel's lines (the markdown after its subheader)."""
    return [m.value for m in at.main.markdown if m.value.startswith("**")]


def _has_panel(at: AppTest) -> bool:
    return any(h.value.startswith("What changed since") for h in at.subheader)


def test_the_overview_says_what_changed_since_the_earlier_snapshot(db):
    _keep(db, PAIR_BEFORE, JUNE)
    at = _overview()
    assert not _has_panel(at)  # one snapshot: nothing earlier to compare with
    second = _keep(db, PAIR_AFTER, MARCH)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["_snapshot"] == second
    assert [h.value for h in at.subheader if h.value.startswith("What changed")] == [TITLE]
    assert _panel(at) == EXPECTED
    assert any("Compared with snapshot 1, kept 2025-06-02 09:30 UTC" in c.value for c in at.caption)


def test_going_back_to_the_first_snapshot_has_nothing_earlier_and_the_demo_has_no_panel(db):
    at = _overview()
    assert not _has_panel(at)  # the demo
    first = _keep(db, PAIR_BEFORE, JUNE)
    _keep(db, PAIR_AFTER, MARCH)
    data = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    data.switch_page("pages/1_Data.py").run()
    data.selectbox(key="snapshot_pick").set_value(first).run()
    next(b for b in data.button if b.label == "Go back to this snapshot").click().run()
    data.switch_page("app.py").run()
    assert not data.exception, [e.value for e in data.exception]
    assert data.session_state["_snapshot"] == first and not _has_panel(data)


def test_uploads_not_kept_yet_are_compared_with_the_latest_kept_snapshot(db):
    _keep(db, PAIR_BEFORE, JUNE)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.switch_page("pages/1_Data.py").run()
    for kind, (name, data) in PAIR_AFTER.items():
        at.file_uploader(key=f"upload_{kind}").set_value((name, data, "text/csv")).run()
    at.switch_page("app.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["_snapshot"] is None  # the organiser's own uploads
    assert [h.value for h in at.subheader if h.value.startswith("What changed")] == [TITLE]
    assert _panel(at) == EXPECTED
