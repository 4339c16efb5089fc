"""A risk's status as dated events: opening, closing, reopening, and the rules on their dates.

`risk.status` and `risk.closed_on` stay the current status (closed_on: the latest closing
while closed, None while open), written with each event; the events are the history
every past view reads, so reopening a risk never erases a closure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, select, update
from sqlmodel import Session

from app.access.principal import Principal
from app.clock import Calendar
from app.errors import FieldProblem, InvalidInput
from app.models import Risk, RiskStatusEvent, table_of
from app.models.base import utcnow
from app.risks.schemas import StatusEventPublic

_EVENT = table_of(RiskStatusEvent)


def record_opening(
    session: Session, actor: Principal, calendar: Calendar, risk: Risk, *, imported: bool = False
) -> RiskStatusEvent:
    """Record a new risk's `open` event on its opened_on (never late when imported from a plan)."""
    assert risk.id is not None
    event = RiskStatusEvent(
        risk_id=risk.id,
        status="open",
        effective_on=risk.opened_on,
        recorded_by=actor.name,
        late=not imported and calendar.is_late(risk.opened_on),
    )
    session.add(event)
    return event


def change_status(
    session: Session,
    actor: Principal,
    calendar: Calendar,
    risk: Risk,
    status: str,
    status_on: date,
    field: str,
) -> RiskStatusEvent | None:
    """Close or reopen `risk` on `status_on`, appending the event it returns; None when it already
    has that status.

    Refuses (InvalidInput naming `field`) a date in the future, before the risk opened,
    before its latest status event, or, closing, before its latest review.
    """
    assert risk.id is not None
    if status == risk.status:
        return None
    latest = _latest_event(session, risk.id)

    def refuse(rule: str, detail: str) -> InvalidInput:
        return InvalidInput(detail, errors=[FieldProblem(("body", field), detail, rule)])

    if status_on > calendar.today:
        raise refuse("future_date", f"{field} {status_on} is in the future")
    if status_on < risk.opened_on:
        raise refuse("before_opening", f"{field} {status_on} is before the risk opened on {risk.opened_on}")
    if latest is not None and status_on < latest.effective_on:
        raise refuse(
            "before_latest_status",
            f"{field} {status_on} is before the risk's latest status change ({latest.status} on {latest.effective_on})",
        )
    if status == "closed" and risk.last_reviewed_on is not None and status_on < risk.last_reviewed_on:
        raise refuse(
            "before_latest_review",
            f"{field} {status_on} is before the risk's latest review on {risk.last_reviewed_on}",
        )
    now = utcnow()
    if latest is not None:
        session.execute(
            update(_EVENT).where(_EVENT.c.id == latest.id).values(superseded_on=status_on, superseded_at=now)
        )
    event = RiskStatusEvent(
        risk_id=risk.id,
        status=status,
        effective_on=status_on,
        recorded_at=now,
        recorded_by=actor.name,
        late=calendar.is_late(status_on),
    )
    session.add(event)
    risk.status = status
    risk.closed_on = status_on if status == "closed" else None
    return event


def closed_spells(db: Connection, risk_ids: Sequence[int]) -> dict[int, list[tuple[date, date | None]]]:
    """Each risk's closed spells as (closed on, reopened on or None while still closed)."""
    found = db.execute(
        select(_EVENT.c.risk_id, _EVENT.c.effective_on, _EVENT.c.superseded_on).where(
            _EVENT.c.risk_id.in_(list(risk_ids)), _EVENT.c.status == "closed"
        )
    )
    spells: dict[int, list[tuple[date, date | None]]] = {}
    for risk_id, closed_on, reopened_on in found:
        spells.setdefault(risk_id, []).append((closed_on, reopened_on))
    return spells


def history(session: Session, risk_id: int) -> list[StatusEventPublic]:
    """A risk's status events, newest first."""
    found = session.execute(
        select(_EVENT)
        .where(_EVENT.c.risk_id == risk_id)
        .order_by(_EVENT.c.effective_on.desc(), _EVENT.c.id.desc())
    ).mappings()
    return [to_public(event) for event in found]


def to_public(event: Any) -> StatusEventPublic:
    """A status event (its columns) as the API shows it."""
    return StatusEventPublic(
        id=event["id"],
        risk_id=event["risk_id"],
        status=event["status"],
        status_on=event["effective_on"],
        recorded_at=event["recorded_at"],
        recorded_by=event["recorded_by"],
        late=event["late"],
    )


def _latest_event(session: Session, risk_id: int) -> Any:
    return session.execute(
        select(_EVENT.c.id, _EVENT.c.status, _EVENT.c.effective_on)
        .where(_EVENT.c.risk_id == risk_id)
        .order_by(_EVENT.c.effective_on.desc(), _EVENT.c.id.desc())
        .limit(1)
    ).first()
