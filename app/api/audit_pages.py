"""The audit team's pages (auditors and admins): the high risks across services, now or as of
a past day, and the audit trail with the verification of its hash chain."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.access.principal import Action, Principal
from app.api.deps import CalendarDep, CategoriesDep, DatabaseDep, MatrixDep
from app.api.page_kit import PagePrincipal, PageRoute, parse_day, render
from app.audit import repository
from app.audit.anchor import check_trail
from app.audit.schemas import AuditEventPublic, ChainCheck, event_public
from app.clock import Calendar
from app.config import get_settings
from app.models import Service
from app.reports.score_chart import short_day
from app.risks import service as risks
from app.risks.listing import RiskFilter
from app.risks.schemas import RiskPage
from app.scoring import Matrix
from app.services import repository as services

router = APIRouter(include_in_schema=False, route_class=PageRoute)

PAGE_SIZE = 50


@dataclass
class HighRiskFilters:
    """The high-risk list's filters as asked, and what was wrong with any of them."""

    bands: list[str] = field(default_factory=list)
    service: str = ""
    category: str = ""
    above: str = ""
    as_of: date | None = None
    page: int = 1
    problems: list[str] = field(default_factory=list)

    def query(self, page: int) -> str:
        """The query string of these filters on page `page`."""
        pairs = [("band", b) for b in self.bands]
        pairs += [(k, v) for k, v in (("service", self.service), ("category", self.category)) if v]
        pairs += [("above", self.above)] if self.above else []
        pairs += [("as_of", self.as_of.isoformat())] if self.as_of else []
        return urlencode([*pairs, ("page", str(page))])


def high_risk_filters(
    request: Request, matrix: Matrix, categories: tuple[str, ...], today: date
) -> HighRiskFilters:
    """The filters in the query (by default the matrix's two worst bands); a value that cannot be
    one is left out and said so."""
    params = request.query_params
    found = HighRiskFilters()
    names = {band.name.casefold(): band.name for band in matrix.bands}
    asked = params.getlist("band") if "band" in params or "filtered" in params else None
    for value in asked if asked is not None else [band.name for band in matrix.bands[-2:]]:
        if value.casefold() in names:
            found.bands.append(names[value.casefold()])
        elif value:
            found.problems.append(f"there is no band called {value!r}")
    code = params.get("service", "").strip().upper()
    found.service = code if code.isascii() and code.isalnum() else ""
    category = params.get("category", "")
    if category in categories:
        found.category = category
    elif category:
        found.problems.append(f"{category!r} is not one of the categories")
    found.above = params.get("above", "") if params.get("above", "") in ("yes", "no") else ""
    try:
        as_of = parse_day(params.get("as_of", ""))
    except ValueError as exc:
        found.problems.append(f"as of: {exc}")
        as_of = None
    earliest = get_settings().earliest_date
    if as_of is not None and as_of > today:
        found.problems.append("as of: must not be in the future")
    elif as_of is not None and as_of < earliest:
        found.problems.append(f"as of: must not be before {earliest.isoformat()}")
    else:
        found.as_of = as_of
    page = params.get("page", "1")
    found.page = int(page) if page.isdigit() and 1 <= int(page) <= 1_000_000 else 1
    return found


def high_risks(
    session: Session, actor: Principal, matrix: Matrix, calendar: Calendar, filters: HighRiskFilters
) -> tuple[RiskPage, list[Service]]:
    """A page of the open risks across services matching the filters (auditors and admins), and the services."""
    actor.require(Action.AUDIT)
    flt = RiskFilter(
        services=[filters.service] if filters.service else None,
        bands=filters.bands,
        category=filters.category or None,
        above_appetite={"yes": True, "no": False}.get(filters.above),
        as_of=filters.as_of,
        sort=[("score", True), ("service", False), ("ref", False)],
        top_band=matrix.bands[-1].name,
    )
    found = risks.page_public(
        session, actor, flt, today=calendar.today, page=filters.page, page_size=PAGE_SIZE
    )
    return found, services.listing(session, None)


@router.get("/audit/high-risks")
async def high_risks_page(
    request: Request,
    actor: PagePrincipal,
    db: DatabaseDep,
    matrix: MatrixDep,
    calendar: CalendarDep,
    categories: CategoriesDep,
) -> Response:
    """The high-risk list across services, with band, service, category, appetite and as-of filters."""
    actor.require(Action.AUDIT)
    filters = high_risk_filters(request, matrix, categories, calendar.today)
    found, listed = await db.run(high_risks, actor, matrix, calendar, filters)
    return render(
        request,
        "high_risks.html",
        actor,
        found=found,
        filters=filters,
        matrix=matrix,
        service_options=[(s.code, f"{s.name} ({s.code})") for s in listed],
        category_options=[(c, c) for c in categories],
        day=short_day,
        today=calendar.today,
        pages=max(1, math.ceil(found.total / PAGE_SIZE)),
    )


def trail_page(
    session: Session, actor: Principal, flt: repository.AuditFilter, page: int
) -> tuple[list[AuditEventPublic], int, ChainCheck]:
    """A page of the audit trail, newest first, how many entries match, and the chain's verification."""
    actor.require(Action.AUDIT)
    rows, total = repository.search(session, flt, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return [event_public(row) for row in rows], total, check_trail(session, None)


@router.get("/audit/trail")
async def audit_trail_page(request: Request, actor: PagePrincipal, db: DatabaseDep) -> Response:
    """The audit trail, newest first and filtered, with the verification of its hash chain."""
    actor.require(Action.AUDIT)
    params = request.query_params
    asked: dict[str, Any] = {
        name: params.get(name, "").replace("\x00", "").strip()[:200]
        for name in ("actor", "service", "action")
    }
    page_text = params.get("page", "1")
    page = int(page_text) if page_text.isdigit() and 1 <= int(page_text) <= 1_000_000 else 1
    flt = repository.AuditFilter(
        actor=asked["actor"] or None,
        service=asked["service"].upper()[:10] or None,
        action=asked["action"][:40] or None,
    )
    entries, total, check = await db.run(trail_page, actor, flt, page)
    query = urlencode([(k, v) for k, v in asked.items() if v])
    return render(
        request,
        "audit_trail.html",
        actor,
        entries=entries,
        total=total,
        check=check,
        asked=asked,
        page=page,
        pages=max(1, math.ceil(total / PAGE_SIZE)),
        query=query,
    )
