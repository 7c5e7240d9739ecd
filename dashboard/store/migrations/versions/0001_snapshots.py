"""Snapshots: the files the organiser kept, their choices, and their place fixes.

Revision ID: 0001_snapshots
Revises:
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_snapshots"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("country", sa.String(8), nullable=False, server_default=""),
        sa.Column("members", sa.Integer, nullable=False, server_default="0"),
        sa.Column("events", sa.Integer, nullable=False, server_default="0"),
        sa.Column("attendance_rows", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "snapshot_files",
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),  # members | events | attendance
        sa.Column("name", sa.String(400), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("sheet", sa.String(400), nullable=True),
        sa.Column("overrides", sa.JSON, nullable=False),  # column -> field | "(ignore)"
        sa.Column("date_orders", sa.JSON, nullable=False),  # field -> auto | day-first | month-first
        sa.Column("sha256", sa.String(64), nullable=False),
    )
    op.create_table(
        "place_fixes",
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("city_text", sa.String(400), primary_key=True),
        sa.Column("query", sa.String(400), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("place_fixes")
    op.drop_table("snapshot_files")
    op.drop_table("snapshots")
