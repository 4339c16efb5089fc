"""A service's contact email: where `riskreg remind` tells it what is due.

Revision ID: 9c3e5a7b1d42
Revises: 8b2d4f6a0c31
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision: str = "9c3e5a7b1d42"
down_revision: str | None = "8b2d4f6a0c31"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing services have no contact yet: null, and `remind` passes them by until one is given.
    op.add_column("service", sa.Column("contact_email", sa.String(length=254), nullable=True))


def downgrade() -> None:
    # Not a batch (table copy) on SQLite: the copy's DROP TABLE would break the risks' foreign keys;
    # SQLite drops a column itself since 3.35.
    op.drop_column("service", "contact_email")
