"""An action's status and due date as dated events, so that its state on a past day is known;
and an index that gives the whole action list in its order (due date, then id).

Every existing action gets one event with its current status and due date, effective on the
day it was done (a done action) or recorded (any other), recorded at its creation by its
creator: all that is known of its past.

Revision ID: 8b2d4f6a0c31
Revises: 7a1c3e5f9b20
Create Date: 2026-11-30
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from alembic import op

revision: str = "8b2d4f6a0c31"
down_revision: str | None = "7a1c3e5f9b20"
branch_labels = None
depends_on = None

_COUNCIL_ZONE = ZoneInfo("Europe/London")


def upgrade() -> None:
    events = op.create_table(
        "action_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["action.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_action_event_action_effective", "action_event", ["action_id", "effective_on", "id"])
    op.create_index("ix_action_due_on_id", "action", ["due_on", "id"])
    action = sa.table(
        "action",
        sa.column("id", sa.Integer()),
        sa.column("status", sa.String()),
        sa.column("due_on", sa.Date()),
        sa.column("completed_on", sa.Date()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("created_by", sa.String()),
    )
    rows = op.get_bind().execute(sa.select(action).order_by(action.c.id)).all()
    # The day of recording in the council's zone, as the app reckons it (SQL has no portable zone).
    carried = [
        {
            "action_id": row.id,
            "effective_on": row.completed_on
            if row.status == "done" and row.completed_on is not None
            else _council_day(row.created_at),
            "status": row.status,
            "due_on": row.due_on,
            "recorded_at": row.created_at,
            "recorded_by": row.created_by,
        }
        for row in rows
    ]
    if carried:
        op.bulk_insert(events, carried)


def _council_day(moment: datetime) -> date:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # SQLite keeps UTC, naive
    return aware.astimezone(_COUNCIL_ZONE).date()


def downgrade() -> None:
    op.drop_index("ix_action_due_on_id", table_name="action")
    op.drop_index("ix_action_event_action_effective", table_name="action_event")
    op.drop_table("action_event")
