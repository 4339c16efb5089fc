"""Importing a parsed service plan into the register: dry run first, then all or nothing.

A plan is dated at the start of its period (1 April of its first year; `reviewed_on`
overrides it, and a plan whose title gives no period is refused without one). What the
document gives is imported as it is, every finding of the parser reported, none "fixed".

A service's plans are its history (DOMAIN.md, the legacy service-plan documents):
- a risk of the plan that the register does not hold (by ref or alias) is created, its
  published assessment as its first review;
- a risk the register holds is reviewed again when the plan is later than the risk's latest
  review: the plan's assessment becomes its next review, and a changed title or consequence
  is a dated change of the risk with a finding each;
- an open risk of the register that a later plan leaves out is a finding (close or keep?),
  never closed here;
- a plan older than one already imported adds nothing, and says so; importing a plan again
  changes nothing.
The verdict says whether the import is clean, has findings a person must resolve, or (as
an error, never a result) was refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, cast

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.access.principal import Action, Principal
from app.actions.schemas import ActionCreate
from app.actions.service import create_action
from app.audit.repository import SERVICE_IMPORT
from app.audit.trail import record_change
from app.clock import Calendar
from app.config import get_settings
from app.errors import Conflict, FieldProblem, Forbidden, InvalidInput
from app.fields import AssessmentIn
from app.importer import Finding, ParsedPlan, ParsedRisk, PlanError, parse_plan
from app.importer.formats import MAX_PLAN_BYTES, Document, read_document
from app.models import Action as ActionRow
from app.models import AuditEvent, Risk, RiskStatusEvent, Service, table_of
from app.models.assessment import assessment_columns
from app.models.base import utcnow
from app.risks import reviews
from app.risks.controls import controls_of, replace_controls
from app.risks.schemas import ReviewCreate
from app.risks.service import snapshot
from app.scoring import ORANGE_BOOK, Assessment, Matrix, OutOfMatrixError
from app.services import repository as services

__all__ = ["MAX_PLAN_BYTES", "ImportResult", "PlannedRisk", "decode_plan", "import_document", "import_plan"]

#: The severities a person must act on: an import with any of them has findings to resolve.
TO_RESOLVE = frozenset({"error", "warning"})
#: What the import does with a row: create it, review or update the risk it matches, or
#: nothing (exists: already known; older: the plan is older than what the register knows;
#: duplicate: an earlier row matched the same risk; closed: the risk is closed).
ACTIONS = ("create", "review", "update", "exists", "older", "duplicate", "closed")


@dataclass(frozen=True, slots=True)
class PlannedRisk:
    """What the import does with one risk of the document."""

    line: int
    ref: str
    aliases: tuple[str, ...]
    title: str
    response: str | None
    controls: int
    residual: tuple[int | None, int | None, int, str] | None  # likelihood and impact None: as published
    published: str
    action: str
    reviewed_on: date | None = None
    actions: int = 0  # the plan's actions for the risk that the import records


@dataclass(slots=True)
class ImportResult:
    """The outcome (or, on a dry run, the plan) of importing a document."""

    service_code: str
    service_name: str
    service_created: bool
    period: str | None
    shape: str
    format: str
    reviewed_on: date
    dry_run: bool
    strict: bool = False
    imported: bool = False
    risks: list[PlannedRisk] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def created(self) -> int:
        """How many risks are (or would be) created."""
        return self._count("create")

    @property
    def reviewed(self) -> int:
        """How many risks are (or would be) given the plan's assessment as their next review."""
        return self._count("review")

    @property
    def updated(self) -> int:
        """How many risks have (or would have) their title, consequence or owner changed, unreviewed."""
        return self._count("update")

    @property
    def changed(self) -> bool:
        """Whether the import creates, reviews or updates anything."""
        return any(r.action in ("create", "review", "update") for r in self.risks)

    @property
    def verdict(self) -> str:
        """'clean', or 'findings' when a finding needs a person (the exit code is 0 or 1)."""
        return "findings" if any(f.severity in TO_RESOLVE for f in self.findings) else "clean"

    def _count(self, action: str) -> int:
        return sum(1 for r in self.risks if r.action == action)


def decode_plan(raw: bytes) -> str:
    """The text of an uploaded text plan (see `formats.read_document` for every format)."""
    return read_document(raw).text


def import_plan(
    session: Session,
    actor: Principal,
    matrix: Matrix,
    plan_given: str | bytes | Document,
    *,
    today: date,
    interval_months: int,
    service_code: str | None = None,
    reviewed_on: date | None = None,
    dry_run: bool = False,
    strict: bool = False,
    source: str = "plan",
    categories: tuple[str, ...] = ORANGE_BOOK,
) -> ImportResult:
    """Parse the plan and, unless `dry_run` (or `strict` with findings to resolve), import it.
    Flushes, never commits: the caller's transaction makes it all or nothing.

    The plan is text, or bytes (text, .docx or .xlsx, told apart by their bytes: a document
    that cannot be read is refused naming `source`), or a document already read."""
    document = _document(plan_given, source)
    plan = _parse(document, service_code, matrix, None, source, categories)
    service = services.by_code(session, plan.service_code)
    if service is not None and not actor.may(Action.WRITE, service.code):
        raise Forbidden(f"a token with role {actor.role.value} may not import into {service.code}")
    if service is None and not actor.may(Action.ADMINISTER):
        raise Forbidden("only an admin may create a service by import")
    held = _held_risks(session, service)
    if held and any(r.ref_assigned for r in plan.risks):
        known = {key: risk.title for risk in held for key in (risk.ref, *risk.aliases)}
        plan = _parse(document, service_code, matrix, known, source, categories)
    day = _plan_day(plan, reviewed_on, today)
    earlier = _earlier_imports(session, plan.service_code)
    result = ImportResult(
        service_code=plan.service_code,
        service_name=service.name if service else plan.service_name,
        service_created=service is None,
        period=plan.period,
        shape=plan.shape,
        format=document.format,
        reviewed_on=day,
        dry_run=dry_run,
        strict=strict,
        findings=list(plan.findings),
    )
    steps = _steps(plan, held, _held_actions(session, held), day, earlier, matrix, result)
    if dry_run or (strict and result.verdict != "clean"):
        return result
    if service is None:
        service = Service(
            code=plan.service_code, name=plan.service_name, created_by=actor.name, updated_by=actor.name
        )
        session.add(service)
        session.flush()
    assert service.id is not None
    calendar = Calendar(today=today, interval_months=interval_months, band_months=matrix.review_intervals())
    _write(session, actor, matrix, calendar, service, steps, day, source, plan.period)
    changed = [r for r in result.risks if r.action in ("create", "review", "update")]
    if changed:
        record_change(
            session,
            actor,
            SERVICE_IMPORT,
            "service",
            service.code,
            service.code,
            None,
            {
                "source": source,
                "format": document.format,
                "period": plan.period,
                "reviewed_on": day.isoformat(),
                "created": [r.ref for r in result.risks if r.action == "create"],
                "reviewed": [r.ref for r in result.risks if r.action == "review"],
                "updated": [r.ref for r in result.risks if r.action == "update"],
                "skipped": [r.ref for r in result.risks if r.action not in ("create", "review", "update")],
                "findings": len(result.findings),
                "verdict": result.verdict,
            },
        )
    result.imported = True
    return result


#: The same function by the name the API and the command line use for uploaded bytes.
import_document = import_plan


def _document(plan_given: str | bytes | Document, source: str) -> Document:
    """The plan as a read document: text as text, bytes by their format."""
    if isinstance(plan_given, Document):
        return plan_given
    if isinstance(plan_given, str):
        return Document(plan_given, "text")
    try:
        return read_document(plan_given)
    except PlanError as exc:
        raise InvalidInput(f"{source}: {exc}") from exc


def _parse(
    document: Document,
    service_code: str | None,
    matrix: Matrix,
    known: dict[str, str] | None,
    source: str,
    categories: tuple[str, ...],
) -> ParsedPlan:
    try:
        return parse_plan(
            document.text,
            service_code=service_code,
            matrix=matrix,
            known=known,
            service_name=document.name,
            categories=categories,
        )
    except PlanError as exc:
        raise InvalidInput(f"{source}: {exc}") from exc


def _plan_day(plan: ParsedPlan, reviewed_on: date | None, today: date) -> date:
    """The date of the plan's assessments: `reviewed_on`, else the start of the plan's period.

    Without either, the import is refused (naming why), unless every assessed row carries
    its own review date (riskreg's register export); then the plan's day is the latest of them.
    """
    if reviewed_on is not None:
        day = reviewed_on
    elif plan.start_year is not None:
        day = date(plan.start_year, 4, 1)
    else:
        own = [r.reviewed_on for r in plan.risks if r.reviewed_on is not None]
        assessed = [r for r in plan.risks if r.likelihood is not None or r.published_score is not None]
        if not own or any(r.reviewed_on is None for r in assessed):
            named = f"the {plan.service_name} plan" if plan.service_name else "the plan"
            raise InvalidInput(
                f"{named} names no period (no title such as 'HOUSING SERVICES SERVICE PLAN 2021 - 2024' "
                "gives its years), so there is no date for its assessments: give the date they were "
                "made as reviewed_on (riskreg import --reviewed-on YYYY-MM-DD)",
                errors=[
                    FieldProblem(("body", "reviewed_on"), "required: the plan names no period", "missing")
                ],
            )
        day = max(own)
    late = max([day, *(r.reviewed_on for r in plan.risks if r.reviewed_on)])
    if late > today:
        raise InvalidInput(
            f"the review date {late} is in the future; give reviewed_on (--reviewed-on)",
            errors=[FieldProblem(("body", "reviewed_on"), f"{late} is in the future", "future_date")],
        )
    earliest = get_settings().earliest_date
    first = min([day, *(r.reviewed_on for r in plan.risks if r.reviewed_on)])
    if first < earliest:
        raise InvalidInput(
            f"the review date {first} is before the earliest date this register accepts ({earliest}); "
            "give reviewed_on (--reviewed-on)",
            errors=[FieldProblem(("body", "reviewed_on"), f"before {earliest}", "too_early")],
        )
    return day


def _held_risks(session: Session, service: Service | None) -> list[Risk]:
    if service is None or service.id is None:
        return []
    return list(session.exec(select(Risk).where(Risk.service_id == service.id).order_by(col(Risk.id))).all())


def _held_actions(session: Session, held: list[Risk]) -> dict[int, set[str]]:
    """The descriptions (casefolded) of each held risk's actions: a plan's action already there is
    not recorded again."""
    ids = [r.id for r in held if r.id is not None]
    if not ids:
        return {}
    found: dict[int, set[str]] = {}
    for risk_id, description in session.exec(
        select(ActionRow.risk_id, ActionRow.description).where(col(ActionRow.risk_id).in_(ids))
    ).all():
        found.setdefault(risk_id, set()).add(_action_key(description))
    return found


def _action_key(description: str) -> str:
    return " ".join(description.casefold().split())


def _actions(
    parsed: ParsedRisk, risk: Risk | None, held: dict[int, set[str]], result: ImportResult
) -> list[ActionCreate]:
    """The row's actions to record, as the action service takes them; an action without an owner
    or a due date (neither is invented) or already recorded on the risk is left out, the first
    two with a finding."""
    known = held.get(risk.id, set()) if risk is not None and risk.id is not None else set()
    owner = parsed.owner or (risk.owner if risk is not None else "")
    made: list[ActionCreate] = []
    for action in parsed.actions:
        if _action_key(action.description) in known:
            continue
        who = action.owner or owner
        missing = [name for name, value in (("an owner", who), ("a due date", action.due_on)) if not value]
        if missing:
            result.findings.append(
                Finding(
                    parsed.line,
                    "warning",
                    "action-incomplete",
                    f'Risk {parsed.ref} (line {parsed.line}) plans the action "{action.description}" without '
                    f"{' or '.join(missing)}; it is not recorded: add it with its owner and due date.",
                    parsed.ref,
                )
            )
            continue
        try:
            made.append(ActionCreate(description=action.description, owner=who, due_on=action.due_on))
        except ValidationError as exc:
            problem = "; ".join(str(e["msg"]) for e in exc.errors())
            result.findings.append(
                Finding(
                    parsed.line,
                    "error",
                    "action-invalid",
                    f'Risk {parsed.ref} (line {parsed.line}) plans the action "{action.description}", which '
                    f"riskreg cannot record ({problem}); it is not recorded.",
                    parsed.ref,
                )
            )
        known.add(_action_key(action.description))
    return made


def _earlier_imports(session: Session, code: str) -> list[tuple[date, str | None]]:
    """The date and period of every plan already imported into the service, oldest first."""
    found = session.exec(
        select(AuditEvent).where(
            AuditEvent.action == SERVICE_IMPORT,
            AuditEvent.entity_type == "service",
            AuditEvent.service_code == code,
        )
    ).all()
    dated: list[tuple[date, str | None]] = []
    for event in found:
        after = event.after or {}
        try:
            day = date.fromisoformat(str(after.get("reviewed_on")))
        except ValueError:
            continue
        period = after.get("period")
        dated.append((day, period if isinstance(period, str) else None))
    return sorted(dated)


@dataclass(slots=True)
class _Step:
    """One row of the plan and what the import does with it."""

    parsed: ParsedRisk
    planned: PlannedRisk
    risk: Risk | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    actions: list[ActionCreate] = field(default_factory=list)


def _steps(
    plan: ParsedPlan,
    held: list[Risk],
    held_actions: dict[int, set[str]],
    day: date,
    earlier: list[tuple[date, str | None]],
    matrix: Matrix,
    result: ImportResult,
) -> list[_Step]:
    """What the import does with each row, with a finding for each thing a person must know."""
    by_key: dict[str, Risk] = {}
    for one in held:
        for key in (one.ref, *one.aliases):
            by_key.setdefault(key, one)
    newest = earlier[-1] if earlier else None
    older = newest is not None and day < newest[0]
    named = _plan_name(plan.period, day)
    if older and newest is not None:
        result.findings.append(
            Finding(
                0,
                "warning",
                "older-plan",
                f"This plan ({named}) is older than the {_plan_name(newest[1], newest[0])} already "
                "imported into the register: it adds nothing to it. Nothing is imported.",
                None,
            )
        )
    steps: list[_Step] = []
    matched: dict[int, int] = {}  # risk id -> line of the row that matched it
    created: set[str] = set()
    for parsed in plan.risks:
        risk: Risk | None = next((by_key[k] for k in (parsed.ref, *parsed.aliases) if k in by_key), None)
        step = _Step(parsed, _planned(parsed, matrix, "create"), risk)
        if risk is not None:
            assert risk.id is not None
            if risk.id in matched:
                step.planned = _planned(parsed, matrix, "duplicate", risk)
            else:
                matched[risk.id] = parsed.line
                step.planned = _planned(parsed, matrix, "older" if older else "exists", risk)
                if not older:
                    _match(step, risk, day, named, matrix, result)
        elif older:
            step.planned = _planned(parsed, matrix, "older")
        elif parsed.ref in created:
            step.planned = _planned(parsed, matrix, "duplicate")
        created.add(step.planned.ref)
        if step.planned.action in ("create", "review", "update"):
            step.actions = _actions(parsed, step.risk, held_actions, result)
            step.planned = replace(step.planned, actions=len(step.actions))
        steps.append(step)
    if newest is not None and not older and day > newest[0]:
        earlier_name = _plan_name(newest[1], newest[0])
        for risk in held:
            if risk.id not in matched and risk.status == "open" and risk.opened_on < day:
                result.findings.append(
                    Finding(
                        0,
                        "warning",
                        "not-in-plan",
                        f'Risk {risk.ref} "{risk.title}" is in the {earlier_name}, not in the {named}: '
                        "close it or keep it (it is left open).",
                        risk.ref,
                    )
                )
    result.risks = [s.planned for s in steps]
    result.findings.sort(key=lambda f: f.line)
    return steps


def format_long_day(value: date) -> str:
    """'1 April 2021', as the reports write a date in prose."""
    return f"{value.day} {value:%B %Y}"


def _plan_name(period: str | None, day: date) -> str:
    return f"{period} plan" if period else f"plan dated {format_long_day(day)}"


def _match(step: _Step, risk: Risk, day: date, named: str, matrix: Matrix, result: ImportResult) -> None:
    """Decide what a row the register already holds brings: a review, dated changes, or nothing."""
    parsed = step.parsed
    who = f"Risk {risk.ref} (line {parsed.line})"
    if risk.status == "closed":
        step.planned = replace(step.planned, action="closed")
        result.findings.append(
            Finding(
                parsed.line,
                "warning",
                "risk-closed",
                f"{who} is closed in the register, but the {named} still lists it; nothing of it is "
                "imported. Reopen the risk if the plan is right.",
                risk.ref,
            )
        )
        return
    known_to = risk.last_reviewed_on or risk.opened_on
    row_day = parsed.reviewed_on or day
    if row_day <= known_to:
        if row_day < known_to:
            result.findings.append(
                Finding(
                    parsed.line,
                    "warning",
                    "register-newer",
                    f"{who}: the register already knows it as of {format_long_day(known_to)}, after "
                    f"the {named} ({format_long_day(row_day)}); the plan's version is not imported.",
                    risk.ref,
                )
            )
        return  # the same plan again, or an older one: nothing changes
    changes: dict[str, Any] = {}
    for name, label in (("title", "title"), ("consequence", "consequence"), ("owner", "owner")):
        new = getattr(parsed, name)
        old = getattr(risk, name)
        if new and " ".join(new.split()).casefold() != " ".join(old.split()).casefold():
            changes[name] = new
            result.findings.append(
                Finding(
                    parsed.line,
                    "warning",
                    f"{name}-changed",
                    f'{who}: the {named} gives the {label} "{new}" where the register had "{old}"; '
                    f"it is changed as of {format_long_day(row_day)}. Check that it is the same risk.",
                    risk.ref,
                )
            )
    aliases = [a for a in (parsed.ref, *parsed.aliases) if a != risk.ref and a not in risk.aliases]
    if aliases:
        changes["aliases"] = [*risk.aliases, *aliases]
    step.changes = changes
    if _assessment(matrix, parsed) is not None:
        step.planned = replace(step.planned, action="review", reviewed_on=row_day)
    elif changes:
        step.planned = replace(step.planned, action="update", reviewed_on=row_day)


def _assessment(matrix: Matrix, parsed: ParsedRisk) -> Assessment | None:
    """The row's residual assessment: scored from its likelihood and impact, else its rating kept
    as published (band and score, likelihood and impact unknown) when the band is the matrix's
    band for the score (or the score alone has one band); else None (the parser said why)."""
    if parsed.likelihood is not None and parsed.impact is not None:
        try:
            return matrix.assess(parsed.likelihood, parsed.impact)
        except OutOfMatrixError:
            return None
    if parsed.likelihood is not None or parsed.impact is not None or parsed.published_score is None:
        return None
    bands = [b.name for b in matrix.bands_for_score(parsed.published_score)]
    if parsed.published_band is not None:
        band = parsed.published_band if parsed.published_band in bands else None
    else:
        band = bands[0] if len(bands) == 1 else None
    return Assessment(None, None, parsed.published_score, band) if band is not None else None


def _published(parsed: ParsedRisk) -> str:
    parts = (parsed.published_band or "", str(parsed.published_score) if parsed.published_score else "")
    return " ".join(p for p in parts if p)


def _planned(parsed: ParsedRisk, matrix: Matrix, action: str, risk: Risk | None = None) -> PlannedRisk:
    found = _assessment(matrix, parsed)
    aliases = parsed.aliases
    if risk is not None:  # shown as the register holds it: ST05 leading a row is CP06's alias
        aliases = tuple(dict.fromkeys(a for a in (*risk.aliases, parsed.ref, *aliases) if a != risk.ref))
    return PlannedRisk(
        line=parsed.line,
        ref=risk.ref if risk is not None else parsed.ref,
        aliases=aliases,
        title=parsed.title,
        response=parsed.response,
        controls=len(parsed.controls),
        residual=(found.likelihood, found.impact, found.score, found.band) if found else None,
        published=_published(parsed),
        action=action,
        reviewed_on=parsed.reviewed_on,
    )


def _write(
    session: Session,
    actor: Principal,
    matrix: Matrix,
    calendar: Calendar,
    service: Service,
    steps: list[_Step],
    day: date,
    source: str,
    period: str | None,
) -> None:
    """Write every step with a fixed number of statements per kind: the new risks, their control
    measures and openings; the dated changes; then every review (first ones and next ones) in
    one batch of the review service; then the actions through the action service."""
    creating = [step for step in steps if step.planned.action == "create"]
    created = _create_all(session, actor, service, [s.parsed for s in creating], day)
    entries: list[reviews.ReviewEntry] = []
    with_actions: list[tuple[int, list[ActionCreate]]] = []
    firsts: list[int] = []
    for step, risk in zip(creating, created, strict=True):
        with_actions.append((risk.id, step.actions))
        if _assessment(matrix, step.parsed) is not None:
            entries.append(_review_entry(matrix, calendar, risk, step.parsed, risk.opened_on, actor, source))
            firsts.append(risk.id)
    for step in steps:
        if step.planned.action not in ("review", "update") or step.risk is None:
            continue
        assert step.risk.id is not None
        row_day = step.planned.reviewed_on or day
        if step.changes:
            _change(session, actor, service, step.risk, step.changes, row_day, source)
        if step.planned.action == "review":
            entries.append(_review_entry(matrix, calendar, step.risk, step.parsed, row_day, actor, source))
        with_actions.append((step.risk.id, step.actions))
    written = reviews.append_reviews(session, actor, entries, calendar=calendar)
    if firsts:  # a new risk starts at version 1, its first review included (as add_risk makes it)
        session.connection().execute(update(_RISK).where(_RISK.c.id.in_(firsts)).values(version=1))
    first_ids = set(firsts)
    for entry, review in zip(entries, written, strict=True):
        if entry.risk.id in first_ids:
            continue  # the import's entry names the risks it created, their first reviews with them
        record_change(
            session,
            actor,
            "risk.review",
            "risk",
            str(entry.risk.id),
            service.code,
            None,
            reviews.snapshot(review) | {"source": source, "period": period},
        )
    for risk_id, actions in with_actions:  # through the action service, each with its audit entry
        for new in actions:
            create_action(session, actor, calendar, risk_id, new)


_RISK = table_of(Risk)
_EVENT = table_of(RiskStatusEvent)


def _create_all(
    session: Session, actor: Principal, service: Service, parsed: list[ParsedRisk], day: date
) -> list[Any]:
    """Insert the plan's new risks, their control measures and their `open` events (never late:
    history brought in from a plan), one statement each; the risks as Core rows, in order.

    What the risk service's `add_risk` does for one risk, for all of them at once: a plan of
    300 risks imports in a fraction of a second, not one round of ORM flushes per risk.
    """
    if not parsed:
        return []
    now = utcnow()
    rows = [
        {
            "service_id": service.id,
            "ref": p.ref,
            "aliases": [a for a in dict.fromkeys(p.aliases) if a != p.ref],
            "title": p.title,
            "consequence": p.consequence,
            "owner": p.owner,
            "category": p.category,
            "response": p.response,
            "status": "open",
            "opened_on": p.reviewed_on or day,
            "version": 1,
            **assessment_columns("residual", None),
            **assessment_columns("inherent", None),
            **assessment_columns("target", None),
            "created_at": now,
            "created_by": actor.name,
            "updated_at": now,
            "updated_by": actor.name,
        }
        for p in parsed
    ]
    session.flush()
    db = session.connection()
    try:
        with db.begin_nested():
            ids: dict[str, int] = dict(
                db.execute(insert(_RISK).returning(_RISK.c.ref, _RISK.c.id), rows).all()
            )
    except IntegrityError as exc:  # another writer added one of the refs meanwhile
        raise Conflict(
            f"service {service.code} gained one of the plan's refs while importing; try again"
        ) from exc
    replace_controls(db, {ids[p.ref]: list(p.controls) for p in parsed if p.controls})
    db.execute(
        insert(_EVENT),
        [
            {
                "risk_id": ids[p.ref],
                "status": "open",
                "effective_on": p.reviewed_on or day,
                "superseded_on": None,
                "recorded_at": now,
                "recorded_by": actor.name,
                "late": False,
            }
            for p in parsed
        ],
    )
    found = {row.id: row for row in db.execute(sa.select(_RISK).where(_RISK.c.id.in_(list(ids.values()))))}
    return [found[ids[p.ref]] for p in parsed]


def _notes(parsed: ParsedRisk, found: Assessment | None, source: str) -> str:
    notes = f"Imported from {source}, line {parsed.line}"
    if found is not None and parsed.published_score is not None and parsed.published_score != found.score:
        notes += (
            f"; the plan publishes score {parsed.published_score} for likelihood {found.likelihood} x "
            f"impact {found.impact}"
        )
    return notes


def _review_entry(
    matrix: Matrix,
    calendar: Calendar,
    risk: Any,
    parsed: ParsedRisk,
    day: date,
    actor: Principal,
    source: str,
) -> reviews.ReviewEntry:
    found = _assessment(matrix, parsed)
    assert found is not None
    body = ReviewCreate.model_construct(
        reviewed_on=day,
        residual=cast(Any, None if found.published else _scored(found)),
        inherent=None,
        target=None,
        response=cast(Any, parsed.response),
        controls=list(parsed.controls) if parsed.controls else None,
        notes=_notes(parsed, found, source),
        next_review_due=None,
        reviewer=None,
    )
    if found.published:  # kept as published: nothing to score on the matrix
        return reviews.ReviewEntry(risk, body, (found, None, None), day, f"import ({actor.name})")
    assessments = reviews.validate_review(matrix, body, ("body",), calendar.today, day)
    return reviews.ReviewEntry(risk, body, assessments, day, f"import ({actor.name})")


def _scored(found: Assessment) -> AssessmentIn:
    assert found.likelihood is not None
    assert found.impact is not None
    return AssessmentIn(likelihood=found.likelihood, impact=found.impact)


def _change(
    session: Session,
    actor: Principal,
    service: Service,
    risk: Risk,
    changes: dict[str, Any],
    day: date,
    source: str,
) -> None:
    """A later plan's title, consequence, owner or aliases: a change of the risk dated `day`."""
    assert risk.id is not None
    kept = controls_of(session, [risk.id])[risk.id]
    before = snapshot(risk, kept)
    for name, value in changes.items():
        setattr(risk, name, value)
    risk.version += 1
    risk.updated_at = utcnow()
    risk.updated_by = actor.name
    session.add(risk)
    session.flush()
    after = snapshot(risk, kept)
    names = sorted({*changes, "version"})
    record_change(
        session,
        actor,
        "risk.update",
        "risk",
        str(risk.id),
        service.code,
        {k: before[k] for k in names},
        {k: after[k] for k in names} | {"effective_on": day.isoformat(), "source": source},
    )
