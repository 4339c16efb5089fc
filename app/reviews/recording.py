"""Recording reviews through the API: one risk, or a whole service all or nothing."""

from __future__ import annotations

from sqlmodel import Session

from app.access.principal import Action, Principal
from app.audit.trail import record_change
from app.errors import FieldProblem, Forbidden, InvalidInput
from app.reviews import service as reviews
from app.reviews.schemas import ReviewCreate, ReviewPublic, ServiceReviewCreate, ServiceReviewPublic
from app.risks import repository as risks
from app.risks.service import Calendar, readable_risk, writable_service
from app.scoring import Matrix


def review_risk(
    session: Session, actor: Principal, matrix: Matrix, calendar: Calendar, risk_id: int, body: ReviewCreate
) -> ReviewPublic:
    """Record a review of one risk and make it the risk's current assessment."""
    risk, service = readable_risk(session, actor, risk_id, for_update=True)
    if not actor.may(Action.WRITE, service.code):
        raise Forbidden(f"a token with role {actor.role.value} may not review risks of {service.code}")
    reviewed_on = body.reviewed_on or calendar.today
    assessments = reviews.validate_review(matrix, body, ("body",), calendar.today, reviewed_on)
    review = reviews.append_review(
        session,
        actor,
        risk,
        body,
        assessments,
        reviewed_on=reviewed_on,
        reviewer=body.reviewer or actor.name,
        interval_months=calendar.interval_months,
    )
    record_change(
        session, actor, "risk.review", "risk", str(risk.id), service.code, None, reviews.snapshot(review)
    )
    return reviews.to_public(review, risk.ref, service.code)


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
    assert service.id is not None
    problems = []
    validated = []
    refs = [item.ref for item in body.reviews]
    found = risks.by_refs(session, service.id, refs, for_update=True)
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
        validated.append((item, reviewed_on, assessments))
    if problems:
        raise InvalidInput(
            f"the service review was not recorded: {len(problems)} entr{'y is' if len(problems) == 1 else 'ies are'} invalid",
            errors=problems,
        )
    recorded = []
    for item, reviewed_on, assessments in validated:
        risk = found[item.ref]
        review = reviews.append_review(
            session,
            actor,
            risk,
            item,
            assessments,
            reviewed_on=reviewed_on,
            reviewer=item.reviewer or body.reviewer or actor.name,
            interval_months=calendar.interval_months,
            loc=("body", "reviews", refs.index(item.ref)),
        )
        recorded.append(reviews.to_public(review, risk.ref, service.code))
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
