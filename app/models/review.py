"""A review: one re-assessment of a risk on a date. Appended, never edited.

`superseded_on` is the date of the next review in time (None for the latest). It is
bookkeeping kept by the review service, so that the register "as of" a date is an
indexed range query: reviewed_on <= day < superseded_on.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, column, desc
from sqlmodel import Field

from app.models.assessment import Assessed
from app.models.base import UTCDateTime, utcnow


class Review(Assessed, table=True):
    """One review of one risk."""

    __tablename__ = "review"
    __table_args__ = (
        Index("ix_review_risk_date", "risk_id", "reviewed_on", "id"),
        # The register as of a day d reads the reviews in force on d (reviewed_on <= d <
        # superseded_on). Counting them by band: for each band, the reviews still in force
        # (superseded_on NULL) or superseded after d are one range of this index each.
        Index("ix_review_asof_band", "residual_band", "superseded_on", "reviewed_on", "risk_id"),
        # A page of them by score: walked in (score descending, risk) order, the validity
        # dates and band read from the index; about one review in ten is in force on d.
        Index(
            "ix_review_asof_score",
            desc(column("residual_score")),
            "risk_id",
            "reviewed_on",
            "superseded_on",
            "residual_band",
        ),
        Index("ix_review_reviewed_on", "reviewed_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    risk_id: int = Field(foreign_key="risk.id")
    reviewed_on: date
    superseded_on: date | None = None
    reviewer: str = Field(max_length=200)
    response: str | None = Field(default=None, max_length=10)
    controls: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    notes: str = ""

    previous_score: int | None = None
    direction: str = Field(max_length=10)
    next_review_due: date

    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    created_by: str = Field(max_length=200)
    # recorded more than RISKREG_LATE_AFTER_DAYS after reviewed_on (never for an imported plan)
    late: bool = False
