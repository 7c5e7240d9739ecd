"""Follow-through in the app (AppTest, a workspace of each test's own holding the demo files as a
kept snapshot): log a contact on the Connection risk page, it is kept, shown as text, and its
follow-up comes due first; do-not-contact people leave the list and the buddy suggestions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import snapshots
from dashboard.contacts import Contact
from dashboard.ingest import Upload
from dashboard.store import Store
from dashboard.store.follow import FollowThrough
from tests.apptest import run_page

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 120
NOTE = "**Loves** <b>walks</b> [x](http://example.org) :red[tea]"


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'workspace.db'}"
    monkeypatch.setenv("NEIGHBOURLY_DB", url)
    store = Store.open(url)
    demo = {k: Upload(f"demo_{k}.csv", (ROOT / "data" / f"demo_{k}.csv").read_bytes())
            for k in ("members", "events", "attendance")}
    snapshots.keep(store, demo, {}, "")
    store.close()
    return url


def open_page(path: str) -> AppTest:
    return run_page(path, timeout=TIMEOUT)


def checkins(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.main.dataframe if "risk_reasons" in d.value.columns)


def texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


def test_a_logged_contact_is_kept_shown_as_text_and_its_follow_up_comes_first(db):
    at = open_page("pages/4_Connection_risk.py")
    before = checkins(at)
    last = before.iloc[-1]  # the lowest score on the list
    at.selectbox(key="risk_log_person").set_value(last["member_id"])
    at.selectbox(key="risk_log_outcome").set_value("no_answer")
    at.text_area(key="risk_log_note").input(NOTE)
    at.date_input(key="risk_log_follow_up").set_value(date.today())
    next(b for b in at.button if b.label == "Log contact").click().run()
    assert not at.exception, [e.value for e in at.exception]

    store = Store.open(db)
    log = FollowThrough(store).contacts()
    store.close()
    assert log[["member_id", "outcome", "note", "logged_by"]].values.tolist() == [
        [last["member_id"], "no_answer", NOTE, ""]]
    assert log["follow_up_on"].tolist() == [date.today()]

    fresh = open_page("pages/4_Connection_risk.py")  # a new session: it is the workspace's
    table = checkins(fresh)
    assert table.iloc[0]["member_id"] == last["member_id"]  # due follow-ups first
    assert table.iloc[0]["last_outcome"] == "no_answer" and table.iloc[0]["follow_up_on"] == f"{date.today()}"
    assert len(table) == len(before)  # no answer: still on the list
    assert any(m.value == "**Follow-ups due (1)**" for m in fresh.markdown)
    assert any(t.startswith(f"{last['name']}: follow-up due {date.today()}") for t in texts(fresh))
    fresh.selectbox(key="risk_history").set_value(last["member_id"]).run()
    assert NOTE in texts(fresh)  # the note exactly as typed, as text
    assert not any(NOTE in m.value or "Loves" in m.value for m in fresh.markdown)


def test_reached_people_rest_and_do_not_contact_leaves_the_list_and_the_buddies(db):
    at = open_page("pages/4_Connection_risk.py")
    table = checkins(at)
    with_buddy = table[table["buddy"] != ""]
    reached, never = with_buddy.iloc[0], with_buddy.iloc[1]
    intro = open_page("pages/5_Introductions.py")
    suggestions = next(d.value for d in intro.main.dataframe if "buddy_id" in d.value.columns)
    buddy_id = suggestions["buddy_id"].value_counts().index[0]  # a regular suggested to someone
    store = Store.open(db)
    members = snapshots.community(store.latest()).members.set_index("member_id")
    follow = FollowThrough(store)
    for mid, outcome in ((reached["member_id"], "reached"), (never["member_id"], "do_not_contact"),
                         (buddy_id, "do_not_contact")):
        follow.log_contact(Contact(members.loc[mid, "email"], mid, date.today(), outcome))
    store.close()

    at = open_page("pages/4_Connection_risk.py")
    after = checkins(at)
    assert not {reached["member_id"], never["member_id"], buddy_id} & set(after["member_id"])
    assert len(after) == len(table) - 2  # the regular wasn't on it
    assert any("1 reached recently, hidden for now" in t and "2 asked not to be contacted" in t for t in texts(at))
    intro = open_page("pages/5_Introductions.py")
    again = next(d.value for d in intro.main.dataframe if "buddy_id" in d.value.columns)
    assert never["member_id"] not in set(again["member_id"])
    assert buddy_id not in set(again["buddy_id"]) and buddy_id not in set(again["member_id"])
    assert reached["member_id"] in set(again["member_id"])  # reached people still get a buddy


def test_the_demo_logs_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("NEIGHBOURLY_DB", f"sqlite:///{tmp_path / 'empty.db'}")
    at = open_page("pages/4_Connection_risk.py")
    assert not [b for b in at.button if b.label == "Log contact"]
    assert any("demo community aren't kept" in c.value for c in at.caption)


def test_a_helper_logs_a_contact_under_the_person_s_email_and_their_own(db, monkeypatch):
    """A helper's frames have no emails in them; the contact is still kept under the person's
    email (matched on the whole community), and the helper is who logged it."""
    from datetime import UTC, datetime

    from argon2 import PasswordHasher, profiles

    from dashboard.auth.roles import HELPER
    from dashboard.store.users import Users
    from dashboard.ui import signin

    store = Store.open(db)
    Users(store).add("hana@example.org", HELPER, "correct horse battery", "test",
                     hasher=PasswordHasher.from_parameters(profiles.CHEAPEST))
    members = snapshots.community(store.latest()).members.set_index("member_id")
    store.close()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.switch_page("pages/4_Connection_risk.py")
    at.session_state[signin.KEY_SIGNED_IN] = signin.SignedIn("hana@example.org", datetime.now(UTC))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    person = checkins(at).iloc[0]["member_id"]
    at.selectbox(key="risk_log_person").set_value(person)
    next(b for b in at.button if b.label == "Log contact").click().run()
    assert not at.exception, [e.value for e in at.exception]
    store = Store.open(db)
    log = FollowThrough(store).contacts()
    store.close()
    assert log[["person_key", "member_id", "logged_by"]].values.tolist() == [
        [members.loc[person, "email"], person, "hana@example.org"]]
    assert person not in set(checkins(at)["member_id"])  # reached today: resting


def review_frame(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.main.dataframe if "decision" in d.value.columns)


def test_decisions_are_kept_declined_pairs_go_and_an_approved_pair_can_be_marked_introduced(db):
    from dashboard import introductions

    at = open_page("pages/5_Introductions.py")
    table = review_frame(at)
    approve, decline = table.iloc[0], table.iloc[1]
    key = f"intro_review_{introductions.review_key(table)}"
    at.session_state[key] = {"edited_rows": {0: {"decision": "approve"}, 1: {"decision": "decline"}},
                             "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    store = Store.open(db)
    kept = FollowThrough(store).introductions()
    assert sorted(kept["status"]) == ["approved", "declined"]

    fresh = open_page("pages/5_Introductions.py")  # another session
    again = review_frame(fresh)
    pairs = set(zip(again["member_id"], again["buddy_id"]))
    assert (decline["member_id"], decline["buddy_id"]) not in pairs  # never offered again
    assert decline["member_id"] in set(again["member_id"])  # they get another buddy instead
    row = again[(again["member_id"] == approve["member_id"]) & (again["buddy_id"] == approve["buddy_id"])]
    assert row["decision"].tolist() == ["approve"]
    assert any("1 approved (not introduced yet), 1 declined" in t for t in texts(fresh))

    fresh.selectbox(key="intro_pair").set_value(int(kept.loc[kept["status"] == "approved", "id"].iloc[0]))
    next(b for b in fresh.button if b.label == "Mark as introduced").click().run()
    assert not fresh.exception, [e.value for e in fresh.exception]
    kept = FollowThrough(store).introductions().set_index("status")
    assert kept.loc["introduced", "introduced_on"] == date.today()
    metrics = {m.label: m.value for m in fresh.metric}
    assert metrics["Introduced"] == "1" and metrics["Met since"] == "0"
    assert any(t == "Introduced, not met yet: 1 pair" for t in texts(fresh))
    FollowThrough(store).record_met({int(kept.loc["introduced", "id"]): date.today()})
    store.close()
    fresh.run()
    assert {m.label: m.value for m in fresh.metric}["Met since"] == "1"
    assert any(t == "Met since: 1 pair" for t in texts(fresh))
