"""Users, sign-in state and the audit log in the workspace database.

The rules live in ``dashboard.auth`` (pure); this module only reads and writes their
state, so failure counts and locks survive a restart and hold across server processes.
Every method opens and closes its own transaction (as ``Store`` does); the argon2 work
happens outside any transaction, so a sign-in never holds the database's write lock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy import Connection, delete, func, insert, select, update

from dashboard.auth.passwords import HASHER, hash_password
from dashboard.auth.roles import ORGANISER, policy_for
from dashboard.auth.signin import NO_MATCH, Account, Attempt, Lock, locked_message, normalise_email, sign_in, utc
from dashboard.store import schema as t
from dashboard.store.workspace import Store

#: rows of failed sign-ins with unknown emails are dropped this long after their last failure
FORGET_FAILURES_AFTER = timedelta(days=1)


class UserError(ValueError):
    """A user change that can't be made; the message says why in one line."""


@dataclass(frozen=True)
class User:
    """A user as listed (never the password hash)."""

    email: str
    role: str
    created_at: datetime
    last_sign_in_at: datetime | None
    failures: int
    locked_until: datetime | None


@dataclass(frozen=True)
class AuditEntry:
    """One audit record: who did what, when (never member data)."""

    at: datetime
    actor: str
    action: str
    detail: str


def _when(moment: datetime | None) -> datetime | None:
    return None if moment is None else utc(moment)


def _user(row) -> User:
    return User(row.email, row.role, utc(row.created_at), _when(row.last_sign_in_at), int(row.failures),
                _when(row.locked_until))


def _now(now: datetime | None) -> datetime:
    return utc(now) if now is not None else datetime.now(UTC)


def _email(text: str) -> str:
    try:
        return normalise_email(text)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _role(role: str) -> str:
    try:
        return policy_for(role).role
    except ValueError as exc:
        raise UserError(str(exc)) from None


class Users:
    """The workspace's users and audit log: ``Users(store)``."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def _tx(self, write: bool = False):
        return self._store._tx(write=write)  # the store's one way to open a transaction

    # --- the audit log ---------------------------------------------------------------------

    @staticmethod
    def _record(conn: Connection, actor: str, action: str, detail: str, now: datetime) -> None:
        conn.execute(insert(t.audit).values(at=now, actor=actor[:320], action=action[:40], detail=detail[:400]))

    def record(self, actor: str, action: str, detail: str = "", now: datetime | None = None) -> None:
        """Add one audit record (a download, an erasure...): what was done, never whose data."""
        with self._tx(write=True) as conn:
            self._record(conn, actor, action, detail, _now(now))

    def audit(self, limit: int = 500) -> list[AuditEntry]:
        """The newest audit records first."""
        with self._tx() as conn:
            rows = conn.execute(select(t.audit).order_by(t.audit.c.id.desc()).limit(limit)).all()
        return [AuditEntry(utc(r.at), r.actor, r.action, r.detail) for r in rows]

    # --- users -----------------------------------------------------------------------------

    def count(self) -> int:
        """How many users there are (any at all means every page asks for sign-in)."""
        with self._tx() as conn:
            return int(conn.execute(select(func.count()).select_from(t.users)).scalar() or 0)

    def list(self) -> list[User]:
        """Every user, by email."""
        with self._tx() as conn:
            return [_user(r) for r in conn.execute(select(t.users).order_by(t.users.c.email)).all()]

    def get(self, email: str) -> User | None:
        """One user (None when the email has no account)."""
        with self._tx() as conn:
            row = conn.execute(select(t.users).where(t.users.c.email == _email(email))).first()
        return None if row is None else _user(row)

    def add(self, email: str, role: str, password: str, actor: str, now: datetime | None = None,
            hasher: PasswordHasher = HASHER) -> User:
        """Create a user; ``UserError`` for a bad email, role or password, or an email already taken."""
        email, role, at = _email(email), _role(role), _now(now)
        try:
            password_hash = hash_password(password, hasher)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        with self._tx(write=True) as conn:
            if conn.execute(select(t.users.c.email).where(t.users.c.email == email)).first() is not None:
                raise UserError(f"{email} already has an account; change its role with `users role {email} ROLE`")
            conn.execute(insert(t.users).values(email=email, role=role, password_hash=password_hash, created_at=at,
                                                last_sign_in_at=None, failures=0, locked_until=None))
            self._record(conn, actor, "user_added", f"{email} as {role}", at)
        return User(email, role, at, None, 0, None)

    def add_first_organiser(self, email: str, password: str, actor: str, now: datetime | None = None,
                            hasher: PasswordHasher = HASHER) -> User:
        """Create the workspace's first user, an organiser; ``UserError`` once any user exists
        (checked under the write lock, so two browsers at once can't both make one)."""
        email, at = _email(email), _now(now)
        try:
            password_hash = hash_password(password, hasher)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        with self._tx(write=True) as conn:
            if conn.dialect.name == "postgresql":  # SQLite's write transaction already excludes other writers
                conn.exec_driver_sql("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")
            if conn.execute(select(func.count()).select_from(t.users)).scalar():
                raise UserError("this workspace has an account already: sign in, or ask an organiser for one")
            conn.execute(insert(t.users).values(email=email, role=ORGANISER, password_hash=password_hash,
                                                created_at=at, last_sign_in_at=at, failures=0, locked_until=None))
            self._record(conn, actor, "user_added", f"{email} as {ORGANISER} (the first, in the app)", at)
        return User(email, ORGANISER, at, at, 0, None)

    def _other_organisers(self, conn: Connection, email: str) -> int:
        return int(conn.execute(select(func.count()).select_from(t.users).where(
            t.users.c.role == ORGANISER, t.users.c.email != email)).scalar() or 0)

    def _users_besides(self, conn: Connection, email: str) -> int:
        return int(conn.execute(select(func.count()).select_from(t.users).where(t.users.c.email != email)).scalar() or 0)

    def _existing(self, conn: Connection, email: str):
        row = conn.execute(select(t.users).where(t.users.c.email == email).with_for_update()).first()
        if row is None:
            raise UserError(f"{email} has no account (see `users list`)")
        return row

    def remove(self, email: str, actor: str, now: datetime | None = None) -> None:
        """Delete a user; refused for the last organiser while other users remain (nobody could manage them)."""
        email, at = _email(email), _now(now)
        with self._tx(write=True) as conn:
            row = self._existing(conn, email)
            if row.role == ORGANISER and self._other_organisers(conn, email) == 0 and self._users_besides(conn, email):
                raise UserError(f"{email} is the last organiser: make another user an organiser first")
            conn.execute(delete(t.users).where(t.users.c.email == email))
            self._record(conn, actor, "user_removed", email, at)

    def set_role(self, email: str, role: str, actor: str, now: datetime | None = None) -> User:
        """Change a user's role; refused when it would leave the other users with no organiser."""
        email, role, at = _email(email), _role(role), _now(now)
        with self._tx(write=True) as conn:
            row = self._existing(conn, email)
            if row.role == ORGANISER and role != ORGANISER and self._other_organisers(conn, email) == 0:
                raise UserError(f"{email} is the last organiser: make another user an organiser first")
            if row.role != role:
                conn.execute(update(t.users).where(t.users.c.email == email).values(role=role))
                self._record(conn, actor, "role_changed", f"{email}: {row.role} -> {role}", at)
        return replace(_user(row), role=role)

    # --- signing in ------------------------------------------------------------------------

    def _account(self, email: str | None) -> tuple[Account | None, Lock]:
        if email is None:
            return None, Lock()
        with self._tx() as conn:
            row = conn.execute(select(t.users).where(t.users.c.email == email)).first()
            if row is not None:
                lock = Lock(int(row.failures), _when(row.locked_until))
                return Account(row.email, row.role, row.password_hash, lock), lock
            seen = conn.execute(select(t.sign_in_failures).where(t.sign_in_failures.c.email == email)).first()
        return None, Lock() if seen is None else Lock(int(seen.failures), _when(seen.locked_until))

    def sign_in(self, email: str, password: str, now: datetime | None = None,
                hasher: PasswordHasher = HASHER) -> Attempt:
        """Check an email and password at ``now`` and keep the outcome (failure count, lock,
        last sign-in, audit). Known and unknown emails take the same path (``dashboard.auth.signin``)."""
        at = _now(now)
        try:
            key: str | None = normalise_email(email)
        except ValueError:
            key = None
        account, lock = self._account(key)
        attempt = sign_in(account, password, at, lock=lock, hasher=hasher)  # argon2: outside any transaction
        with self._tx(write=True) as conn:
            if key is None:
                self._record(conn, "(not an email)", "sign_in_failed", "", at)
                return attempt
            if attempt.ok:
                return self._signed_in(conn, key, attempt, at)
            if lock.locked_at(at):
                self._record(conn, key, "sign_in_failed", f"locked until {lock.locked_until:%Y-%m-%d %H:%M} UTC", at)
                return attempt
            return self._failed(conn, key, attempt, at)

    def provider_sign_in(self, email: str | None, provider: str, now: datetime | None = None) -> User | None:
        """The user an identity provider vouched for (``email``: its verified email, None when it
        gave none), keeping the sign-in; None, recorded as a failed sign-in, when no user has it."""
        at = _now(now)
        with self._tx(write=True) as conn:
            row = None if email is None else conn.execute(select(t.users).where(t.users.c.email == email)).first()
            if row is None:
                self._record(conn, email or "(no verified email)", "sign_in_failed",
                             f"{provider}: no account with this email", at)
                return None
            conn.execute(update(t.users).where(t.users.c.email == row.email).values(last_sign_in_at=at))
            self._record(conn, row.email, "signed_in", f"with {provider}", at)
        return replace(_user(row), last_sign_in_at=at)

    def _signed_in(self, conn: Connection, email: str, attempt: Attempt, at: datetime) -> Attempt:
        values: dict[str, object] = {"failures": 0, "locked_until": None, "last_sign_in_at": at}
        if attempt.new_hash:
            values["password_hash"] = attempt.new_hash
        if conn.execute(update(t.users).where(t.users.c.email == email).values(**values)).rowcount == 0:
            return Attempt(False, NO_MATCH, Lock())  # removed between the check and now
        self._record(conn, email, "signed_in", "", at)
        return attempt

    def _failed(self, conn: Connection, email: str, attempt: Attempt, at: datetime) -> Attempt:
        """Count one more failure against the stored state (re-read under the write lock, so
        failures from two processes at once both count)."""
        row = conn.execute(select(t.users.c.failures, t.users.c.locked_until)
                           .where(t.users.c.email == email).with_for_update()).first()
        table = t.users
        if row is None:
            table = t.sign_in_failures
            conn.execute(delete(table).where(table.c.last_failed_at < at - FORGET_FAILURES_AFTER, table.c.email != email))
            row = conn.execute(select(table.c.failures, table.c.locked_until)
                               .where(table.c.email == email).with_for_update()).first()
            if row is None:
                conn.execute(insert(table).values(email=email, failures=0, locked_until=None, last_failed_at=at))
        current = Lock(int(row[0]), _when(row[1])) if row is not None else Lock(0, None)
        after = current if current.locked_at(at) else current.after_failure(at)
        values: dict[str, object] = {"failures": after.failures, "locked_until": after.locked_until}
        if table is t.sign_in_failures:
            values["last_failed_at"] = at
        conn.execute(update(table).where(table.c.email == email).values(**values))
        locked = after.locked_at(at)
        detail = f"locked until {after.locked_until:%Y-%m-%d %H:%M} UTC" if locked else f"failure {after.failures}"
        self._record(conn, email, "sign_in_failed", detail, at)
        until = after.locked_until
        message = locked_message(until) if locked and until is not None else attempt.message
        return replace(attempt, lock=after, message=message)
