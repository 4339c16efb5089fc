"""Queries on actions: one action with its risk and service, a page of the list, progress notes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, func, not_
from sqlmodel import Session, col, select

from app.models import Action, ActionProgress, Risk, Service

#: Statuses of an action still being worked on: the only ones that can be overdue or due.
OPEN_STATUSES = ("planned", "in_progress")


@dataclass(frozen=True, slots=True)
class ActionFilter:
    """The filters of the action list; every one is optional and they combine."""

    services: Sequence[str] | None = None  # None: every service
    status: str | None = None
    overdue: bool | None = None
    owner: str | None = None
    due_within: int | None = None  # days from today: open actions due today up to then


def is_overdue(action: Action, today: date) -> bool:
    """Overdue: neither done nor cancelled, and its due date has passed."""
    return action.status in OPEN_STATUSES and action.due_on < today


def by_id(
    session: Session, action_id: int, *, for_update: bool = False
) -> tuple[Action, Risk, Service] | None:
    """The action, its risk and its service; the action locked for update when asked (PostgreSQL)."""
    query = (
        select(Action, Risk, Service)
        .join(Risk, col(Risk.id) == col(Action.risk_id))
        .join(Service, col(Service.id) == col(Risk.service_id))
        .where(Action.id == action_id)
    )
    if for_update:
        query = query.with_for_update(of=Action)
    row = session.exec(query).first()
    return (row[0], row[1], row[2]) if row else None


def of_risk(session: Session, risk_id: int) -> list[Action]:
    """The risk's actions, soonest due first."""
    query = select(Action).where(Action.risk_id == risk_id).order_by(col(Action.due_on), col(Action.id))
    return list(session.exec(query).all())


def page(
    session: Session, flt: ActionFilter, *, today: date, offset: int, limit: int
) -> tuple[list[tuple[Action, Risk, Service]], int]:
    """One page of the actions that pass the filter, soonest due first, and how many pass it."""
    conditions = _conditions(flt, today)
    joined = (
        select(Action, Risk, Service)
        .join(Risk, col(Risk.id) == col(Action.risk_id))
        .join(Service, col(Service.id) == col(Risk.service_id))
        .where(*conditions)
    )
    counted = (
        select(func.count())
        .select_from(Action)
        .join(Risk, col(Risk.id) == col(Action.risk_id))
        .join(Service, col(Service.id) == col(Risk.service_id))
        .where(*conditions)
    )
    total = session.exec(counted).one()
    rows = session.exec(joined.order_by(col(Action.due_on), col(Action.id)).offset(offset).limit(limit)).all()
    return [(a, r, s) for a, r, s in rows], total


def progress_of(session: Session, action_ids: Sequence[int]) -> dict[int, list[ActionProgress]]:
    """The progress notes of each action, in date order (an action with none: an empty list)."""
    result: dict[int, list[ActionProgress]] = {action_id: [] for action_id in action_ids}
    if not action_ids:
        return result
    query = (
        select(ActionProgress)
        .where(col(ActionProgress.action_id).in_(list(action_ids)))
        .order_by(col(ActionProgress.action_id), col(ActionProgress.noted_on), col(ActionProgress.id))
    )
    for note in session.exec(query).all():
        result[note.action_id].append(note)
    return result


def _conditions(flt: ActionFilter, today: date) -> list[ColumnElement[bool]]:
    is_open = col(Action.status).in_(OPEN_STATUSES)
    conditions: list[ColumnElement[bool]] = []
    if flt.services is not None:
        conditions.append(col(Service.code).in_(list(flt.services)))
    if flt.status is not None:
        conditions.append(col(Action.status) == flt.status)
    if flt.overdue is not None:
        overdue = and_(is_open, col(Action.due_on) < today)
        conditions.append(overdue if flt.overdue else not_(overdue))
    if flt.owner is not None:
        conditions.append(col(Action.owner) == flt.owner)
    if flt.due_within is not None:
        until = today + timedelta(days=flt.due_within)
        conditions.append(and_(is_open, col(Action.due_on) >= today, col(Action.due_on) <= until))
    return conditions
