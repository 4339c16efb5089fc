"""A risk's page: its details, a chart of its residual score, its reviews, history and actions;
and the forms that change it, each through the API's own rule (and so its access rules and
audit trail): add an action, a progress note, complete an action; for admins, close or
reopen the risk, escalate or de-escalate it.

A refused form comes back on the risk page with what the person typed and each refusal
next to its field (422, or 409/412 when the risk or action changed meanwhile).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.access.principal import Action, Principal
from app.actions import service as actions
from app.actions.schemas import ActionCreate, ActionPublic, ActionUpdate, ProgressCreate
from app.api.actions import ActionId
from app.api.deps import CalendarDep, DatabaseDep, MatrixDep
from app.api.page_kit import PageForm, PageFormDep, PagePrincipal, PageRoute, field_errors, render, validated
from app.api.risks import RiskId
from app.appetite import statements
from app.appetite.schemas import EscalationCreate
from app.audit.schemas import AuditEventPublic, event_public
from app.clock import Calendar
from app.errors import Conflict, InvalidInput, PreconditionFailed, RiskregError
from app.reports.score_chart import ScorePoint, score_chart, short_day
from app.risks import escalation
from app.risks import service as risks
from app.risks.schemas import ReviewPublic, RiskPublic, RiskUpdate, StatusEventPublic
from app.scoring import Matrix

router = APIRouter(include_in_schema=False, route_class=PageRoute)

#: The newest reviews and history entries the page shows (the API pages through all of them).
SHOWN = 100
#: What a form's success says when the page comes back.
DONE = {
    "action": "The action was added.",
    "progress": "The progress note was added.",
    "complete": "The action was marked as done.",
    "closed": "The risk was closed.",
    "open": "The risk was reopened.",
    "escalate": "The risk was escalated to the corporate register.",
    "de-escalate": "The risk was taken off the corporate register.",
}
#: The refusals a form can meet that are shown on the page (the others are error pages).
SHOWN_REFUSALS = (InvalidInput, Conflict, PreconditionFailed)


@dataclass(frozen=True)
class RiskView:
    """What the risk page shows."""

    risk: RiskPublic
    reviews: list[ReviewPublic]
    reviews_total: int
    statuses: list[StatusEventPublic]
    history: list[AuditEventPublic]
    history_total: int
    actions: list[ActionPublic]
    appetite_limit: int | None
    escalation: escalation.Decision | None


@dataclass
class Failed:
    """A refused form: which one, what was typed, and what was wrong (by field; `summary` for the rest)."""

    form: str
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    summary: str = ""


def risk_view(session: Session, actor: Principal, calendar: Calendar, risk_id: int) -> RiskView:
    """The risk (404 unless the actor may read it) with its reviews, status changes, history and actions."""
    risk = risks.public(session, actor, risk_id, calendar.today)
    reviews, reviews_total = risks.reviews_public(session, actor, risk_id, offset=0, limit=SHOWN)
    history, history_total = risks.audit_history(session, actor, risk_id, offset=0, limit=SHOWN)
    appetite = statements.in_force(session, calendar.today)
    return RiskView(
        risk=risk,
        reviews=reviews,
        reviews_total=reviews_total,
        statuses=risks.status_public(session, actor, risk_id),
        history=[event_public(entry, risk_id) for entry in history],
        history_total=history_total,
        actions=actions.of_risk_public(session, actor, risk_id, calendar.today),
        appetite_limit=appetite.limits.get(risk.category) if appetite and risk.category else None,
        escalation=escalation.escalations_in_force(session, [risk_id], None).get(risk_id),
    )


async def _risk_page(
    request: Request,
    actor: Principal,
    db: Any,
    matrix: Matrix,
    calendar: Calendar,
    risk_id: int,
    *,
    failed: Failed | None = None,
    status_code: int = 200,
) -> Response:
    view = await db.run(risk_view, actor, calendar, risk_id)
    risk = view.risk
    points = [ScorePoint(r.reviewed_on, r.score, r.band) for r in reversed(view.reviews)]
    if points:
        description = (
            f"{len(points)} review{'s' if len(points) != 1 else ''} from {short_day(points[0].day)} to "
            f"{short_day(points[-1].day)}: residual score {points[0].score} ({points[0].band}) at the first, "
            f"{points[-1].score} ({points[-1].band}) at the latest. The table below lists every review."
        )
    else:
        description = "The risk has not been reviewed yet."
    chart = score_chart(
        points,
        matrix,
        until=calendar.today,
        title=f"Residual score of {risk.ref} over time",
        description=description,
        ident="score-chart",
    )
    done = request.query_params.get("done", "")
    return render(
        request,
        "risk.html",
        actor,
        view=view,
        risk=risk,
        matrix=matrix,
        chart=chart,
        today=calendar.today,
        day=short_day,
        may_write=actor.may(Action.WRITE, risk.service),
        may_administer=actor.may(Action.ADMINISTER, risk.service),
        failed=failed,
        done=DONE.get(done),
        status_code=status_code,
    )


async def _submit(
    request: Request,
    form: PageForm,
    db: Any,
    matrix: Matrix,
    calendar: Calendar,
    risk_id: int,
    name: str,
    values: dict[str, str],
    write: Callable[[], Awaitable[str]],
) -> Response:
    """Run a form's `write`, then 303 to the page it names; when the write is refused, the risk
    page again with the person's entries and each error next to its field (nothing written)."""
    try:
        target = await write()
    except SHOWN_REFUSALS as exc:
        failed = _failed(name, values, exc)
        return await _risk_page(
            request, form.principal, db, matrix, calendar, risk_id, failed=failed, status_code=exc.status
        )
    return RedirectResponse(target, status_code=303)


def _failed(form: str, values: dict[str, str], exc: RiskregError) -> Failed:
    errors = field_errors(exc.errors)
    placed = {name: msg for name, msg in errors.items() if name in values}
    rest = [msg for name, msg in errors.items() if name not in values]
    summary = exc.detail if not rest else f"{exc.detail}: {'; '.join(rest)}"
    return Failed(form, values, placed, summary)


def _values(form: PageForm, *names: str) -> dict[str, str]:
    return {name: form.get(name) for name in names}


def _day_or_none(values: dict[str, str], name: str) -> dict[str, str]:
    """A date field as the API takes it: left out when blank (the API's default, today)."""
    value = values[name].strip()
    return {name: value} if value else {}


@router.get("/risks/{risk_id}")
async def risk_page(
    risk_id: RiskId,
    request: Request,
    actor: PagePrincipal,
    db: DatabaseDep,
    matrix: MatrixDep,
    calendar: CalendarDep,
) -> Response:
    """A risk: details, a chart of its residual score, its reviews, history and actions."""
    return await _risk_page(request, actor, db, matrix, calendar, risk_id)


@router.post("/risks/{risk_id}/actions")
async def add_action(
    risk_id: RiskId,
    request: Request,
    form: PageFormDep,
    db: DatabaseDep,
    matrix: MatrixDep,
    calendar: CalendarDep,
) -> Response:
    """Add an action to the risk (the API's create_action)."""
    form.principal.require_route(Action.WRITE)
    values = _values(form, "description", "owner", "due_on")

    async def write() -> str:
        body = validated(ActionCreate, values)
        created = await db.run(actions.create_action, form.principal, calendar, risk_id, body)
        return f"/risks/{risk_id}?done=action#action-{created.id}"

    return await _submit(request, form, db, matrix, calendar, risk_id, "action", values, write)


@router.post("/actions/{action_id}/updates")
async def add_progress_note(
    action_id: ActionId,
    request: Request,
    form: PageFormDep,
    db: DatabaseDep,
    matrix: MatrixDep,
    calendar: CalendarDep,
) -> Response:
    """Add a dated progress note to an action (the API's add_progress)."""
    form.principal.require_route(Action.WRITE)
    action = await db.run(actions.public, form.principal, action_id, calendar.today)
    values = _values(form, "note", "on")

    async def write() -> str:
        body = validated(ProgressCreate, {"note": values["note"]} | _day_or_none(values, "on"))
        await db.run(actions.add_progress, form.principal, calendar, action_id, body)
        return f"/risks/{action.risk_id}?done=progress#action-{action_id}"

    return await _submit(
        request, form, db, matrix, calendar, action.risk_id, f"progress-{action_id}", values, write
    )


@router.post("/actions/{action_id}/complete")
async def complete_action(
    action_id: ActionId,
    request: Request,
    form: PageFormDep,
    db: DatabaseDep,
    matrix: MatrixDep,
    calendar: CalendarDep,
) -> Response:
    """Mark an action as done on a day (the API's update_action, at the version the page showed)."""
    form.principal.require_route(Action.WRITE)
    action = await db.run(actions.public, form.principal, action_id, calendar.today)
    values = _values(form, "completed_on", "version")
    if_match = f'"action-{action_id}-{values["version"]}"'

    async def write() -> str:
        body = validated(ActionUpdate, {"status": "done"} | _day_or_none(values, "completed_on"))
        await db.run(actions.update_action, form.principal, calendar, action_id, if_match, body)
        return f"/risks/{action.risk_id}?done=complete#action-{action_id}"

    return await _submit(
        request, form, db, matrix, calendar, action.risk_id, f"complete-{action_id}", values, write
    )


@router.post("/risks/{risk_id}/status")
async def change_risk_status(
    risk_id: RiskId,
    request: Request,
    form: PageFormDep,
    db: DatabaseDep,
    matrix: MatrixDep,
    calendar: CalendarDep,
) -> Response:
    """Close or reopen the risk on a day (admins; the API's PATCH, at the version the page showed)."""
    form.principal.require(Action.ADMINISTER)
    values = _values(form, "status", "status_on", "version")
    if_match = f'"{risk_id}-{values["version"]}"'

    async def write() -> str:
        body = validated(RiskUpdate, {"status": values["status"]} | _day_or_none(values, "status_on"))
        await db.run(risks.update_public, form.principal, calendar, risk_id, if_match, body)
        return f"/risks/{risk_id}?done={values['status']}"

    return await _submit(request, form, db, matrix, calendar, risk_id, "status", values, write)


@router.post("/risks/{risk_id}/escalation")
async def decide_escalation(
    risk_id: RiskId,
    request: Request,
    form: PageFormDep,
    db: DatabaseDep,
    matrix: MatrixDep,
    calendar: CalendarDep,
) -> Response:
    """Escalate the risk to the corporate register or take it off, with a reason and a day (admins)."""
    form.principal.require(Action.ADMINISTER)
    values = _values(form, "kind", "reason", "on")
    kind = escalation.ESCALATE if values["kind"] == escalation.ESCALATE else escalation.DE_ESCALATE

    async def write() -> str:
        body = validated(EscalationCreate, {"reason": values["reason"]} | _day_or_none(values, "on"))
        await db.run(risks.escalate_public, form.principal, calendar, risk_id, kind, body)
        return f"/risks/{risk_id}?done={kind}"

    return await _submit(request, form, db, matrix, calendar, risk_id, "escalation", values, write)
