"""Request and response bodies for reviews."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.fields import (
    AssessmentIn,
    AssessmentOut,
    Controls,
    Day,
    Direction,
    LongText,
    Ref,
    Response,
    ShortText,
    StrictModel,
)


class ReviewCreate(StrictModel):
    """A review of one risk. Omitted inherent, target, response and controls carry over from the risk."""

    reviewed_on: Day | None = Field(default=None, description="default today; never in the future")
    reviewer: ShortText | None = Field(default=None, description="default: the token's name")
    residual: AssessmentIn
    inherent: AssessmentIn | None = None
    target: AssessmentIn | None = None
    response: Response | None = None
    controls: Controls | None = None
    notes: LongText = ""
    next_review_due: Day | None = Field(default=None, description="default six months after the review")


class ServiceReviewItem(ReviewCreate):
    """One risk's review inside a whole-service review."""

    ref: Ref


class ServiceReviewCreate(StrictModel):
    """A whole service's review: every entry is recorded, or none is."""

    reviewed_on: Day | None = None
    reviewer: ShortText | None = None
    reviews: Annotated[list[ServiceReviewItem], Field(min_length=1, max_length=500)]


class ReviewPublic(BaseModel):
    """A recorded review with its computed score, band and direction of travel."""

    id: int
    risk_id: int
    ref: str
    service: str
    reviewed_on: date
    reviewer: str
    residual: AssessmentOut
    inherent: AssessmentOut | None
    target: AssessmentOut | None
    score: int
    band: str
    previous_score: int | None
    direction: Direction
    response: str | None
    controls: list[str]
    notes: str
    next_review_due: date
    created_at: datetime
    created_by: str


class ServiceReviewPublic(BaseModel):
    """The outcome of a whole-service review."""

    service: str
    reviews: list[ReviewPublic]
