"""A dated, reasoned decision to escalate a service risk to the corporate register, or to
de-escalate it. Appended, never edited.

`superseded_on` is the date of the risk's next decision (None for the latest), kept by the
escalation rules, so that whether a risk is escalated at the end of a day is an indexed
range query: kind = 'escalate' and decided_on <= day < superseded_on.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, utcnow


class EscalationDecision(SQLModel, table=True):
    """One escalation or de-escalation of one risk."""

    __tablename__ = "escalation_decision"
    __table_args__ = (
        Index("ix_escalation_decision_risk", "risk_id", "decided_on", "id"),
        # the escalated risks now (superseded_on NULL) or on a day, and the decisions of a period
        Index("ix_escalation_decision_kind", "kind", "superseded_on", "decided_on", "risk_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    risk_id: int = Field(foreign_key="risk.id")
    kind: str = Field(max_length=12)  # escalate | de-escalate
    decided_on: date
    superseded_on: date | None = None
    reason: str
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    recorded_by: str = Field(max_length=200)
