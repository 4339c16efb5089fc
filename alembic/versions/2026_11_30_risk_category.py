"""A risk's category (one of the council's list; the Orange Book's by default).

Revision ID: 3c5a9e1f2b74
Revises: 9d2e4b7c1a60
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision: str = "3c5a9e1f2b74"
down_revision: str | None = "9d2e4b7c1a60"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing risks have no category yet: null, until a person gives them one.
    op.add_column("risk", sa.Column("category", sa.String(length=40), nullable=True))


def downgrade() -> None:
    # Not a batch (table copy) on SQLite: the copy's DROP TABLE would break the reviews' foreign
    # keys; SQLite drops a column itself since 3.35.
    op.drop_column("risk", "category")
