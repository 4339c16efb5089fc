"""An approved risk appetite statement. Appended, never edited: a new approval is a new version.

`categories` holds each category's level and the highest residual score that level accepted
when the statement was approved (the matrix's limit then), so a later matrix never rewrites
what was approved. The statement in force on a day is the newest version approved on or before it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, utcnow


class AppetiteStatement(SQLModel, table=True):
    """One version of the council's risk appetite."""

    __tablename__ = "appetite_statement"
    __table_args__ = (Index("ix_appetite_statement_approved_on", "approved_on", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(unique=True)
    approved_by: str = Field(max_length=200)
    approved_on: date
    # [{"category": ..., "level": ..., "max_score": ...}, ...] in the order given
    categories: list[dict[str, object]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    recorded_by: str = Field(max_length=200)
