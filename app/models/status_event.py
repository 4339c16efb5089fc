"""A dated change of a risk's status (opened, closed, reopened). Appended, never edited.

Status is history: reopening a risk appends an `open` event and leaves its closure in
place, so every past view still sees the closed spell. `superseded_on` is the effective
date of the risk's next event (None for the latest) and `superseded_at` when that event
was recorded, kept by the status rules, so that the status as of a day is an indexed
range query (effective_on <= day < superseded_on), and as recorded at T a reopening
recorded after T leaves the closed spell in force.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, utcnow


class RiskStatusEvent(SQLModel, table=True):
    """One opening, closing or reopening of one risk."""

    __tablename__ = "risk_status_event"
    __table_args__ = (
        Index("ix_risk_status_event_risk", "risk_id", "effective_on", "id"),
        # The risks closed at the end of a day: the closed events in force that day.
        Index(
            "ix_risk_status_event_asof",
            "status",
            "effective_on",
            "superseded_on",
            "risk_id",
            "recorded_at",
            "superseded_at",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    risk_id: int = Field(foreign_key="risk.id")
    status: str = Field(max_length=6)
    effective_on: date
    superseded_on: date | None = None
    superseded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    recorded_by: str = Field(max_length=200)
    late: bool = False
