"""Importing legacy service plans (admins)."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Body, Response
from pydantic import Field, model_validator

from app.api import examples
from app.api.deps import AdminDep, CalendarDep, CategoriesDep, DatabaseDep, MatrixDep
from app.errors import FieldProblem, InvalidInput
from app.fields import Day, ImportAction, ImportVerdict, PublicModel, ServiceCode, StrictModel

router = APIRouter(prefix="/api/v1/imports", tags=["imports"])


class ImportCreate(StrictModel):
    """A service plan, as text or as a file's bytes, and how to import it."""

    text: Annotated[str, Field(min_length=1, max_length=5_000_000)] | None = Field(
        default=None, description="the plan as text (give this or content_base64)"
    )
    content_base64: Annotated[str, Field(min_length=1, max_length=6_700_000)] | None = Field(
        default=None,
        description="the plan file's bytes in base64: text (UTF-8, UTF-16 with a BOM, Windows-1252), "
        ".docx or .xlsx, told apart by the bytes",
    )
    filename: Annotated[str, Field(max_length=200)] = "plan.txt"
    service_code: ServiceCode | None = None
    reviewed_on: Day | None = Field(
        default=None,
        description="date of the imported assessments (default: the start of the plan's period; "
        "required when the plan names no period)",
    )
    # Strict: `0` or `"no"` must not turn a dry run into a real import.
    dry_run: bool = Field(default=True, strict=True, description="report what would happen; change nothing")
    strict: bool = Field(
        default=False, strict=True, description="import nothing when the plan has findings to resolve"
    )

    @model_validator(mode="after")
    def _one_source(self) -> ImportCreate:
        if (self.text is None) == (self.content_base64 is None):
            raise ValueError("give the plan as exactly one of text and content_base64")
        return self


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
    residual: dict[str, int | str | None] | None = Field(
        description="likelihood, impact, score, band; likelihood and impact null for a rating kept as published"
    )
    published: str
    action: ImportAction
    reviewed_on: date | None = Field(description="the row's own review date, when it gives one")
    actions: int = Field(description="how many of the row's planned actions the import records")


class ImportOut(PublicModel):
    """The outcome of an import (or of a dry run), with the verdict the CLI's exit code gives."""

    service: str
    service_name: str
    service_created: bool
    period: str | None
    shape: str
    format: str
    reviewed_on: date
    dry_run: bool
    strict: bool
    imported: bool = Field(
        description="whether the import ran (false for a dry run, or under strict with findings); "
        "the status is 201 when it changed the register"
    )
    verdict: ImportVerdict = Field(description="clean (exit 0) or findings to resolve (exit 1)")
    created: int
    reviewed: int
    updated: int
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
    from app.importer.load import import_document

    raw = body.text.encode("utf-8") if body.text is not None else _decoded(body.content_base64 or "")
    # The plan is parsed before the first statement, so outside the write transaction.
    result = await db.run(
        import_document,
        actor,
        matrix,
        raw,
        today=calendar.today,
        interval_months=calendar.interval_months,
        service_code=body.service_code,
        reviewed_on=body.reviewed_on,
        dry_run=body.dry_run,
        strict=body.strict,
        source=body.filename,
        categories=categories,
    )
    response.status_code = 201 if result.imported and result.changed else 200
    return ImportOut(
        service=result.service_code,
        service_name=result.service_name,
        service_created=result.service_created,
        period=result.period,
        shape=result.shape,
        format=result.format,
        reviewed_on=result.reviewed_on,
        dry_run=result.dry_run,
        strict=result.strict,
        imported=result.imported,
        verdict=result.verdict,
        created=result.created if result.imported else 0,
        reviewed=result.reviewed if result.imported else 0,
        updated=result.updated if result.imported else 0,
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
                reviewed_on=r.reviewed_on,
                actions=r.actions,
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


def _decoded(content: str) -> bytes:
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(
            "content_base64 is not base64",
            errors=[FieldProblem(("body", "content_base64"), "not valid base64", "base64")],
        ) from exc
