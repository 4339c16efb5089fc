"""Read-only queries that turn the register into the plain rows of rows.py.

Every renderer (HTML, PDF, XLSX, CSV, heat map) reads only these rows, and the rows
come from the same query builder as the API's risk list (app.risks.listing), so every
format agrees with the others and with the API. The one exception is the current heat
map's statement (`current_heatmap`): the picture asked for again is drawn from a cache,
so this narrow query is most of what that request costs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import and_, bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app.actions import listing as action_listing
from app.appetite.statements import Appetite, is_above
from app.audit.trail import chain_head
from app.clock import COUNCIL_ZONE
from app.clock import today as clock_today
from app.errors import FieldProblem, InvalidInput, NotFound
from app.models import Action, AppetiteStatement, Risk, Service
from app.models.base import utcnow
from app.reports.movement import band_then, exception_reasons, movement_group
from app.reports.periods import Period, half_containing, previous
from app.reports.rows import (
    DIRECTIONS,
    NOT_ASSESSED,
    ActionRow,
    AppetiteBasis,
    AppetiteMarks,
    EscalationRow,
    ExceptionRow,
    HeatmapCells,
    MovementRow,
    RegisterReport,
    ReviewReport,
    RiskRow,
    ServiceSummary,
)
from app.risks import listing
from app.risks.escalation import escalations_between
from app.risks.listing import RiskFilter
from app.scoring import Matrix
from app.services import repository as services

ORDER = [("service", False), ("score", True), ("ref", False)]


def high_bands(matrix: Matrix) -> list[str]:
    """The bands a committee sees risk by risk: the two most severe (High and Very High on the 4x4)."""
    return [b.name for b in matrix.bands[-2:]]


def register(
    session: Session,
    matrix: Matrix,
    service_code: str,
    *,
    today: date,
    as_of: date | None = None,
    since: date | None = None,
    as_recorded: datetime | None = None,
) -> RegisterReport:
    """The residual-risk register of one service: now, or as of the end of `as_of`.

    Each risk's direction of travel is its movement group (as in the six-monthly report)
    since the end of `since - 1 day`; `since` defaults to the start of the financial
    half-year holding the register date.
    """
    service = services.by_code(session, service_code)
    if service is None:
        raise NotFound(f"no service {service_code.upper()}")
    day = as_of or today
    since = since or half_containing(day).start
    # as recorded at a moment: the register of a day; otherwise today's reads the current rows
    dated = day if as_recorded is not None or day < today else None
    rows = _rows(session, [service.code], dated, "open", as_recorded)
    before = {r.id: r for r in _rows(session, [service.code], since - timedelta(days=1), "all", as_recorded)}
    actions = _actions(session, [r.id for r in rows], day, today, as_recorded)
    appetite = appetite_on(session, day, as_recorded)
    risk_rows = [
        _risk_row(
            r, day, before.get(r.id), movement_group(r, before.get(r.id)), actions.get(r.id, ()), appetite
        )
        for r in rows
    ]
    return RegisterReport(
        service_code=service.code,
        service_name=service.name,
        as_of=day,
        generated_at=_now(),
        matrix=matrix,
        risks=risk_rows,
        heatmap=cells_of(risk_rows, "residual"),
        inherent_heatmap=cells_of(risk_rows, "inherent"),
        appetite=appetite,
    )


def appetite_on(session: Session, day: date, as_recorded: datetime | None = None) -> AppetiteBasis | None:
    """The appetite statement in force on `day` (the newest approved on or before it), as
    recorded at `as_recorded` when given (a statement recorded later is not seen, so a past
    paper comes out again as it was); None when there was none."""
    query = select(AppetiteStatement).where(col(AppetiteStatement.approved_on) <= day)
    if as_recorded is not None:
        query = query.where(col(AppetiteStatement.recorded_at) <= as_recorded)
    statement = session.exec(
        query.order_by(
            col(AppetiteStatement.approved_on).desc(), col(AppetiteStatement.version).desc()
        ).limit(1)
    ).first()
    if statement is None:
        return None
    return AppetiteBasis(
        version=statement.version,
        approved_by=statement.approved_by,
        approved_on=statement.approved_on,
        limits={str(c["category"]): int(str(c["max_score"])) for c in statement.categories},
    )


def heatmap(
    session: Session,
    service_codes: Sequence[str] | None,
    basis: str,
    *,
    as_of: date | None = None,
    as_recorded: datetime | None = None,
) -> HeatmapCells:
    """Refs of the open risks in each cell, for one service, several, or (None) every service;
    as recorded at `as_recorded`, which needs `as_of`."""
    assert as_recorded is None or as_of is not None, "as recorded at a moment: the heat map of a day"
    flt = RiskFilter(
        services=service_codes, status="open", as_of=as_of, as_recorded=as_recorded, basis=basis, sort=ORDER
    )
    return HeatmapCells.of(basis, listing.cells(session, flt, today=as_of or date.max))


def current_heatmap(
    session: Session, service_codes: Sequence[str] | None, basis: str, today: date | None = None
) -> tuple[dict[str, str], HeatmapCells, AppetiteMarks]:
    """The names of the services asked for (a code absent from them is no service), the refs of
    their open risks in each cell now, and which of those lie above the appetite statement in
    force `today` (default: the council's today); None: every service. One indexed query.

    The heat map asked for again is drawn from its cache, so this query is most of what the
    request costs: it reads only (code, name, likelihood, impact, ref, category, residual
    score) and the statement in force, by a statement built once, and finds the services, their
    risks and the statement in the same round trip.
    """
    params: dict[str, Any] = {"today": today or clock_today()}
    if service_codes is None:
        statement = _current_cells(basis, "every")
    elif len(service_codes) == 1:  # the usual case, without an IN list to expand per request
        statement, params["code"] = _current_cells(basis, "one"), service_codes[0]
    else:
        statement, params["codes"] = _current_cells(basis, "some"), list(service_codes)
    names: dict[str, str] = {}
    found: list[tuple[int | None, int | None, str]] = []
    measured: list[tuple[str, str | None, int | None]] = []
    version: int | None = None
    limits: list[dict[str, object]] = []
    for row in session.connection().execute(statement, params):
        code, name, likelihood, impact, ref, category, score, version, limits = row
        names[code] = name
        if ref is not None:  # a service without an assessed open risk still has its row
            found.append((likelihood, impact, ref))
            measured.append((ref, category, score))
    appetite = (
        Appetite(version, {str(c["category"]): int(str(c["max_score"])) for c in limits or ()})
        if version is not None
        else None
    )
    above = tuple(ref for ref, category, score in measured if is_above(appetite, category, score))
    return names, HeatmapCells.of(basis, found), AppetiteMarks(version, above)


@lru_cache(maxsize=6)
def _current_cells(basis: str, services: Literal["one", "some", "every"]) -> Any:
    """The statement of `current_heatmap`, in the order of the risk list's `ORDER` (so each
    cell lists its refs as `heatmap` does): service, score (highest first), ref, id; with the
    version and limits of the appetite statement in force on `:today` on every row."""
    prefix = "inherent" if basis == "inherent" else "residual"
    likelihood, impact, score = (
        col(getattr(Risk, f"{prefix}_{part}")) for part in ("likelihood", "impact", "score")
    )
    in_force = (
        core_select(col(AppetiteStatement.id))
        .where(col(AppetiteStatement.approved_on) <= bindparam("today"))
        .order_by(col(AppetiteStatement.approved_on).desc(), col(AppetiteStatement.version).desc())
        .limit(1)
        .scalar_subquery()
    )
    statement = [
        core_select(getattr(AppetiteStatement, part))
        .where(col(AppetiteStatement.id) == in_force)
        .scalar_subquery()
        for part in ("version", "categories")
    ]
    assessed = and_(col(Risk.status) == "open", score.is_not(None))
    columns = (
        col(Service.code),
        col(Service.name),
        likelihood,
        impact,
        col(Risk.ref),
        col(Risk.category),
        col(Risk.residual_score),
        *statement,
    )
    order = (col(Service.code), score.desc(), col(Risk.ref), col(Risk.id))
    if services == "every":
        joined = core_select(*columns).join(Service, col(Service.id) == col(Risk.service_id)).where(assessed)
        return joined.order_by(*order)
    code = col(Service.code)
    asked = code == bindparam("code") if services == "one" else code.in_(bindparam("codes", expanding=True))
    return (
        core_select(*columns)
        .select_from(Service)
        .outerjoin(Risk, and_(col(Risk.service_id) == col(Service.id), assessed))
        .where(asked)
        .order_by(*order)
    )


def appetite_marks(
    session: Session,
    service_codes: Sequence[str] | None,
    *,
    as_of: date,
    as_recorded: datetime | None = None,
) -> AppetiteMarks:
    """Which open risks of `service_codes` (None: every service) lay above the appetite statement
    in force at the end of `as_of` (as recorded at `as_recorded`), by the risk list's rule."""
    appetite = appetite_on(session, as_of, as_recorded)
    if appetite is None:
        return AppetiteMarks(None)
    flt = RiskFilter(
        services=service_codes,
        status="open",
        as_of=as_of,
        as_recorded=as_recorded,
        basis="residual",
        sort=ORDER,
        above_appetite=True,
        appetite=Appetite(appetite.version, appetite.limits),
    )
    return AppetiteMarks(
        appetite.version, tuple(ref for _, _, ref in listing.cells(session, flt, today=as_of))
    )


def service_names(session: Session, service_codes: Sequence[str]) -> dict[str, str]:
    """Code -> name of those of `service_codes` that are services."""
    return {s.code: s.name for s in services.listing(session, service_codes)}


def review_report(
    session: Session,
    matrix: Matrix,
    period: Period,
    *,
    today: date,
    service_codes: Sequence[str] | None = None,
    with_registers: bool = True,
    as_recorded: datetime | None = None,
    as_of: date | None = None,
) -> ReviewReport:
    """The six-monthly review report (DOMAIN.md): the register on the report date D (the end of
    a past period, today for the current one) and its movement since the day before the period.

    As of a day (`as_of`, not after today), the report as it stood at the end of that day: D is
    the end of the period or that day, whichever is earlier.
    """
    codes = list(service_codes) if service_codes is not None else None
    known = services.listing(session, codes)
    if codes is not None and len(known) != len(set(codes)):
        missing = sorted(set(codes) - {s.code for s in known})
        raise NotFound(f"no service {', '.join(missing)}")
    if period.start > today:
        raise InvalidInput(
            "the period has not started yet",
            errors=[FieldProblem(("query", "period"), "starts after today")],
        )
    if as_of is not None and period.start > as_of:
        raise InvalidInput(
            "the period had not started on as_of",
            errors=[FieldProblem(("query", "as_of"), f"is before the period's first day {period.start}")],
        )
    listing_codes = [s.code for s in known]
    until = min(as_of, today) if as_of is not None else today
    day = min(period.end, until)
    before = previous(period)
    earlier = previous(before)
    # The register on each day the report compares: D, the end of the previous period (the day
    # before P: the start position) and the end of the one before that.
    # As recorded at a moment, every read is of a day (the current rows know no past).
    dated = day if as_recorded is not None or day < today else None
    at_day = _rows(session, listing_codes, dated, "all", as_recorded)
    at_start = {r.id: r for r in _rows(session, listing_codes, before.end, "all", as_recorded)}
    worst = matrix.bands[-1].name
    # Only a risk in the worst band then can be long-standing: read just those (off the band index).
    at_earlier = {
        r.id: r for r in _rows(session, listing_codes, earlier.end, "open", as_recorded, bands=[worst])
    }
    in_period = [
        r for r in at_day if r.status == "open" or (r.closed_on is not None and r.closed_on >= period.start)
    ]
    actions = _actions(session, [r.id for r in in_period], day, today, as_recorded)
    appetite = appetite_on(session, day, as_recorded)
    decisions = escalations_between(session, period.start, day, listing_codes, recorded_by=as_recorded)
    # each decision's risk by its ref and title on the report date (as recorded then), not today's
    named = {r.id: r for r in at_day}
    worst_two = set(high_bands(matrix))
    movements: dict[str, list[MovementRow]] = {d: [] for d in DIRECTIONS}
    open_rows: list[RiskRow] = []
    long_standing: list[RiskRow] = []
    exceptions: list[ExceptionRow] = []
    for found in in_period:
        start = at_start.get(found.id)
        group = movement_group(found, start)
        row = _risk_row(found, day, start, group, actions.get(found.id, ()), appetite)
        movements[group].append(_movement(row, group, found))
        if group == "closed":
            continue
        open_rows.append(row)
        if (
            band_then(found) == worst
            and band_then(start) == worst
            and band_then(at_earlier.get(found.id)) == worst
        ):
            long_standing.append(row)
        reasons = exception_reasons(row, worst_two)
        if reasons:
            exceptions.append(ExceptionRow(row, reasons))
    for direction, items in movements.items():
        reverse = direction != "down"
        items.sort(
            key=lambda m: (
                -(m.current_score or 0) if reverse else (m.current_score or 0),
                m.risk.service_code,
                m.risk.ref,
            )
        )
    by_score = _by_score
    high = sorted(
        (r for r in open_rows if r.residual is not None and r.residual.band in worst_two), key=by_score
    )
    not_reviewed = sorted(
        (r for r in open_rows if r.last_reviewed_on is None or r.last_reviewed_on < period.start),
        key=by_score,
    )
    unreviewed = {r.risk_id for r in not_reviewed}
    previous_bands = {b.name: 0 for b in matrix.bands} | {NOT_ASSESSED: 0}
    for then in at_start.values():
        if then.status == "open":
            previous_bands[band_then(then) or NOT_ASSESSED] += 1
    summaries = [_service_summary(matrix, service, open_rows) for service in known]
    registers = []
    if with_registers:
        for service in known:
            mine = [r for r in open_rows if r.service_code == service.code]
            registers.append(
                RegisterReport(
                    service_code=service.code,
                    service_name=service.name,
                    as_of=day,
                    generated_at=_now(),
                    matrix=matrix,
                    risks=sorted(mine, key=by_score),
                    heatmap=cells_of(sorted(mine, key=by_score), "residual"),
                    appetite=appetite,
                )
            )
    scope = known[0].name if codes is not None and len(known) == 1 else "Council-wide"
    head = chain_head(session, as_recorded)
    open_rows.sort(key=lambda r: (r.service_code, -(r.residual.score if r.residual else 0), r.ref))
    return ReviewReport(
        title=f"Six-monthly risk review {period.title} — {scope}",
        period_label=period.label,
        start=period.start,
        end=period.end,
        report_date=day,
        to_date=period.end >= until,
        generated_at=_now(),
        matrix=matrix,
        service_code=known[0].code if codes is not None and len(known) == 1 else None,
        audit_entries=head.count,
        audit_hash=head.hash,
        summaries=summaries,
        heatmap=cells_of(open_rows, "residual"),
        inherent_heatmap=cells_of(open_rows, "inherent"),
        movements=movements,
        high_risks=high,
        not_reviewed=not_reviewed,
        overdue=[r for r in not_reviewed if r.overdue]
        + sorted((r for r in open_rows if r.overdue and r.risk_id not in unreviewed), key=by_score),
        long_standing=sorted(long_standing, key=by_score),
        exceptions=sorted(exceptions, key=lambda e: by_score(e.risk)),
        above_appetite=sorted((r for r in open_rows if r.above_appetite), key=by_score),
        appetite_recorded=appetite is not None,
        appetite=appetite,
        escalations=[
            EscalationRow(
                service_code=d.service_code,
                ref=named[d.risk_id].ref if d.risk_id in named else d.ref,
                title=named[d.risk_id].title if d.risk_id in named else d.title,
                kind=d.kind,
                on=d.on,
                reason=d.reason,
            )
            for d in decisions
        ],
        previous_label=before.label,
        previous_end=before.end,
        as_recorded=as_recorded,
        previous_bands=previous_bands,
        registers=registers,
    )


def _by_score(r: RiskRow) -> tuple[int, str, str]:
    return (-(r.residual.score if r.residual else 0), r.service_code, r.ref)


def _service_summary(matrix: Matrix, service: Service, open_rows: Sequence[RiskRow]) -> ServiceSummary:
    mine = [r for r in open_rows if r.service_code == service.code]
    counts = {b.name: 0 for b in matrix.bands}
    for row in mine:
        if row.residual is not None and row.residual.band in counts:
            counts[row.residual.band] += 1
    return ServiceSummary(
        service_code=service.code,
        service_name=service.name,
        counts_by_band=counts,
        unassessed=sum(1 for r in mine if r.residual is None),
        total=len(mine),
    )


def cells_of(rows: Sequence[RiskRow], basis: str) -> HeatmapCells:
    """The heat-map cells of report rows."""
    values = ((r.inherent if basis == "inherent" else r.residual, r.ref) for r in rows)
    return HeatmapCells.of(basis, ((v.likelihood, v.impact, ref) for v, ref in values if v is not None))


#: The most ids one IN list of a report's reads holds (SQLite allows 32,766 parameters; older
#: builds 999): a longer list is read in chunks.
ID_CHUNK = 900


def _rows(
    session: Session,
    codes: Sequence[str] | None,
    as_of: date | None,
    status: str,
    as_recorded: datetime | None = None,
    *,
    bands: Sequence[str] = (),
    escalated: bool | None = None,
    ids: Sequence[int] | None = None,
) -> list[listing.RiskRow]:
    """The register rows of `codes` (None: every service), now or as of the end of `as_of`, as
    recorded at `as_recorded` (which needs `as_of`); only those in `bands`, escalated (on the
    corporate register at the end of the day read) when `escalated`, of `ids`, when given.

    Every read of a report's risks goes through here (with `_actions` for their actions), so
    what a report may see (as of a day, as recorded at a moment) is decided in one place.
    """

    def read(chunk: Sequence[int] | None) -> list[listing.RiskRow]:
        flt = RiskFilter(
            services=codes,
            status=status,
            as_of=as_of,
            as_recorded=as_recorded,
            sort=ORDER,
            bands=bands,
            escalated=escalated,
            ids=chunk,
        )
        return listing.every(session, flt, today=as_of or date.max)

    if ids is None:
        return read(None)
    return [row for chunk in chunks(ids) for row in read(chunk)]


def chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    """`ids` in lists of at most ID_CHUNK (none for no ids)."""
    return [ids[i : i + ID_CHUNK] for i in range(0, len(ids), ID_CHUNK)]


def _actions(
    session: Session,
    risk_ids: Sequence[int],
    day: date,
    today: date,
    as_recorded: datetime | None = None,
) -> dict[int, tuple[ActionRow, ...]]:
    """The actions of each of `risk_ids` as they stood at the end of `day`, soonest due first.

    An action is there from the day it was recorded. On a past day, or as recorded at a
    moment, its status, due date and completion are those of its dated events then
    (app.actions.listing.states_on); today, its own. Read `risk_id IN (...)`, in chunks.
    """
    found: dict[int, list[ActionRow]] = {}
    if not risk_ids:
        return {}
    recorded_by = datetime.combine(day + timedelta(days=1), time(), COUNCIL_ZONE)
    if as_recorded is not None:
        recorded_by = min(recorded_by, as_recorded + timedelta(microseconds=1))
    actions: list[Action] = []
    for chunk in chunks(sorted(set(risk_ids))):  # in risk order, chunk after chunk
        query = (
            select(Action)
            .where(col(Action.risk_id).in_(list(chunk)), col(Action.created_at) < recorded_by)
            .order_by(col(Action.risk_id), col(Action.due_on), col(Action.id))
        )
        actions.extend(session.exec(query))
    # On a past day, or as recorded at a moment, each action is what its dated events say then.
    past = day < today or as_recorded is not None
    states = {}
    if past:
        ids = [a.id for a in actions if a.id is not None]
        for chunk in chunks(ids):
            states.update(action_listing.states_on(session, chunk, day, as_recorded))
    for action in actions:
        assert action.id is not None
        state = states.get(action.id) if past else action_listing.current_state(action)
        if state is None:  # not yet recorded, or not yet in force, then
            continue
        found.setdefault(action.risk_id, []).append(
            ActionRow(
                description=action.description,
                owner=action.owner,
                due_on=state.due_on,
                status=state.status,
                completed_on=state.completed_on,
                overdue=state.overdue_on(day),
            )
        )
    return {risk_id: tuple(rows) for risk_id, rows in found.items()}


def _risk_row(
    r: listing.RiskRow,
    day: date,
    start: listing.RiskRow | None,
    direction: str,
    actions: Sequence[ActionRow] = (),
    appetite: AppetiteBasis | None = None,
) -> RiskRow:
    """A register row as a report shows it on `day`, in its movement group since `start`, and
    whether it lies above `appetite` (the statement in force on `day`)."""
    then = start.residual if start is not None and start.status == "open" else None
    limits = Appetite(appetite.version, appetite.limits) if appetite is not None else None
    above = is_above(limits, r.category, r.residual.score if r.residual is not None else None)
    return RiskRow(
        risk_id=r.id,
        service_code=r.service_code,
        service_name=r.service_name,
        ref=r.ref,
        aliases=tuple(r.aliases),
        title=r.title,
        consequence=r.consequence,
        owner=r.owner,
        category=r.category,
        response=r.response or "",
        status=r.status,
        controls=tuple(r.controls),
        residual=r.residual,
        inherent=r.inherent,
        target=r.target,
        last_reviewed_on=r.last_reviewed_on,
        next_review_due=r.next_review_due,
        overdue=r.overdue_on(day),
        previous_score=then.score if then is not None else None,
        direction=direction,
        start=then,
        opened_on=r.opened_on,
        closed_on=r.closed_on if r.status == "closed" else None,
        reopened=start is not None and start.status == "closed" and r.status == "open",
        actions=tuple(actions),
        above_appetite=above if r.status == "open" else None,
        appetite_version=appetite.version if appetite is not None else None,
    )


def _movement(row: RiskRow, direction: str, end: listing.RiskRow) -> MovementRow:
    return MovementRow(risk=row, direction=direction, previous=row.start, current=end.residual)


def _now() -> datetime:
    return utcnow()
