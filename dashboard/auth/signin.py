"""Signing in: one path for every email, a lockout after repeated failures, idle expiry.

Pure: the account, its failure count and the clock (``now``) are passed in and the
new state comes back; the workspace store keeps it, so a restart or a second server
process does not reset a lockout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher

from dashboard.auth.passwords import HASHER, dummy_hash, needs_rehash, verify_password

#: this many failures in a row lock the account...
MAX_FAILURES = 5
#: ...for this long
LOCK_FOR = timedelta(minutes=15)
#: a signed-in session with no activity for this long must sign in again (a setting)
DEFAULT_IDLE = timedelta(minutes=30)
IDLE_ENV = "NEIGHBOURLY_IDLE_MINUTES"

#: what a wrong password and an unknown email both get: never which of the two it was
NO_MATCH = "That email and password don't match an account here."

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


def normalise_email(text: str) -> str:
    """The email as accounts are keyed: trimmed and case-folded; ``ValueError`` when it is no email."""
    email = str(text).strip().casefold()
    if not _EMAIL.fullmatch(email):
        raise ValueError(f"{str(text).strip()!r} is not an email address (name@example.org)")
    return email


def utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime (a naive one, as SQLite returns it, is taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


@dataclass(frozen=True)
class Lock:
    """Failed sign-ins in a row for one email, and until when it is locked."""

    failures: int = 0
    locked_until: datetime | None = None

    def locked_at(self, now: datetime) -> bool:
        """Whether sign-in is refused at ``now``."""
        return self.locked_until is not None and utc(now) < utc(self.locked_until)

    def after_failure(self, now: datetime) -> "Lock":
        """The state after one more failure at ``now`` (a lock that ran out starts the count again)."""
        failures = 1 if self.locked_until is not None else self.failures + 1
        if failures >= MAX_FAILURES:
            return Lock(failures, utc(now) + LOCK_FOR)
        return Lock(failures, None)


@dataclass(frozen=True)
class Account:
    """A user as the sign-in check needs it."""

    email: str
    role: str
    password_hash: str
    lock: Lock = Lock()


@dataclass(frozen=True)
class Attempt:
    """The outcome of one sign-in attempt and the state to keep."""

    ok: bool
    message: str  # "" when ok; otherwise what the page shows
    lock: Lock  # to store for this email, whether or not an account has it
    account: Account | None = None  # the signed-in account (ok only)
    new_hash: str | None = None  # store it: the old hash's parameters are outdated

    @property
    def locked_until(self) -> datetime | None:
        """Until when this email is locked (None when it is not)."""
        return self.lock.locked_until


def locked_message(until: datetime) -> str:
    """What the page says while an email is locked."""
    return (
        f"Too many failed sign-ins with this email: try again after {utc(until):%d %B %Y, %H:%M} UTC, "
        "or ask an organiser to check your account."
    )


def sign_in(
    account: Account | None,
    password: str,
    now: datetime,
    lock: Lock | None = None,
    hasher: PasswordHasher = HASHER,
) -> Attempt:
    """Check a password for an email's ``account`` (None: no such email) at ``now``.

    Every attempt runs exactly one argon2 verification (against a dummy hash when the
    email is unknown or locked), and an unknown email is counted and locked exactly
    like a known one, so neither the time, the message nor the lockout tells whether
    an email has an account. ``lock`` defaults to the account's own.
    """
    if lock is None:
        lock = account.lock if account is not None else Lock()
    locked = lock.locked_at(now)
    target = account.password_hash if account is not None and not locked else dummy_hash(hasher)
    matched = verify_password(target, password, hasher)
    if locked and lock.locked_until is not None:  # locked always has an end
        return Attempt(False, locked_message(lock.locked_until), lock)
    if account is None or not matched:
        after = lock.after_failure(now)
        until = after.locked_until
        message = locked_message(until) if until is not None and after.locked_at(now) else NO_MATCH
        return Attempt(False, message, after)
    fresh = Lock()
    new_hash = hasher.hash(password) if needs_rehash(account.password_hash, hasher) else None
    signed_in = replace(account, lock=fresh, password_hash=new_hash or account.password_hash)
    return Attempt(True, "", fresh, signed_in, new_hash)


def idle_timeout(value: str | None) -> timedelta:
    """The idle expiry from the ``NEIGHBOURLY_IDLE_MINUTES`` setting (unset or "": the default)."""
    if value is None or value.strip() == "":
        return DEFAULT_IDLE
    try:
        minutes = int(value.strip())
    except ValueError:
        minutes = 0
    if minutes < 1:
        raise ValueError(f"{IDLE_ENV}={value!r}: give a whole number of minutes, at least 1 (default 30)")
    return timedelta(minutes=minutes)


def session_expired(last_seen: datetime | None, now: datetime, idle: timedelta = DEFAULT_IDLE) -> bool:
    """Whether a session last active at ``last_seen`` must sign in again at ``now``."""
    if last_seen is None:
        return True
    return utc(now) - utc(last_seen) >= idle
