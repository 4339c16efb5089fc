"""The appetite statement: approving a new version, the one in force on a day, the history,
and whether a risk lies above it.

A statement gives each category a level; the matrix in force at approval gives each level
its highest accepted residual score, kept on the statement (a later matrix never rewrites
an approved statement). The statement in force on a day is the newest version approved on
or before it; a new version may not be dated before the newest one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Label
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.access.principal import Principal
from app.appetite.schemas import AppetiteCategoryOut, AppetiteCreate, AppetitePublic
from app.audit.trail import record_change
from app.errors import Conflict, FieldProblem, InvalidInput, NotFound
from app.models import AppetiteStatement, table_of
from app.scoring import Matrix


@dataclass(frozen=True, slots=True)
class Appetite:
    """A statement's limits: each category's highest accepted residual score, and its version."""

    version: int
    limits: Mapping[str, int]

    def above(self, category: str | None, residual_score: int | None) -> bool | None:
        """Whether a residual score lies above its category's limit; None when the risk is
        unassessed, has no category, or its category has no level in the statement."""
        return is_above(self, category, residual_score)

    def groups(self) -> tuple[tuple[int, tuple[str, ...]], ...]:
        """The categories grouped by limit, lowest limit first (a filter's few conditions)."""
        by_limit: dict[int, list[str]] = {}
        for category, limit in self.limits.items():
            by_limit.setdefault(limit, []).append(category)
        return tuple((limit, tuple(sorted(cats))) for limit, cats in sorted(by_limit.items()))


def is_above(appetite: Appetite | None, category: str | None, residual_score: int | None) -> bool | None:
    """Whether a risk (its category and residual score) lies above `appetite`, the statement in
    force on the view's day: None without a statement, a category with a level, or a score.
    The test a report row takes (e.g. the six-monthly report's above-appetite count)."""
    if appetite is None or category is None or residual_score is None:
        return None
    limit = appetite.limits.get(category)
    return None if limit is None else residual_score > limit


@lru_cache(maxsize=64)
def in_force_columns(day: date) -> tuple[Label[Any], Label[Any]]:
    """The version and categories of the statement in force on `day`, as two labelled scalar
    subqueries (`appetite_version`, `appetite_categories`) that a page reads in its own
    statement instead of a round trip of their own; `from_columns` makes them an Appetite."""
    table = table_of(AppetiteStatement)

    def newest(column: Any) -> Any:
        return (
            sa.select(column)
            .where(table.c.approved_on <= day)
            .order_by(table.c.approved_on.desc(), table.c.version.desc())
            .limit(1)
            .scalar_subquery()
        )

    return (
        newest(table.c.version).label("appetite_version"),
        # as text, decoded once (every row of the page carries it)
        sa.type_coerce(newest(table.c.categories), sa.Text).label("appetite_categories"),
    )


def from_columns(values: Mapping[str, Any]) -> Appetite | None:
    """The Appetite of the values `in_force_columns` read (None: no statement in force)."""
    version, categories = values["appetite_version"], values["appetite_categories"]
    if version is None:
        return None
    if isinstance(categories, str):  # a driver that hands JSON back as text
        categories = json.loads(categories)
    return Appetite(
        version=int(version), limits={str(c["category"]): int(c["max_score"]) for c in categories}
    )


def statement_in_force(session: Session, day: date) -> AppetiteStatement | None:
    """The newest version approved on or before `day`, if any."""
    return session.exec(
        select(AppetiteStatement)
        .where(AppetiteStatement.approved_on <= day)
        .order_by(col(AppetiteStatement.approved_on).desc(), col(AppetiteStatement.version).desc())
        .limit(1)
    ).first()


def in_force(session: Session, day: date) -> Appetite | None:
    """The limits of the statement in force on `day`, if any (one Core statement)."""
    found = session.execute(sa.select(*in_force_columns(day))).one()
    return from_columns({"appetite_version": found[0], "appetite_categories": found[1]})


def approve(
    session: Session,
    actor: Principal,
    matrix: Matrix,
    categories: tuple[str, ...],
    body: AppetiteCreate,
    today: date,
) -> AppetitePublic:
    """Record `body` as the next version; 422 for an unknown or repeated category, a future day or
    a matrix without limits, 409 for a day before the newest statement's."""
    if not matrix.appetite:
        raise InvalidInput(
            f"the matrix in force ({matrix.name}) sets no appetite limits; add an [appetite] table to it",
            errors=[FieldProblem(("body", "categories"), "the matrix sets no appetite limits", "no_limits")],
        )
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    for index, item in enumerate(body.categories):
        loc = ("body", "categories", index, "category")
        if item.category not in categories:
            problems.append(
                FieldProblem(
                    loc, f"{item.category!r} is not one of: {', '.join(categories)}", "unknown_category"
                )
            )
        elif item.category in seen:
            problems.append(FieldProblem(loc, f"{item.category!r} is given twice", "duplicate"))
        seen.add(item.category)
    if problems:
        raise InvalidInput(problems[0].msg, errors=problems)
    if body.approved_on > today:
        raise InvalidInput(
            f"approved_on {body.approved_on} is in the future",
            errors=[FieldProblem(("body", "approved_on"), "must not be in the future", "future_date")],
        )
    newest = session.exec(
        select(AppetiteStatement).order_by(col(AppetiteStatement.version).desc()).limit(1)
    ).first()
    if newest is not None and body.approved_on < newest.approved_on:
        message = (
            f"approved_on {body.approved_on} is before {newest.approved_on}, the approval of version "
            f"{newest.version}: a statement never goes back before the one in force"
        )
        raise Conflict(
            message,
            errors=[FieldProblem(("body", "approved_on"), message, "before_statement_in_force")],
        )
    statement = AppetiteStatement(
        version=(newest.version + 1) if newest is not None else 1,
        approved_by=body.approved_by,
        approved_on=body.approved_on,
        categories=[
            {"category": c.category, "level": c.level, "max_score": matrix.appetite_limit(c.level)}
            for c in body.categories
        ],
        recorded_by=actor.name,
    )
    session.add(statement)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # another approval took the version first
        raise Conflict("another appetite statement was approved at the same moment; try again") from exc
    public = to_public(statement)
    record_change(
        session,
        actor,
        "appetite.approve",
        "appetite_statement",
        str(statement.version),
        None,
        None,
        public.model_dump(mode="json", exclude={"recorded_at"}),
    )
    return public


def current_public(session: Session, actor: Principal, day: date) -> AppetitePublic:
    """The statement in force on `day`; 404 when none was approved by then."""
    statement = statement_in_force(session, day)
    if statement is None:
        raise NotFound(f"no appetite statement was in force on {day}")
    return to_public(statement)


def history_public(session: Session, actor: Principal) -> list[AppetitePublic]:
    """Every version, newest first."""
    found = session.exec(select(AppetiteStatement).order_by(col(AppetiteStatement.version).desc())).all()
    return [to_public(s) for s in found]


def to_public(statement: AppetiteStatement) -> AppetitePublic:
    """A stored statement as the API shows it."""
    return AppetitePublic(
        version=statement.version,
        approved_by=statement.approved_by,
        approved_on=statement.approved_on,
        categories=[
            AppetiteCategoryOut(
                category=str(c["category"]), level=str(c["level"]), max_score=int(str(c["max_score"]))
            )
            for c in statement.categories
        ],
        recorded_at=statement.recorded_at,
        recorded_by=statement.recorded_by,
    )
