"""The rules for reviews: validation on the matrix, direction of travel, history kept in order."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, delete, select

from app.access.principal import Principal
from app.clock import add_months
from app.errors import Conflict, FieldProblem, InvalidInput
from app.fields import AssessmentIn, AssessmentOut
from app.models import ControlMeasure, Review, Risk
from app.models.base import utcnow
from app.reviews.schemas import ReviewCreate, ReviewPublic
from app.scoring import Assessment, Matrix, OutOfMatrixError


def assess(
    matrix: Matrix, value: AssessmentIn | None, loc: tuple[str | int, ...], problems: list[FieldProblem]
) -> Assessment | None:
    """Score `value` on the matrix, adding a field problem (not raising) when it is off the matrix."""
    if value is None:
        return None
    try:
        return matrix.assess(value.likelihood, value.impact)
    except OutOfMatrixError as exc:
        problems.append(FieldProblem((*loc, exc.axis), str(exc), "out_of_matrix"))
        return None


def direction(previous: int | None, current: int) -> str:
    """up, down or unchanged against the previous score; new when there is none."""
    if previous is None:
        return "new"
    if current > previous:
        return "up"
    return "down" if current < previous else "unchanged"


def validate_review(
    matrix: Matrix, body: ReviewCreate, loc: tuple[str | int, ...], today: date, reviewed_on: date
) -> tuple[Assessment, Assessment | None, Assessment | None]:
    """Check a review against the matrix and the calendar; InvalidInput names every bad field."""
    problems: list[FieldProblem] = []
    residual = assess(matrix, body.residual, (*loc, "residual"), problems)
    inherent = assess(matrix, body.inherent, (*loc, "inherent"), problems)
    target = assess(matrix, body.target, (*loc, "target"), problems)
    if reviewed_on > today:
        problems.append(FieldProblem((*loc, "reviewed_on"), f"{reviewed_on} is in the future", "future_date"))
    if body.next_review_due is not None and body.next_review_due < reviewed_on:
        problems.append(
            FieldProblem((*loc, "next_review_due"), "must not be before the review", "date_order")
        )
    if problems:
        raise InvalidInput(
            problems[0].msg if len(problems) == 1 else f"{len(problems)} invalid fields", errors=problems
        )
    assert residual is not None
    return residual, inherent, target


def append_review(
    session: Session,
    actor: Principal,
    risk: Risk,
    body: ReviewCreate,
    assessments: tuple[Assessment, Assessment | None, Assessment | None],
    *,
    reviewed_on: date,
    reviewer: str,
    interval_months: int,
    loc: tuple[str | int, ...] = ("body",),
) -> Review:
    """Record a validated review and make it the risk's current assessment. Flushes, never commits."""
    assert risk.id is not None
    if risk.status == "closed":
        raise Conflict(f"risk {risk.ref} is closed; reopen it before reviewing it")
    latest = session.exec(
        select(Review)
        .where(Review.risk_id == risk.id)
        .order_by(col(Review.reviewed_on).desc(), col(Review.id).desc())
        .limit(1)
    ).first()
    if latest is not None and reviewed_on < latest.reviewed_on:
        raise InvalidInput(
            f"risk {risk.ref} was last reviewed on {latest.reviewed_on}; a review cannot be dated before it",
            errors=[
                FieldProblem((*loc, "reviewed_on"), f"must not be before {latest.reviewed_on}", "date_order")
            ],
        )
    residual, inherent, target = assessments
    controls = body.controls if body.controls is not None else _current_controls(session, risk.id)
    previous_score = latest.residual_score if latest is not None else None
    review = Review(
        risk_id=risk.id,
        reviewed_on=reviewed_on,
        reviewer=reviewer,
        response=body.response or risk.response,
        controls=list(controls),
        notes=body.notes,
        previous_score=previous_score,
        direction=direction(previous_score, residual.score),
        next_review_due=body.next_review_due or add_months(reviewed_on, interval_months),
        created_by=actor.name,
    )
    # Inherent and target are re-assessed only when given: an omitted one carries over
    # from the risk's current assessment, as response and controls do.
    columns = _columns("residual", residual)
    for prefix, value in (("inherent", inherent), ("target", target)):
        given = _columns(prefix, value)
        columns |= given if value is not None else {name: getattr(risk, name) for name in given}
    for name, column_value in columns.items():
        setattr(review, name, column_value)
        setattr(risk, name, column_value)
    if latest is not None:
        latest.superseded_on = reviewed_on
        session.add(latest)
    session.add(review)
    risk.response = review.response
    risk.last_reviewed_on = reviewed_on
    risk.next_review_due = review.next_review_due
    risk.opened_on = min(risk.opened_on, reviewed_on)
    risk.version += 1
    risk.updated_at = utcnow()
    risk.updated_by = actor.name
    session.add(risk)
    if body.controls is not None:
        replace_controls(session, risk.id, body.controls)
    session.flush()
    return review


def replace_controls(session: Session, risk_id: int, controls: list[str]) -> None:
    """Make `controls` the risk's current list of control measures."""
    session.exec(delete(ControlMeasure).where(col(ControlMeasure.risk_id) == risk_id))
    for position, text in enumerate(controls):
        session.add(ControlMeasure(risk_id=risk_id, position=position, text=text))


def history(session: Session, risk_id: int) -> list[Review]:
    """Every review of a risk, newest first."""
    return list(
        session.exec(
            select(Review)
            .where(Review.risk_id == risk_id)
            .order_by(col(Review.reviewed_on).desc(), col(Review.id).desc())
        ).all()
    )


def to_public(review: Review, ref: str, service_code: str) -> ReviewPublic:
    """A review as the API shows it."""
    assert review.id is not None
    residual = _out(review, "residual")
    assert residual is not None
    return ReviewPublic(
        id=review.id,
        risk_id=review.risk_id,
        ref=ref,
        service=service_code,
        reviewed_on=review.reviewed_on,
        reviewer=review.reviewer,
        residual=residual,
        inherent=_out(review, "inherent"),
        target=_out(review, "target"),
        score=residual.score,
        band=residual.band,
        previous_score=review.previous_score,
        direction=review.direction,
        response=review.response,
        controls=list(review.controls),
        notes=review.notes,
        next_review_due=review.next_review_due,
        created_at=review.created_at,
        created_by=review.created_by,
    )


def snapshot(review: Review) -> dict[str, object]:
    """A review's content for the audit trail."""
    return review.model_dump(mode="json", exclude={"superseded_on", "created_at"})


def _current_controls(session: Session, risk_id: int) -> list[str]:
    return list(
        session.exec(
            select(ControlMeasure.text)
            .where(ControlMeasure.risk_id == risk_id)
            .order_by(col(ControlMeasure.position))
        ).all()
    )


def _columns(prefix: str, value: Assessment | None) -> dict[str, int | str | None]:
    return {
        f"{prefix}_likelihood": value.likelihood if value else None,
        f"{prefix}_impact": value.impact if value else None,
        f"{prefix}_score": value.score if value else None,
        f"{prefix}_band": value.band.name if value else None,
    }


def _out(review: Review, prefix: str) -> AssessmentOut | None:
    score = getattr(review, f"{prefix}_score")
    if score is None:
        return None
    return AssessmentOut(
        likelihood=getattr(review, f"{prefix}_likelihood"),
        impact=getattr(review, f"{prefix}_impact"),
        score=score,
        band=getattr(review, f"{prefix}_band"),
    )
