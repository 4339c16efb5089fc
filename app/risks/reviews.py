"""A risk's reviews: validation on the matrix, direction of travel, history kept in order;
reviewing one risk, or a whole service's round all or nothing.

Recording reviews is the write path officers use most, so it reads the risks as Core
rows, locked in id order (the lock order of every write path: service, risks by id, audit
head), and writes every review of a request with a fixed number of Core statements.

Over 400 lines: the rules of a review (dates included) and the two paths that record them (one risk,
a service's round) are one idea, and share the statements built once at the top.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from app.access.principal import Action, Principal
from app.audit.trail import record_change
from app.clock import Calendar
from app.config import get_settings
from app.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from app.fields import AssessmentIn
from app.models import Review, Risk, Service, table_of
from app.models.assessment import ASSESSMENT_COLUMNS, Basis, assessment_columns, assessment_of
from app.models.base import utcnow
from app.risks.controls import controls_of, replace_controls
from app.risks.schemas import ReviewCreate, ReviewPublic, ServiceReviewCreate, ServiceReviewPublic
from app.risks.status import closed_spells
from app.scoring import Assessment, Matrix, OutOfMatrixError
from app.services.service import writable_service


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
    earliest = get_settings().earliest_date  # read at request time: the deployment's setting
    if reviewed_on > today:
        problems.append(FieldProblem((*loc, "reviewed_on"), f"{reviewed_on} is in the future", "future_date"))
    elif reviewed_on < earliest:
        problems.append(
            FieldProblem(
                (*loc, "reviewed_on"), f"{reviewed_on} is before the earliest date {earliest}", "too_early"
            )
        )
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


Assessments = tuple[Assessment, Assessment | None, Assessment | None]

#: The risk columns a review sets: the current assessment and when it is next due.
_RISK_CHANGED = (
    *ASSESSMENT_COLUMNS,
    "response",
    "last_reviewed_on",
    "next_review_due",
    "version",
)
_REVIEW = table_of(Review)
_RISK = table_of(Risk)
_SERVICE = table_of(Service)

# The statements of the hot path, built once (their compiled forms are cached by SQLAlchemy).
_later = aliased(_REVIEW)
_LATEST_REVIEWS = select(
    _REVIEW.c.risk_id, _REVIEW.c.id, _REVIEW.c.reviewed_on, _REVIEW.c.residual_score
).where(
    _REVIEW.c.risk_id.in_(bindparam("risk_ids", expanding=True)),
    _REVIEW.c.id
    == select(_later.c.id)
    .where(_later.c.risk_id == _REVIEW.c.risk_id)
    .order_by(_later.c.reviewed_on.desc(), _later.c.id.desc())
    .limit(1)
    .scalar_subquery(),
)
# The risks a review changes, locked: one by id, or a service's by ref in id order (the
# lock order of every write path: service, then risks by id, then the audit chain's head).
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
# Each entry is of a different risk, so the new ids are matched to the entries by risk.


_INSERT_REVIEWS = insert(_REVIEW).returning(_REVIEW.c.risk_id, _REVIEW.c.id)
_CLOSE_PREVIOUS = (
    update(_REVIEW)
    .where(_REVIEW.c.id == bindparam("previous_id"))
    .values(superseded_on=bindparam("day"), superseded_at=bindparam("recorded_at"))
)
_UPDATE_RISK = (
    update(_RISK)
    .where(_RISK.c.id == bindparam("risk_key"))
    .values({name: bindparam(f"new_{name}") for name in (*_RISK_CHANGED, "updated_at", "updated_by")})
)


@dataclass(frozen=True, slots=True)
class ReviewEntry:
    """A validated review of one risk, waiting to be written.

    `risk` is the risk as it stands: an ORM `Risk`, or a Core row of the `risk` table.
    """

    risk: Any
    body: ReviewCreate
    assessments: Assessments
    reviewed_on: date
    reviewer: str
    loc: tuple[str | int, ...] = ("body",)
    late: bool = False


def append_review(
    session: Session,
    actor: Principal,
    risk: Risk,
    body: ReviewCreate,
    assessments: Assessments,
    *,
    reviewed_on: date,
    reviewer: str,
    calendar: Calendar,
    loc: tuple[str | int, ...] = ("body",),
    late: bool = False,
) -> dict[str, Any]:
    """Record one validated review and make it the risk's current assessment (see `append_reviews`)."""
    entry = ReviewEntry(risk, body, assessments, reviewed_on, reviewer, loc, late)
    return append_reviews(session, actor, [entry], calendar=calendar)[0]


def append_reviews(
    session: Session, actor: Principal, entries: Sequence[ReviewEntry], *, calendar: Calendar
) -> list[dict[str, Any]]:
    """Record validated reviews, each of a different risk, and make each its risk's current assessment.

    Returns the recorded reviews as column dicts, in the order given. A fixed number of
    Core statements whatever the number of entries (this is the hot path of a service's
    review round): read each risk's latest review and, where the entry keeps them, its
    current control measures; close the latest reviews, insert the new ones, update the
    risks. Refuses a closed risk (Conflict) and, naming each such entry, a review dated
    before its risk opened, inside a closed spell or before its latest review (InvalidInput). ORM `Risk` instances given are brought up
    to date as loaded, not as changes. Flushes pending ORM changes first; never commits.
    """
    if not entries:
        return []
    session.flush()
    # Core on the session's connection: the ORM's execute machinery costs more than these statements.
    db = session.connection()
    for entry in entries:
        if entry.risk.status == "closed":
            raise Conflict(f"risk {entry.risk.ref} is closed; reopen it before reviewing it")
    ids = [entry.risk.id for entry in entries]
    if len(set(ids)) != len(ids):
        raise ValueError("append_reviews takes at most one review per risk")
    latest = _latest_reviews(db, ids)
    _refuse_out_of_time(entries, latest, closed_spells(db, ids))
    kept = [entry.risk.id for entry in entries if entry.body.controls is None]
    current = controls_of(db, kept)

    now = utcnow()
    rows: list[dict[str, Any]] = []
    for entry in entries:
        risk, body = entry.risk, entry.body
        previous = latest.get(risk.id)
        previous_score = previous.residual_score if previous is not None else None
        residual, inherent, target = entry.assessments
        # Inherent and target are re-assessed only when given: an omitted one carries over
        # from the risk's current assessment, as response and controls do.
        columns = assessment_columns("residual", residual)
        carried: tuple[tuple[Basis, Assessment | None], ...] = (("inherent", inherent), ("target", target))
        for basis, value in carried:
            given = assessment_columns(basis, value)
            columns |= given if value is not None else {name: getattr(risk, name) for name in given}
        rows.append(
            {
                "risk_id": risk.id,
                "reviewed_on": entry.reviewed_on,
                "superseded_on": None,
                "superseded_at": None,
                "reviewer": entry.reviewer,
                "response": body.response or risk.response,
                "controls": list(body.controls if body.controls is not None else current.get(risk.id, [])),
                "notes": body.notes,
                **columns,
                "previous_score": previous_score,
                "direction": direction(previous_score, residual.score),
                # unless the review names its next one, the interval of the band it lands in
                "next_review_due": body.next_review_due
                or calendar.next_review_due(entry.reviewed_on, residual.band),
                "created_at": now,
                "created_by": actor.name,
                "late": entry.late,
            }
        )

    new_ids: dict[int, int] = dict(db.execute(_INSERT_REVIEWS, rows).all())
    for row in rows:
        row["id"] = new_ids[row["risk_id"]]
    closing = [
        {"previous_id": latest[row["risk_id"]].id, "day": row["reviewed_on"], "recorded_at": now}
        for row in rows
        if row["risk_id"] in latest
    ]
    if closing:
        db.execute(_CLOSE_PREVIOUS, closing)
    changes = [_risk_changes(entry.risk, row) for entry, row in zip(entries, rows, strict=True)]
    stamp = {"new_updated_at": now, "new_updated_by": actor.name}
    db.execute(
        _UPDATE_RISK,
        [
            {"risk_key": entry.risk.id, **stamp} | {f"new_{k}": v for k, v in change.items()}
            for entry, change in zip(entries, changes, strict=True)
        ],
    )
    replaced = {entry.risk.id: entry.body.controls for entry in entries if entry.body.controls is not None}
    if replaced:
        replace_controls(db, replaced)
    for entry, change in zip(entries, changes, strict=True):
        if isinstance(entry.risk, Risk):
            for name, value in (change | {"updated_at": now, "updated_by": actor.name}).items():
                set_committed_value(entry.risk, name, value)
    return rows


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
    assessments = validate_review(matrix, body, ("body",), calendar.today, reviewed_on)
    entry = ReviewEntry(
        risk, body, assessments, reviewed_on, body.reviewer or actor.name, late=calendar.is_late(reviewed_on)
    )
    (review,) = append_reviews(session, actor, [entry], calendar=calendar)
    record_change(
        session, actor, "risk.review", "risk", str(risk.id), risk.service_code, None, snapshot(review)
    )
    return to_public(review, risk.ref, risk.service_code)


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
    entries: list[ReviewEntry] = []
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
            assessments = validate_review(matrix, item, loc, calendar.today, reviewed_on)
        except InvalidInput as exc:
            problems.extend(exc.errors)
            continue
        reviewer = item.reviewer or body.reviewer or actor.name
        late = calendar.is_late(reviewed_on)
        entries.append(ReviewEntry(found[item.ref], item, assessments, reviewed_on, reviewer, loc, late))
    if problems:
        raise InvalidInput(
            f"the service review was not recorded: {len(problems)} entr{'y is' if len(problems) == 1 else 'ies are'} invalid",
            errors=problems,
        )
    written = append_reviews(session, actor, entries, calendar=calendar)
    recorded = [
        to_public(review, entry.risk.ref, service.code)
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


def _latest_reviews(db: Connection, risk_ids: Sequence[int]) -> dict[int, Any]:
    """Each risk's latest review (id, date, residual score): the last by date, then by id."""
    return {row.risk_id: row for row in db.execute(_LATEST_REVIEWS, {"risk_ids": list(risk_ids)})}


def _refuse_out_of_time(
    entries: Sequence[ReviewEntry], latest: dict[int, Any], spells: dict[int, list[tuple[date, date | None]]]
) -> None:
    """Refuse, naming each entry's reviewed_on and the rule, reviews dated before their risk
    opened, inside one of its closed spells, or before its latest review."""
    problems: list[FieldProblem] = []
    for entry in entries:
        day, risk = entry.reviewed_on, entry.risk
        loc = (*entry.loc, "reviewed_on")
        inside = [(c, r) for c, r in spells.get(risk.id, []) if c <= day and (r is None or day < r)]
        if day < risk.opened_on:
            problems.append(
                FieldProblem(
                    loc,
                    f"risk {risk.ref} opened on {risk.opened_on}; must not be before it",
                    "before_opening",
                )
            )
        elif inside:
            closed_on, reopened_on = inside[0]
            problems.append(
                FieldProblem(
                    loc,
                    f"risk {risk.ref} was closed from {closed_on} to {reopened_on}; a review cannot be dated inside a closed spell",
                    "closed_spell",
                )
            )
        elif risk.id in latest and day < latest[risk.id].reviewed_on:
            problems.append(
                FieldProblem(
                    loc,
                    f"must not be before {latest[risk.id].reviewed_on}, the risk's latest review",
                    "date_order",
                )
            )
    if not problems:
        return
    raise InvalidInput(
        problems[0].msg
        if len(problems) == 1
        else f"{len(problems)} reviews are dated outside their risk's time",
        errors=problems,
    )


def _risk_changes(risk: Any, review: dict[str, Any]) -> dict[str, Any]:
    """What recording `review` changes on its risk, by column."""
    return {
        **{name: review[name] for name in ASSESSMENT_COLUMNS},
        "response": review["response"],
        "last_reviewed_on": review["reviewed_on"],
        "next_review_due": review["next_review_due"],
        "version": risk.version + 1,
    }


def history(session: Session, risk_id: int, *, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """A page of a risk's reviews, newest first, as column mappings, and how many it has."""
    query = (
        select(_REVIEW)
        .where(_REVIEW.c.risk_id == risk_id)
        .order_by(_REVIEW.c.reviewed_on.desc(), _REVIEW.c.id.desc())
        .offset(offset)
        .limit(limit)
    )
    total = session.execute(select(func.count()).where(_REVIEW.c.risk_id == risk_id)).scalar_one()
    return [dict(row) for row in session.execute(query).mappings()], int(total)


def to_public(review: Mapping[str, Any], ref: str, service_code: str) -> ReviewPublic:
    """A review (its columns) as the API shows it."""
    residual = assessment_of(review, "residual")
    assert residual is not None
    return ReviewPublic(
        id=review["id"],
        risk_id=review["risk_id"],
        ref=ref,
        service=service_code,
        reviewed_on=review["reviewed_on"],
        reviewer=review["reviewer"],
        residual=residual,
        inherent=assessment_of(review, "inherent"),
        target=assessment_of(review, "target"),
        score=residual.score,
        band=residual.band,
        previous_score=review["previous_score"],
        direction=review["direction"],
        response=review["response"],
        controls=list(review["controls"]),
        notes=review["notes"],
        next_review_due=review["next_review_due"],
        created_at=review["created_at"],
        created_by=review["created_by"],
        recorded_at=review["created_at"],
        late=review["late"],
    )


def snapshot(review: Mapping[str, Any]) -> dict[str, object]:
    """A review's content for the audit trail (JSON-native values)."""
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in review.items()
        if name not in ("superseded_on", "superseded_at", "created_at")
    }
