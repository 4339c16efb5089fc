"""Report downloads: heat maps, service registers, the six-monthly review report."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response
from pydantic import Field, StringConstraints
from typing_extensions import TypeAliasType

from app.access.principal import Action, Principal
from app.api.deps import CalendarDep, DatabaseDep, MatrixDep, ReaderDep, ReportSlot, SettingsDep
from app.errors import FieldProblem, InvalidInput, NotFound
from app.fields import Day, Moment
from app.reports.documents import (
    Document,
    content_disposition,
    heatmap_document,
    register_document,
    review_document,
)
from app.reports.periods import PeriodError, parse_period

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

# Named choices: one component each in the OpenAPI document (see app/fields.py).
HeatmapBasis = TypeAliasType(
    "HeatmapBasis",
    Annotated[
        Literal["residual", "inherent", "both"],
        Field(description="which assessment the heat map places; `both` draws inherent beside residual"),
    ],
)
HeatmapFormat = TypeAliasType("HeatmapFormat", Literal["png", "svg"])
RegisterFormat = TypeAliasType("RegisterFormat", Literal["html", "pdf", "csv", "xlsx", "json"])
RegisterTable = TypeAliasType(
    "RegisterTable",
    Annotated[
        Literal["risks", "actions"],
        Field(description="the CSV's rows: one per risk, or one per action of the register's risks"),
    ],
)
ReportFormat = TypeAliasType("ReportFormat", Literal["html", "pdf", "xlsx", "json"])
CorporateFormat = TypeAliasType("CorporateFormat", Literal["html", "pdf", "xlsx", "csv", "json"])


_AS_RECORDED = "only what had been stored by this moment: ISO 8601 with its offset (without as_of: today's, as recorded then)"


def _files(*media_types: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {m: {} for m in media_types}, "description": "the document"}}


_HEATMAPS = _files("image/png", "image/svg+xml")
_REGISTERS = _files(
    "text/html",
    "application/pdf",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/json",
)
_REPORTS = _files(
    "text/html",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/json",
)


def _download(document: Document, headers: dict[str, str] | None = None) -> Response:
    headers = {"Cache-Control": "no-store"} | (headers or {})
    headers["Content-Disposition"] = content_disposition(document.filename)
    return Response(document.content, media_type=document.media_type, headers=headers)


def _council(actor: Principal) -> tuple[list[str] | None, str]:
    """The services of a council-wide report: every one the actor may read (None: all of them)."""
    return actor.readable_among(None), "Council"


def _readable_codes(actor: Principal, service: list[str]) -> list[str]:
    """The asked service codes, upper-cased and sorted; NotFound for one the actor may not read."""
    codes = sorted({c.strip().upper() for c in service})
    for code in codes:
        # not even a well-formed code: no service (PostgreSQL would refuse a NUL in it)
        if not (code.isascii() and code.isalnum()) or not actor.may(Action.READ, code):
            raise NotFound(f"no service {code}")
    return codes


def _check_day(value: date | None, today: date, name: str) -> None:
    if value is not None and value > today:
        raise InvalidInput(
            f"{name} is in the future", errors=[FieldProblem(("query", name), "must not be in the future")]
        )


@router.get("/heatmap", response_class=Response, responses=_HEATMAPS)
async def get_heatmap(
    db: DatabaseDep,
    actor: ReaderDep,
    matrix: MatrixDep,
    calendar: CalendarDep,
    service: Annotated[
        list[Annotated[str, StringConstraints(min_length=1, max_length=10)]] | None,
        Query(description="service code(s); none: the whole council"),
    ] = None,
    basis: Annotated[HeatmapBasis, Query()] = "residual",
    format: Annotated[HeatmapFormat, Query()] = "png",
    as_of: Day | None = None,
    as_recorded: Annotated[Moment | None, Query(description=_AS_RECORDED)] = None,
    if_none_match: Annotated[
        str | None, Header(description="an ETag of this picture: 304 if unchanged")
    ] = None,
) -> Response:
    """The likelihood x impact heat map (residual by default; `both` draws inherent beside residual)."""
    _check_day(as_of, calendar.today, "as_of")
    # One service's name is read with its cells (one query); the drawing happens only on
    # a cache miss, so the same picture asked again costs the token check and that query.
    codes, scope = (_readable_codes(actor, service), None) if service else _council(actor)
    document = await db.run(
        heatmap_document,
        matrix,
        service_codes=codes,
        scope=scope,
        basis=basis,
        fmt=format,
        as_of=as_of,
        today=calendar.today,
        as_recorded=as_recorded,
    )
    # Private to those who may read the services; a client revalidates it every time.
    headers = {"Cache-Control": "private, no-cache"}
    if document.etag is not None:
        headers["ETag"] = document.etag
        if if_none_match is not None and _matches(if_none_match, document.etag):
            return Response(status_code=304, headers=headers)
    return _download(document, headers)


def _matches(if_none_match: str, etag: str) -> bool:
    """Whether If-None-Match names `etag` (weak comparison, as RFC 9110 asks for GET)."""
    opaque = etag.removeprefix("W/")
    return any(t.strip() == "*" or t.strip().removeprefix("W/") == opaque for t in if_none_match.split(","))


@router.get("/register", response_class=Response, responses=_REGISTERS)
async def get_register(
    db: DatabaseDep,
    actor: ReaderDep,
    _slot: ReportSlot,
    matrix: MatrixDep,
    calendar: CalendarDep,
    service: Annotated[str, Query(min_length=1, max_length=10, description="the service code")],
    format: Annotated[RegisterFormat, Query()] = "html",
    table: Annotated[RegisterTable, Query()] = "risks",
    as_of: Day | None = None,
    as_recorded: Annotated[Moment | None, Query(description=_AS_RECORDED)] = None,
) -> Response:
    """The residual-risk register of one service, as of a day and as recorded at a moment
    (`format=csv&table=actions`: its actions as CSV)."""
    _check_day(as_of, calendar.today, "as_of")
    if table == "actions" and format != "csv":
        raise InvalidInput(
            "table=actions is a CSV export",
            errors=[
                FieldProblem(("query", "table"), "actions go with format=csv (the other formats show them)")
            ],
        )
    (code,) = _readable_codes(actor, [service])
    document = await db.run(
        register_document,
        matrix,
        code,
        fmt=format,
        today=calendar.today,
        as_of=as_of,
        as_recorded=as_recorded,
        table=table,
    )
    return _download(document)


@router.get("/six-monthly", response_class=Response, responses=_REPORTS)
async def get_six_monthly_report(
    db: DatabaseDep,
    actor: ReaderDep,
    settings: SettingsDep,
    _slot: ReportSlot,
    matrix: MatrixDep,
    calendar: CalendarDep,
    period: Annotated[str | None, Query(max_length=40, description="e.g. 2025/26-H1, current, last")] = None,
    from_: Annotated[Day | None, Query(alias="from")] = None,
    to: Day | None = None,
    service: Annotated[
        list[Annotated[str, StringConstraints(min_length=1, max_length=10)]] | None,
        Query(description="service code(s); none: council-wide"),
    ] = None,
    format: Annotated[ReportFormat, Query()] = "pdf",
    as_of: Annotated[
        Day | None,
        Query(description="the report as it stood at the end of this day (its report date no later)"),
    ] = None,
    as_recorded: Annotated[Moment | None, Query(description=_AS_RECORDED)] = None,
) -> Response:
    """The six-monthly review report for committee: a financial half (or from/to dates); with
    `as_recorded`, as it could be produced at that moment (the same paper again); with `as_of`,
    as it stood at the end of that day."""
    _check_day(as_of, calendar.today, "as_of")
    try:
        chosen = parse_period(
            period, start=from_, end=to, today=calendar.today, earliest=settings.earliest_date
        )
    except PeriodError as exc:
        raise InvalidInput(str(exc), errors=[FieldProblem(("query", "period"), str(exc))]) from exc
    if chosen.start > calendar.today:
        raise InvalidInput(
            "the period has not started yet", errors=[FieldProblem(("query", "period"), "in the future")]
        )
    codes = _readable_codes(actor, service) if service else _council(actor)[0]
    return _download(
        await db.run(
            review_document,
            matrix,
            chosen,
            fmt=format,
            today=calendar.today,
            service_codes=codes,
            as_recorded=as_recorded,
            as_of=as_of,
        )
    )


_CORPORATE = _files(
    "text/html",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/csv",
    "application/json",
)


@router.get("/corporate-register", response_class=Response, responses=_CORPORATE)
async def get_corporate_register(
    db: DatabaseDep,
    actor: ReaderDep,
    _slot: ReportSlot,
    matrix: MatrixDep,
    calendar: CalendarDep,
    format: Annotated[CorporateFormat, Query()] = "html",
    as_of: Day | None = None,
    as_recorded: Annotated[Moment | None, Query(description=_AS_RECORDED)] = None,
) -> Response:
    """The corporate register: every service's escalated risks, with owners, positions, direction,
    actions, escalation reasons and strategic refs, and a heat map of them; as of a day (the
    risks escalated then, at their positions then) and as recorded at a moment."""
    from app.reports.corporate import corporate_document

    _check_day(as_of, calendar.today, "as_of")
    codes, _ = _council(actor)
    return _download(
        await db.run(
            corporate_document,
            matrix,
            fmt=format,
            today=calendar.today,
            as_of=as_of,
            as_recorded=as_recorded,
            service_codes=codes,
        )
    )
