"""The audit trail: the filtered trail and its verification (auditors, admins); each risk's history."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from app.api.deps import AuditorDep, DatabaseDep, PagingDep, ReaderDep, SettingsDep
from app.audit import repository
from app.audit.anchor import anchor_of_query, check_trail
from app.audit.schemas import NO_NUL, AuditEventPublic, AuditPage, ChainCheck, event_public, parse_moment
from app.risks.service import audit_history as risk_history_of

router = APIRouter(prefix="/api/v1", tags=["audit"])

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
_MOMENT = "a date (YYYY-MM-DD, the whole day) or an ISO 8601 datetime; UTC unless a zone is given"


@router.get("/audit/events", response_model=AuditPage)
async def list_events(
    db: DatabaseDep,
    auditor: AuditorDep,
    settings: SettingsDep,
    entity_type: Annotated[
        str | None, Query(max_length=40, pattern=NO_NUL, description="e.g. risk, service, token")
    ] = None,
    entity_id: Annotated[
        str | None, Query(max_length=100, pattern=NO_NUL, description="e.g. a risk id or service code")
    ] = None,
    actor: Annotated[
        str | None, Query(max_length=200, pattern=NO_NUL, description="the token name that made the change")
    ] = None,
    service: Annotated[str | None, Query(max_length=10, pattern=NO_NUL, description="service code")] = None,
    action: Annotated[
        str | None, Query(max_length=40, pattern=NO_NUL, description="e.g. risk.update")
    ] = None,
    from_: Annotated[str | None, Query(alias="from", max_length=40, description=_MOMENT)] = None,
    to: Annotated[str | None, Query(max_length=40, description=_MOMENT)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> AuditPage:
    """The audit trail, newest first, filtered by entity, actor, service, action and time."""
    flt = repository.AuditFilter(
        entity_type=entity_type or None,
        entity_id=entity_id or None,
        actor=actor or None,
        service=service.strip().upper() if service and service.strip() else None,
        action=action or None,
        since=parse_moment(from_, "from", end=False, earliest=settings.earliest_date),
        until=parse_moment(to, "to", end=True, earliest=settings.earliest_date),
    )
    rows, total = await db.run(repository.search, flt, offset=(page - 1) * page_size, limit=page_size)
    return AuditPage(
        items=[event_public(row) for row in rows],
        total=total,
        page=page,
        page_size=page_size,
        pages=math.ceil(total / page_size) if total else 0,
    )


@router.get("/audit/verify", response_model=ChainCheck)
async def verify_audit_trail(
    db: DatabaseDep,
    auditor: AuditorDep,
    settings: SettingsDep,
    anchor: Annotated[
        str | None, Query(max_length=1000, description="an anchor printed by `riskreg audit anchor`")
    ] = None,
) -> ChainCheck:
    """Walk the hash chain: intact, or the id of the first altered or out-of-place entry; with an
    anchor, also whether the trail still holds the head it signed (nothing cut or rewritten below it)."""
    signed = anchor_of_query(anchor, settings.audit_key) if anchor else None
    return await db.run(check_trail, signed)


@router.get("/risks/{risk_id}/history", response_model=list[AuditEventPublic])
async def get_risk_history(
    risk_id: Annotated[int, Path(ge=1, le=2_147_483_647)],
    db: DatabaseDep,
    actor: ReaderDep,
    paging: PagingDep,
    request: Request,
    response: Response,
) -> list[AuditEventPublic]:
    """The changes and reviews of the risk (review rounds and its import included), newest first,
    a page at a time (`Link` and `X-Total-Count` headers)."""
    found, total = await db.run(risk_history_of, actor, risk_id, offset=paging.offset, limit=paging.page_size)
    paging.headers(request, response, total)
    return [event_public(entry, risk_id) for entry in found]
