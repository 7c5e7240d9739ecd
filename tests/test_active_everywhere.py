"""One "active" number: the Overview and the Engagement page agree, on the demo and on an upload."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.ingest import Upload
from tests.apptest import run_page

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60
ACTIVE = "Active, 90 days"  # the Overview called it "Came in the last 90 days" and counted differently

MEMBERS = b"""Name,Email,City,Role
Ann Lee,ann@example.org,Leeds,member
Bo Chen,bo@example.org,Leeds,member
Cy Moss,cy@example.org,Leeds,organiser
Di Park,di@example.org,York,member
"""
EVENTS = b"""Event ID,Event name,Date,City,Online
e1,Picnic,2026-06-30 12:00,Leeds,No
e2,Walk,2026-04-01 10:00,Leeds,No
e3,Quiz,2026-05-01 19:00,Leeds,No
"""
# as of 2026-06-30 (the latest event): Ann came 60 days ago, Bo exactly 90 days ago (outside
# "the last 90 days", days 0-89), Cy is an organiser (left out by default), Di never came
ATTENDANCE = b"""Event ID,First Name,Last Name,Email,Attendee Status
e1,Cy,Moss,cy@example.org,Checked In
e2,Bo,Chen,bo@example.org,Checked In
e3,Ann,Lee,ann@example.org,Checked In
"""


def active_shown(at: AppTest) -> str:
    values = [m.value for m in at.main.metric if m.label == ACTIVE]
    assert len(values) == 1, [m.label for m in at.main.metric]
    return values[0]


def run(page: str, uploads: dict[str, Upload] | None) -> AppTest:
    return run_page(page, uploads, timeout=TIMEOUT)


UPLOADED = {
    "members": Upload("members.csv", MEMBERS),
    "events": Upload("events.csv", EVENTS),
    "attendance": Upload("attendance.csv", ATTENDANCE),
}


@pytest.mark.parametrize("uploads", [None, UPLOADED], ids=["demo", "uploaded"])
def test_overview_and_engagement_show_the_same_active_number(uploads) -> None:
    overview = active_shown(run("app.py", uploads))
    engagement = active_shown(run("pages/3_Engagement.py", uploads))
    assert overview == engagement
    if uploads:
        assert overview == "1"  # Ann only


# Cy, an organiser, came once three months ago: a check-in prompt, had organisers been counted
STAFF_AT_RISK = {
    **UPLOADED,
    "attendance": Upload("attendance.csv", b"""Event ID,First Name,Last Name,Email,Attendee Status
e1,Ann,Lee,ann@example.org,Checked In
e2,Cy,Moss,cy@example.org,Checked In
"""),
}


def metrics_shown(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.main.metric}


def test_overview_leaves_staff_out_as_the_engagement_and_risk_pages_do() -> None:
    overview = run("app.py", STAFF_AT_RISK)
    shown = metrics_shown(overview)
    engagement = metrics_shown(run("pages/3_Engagement.py", STAFF_AT_RISK))
    risk = metrics_shown(run("pages/4_Connection_risk.py", STAFF_AT_RISK))
    assert shown["Members"] == engagement["Members"] == "3"  # Cy left out everywhere
    assert shown["High"] == risk["High"] and shown["Keep an eye on"] == risk["Keep an eye on"]
    assert int(shown["High"]) + int(shown["Keep an eye on"]) == 2
    names = overview.main.dataframe[0].value["name"].tolist()
    assert sorted(names) == ["Bo Chen", "Di Park"]
    assert any("Organisers and hosts are left out" in c.value for c in overview.main.caption)
