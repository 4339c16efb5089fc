"""Queries on actions: one action with its risk and service, a page of the list, progress notes,
and what an action was on a past day (from its dated events, app.models.action_event)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, and_, func, not_
from sqlmodel import Session, col, select

from app.audit import totals as remembered
from app.models import Action, ActionEvent, ActionProgress, Risk, Service, table_of

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


def states_on(
    session: Session, action_ids: Sequence[int], day: date, as_recorded: datetime | None = None
) -> dict[int, ActionState]:
    """What each action was at the end of `day` (as recorded at `as_recorded`: by the events
    stored by then); an action not yet recorded then is left out."""
    if not action_ids:
        return {}
    wanted = [col(ActionEvent.action_id).in_(list(action_ids)), col(ActionEvent.effective_on) <= day]
    if as_recorded is not None:
        wanted.append(col(ActionEvent.recorded_at) <= as_recorded)
    query = select(ActionEvent).where(
        col(ActionEvent.id).in_(
            select(func.max(ActionEvent.id)).where(*wanted).group_by(col(ActionEvent.action_id))
        )
    )
    return {event.action_id: state_of(event) for event in session.exec(query).all()}


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


@dataclass(frozen=True, slots=True)
class ActionRow:
    """An action as the API shows it: its own fields, its risk's ref and service's code, and its
    state now or on a past day. Read straight from Core rows on the list's hot path."""

    id: int
    risk_id: int
    service_code: str
    risk_ref: str
    description: str
    owner: str
    state: ActionState
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True, slots=True)
class ProgressNote:
    """A progress note as read."""

    id: int
    action_id: int
    noted_on: date
    note: str
    created_at: datetime
    created_by: str


def row_of(action: Action, risk: Risk, service: Service, state: ActionState | None = None) -> ActionRow:
    """The row of an action loaded with its risk and service (its state as it stands unless given)."""
    assert action.id is not None
    return ActionRow(
        id=action.id,
        risk_id=action.risk_id,
        service_code=service.code,
        risk_ref=risk.ref,
        description=action.description,
        owner=action.owner,
        state=state or current_state(action),
        version=action.version,
        created_at=action.created_at,
        created_by=action.created_by,
        updated_at=action.updated_at,
        updated_by=action.updated_by,
    )


def note_of(note: ActionProgress) -> ProgressNote:
    """A progress note just written, as read."""
    assert note.id is not None
    return ProgressNote(note.id, note.action_id, note.noted_on, note.note, note.created_at, note.created_by)


_ACTION, _RISK, _SERVICE, _EVENT, _NOTE = (
    table_of(m) for m in (Action, Risk, Service, ActionEvent, ActionProgress)
)
A, N = _ACTION.c, _NOTE.c
#: What a row shows of the action itself, now and as of any day, with its risk's ref and service's code.
_ROW_COLUMNS = (
    A.id,
    A.risk_id,
    _SERVICE.c.code.label("service_code"),
    _RISK.c.ref.label("risk_ref"),
    A.description,
    A.owner,
    A.version,
    A.created_at,
    A.created_by,
    A.updated_at,
    A.updated_by,
)
#: A row's progress note (none: nulls), joined to it.
_NOTE_COLUMNS = (
    N.id.label("note_id"),
    N.noted_on,
    N.note,
    N.created_at.label("note_created_at"),
    N.created_by.label("note_created_by"),
)
_ACTIONS = _ACTION.join(_RISK, _RISK.c.id == A.risk_id).join(_SERVICE, _SERVICE.c.id == _RISK.c.service_id)


def page(
    session: Session, flt: ActionFilter, *, today: date, offset: int, limit: int, as_of: date | None = None
) -> tuple[list[tuple[ActionRow, list[ProgressNote]]], int]:
    """One page of the actions that pass the filter, soonest due first, each with its progress
    notes (by the as_of day), and how many pass the filter.

    As of a past day the filter, the order and the states are those of that day, and an
    action recorded after it is left out. One Core statement, as the risk list: the page's ids
    cut in order off the index on (due_on, id), their rows with their notes joined, the count
    as a column (or, counted before in the same state of the register, the count known:
    `app.audit.totals`) and that state; a second statement counts when the page is empty or
    the register changed since the count known.
    """
    state = _EVENT.alias("state_then") if as_of is not None else None
    status, due_on, day = (
        (state.c.status, state.c.due_on, state.c.effective_on)
        if state is not None
        else (A.status, A.due_on, A.completed_on)
    )
    conditions = _conditions(flt, as_of or today, status, due_on)

    def source(with_service: bool) -> Any:
        joined = _ACTIONS if with_service else _ACTION
        if state is not None:
            assert as_of is not None
            joined = joined.join(state, state.c.id == _in_force(as_of))
        return joined

    # every action has a risk and a service: join them for the count only to filter by service
    counted = sa.select(func.count()).select_from(source(flt.services is not None)).where(*conditions)
    ids = (
        sa.select(A.id)
        .select_from(source(flt.services is not None))
        .where(*conditions)
        .order_by(due_on, A.id)
        .offset(offset)
        .limit(limit)
    )
    notes_on = N.action_id == A.id
    if as_of is not None:
        notes_on = and_(notes_on, N.noted_on <= as_of)
    db = session.connection()
    # The total of a filter is counted once per state of the register (app.audit.totals).
    totals, key = remembered.of(db), repr((flt, as_of))
    last = totals.last(key)
    query = (
        sa.select(
            *_ROW_COLUMNS,
            status.label("state_status"),
            due_on.label("state_due_on"),
            day.label("state_day"),
            *_NOTE_COLUMNS,
            (sa.literal(last[1]) if last else counted.scalar_subquery()).label("total"),
            *remembered.STATE_COLUMNS,
        )
        .select_from(source(True).outerjoin(_NOTE, notes_on))
        .where(A.id.in_(ids.scalar_subquery()))
        .order_by(due_on, A.id, N.noted_on, N.id)
    )
    found = db.execute(query).all()
    if not found:  # an empty page: its total alone
        values = db.execute(
            sa.select(counted.scalar_subquery().label("total"), *remembered.STATE_COLUMNS)
        ).one()
        totals.keep(remembered.state_of(values._mapping, today), key, int(values.total))
        return [], int(values.total)
    read_in = remembered.state_of(found[0]._mapping, today)
    if last is None:
        total = int(found[0].total)
    elif last[0] == read_in:
        total = last[1]
    else:  # written since: count again
        total = int(db.execute(counted).scalar_one())
    totals.keep(read_in, key, total)
    rows: list[tuple[ActionRow, list[ProgressNote]]] = []
    for r in found:
        if not rows or rows[-1][0].id != r.id:
            rows.append((_row(r, dated=as_of is not None), []))
        if r.note_id is not None:
            rows[-1][1].append(
                ProgressNote(r.note_id, r.id, r.noted_on, r.note, r.note_created_at, r.note_created_by)
            )
    return rows, total


def _in_force(day: date) -> Any:
    """The id of the event in force at the end of `day` for the outer query's action: the last
    recorded of those effective by then (a later record corrects an earlier one)."""
    inner = _EVENT.alias("event_by_then")
    return (
        sa.select(func.max(inner.c.id))
        .where(inner.c.action_id == A.id, inner.c.effective_on <= day)
        .correlate(_ACTION)
        .scalar_subquery()
    )


def _row(r: Any, *, dated: bool) -> ActionRow:
    status, due_on, day = r.state_status, r.state_due_on, r.state_day
    completed_on = (day if status == "done" else None) if dated else day
    return ActionRow(
        id=r.id,
        risk_id=r.risk_id,
        service_code=r.service_code,
        risk_ref=r.risk_ref,
        description=r.description,
        owner=r.owner,
        state=ActionState(status, due_on, completed_on),
        version=r.version,
        created_at=r.created_at,
        created_by=r.created_by,
        updated_at=r.updated_at,
        updated_by=r.updated_by,
    )


def progress_of(
    session: Session, action_ids: Sequence[int], until: date | None = None
) -> dict[int, list[ProgressNote]]:
    """The progress notes of each action, in date order (an action with none: an empty list);
    with `until`, only those dated by that day."""
    result: dict[int, list[ProgressNote]] = {action_id: [] for action_id in action_ids}
    if not action_ids:
        return result
    dated = [N.noted_on <= until] if until is not None else []
    query = (
        sa.select(N.id, N.action_id, N.noted_on, N.note, N.created_at, N.created_by)
        .where(N.action_id.in_(list(action_ids)), *dated)
        .order_by(N.action_id, N.noted_on, N.id)
    )
    for n in session.connection().execute(query).all():
        result[n.action_id].append(
            ProgressNote(n.id, n.action_id, n.noted_on, n.note, n.created_at, n.created_by)
        )
    return result


def _conditions(flt: ActionFilter, today: date, status: Any, due_on: Any) -> list[ColumnElement[bool]]:
    """The filter's conditions, on the status and due date given (the action's, or as of a day its
    event's in force)."""
    is_open = status.in_(OPEN_STATUSES)
    conditions: list[ColumnElement[bool]] = []
    if flt.services is not None:
        conditions.append(_SERVICE.c.code.in_(list(flt.services)))
    if flt.status is not None:
        conditions.append(status == flt.status)
    if flt.overdue is not None:
        overdue = and_(is_open, due_on < today)
        conditions.append(overdue if flt.overdue else not_(overdue))
    if flt.owner is not None:
        conditions.append(A.owner == flt.owner)
    if flt.due_within is not None:
        until = today + timedelta(days=flt.due_within)
        conditions.append(and_(is_open, due_on >= today, due_on <= until))
    return conditions
