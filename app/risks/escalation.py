"""Escalation of service risks to the corporate register: dated, reasoned decisions by admins.

An escalated risk stays the service's (its reviews, actions and owner are still theirs) and
also appears on the corporate register. Each decision is appended; the previous one gets
`superseded_on` (the new decision's day), so whether a risk was escalated at the end of a
day is one indexed range: kind = 'escalate' and decided_on <= day < superseded_on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Select, or_, update
from sqlmodel import Session

from app.access.principal import Principal
from app.appetite.schemas import EscalationCreate, EscalationPublic
from app.audit.trail import record_change
from app.clock import Calendar
from app.errors import Conflict, FieldProblem, InvalidInput
from app.models import EscalationDecision, Risk, Service, table_of
from app.models.base import utcnow

ESCALATE, DE_ESCALATE = "escalate", "de-escalate"
#: A ref of the strategic (corporate) register: legacy plans cross-reference it (`CP06/ ST05`),
#: and the importer keeps it as one of the service risk's aliases.
STRATEGIC_REF = re.compile(r"^ST\d{1,4}$")
_DECISION, _RISK, _SERVICE = (table_of(m) for m in (EscalationDecision, Risk, Service))
D = _DECISION.c


def strategic_refs(aliases: Iterable[str]) -> tuple[str, ...]:
    """The aliases that name a risk of the strategic register (ST05): the risk's link to it."""
    return tuple(a for a in aliases if STRATEGIC_REF.match(a))


def escalated_ids(day: date | None, recorded_by: datetime | None = None) -> Select[Any]:
    """The ids of the risks escalated at the end of `day` (None: now), as recorded at
    `recorded_by` when given; never correlated."""
    return sa.select(D.risk_id).where(*_in_force(day, recorded_by)).correlate(None)


def _in_force(day: date | None, recorded_by: datetime | None = None) -> list[ColumnElement[bool]]:
    """The decision is an escalation in force at the end of `day` (None: now; no decision is
    future-dated), as recorded at `recorded_by` when given.

    As recorded at a moment, `superseded_on` cannot be read (a decision recorded later sets
    it): the decision in force is the risk's latest recorded by then and taking effect by
    `day`, decisions following one another in id order (each dated on or after the last).
    """
    if recorded_by is None:
        if day is None:
            return [D.kind == ESCALATE, D.superseded_on.is_(None)]
        return [
            D.kind == ESCALATE,
            D.decided_on <= day,
            or_(D.superseded_on.is_(None), D.superseded_on > day),
        ]
    later = _DECISION.alias("later_decision")
    after = [later.c.risk_id == D.risk_id, later.c.id > D.id, later.c.recorded_at <= recorded_by]
    taken = [D.kind == ESCALATE, D.recorded_at <= recorded_by]
    if day is not None:
        after.append(later.c.decided_on <= day)
        taken.append(D.decided_on <= day)
    return [*taken, ~sa.exists().where(*after)]


@dataclass(frozen=True, slots=True)
class Decision:
    """A decision with the risk it is about: the corporate register's reason and date, and the
    six-monthly report's list of the period's escalations and de-escalations."""

    risk_id: int
    service_code: str
    ref: str
    title: str
    kind: str
    on: date
    reason: str
    recorded_by: str


def _decisions(*conditions: ColumnElement[bool]) -> Select[Any]:
    return (
        sa.select(
            D.risk_id,
            _SERVICE.c.code,
            _RISK.c.ref,
            _RISK.c.title,
            D.kind,
            D.decided_on,
            D.reason,
            D.recorded_by,
        )
        .select_from(
            _DECISION.join(_RISK, _RISK.c.id == D.risk_id).join(_SERVICE, _SERVICE.c.id == _RISK.c.service_id)
        )
        .where(*conditions)
        .order_by(D.decided_on, _SERVICE.c.code, _RISK.c.ref, D.id)
    )


def escalations_between(
    session: Session,
    start: date,
    end: date,
    services: Iterable[str] | None = None,
    *,
    recorded_by: datetime | None = None,
) -> list[Decision]:
    """The escalations and de-escalations decided from `start` to `end` (both included), in date
    order, of the services `services` (None: every service); only those recorded by
    `recorded_by`, when given (a report as recorded at a moment)."""
    conditions = [D.decided_on >= start, D.decided_on <= end]
    if recorded_by is not None:
        conditions.append(D.recorded_at <= recorded_by)
    if services is not None:
        conditions.append(_SERVICE.c.code.in_(list(services)))
    return [Decision(*row) for row in session.execute(_decisions(*conditions))]


def escalations_in_force(
    session: Session, risk_ids: Iterable[int], day: date | None, recorded_by: datetime | None = None
) -> dict[int, Decision]:
    """The escalation in force at the end of `day` (None: now) of each of `risk_ids` that was
    escalated, as recorded at `recorded_by` when given."""
    ids = list(risk_ids)
    if not ids:
        return {}
    found = session.execute(
        _decisions(D.id.in_(_in_force_decision_ids(day, recorded_by)), D.risk_id.in_(ids))
    )
    return {row[0]: Decision(*row) for row in found}


def _in_force_decision_ids(day: date | None, recorded_by: datetime | None = None) -> Select[Any]:
    return sa.select(D.id).where(*_in_force(day, recorded_by)).correlate(None)


def decide(
    session: Session,
    actor: Principal,
    calendar: Calendar,
    risk: Risk,
    service_code: str,
    kind: str,
    body: EscalationCreate,
) -> EscalationPublic:
    """Escalate or de-escalate `risk` (locked by the caller) on `body.on` (default today).

    422 naming `on` for a day in the future, before the risk opened or before its latest
    decision; 409 naming the rule for escalating a closed or escalated risk, or de-escalating
    one that is not escalated.
    """
    assert risk.id is not None
    day = body.on or calendar.today
    latest = session.execute(
        sa.select(D.id, D.kind, D.decided_on)
        .where(D.risk_id == risk.id)
        .order_by(D.decided_on.desc(), D.id.desc())
        .limit(1)
    ).first()
    escalated = latest is not None and latest.kind == ESCALATE

    def refuse(rule: str, detail: str) -> InvalidInput:
        return InvalidInput(detail, errors=[FieldProblem(("body", "on"), detail, rule)])

    def conflict(rule: str, detail: str) -> Conflict:
        return Conflict(detail, errors=[FieldProblem(("path", "risk_id"), detail, rule)])

    if kind == ESCALATE and risk.status == "closed":
        raise conflict(
            "closed_risk", f"risk {risk.ref} of {service_code} is closed: a closed risk is not escalated"
        )
    if kind == ESCALATE and escalated:
        assert latest is not None
        raise conflict(
            "already_escalated",
            f"risk {risk.ref} of {service_code} is already escalated (since {latest.decided_on})",
        )
    if kind == DE_ESCALATE and not escalated:
        raise conflict("not_escalated", f"risk {risk.ref} of {service_code} is not escalated")
    if day > calendar.today:
        raise refuse("future_date", f"on {day} is in the future")
    if day < risk.opened_on:
        raise refuse("before_opening", f"on {day} is before the risk opened on {risk.opened_on}")
    if latest is not None and day < latest.decided_on:
        raise refuse(
            "before_latest_decision",
            f"on {day} is before the risk's latest escalation decision ({latest.kind} on {latest.decided_on})",
        )
    if latest is not None:
        session.execute(update(_DECISION).where(D.id == latest.id).values(superseded_on=day))
    decision = EscalationDecision(
        risk_id=risk.id, kind=kind, decided_on=day, reason=body.reason, recorded_by=actor.name
    )
    session.add(decision)
    # the risk's body says `escalated`: a new version of it
    risk.version += 1
    risk.updated_at = utcnow()
    risk.updated_by = actor.name
    session.add(risk)
    session.flush()
    assert decision.id is not None
    public = EscalationPublic(
        id=decision.id,
        risk_id=risk.id,
        service=service_code,
        ref=risk.ref,
        kind=kind,
        on=day,
        reason=body.reason,
        recorded_at=decision.recorded_at,
        recorded_by=actor.name,
    )
    record_change(
        session,
        actor,
        f"risk.{kind}",
        "risk",
        str(risk.id),
        service_code,
        {"escalated": escalated, "version": risk.version - 1},
        {
            "escalated": kind == ESCALATE,
            "on": day.isoformat(),
            "reason": body.reason,
            "version": risk.version,
        },
    )
    return public
