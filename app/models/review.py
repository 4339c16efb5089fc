"""A review: one re-assessment of a risk on a date. Appended, never edited.

`superseded_on` is the date of the next review in time (None for the latest), and
`superseded_at` when that next review was recorded. Both are bookkeeping kept by the review
service, so that the register "as of" a date is an indexed range query (reviewed_on <= day
< superseded_on) and "as recorded at" a moment T too: a review recorded by T is still in
force as recorded at T while the review superseding it was recorded after T.
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
        # The recorded times last: the same ranges, as recorded at T, stay index-only.
        Index(
            "ix_review_asof_band",
            "residual_band",
            "superseded_on",
            "reviewed_on",
            "risk_id",
            "created_at",
            "superseded_at",
        ),
        # As recorded at T, the reviews superseded by then in effect but only after T on record
        # are in force too: one range of this index per band (superseded_at > T).
        Index(
            "ix_review_asof_recorded",
            "residual_band",
            "superseded_at",
            "superseded_on",
            "reviewed_on",
            "created_at",
            "risk_id",
        ),
        # A page of them by score: walked in (score descending, risk) order, the validity
        # dates and band read from the index; about one review in ten is in force on d.
        Index(
            "ix_review_asof_score",
            desc(column("residual_score")),
            "risk_id",
            "reviewed_on",
            "superseded_on",
            "residual_band",
            "created_at",
            "superseded_at",
        ),
        Index("ix_review_reviewed_on", "reviewed_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    risk_id: int = Field(foreign_key="risk.id")
    reviewed_on: date
    superseded_on: date | None = None
    superseded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
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
