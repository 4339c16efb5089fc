"""A risk's status as dated events (opened, closed, reopened), and late reviews flagged.

Every existing risk gets an `open` event on its opened_on and, when closed, a `closed`
event on its closed_on; events are recorded at the risk's creation, by its creator,
and are not late (they are history carried forward). Existing reviews are not late.

Revision ID: 5b8e2c4d7f91
Revises: 5b8d2f0e6a13
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision: str = "5b8e2c4d7f91"
down_revision: str | None = "5b8d2f0e6a13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    events = op.create_table(
        "risk_status_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=6), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("superseded_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["risk_id"], ["risk.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_risk_status_event_risk", "risk_status_event", ["risk_id", "effective_on", "id"])
    op.create_index(
        "ix_risk_status_event_asof",
        "risk_status_event",
        ["status", "effective_on", "superseded_on", "risk_id"],
    )
    risk = sa.table(
        "risk",
        sa.column("id", sa.Integer()),
        sa.column("status", sa.String()),
        sa.column("opened_on", sa.Date()),
        sa.column("closed_on", sa.Date()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("created_by", sa.String()),
    )
    closed = sa.and_(risk.c.status == "closed", risk.c.closed_on.is_not(None))
    # the opening, superseded by the closure where there is one
    op.execute(
        events.insert().from_select(
            ["risk_id", "status", "effective_on", "superseded_on", "recorded_at", "recorded_by", "late"],
            sa.select(
                risk.c.id,
                sa.literal("open"),
                risk.c.opened_on,
                sa.case((closed, risk.c.closed_on), else_=sa.null()),
                risk.c.created_at,
                risk.c.created_by,
                sa.false(),
            ),
        )
    )
    op.execute(
        events.insert().from_select(
            ["risk_id", "status", "effective_on", "superseded_on", "recorded_at", "recorded_by", "late"],
            sa.select(
                risk.c.id,
                sa.literal("closed"),
                risk.c.closed_on,
                sa.null(),
                risk.c.created_at,
                risk.c.created_by,
                sa.false(),
            ).where(closed),
        )
    )
    # Not a batch (table copy) on SQLite: the copy's DROP TABLE would break foreign keys.
    op.add_column("review", sa.Column("late", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    # risk.status and risk.closed_on already hold the current status: the events' history of
    # earlier closed spells is what a downgrade gives up.
    op.drop_column("review", "late")
    op.drop_index("ix_risk_status_event_asof", table_name="risk_status_event")
    op.drop_index("ix_risk_status_event_risk", table_name="risk_status_event")
    op.drop_table("risk_status_event")
