"""The register as rows of one shape, read by one query builder: the API's list and risk,
and every report, now or as it stood at the end of a past day, and as it was recorded at
a past moment.

The current register reads the assessment kept on each risk row, and counts it off the
index on (status, residual_band, residual_score). The register as of a date reads, for
each risk, the one review whose validity covers that date (reviewed_on <= day <
superseded_on); with a band or minimum-score filter it reads those reviews first, by
indexes on (band, superseded_on, reviewed_on) and (score DESC, risk_id, ...), not each
risk's history in turn.

As recorded at a moment T (`as_recorded`) only what had been stored by T counts: risks
created by T, reviews and status events recorded by T, and a review (or status event)
superseded on record only after T is still in force. Descriptive fields changed after T
show their values at T, read back from the audit trail (app.risks.recorded).

Built on the Core tables: rows come back as named columns, with no ORM entity or ORM
compilation on the way (about a third of the time of a page of 50 otherwise).

Over 400 lines: the filter, the row, and the planning of the statements that read it
(which table leads, which index serves the order and the count) are one idea, read together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, RowMapping, Select, and_, false, func, or_
from sqlmodel import Session

from app.appetite.statements import Appetite
from app.audit import totals as remembered
from app.models import ControlMeasure, Review, Risk, RiskStatusEvent, Service, table_of
from app.models.assessment import ASSESSMENT_COLUMNS, assessment_of
from app.risks.controls import controls_of
from app.risks.escalation import escalated_ids
from app.risks.recorded import values_at
from app.scoring import Assessment

SORTABLE = (
    "score",
    "likelihood",
    "impact",
    "ref",
    "title",
    "service",
    "last_reviewed_on",
    "next_review_due",
    "opened_on",
    "id",
)


@dataclass(frozen=True, slots=True)
class RiskFilter:
    """The filters of the risk list; every one is optional and they combine."""

    services: Sequence[str] | None = None  # None: every service the caller may read
    bands: Sequence[str] = ()
    min_score: int | None = None
    response: str | None = None
    category: str | None = None
    status: str = "open"  # open | closed | all
    overdue: bool | None = None
    basis: str = "residual"  # residual | inherent
    as_of: date | None = None
    # only what had been stored by then (UTC-aware); without as_of, the register of today
    as_recorded: datetime | None = None
    q: str | None = None
    sort: Sequence[tuple[str, bool]] = field(
        default_factory=lambda: [("score", True), ("service", False), ("ref", False)]
    )
    above_appetite: bool | None = None
    #: The appetite statement in force on the view's day (the caller finds it): above_appetite
    #: and proposed_escalation read it. None: no statement, so no risk is above or within it.
    appetite: Appetite | None = None
    escalated: bool | None = None
    proposed_escalation: bool | None = None
    #: Only these risks (None: no such condition): a report reading the same risks on another day.
    ids: Sequence[int] | None = None
    #: The matrix's worst band (Very High on the 4x4): proposed_escalation reads it.
    top_band: str | None = None


@dataclass(frozen=True, slots=True)
class RiskRow:
    """A risk as it stood at the end of a day (now, or `as_of`): what the API and the reports show.

    As of a past day, the review in force then gives the assessment, response, controls
    and review dates; a risk not yet reviewed then has none of them, and a risk never
    reviewed (by `as_recorded`) shows the controls and response kept on the risk.
    """

    id: int
    service_code: str
    service_name: str
    ref: str
    aliases: list[str]
    title: str
    consequence: str
    owner: str
    category: str | None
    response: str | None
    status: str
    controls: list[str]
    residual: Assessment | None
    inherent: Assessment | None
    target: Assessment | None
    opened_on: date
    closed_on: date | None
    last_reviewed_on: date | None
    next_review_due: date | None
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    target_on: date | None = None  # the day the service expects to reach its target
    escalated: bool = False  # on the corporate register at the end of the row's day

    def overdue_on(self, day: date) -> bool:
        """Whether the risk is overdue for review on `day`: open, and due before it (or never set)."""
        return is_overdue(self.status, self.next_review_due, day)


def is_overdue(status: str, next_review_due: date | None, day: date) -> bool:
    """Whether a risk is overdue for review on `day`: open, and its review due before it (or never set)."""
    return status == "open" and (next_review_due is None or next_review_due < day)


_RISK, _SERVICE, _CONTROL, _REVIEW, _EVENT = (
    table_of(m) for m in (Risk, Service, ControlMeasure, Review, RiskStatusEvent)
)
R, S = _RISK.c, _SERVICE.c
#: What a row shows of the risk itself, now and as of any day.
_DESCRIPTIVE = (
    "id",
    "ref",
    "aliases",
    "title",
    "consequence",
    "owner",
    "category",
    "response",
    "status",
    "opened_on",
    "closed_on",
    "target_on",
    "version",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
)
_RISK_COLUMNS = [R[name] for name in _DESCRIPTIVE] + [
    S.code.label("service_code"),
    S.name.label("service_name"),
]
#: Now: the assessment and review dates kept on the risk, and its control measures (joined, in order).
_CURRENT_COLUMNS = [
    *_RISK_COLUMNS,
    *(R[name] for name in ("last_reviewed_on", "next_review_due", *ASSESSMENT_COLUMNS)),
    _CONTROL.c.text.label("control"),
]
_RISK_SORTS = frozenset({"ref", "title", "opened_on", "service"})


def page(
    session: Session, flt: RiskFilter, *, today: date, offset: int, limit: int
) -> tuple[list[RiskRow], int]:
    """One page of the risks matching `flt`, in order, and the exact number matching.

    One statement: the page's ids cut in sort order (off an index when the sort and filters
    allow), the page's rows read by id with their control measures (or the review in force
    on the as_of day), the count as a column (or, counted before in the same state of the
    register, the count known: `app.audit.totals`) and that state; a second statement counts
    when the page is empty or the register changed since the count known.
    """
    rows, total, _ = page_with(session, flt, today=today, offset=offset, limit=limit)
    return rows, total


def page_with(
    session: Session, flt: RiskFilter, *, today: date, offset: int, limit: int, extra: Sequence[Any] = ()
) -> tuple[list[RiskRow], int, dict[str, Any]]:
    """`page`, and the values of `extra` (labelled, uncorrelated scalar subqueries) read in the
    same statement: what a page shows beside its rows (the appetite statement in force)."""
    flt = _dated(flt, today)
    # The total of a filter is counted once per state of the register (app.audit.totals).
    totals, key = remembered.of(session.connection()), repr(replace(flt, sort=()))
    last = totals.last(key)
    bound = {"skip": offset, "size": limit, "known_total": last[1] if last else None}
    found = session.execute(_page_statement(flt, today, last is None, extra), bound).mappings().all()
    values = found[0] if found else None
    if values is None:  # an empty page: its total and extras alone
        values = session.execute(_page_statement(flt, today, True, extra, rows=False)).mappings().one()
        last = None
    state = remembered.state_of(values, today)
    if last is None:
        total = int(values["total"])
    elif last[0] == state:
        total = last[1]
    else:  # written since: count again
        total = int(session.execute(_plan(flt, today).count).scalar_one())
    totals.keep(state, key, total)
    rows = _rows(session, found, flt) if found else []
    return rows, total, {c.key: values[c.key] for c in extra}


#: Page statements built, by what shapes them (see `_page_statement`).
_PAGE_STATEMENTS: dict[str, Select[Any]] = {}


def _page_statement(
    flt: RiskFilter, today: date, counted: bool, extra: Sequence[Any], *, rows: bool = True
) -> Select[Any]:
    """The statement of a page of `flt` on `today`, built once and run with the page's place
    bound (`skip`, `size`) and, when not `counted`, the total already known (`known_total`);
    it also reads the register's state (`app.audit.totals.STATE_COLUMNS`). Without `rows`: the
    total, the state and `extra` alone (an empty page's).

    Building the statement (the plan, its conditions and joins) costs about as long as running
    it; a person paging through a list asks for the same statement again and again. `extra`
    is keyed by name: its columns must depend on nothing but `flt` and `today`.
    """
    key = repr((flt, today, counted, rows, [column.key for column in extra]))
    statement = _PAGE_STATEMENTS.get(key)
    if statement is None:
        plan = _plan(flt, today)
        total = plan.count.scalar_subquery() if counted else sa.bindparam("known_total", type_=sa.Integer)
        columns = (total.label("total"), *remembered.STATE_COLUMNS, *extra)
        if rows:
            page_ids = (
                plan.ids.order_by(*plan.order)
                .offset(sa.bindparam("skip", type_=sa.Integer))
                .limit(sa.bindparam("size", type_=sa.Integer))
                .scalar_subquery()
            )
            statement = _rows_query(flt, page_ids, *columns)
        else:
            statement = sa.select(*columns)
        if len(_PAGE_STATEMENTS) >= 256:
            _PAGE_STATEMENTS.clear()
        _PAGE_STATEMENTS[key] = statement
    return statement


def every(session: Session, flt: RiskFilter, *, today: date) -> list[RiskRow]:
    """Every risk matching `flt`, in order (a report's register)."""
    flt = _dated(flt, today)
    plan = _plan(flt, today)
    found = session.execute(_rows_query(flt, plan.ids.scalar_subquery())).mappings().all()
    return _rows(session, found, flt)


def one(
    session: Session,
    risk_id: int,
    *,
    as_of: date | None = None,
    as_recorded: datetime | None = None,
    today: date | None = None,
) -> RiskRow | None:
    """The risk `risk_id` now, or as of the end of `as_of` as recorded at `as_recorded`, if
    there is one then (opened by that day, created by that moment)."""
    flt = RiskFilter(status="all", as_of=as_of, as_recorded=as_recorded)
    if as_recorded is not None and as_of is None:
        assert today is not None, "as recorded without as_of is the register of today"
        flt = _dated(flt, today)
    ids = sa.select(R.id).where(R.id == risk_id, *_existing(flt)).scalar_subquery()
    found = session.execute(_rows_query(flt, ids)).mappings().all()
    return _rows(session, found, flt)[0] if found else None


def cells(session: Session, flt: RiskFilter, *, today: date) -> list[tuple[int, int, str]]:
    """(likelihood, impact, ref) of each assessed risk matching `flt`, in order: a heat map's
    cells, without reading whole rows and their control measures."""
    flt = _dated(flt, today)
    plan = _plan(flt, today)
    prefix = "inherent" if flt.basis == "inherent" else "residual"
    likelihood, impact, score = (
        getattr(plan.src, f"{prefix}_{part}") for part in ("likelihood", "impact", "score")
    )
    narrow = (
        sa.select(likelihood, impact, R.ref, R.id, R.updated_at)
        .select_from(plan.listed)
        .where(*plan.conditions, score.is_not(None))
        .order_by(*plan.order)
    )
    found = session.execute(narrow).all()
    refs = _refs_at(session, [(row.id, row.updated_at) for row in found], flt.as_recorded)
    return [(li, im, refs.get(risk_id, ref)) for li, im, ref, risk_id, _ in found]


def _rows_query(flt: RiskFilter, ids: Any, *extra: Any) -> Select[Any]:
    """The rows of the risks `ids`, in `flt`'s order: now with their control measures joined,
    or as of a day with the review in force then."""
    rows_of = _RISK.join(_SERVICE, S.id == R.service_id)
    escalated = R.id.in_(escalated_ids(flt.as_of, flt.as_recorded)).label("escalated")
    if flt.as_of is None:
        return (
            sa.select(*_CURRENT_COLUMNS, escalated, *extra)
            .select_from(rows_of.outerjoin(_CONTROL, _CONTROL.c.risk_id == R.id))
            .where(R.id.in_(ids))
            .order_by(*_order(flt, _plan_cols(flt, R)), _CONTROL.c.position)
        )
    rv = _REVIEW.alias("review_then")
    closing = _EVENT.alias("closing_then")
    moment = flt.as_recorded
    review_columns = [
        _never_reviewed(moment).label("unreviewed"),
        closing.c.effective_on.label("closed_then"),
        rv.c.id.label("review_id"),
        rv.c.response.label("review_response"),
        rv.c.controls.label("review_controls"),
        rv.c.reviewed_on.label("last_reviewed_on"),
        rv.c.next_review_due,
        *(rv.c[name] for name in ASSESSMENT_COLUMNS),
    ]
    return (
        sa.select(*_RISK_COLUMNS, *review_columns, escalated, *extra)
        .select_from(
            rows_of.outerjoin(rv, _in_force(rv.c, flt.as_of, moment)).outerjoin(
                closing, and_(closing.c.risk_id == R.id, *_closed_conditions(closing.c, flt.as_of, moment))
            )
        )
        .where(R.id.in_(ids))
        .order_by(*_order(flt, _plan_cols(flt, rv.c, as_of=True)))
    )


def _rows(session: Session, found: Sequence[RowMapping], flt: RiskFilter) -> list[RiskRow]:
    """One row per risk: now, its control measures (one per record) gathered in order; as of a
    day, the review in force's, or the risk's own for a risk never reviewed (by `as_recorded`),
    and as recorded at a moment, the descriptive fields as they were then."""
    if flt.as_of is not None:
        rows = [_row(m, as_of=flt.as_of) for m in found]
        unreviewed = [m["id"] for m in found if m["unreviewed"]]
        kept = controls_of(session, unreviewed)
        rows = [replace(r, controls=kept[r.id]) if r.id in kept else r for r in rows]
        if flt.as_recorded is not None:
            rows = _as_recorded(session, rows, flt.as_recorded, set(unreviewed))
        return rows
    return [
        _row(records[0], controls=[r["control"] for r in records if r["control"] is not None])
        for records in (list(group) for _, group in groupby(found, key=lambda m: m["id"]))
    ]


def _row(m: RowMapping, *, controls: list[str] | None = None, as_of: date | None = None) -> RiskRow:
    """A row from its named columns; as of a day, what the review in force then says."""
    status, closed_on, response = m["status"], m["closed_on"], m["response"]
    if as_of is not None:
        # the closing in force at the end of the day, from the status events: a spell closed
        # then stays closed in this view even if the risk was reopened later
        closed_on = m["closed_then"]
        status = "open" if closed_on is None else "closed"
        # One source: the review in force; a risk never reviewed keeps its own (see `_rows`);
        # a risk first reviewed after the day had none in force then.
        reviewed = m["review_id"] is not None
        response = m["review_response"] if reviewed else response if m["unreviewed"] else None
        controls = list(m["review_controls"]) if reviewed else []
    return RiskRow(
        id=m["id"],
        service_code=m["service_code"],
        service_name=m["service_name"],
        ref=m["ref"],
        aliases=m["aliases"],
        title=m["title"],
        consequence=m["consequence"],
        owner=m["owner"],
        category=m["category"],
        response=response,
        status=status,
        controls=controls or [],
        residual=assessment_of(m, "residual"),
        inherent=assessment_of(m, "inherent"),
        target=assessment_of(m, "target"),
        target_on=m["target_on"],
        opened_on=m["opened_on"],
        closed_on=closed_on,
        last_reviewed_on=m["last_reviewed_on"],
        next_review_due=m["next_review_due"],
        version=m["version"],
        created_at=m["created_at"],
        created_by=m["created_by"],
        updated_at=m["updated_at"],
        updated_by=m["updated_by"],
        escalated=bool(m["escalated"]),
    )


#: The fields of a risk shown as recorded at a moment, read back from the audit trail.
_RECORDED_FIELDS = ("ref", "title", "consequence", "owner", "category", "aliases")


def _as_recorded(
    session: Session, rows: list[RiskRow], moment: datetime, unreviewed: set[int]
) -> list[RiskRow]:
    """`rows` with the descriptive fields of risks changed after `moment` as they were then
    (and the controls and response of a risk never reviewed by then, kept on the risk)."""
    changed = {r.id: r for r in rows if r.updated_at > moment}
    if not changed:
        return rows
    then = values_at(session, list(changed), moment)
    result = []
    for row in rows:
        values = then.get(row.id, {})
        fields = {name: values[name] for name in _RECORDED_FIELDS if name in values}
        if row.id in unreviewed:
            fields |= {name: values[name] for name in ("controls", "response") if name in values}
        result.append(replace(row, **fields) if fields else row)
    return result


def _refs_at(
    session: Session, risks: Sequence[tuple[int, datetime]], moment: datetime | None
) -> dict[int, str]:
    """The refs, as they were at `moment`, of those `risks` (id, updated_at) whose ref changed after it."""
    if moment is None:
        return {}
    changed = [risk_id for risk_id, updated_at in risks if updated_at > moment]
    then = values_at(session, changed, moment) if changed else {}
    return {risk_id: values["ref"] for risk_id, values in then.items() if "ref" in values}


def _dated(flt: RiskFilter, today: date) -> RiskFilter:
    """`flt` with its day: as recorded at a moment without `as_of` is the register of `today`."""
    return replace(flt, as_of=today) if flt.as_recorded is not None and flt.as_of is None else flt


def _existing(flt: RiskFilter) -> list[ColumnElement[bool]]:
    """The risk existed on `flt`'s day (opened by then) as recorded at its moment (created by then)."""
    conditions: list[ColumnElement[bool]] = []
    if flt.as_of is not None:
        conditions.append(R.opened_on <= flt.as_of)
    if flt.as_recorded is not None:
        conditions.append(R.created_at <= flt.as_recorded)
    return conditions


@dataclass(frozen=True, slots=True)
class _Plan:
    """The list's risk-ids statement (unordered), its ORDER BY and count statement, and what
    they are made of: the tables read, where the assessment comes from, the conditions."""

    ids: Select[Any]
    order: list[Any]
    count: Select[Any]
    listed: Any
    src: Any
    conditions: list[ColumnElement[bool]]


def _plan(flt: RiskFilter, today: date) -> _Plan:
    """The ids and count statements of `flt`, each reading as few tables as it can.

    The current register reads the risk table alone (its indexes hold status, band, score).
    As of a day, a filter that needs an assessment (a band, a minimum score) reads the
    reviews in force that day first (indexed by band and by score), and leaves out the few
    risks opened after the day or closed by it with `risk_id NOT IN (...)`, instead of
    reaching each risk's history in turn (~1 s at 100,000 risks). Without such a filter
    every risk of the day is listed, its review in force outer-joined.
    """
    day, moment = flt.as_of, flt.as_recorded
    review_driven = day is not None and (bool(flt.bands) or flt.min_score is not None)
    sorts = {name for name, _ in flt.sort}
    if day is None:
        src: Any = R
        counted: Any = _RISK
        listed: Any = _RISK
        key = R.id
    else:
        rv = _REVIEW.alias("in_force")
        src = rv.c
        if review_driven:
            counted = listed = rv
            key = rv.c.risk_id
            if sorts & _RISK_SORTS:
                listed = rv.join(_RISK, R.id == rv.c.risk_id)
        else:
            counted = listed = _RISK.outerjoin(rv, _in_force(rv.c, day, moment))
            key = R.id
    if "service" in sorts:
        listed = listed.join(_SERVICE, S.id == R.service_id)
    conditions = _conditions(flt, today, src, review_driven=review_driven)
    count = sa.select(func.count()).select_from(counted).where(*conditions)
    if flt.above_appetite and flt.appetite is not None and day is None:
        # Counted as one index range per limit of the statement (status, its categories, score
        # over the limit: the categories of two limits never overlap), where the OR of them
        # is a union of the ranges that SQLite de-duplicates row by row.
        others = _conditions(replace(flt, above_appetite=None), today, src, review_driven=False)
        per_limit = [
            sa.select(func.count())
            .select_from(counted)
            .where(*others, R.category.in_(list(categories)), R.residual_score > limit)
            .scalar_subquery()
            for limit, categories in flt.appetite.groups()
        ]
        count = sa.select(sum(per_limit[1:], per_limit[0])) if per_limit else count
    if review_driven:
        assert day is not None
        # Counted as index ranges: the reviews still in force (superseded_on NULL) and those
        # superseded after the day, each with reviewed_on <= day; as recorded at a moment, also
        # those superseded by the day but on record only after the moment (superseded_at > T,
        # its own index). An OR of them is no index range on PostgreSQL, which then reads
        # every review of the bands up to the day.
        ranges: list[ColumnElement[bool]] = [src.superseded_on.is_(None), src.superseded_on > day]
        recorded: list[ColumnElement[bool]] = []
        if moment is not None:
            ranges.append(and_(src.superseded_at > moment, src.superseded_on <= day))
            recorded.append(src.created_at <= moment)
        parts = [count.where(src.reviewed_on <= day, *recorded, r).scalar_subquery() for r in ranges]
        count = sa.select(sum(parts[1:], parts[0]))
        conditions = [*_in_force_conditions(src, day, moment), *conditions]
    return _Plan(
        ids=sa.select(key).select_from(listed).where(*conditions).correlate(None),
        order=_order(
            flt,
            _plan_cols(flt, src, as_of=day is not None, review_driven=review_driven),
            review_driven=review_driven,
        ),
        count=count.correlate(None),
        listed=listed,
        src=src,
        conditions=conditions,
    )


def _plan_cols(
    flt: RiskFilter, src: Any, *, as_of: bool = False, review_driven: bool = False
) -> dict[str, Any]:
    """The sortable columns, the assessment from `src`: the risk, or the review in force.

    Reading the reviews first (`review_driven`), the risk id is the review's risk_id.
    """
    prefix = "inherent" if flt.basis == "inherent" else "residual"
    return {
        "score": getattr(src, f"{prefix}_score"),
        "likelihood": getattr(src, f"{prefix}_likelihood"),
        "impact": getattr(src, f"{prefix}_impact"),
        "ref": R.ref,
        "title": R.title,
        "service": S.code,
        "last_reviewed_on": src.reviewed_on if as_of else R.last_reviewed_on,
        "next_review_due": src.next_review_due,
        "opened_on": R.opened_on,
        "id": src.risk_id if review_driven else R.id,
    }


def _in_force_conditions(rv: Any, day: date, moment: datetime | None = None) -> list[ColumnElement[bool]]:
    """The review is the one in force at the end of `day`: reviewed_on <= day < superseded_on;
    as recorded at `moment`, recorded by then, and superseded on record only after it counts as
    not superseded."""
    if moment is None:
        return [rv.reviewed_on <= day, or_(rv.superseded_on.is_(None), rv.superseded_on > day)]
    return [
        rv.reviewed_on <= day,
        rv.created_at <= moment,
        or_(rv.superseded_on.is_(None), rv.superseded_on > day, rv.superseded_at > moment),
    ]


def _closed_conditions(event: Any, day: date, moment: datetime | None = None) -> list[ColumnElement[bool]]:
    """The status event is a closing in force at the end of `day` (as recorded at `moment`:
    recorded by then, and a reopening recorded after it does not end it)."""
    if moment is None:
        return [
            event.status == "closed",
            event.effective_on <= day,
            or_(event.superseded_on.is_(None), event.superseded_on > day),
        ]
    return [
        event.status == "closed",
        event.effective_on <= day,
        event.recorded_at <= moment,
        or_(event.superseded_on.is_(None), event.superseded_on > day, event.superseded_at > moment),
    ]


def _in_force(rv: Any, day: date, moment: datetime | None = None) -> ColumnElement[bool]:
    """Join condition: `rv` is the review of the risk in force at the end of `day` (as recorded at `moment`)."""
    return and_(rv.risk_id == R.id, *_in_force_conditions(rv, day, moment))


def _conditions(flt: RiskFilter, today: date, src: Any, *, review_driven: bool) -> list[ColumnElement[bool]]:
    """The WHERE conditions of `flt`, the assessment read from `src` (the risk, or the review in force).

    Reading the reviews first (`review_driven`), a condition on the risk becomes
    `risk_id IN (SELECT id FROM risk WHERE ...)` and its negation `NOT IN`: no risk row is
    read per review, and the sets are small (a service's risks, those closed by then).
    """

    def on_risk(condition: ColumnElement[bool]) -> ColumnElement[bool]:
        return src.risk_id.in_(_risk_ids(condition)) if review_driven else condition

    def not_on_risk(condition: ColumnElement[bool]) -> ColumnElement[bool]:
        return src.risk_id.not_in(_risk_ids(condition)) if review_driven else ~condition

    conditions: list[ColumnElement[bool]] = []
    prefix = "inherent" if flt.basis == "inherent" else "residual"
    if flt.as_of is None:
        due_day = today
        open_then = R.status == "open"
        if flt.status != "all":
            conditions.append(R.status == flt.status)
    else:
        due_day = day = flt.as_of
        moment = flt.as_recorded
        closed_then = (
            sa.select(_EVENT.c.risk_id).where(*_closed_conditions(_EVENT.c, day, moment)).correlate(None)
        )
        key = src.risk_id if review_driven else R.id
        open_then = key.not_in(closed_then)
        conditions.append(not_on_risk(R.opened_on > day))
        if moment is not None and not review_driven:
            # (reading the reviews first, a review recorded by then is of a risk recorded by then)
            conditions.append(R.created_at <= moment)
        if flt.status == "open":
            conditions.append(open_then)
        elif flt.status == "closed":
            conditions.append(key.in_(closed_then))
    if flt.services is not None:
        codes = sa.select(S.id).where(S.code.in_(list(flt.services))).correlate(None)
        conditions.append(on_risk(R.service_id.in_(codes)) if flt.services else false())
    if flt.bands:
        conditions.append(getattr(src, f"{prefix}_band").in_(list(flt.bands)))
    if flt.min_score is not None:
        conditions.append(getattr(src, f"{prefix}_score") >= flt.min_score)
    if flt.response:
        response = src.response == flt.response
        if flt.as_of is not None and not review_driven:
            # the response shown: the review in force's, or a risk never reviewed keeps its own
            never = and_(src.risk_id.is_(None), _never_reviewed(flt.as_recorded), R.response == flt.response)
            response = or_(response, never)
        conditions.append(response)
    if flt.overdue is not None:
        due = src.next_review_due
        # Only an open risk can be overdue: open now, or not closed by the as_of day.
        is_overdue = and_(open_then, or_(due.is_(None), due < due_day))
        conditions.append(is_overdue if flt.overdue else ~is_overdue)
    if flt.category:
        conditions.append(on_risk(R.category == flt.category))
    if flt.q:
        pattern = "%" + flt.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            on_risk(
                or_(
                    func.lower(R.ref).like(pattern, escape="\\"),
                    func.lower(R.title).like(pattern, escape="\\"),
                )
            )
        )
    ident = src.risk_id if review_driven else R.id
    if flt.above_appetite is not None:
        conditions.append(_appetite_condition(flt.appetite, src, on_risk, above=flt.above_appetite))
    if flt.ids is not None:
        conditions.append(ident.in_(list(flt.ids)))
    if flt.escalated is not None:
        escalated = escalated_ids(flt.as_of, flt.as_recorded)
        conditions.append(ident.in_(escalated) if flt.escalated else ident.not_in(escalated))
    if flt.proposed_escalation is not None:
        proposed = _proposed(flt, src, ident, on_risk, open_then)
        # not proposed: a risk never assessed too (its conditions are NULL, not false)
        conditions.append(proposed if flt.proposed_escalation else ~func.coalesce(proposed, false()))
    return conditions


def _never_reviewed(moment: datetime | None) -> ColumnElement[bool]:
    """The risk has no review at all (as recorded at `moment`): it shows its own controls and response."""
    if moment is None:
        return R.last_reviewed_on.is_(None)
    recorded = sa.select(_REVIEW.c.id).where(_REVIEW.c.risk_id == R.id, _REVIEW.c.created_at <= moment)
    return ~recorded.exists()


def _appetite_condition(
    appetite: Appetite | None, src: Any, on_risk: Any, *, above: bool
) -> ColumnElement[bool]:
    """The residual score in `src` lies above (or within) its category's limit: one condition per
    limit of the statement, each on the categories at that limit (an index range each)."""
    if appetite is None:
        return false()
    score = src.residual_score
    parts = [
        and_(on_risk(R.category.in_(list(categories))), score > limit if above else score <= limit)
        for limit, categories in appetite.groups()
    ]
    return or_(*parts) if parts else false()


def _proposed(flt: RiskFilter, src: Any, ident: Any, on_risk: Any, open_then: Any) -> ColumnElement[bool]:
    """Proposed for escalation (DOMAIN.md): open, not escalated, and in the worst band or above
    appetite (the statement in force on the view's day) at both of its last two reviews."""

    def serious(cols: Any) -> ColumnElement[bool]:
        worst = cols.residual_band == flt.top_band if flt.top_band else false()
        return or_(worst, _appetite_condition(flt.appetite, cols, on_risk, above=True))

    # the second latest review (of those made by the view's day): exactly one review after it
    previous, later = _REVIEW.alias("previous_review"), _REVIEW.alias("later_review")
    after_it = [
        later.c.risk_id == previous.c.risk_id,
        or_(
            later.c.reviewed_on > previous.c.reviewed_on,
            and_(later.c.reviewed_on == previous.c.reviewed_on, later.c.id > previous.c.id),
        ),
    ]
    made = [previous.c.risk_id == ident, serious(previous.c)]
    if flt.as_of is not None:
        after_it.append(later.c.reviewed_on <= flt.as_of)
        made.append(previous.c.reviewed_on <= flt.as_of)
    reviews_after = sa.select(func.count()).select_from(later).where(*after_it).scalar_subquery()
    previous_serious = sa.select(previous.c.id).where(*made, reviews_after == 1).exists()
    return and_(
        open_then, ident.not_in(escalated_ids(flt.as_of, flt.as_recorded)), serious(src), previous_serious
    )


def _risk_ids(condition: ColumnElement[bool]) -> Select[Any]:
    """The ids of the risks meeting `condition`, never correlated with an enclosing query."""
    return sa.select(R.id).where(condition).correlate(None)


def _order(flt: RiskFilter, cols: dict[str, Any], *, review_driven: bool = False) -> list[Any]:
    """ORDER BY for `flt.sort`, then the risk id.

    NULLS LAST only where a NULL can occur. A band or minimum-score filter means every row
    is assessed (the review service writes likelihood, impact, score and band together),
    and then the plain ordering matches the (score DESC, id) indexes on PostgreSQL too,
    where DESC alone puts NULLs first. Read from the reviews in force (`review_driven`),
    every sort key is non-null: reviews have dates, and the filter needs an assessment.
    """
    never_null = {"ref", "title", "service", "opened_on", "id"}
    # above appetite (or proposed for escalation) needs a residual assessment too
    assessed = flt.above_appetite is not None or bool(flt.proposed_escalation)
    if flt.bands or flt.min_score is not None or (assessed and flt.basis != "inherent"):
        never_null |= {"score", "likelihood", "impact"}
    order = []
    for name, desc in [*flt.sort, ("id", False)]:
        column = cols[name]
        ordered = column.desc() if desc else column.asc()
        order.append(ordered if review_driven or name in never_null else ordered.nulls_last())
    return order
