"""Request and response bodies for risks and their reviews."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.fields import (
    AssessmentIn,
    AssessmentOut,
    Basis,
    Category,
    Controls,
    Day,
    Direction,
    LongText,
    Ref,
    RequiredText,
    Response,
    ShortText,
    Status,
    StrictModel,
)

Aliases = Annotated[list[Ref], Field(max_length=20)]


class RiskCreate(StrictModel):
    """A new risk. With `residual`, its first review is recorded, dated `reviewed_on`."""

    ref: Ref
    aliases: Aliases = []
    title: RequiredText
    consequence: LongText = ""
    owner: ShortText = ""
    category: Category | None = None
    response: Response
    controls: Controls = []
    residual: AssessmentIn | None = None
    inherent: AssessmentIn | None = None
    target: AssessmentIn | None = None
    target_on: Day | None = Field(
        default=None, description="the day the service expects to reach its target; not before opened_on"
    )
    reviewed_on: Day | None = Field(default=None, description="date of the first review (default today)")
    opened_on: Day | None = Field(
        default=None, description="default: the first review's reviewed_on, else today; never after it"
    )
    reviewer: ShortText | None = Field(default=None, description="default: the token's name")
    notes: LongText = ""


class RiskUpdate(StrictModel):
    """Descriptive fields to change; scores change only by review. Needs If-Match."""

    ref: Ref | None = None
    aliases: Aliases | None = None
    title: RequiredText | None = None
    consequence: LongText | None = None
    owner: ShortText | None = None
    category: Category | None = Field(default=None, description="null removes it")
    target_on: Day | None = Field(default=None, description="null removes it; not before opened_on")
    response: Response | None = None
    controls: Controls | None = None
    status: Status | None = None
    status_on: Day | None = Field(
        default=None, description="the day the status change takes effect (default today); with status"
    )
    closed_on: Day | None = Field(default=None, description="status_on of a closing (the first API's name)")


class RiskPublic(BaseModel):
    """A risk as the API shows it."""

    id: int
    service: str
    ref: str
    aliases: list[str]
    title: str
    consequence: str
    owner: str
    category: str | None  # a deployment's list may change: one stored earlier is still shown
    response: Response | None
    status: Status
    controls: list[str]
    residual: AssessmentOut | None
    inherent: AssessmentOut | None
    target: AssessmentOut | None
    target_on: date | None
    opened_on: date
    closed_on: date | None
    last_reviewed_on: date | None
    next_review_due: date | None
    overdue: bool
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    above_appetite: bool | None = Field(
        default=None,
        description="residual score above its category's limit in the appetite statement in force on the "
        "view's day; null when unassessed, without a category or level, or with no statement in force",
    )
    escalated: bool = Field(default=False, description="on the corporate register (at the view's day)")


class RiskPage(BaseModel):
    """One page of the risk list."""

    items: list[RiskPublic]
    total: int
    page: int
    page_size: int
    pages: int
    as_of: date | None
    as_recorded: datetime | None = Field(default=None, description="only what had been stored by then")
    basis: Basis
    appetite_version: int | None = Field(
        default=None, description="the version of the appetite statement that above_appetite used"
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
    next_review_due: Day | None = Field(
        default=None, description="default: the review interval of the band the review lands in (six months)"
    )


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
    response: Response | None
    controls: list[str]
    notes: str
    next_review_due: date
    created_at: datetime
    created_by: str
    recorded_at: datetime
    late: bool = Field(description="recorded more than RISKREG_LATE_AFTER_DAYS after reviewed_on")


class StatusEventPublic(BaseModel):
    """One opening, closing or reopening of a risk."""

    id: int
    risk_id: int
    status: Status
    status_on: date
    recorded_at: datetime
    recorded_by: str
    late: bool = Field(description="recorded more than RISKREG_LATE_AFTER_DAYS after status_on")


class ServiceReviewPublic(BaseModel):
    """The outcome of a whole-service review."""

    service: str
    reviews: list[ReviewPublic]
