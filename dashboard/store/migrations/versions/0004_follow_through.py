"""Follow-through: the contact log, introductions with a life, and erasure records.

Revision ID: 0004_follow_through
Revises: 0003_users_audit
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_follow_through"
down_revision = "0003_users_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("person_key", sa.String(330), nullable=False),  # folded email, else "id:" + member id
        sa.Column("member_id", sa.String(200), nullable=False, server_default=""),
        sa.Column("contacted_on", sa.Date, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("follow_up_on", sa.Date, nullable=True),
        sa.Column("logged_by", sa.String(320), nullable=False, server_default=""),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_contacts_person_key", "contacts", ["person_key"])
    op.create_index("ix_contacts_contacted_on", "contacts", ["contacted_on"])
    op.create_table(
        "introductions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("person_key", sa.String(330), nullable=False),
        sa.Column("member_id", sa.String(200), nullable=False, server_default=""),
        sa.Column("buddy_key", sa.String(330), nullable=False),
        sa.Column("buddy_id", sa.String(200), nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False),  # approved | declined | introduced | met
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("introduced_on", sa.Date, nullable=True),
        sa.Column("met_on", sa.Date, nullable=True),
        sa.Column("logged_by", sa.String(320), nullable=False, server_default=""),
        sa.UniqueConstraint("person_key", "buddy_key", name="uq_introductions_pair"),
    )
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),  # how many rows were erased, and nothing about whose
        sa.Column("detail", sa.JSON, nullable=False),  # the count per place (files, contact log, introductions)
    )


def downgrade() -> None:
    op.drop_table("erasures")
    op.drop_table("introductions")
    op.drop_index("ix_contacts_contacted_on", table_name="contacts")
    op.drop_index("ix_contacts_person_key", table_name="contacts")
    op.drop_table("contacts")
