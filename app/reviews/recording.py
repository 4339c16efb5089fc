"""Recording reviews through the API: one risk, or a whole service all or nothing.

These are the write paths officers use most, so they read the risks as Core rows,
locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already holds
the write lock), and write every review of a request with a fixed number of statements.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import Session

from app.access.principal import Action, Principal
from app.audit.trail import record_change
from app.clock import Calendar
from app.errors import FieldProblem, Forbidden, InvalidInput, NotFound
from app.models import Risk, Service, table_of
from app.reviews import service as reviews
from app.reviews.schemas import ReviewCreate, ReviewPublic, ServiceReviewCreate, ServiceReviewPublic
from app.risks.service import readable_risk, writable_service
from app.scoring import Matrix

_RISK = table_of(Risk)
_SERVICE = table_of(Service)
_RISK_TO_REVIEW = (
    select(_RISK, _SERVICE.c.code.label("service_code"))
    .join(_SERVICE, _SERVICE.c.id == _RISK.c.service_id)
    .where(_RISK.c.id == bindparam("risk_id"))
    .with_for_update(of=_RISK)
)
_SERVICE_RISKS_TO_REVIEW = (
    select(_RISK)
    .where(_RISK.c.service_id == bindparam("service_id"), _RISK.c.ref.in_(bindparam("refs", expanding=True)))
    .order_by(_RISK.c.id)
    .with_for_update()
)


def review_risk(
    session: Session, actor: Principal, matrix: Matrix, calendar: Calendar, risk_id: int, body: ReviewCreate
) -> ReviewPublic:
    """Record a review of one risk and make it the risk's current assessment."""
    risk: Any = session.connection().execute(_RISK_TO_REVIEW, {"risk_id": risk_id}).first()
    if risk is None or not actor.may(Action.READ, risk.service_code):
        raise NotFound(f"no risk {risk_id}")
    if not actor.may(Action.WRITE, risk.service_code):
        raise Forbidden(f"a token with role {actor.role.value} may not review risks of {risk.service_code}")
    reviewed_on = body.reviewed_on or calendar.today
    assessments = reviews.validate_review(matrix, body, ("body",), calendar.today, reviewed_on)
    entry = reviews.ReviewEntry(risk, body, assessments, reviewed_on, body.reviewer or actor.name)
    (review,) = reviews.append_reviews(session, actor, [entry], interval_months=calendar.interval_months)
    record_change(
        session, actor, "risk.review", "risk", str(risk.id), risk.service_code, None, reviews.snapshot(review)
    )
    return reviews.to_public(review, risk.ref, risk.service_code)


def review_service(
    session: Session,
    actor: Principal,
    matrix: Matrix,
    calendar: Calendar,
    code: str,
    body: ServiceReviewCreate,
) -> ServiceReviewPublic:
    """Record every review of a service's review round, or none: any bad entry refuses them all."""
    service = writable_service(session, actor, code)
    refs = [item.ref for item in body.reviews]
    locked = session.connection().execute(_SERVICE_RISKS_TO_REVIEW, {"service_id": service.id, "refs": refs})
    found: dict[str, Any] = {risk.ref: risk for risk in locked}
    problems: list[FieldProblem] = []
    entries: list[reviews.ReviewEntry] = []
    seen: set[str] = set()
    for index, item in enumerate(body.reviews):
        loc: tuple[str | int, ...] = ("body", "reviews", index)
        if item.ref in seen:
            problems.append(
                FieldProblem((*loc, "ref"), f"{item.ref} appears twice in this review", "duplicate")
            )
            continue
        seen.add(item.ref)
        if item.ref not in found:
            problems.append(
                FieldProblem((*loc, "ref"), f"service {service.code} has no risk {item.ref}", "unknown_ref")
            )
            continue
        reviewed_on = item.reviewed_on or body.reviewed_on or calendar.today
        try:
            assessments = reviews.validate_review(matrix, item, loc, calendar.today, reviewed_on)
        except InvalidInput as exc:
            problems.extend(exc.errors)
            continue
        reviewer = item.reviewer or body.reviewer or actor.name
        entries.append(reviews.ReviewEntry(found[item.ref], item, assessments, reviewed_on, reviewer, loc))
    if problems:
        raise InvalidInput(
            f"the service review was not recorded: {len(problems)} entr{'y is' if len(problems) == 1 else 'ies are'} invalid",
            errors=problems,
        )
    written = reviews.append_reviews(session, actor, entries, interval_months=calendar.interval_months)
    recorded = [
        reviews.to_public(review, entry.risk.ref, service.code)
        for entry, review in zip(entries, written, strict=True)
    ]
    record_change(
        session,
        actor,
        "service.review",
        "service",
        service.code,
        service.code,
        None,
        {"reviews": [r.model_dump(mode="json") for r in recorded]},
    )
    return ServiceReviewPublic(service=service.code, reviews=recorded)


def history_public(
    session: Session, actor: Principal, risk_id: int, *, offset: int, limit: int
) -> tuple[list[ReviewPublic], int]:
    """A page of the reviews of a risk the actor may read, newest first (404 for one it may not),
    and how many it has."""
    risk, service = readable_risk(session, actor, risk_id)
    assert risk.id is not None
    found, total = reviews.history(session, risk.id, offset=offset, limit=limit)
    return [reviews.to_public(r, risk.ref, service.code) for r in found], total
