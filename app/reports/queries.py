"""Read-only queries that turn the register into the plain rows of rows.py.

Every renderer (HTML, PDF, XLSX, CSV, heat map) reads only these rows, and the rows
come from the same query builder as the API's risk list (app.risks.listing), so every
format agrees with the others and with the API. The one exception is the current heat
map's statement (`current_heatmap`): the picture asked for again is drawn from a cache,
so this narrow query is most of what that request costs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import and_, bindparam, select
from sqlmodel import Session, col

from app.audit.trail import chain_head
from app.errors import NotFound
from app.models import Risk, Service
from app.models.base import utcnow
from app.reports.periods import Period, half_containing
from app.reports.rows import (
    DIRECTIONS,
    HeatmapCells,
    MovementRow,
    RegisterReport,
    ReviewReport,
    RiskRow,
    ServiceSummary,
)
from app.risks import listing
from app.risks.listing import RiskFilter
from app.scoring import Matrix
from app.services import repository as services

ORDER = [("service", False), ("score", True), ("ref", False)]


def high_bands(matrix: Matrix) -> list[str]:
    """The bands a committee sees risk by risk: the two most severe (High and Very High on the 4x4)."""
    return [b.name for b in matrix.bands[-2:]]


def register(
    session: Session,
    matrix: Matrix,
    service_code: str,
    *,
    today: date,
    as_of: date | None = None,
    since: date | None = None,
) -> RegisterReport:
    """The residual-risk register of one service: now, or as of the end of `as_of`.

    Each risk's direction of travel compares its score at the end of `since - 1 day`
    with its score on the register date; `since` defaults to the start of the
    financial half-year holding that date.
    """
    service = services.by_code(session, service_code)
    if service is None:
        raise NotFound(f"no service {service_code.upper()}")
    day = as_of or today
    since = since or half_containing(day).start
    rows = _rows(session, [service.code], as_of, status="open")
    before = {r.id: r for r in _rows(session, [service.code], since - timedelta(days=1), "all")}
    risk_rows = [_risk_row(r, day, before) for r in rows]
    return RegisterReport(
        service_code=service.code,
        service_name=service.name,
        as_of=day,
        generated_at=_now(),
        matrix=matrix,
        risks=risk_rows,
        heatmap=cells_of(risk_rows, "residual"),
    )


def heatmap(
    session: Session, service_codes: Sequence[str] | None, basis: str, *, as_of: date | None = None
) -> HeatmapCells:
    """Refs of the open risks in each cell, for one service, several, or (None) every service."""
    flt = RiskFilter(services=service_codes, status="open", as_of=as_of, basis=basis, sort=ORDER)
    return HeatmapCells.of(basis, listing.cells(session, flt, today=as_of or date.max))


def current_heatmap(
    session: Session, service_codes: Sequence[str] | None, basis: str
) -> tuple[dict[str, str], HeatmapCells]:
    """The names of the services asked for (a code absent from them is no service), and the
    refs of their open risks in each cell now; None: every service. One indexed query.

    The heat map asked for again is drawn from its cache, so this query is most of what the
    request costs: it reads only (code, name, likelihood, impact, ref), by a statement built
    once, and finds the services and their risks in the same round trip.
    """
    params: dict[str, Any] = {}
    if service_codes is None:
        statement = _current_cells(basis, "every")
    elif len(service_codes) == 1:  # the usual case, without an IN list to expand per request
        statement, params["code"] = _current_cells(basis, "one"), service_codes[0]
    else:
        statement, params["codes"] = _current_cells(basis, "some"), list(service_codes)
    names: dict[str, str] = {}
    found: list[tuple[int | None, int | None, str]] = []
    for code, name, likelihood, impact, ref in session.connection().execute(statement, params):
        names[code] = name
        if ref is not None:  # a service without an assessed open risk still has its row
            found.append((likelihood, impact, ref))
    return names, HeatmapCells.of(basis, found)


@lru_cache(maxsize=6)
def _current_cells(basis: str, services: Literal["one", "some", "every"]) -> Any:
    """The statement of `current_heatmap`, in the order of the risk list's `ORDER` (so each
    cell lists its refs as `heatmap` does): service, score (highest first), ref, id."""
    prefix = "inherent" if basis == "inherent" else "residual"
    likelihood, impact, score = (
        col(getattr(Risk, f"{prefix}_{part}")) for part in ("likelihood", "impact", "score")
    )
    assessed = and_(col(Risk.status) == "open", score.is_not(None))
    columns = (col(Service.code), col(Service.name), likelihood, impact, col(Risk.ref))
    order = (col(Service.code), score.desc(), col(Risk.ref), col(Risk.id))
    if services == "every":
        joined = select(*columns).join(Service, col(Service.id) == col(Risk.service_id)).where(assessed)
        return joined.order_by(*order)
    code = col(Service.code)
    asked = code == bindparam("code") if services == "one" else code.in_(bindparam("codes", expanding=True))
    return (
        select(*columns)
        .select_from(Service)
        .outerjoin(Risk, and_(col(Risk.service_id) == col(Service.id), assessed))
        .where(asked)
        .order_by(*order)
    )


def service_names(session: Session, service_codes: Sequence[str]) -> dict[str, str]:
    """Code -> name of those of `service_codes` that are services."""
    return {s.code: s.name for s in services.listing(session, service_codes)}


def review_report(
    session: Session,
    matrix: Matrix,
    period: Period,
    *,
    service_codes: Sequence[str] | None = None,
    with_registers: bool = True,
) -> ReviewReport:
    """The six-monthly review report: the register at the end of `period` and its movement in it."""
    codes = list(service_codes) if service_codes is not None else None
    known = services.listing(session, codes)
    if codes is not None and len(known) != len(set(codes)):
        missing = sorted(set(codes) - {s.code for s in known})
        raise NotFound(f"no service {', '.join(missing)}")
    listing_codes = [s.code for s in known]
    start_rows = {r.id: r for r in _rows(session, listing_codes, period.start - timedelta(days=1), "all")}
    end_rows = _rows(session, listing_codes, period.end, "all")
    movements: dict[str, list[MovementRow]] = {d: [] for d in DIRECTIONS}
    open_rows: list[RiskRow] = []
    for found in end_rows:
        row = _risk_row(found, period.end, start_rows)
        start = start_rows.get(found.id)
        if found.status == "closed":
            if found.closed_on is not None and found.closed_on >= period.start:
                movements["closed"].append(_movement(row, "closed", start, found))
            continue
        open_rows.append(row)
        movements[row.direction].append(_movement(row, row.direction, start, found))
    for direction, items in movements.items():
        reverse = direction != "down"
        items.sort(
            key=lambda m: (
                -(m.current_score or 0) if reverse else (m.current_score or 0),
                m.risk.service_code,
                m.risk.ref,
            )
        )
    worst = set(high_bands(matrix))
    high = sorted(
        (r for r in open_rows if r.residual is not None and r.residual.band in worst),
        key=lambda r: (-(r.residual.score if r.residual else 0), r.service_code, r.ref),
    )
    not_reviewed = [r for r in open_rows if r.last_reviewed_on is None or r.last_reviewed_on < period.start]
    summaries = []
    for service in known:
        mine = [r for r in open_rows if r.service_code == service.code]
        counts = {b.name: 0 for b in matrix.bands}
        for row in mine:
            if row.residual is not None and row.residual.band in counts:
                counts[row.residual.band] += 1
        summaries.append(
            ServiceSummary(
                service_code=service.code,
                service_name=service.name,
                counts_by_band=counts,
                unassessed=sum(1 for r in mine if r.residual is None),
                total=len(mine),
            )
        )
    registers = []
    if with_registers:
        for service in known:
            mine = [r for r in open_rows if r.service_code == service.code]
            registers.append(
                RegisterReport(
                    service_code=service.code,
                    service_name=service.name,
                    as_of=period.end,
                    generated_at=_now(),
                    matrix=matrix,
                    risks=mine,
                    heatmap=cells_of(mine, "residual"),
                )
            )
    scope = known[0].name if codes is not None and len(known) == 1 else "Council-wide"
    head = chain_head(session)
    return ReviewReport(
        title=f"Six-monthly risk review {period.title} — {scope}",
        period_label=period.label,
        start=period.start,
        end=period.end,
        generated_at=_now(),
        matrix=matrix,
        service_code=known[0].code if codes is not None and len(known) == 1 else None,
        audit_entries=head.count,
        audit_hash=head.hash,
        summaries=summaries,
        heatmap=cells_of(open_rows, "residual"),
        movements=movements,
        high_risks=high,
        not_reviewed=not_reviewed,
        registers=registers,
    )


def cells_of(rows: Sequence[RiskRow], basis: str) -> HeatmapCells:
    """The heat-map cells of report rows."""
    values = ((r.inherent if basis == "inherent" else r.residual, r.ref) for r in rows)
    return HeatmapCells.of(basis, ((v.likelihood, v.impact, ref) for v, ref in values if v is not None))


def _rows(
    session: Session, codes: Sequence[str] | None, as_of: date | None, status: str
) -> list[listing.RiskRow]:
    """The register rows of `codes` (None: every service), now or as of the end of `as_of`."""
    flt = RiskFilter(services=codes, status=status, as_of=as_of, sort=ORDER)
    return listing.every(session, flt, today=as_of or date.max)


def _risk_row(r: listing.RiskRow, day: date, before: dict[int, listing.RiskRow]) -> RiskRow:
    """A register row as a report shows it, its direction of travel since `before`."""
    score = r.residual.score if r.residual else None
    start = before.get(r.id)
    previous = start.residual.score if start is not None and start.residual is not None else None
    if r.status == "closed":
        direction = "closed"
    elif start is None or start.status == "closed":
        direction = "new"
    elif start.residual is None:
        direction = "new" if score is not None else "unchanged"
    elif score is None or score == previous:
        direction = "unchanged"
    else:
        direction = "up" if score > (previous or 0) else "down"
    return RiskRow(
        risk_id=r.id,
        service_code=r.service_code,
        service_name=r.service_name,
        ref=r.ref,
        aliases=tuple(r.aliases),
        title=r.title,
        consequence=r.consequence,
        owner=r.owner,
        category=r.category,
        response=r.response or "",
        status=r.status,
        controls=tuple(r.controls),
        residual=r.residual,
        inherent=r.inherent,
        target=r.target,
        last_reviewed_on=r.last_reviewed_on,
        next_review_due=r.next_review_due,
        overdue=r.overdue_on(day),
        previous_score=previous,
        direction=direction,
    )


def _movement(
    row: RiskRow, direction: str, start: listing.RiskRow | None, end: listing.RiskRow
) -> MovementRow:
    return MovementRow(
        risk=row,
        direction=direction,
        previous_score=start.residual.score if start is not None and start.residual is not None else None,
        previous_band=start.residual.band if start is not None and start.residual is not None else None,
        current_score=end.residual.score if end.residual is not None else None,
        current_band=end.residual.band if end.residual is not None else None,
    )


def _now() -> datetime:
    return utcnow()
