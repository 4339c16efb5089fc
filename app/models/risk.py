"""A risk in a service's register, with its current assessment kept on the row.

The current assessment (residual, inherent, target) is a copy of the latest review,
written in the same transaction as the review, so that lists and filters read one
indexed row per risk and never scan history.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint, column, desc
from sqlmodel import Field

from app.models.assessment import Assessed
from app.models.base import UTCDateTime, utcnow


class Risk(Assessed, table=True):
    """One risk of one service."""

    __tablename__ = "risk"
    __table_args__ = (
        UniqueConstraint("service_id", "ref", name="uq_risk_service_ref"),
        # the list by score: a page of open risks comes straight off this index, in order
        # (score descending, then id), the band filter read from the index itself
        Index("ix_risk_status_score_order", "status", desc(column("residual_score")), "id", "residual_band"),
        # the audit list: open risks of some bands, and their count (index-only)
        Index("ix_risk_status_band_score", "status", "residual_band", "residual_score"),
        # the register as of a date leaves out risks opened after it or closed by it
        Index("ix_risk_opened_on", "opened_on"),
        Index("ix_risk_closed_on", "closed_on"),
        # as recorded at T leaves out the risks recorded after it
        Index("ix_risk_created_at", "created_at"),
        Index("ix_risk_status_inherent_score", "status", "inherent_score"),
        Index("ix_risk_status_next_review_due", "status", "next_review_due"),
        # the above-appetite list: per category, the open risks scoring over its limit (index-only count)
        Index("ix_risk_status_category_score", "status", "category", "residual_score"),
    )

    id: int | None = Field(default=None, primary_key=True)
    service_id: int = Field(foreign_key="service.id", index=True)
    ref: str = Field(max_length=20)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    title: str
    consequence: str = ""
    owner: str = ""
    category: str | None = Field(default=None, max_length=40)
    response: str | None = Field(default=None, max_length=10)
    status: str = Field(default="open", max_length=6)
    opened_on: date
    closed_on: date | None = None
    #: the day by which the service expects to reach its target assessment
    target_on: date | None = None
    version: int = 1

    last_reviewed_on: date | None = None
    next_review_due: date | None = None

    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    created_by: str = Field(max_length=200)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_by: str = Field(max_length=200)
