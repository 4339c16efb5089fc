"""Report downloads: heat maps, service registers, the six-monthly review report."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from app.access.principal import Action, Principal
from app.api.deps import CalendarDep, MatrixDep, Reader, SessionDep
from app.errors import FieldProblem, InvalidInput, NotFound
from app.reports.documents import Document, heatmap_document, register_document, review_document
from app.reports.periods import PeriodError, parse_period
from app.services import repository as services

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

_FILES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {}}, "description": "the document"}
}


def _download(document: Document) -> Response:
    headers = {
        "Content-Disposition": f'attachment; filename="{document.filename}"',
        "Cache-Control": "no-store",
    }
    return Response(document.content, media_type=document.media_type, headers=headers)


def _scope(session: SessionDep, actor: Principal, service: list[str] | None) -> tuple[list[str] | None, str]:
    """The service codes a report covers (None: the whole council) and its name."""
    readable = actor.readable_services()
    if not service:
        return (sorted(readable) if readable is not None else None), "Council"
    codes = sorted({c.strip().upper() for c in service})
    for code in codes:
        found = services.by_code(session, code)
        if found is None or not actor.may(Action.READ, code):
            raise NotFound(f"no service {code}")
    if len(codes) == 1:
        found = services.by_code(session, codes[0])
        return codes, found.name if found else codes[0]
    return codes, " ".join(codes)


def _check_day(value: date | None, today: date, name: str) -> None:
    if value is not None and value > today:
        raise InvalidInput(
            f"{name} is in the future", errors=[FieldProblem(("query", name), "must not be in the future")]
        )


@router.get("/heatmap", response_class=Response, responses=_FILES)
def heatmap(
    session: SessionDep,
    actor: Reader,
    matrix: MatrixDep,
    calendar: CalendarDep,
    service: Annotated[
        list[str] | None, Query(description="service code(s); none: the whole council")
    ] = None,
    basis: Literal["residual", "inherent", "both"] = "residual",
    format: Literal["png", "svg"] = "png",
    as_of: date | None = None,
) -> Response:
    """The likelihood x impact heat map (residual by default; `both` draws inherent beside residual)."""
    _check_day(as_of, calendar.today, "as_of")
    codes, scope = _scope(session, actor, service)
    return _download(
        heatmap_document(
            session,
            matrix,
            service_codes=codes,
            scope=scope,
            basis=basis,
            fmt=format,
            as_of=as_of,
            today=calendar.today,
        )
    )


@router.get("/register", response_class=Response, responses=_FILES)
def register(
    session: SessionDep,
    actor: Reader,
    matrix: MatrixDep,
    calendar: CalendarDep,
    service: Annotated[str, Query(min_length=1, max_length=10, description="the service code")],
    format: Literal["html", "pdf", "csv", "xlsx"] = "html",
    as_of: date | None = None,
) -> Response:
    """The residual-risk register of one service."""
    _check_day(as_of, calendar.today, "as_of")
    codes, _ = _scope(session, actor, [service])
    assert codes is not None
    return _download(
        register_document(session, matrix, codes[0], fmt=format, today=calendar.today, as_of=as_of)
    )


@router.get("/six-monthly", response_class=Response, responses=_FILES)
def six_monthly(
    session: SessionDep,
    actor: Reader,
    matrix: MatrixDep,
    calendar: CalendarDep,
    period: Annotated[str | None, Query(max_length=40, description="e.g. 2025/26-H1, current, last")] = None,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
    service: Annotated[list[str] | None, Query(description="service code(s); none: council-wide")] = None,
    format: Literal["html", "pdf", "xlsx"] = "pdf",
) -> Response:
    """The six-monthly review report for committee: a financial half (or from/to dates)."""
    try:
        chosen = parse_period(period, start=from_, end=to, today=calendar.today)
    except PeriodError as exc:
        raise InvalidInput(str(exc), errors=[FieldProblem(("query", "period"), str(exc))]) from exc
    if chosen.start > calendar.today:
        raise InvalidInput(
            "the period has not started yet", errors=[FieldProblem(("query", "period"), "in the future")]
        )
    codes, _ = _scope(session, actor, service)
    return _download(review_document(session, matrix, chosen, fmt=format, service_codes=codes))
