"""The rules for reviews: validation on the matrix, direction of travel, history kept in order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from app.access.principal import Principal
from app.clock import add_months
from app.errors import Conflict, FieldProblem, InvalidInput
from app.fields import AssessmentIn, AssessmentOut
from app.models import ControlMeasure, Review, Risk, RiskBandCount, table_of
from app.models.base import utcnow
from app.reviews.schemas import ReviewCreate, ReviewPublic
from app.risks import repository
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


Assessments = tuple[Assessment, Assessment | None, Assessment | None]

#: The risk columns a review sets: the current assessment and when it is next due.
_ASSESSED = tuple(
    f"{prefix}_{part}"
    for prefix in ("residual", "inherent", "target")
    for part in ("likelihood", "impact", "score", "band")
)
_RISK_CHANGED = (*_ASSESSED, "response", "last_reviewed_on", "next_review_due", "opened_on", "version")
_REVIEW = table_of(Review)
_RISK = table_of(Risk)
_CONTROL = table_of(ControlMeasure)
_BAND_COUNT = table_of(RiskBandCount)

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
# A risk whose band or status changes moves its service's band counts (triggers on `risk`).
_LOCK_BAND_COUNTS = (
    select(_BAND_COUNT.c.risks)
    .where(_BAND_COUNT.c.service_id.in_(bindparam("service_ids", expanding=True)))
    .order_by(_BAND_COUNT.c.status, _BAND_COUNT.c.residual_band, _BAND_COUNT.c.service_id)
    .with_for_update()
)
_DELETE_CONTROLS = delete(_CONTROL).where(_CONTROL.c.risk_id.in_(bindparam("risk_ids", expanding=True)))
# Each entry is of a different risk, so the new ids are matched to the entries by risk.
_INSERT_REVIEWS = insert(_REVIEW).returning(_REVIEW.c.risk_id, _REVIEW.c.id)
_CLOSE_PREVIOUS = (
    update(_REVIEW).where(_REVIEW.c.id == bindparam("previous_id")).values(superseded_on=bindparam("day"))
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


def append_review(
    session: Session,
    actor: Principal,
    risk: Risk,
    body: ReviewCreate,
    assessments: Assessments,
    *,
    reviewed_on: date,
    reviewer: str,
    interval_months: int,
    loc: tuple[str | int, ...] = ("body",),
) -> dict[str, Any]:
    """Record one validated review and make it the risk's current assessment (see `append_reviews`)."""
    entry = ReviewEntry(risk, body, assessments, reviewed_on, reviewer, loc)
    return append_reviews(session, actor, [entry], interval_months=interval_months)[0]


def append_reviews(
    session: Session, actor: Principal, entries: Sequence[ReviewEntry], *, interval_months: int
) -> list[dict[str, Any]]:
    """Record validated reviews, each of a different risk, and make each its risk's current assessment.

    Returns the recorded reviews as column dicts, in the order given. A fixed number of
    Core statements whatever the number of entries (this is the hot path of a service's
    review round): read each risk's latest review and, where the entry keeps them, its
    current control measures; close the latest reviews, insert the new ones, update the
    risks. Refuses a closed risk (Conflict) and, naming each such entry, a review dated
    before its risk's latest (InvalidInput). ORM `Risk` instances given are brought up
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
    if len(entries) > 1 and db.dialect.name == "postgresql":
        # Take the services' band-count rows in key order before the risk updates move
        # them row by row: two batched reviews of one service then cannot deadlock.
        db.execute(_LOCK_BAND_COUNTS, {"service_ids": sorted({entry.risk.service_id for entry in entries})})
    latest = _latest_reviews(db, ids)
    _refuse_backdated(entries, latest)
    kept = [entry.risk.id for entry in entries if entry.body.controls is None]
    current = repository.controls_of(db, kept)

    now = utcnow()
    rows: list[dict[str, Any]] = []
    for entry in entries:
        risk, body = entry.risk, entry.body
        previous = latest.get(risk.id)
        previous_score = previous.residual_score if previous is not None else None
        residual, inherent, target = entry.assessments
        # Inherent and target are re-assessed only when given: an omitted one carries over
        # from the risk's current assessment, as response and controls do.
        columns = _columns("residual", residual)
        for prefix, value in (("inherent", inherent), ("target", target)):
            given = _columns(prefix, value)
            columns |= given if value is not None else {name: getattr(risk, name) for name in given}
        rows.append(
            {
                "risk_id": risk.id,
                "reviewed_on": entry.reviewed_on,
                "superseded_on": None,
                "reviewer": entry.reviewer,
                "response": body.response or risk.response,
                "controls": list(body.controls if body.controls is not None else current.get(risk.id, [])),
                "notes": body.notes,
                **columns,
                "previous_score": previous_score,
                "direction": direction(previous_score, residual.score),
                "next_review_due": body.next_review_due or add_months(entry.reviewed_on, interval_months),
                "created_at": now,
                "created_by": actor.name,
            }
        )

    new_ids: dict[int, int] = dict(db.execute(_INSERT_REVIEWS, rows).all())
    for row in rows:
        row["id"] = new_ids[row["risk_id"]]
    closing = [
        {"previous_id": latest[row["risk_id"]].id, "day": row["reviewed_on"]}
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
        _replace_controls(db, replaced)
    for entry, change in zip(entries, changes, strict=True):
        if isinstance(entry.risk, Risk):
            for name, value in (change | {"updated_at": now, "updated_by": actor.name}).items():
                set_committed_value(entry.risk, name, value)
    return rows


def _latest_reviews(db: Connection, risk_ids: Sequence[int]) -> dict[int, Any]:
    """Each risk's latest review (id, date, residual score): the last by date, then by id."""
    return {row.risk_id: row for row in db.execute(_LATEST_REVIEWS, {"risk_ids": list(risk_ids)})}


def _refuse_backdated(entries: Sequence[ReviewEntry], latest: dict[int, Any]) -> None:
    backdated = [
        (entry, latest[entry.risk.id].reviewed_on)
        for entry in entries
        if entry.risk.id in latest and entry.reviewed_on < latest[entry.risk.id].reviewed_on
    ]
    if not backdated:
        return
    first, day = backdated[0]
    raise InvalidInput(
        f"risk {first.risk.ref} was last reviewed on {day}; a review cannot be dated before it"
        if len(backdated) == 1
        else f"{len(backdated)} reviews are dated before their risk's latest review",
        errors=[
            FieldProblem((*entry.loc, "reviewed_on"), f"must not be before {day}", "date_order")
            for entry, day in backdated
        ],
    )


def _risk_changes(risk: Any, review: dict[str, Any]) -> dict[str, Any]:
    """What recording `review` changes on its risk, by column."""
    return {
        **{name: review[name] for name in _ASSESSED},
        "response": review["response"],
        "last_reviewed_on": review["reviewed_on"],
        "next_review_due": review["next_review_due"],
        "opened_on": min(risk.opened_on, review["reviewed_on"]),
        "version": risk.version + 1,
    }


def replace_controls(session: Session, risk_id: int, controls: list[str]) -> None:
    """Make `controls` the risk's current list of control measures."""
    _replace_controls(session.connection(), {risk_id: controls})


def _replace_controls(db: Connection, controls_by_risk: Mapping[int, Sequence[str]]) -> None:
    """Make each list the current control measures of its risk: one delete, one insert."""
    db.execute(_DELETE_CONTROLS, {"risk_ids": list(controls_by_risk)})
    rows = [
        {"risk_id": risk_id, "position": position, "text": text}
        for risk_id, controls in controls_by_risk.items()
        for position, text in enumerate(controls)
    ]
    if rows:
        db.execute(insert(_CONTROL), rows)


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
    residual = _out(review, "residual")
    assert residual is not None
    return ReviewPublic(
        id=review["id"],
        risk_id=review["risk_id"],
        ref=ref,
        service=service_code,
        reviewed_on=review["reviewed_on"],
        reviewer=review["reviewer"],
        residual=residual,
        inherent=_out(review, "inherent"),
        target=_out(review, "target"),
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
    )


def snapshot(review: Mapping[str, Any]) -> dict[str, object]:
    """A review's content for the audit trail (JSON-native values)."""
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in review.items()
        if name not in ("superseded_on", "created_at")
    }


def _columns(prefix: str, value: Assessment | None) -> dict[str, int | str | None]:
    return {
        f"{prefix}_likelihood": value.likelihood if value else None,
        f"{prefix}_impact": value.impact if value else None,
        f"{prefix}_score": value.score if value else None,
        f"{prefix}_band": value.band.name if value else None,
    }


def _out(review: Mapping[str, Any], prefix: str) -> AssessmentOut | None:
    score = review[f"{prefix}_score"]
    if score is None:
        return None
    return AssessmentOut(
        likelihood=review[f"{prefix}_likelihood"],
        impact=review[f"{prefix}_impact"],
        score=score,
        band=review[f"{prefix}_band"],
    )
