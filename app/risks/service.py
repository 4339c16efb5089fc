"""The rules for risks: creation (with its first review), descriptive changes, closing, reading.

Every write path locks in one order: the service (never locked today), then its risks
in id order (SELECT ... FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE holds the
write lock), then the audit chain's head at commit (app.audit.trail). Reviews: reviews.py.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.access.principal import Action, Principal
from app.appetite import statements
from app.appetite.schemas import EscalationCreate, EscalationPublic
from app.appetite.statements import Appetite, is_above
from app.audit import repository as audit_trail
from app.audit.trail import record_change
from app.clock import Calendar
from app.errors import (
    Conflict,
    FieldProblem,
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from app.models import AuditEvent, Risk, RiskStatusEvent, Service
from app.models.base import utcnow
from app.risks import escalation, listing, repository, reviews
from app.risks import status as status_module
from app.risks.controls import controls_of, replace_controls
from app.risks.listing import RiskFilter, RiskRow
from app.risks.schemas import (
    ReviewCreate,
    ReviewPublic,
    RiskCreate,
    RiskPage,
    RiskPublic,
    RiskUpdate,
    StatusEventPublic,
)
from app.scoring import Matrix
from app.services.service import writable_service


def etag(risk: Risk | RiskPublic) -> str:
    """The entity tag of a risk's current version."""
    return f'"{risk.id}-{risk.version}"'


def readable_risk(
    session: Session, actor: Principal, risk_id: int, *, for_update: bool = False
) -> tuple[Risk, Service]:
    """The risk and its service if the actor may read it; 404 otherwise (nothing of it leaks)."""
    found = repository.by_id(session, risk_id, for_update=for_update)
    if found is None or not actor.may(Action.READ, found[1].code):
        raise NotFound(f"no risk {risk_id}")
    return found


def create_risk(
    session: Session, actor: Principal, matrix: Matrix, calendar: Calendar, code: str, new: RiskCreate
) -> Risk:
    """Add a risk to a service's register; with an assessment, record its first review."""
    service = writable_service(session, actor, code)
    risk, after = add_risk(session, actor, matrix, calendar, service, new)
    record_change(session, actor, "risk.create", "risk", str(risk.id), service.code, None, after)
    return risk


def add_risk(
    session: Session,
    actor: Principal,
    matrix: Matrix,
    calendar: Calendar,
    service: Service,
    new: RiskCreate,
    *,
    source: str | None = None,
) -> tuple[Risk, dict[str, object]]:
    """Add a risk to `service`, which the caller has checked the actor may change; returns it and
    its content for the audit trail, recording no entry (the caller's change holds it).

    `source` names the plan a risk is imported from: its history is brought in, never late.
    """
    assert service.id is not None
    reviewed_on = new.reviewed_on or calendar.today
    opened_on = new.opened_on or new.reviewed_on or calendar.today
    if new.opened_on is not None and opened_on > calendar.today:  # a default is checked as reviewed_on
        raise InvalidInput(
            f"opened_on {opened_on} is in the future",
            errors=[FieldProblem(("body", "opened_on"), f"{opened_on} is in the future", "future_date")],
        )
    review_body = None
    assessments = None
    if new.residual is not None:
        review_body = ReviewCreate(
            reviewed_on=reviewed_on,
            residual=new.residual,
            inherent=new.inherent,
            target=new.target,
            response=new.response,
            controls=new.controls,
            notes=new.notes,
        )
        assessments = reviews.validate_review(matrix, review_body, ("body",), calendar.today, reviewed_on)
        if reviewed_on < opened_on:
            raise InvalidInput(
                f"reviewed_on {reviewed_on} is before the risk opened on {opened_on}",
                errors=[
                    FieldProblem(("body", "reviewed_on"), f"must not be before {opened_on}", "before_opening")
                ],
            )
    elif new.inherent is not None or new.target is not None:
        raise InvalidInput(
            "an inherent or target assessment needs a residual one",
            errors=[FieldProblem(("body", "residual"), "required with inherent or target", "missing")],
        )
    elif reviewed_on > calendar.today:
        raise InvalidInput(
            "reviewed_on is in the future", errors=[FieldProblem(("body", "reviewed_on"), "in the future")]
        )
    if repository.by_refs(session, service.id, [new.ref]):
        raise Conflict(f"service {service.code} already has a risk {new.ref}")
    risk = Risk(
        service_id=service.id,
        ref=new.ref,
        aliases=_unique(new.aliases, exclude=new.ref),
        title=new.title,
        consequence=new.consequence,
        owner=new.owner,
        category=new.category,
        response=new.response,
        opened_on=opened_on,
        target_on=_target_on(new.target_on, opened_on),
        created_by=actor.name,
        updated_by=actor.name,
    )
    _flush_unique(session, risk, service.code)
    assert risk.id is not None
    replace_controls(session, {risk.id: new.controls})
    opening = status_module.record_opening(session, actor, calendar, risk, imported=source is not None)
    review = None
    if review_body is not None and assessments is not None:
        review = reviews.append_review(
            session,
            actor,
            risk,
            review_body,
            assessments,
            reviewed_on=reviewed_on,
            reviewer=new.reviewer or actor.name,
            calendar=calendar,
            late=source is None and calendar.is_late(reviewed_on),
        )
        risk.version = 1  # a new risk starts at version 1, its first review included
        session.add(risk)
        session.flush()
    after = snapshot(risk, new.controls) | ({"first_review": reviews.snapshot(review)} if review else {})
    # a late opening makes its entry late (app.audit.schemas.is_late reads it)
    return risk, after | ({"late": True} if opening.late else {})


def update_risk(
    session: Session,
    actor: Principal,
    calendar: Calendar,
    risk_id: int,
    if_match: str | None,
    changes: RiskUpdate,
) -> Risk:
    """Change descriptive fields or close/reopen; 428 without If-Match, 412 when it is stale."""
    risk, service = readable_risk(session, actor, risk_id, for_update=True)
    if not actor.may(Action.WRITE, service.code):
        raise Forbidden(f"a token with role {actor.role.value} may not change service {service.code}")
    if not if_match:
        raise PreconditionRequired("send If-Match with the ETag of the risk you are changing")
    if not matches(if_match, etag(risk)):
        raise PreconditionFailed(f"the risk has changed since that ETag; it is now at version {risk.version}")
    fields = changes.model_fields_set
    if not fields:
        raise InvalidInput(
            "nothing to change", errors=[FieldProblem(("body",), "at least one field is required")]
        )
    if risk.last_reviewed_on is not None:
        _refuse_review_fields(fields, risk.id)
    assert risk.id is not None
    before = snapshot(risk, controls_of(session, [risk.id])[risk.id])
    for name in ("ref", "title", "consequence", "owner", "response", "status"):
        if name in fields:
            value = getattr(changes, name)
            if value is None:
                raise InvalidInput(
                    f"{name} cannot be null", errors=[FieldProblem(("body", name), "cannot be null")]
                )
            if name != "status":  # a status change is a dated event, below
                setattr(risk, name, value)
    if "category" in fields:
        risk.category = changes.category
    if "target_on" in fields:
        risk.target_on = _target_on(changes.target_on, risk.opened_on)
    if "aliases" in fields:
        risk.aliases = _unique(changes.aliases or [], exclude=risk.ref)
    event = _change_status(session, actor, calendar, risk, changes)
    action = "risk.update" if event is None else "risk.close" if event.status == "closed" else "risk.reopen"
    if "controls" in fields and changes.controls is not None:
        replace_controls(session, {risk.id: changes.controls})
    risk.version += 1
    risk.updated_at = utcnow()
    risk.updated_by = actor.name
    _flush_unique(session, risk, service.code)
    after = snapshot(risk, controls_of(session, [risk.id])[risk.id])
    changed = {k for k in after if after[k] != before.get(k)} - {"version", "updated_at", "updated_by"}
    # a status change's entry says its effective date and whether it is a late entry
    dated = {} if event is None else {"status_on": event.effective_on.isoformat(), "late": event.late}
    record_change(
        session,
        actor,
        action,
        "risk",
        str(risk.id),
        service.code,
        {k: before[k] for k in sorted(changed | {"version"})},
        {k: after[k] for k in sorted(changed | {"version"})} | dated,
    )
    return risk


def _refuse_review_fields(fields: set[str], risk_id: int | None) -> None:
    """An assessed risk's controls and response change by review only, so that the risk's own
    (what the register shows now) are always its latest review's."""
    named = [name for name in ("controls", "response") if name in fields]
    if named:
        detail = (
            f"an assessed risk's controls and response change by review: POST /api/v1/risks/{risk_id}/reviews"
        )
        raise InvalidInput(
            detail, errors=[FieldProblem(("body", name), detail, "changed_by_review") for name in named]
        )


def _change_status(
    session: Session, actor: Principal, calendar: Calendar, risk: Risk, changes: RiskUpdate
) -> RiskStatusEvent | None:
    """Apply the PATCH's status change as a dated event and return it; None when there is none.

    `closed_on` is the first API's name for the `status_on` of a closing.
    """
    fields = changes.model_fields_set
    field = "closed_on" if "closed_on" in fields else "status_on"
    day = changes.status_on or changes.closed_on
    status = changes.status or ("closed" if "closed_on" in fields else None)
    if "closed_on" in fields and (status != "closed" or ("status" not in fields and risk.status == "open")):
        raise InvalidInput(
            "closed_on goes with status closed",
            errors=[FieldProblem(("body", "closed_on"), "needs status closed", "needs_status")],
        )
    if "status_on" in fields and "closed_on" in fields:
        raise InvalidInput(
            "give status_on or closed_on, not both",
            errors=[FieldProblem(("body", "closed_on"), "an alias of status_on", "duplicate")],
        )
    if status is None:
        if "status_on" in fields:
            raise InvalidInput(
                "status_on goes with status",
                errors=[FieldProblem(("body", "status_on"), "needs status", "needs_status")],
            )
        return None
    if status == risk.status:
        if day is not None:
            since = f" since {risk.closed_on}" if risk.closed_on else ""
            raise InvalidInput(
                f"the risk is already {status}{since}",
                errors=[FieldProblem(("body", field), f"the risk is already {status}", "no_change")],
            )
        return None
    return status_module.change_status(session, actor, calendar, risk, status, day or calendar.today, field)


def to_public(
    row: RiskRow, today: date, *, appetite: Appetite | None = None, escalated: bool = False
) -> RiskPublic:
    """A row of the register as the API shows it, overdue as of `today` (or the as_of day), above
    `appetite` (the statement in force that day) or not, and `escalated` then or not."""
    return RiskPublic(
        id=row.id,
        service=row.service_code,
        ref=row.ref,
        aliases=list(row.aliases),
        title=row.title,
        consequence=row.consequence,
        owner=row.owner,
        category=row.category,
        response=row.response,
        status=row.status,
        controls=row.controls,
        residual=row.residual,
        inherent=row.inherent,
        target=row.target,
        target_on=row.target_on,
        opened_on=row.opened_on,
        closed_on=row.closed_on,
        last_reviewed_on=row.last_reviewed_on,
        next_review_due=row.next_review_due,
        overdue=row.overdue_on(today),
        version=row.version,
        created_at=row.created_at,
        created_by=row.created_by,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
        above_appetite=is_above(appetite, row.category, row.residual.score if row.residual else None),
        escalated=escalated,
    )


def page_public(
    session: Session, actor: Principal, flt: RiskFilter, *, today: date, page: int, page_size: int
) -> RiskPage:
    """One page of the register as the API shows it, limited to the services the actor may read."""
    codes = actor.readable_among(flt.services)
    offset = (page - 1) * page_size
    due_day = flt.as_of or today
    # The statement in force is read first when the filter needs its limits, else in the
    # page's own statement (no round trip of its own).
    needs_limits = flt.above_appetite is not None or flt.proposed_escalation is not None
    appetite = statements.in_force(session, due_day) if needs_limits else None
    rows, total, values = listing.page_with(
        session,
        replace(flt, services=codes, appetite=appetite),
        today=today,
        offset=offset,
        limit=page_size,
        extra=() if needs_limits else statements.in_force_columns(due_day),
    )
    if not needs_limits:
        appetite = statements.from_columns(values)
    return RiskPage(
        items=[to_public(row, due_day, appetite=appetite, escalated=row.escalated) for row in rows],
        total=total,
        page=page,
        page_size=page_size,
        pages=math.ceil(total / page_size) if total else 0,
        as_of=flt.as_of or (today if flt.as_recorded is not None else None),
        as_recorded=flt.as_recorded,
        basis="inherent" if flt.basis == "inherent" else "residual",
        appetite_version=appetite.version if appetite else None,
    )


def create_public(
    session: Session, actor: Principal, matrix: Matrix, calendar: Calendar, code: str, new: RiskCreate
) -> RiskPublic:
    """Add a risk (see `create_risk`) and answer it as the API shows it."""
    risk = create_risk(session, actor, matrix, calendar, code, new)
    assert risk.id is not None
    return public(session, actor, risk.id, calendar.today)


def update_public(
    session: Session,
    actor: Principal,
    calendar: Calendar,
    risk_id: int,
    if_match: str | None,
    changes: RiskUpdate,
) -> RiskPublic:
    """Change a risk (see `update_risk`) and answer it as the API shows it."""
    update_risk(session, actor, calendar, risk_id, if_match, changes)
    return public(session, actor, risk_id, calendar.today)


def public(
    session: Session,
    actor: Principal,
    risk_id: int,
    today: date,
    *,
    as_of: date | None = None,
    as_recorded: datetime | None = None,
) -> RiskPublic:
    """The risk as the API shows it now (or as of `as_of`, as recorded at `as_recorded`), if the
    actor may read it and it existed then (404 otherwise)."""
    row = listing.one(session, risk_id, as_of=as_of, as_recorded=as_recorded, today=today)
    if row is None or not actor.may(Action.READ, row.service_code):
        raise NotFound(f"no risk {risk_id}")
    return to_public(
        row, as_of or today, appetite=statements.in_force(session, as_of or today), escalated=row.escalated
    )


def escalate_public(
    session: Session, actor: Principal, calendar: Calendar, risk_id: int, kind: str, body: EscalationCreate
) -> EscalationPublic:
    """Escalate or de-escalate a risk the actor may read (see `escalation.decide`)."""
    risk, service = readable_risk(session, actor, risk_id, for_update=True)
    if not actor.may(Action.ADMINISTER, service.code):
        raise Forbidden(f"a token with role {actor.role.value} may not escalate risks")
    return escalation.decide(session, actor, calendar, risk, service.code, kind, body)


def audit_history(
    session: Session, actor: Principal, risk_id: int, *, offset: int, limit: int
) -> tuple[list[AuditEvent], int]:
    """A page of the audit entries about a risk the actor may read (its changes, reviews, review
    rounds and import), newest first, and how many there are."""
    risk, service = readable_risk(session, actor, risk_id)
    entries = audit_trail.risk_history(session, risk, service.code)
    return entries[offset : offset + limit], len(entries)


def reviews_public(
    session: Session, actor: Principal, risk_id: int, *, offset: int, limit: int
) -> tuple[list[ReviewPublic], int]:
    """A page of the reviews of a risk the actor may read, newest first (404 for one it may not),
    and how many it has."""
    risk, service = readable_risk(session, actor, risk_id)
    assert risk.id is not None
    found, total = reviews.history(session, risk.id, offset=offset, limit=limit)
    return [reviews.to_public(r, risk.ref, service.code) for r in found], total


def status_public(session: Session, actor: Principal, risk_id: int) -> list[StatusEventPublic]:
    """The status events of a risk the actor may read, newest first (404 for one it may not)."""
    risk, _ = readable_risk(session, actor, risk_id)
    assert risk.id is not None
    return status_module.history(session, risk.id)


def snapshot(risk: Risk, controls: list[str]) -> dict[str, object]:
    """The risk's descriptive content for the audit trail."""
    return risk.model_dump(mode="json", exclude={"created_at", "updated_at"}) | {"controls": list(controls)}


def matches(if_match: str, current: str) -> bool:
    """If-Match uses the strong comparison (RFC 9110 13.1.1): a weak tag `W/"..."` never matches."""
    candidates = [c.strip() for c in if_match.split(",")]
    return any(c in ("*", current) for c in candidates)


def _target_on(day: date | None, opened_on: date) -> date | None:
    """The target date as given; 422 naming `target_on` when it is before the risk opened."""
    if day is not None and day < opened_on:
        raise InvalidInput(
            f"target_on {day} is before the risk opened on {opened_on}",
            errors=[FieldProblem(("body", "target_on"), f"must not be before {opened_on}", "before_opening")],
        )
    return day


def _unique(values: list[str], exclude: str) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value != exclude and value not in seen:
            seen.append(value)
    return seen


def _flush_unique(session: Session, risk: Risk, service_code: str) -> None:
    """Flush, turning a duplicate ref (a PATCH onto another risk's ref, or a race) into 409."""
    ref = risk.ref  # read now: a failed flush expires the row and leaves the session unusable
    session.add(risk)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"service {service_code} already has a risk {ref}") from exc
