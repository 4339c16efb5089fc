"""Queries on the audit trail (read-only): the filtered trail and one risk's history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from app.models import AuditEvent, Risk

#: The action of a whole service's review round; its `after.reviews` name the risks reviewed.
SERVICE_REVIEW = "service.review"
#: The action of an import of a service plan; its `after.created` names the risks made, by ref.
SERVICE_IMPORT = "service.import"


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which entries to list; every field left None matches everything."""

    entity_type: str | None = None
    entity_id: str | None = None
    actor: str | None = None
    service: str | None = None
    action: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


def search(session: Session, flt: AuditFilter, *, offset: int, limit: int) -> tuple[list[AuditEvent], int]:
    """One page of the entries matching `flt`, newest first, and how many match in all."""
    conditions = _conditions(flt)
    total = session.exec(select(func.count()).select_from(AuditEvent).where(*conditions)).one()
    rows = session.exec(
        select(AuditEvent).where(*conditions).order_by(col(AuditEvent.id).desc()).offset(offset).limit(limit)
    ).all()
    return list(rows), int(total)


def risk_history(session: Session, risk: Risk, service_code: str) -> list[AuditEvent]:
    """Every entry about the risk, the review rounds of its service that reviewed it, and the
    import that created it; newest first."""
    assert risk.id is not None
    own = list(
        session.exec(
            select(AuditEvent).where(AuditEvent.entity_type == "risk", AuditEvent.entity_id == str(risk.id))
        ).all()
    )
    rounds = session.exec(
        select(AuditEvent).where(
            AuditEvent.entity_type == "service",
            col(AuditEvent.action).in_([SERVICE_REVIEW, SERVICE_IMPORT]),
            AuditEvent.service_code == service_code,
        )
    ).all()
    # JSON containment differs between SQLite and PostgreSQL; a service's rounds are few.
    reviewed = [e for e in rounds if e.action == SERVICE_REVIEW and risk.id in _reviewed_risk_ids(e.after)]
    imported = _import_of(risk, own, [e for e in rounds if e.action == SERVICE_IMPORT])
    return sorted([*own, *reviewed, *imported], key=lambda entry: entry.id or 0, reverse=True)


def _import_of(risk: Risk, own: list[AuditEvent], imports: list[AuditEvent]) -> list[AuditEvent]:
    """The import that created the risk, if it was imported: an import names its risks by ref,
    so it is the last import before the risk's own first entry that created one of its refs."""
    if any(e.action == "risk.create" for e in own):
        return []
    first_own = min((e.id or 0 for e in own), default=None)
    refs = {risk.ref} | {
        value["ref"]
        for e in own
        for value in (e.before, e.after)
        if value and isinstance(value.get("ref"), str)
    }
    candidates = [
        e
        for e in imports
        if (first_own is None or (e.id or 0) < first_own) and refs & set((e.after or {}).get("created") or [])
    ]
    return [max(candidates, key=lambda e: e.id or 0)] if candidates else []


def _reviewed_risk_ids(after: dict[str, Any] | None) -> set[int]:
    reviews: Sequence[Any] = (after or {}).get("reviews") or []
    return {
        item["risk_id"] for item in reviews if isinstance(item, dict) and isinstance(item.get("risk_id"), int)
    }


def _conditions(flt: AuditFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if flt.entity_type is not None:
        conditions.append(col(AuditEvent.entity_type) == flt.entity_type)
    if flt.entity_id is not None:
        conditions.append(col(AuditEvent.entity_id) == flt.entity_id)
    if flt.actor is not None:
        conditions.append(col(AuditEvent.actor) == flt.actor)
    if flt.service is not None:
        conditions.append(col(AuditEvent.service_code) == flt.service)
    if flt.action is not None:
        conditions.append(col(AuditEvent.action) == flt.action)
    if flt.since is not None:
        conditions.append(col(AuditEvent.occurred_at) >= flt.since)
    if flt.until is not None:
        conditions.append(col(AuditEvent.occurred_at) < flt.until)
    return conditions
