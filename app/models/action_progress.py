"""A dated progress note on an action. Appended, never edited."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, utcnow


class ActionProgress(SQLModel, table=True):
    """One progress note of one action, dated the day it reports on."""

    __tablename__ = "action_progress"
    __table_args__ = (Index("ix_action_progress_action_date", "action_id", "noted_on", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id")
    noted_on: date
    note: str
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    created_by: str = Field(max_length=200)
