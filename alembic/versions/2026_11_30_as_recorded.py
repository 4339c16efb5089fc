"""As recorded at a moment: when each review and status event was superseded on record.

`superseded_at` on `review` and `risk_status_event` is the recorded time of the row that
superseded it (the next review or status event of the same risk, in effective-date order),
backfilled from that row; indexes let the register as recorded at T stay index ranges.

Revision ID: 6c1f3a9e2b57
Revises: 5b8e2c4d7f91
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision: str = "6c1f3a9e2b57"
down_revision: str | None = "5b8e2c4d7f91"
branch_labels = None
depends_on = None

_REVIEW_BAND = ["residual_band", "superseded_on", "reviewed_on", "risk_id"]
_REVIEW_SCORE = [sa.text("residual_score DESC"), "risk_id", "reviewed_on", "superseded_on", "residual_band"]
_EVENT_ASOF = ["status", "effective_on", "superseded_on", "risk_id"]


def _backfill(table: str, effective: str, recorded: str) -> None:
    """Set each superseded row's superseded_at to the recorded time of the next row of its risk."""
    rows = sa.table(
        table,
        sa.column("id", sa.Integer()),
        sa.column("risk_id", sa.Integer()),
        sa.column(effective, sa.Date()),
        sa.column("superseded_on", sa.Date()),
        sa.column("superseded_at", sa.DateTime(timezone=True)),
        sa.column(recorded, sa.DateTime(timezone=True)),
    )
    later = rows.alias("later")
    following = (
        sa.select(later.c[recorded])
        .where(
            later.c.risk_id == rows.c.risk_id,
            sa.or_(
                later.c[effective] > rows.c[effective],
                sa.and_(later.c[effective] == rows.c[effective], later.c.id > rows.c.id),
            ),
        )
        .order_by(later.c[effective], later.c.id)
        .limit(1)
        .scalar_subquery()
    )
    op.execute(rows.update().where(rows.c.superseded_on.is_not(None)).values(superseded_at=following))


def upgrade() -> None:
    # Not a batch (table copy) on SQLite: the copy's DROP TABLE would break foreign keys.
    op.add_column("review", sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("risk_status_event", sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True))
    _backfill("review", "reviewed_on", "created_at")
    _backfill("risk_status_event", "effective_on", "recorded_at")
    op.drop_index("ix_review_asof_band", table_name="review")
    op.create_index("ix_review_asof_band", "review", [*_REVIEW_BAND, "created_at", "superseded_at"])
    op.drop_index("ix_review_asof_score", table_name="review")
    op.create_index("ix_review_asof_score", "review", [*_REVIEW_SCORE, "created_at", "superseded_at"])
    op.create_index(
        "ix_review_asof_recorded",
        "review",
        ["residual_band", "superseded_at", "superseded_on", "reviewed_on", "created_at", "risk_id"],
    )
    op.drop_index("ix_risk_status_event_asof", table_name="risk_status_event")
    op.create_index(
        "ix_risk_status_event_asof", "risk_status_event", [*_EVENT_ASOF, "recorded_at", "superseded_at"]
    )
    op.create_index("ix_risk_created_at", "risk", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_risk_created_at", table_name="risk")
    op.drop_index("ix_risk_status_event_asof", table_name="risk_status_event")
    op.create_index("ix_risk_status_event_asof", "risk_status_event", _EVENT_ASOF)
    op.drop_index("ix_review_asof_recorded", table_name="review")
    op.drop_index("ix_review_asof_score", table_name="review")
    op.create_index("ix_review_asof_score", "review", _REVIEW_SCORE)
    op.drop_index("ix_review_asof_band", table_name="review")
    op.create_index("ix_review_asof_band", "review", _REVIEW_BAND)
    op.drop_column("risk_status_event", "superseded_at")
    op.drop_column("review", "superseded_at")
