"""Published ratings: a residual assessment kept as a legacy plan published it ('Low - 4'),
band and score with likelihood and impact unknown (NULL), flagged on the risk and the review.

Revision ID: 7e4a2c9b5d13
Revises: 9c3e5a7b1d42
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision: str = "7e4a2c9b5d13"
down_revision: str | None = "9c3e5a7b1d42"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every assessment stored so far has its likelihood and impact: none is a published rating.
    for table in ("risk", "review"):
        op.add_column(
            table,
            sa.Column("residual_published", sa.Boolean(), nullable=False, server_default=sa.false()),
        )


def downgrade() -> None:
    # A published rating has no likelihood or impact, which the schema before it cannot hold:
    # it goes back to unassessed on the risk and its reviews are removed, as before the import
    # could keep them. Not a batch (table copy) on SQLite: SQLite drops a column itself since 3.35.
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "UPDATE risk SET residual_score = NULL, residual_band = NULL, residual_likelihood = NULL, "
            "residual_impact = NULL WHERE residual_published"
        )
    )
    bind.execute(sa.text("DELETE FROM review WHERE residual_published"))
    for table in ("review", "risk"):
        op.drop_column(table, "residual_published")
