"""The contact log, introductions and erasure records in the workspace, on SQLite and PostgreSQL
(``db_url``), and the upgrade of a workspace made before they existed."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import create_engine, inspect, text

from dashboard.contacts import Contact, ContactError
from dashboard.ingest import Upload
from dashboard.introductions.lifecycle import Pair
from dashboard.settings import Settings
from dashboard.store import Counts, Store, head_revision
from dashboard.store.follow import FollowThrough, open_workspace

ANN = Pair("ann@example.org", "M00001", "bo@example.org", "M00002")


@pytest.fixture
def store(db_url):
    s = Store.open(db_url)
    yield s
    s.close()


def test_contacts_are_kept_and_seen_by_another_process(store, db_url):
    follow = FollowThrough(store)
    first = follow.log_contact(Contact("ann@example.org", "M00001", date(2026, 6, 1), "no_answer", "call"),
                               logged_by="org@example.org")
    follow.log_contact(Contact("ann@example.org", "M00001", date(2026, 6, 3), "reached", "in_person",
                               "  <b>likes</b> walks  ", date(2026, 6, 30)))
    other = Store.open(db_url)
    log = FollowThrough(other).contacts()
    other.close()
    assert log["id"].tolist()[0] == first
    assert log["outcome"].tolist() == ["no_answer", "reached"]
    assert log["note"].tolist() == ["", "<b>likes</b> walks"]  # trimmed, never interpreted
    assert log["follow_up_on"].tolist()[1] == date(2026, 6, 30)
    assert log["logged_by"].tolist() == ["org@example.org", ""]
    assert follow.delete_contact(first) is True and follow.delete_contact(first) is False
    assert len(follow.contacts()) == 1


def test_a_bad_contact_is_refused_and_nothing_is_written(store):
    follow = FollowThrough(store)
    with pytest.raises(ContactError):
        follow.log_contact(Contact("ann@example.org", "M1", date(2026, 6, 1), "waved"))
    assert follow.contacts().empty


def test_retention_deletes_entries_older_than_the_setting_when_the_workspace_opens(db_url):
    s = Store.open(db_url)
    follow = FollowThrough(s)
    for on in (date(2024, 12, 2), date(2024, 12, 3), date(2026, 7, 1)):
        follow.log_contact(Contact("ann@example.org", "M1", on, "reached", note=f"on {on}"))
    s.close()
    reopened, gone = open_workspace(db_url, date(2026, 12, 3))  # 24 months by default
    assert gone == 1
    assert [str(d) for d in FollowThrough(reopened).contacts()["contacted_on"]] == ["2024-12-03", "2026-07-01"]
    reopened.save_settings(dataclasses.replace(Settings(), retention_months=6))
    reopened.close()
    again, gone = open_workspace(db_url, date(2026, 12, 3))
    assert gone == 1 and len(FollowThrough(again).contacts()) == 1
    again.close()


def test_decisions_are_kept_per_pair_and_an_introduction_keeps_its_history(store):
    follow = FollowThrough(store)
    other = Pair("cy@example.org", "M00003", "bo@example.org", "M00002")
    follow.decide({ANN: "approve", other: "decline"}, logged_by="org@example.org")
    intros = follow.introductions().set_index("person_key")
    assert intros.loc["ann@example.org", "status"] == "approved"
    assert intros.loc["cy@example.org", "status"] == "declined"
    follow.introduce(ANN, date(2026, 6, 5))
    follow.decide({ANN: "undecided", other: "undecided"})  # the introduced pair keeps its history
    intros = follow.introductions()
    assert intros["status"].tolist() == ["introduced"]
    assert intros["introduced_on"].tolist() == [date(2026, 6, 5)]
    (intro_id,) = intros["id"].tolist()
    assert follow.record_met({intro_id: date(2026, 6, 20)}) == 1
    assert follow.record_met({intro_id: date(2026, 6, 21)}) == 0  # met once, on its first meeting
    intros = follow.introductions()
    assert intros["status"].tolist() == ["met"] and intros["met_on"].tolist() == [date(2026, 6, 20)]
    with pytest.raises(ValueError, match="not approve, decline or undecided"):
        follow.decide({other: "maybe"})


def test_erasing_the_workspace_erases_the_follow_through_too(store):
    follow = FollowThrough(store)
    follow.log_contact(Contact("ann@example.org", "M1", date(2026, 6, 1), "reached", note="Quentin's sister"))
    follow.introduce(ANN, date(2026, 6, 1))
    store.erase()
    assert follow.contacts().empty and follow.introductions().empty and follow.erasures() == []
    if store.path is not None:
        for f in store.path.parent.glob(store.path.name + "*"):
            assert b"Quentin" not in f.read_bytes() and b"ann@example.org" not in f.read_bytes(), f


def test_a_workspace_from_before_the_contact_log_is_upgraded_in_place(db_url):
    old = Store.open(db_url, revision="0003_users_audit")
    kept = old.keep({"members": Upload("m.csv", b"Name,Email\nAnn,ann@example.org\n")}, {}, "GB", Counts(1))
    old.close()
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert "contacts" not in inspect(conn).get_table_names()
    new = Store.open(db_url)
    assert new.latest().id == kept.id
    follow = FollowThrough(new)
    follow.log_contact(Contact("ann@example.org", "M00001", date(2026, 6, 1), "reached"))
    follow.introduce(ANN, date(2026, 6, 2), now=datetime(2026, 6, 2, tzinfo=UTC))
    assert len(follow.contacts()) == 1 and len(follow.introductions()) == 1
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        assert {"contacts", "introductions", "erasures"} <= tables
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
    new.close()
    engine.dispose()
