"""The risk appetite statements (versioned), escalation decisions, and an index for the
above-appetite list.

New tables only: existing risks have no escalation decision (none is escalated) and there is
no appetite statement until one is approved, so every risk reads above_appetite null.

Revision ID: 6c1f3a8d2e47
Revises: 7e4a2c9b5d13
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision: str = "6c1f3a8d2e47"
down_revision: str | None = "7e4a2c9b5d13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appetite_statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version"),
    )
    op.create_index(
        "ix_appetite_statement_approved_on", "appetite_statement", ["approved_on", "version"]
    )
    op.create_table(
        "escalation_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("superseded_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["risk_id"], ["risk.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_escalation_decision_risk", "escalation_decision", ["risk_id", "decided_on", "id"]
    )
    op.create_index(
        "ix_escalation_decision_kind",
        "escalation_decision",
        ["kind", "superseded_on", "decided_on", "risk_id"],
    )
    op.create_index("ix_risk_status_category_score", "risk", ["status", "category", "residual_score"])


def downgrade() -> None:
    op.drop_index("ix_risk_status_category_score", table_name="risk")
    op.drop_index("ix_escalation_decision_kind", table_name="escalation_decision")
    op.drop_index("ix_escalation_decision_risk", table_name="escalation_decision")
    op.drop_table("escalation_decision")
    op.drop_index("ix_appetite_statement_approved_on", table_name="appetite_statement")
    op.drop_table("appetite_statement")
