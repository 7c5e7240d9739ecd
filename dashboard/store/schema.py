"""The tables as the code reads and writes them (the migrations in ``migrations/versions`` create them).

One table per kind of fact the organiser gives the workspace. Later kinds (contact log,
introductions, users, audit) each add a migration and a table here, and a module of
functions beside ``snapshots.py``; nothing derived from the data (scores, tiers) is stored.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, LargeBinary, MetaData, String, Table

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
