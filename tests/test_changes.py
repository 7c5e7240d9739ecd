"""What changed between two snapshots, on a hand-made pair with known joiners, returners and leavers."""

from __future__ import annotations

import pandas as pd

from dashboard import snapshots
from dashboard.analysis import analyse
from dashboard.changes import CHANGE_COLUMNS, CHANGES, lines, since, what_changed
from dashboard.ingest import Upload
from dashboard.model import default_as_of
from dashboard.settings import Settings
from tests.factories import PAIR_AFTER, PAIR_BEFORE, PAIR_CHANGES

NaT = pd.NaT


def _members(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["member_id", "name", "email", "segment", "last_attended_on", "risk_tier"])
    frame["last_attended_on"] = pd.to_datetime(frame["last_attended_on"])
    frame["risk_tier"] = pd.Categorical(frame["risk_tier"], categories=["low", "medium", "high"])
    return frame


BEFORE = _members([
    ("M00001", "Ann Lee", "ann@example.org", "lapsed", "2026-01-10", "medium"),  # comes back, drops off the list
    ("M00002", "Bo Chen", "bo@example.org", "active", "2026-05-01", "low"),  # newly at risk
    ("M00003", "Cy Dart", "cy@example.org", "drifting", "2026-04-01", "high"),  # still away: no change
    ("M00004", "Di Eve", "di@example.org", "core", "2026-05-20", "low"),  # leaves the lists
    ("X7", "Ed Fox", "", "never attended", NaT, "medium"),  # no email: matched by id, no change
    ("M00005", "Flo Gee", "flo@example.org", "drifting", "2026-02-01", "low"),  # comes back, stays off the list
])
AFTER = _members([
    # the sign-up sheet was re-exported in another order: generated ids moved, emails did not
    ("M00002", "Ann Lee", "ann@example.org", "active", "2026-06-05", "low"),
    ("M00001", "Bo Chen", "bo@example.org", "drifting", "2026-05-01", "medium"),
    ("M00003", "Cy Dart", "cy@example.org", "lapsed", "2026-04-01", "high"),
    ("X7", "Ed Fox", "", "never attended", NaT, "medium"),
    ("M00005", "Flo Gee", "flo@example.org", "active", "2026-06-01", "low"),
    ("M00006", "Gus Hay", "gus@example.org", "new", NaT, "high"),  # joined (and only that)
])


def test_a_hand_made_pair_gives_the_known_changes():
    changes = what_changed(BEFORE, AFTER)
    assert tuple(changes.columns) == CHANGE_COLUMNS
    got = list(changes.itertuples(index=False, name=None))
    assert got == [
        ("M00006", "Gus Hay", "joined"),
        ("M00002", "Ann Lee", "came_back"),
        ("M00005", "Flo Gee", "came_back"),
        ("M00001", "Bo Chen", "newly_at_risk"),
        ("M00002", "Ann Lee", "no_longer_at_risk"),
        ("M00004", "Di Eve", "left"),
    ]


def test_the_same_analysis_twice_has_no_changes():
    assert what_changed(BEFORE, BEFORE).empty


def test_everyone_joins_from_an_empty_start_and_everyone_leaves_at_the_end():
    empty = BEFORE.iloc[0:0]
    assert (what_changed(empty, AFTER)["change"] == "joined").sum() == len(AFTER)
    assert set(what_changed(AFTER, empty)["change"]) == {"left"}
    assert set(CHANGES) == {"joined", "came_back", "newly_at_risk", "no_longer_at_risk", "left"}


# --- since: an earlier kept community against a later analysis -----------------------------------


def _pair_community(files: dict[str, tuple[str, bytes]], kept_on: str):
    uploads = {kind: Upload(name, data) for kind, (name, data) in files.items()}
    return snapshots.load(uploads, {}, "GB", pd.Timestamp(kept_on))


def test_since_an_earlier_snapshot_finds_the_known_joiners_returners_and_leavers():
    before = _pair_community(PAIR_BEFORE, "2025-06-02")
    after = _pair_community(PAIR_AFTER, "2026-03-02")
    later = analyse(after, default_as_of(after), Settings()).members
    got = since(before, later, Settings())
    assert list(zip(got["name"], got["change"])) == PAIR_CHANGES
    assert set(got.loc[got["name"] == "Ann Returner", "member_id"]) == {"M00002"}  # the later ids

    with_staff = since(before, later, Settings(exclude_organisers=False))  # the organiser lapsed too
    assert ("Fay Organiser", "newly_at_risk") in list(zip(with_staff["name"], with_staff["change"]))


def test_lines_group_the_names_by_change_in_order_and_say_how_many_more():
    frame = pd.DataFrame({"member_id": [f"M{i}" for i in range(5)],
                          "name": ["Ann", "Bo", "Cy", "", "Di"],
                          "change": ["left", "joined", "joined", "joined", "joined"]})
    got = lines(frame, most=3)
    assert [(g.change, g.label, g.count, g.names) for g in got] == [
        ("joined", "Joined", 4, "Bo, Cy, (no name) and 1 more"),
        ("left", "Left the lists", 1, "Ann"),
    ]
    assert lines(frame.iloc[0:0]) == []
