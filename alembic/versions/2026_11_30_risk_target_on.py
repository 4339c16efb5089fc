"""A risk's target date: the day by which the service expects to reach its target assessment.

Revision ID: 7a1c3e5f9b20
Revises: 6c1f3a9e2b57
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision: str = "7a1c3e5f9b20"
down_revision: str | None = "6c1f3a9e2b57"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing risks have no target date: null, until the service gives one.
    op.add_column("risk", sa.Column("target_on", sa.Date(), nullable=True))


def downgrade() -> None:
    # Not a batch (table copy) on SQLite: the copy's DROP TABLE would break the reviews' foreign
    # keys; SQLite drops a column itself since 3.35.
    op.drop_column("risk", "target_on")
