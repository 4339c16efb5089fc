"""A dated change of an action's status or due date. Appended, never edited.

The action row holds what is true now; its events say what it was on any past day (`as_of`):
the event in force on a day is the last recorded one effective by then.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, utcnow


class ActionEvent(SQLModel, table=True):
    """The status and due date of one action from `effective_on` (its recording, a change, its completion)."""

    __tablename__ = "action_event"
    __table_args__ = (Index("ix_action_event_action_effective", "action_id", "effective_on", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id")
    effective_on: date
    status: str = Field(max_length=12)
    due_on: date
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    recorded_by: str = Field(max_length=200)
