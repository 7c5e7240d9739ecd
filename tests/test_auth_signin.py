"""Sign-in: one path and one message for every email, the lockout clock, idle expiry."""

import time
from datetime import datetime, timedelta, timezone

import pytest
from argon2 import PasswordHasher, profiles

from dashboard.auth.passwords import HASHER, dummy_hash, hash_password
from dashboard.auth.signin import (
    DEFAULT_IDLE,
    LOCK_FOR,
    MAX_FAILURES,
    NO_MATCH,
    Account,
    Lock,
    idle_timeout,
    normalise_email,
    session_expired,
    sign_in,
)

NOW = datetime(2026, 12, 2, 20, 0, tzinfo=timezone.utc)
PASSWORD = "correct horse battery"


class SpyHasher(PasswordHasher):
    """argon2's cheapest parameters, recording every hash verified."""

    def __init__(self):
        params = profiles.CHEAPEST
        super().__init__(time_cost=params.time_cost, memory_cost=params.memory_cost, parallelism=params.parallelism,
                         hash_len=params.hash_len, salt_len=params.salt_len, type=params.type)
        self.verified: list[str] = []
        self.hashed = 0

    def verify(self, hash, password):  # noqa: A002 - argon2's own parameter name
        self.verified.append(hash if isinstance(hash, str) else hash.decode())
        return super().verify(hash, password)

    def hash(self, password, *, salt=None):
        self.hashed += 1
        return super().hash(password, salt=salt)


@pytest.fixture
def spy():
    hasher = SpyHasher()
    dummy_hash(hasher)  # made once per hasher, before the attempts under test
    hasher.hashed = 0
    return hasher


@pytest.fixture
def account(spy):
    stored = hash_password(PASSWORD, spy)
    spy.hashed = 0
    return Account("ana@example.org", "organiser", stored)


def fail_times(account, n, spy, start=NOW):
    attempt = None
    for i in range(n):
        attempt = sign_in(account, "wrong password!", start + timedelta(seconds=i), hasher=spy)
        account = Account(account.email, account.role, account.password_hash, attempt.lock)
    return account, attempt


# --- one path for every email -------------------------------------------------------


def test_right_password_signs_in(account, spy):
    attempt = sign_in(account, PASSWORD, NOW, hasher=spy)
    assert attempt.ok and attempt.message == "" and attempt.account.email == "ana@example.org"
    assert spy.verified == [account.password_hash]


def test_wrong_password_verifies_the_accounts_hash_once(account, spy):
    attempt = sign_in(account, "not the password", NOW, hasher=spy)
    assert not attempt.ok and attempt.account is None
    assert spy.verified == [account.password_hash]


def test_unknown_email_verifies_the_dummy_hash_once(spy):
    attempt = sign_in(None, PASSWORD, NOW, hasher=spy)
    assert not attempt.ok
    assert spy.verified == [dummy_hash(spy)]


def test_unknown_email_and_wrong_password_get_the_same_message_and_work(account, spy):
    wrong = sign_in(account, "not the password", NOW, hasher=spy)
    unknown = sign_in(None, "not the password", NOW, hasher=spy)
    assert wrong.message == unknown.message == NO_MATCH
    assert wrong.lock == unknown.lock == Lock(1, None)
    assert len(spy.verified) == 2 and spy.hashed == 0  # one verify each, no other hashing


def test_unknown_email_takes_as_long_as_a_wrong_password():
    # with the app's real parameters: skipping the dummy verify would make this ~1000x faster
    real = Account("ana@example.org", "organiser", HASHER.hash(PASSWORD))
    dummy_hash(HASHER)

    def best_of_two(acct):
        times = []
        for _ in range(2):
            start = time.perf_counter()
            sign_in(acct, "not the password", NOW)
            times.append(time.perf_counter() - start)
        return min(times)

    wrong, unknown = best_of_two(real), best_of_two(None)
    assert 0.33 < unknown / wrong < 3, (wrong, unknown)


def test_a_malformed_stored_hash_fails_like_a_wrong_password(spy):
    broken = Account("ana@example.org", "organiser", "not a hash")
    attempt = sign_in(broken, PASSWORD, NOW, hasher=spy)
    assert not attempt.ok and attempt.message == NO_MATCH


def test_an_outdated_hash_is_replaced_on_sign_in(account):
    attempt = sign_in(account, PASSWORD, NOW, hasher=HASHER)  # the account's hash is the cheap one
    assert attempt.ok and attempt.new_hash is not None and attempt.new_hash.startswith("$argon2id$v=19$m=65536")
    assert attempt.account.password_hash == attempt.new_hash


def test_a_current_hash_is_kept(account, spy):
    assert sign_in(account, PASSWORD, NOW, hasher=spy).new_hash is None


# --- lockout, with the clock injected -------------------------------------------------


def test_four_failures_do_not_lock(account, spy):
    locked, attempt = fail_times(account, MAX_FAILURES - 1, spy)
    assert attempt.message == NO_MATCH and attempt.locked_until is None
    assert sign_in(locked, PASSWORD, NOW + timedelta(minutes=1), hasher=spy).ok


def test_the_fifth_failure_locks_for_fifteen_minutes_and_says_until_when(account, spy):
    _, attempt = fail_times(account, MAX_FAILURES, spy)
    assert attempt.locked_until == NOW + timedelta(seconds=MAX_FAILURES - 1) + LOCK_FOR
    assert "20:15 UTC" in attempt.message and "02 December 2026" in attempt.message


def test_a_locked_account_refuses_even_the_right_password(account, spy):
    locked, last = fail_times(account, MAX_FAILURES, spy)
    spy.verified.clear()
    attempt = sign_in(locked, PASSWORD, last.locked_until - timedelta(seconds=1), hasher=spy)
    assert not attempt.ok and attempt.locked_until == last.locked_until and "try again after" in attempt.message
    assert spy.verified == [dummy_hash(spy)]  # still one verify, never against the real hash


def test_the_lock_ends_after_fifteen_minutes(account, spy):
    locked, last = fail_times(account, MAX_FAILURES, spy)
    attempt = sign_in(locked, PASSWORD, last.locked_until, hasher=spy)
    assert attempt.ok and attempt.lock == Lock()


def test_after_a_lock_runs_out_failures_count_from_one_again(account, spy):
    locked, last = fail_times(account, MAX_FAILURES, spy)
    attempt = sign_in(locked, "still wrong!!", last.locked_until + timedelta(minutes=1), hasher=spy)
    assert attempt.lock == Lock(1, None) and attempt.message == NO_MATCH


def test_a_success_resets_the_count(account, spy):
    failed, _ = fail_times(account, MAX_FAILURES - 1, spy)
    ok = sign_in(failed, PASSWORD, NOW + timedelta(minutes=1), hasher=spy)
    assert ok.lock == Lock() and ok.account.lock == Lock()


def test_an_unknown_email_locks_exactly_like_a_known_one(account, spy):
    lock_known, lock_unknown = Lock(), Lock()
    for i in range(MAX_FAILURES):
        moment = NOW + timedelta(seconds=i)
        known = sign_in(Account(account.email, account.role, account.password_hash, lock_known), "nope nope nope",
                        moment, hasher=spy)
        unknown = sign_in(None, "nope nope nope", moment, lock=lock_unknown, hasher=spy)
        lock_known, lock_unknown = known.lock, unknown.lock
        assert known.message == unknown.message
    assert lock_known == lock_unknown and lock_known.locked_at(NOW + timedelta(minutes=5))


def test_a_lock_read_back_without_timezone_is_taken_as_utc(account, spy):
    # SQLite returns naive datetimes
    naive_lock = Lock(MAX_FAILURES, (NOW + timedelta(minutes=10)).replace(tzinfo=None))
    held = Account(account.email, account.role, account.password_hash, naive_lock)
    assert not sign_in(held, PASSWORD, NOW, hasher=spy).ok
    assert sign_in(held, PASSWORD, NOW + timedelta(minutes=10), hasher=spy).ok


# --- emails and idle sessions -------------------------------------------------------


@pytest.mark.parametrize("text, email", [(" Ana@Example.ORG ", "ana@example.org"), ("a.b+c@x.co", "a.b+c@x.co")])
def test_emails_are_trimmed_and_case_folded(text, email):
    assert normalise_email(text) == email


@pytest.mark.parametrize("text", ["", "ana", "ana@", "@example.org", "a b@example.org", "a@b@c"])
def test_a_non_email_is_refused_with_a_hint(text):
    with pytest.raises(ValueError, match="not an email address"):
        normalise_email(text)


@pytest.mark.parametrize("idle_for, expired", [
    (timedelta(0), False), (DEFAULT_IDLE - timedelta(seconds=1), False), (DEFAULT_IDLE, True),
    (timedelta(days=2), True),
])
def test_a_session_expires_after_the_idle_time(idle_for, expired):
    assert session_expired(NOW - idle_for, NOW) is expired


def test_the_idle_time_is_a_setting():
    assert not session_expired(NOW - timedelta(minutes=50), NOW, timedelta(hours=1))
    assert session_expired(NOW - timedelta(minutes=50), NOW, timedelta(minutes=45))


def test_a_session_never_seen_is_expired():
    assert session_expired(None, NOW)


@pytest.mark.parametrize("value, minutes", [(None, 30), ("", 30), (" 45 ", 45), ("1", 1)])
def test_idle_timeout_reads_minutes(value, minutes):
    assert idle_timeout(value) == timedelta(minutes=minutes)


@pytest.mark.parametrize("value", ["0", "-5", "half an hour", "1.5"])
def test_idle_timeout_refuses_nonsense_plainly(value):
    with pytest.raises(ValueError, match="NEIGHBOURLY_IDLE_MINUTES=.*whole number of minutes"):
        idle_timeout(value)
