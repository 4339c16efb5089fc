"""Queries on actions: one action with its risk and service, a page of the list, progress notes,
and what an action was on a past day (from its dated events, app.models.action_event)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, ScalarSelect, and_, func, not_
from sqlmodel import Session, col, select

from app.models import Action, ActionEvent, ActionProgress, Risk, Service

#: How an action joins its risk, and a risk its service.
_OF_RISK = col(Risk.id) == col(Action.risk_id)
_OF_SERVICE = col(Service.id) == col(Risk.service_id)
#: Statuses of an action still being worked on: the only ones that can be overdue or due.
OPEN_STATUSES = ("planned", "in_progress")


@dataclass(frozen=True, slots=True)
class ActionFilter:
    """The filters of the action list; every one is optional and they combine."""

    services: Sequence[str] | None = None  # None: every service
    status: str | None = None
    overdue: bool | None = None
    owner: str | None = None
    due_within: int | None = None  # days from today (or the as_of day): open actions due up to then


@dataclass(frozen=True, slots=True)
class ActionState:
    """What an action was at the end of a day: its status, due date and, done, the day it was done."""

    status: str
    due_on: date
    completed_on: date | None

    def overdue_on(self, day: date) -> bool:
        """Overdue: neither done nor cancelled, and its due date has passed."""
        return self.status in OPEN_STATUSES and self.due_on < day


def current_state(action: Action) -> ActionState:
    """The action as it stands now."""
    return ActionState(action.status, action.due_on, action.completed_on)


def state_of(event: ActionEvent) -> ActionState:
    """The action as an event left it: a done action was done on the day the event took effect."""
    return ActionState(event.status, event.due_on, event.effective_on if event.status == "done" else None)


def is_overdue(action: Action, today: date) -> bool:
    """Overdue: neither done nor cancelled, and its due date has passed."""
    return current_state(action).overdue_on(today)


def states_on(session: Session, action_ids: Sequence[int], day: date) -> dict[int, ActionState]:
    """What each action was at the end of `day`; an action not yet recorded then is left out."""
    if not action_ids:
        return {}
    query = select(ActionEvent).where(
        col(ActionEvent.id).in_(
            select(func.max(ActionEvent.id))
            .where(col(ActionEvent.action_id).in_(list(action_ids)), col(ActionEvent.effective_on) <= day)
            .group_by(col(ActionEvent.action_id))
        )
    )
    return {event.action_id: state_of(event) for event in session.exec(query).all()}


def _in_force(day: date) -> ScalarSelect[int]:
    """The id of the event in force at the end of `day` for the action of the outer query: the last
    recorded of those effective by then (a later record corrects an earlier one)."""
    return (
        select(func.max(ActionEvent.id))
        .where(col(ActionEvent.action_id) == col(Action.id), col(ActionEvent.effective_on) <= day)
        .correlate(Action)
        .scalar_subquery()
    )


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
    session: Session, flt: ActionFilter, *, today: date, offset: int, limit: int, as_of: date | None = None
) -> tuple[list[tuple[Action, Risk, Service, ActionState]], int]:
    """One page of the actions that pass the filter, soonest due first, and how many pass it.

    As of a past day the filter, the order and the states are those of that day, and an
    action recorded after it is left out.
    """
    event = ActionEvent if as_of is not None else None
    conditions = _conditions(flt, as_of or today, event)
    counted = select(func.count()).select_from(Action).join(Risk, _OF_RISK).join(Service, _OF_SERVICE)
    if as_of is None:
        total = session.exec(counted.where(*conditions)).one()
        query = select(Action, Risk, Service).join(Risk, _OF_RISK).join(Service, _OF_SERVICE)
        rows = session.exec(
            query.where(*conditions).order_by(col(Action.due_on), col(Action.id)).offset(offset).limit(limit)
        )
        return [(a, r, s, current_state(a)) for a, r, s in rows.all()], total
    in_force = col(ActionEvent.id) == _in_force(as_of)
    total = session.exec(counted.join(ActionEvent, in_force).where(*conditions)).one()
    dated = (
        select(Action, Risk, Service, ActionEvent)
        .join(Risk, _OF_RISK)
        .join(Service, _OF_SERVICE)
        .join(ActionEvent, in_force)
        .where(*conditions)
    )
    found = session.exec(dated.order_by(col(ActionEvent.due_on), col(Action.id)).offset(offset).limit(limit))
    return [(a, r, s, state_of(e)) for a, r, s, e in found.all()], total


def progress_of(
    session: Session, action_ids: Sequence[int], until: date | None = None
) -> dict[int, list[ActionProgress]]:
    """The progress notes of each action, in date order (an action with none: an empty list);
    with `until`, only those dated by that day."""
    result: dict[int, list[ActionProgress]] = {action_id: [] for action_id in action_ids}
    if not action_ids:
        return result
    dated = [col(ActionProgress.noted_on) <= until] if until is not None else []
    query = (
        select(ActionProgress)
        .where(col(ActionProgress.action_id).in_(list(action_ids)), *dated)
        .order_by(col(ActionProgress.action_id), col(ActionProgress.noted_on), col(ActionProgress.id))
    )
    for note in session.exec(query).all():
        result[note.action_id].append(note)
    return result


def _conditions(flt: ActionFilter, today: date, event: type[ActionEvent] | None) -> list[ColumnElement[bool]]:
    """The filter's conditions on the action as it stands (`event` None) or as its event in force says."""
    status = col(event.status) if event is not None else col(Action.status)
    due_on = col(event.due_on) if event is not None else col(Action.due_on)
    is_open = status.in_(OPEN_STATUSES)
    conditions: list[ColumnElement[bool]] = []
    if flt.services is not None:
        conditions.append(col(Service.code).in_(list(flt.services)))
    if flt.status is not None:
        conditions.append(status == flt.status)
    if flt.overdue is not None:
        overdue = and_(is_open, due_on < today)
        conditions.append(overdue if flt.overdue else not_(overdue))
    if flt.owner is not None:
        conditions.append(col(Action.owner) == flt.owner)
    if flt.due_within is not None:
        until = today + timedelta(days=flt.due_within)
        conditions.append(and_(is_open, due_on >= today, due_on <= until))
    return conditions
