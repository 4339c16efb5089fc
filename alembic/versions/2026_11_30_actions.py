"""Actions on risks (owner, due date, status) and their dated progress notes.

Revision ID: 5b8d2f0e6a13
Revises: 3c5a9e1f2b74
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision: str = "5b8d2f0e6a13"
down_revision: str | None = "3c5a9e1f2b74"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # New tables only: existing risks have no actions until a service records them.
    op.create_table(
        "action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["risk_id"], ["risk.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_action_risk_id", "action", ["risk_id"])
    op.create_index("ix_action_status_due_on", "action", ["status", "due_on", "id"])
    op.create_table(
        "action_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("noted_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["action.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_action_progress_action_date", "action_progress", ["action_id", "noted_on", "id"])


def downgrade() -> None:
    op.drop_index("ix_action_progress_action_date", table_name="action_progress")
    op.drop_table("action_progress")
    op.drop_index("ix_action_status_due_on", table_name="action")
    op.drop_index("ix_action_risk_id", table_name="action")
    op.drop_table("action")
