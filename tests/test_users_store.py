"""Users, sign-in state and the audit log in the workspace database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher, extract_parameters, profiles
from sqlalchemy import create_engine, inspect, text

from dashboard.auth.passwords import HASHER
from dashboard.auth.signin import LOCK_FOR, MAX_FAILURES, NO_MATCH
from dashboard.ingest import Upload
from dashboard.store import Counts, Store
from dashboard.store.users import FORGET_FAILURES_AFTER, UserError, Users

CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)
NOW = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
ME = "command line (test)"


@pytest.fixture
def store(db_url):
    s = Store.open(db_url)
    yield s
    s.close()


@pytest.fixture
def users(store):
    u = Users(store)
    u.add("ana@example.org", "organiser", PASSWORD, ME, now=NOW, hasher=CHEAP)
    return u


def fail(users, email, times, start=NOW):
    attempt = None
    for i in range(times):
        attempt = users.sign_in(email, "wrong password!", start + timedelta(seconds=i), hasher=CHEAP)
    return attempt


# --- users ---------------------------------------------------------------------------


def test_a_new_workspace_has_no_users(store):
    assert Users(store).count() == 0 and Users(store).list() == []


def test_add_keeps_email_role_and_dates(users):
    (ana,) = users.list()
    assert (ana.email, ana.role, ana.created_at, ana.last_sign_in_at, ana.failures, ana.locked_until) == (
        "ana@example.org", "organiser", NOW, None, 0, None)
    assert users.count() == 1


def test_the_email_is_trimmed_and_case_folded(users):
    users.add("  Bo@Example.ORG ", "viewer", PASSWORD, ME, hasher=CHEAP)
    assert users.get("bo@example.org").role == "viewer" and users.get("BO@example.org") is not None


def test_only_an_argon2id_hash_is_stored(users, db_url):
    with create_engine(db_url).connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users")).scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize("email, role, password, message", [
    ("ana@example.org", "viewer", PASSWORD, "already has an account"),
    ("not an email", "viewer", PASSWORD, "not an email address"),
    ("bo@example.org", "admin", PASSWORD, "is not a role"),
    ("bo@example.org", "viewer", "eleven char", "at least 12"),
])
def test_bad_additions_are_refused_plainly(users, email, role, password, message):
    with pytest.raises(UserError, match=message):
        users.add(email, role, password, ME, hasher=CHEAP)
    assert users.count() == 1


def test_role_changes_and_removal(users):
    users.add("bo@example.org", "viewer", PASSWORD, ME, hasher=CHEAP)
    assert users.set_role("bo@example.org", "helper", ME).role == "helper"
    assert users.get("bo@example.org").role == "helper"
    users.remove("bo@example.org", ME)
    assert users.get("bo@example.org") is None


@pytest.mark.parametrize("change", ["remove", "role", "bad_role"])
def test_changes_to_a_user_who_is_not_there_are_refused(users, change):
    with pytest.raises(UserError):
        if change == "remove":
            users.remove("nobody@example.org", ME)
        elif change == "role":
            users.set_role("nobody@example.org", "viewer", ME)
        else:
            users.set_role("ana@example.org", "boss", ME)


def test_the_last_organiser_stays_while_others_remain(users):
    users.add("bo@example.org", "viewer", PASSWORD, ME, hasher=CHEAP)
    for change in (lambda: users.remove("ana@example.org", ME), lambda: users.set_role("ana@example.org", "helper", ME)):
        with pytest.raises(UserError, match="last organiser"):
            change()
    users.set_role("bo@example.org", "organiser", ME)
    users.remove("ana@example.org", ME)
    assert [u.email for u in users.list()] == ["bo@example.org"]


def test_the_only_user_can_be_removed(users):
    users.remove("ana@example.org", ME)
    assert users.count() == 0


# --- the audit log ---------------------------------------------------------------------


def test_every_user_change_is_audited(users):
    users.add("bo@example.org", "viewer", PASSWORD, ME, now=NOW + timedelta(minutes=1), hasher=CHEAP)
    users.set_role("bo@example.org", "helper", ME, now=NOW + timedelta(minutes=2))
    users.remove("bo@example.org", ME, now=NOW + timedelta(minutes=3))
    entries = [(e.actor, e.action, e.detail) for e in users.audit()]
    assert entries == [
        (ME, "user_removed", "bo@example.org"),
        (ME, "role_changed", "bo@example.org: viewer -> helper"),
        (ME, "user_added", "bo@example.org as viewer"),
        (ME, "user_added", "ana@example.org as organiser"),
    ]
    assert users.audit()[0].at == NOW + timedelta(minutes=3)


def test_a_refused_change_leaves_no_audit_record(users):
    with pytest.raises(UserError):
        users.add("ana@example.org", "viewer", PASSWORD, ME, hasher=CHEAP)
    assert len(users.audit()) == 1


def test_downloads_and_erasures_are_recorded_without_member_data(users, store):
    users.record("ana@example.org", "download", "check-in-list.csv, 23 rows", now=NOW)
    assert users.audit()[0].action == "download"
    columns = {c["name"] for c in inspect(store._engine).get_columns("audit")}
    assert columns == {"id", "at", "actor", "action", "detail"}


# --- signing in ------------------------------------------------------------------------


def test_signing_in_records_when(users):
    attempt = users.sign_in(" ANA@example.org", PASSWORD, NOW + timedelta(hours=1), hasher=CHEAP)
    assert attempt.ok and attempt.account.role == "organiser"
    assert users.get("ana@example.org").last_sign_in_at == NOW + timedelta(hours=1)
    assert users.audit()[0].action == "signed_in"


def test_wrong_password_and_unknown_email_get_the_same_message(users):
    wrong = users.sign_in("ana@example.org", "wrong password!", NOW, hasher=CHEAP)
    unknown = users.sign_in("zed@example.org", "wrong password!", NOW, hasher=CHEAP)
    garbage = users.sign_in("no email at all", "wrong password!", NOW, hasher=CHEAP)
    assert wrong.message == unknown.message == garbage.message == NO_MATCH
    assert [e.action for e in users.audit()[:3]] == ["sign_in_failed"] * 3


def test_five_failures_lock_the_account_across_a_restart(users, db_url):
    attempt = fail(users, "ana@example.org", MAX_FAILURES)
    until = NOW + timedelta(seconds=MAX_FAILURES - 1) + LOCK_FOR
    assert attempt.locked_until == until and "try again after" in attempt.message
    users._store.close()
    restarted = Users(Store.open(db_url))  # a new process: nothing kept in memory
    try:
        assert restarted.get("ana@example.org").locked_until == until
        refused = restarted.sign_in("ana@example.org", PASSWORD, until - timedelta(seconds=1), hasher=CHEAP)
        assert not refused.ok and refused.locked_until == until
        assert restarted.sign_in("ana@example.org", PASSWORD, until, hasher=CHEAP).ok
        assert restarted.get("ana@example.org").failures == 0
    finally:
        restarted._store.close()


def test_failures_from_two_server_processes_add_up(users, db_url):
    other = Users(Store.open(db_url))
    try:
        for i in range(MAX_FAILURES):
            who = users if i % 2 else other
            attempt = who.sign_in("ana@example.org", "wrong password!", NOW + timedelta(seconds=i), hasher=CHEAP)
        assert attempt.locked_until is not None
    finally:
        other._store.close()


def test_an_unknown_email_locks_like_a_known_one(users):
    known = fail(users, "ana@example.org", MAX_FAILURES)
    unknown = fail(users, "zed@example.org", MAX_FAILURES)
    assert known.locked_until == unknown.locked_until and known.message == unknown.message


def test_failures_of_unknown_emails_are_forgotten_after_a_day(users, db_url):
    fail(users, "zed@example.org", 2)
    fail(users, "yan@example.org", 1, start=NOW + FORGET_FAILURES_AFTER + LOCK_FOR + timedelta(hours=1))
    with create_engine(db_url).connect() as conn:
        assert [r[0] for r in conn.execute(text("SELECT email FROM sign_in_failures"))] == ["yan@example.org"]


def test_a_hash_with_old_parameters_is_upgraded_on_sign_in(users):
    assert users.sign_in("ana@example.org", PASSWORD, NOW, hasher=HASHER).ok
    attempt = users.sign_in("ana@example.org", PASSWORD, NOW, hasher=HASHER)
    assert attempt.ok and attempt.new_hash is None  # the first sign-in stored the stronger hash
    stored = users._account("ana@example.org")[0].password_hash
    assert extract_parameters(stored) == extract_parameters(HASHER.hash(PASSWORD))


# --- the migration -----------------------------------------------------------------------


def test_an_existing_workspace_gains_users_and_keeps_its_snapshots(db_url):
    old = Store.open(db_url, revision="0002_settings")
    kept = old.keep({"members": Upload("m.csv", b"Name,Email\nAna,ana@example.org\n")}, {}, "GB", Counts(1, 0, 0))
    old.close()
    with create_engine(db_url).connect() as conn:
        assert "users" not in inspect(conn).get_table_names()
    new = Store.open(db_url)
    try:
        assert new.latest().id == kept.id
        Users(new).add("ana@example.org", "organiser", PASSWORD, ME, hasher=CHEAP)
        assert Users(new).count() == 1
    finally:
        new.close()


def test_erasing_the_workspace_keeps_users_and_audit(users, store):
    store.erase()
    assert users.count() == 1 and users.audit()


# --- the first organiser, from the app -------------------------------------------------


def test_the_first_organiser_is_made_in_an_empty_workspace_and_signed_in(store):
    users = Users(store)
    first = users.add_first_organiser(" Ana@Example.org", PASSWORD, "this computer", now=NOW, hasher=CHEAP)
    assert (first.email, first.role, first.last_sign_in_at) == ("ana@example.org", "organiser", NOW)
    assert users.sign_in("ana@example.org", PASSWORD, NOW, hasher=CHEAP).ok
    assert [(e.actor, e.action) for e in users.audit()][-1] == ("this computer", "user_added")


def test_once_anyone_has_an_account_no_first_organiser_can_be_made(users):
    with pytest.raises(UserError, match="has an account already: sign in"):
        users.add_first_organiser("mallory@example.org", PASSWORD, "this computer", hasher=CHEAP)
    assert [u.email for u in users.list()] == ["ana@example.org"]


def test_the_first_organiser_needs_a_good_password(store):
    with pytest.raises(UserError, match="at least 12"):
        Users(store).add_first_organiser("ana@example.org", "short", "this computer", hasher=CHEAP)
    assert Users(store).count() == 0


# --- signing in with an identity provider ----------------------------------------------


def test_a_provider_identity_with_a_users_email_signs_in_as_that_user(users):
    user = users.provider_sign_in("ana@example.org", "google", now=NOW + timedelta(hours=1))
    assert user is not None and user.role == "organiser"
    assert users.get("ana@example.org").last_sign_in_at == NOW + timedelta(hours=1)
    assert (users.audit()[0].actor, users.audit()[0].action, users.audit()[0].detail) == (
        "ana@example.org", "signed_in", "with google")


@pytest.mark.parametrize("email", ["zed@example.org", None])
def test_a_provider_identity_with_no_user_here_is_a_failed_sign_in(users, email):
    assert users.provider_sign_in(email, "google", now=NOW) is None
    entry = users.audit()[0]
    assert entry.action == "sign_in_failed" and entry.detail == "google: no account with this email"
    assert users.count() == 1
