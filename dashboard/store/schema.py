"""The tables as the code reads and writes them (the migrations in ``migrations/versions`` create them).

One table per kind of fact the organiser gives the workspace. Later kinds (contact log,
introductions, users, audit) each add a migration and a table here, and a module of
functions beside ``snapshots.py``; nothing derived from the data (scores, tiers) is stored.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

snapshots = Table(
    "snapshots", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("country", String(8), nullable=False),
    # sizes of what was kept, for listing snapshots without loading them
    Column("members", Integer, nullable=False),
    Column("events", Integer, nullable=False),
    Column("attendance_rows", Integer, nullable=False),
)

snapshot_files = Table(
    "snapshot_files", metadata,
    Column("snapshot_id", Integer, ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("name", String(400), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("sheet", String(400), nullable=True),
    Column("overrides", JSON, nullable=False),
    Column("date_orders", JSON, nullable=False),
    Column("sha256", String(64), nullable=False),
)

place_fixes = Table(
    "place_fixes", metadata,
    Column("snapshot_id", Integer, ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True),
    Column("city_text", String(400), primary_key=True),
    Column("query", String(400), nullable=False),
)

settings = Table(
    "settings", metadata,
    Column("name", String(100), primary_key=True),
    Column("value", JSON, nullable=False),
)

users = Table(
    "users", metadata,
    Column("email", String(320), primary_key=True),  # trimmed, case-folded
    Column("role", String(16), nullable=False),  # organiser | helper | viewer
    Column("password_hash", String(255), nullable=False),  # argon2id, with its salt and parameters
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_sign_in_at", DateTime(timezone=True), nullable=True),
    Column("failures", Integer, nullable=False),  # failed sign-ins in a row
    Column("locked_until", DateTime(timezone=True), nullable=True),
)

#: failed sign-ins with emails that have no account, counted and locked like an account's,
#: so the lockout doesn't tell which emails have one; rows are pruned a day after the last failure
sign_in_failures = Table(
    "sign_in_failures", metadata,
    Column("email", String(320), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("last_failed_at", DateTime(timezone=True), nullable=False),
)

#: who did what when: sign-ins, sign-in failures, user changes, downloads and erasures; never member data
audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor", String(320), nullable=False),
    Column("action", String(40), nullable=False),
    Column("detail", String(400), nullable=False),
)

#: what the organiser did to reach someone (issue 13); a person is their ``person_key``:
#: their folded email, else "id:" + their member id (``dashboard.people.person_key``)
contacts = Table(
    "contacts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person_key", String(330), nullable=False, index=True),
    Column("member_id", String(200), nullable=False),
    Column("contacted_on", Date, nullable=False, index=True),
    Column("channel", String(16), nullable=False),  # call | message | email | in_person
    Column("outcome", String(16), nullable=False),  # reached | no_answer | declined | do_not_contact
    Column("note", Text, nullable=False),
    Column("follow_up_on", Date, nullable=True),
    Column("logged_by", String(320), nullable=False),  # the signed-in organiser's email, "" before sign-in
    Column("logged_at", DateTime(timezone=True), nullable=False),
)

#: the organiser's decision on a buddy suggestion, and what became of it
introductions = Table(
    "introductions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person_key", String(330), nullable=False),
    Column("member_id", String(200), nullable=False),
    Column("buddy_key", String(330), nullable=False),
    Column("buddy_id", String(200), nullable=False),
    Column("status", String(16), nullable=False),  # approved | declined | introduced | met
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("introduced_on", Date, nullable=True),
    Column("met_on", Date, nullable=True),  # the first event both came to after introduced_on
    Column("logged_by", String(320), nullable=False),
    UniqueConstraint("person_key", "buddy_key", name="uq_introductions_pair"),
)

#: that an erasure happened, and how many rows it removed: never whose
erasures = Table(
    "erasures", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("detail", JSON, nullable=False),
)
