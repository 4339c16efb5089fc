"""The rules for actions: recording, changing, progress notes, reading.

An action belongs to its risk's service: whoever may read (change) that service's risks
may read (change) its actions; to anyone else an action does not exist (404). Writes
lock the action's risk (a new action) or the action itself, then the audit chain's head
at commit (app.audit.trail). Each recording, and each change of status, due date or
completion date, appends a dated event: what the action was on any past day (`as_of`).
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

from sqlmodel import Session

from app.access.principal import Action as Permission
from app.access.principal import Principal
from app.actions import listing
from app.actions.listing import ActionFilter, ActionRow, ProgressNote, note_of, row_of
from app.actions.schemas import (
    ActionCreate,
    ActionPage,
    ActionPublic,
    ActionUpdate,
    ProgressCreate,
    ProgressPublic,
)
from app.audit import repository as audit_trail
from app.audit.trail import record_change
from app.clock import COUNCIL_ZONE, Calendar
from app.errors import (
    Conflict,
    FieldProblem,
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from app.models import Action, ActionEvent, ActionProgress, AuditEvent, Risk, Service
from app.models.base import utcnow
from app.risks.service import matches, readable_risk

#: Fields a PATCH may change that can never be null.
_REQUIRED = ("description", "owner", "due_on", "status")


def etag(action: Action | ActionPublic) -> str:
    """The entity tag of an action's current version."""
    return f'"action-{action.id}-{action.version}"'


def readable_action(
    session: Session, actor: Principal, action_id: int, *, for_update: bool = False
) -> tuple[Action, Risk, Service]:
    """The action, its risk and service if the actor may read them; 404 otherwise (nothing leaks)."""
    found = listing.by_id(session, action_id, for_update=for_update)
    if found is None or not actor.may(Permission.READ, found[2].code):
        raise NotFound(f"no action {action_id}")
    return found


def _require_write(actor: Principal, service: Service) -> None:
    if not actor.may(Permission.WRITE, service.code):
        raise Forbidden(f"a token with role {actor.role.value} may not change service {service.code}")


def create_action(
    session: Session, actor: Principal, calendar: Calendar, risk_id: int, new: ActionCreate
) -> ActionPublic:
    """Record an action on an open risk; 409 naming `risk_id` when the risk is closed."""
    risk, service = readable_risk(session, actor, risk_id, for_update=True)
    _require_write(actor, service)
    if risk.status == "closed":
        raise Conflict(
            f"risk {risk.ref} is closed: reopen it before recording an action",
            errors=[FieldProblem(("path", "risk_id"), "the risk is closed", "closed")],
        )
    assert risk.id is not None
    action = Action(
        risk_id=risk.id,
        description=new.description,
        owner=new.owner,
        due_on=new.due_on,
        status=new.status,
        completed_on=_completed_on(new.status, new.completed_on, None, calendar.today),
        created_by=actor.name,
        updated_by=actor.name,
    )
    session.add(action)
    session.flush()
    _record_event(session, actor, action, calendar.today)
    record_change(
        session, actor, "action.create", "action", str(action.id), service.code, None, snapshot(action)
    )
    return to_public(row_of(action, risk, service), [], calendar.today)


def update_action(
    session: Session,
    actor: Principal,
    calendar: Calendar,
    action_id: int,
    if_match: str | None,
    changes: ActionUpdate,
) -> ActionPublic:
    """Change descriptive fields or the status; 428 without If-Match, 412 when it is stale."""
    action, risk, service = readable_action(session, actor, action_id, for_update=True)
    _require_write(actor, service)
    if not if_match:
        raise PreconditionRequired(
            "send If-Match with the ETag of the action you are changing",
            errors=[FieldProblem(("header", "If-Match"), "required", "missing")],
        )
    if not matches(if_match, etag(action)):
        raise PreconditionFailed(
            f"the action has changed since that ETag; it is now at version {action.version}",
            errors=[FieldProblem(("header", "If-Match"), f"stale: the action is at {etag(action)}", "stale")],
        )
    fields = changes.model_fields_set
    if not fields:
        raise InvalidInput(
            "nothing to change", errors=[FieldProblem(("body",), "at least one field is required")]
        )
    for name in _REQUIRED:
        if name in fields and getattr(changes, name) is None:
            raise InvalidInput(
                f"{name} cannot be null", errors=[FieldProblem(("body", name), "cannot be null")]
            )
    before = snapshot(action)
    status = changes.status if changes.status is not None else action.status
    kept = action.completed_on if action.status == "done" else None
    completed_on = _completed_on(status, changes.completed_on, kept, calendar.today)
    for name in _REQUIRED:
        if name in fields:
            setattr(action, name, getattr(changes, name))
    action.completed_on = completed_on
    action.version += 1
    action.updated_at = utcnow()
    action.updated_by = actor.name
    session.add(action)
    session.flush()
    after = snapshot(action)
    changed = {k for k in after if after[k] != before.get(k)} - {"updated_by"}
    if changed & {"status", "due_on", "completed_on"}:
        _record_event(session, actor, action, calendar.today)
    record_change(
        session,
        actor,
        "action.update",
        "action",
        str(action.id),
        service.code,
        {k: before[k] for k in sorted(changed)},
        {k: after[k] for k in sorted(changed)},
    )
    assert action.id is not None
    notes = listing.progress_of(session, [action.id])[action.id]
    return to_public(row_of(action, risk, service), notes, calendar.today)


def add_progress(
    session: Session, actor: Principal, calendar: Calendar, action_id: int, new: ProgressCreate
) -> tuple[ProgressPublic, ActionPublic]:
    """Append a dated progress note (never in the future, never before the action was recorded);
    answers the note and the action as it now stands."""
    action, risk, service = readable_action(session, actor, action_id, for_update=True)
    _require_write(actor, service)
    # The calendar in force is the authority on today: a builder working to a fixed day (the
    # demo's) records an action "today" by its calendar, whatever the wall clock says.
    recorded_on = min(action.created_at.astimezone(COUNCIL_ZONE).date(), calendar.today)
    on = new.on or calendar.today
    if on > calendar.today:
        raise InvalidInput(
            "the note is dated in the future", errors=[FieldProblem(("body", "on"), "in the future")]
        )
    if on < recorded_on:
        raise InvalidInput(
            f"the action was recorded on {recorded_on}, after that date",
            errors=[FieldProblem(("body", "on"), f"must not be before {recorded_on}")],
        )
    assert action.id is not None
    note = ActionProgress(action_id=action.id, noted_on=on, note=new.note, created_by=actor.name)
    session.add(note)
    action.version += 1
    action.updated_at = utcnow()
    action.updated_by = actor.name
    session.add(action)
    session.flush()
    record_change(
        session,
        actor,
        "action.progress",
        "action",
        str(action.id),
        service.code,
        {"version": action.version - 1},
        {"version": action.version, "update": {"on": note.noted_on.isoformat(), "note": note.note}},
    )
    notes = listing.progress_of(session, [action.id])[action.id]
    return progress_public(note_of(note)), to_public(row_of(action, risk, service), notes, calendar.today)


def public(
    session: Session, actor: Principal, action_id: int, today: date, as_of: date | None = None
) -> ActionPublic:
    """The action as the API shows it (as it stood at the end of `as_of`, when given), if the actor
    may read it (404 otherwise, and for a day before it was recorded)."""
    action, risk, service = readable_action(session, actor, action_id)
    assert action.id is not None
    if as_of is None:
        notes = listing.progress_of(session, [action.id])[action.id]
        return to_public(row_of(action, risk, service), notes, today)
    state = listing.states_on(session, [action.id], as_of).get(action.id)
    if state is None:
        raise NotFound(f"no action {action_id} on {as_of}: it was recorded later")
    notes = listing.progress_of(session, [action.id], until=as_of)[action.id]
    return to_public(row_of(action, risk, service, state), notes, as_of)


def of_risk_public(session: Session, actor: Principal, risk_id: int, today: date) -> list[ActionPublic]:
    """The actions of a risk the actor may read (404 for one it may not), soonest due first."""
    risk, service = readable_risk(session, actor, risk_id)
    assert risk.id is not None
    actions = listing.of_risk(session, risk.id)
    notes = listing.progress_of(session, [a.id for a in actions if a.id is not None])
    return [to_public(row_of(a, risk, service), notes[a.id or 0], today) for a in actions]


def page_public(
    session: Session,
    actor: Principal,
    flt: ActionFilter,
    *,
    today: date,
    page: int,
    page_size: int,
    as_of: date | None = None,
) -> ActionPage:
    """One page of the actions of the services the actor may read, soonest due first; as of a past
    day, as they stood at its end (filters included)."""
    codes = actor.readable_among(flt.services)
    rows, total = listing.page(
        session,
        replace(flt, services=codes),
        today=today,
        offset=(page - 1) * page_size,
        limit=page_size,
        as_of=as_of,
    )
    day = as_of or today
    return ActionPage(
        items=[to_public(row, notes, day) for row, notes in rows],
        total=total,
        page=page,
        page_size=page_size,
        pages=math.ceil(total / page_size) if total else 0,
    )


def audit_history(
    session: Session, actor: Principal, action_id: int, *, offset: int, limit: int
) -> tuple[list[AuditEvent], int]:
    """A page of the audit entries about an action the actor may read (its recording, changes and
    progress notes), newest first, and how many there are."""
    readable_action(session, actor, action_id)
    flt = audit_trail.AuditFilter(entity_type="action", entity_id=str(action_id))
    return audit_trail.search(session, flt, offset=offset, limit=limit)


def to_public(row: ActionRow, notes: list[ProgressNote], today: date) -> ActionPublic:
    """An action as the API shows it, overdue as of `today` (the as_of day for a past state)."""
    state = row.state
    return ActionPublic(
        id=row.id,
        risk_id=row.risk_id,
        service=row.service_code,
        risk_ref=row.risk_ref,
        description=row.description,
        owner=row.owner,
        due_on=state.due_on,
        status=state.status,  # the columns hold only ActionStatus values
        completed_on=state.completed_on,
        overdue=state.overdue_on(today),
        version=row.version,
        updates=[progress_public(n) for n in notes],
        created_at=row.created_at,
        created_by=row.created_by,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def progress_public(note: ProgressNote) -> ProgressPublic:
    """A progress note as the API shows it."""
    return ProgressPublic(
        id=note.id, on=note.noted_on, note=note.note, created_at=note.created_at, created_by=note.created_by
    )


def _record_event(session: Session, actor: Principal, action: Action, today: date) -> None:
    """Append what the action now is, effective on the day it was done (done) or today."""
    assert action.id is not None
    effective_on = action.completed_on if action.status == "done" and action.completed_on else today
    session.add(
        ActionEvent(
            action_id=action.id,
            effective_on=effective_on,
            status=action.status,
            due_on=action.due_on,
            recorded_by=actor.name,
        )
    )
    session.flush()


def snapshot(action: Action) -> dict[str, object]:
    """The action's content for the audit trail."""
    return action.model_dump(mode="json", exclude={"created_at", "updated_at"})


def _completed_on(status: str, given: date | None, kept: date | None, today: date) -> date | None:
    """The day a done action was done (the one given, else the one it had, else today); none
    for any other status, for which giving one is a mistake."""
    if status != "done":
        if given is not None:
            raise InvalidInput(
                "completed_on goes with status done",
                errors=[FieldProblem(("body", "completed_on"), "needs status done")],
            )
        return None
    day = given or kept or today
    if day > today:
        raise InvalidInput(
            "completed_on is in the future", errors=[FieldProblem(("body", "completed_on"), "in the future")]
        )
    return day
