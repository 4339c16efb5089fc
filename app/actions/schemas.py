"""Request and response bodies for actions and their progress notes."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from app.fields import ActionStatus, Day, Owner, RequiredLongText, StrictModel


class ActionCreate(StrictModel):
    """A new action on an open risk."""

    description: RequiredLongText
    owner: Owner
    due_on: Day
    status: ActionStatus = "planned"
    completed_on: Day | None = Field(default=None, description="with status done; default today")


class ActionUpdate(StrictModel):
    """Fields to change; progress notes are appended, not changed. Needs If-Match."""

    description: RequiredLongText | None = None
    owner: Owner | None = None
    due_on: Day | None = None
    status: ActionStatus | None = None
    completed_on: Day | None = Field(default=None, description="with status done; default today")


class ProgressCreate(StrictModel):
    """A dated progress note: never in the future, never before the action was recorded."""

    on: Day | None = Field(default=None, description="the day it reports on; default today")
    note: RequiredLongText


class ProgressPublic(BaseModel):
    """A progress note as the API shows it."""

    id: int
    on: date
    note: str
    created_at: datetime
    created_by: str


class ActionPublic(BaseModel):
    """An action as the API shows it, with its progress notes in date order."""

    id: int
    risk_id: int
    service: str
    risk_ref: str
    description: str
    owner: str
    due_on: date
    status: ActionStatus
    completed_on: date | None
    overdue: bool
    version: int
    updates: list[ProgressPublic]
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str


class ActionPage(BaseModel):
    """One page of the action list."""

    items: list[ActionPublic]
    total: int
    page: int
    page_size: int
    pages: int
