"""Workspace settings: the organiser's thresholds, one row per setting.

Revision ID: 0002_settings
Revises: 0001_snapshots
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_settings"
down_revision = "0001_snapshots"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("settings")
