"""An action: a specific step being taken to bring a treat risk towards its target."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, utcnow


class Action(SQLModel, table=True):
    """One action of one risk, with its owner (a post), due date and status."""

    __tablename__ = "action"
    __table_args__ = (
        # the action list: open actions by due date (overdue, due within so many days)
        Index("ix_action_status_due_on", "status", "due_on", "id"),
        # the whole list in its order (soonest due first), a page straight off the index
        Index("ix_action_due_on_id", "due_on", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    risk_id: int = Field(foreign_key="risk.id", index=True)
    description: str
    owner: str = Field(max_length=200)
    due_on: date
    status: str = Field(default="planned", max_length=12)
    completed_on: date | None = None
    version: int = 1

    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    created_by: str = Field(max_length=200)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_by: str = Field(max_length=200)
