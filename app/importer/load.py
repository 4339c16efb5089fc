"""Importing a parsed service plan into the register: dry run first, then all or nothing.

What the document gives is imported as it is: the residual likelihood and impact
become a review dated `reviewed_on` (default: 1 April of the plan's first year); a
rating without separate likelihood and impact (the full-register shape) creates the
risk unassessed. Every finding of the parser is reported, none is "fixed". Refs
already in the service's register are left alone, so importing a plan twice changes
nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session

from app.access.principal import Action, Principal
from app.audit.trail import record_change
from app.clock import Calendar
from app.errors import Forbidden, InvalidInput
from app.fields import AssessmentIn
from app.importer import Finding, ParsedRisk, PlanError, parse_plan
from app.models import Service
from app.risks import repository as risks
from app.risks.schemas import RiskCreate
from app.risks.service import add_risk
from app.scoring import ORANGE_BOOK, Assessment, Matrix, OutOfMatrixError
from app.services import repository as services

MAX_PLAN_BYTES = 5_000_000


@dataclass(frozen=True, slots=True)
class PlannedRisk:
    """What the import does with one risk of the document."""

    line: int
    ref: str
    aliases: tuple[str, ...]
    title: str
    response: str | None
    controls: int
    residual: tuple[int, int, int, str] | None
    published: str
    action: str  # create | exists | duplicate


@dataclass(slots=True)
class ImportResult:
    """The outcome (or, on a dry run, the plan) of importing a document."""

    service_code: str
    service_name: str
    service_created: bool
    period: str | None
    shape: str
    reviewed_on: date
    dry_run: bool
    risks: list[PlannedRisk] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def created(self) -> int:
        """How many risks are (or would be) created."""
        return sum(1 for r in self.risks if r.action == "create")


def decode_plan(raw: bytes) -> str:
    """The text of an uploaded plan; PlanError for binary or oversized input."""
    if len(raw) > MAX_PLAN_BYTES:
        raise PlanError(
            f"the document is {len(raw):,} bytes; plans larger than {MAX_PLAN_BYTES:,} are refused"
        )
    if b"\x00" in raw[:8192]:
        raise PlanError("the document is binary, not text: convert the Word plan to text first")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PlanError("the document is neither UTF-8 nor Windows-1252 text")


def import_plan(
    session: Session,
    actor: Principal,
    matrix: Matrix,
    text: str,
    *,
    today: date,
    interval_months: int,
    service_code: str | None = None,
    reviewed_on: date | None = None,
    dry_run: bool = False,
    source: str = "plan",
    categories: tuple[str, ...] = ORANGE_BOOK,
) -> ImportResult:
    """Parse `text` and, unless `dry_run`, import it. Flushes, never commits: the caller's
    transaction makes it all or nothing."""
    try:
        plan = parse_plan(text, service_code=service_code, matrix=matrix, categories=categories)
    except PlanError as exc:
        raise InvalidInput(f"{source}: {exc}") from exc
    day = reviewed_on or (date(plan.start_year, 4, 1) if plan.start_year else today)
    if day > today:
        raise InvalidInput(f"the review date {day} is in the future; pass --reviewed-on")
    service = services.by_code(session, plan.service_code)
    if service is not None and not actor.may(Action.WRITE, service.code):
        raise Forbidden(f"a token with role {actor.role.value} may not import into {service.code}")
    if service is None and not actor.may(Action.ADMINISTER):
        raise Forbidden("only an admin may create a service by import")
    existing = (
        risks.by_refs(session, service.id, [r.ref for r in plan.risks]) if service and service.id else {}
    )
    result = ImportResult(
        service_code=plan.service_code,
        service_name=service.name if service else plan.service_name,
        service_created=service is None,
        period=plan.period,
        shape=plan.shape,
        reviewed_on=day,
        dry_run=dry_run,
        findings=list(plan.findings),
    )
    seen: set[str] = set()
    for parsed in plan.risks:
        action = "exists" if parsed.ref in existing else "duplicate" if parsed.ref in seen else "create"
        seen.add(parsed.ref)
        result.risks.append(_planned(parsed, matrix, action))
    if dry_run:
        return result
    if service is None:
        service = Service(
            code=plan.service_code, name=plan.service_name, created_by=actor.name, updated_by=actor.name
        )
        session.add(service)
        session.flush()
    assert service.id is not None
    calendar = Calendar(today=today, interval_months=interval_months)
    for parsed, planned in zip(plan.risks, result.risks, strict=True):
        if planned.action == "create":
            _create(session, actor, matrix, calendar, service, parsed, day, source)
    record_change(
        session,
        actor,
        "service.import",
        "service",
        service.code,
        service.code,
        None,
        {
            "source": source,
            "period": plan.period,
            "reviewed_on": day.isoformat(),
            "created": [r.ref for r in result.risks if r.action == "create"],
            "skipped": [r.ref for r in result.risks if r.action != "create"],
            "findings": len(result.findings),
        },
    )
    return result


def _assessment(matrix: Matrix, parsed: ParsedRisk) -> Assessment | None:
    if parsed.likelihood is None or parsed.impact is None:
        return None
    try:
        return matrix.assess(parsed.likelihood, parsed.impact)
    except OutOfMatrixError:
        return None


def _planned(parsed: ParsedRisk, matrix: Matrix, action: str) -> PlannedRisk:
    found = _assessment(matrix, parsed)
    published = " ".join(
        p
        for p in (parsed.published_band or "", str(parsed.published_score) if parsed.published_score else "")
        if p
    )
    return PlannedRisk(
        line=parsed.line,
        ref=parsed.ref,
        aliases=parsed.aliases,
        title=parsed.title,
        response=parsed.response,
        controls=len(parsed.controls),
        residual=(found.likelihood, found.impact, found.score, found.band) if found else None,
        published=published,
        action=action,
    )


def _create(
    session: Session,
    actor: Principal,
    matrix: Matrix,
    calendar: Calendar,
    service: Service,
    parsed: ParsedRisk,
    day: date,
    source: str,
) -> None:
    """Add one risk of the document through the risk service, its rating as its first review."""
    found = _assessment(matrix, parsed)
    notes = f"Imported from {source}, line {parsed.line}"
    if found is not None and parsed.published_score is not None and parsed.published_score != found.score:
        notes += f"; the plan publishes score {parsed.published_score} for likelihood {found.likelihood} x impact {found.impact}"
    # Built without validation: the parser has cleaned what it gives, and a plan may name no
    # response, which a risk created through the API must have.
    given: dict[str, Any] = {
        "ref": parsed.ref,
        "aliases": list(parsed.aliases),
        "title": parsed.title,
        "category": parsed.category,
        "consequence": parsed.consequence,
        "response": parsed.response,
        "controls": list(parsed.controls),
        "residual": AssessmentIn(likelihood=found.likelihood, impact=found.impact) if found else None,
        "reviewed_on": day,
        "reviewer": f"import ({actor.name})",
        "notes": notes if found else "",
    }
    new = RiskCreate.model_construct(**given)
    add_risk(session, actor, matrix, calendar, service, new, source=source)
