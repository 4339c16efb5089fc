"""Queries on risks: the filtered, sorted, paginated register, now or as of a past date.

The current register reads the assessment kept on each risk row; its total, for the
audit list's filters, sums the per-service band counts that triggers keep
(`risk_band_count`) instead of counting the risks. The register as of a date reads,
for each risk, the one review whose validity covers that date (reviewed_on <= day <
superseded_on); with a band or minimum-score filter it reads those reviews first, by
indexes on (band, superseded_on, reviewed_on) and (score DESC, risk_id, ...), not each
risk's history in turn.

`list_page` (the API's list) reads Core rows; `search` (the reports) reads entities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Connection, Select, and_, false, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.models import ControlMeasure, Review, Risk, RiskBandCount, Service, table_of

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
    status: str = "open"  # open | closed | all
    overdue: bool | None = None
    basis: str = "residual"  # residual | inherent
    as_of: date | None = None
    q: str | None = None
    sort: Sequence[tuple[str, bool]] = field(
        default_factory=lambda: [("score", True), ("service", False), ("ref", False)]
    )


@dataclass(frozen=True, slots=True)
class RiskRowOut:
    """A risk with the assessment in force on the asked date, ready for the API or a report."""

    risk: Risk
    service_code: str
    service_name: str
    status: str
    closed_on: date | None
    response: str | None
    residual: tuple[int, int, int, str] | None
    inherent: tuple[int, int, int, str] | None
    target: tuple[int, int, int, str] | None
    last_reviewed_on: date | None
    next_review_due: date | None
    controls: list[str]


Assessment = tuple[int, int, int, str]  # likelihood, impact, score, band


@dataclass(frozen=True, slots=True)
class ListRow:
    """One risk of a list page as it stood on the asked date, read as plain values (no entity)."""

    id: int
    service_code: str
    ref: str
    aliases: list[str]
    title: str
    consequence: str
    owner: str
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


# The list is built on the Core tables: rows come back as tuples, with no ORM entity or
# ORM compilation on the way (about a third of the time of a page of 50 otherwise).
_RISK, _SERVICE, _CONTROL, _REVIEW, _BAND_COUNT = (
    table_of(m) for m in (Risk, Service, ControlMeasure, Review, RiskBandCount)
)
R, S = _RISK.c, _SERVICE.c
#: A risk's control measures, in order: read by every review and risk read, built once.
_CONTROLS_OF = (
    sa.select(_CONTROL.c.risk_id, _CONTROL.c.text)
    .where(_CONTROL.c.risk_id.in_(sa.bindparam("risk_ids", expanding=True)))
    .order_by(_CONTROL.c.risk_id, _CONTROL.c.position)
)
_ASSESSED = ("residual", "inherent", "target")
_PARTS = ("likelihood", "impact", "score", "band")
_SHOWN = (
    "id",
    "ref",
    "aliases",
    "title",
    "consequence",
    "owner",
    "response",
    "status",
    "opened_on",
    "closed_on",
    "last_reviewed_on",
    "next_review_due",
    "version",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
)
#: The columns of a list row: the risk's, its twelve assessment columns, the service code.
_LIST_COLUMNS = (
    [R[name] for name in _SHOWN] + [R[f"{p}_{part}"] for p in _ASSESSED for part in _PARTS] + [S.code]
)
_ASSESSMENT_AT, _SERVICE_AT, _EXTRA_AT = len(_SHOWN), len(_SHOWN) + 12, len(_SHOWN) + 13
_RISK_SORTS = frozenset({"ref", "title", "opened_on", "service"})


def is_overdue(status: str, next_review_due: date | None, day: date) -> bool:
    """Whether a risk is overdue for review on `day`: open, and its review due before it (or never set)."""
    return status == "open" and (next_review_due is None or next_review_due < day)


def by_id(session: Session, risk_id: int, *, for_update: bool = False) -> tuple[Risk, Service] | None:
    """The risk and its service, locked for update when asked (PostgreSQL)."""
    query = (
        select(Risk, Service).join(Service, col(Service.id) == col(Risk.service_id)).where(Risk.id == risk_id)
    )
    if for_update:
        query = query.with_for_update(of=Risk)
    row = session.exec(query).first()
    return (row[0], row[1]) if row else None


def by_refs(session: Session, service_id: int, refs: Sequence[str]) -> dict[str, Risk]:
    """The service's risks with these refs, by ref."""
    query = (
        select(Risk)
        .where(Risk.service_id == service_id, col(Risk.ref).in_(list(refs)))
        .order_by(col(Risk.id))
    )
    return {r.ref: r for r in session.exec(query).all()}


def controls_of(session: Session | Connection, risk_ids: Sequence[int]) -> dict[int, list[str]]:
    """The current control measures of each risk, in order (a risk with none: an empty list)."""
    if not risk_ids:
        return {}
    result: dict[int, list[str]] = {rid: [] for rid in risk_ids}
    for risk_id, text in session.execute(_CONTROLS_OF, {"risk_ids": list(risk_ids)}):
        result[risk_id].append(text)
    return result


def search(
    session: Session, flt: RiskFilter, *, today: date, offset: int = 0, limit: int | None = None
) -> tuple[list[RiskRowOut], int]:
    """The risks matching `flt`, sorted, from `offset` (at most `limit`), and the total count.

    Whole rows with their risk entity, for the reports; the API's list reads `list_page`.
    """
    query, cols, count_query, ids_query = _base_query(flt, today)
    total = session.execute(count_query).scalar_one()
    order = _order(flt, cols)
    page_query = query.order_by(*order).offset(offset)
    if limit is not None:
        # Deferred join: sort and cut the page on narrow (sort key, id) records, then read
        # the page's full rows by id. Sorting whole rows cost ~75 ms at 100,000 risks.
        page_ids = ids_query.order_by(*order).offset(offset).limit(limit)
        page_query = query.where(col(Risk.id).in_(page_ids.scalar_subquery())).order_by(*order)
    rows = session.execute(page_query).all()
    controls = {} if flt.as_of else controls_of(session, [r[0].id for r in rows])
    return [_row_out(r, controls, flt.as_of) for r in rows], int(total)


def list_page(
    session: Session, flt: RiskFilter, *, today: date, offset: int, limit: int
) -> tuple[list[ListRow], int]:
    """One page of the risks matching `flt`, in order, and the exact number matching.

    One statement: the page's ids cut in sort order (off an index when the sort and filters
    allow), the page's rows read by id with their control measures (or the review in force
    on the as_of day), and the count as a column; a second statement counts only when the
    page is empty.
    """
    plan = _plan(flt, today)
    page_ids = plan.ids.order_by(*plan.order).offset(offset).limit(limit).scalar_subquery()
    total = plan.count.scalar_subquery().label("total")
    rows_of = _RISK.join(_SERVICE, S.id == R.service_id)
    if flt.as_of is None:
        query = (
            sa.select(*_LIST_COLUMNS, _CONTROL.c.text, total)
            .select_from(rows_of.outerjoin(_CONTROL, _CONTROL.c.risk_id == R.id))
            .where(R.id.in_(page_ids))
            .order_by(*_order(flt, _plan_cols(flt, R)), _CONTROL.c.position)
        )
    else:
        rv = _REVIEW.alias("review_then")
        query = (
            sa.select(*_LIST_COLUMNS, *_review_columns(rv), total)
            .select_from(rows_of.outerjoin(rv, _in_force(rv.c, flt.as_of)))
            .where(R.id.in_(page_ids))
            .order_by(*_order(flt, _plan_cols(flt, rv.c, as_of=True)))
        )
    rows = session.execute(query).all()
    if not rows:
        return [], int(session.execute(plan.count).scalar_one())
    if flt.as_of is None:
        return _current_rows(rows), int(rows[0][-1])
    return [_row_as_of(r, flt.as_of) for r in rows], int(rows[0][-1])


def cells(session: Session, flt: RiskFilter, *, today: date) -> list[tuple[int, int, str]]:
    """(likelihood, impact, ref) of each assessed risk matching `flt`, in `search` order.

    What the heat map needs, without loading whole risks and their control measures
    (`search` with no limit reads every row of the register as entities).
    """
    query, cols, _, _ = _base_query(flt, today)
    narrow = query.with_only_columns(cols["likelihood"], cols["impact"], col(Risk.ref)).order_by(
        *_order(flt, cols)
    )
    return [
        (likelihood, impact, ref)
        for likelihood, impact, ref in session.execute(narrow.where(cols["score"].is_not(None))).all()
    ]


@dataclass(frozen=True, slots=True)
class _Plan:
    """The list's risk-ids statement (unordered), its ORDER BY, and its count statement."""

    ids: Select[Any]
    order: list[Any]
    count: Select[Any]


def _plan(flt: RiskFilter, today: date) -> _Plan:
    """The ids and count statements of `flt`, each reading as few tables as it can.

    The current register reads the risk table alone (its indexes hold status, band, score).
    As of a day, a filter that needs an assessment (a band, a minimum score) reads the
    reviews in force that day first (indexed by band and by score), and leaves out the few
    risks opened after the day or closed by it with `risk_id NOT IN (...)`, instead of
    reaching each risk's history in turn (~1 s at 100,000 risks). Without such a filter
    every risk of the day is listed, its review in force outer-joined.
    """
    day = flt.as_of
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
            counted = listed = _RISK.outerjoin(rv, _in_force(rv.c, day))
            key = R.id
    if "service" in sorts:
        listed = listed.join(_SERVICE, S.id == R.service_id)
    conditions = _conditions(flt, today, src, review_driven=review_driven)
    tallied = _band_count(flt)
    count = sa.select(func.count()).select_from(counted).where(*conditions) if tallied is None else tallied
    if review_driven:
        assert day is not None
        # Counted as two index ranges: the reviews still in force (superseded_on NULL) and
        # those superseded after the day, each with reviewed_on <= day. An OR of the two is
        # no index range on PostgreSQL, which then reads every review of the bands up to the day.
        latest, superseded = (
            count.where(src.reviewed_on <= day, in_force).scalar_subquery()
            for in_force in (src.superseded_on.is_(None), src.superseded_on > day)
        )
        count = sa.select(latest + superseded)
        conditions = [*_in_force_conditions(src, day), *conditions]
    return _Plan(
        ids=sa.select(key).select_from(listed).where(*conditions).correlate(None),
        order=_order(
            flt,
            _plan_cols(flt, src, as_of=day is not None, review_driven=review_driven),
            review_driven=review_driven,
        ),
        count=count.correlate(None),
    )


def _band_count(flt: RiskFilter) -> Select[Any] | None:
    """The number of risks matching `flt` from the per-service band counts, when it can tell.

    It can for the current register filtered by status, service and residual band only
    (the audit list): a sum over a few rows per service instead of a count over every
    matching risk, the one part of the list that grew with the register.
    """
    narrower = flt.min_score is not None or flt.response or flt.overdue is not None or flt.q
    if flt.as_of is not None or narrower or (flt.bands and flt.basis != "residual"):
        return None
    tally = _BAND_COUNT.c
    conditions: list[ColumnElement[bool]] = []
    if flt.status != "all":
        conditions.append(tally.status == flt.status)
    if flt.bands:
        conditions.append(tally.residual_band.in_(list(flt.bands)))
    if flt.services is not None:
        codes = sa.select(S.id).where(S.code.in_(list(flt.services))).correlate(None)
        conditions.append(tally.service_id.in_(codes) if flt.services else false())
    return sa.select(func.coalesce(func.sum(tally.risks), 0)).where(*conditions)


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


def _in_force_conditions(rv: Any, day: date) -> list[ColumnElement[bool]]:
    """The review is the one in force at the end of `day`: reviewed_on <= day < superseded_on."""
    return [rv.reviewed_on <= day, or_(rv.superseded_on.is_(None), rv.superseded_on > day)]


def _in_force(rv: Any, day: date) -> ColumnElement[bool]:
    """Join condition: `rv` is the review of the risk in force at the end of `day`."""
    return and_(rv.risk_id == R.id, *_in_force_conditions(rv, day))


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
        closed_by_then = and_(R.closed_on.is_not(None), R.closed_on <= day)
        open_then = not_on_risk(closed_by_then)
        conditions.append(not_on_risk(R.opened_on > day))
        if flt.status == "open":
            conditions.append(open_then)
        elif flt.status == "closed":
            conditions.append(on_risk(closed_by_then))
    if flt.services is not None:
        codes = sa.select(S.id).where(S.code.in_(list(flt.services))).correlate(None)
        conditions.append(on_risk(R.service_id.in_(codes)) if flt.services else false())
    if flt.bands:
        conditions.append(getattr(src, f"{prefix}_band").in_(list(flt.bands)))
    if flt.min_score is not None:
        conditions.append(getattr(src, f"{prefix}_score") >= flt.min_score)
    if flt.response:
        conditions.append(src.response == flt.response)
    if flt.overdue is not None:
        due = src.next_review_due
        # Only an open risk can be overdue: open now, or not closed by the as_of day.
        is_overdue = and_(open_then, or_(due.is_(None), due < due_day))
        conditions.append(is_overdue if flt.overdue else ~is_overdue)
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
    return conditions


def _risk_ids(condition: ColumnElement[bool]) -> Select[Any]:
    """The ids of the risks meeting `condition`, never correlated with an enclosing query."""
    return sa.select(R.id).where(condition).correlate(None)


def _base_query(flt: RiskFilter, today: date) -> tuple[Select[Any], dict[str, Any], Select[Any], Select[Any]]:
    """The rows query (entities, for the reports), its sortable columns, its count and its ids query.

    The count never joins `service` (a risk's service_id is a non-null foreign key, and the
    service filter is a subquery on the codes), so on the current register it is a count
    over the index on (status, residual_band, ...) instead of one service lookup per risk.
    """
    count_query: Any = select(func.count()).select_from(Risk)
    ids_query: Any = select(col(Risk.id)).select_from(Risk)
    if any(name == "service" for name, _ in flt.sort):
        ids_query = ids_query.join(Service, col(Service.id) == col(Risk.service_id))
    if flt.as_of is None:
        src: Any = R
        query: Any = select(Risk, Service.code, Service.name).join(
            Service, col(Service.id) == col(Risk.service_id)
        )
    else:
        src = aliased(Review)
        in_force = _in_force(src, flt.as_of)
        query = (
            select(Risk, Service.code, Service.name, src)
            .join(Service, col(Service.id) == col(Risk.service_id))
            .outerjoin(src, in_force)
        )
        count_query = count_query.outerjoin(src, in_force)
        ids_query = ids_query.outerjoin(src, in_force)
    cols = _plan_cols(flt, src, as_of=flt.as_of is not None)
    conditions = _conditions(flt, today, src, review_driven=False)
    return query.where(*conditions), cols, count_query.where(*conditions), ids_query.where(*conditions)


def _order(flt: RiskFilter, cols: dict[str, Any], *, review_driven: bool = False) -> list[Any]:
    """ORDER BY for `flt.sort`, then the risk id.

    NULLS LAST only where a NULL can occur. A band or minimum-score filter means every row
    is assessed (the review service writes likelihood, impact, score and band together),
    and then the plain ordering matches the (score DESC, id) indexes on PostgreSQL too,
    where DESC alone puts NULLs first. Read from the reviews in force (`review_driven`),
    every sort key is non-null: reviews have dates, and the filter needs an assessment.
    """
    never_null = {"ref", "title", "service", "opened_on", "id"}
    if flt.bands or flt.min_score is not None:
        never_null |= {"score", "likelihood", "impact"}
    order = []
    for name, desc in [*flt.sort, ("id", False)]:
        column = cols[name]
        ordered = column.desc() if desc else column.asc()
        order.append(ordered if review_driven or name in never_null else ordered.nulls_last())
    return order


def _review_columns(rv: Any) -> list[Any]:
    """The columns of the review in force that a list row as of a day shows."""
    c = rv.c
    return [
        c.id,
        c.response,
        c.controls,
        c.reviewed_on,
        c.next_review_due,
        *[c[f"{prefix}_{part}"] for prefix in _ASSESSED for part in _PARTS],
    ]


def _assessments(values: Sequence[Any]) -> list[Assessment | None]:
    """(residual, inherent, target) from twelve columns in _PARTS order; None when unassessed."""
    return [
        None if values[i + 2] is None else (values[i], values[i + 1], values[i + 2], values[i + 3])
        for i in (0, 4, 8)
    ]


def _list_row(r: Any, **shown: Any) -> ListRow:
    """A list row from a row of _LIST_COLUMNS, with what differs as of a day in `shown`."""
    return ListRow(
        id=r[0],
        service_code=r[_SERVICE_AT],
        ref=r[1],
        aliases=r[2],
        title=r[3],
        consequence=r[4],
        owner=r[5],
        opened_on=r[8],
        version=r[12],
        created_at=r[13],
        created_by=r[14],
        updated_at=r[15],
        updated_by=r[16],
        **shown,
    )


def _current_rows(rows: Sequence[Any]) -> list[ListRow]:
    """List rows of the current register, one per risk, its control measures joined in order."""
    result = []
    for _, group in groupby(rows, key=lambda r: r[0]):
        records = list(group)
        r = records[0]
        residual, inherent, target = _assessments(r[_ASSESSMENT_AT:_SERVICE_AT])
        result.append(
            _list_row(
                r,
                response=r[6],
                status=r[7],
                controls=[c[_EXTRA_AT] for c in records if c[_EXTRA_AT] is not None],
                residual=residual,
                inherent=inherent,
                target=target,
                closed_on=r[9],
                last_reviewed_on=r[10],
                next_review_due=r[11],
            )
        )
    return result


def _row_as_of(r: Any, day: date) -> ListRow:
    """A list row as of `day`: the review in force then (if any) gives the assessment."""
    review = _EXTRA_AT  # where _review_columns start
    reviewed = r[review] is not None
    closed_then = r[9] is not None and r[9] <= day
    residual, inherent, target = _assessments(r[review + 5 : review + 17])
    return _list_row(
        r,
        response=r[review + 1] if reviewed else r[6],
        status="closed" if closed_then else "open",
        controls=list(r[review + 2]) if reviewed else [],
        residual=residual,
        inherent=inherent,
        target=target,
        closed_on=r[9] if closed_then else None,
        last_reviewed_on=r[review + 3],
        next_review_due=r[review + 4],
    )


def _triple(obj: Any, prefix: str) -> tuple[int, int, int, str] | None:
    score = getattr(obj, f"{prefix}_score")
    if score is None:
        return None
    return (
        getattr(obj, f"{prefix}_likelihood"),
        getattr(obj, f"{prefix}_impact"),
        score,
        getattr(obj, f"{prefix}_band"),
    )


def _row_out(row: Any, controls: dict[int, list[str]], as_of: date | None) -> RiskRowOut:
    risk: Risk = row[0]
    if not as_of:
        return RiskRowOut(
            risk=risk,
            service_code=row[1],
            service_name=row[2],
            status=risk.status,
            closed_on=risk.closed_on,
            response=risk.response,
            residual=_triple(risk, "residual"),
            inherent=_triple(risk, "inherent"),
            target=_triple(risk, "target"),
            last_reviewed_on=risk.last_reviewed_on,
            next_review_due=risk.next_review_due,
            controls=controls.get(risk.id or 0, []),
        )
    review: Review | None = row[3]
    return RiskRowOut(
        risk=risk,
        service_code=row[1],
        service_name=row[2],
        status="closed" if risk.closed_on is not None and risk.closed_on <= as_of else "open",
        closed_on=risk.closed_on if risk.closed_on is not None and risk.closed_on <= as_of else None,
        response=review.response if review else risk.response,
        residual=_triple(review, "residual") if review else None,
        inherent=_triple(review, "inherent") if review else None,
        target=_triple(review, "target") if review else None,
        last_reviewed_on=review.reviewed_on if review else None,
        next_review_due=review.next_review_due if review else None,
        controls=list(review.controls) if review else [],
    )
