"""Importing legacy service plans (admins)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Body, Response
from pydantic import Field

from app.api import examples
from app.api.deps import AdminDep, CalendarDep, CategoriesDep, DatabaseDep, MatrixDep
from app.fields import Day, PublicModel, ServiceCode, StrictModel

router = APIRouter(prefix="/api/v1/imports", tags=["imports"])


class ImportCreate(StrictModel):
    """A service plan's text (converted from Word) and how to import it."""

    text: Annotated[str, Field(min_length=1, max_length=5_000_000)]
    filename: Annotated[str, Field(max_length=200)] = "plan.txt"
    service_code: ServiceCode | None = None
    reviewed_on: Day | None = Field(default=None, description="date of the imported assessments")
    # Strict: `0` or `"no"` must not turn a dry run into a real import.
    dry_run: bool = Field(default=True, strict=True, description="report what would happen; change nothing")


class FindingOut(PublicModel):
    """Something in the document a person must resolve."""

    line: int
    severity: str
    code: str
    message: str
    ref: str | None


class PlannedRiskOut(PublicModel):
    """What the import does (or would do) with one risk of the document."""

    line: int
    ref: str
    aliases: list[str]
    title: str
    response: str | None
    controls: int
    residual: dict[str, int | str] | None
    published: str
    action: str


class ImportOut(PublicModel):
    """The outcome of an import (or of a dry run)."""

    service: str
    service_name: str
    service_created: bool
    period: str | None
    shape: str
    reviewed_on: date
    dry_run: bool
    created: int
    risks: list[PlannedRiskOut]
    findings: list[FindingOut]


@router.post("", response_model=ImportOut, responses={201: {"model": ImportOut}})
async def import_service_plan(
    body: Annotated[ImportCreate, Body(openapi_examples=examples.IMPORT_CREATE)],
    db: DatabaseDep,
    actor: AdminDep,
    matrix: MatrixDep,
    categories: CategoriesDep,
    calendar: CalendarDep,
    response: Response,
) -> ImportOut:
    """Import a service plan's risk register, all or nothing; `dry_run` (the default) only reports."""
    # The plan parser (its regexes and tables) is loaded by the first import, not at start.
    from app.importer.load import import_plan

    # The plan is parsed before the first statement, so outside the write transaction.
    result = await db.run(
        import_plan,
        actor,
        matrix,
        body.text,
        today=calendar.today,
        interval_months=calendar.interval_months,
        service_code=body.service_code,
        reviewed_on=body.reviewed_on,
        dry_run=body.dry_run,
        source=body.filename,
        categories=categories,
    )
    response.status_code = 200 if body.dry_run else 201
    return ImportOut(
        service=result.service_code,
        service_name=result.service_name,
        service_created=result.service_created,
        period=result.period,
        shape=result.shape,
        reviewed_on=result.reviewed_on,
        dry_run=result.dry_run,
        created=result.created if not result.dry_run else 0,
        risks=[
            PlannedRiskOut(
                line=r.line,
                ref=r.ref,
                aliases=list(r.aliases),
                title=r.title,
                response=r.response,
                controls=r.controls,
                published=r.published,
                action=r.action,
                residual=dict(zip(("likelihood", "impact", "score", "band"), r.residual, strict=True))
                if r.residual
                else None,
            )
            for r in result.risks
        ],
        findings=[
            FindingOut(line=f.line, severity=f.severity, code=f.code, message=f.message, ref=f.ref)
            for f in result.findings
        ],
    )
