"""Request and response bodies for the appetite statement and escalation decisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field
from typing_extensions import TypeAliasType

from app.fields import Category, Day, Name, PublicModel, RequiredLongText, StrictModel

#: The appetite levels (app.scoring.APPETITE_LEVELS), least accepted first.
AppetiteLevel = TypeAliasType(
    "AppetiteLevel",
    Annotated[
        Literal["averse", "minimal", "cautious", "open", "eager"],
        Field(
            description="how much risk the council accepts in a category; the matrix gives each a score limit"
        ),
    ],
)
EscalationKind = TypeAliasType(
    "EscalationKind",
    Annotated[
        Literal["escalate", "de-escalate"],
        Field(description="a decision to put a service risk on the corporate register, or take it off"),
    ],
)


class AppetiteCategoryIn(StrictModel):
    """One category's appetite level."""

    category: Category
    level: AppetiteLevel


class AppetiteCreate(StrictModel):
    """A newly approved appetite statement: it becomes the next version."""

    approved_by: Name = Field(description="who approved it, e.g. Audit Committee")
    approved_on: Day = Field(description="the day of approval; never before the statement in force")
    categories: Annotated[list[AppetiteCategoryIn], Field(min_length=1, max_length=100)]


class AppetiteCategoryOut(PublicModel):
    """One category's level and the highest residual score it accepts."""

    category: str
    level: AppetiteLevel
    max_score: int


class AppetitePublic(PublicModel):
    """One version of the appetite statement."""

    version: int
    approved_by: str
    approved_on: date
    categories: list[AppetiteCategoryOut]
    recorded_at: datetime
    recorded_by: str


class EscalationCreate(StrictModel):
    """An escalation or de-escalation: its reason and the day it was decided."""

    reason: RequiredLongText
    on: Day | None = Field(default=None, description="the day of the decision (default today)")


class EscalationPublic(PublicModel):
    """A recorded escalation or de-escalation."""

    id: int
    risk_id: int
    service: str
    ref: str
    kind: EscalationKind
    on: date
    reason: str
    recorded_at: datetime
    recorded_by: str
