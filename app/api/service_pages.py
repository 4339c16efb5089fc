"""A service's pages: its register (filtered), heat map, overdue reviews and actions; its review round.

The review round is one form listing every open risk of the service with its current
position filled in, recorded as ONE service review (`reviews.review_service`, the API's
POST /api/v1/services/{code}/reviews): every entry or, when any is refused, none; the
form comes back with the person's entries and each refusal next to its field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.access.principal import Action, Principal
from app.actions import service as actions
from app.actions.listing import ActionFilter
from app.actions.schemas import ActionPublic
from app.api.deps import CalendarDep, CategoriesDep, DatabaseDep, MatrixDep
from app.api.page_kit import PageFormDep, PagePrincipal, PageRoute, render, validated
from app.clock import Calendar
from app.errors import Conflict, FieldProblem, InvalidInput
from app.models import Service
from app.reports import queries
from app.reports.periods import half_containing
from app.risks import listing, reviews
from app.risks import service as risks
from app.risks.listing import RiskFilter, RiskRow
from app.risks.schemas import RiskPage, ServiceReviewCreate
from app.scoring import Matrix
from app.services.service import readable_service, writable_service

router = APIRouter(include_in_schema=False, route_class=PageRoute)

PAGE_SIZE = 50
#: Open actions due within this many days are listed beside the overdue ones.
DUE_SOON_DAYS = 30
RESPONSES = ("tolerate", "treat", "terminate", "transfer")
#: The fields of one risk's entry in the review round, in the order the form shows them.
ENTRY_FIELDS = ("likelihood", "impact", "response", "controls", "notes", "reviewed_on")


@dataclass
class RegisterFilters:
    """The service page's filters as asked, and what was wrong with any of them."""

    bands: list[str] = field(default_factory=list)
    category: str = ""
    status: str = "open"
    above: str = ""
    page: int = 1
    problems: list[str] = field(default_factory=list)

    def risk_filter(self, code: str, top_band: str) -> RiskFilter:
        """The register's filter for service `code`."""
        return RiskFilter(
            services=[code],
            bands=self.bands,
            category=self.category or None,
            status=self.status,
            above_appetite={"yes": True, "no": False}.get(self.above),
            sort=[("score", True), ("ref", False)],
            top_band=top_band,
        )

    def query(self, page: int) -> str:
        """The query string of this filter on page `page`."""
        pairs = [("band", b) for b in self.bands] + [
            (k, v)
            for k, v in (("category", self.category), ("status", self.status), ("above", self.above))
            if v
        ]
        return urlencode([*pairs, ("page", str(page))])


def register_filters(request: Request, matrix: Matrix, categories: tuple[str, ...]) -> RegisterFilters:
    """The filters in the query; a value that cannot be one is left out and said so."""
    params = request.query_params
    found = RegisterFilters()
    names = {band.name.casefold(): band.name for band in matrix.bands}
    for value in params.getlist("band"):
        if value.casefold() in names:
            found.bands.append(names[value.casefold()])
        elif value:
            found.problems.append(f"there is no band called {value!r}")
    category = params.get("category", "")
    if category in categories:
        found.category = category
    elif category:
        found.problems.append(f"{category!r} is not one of the categories")
    status = params.get("status", "open")
    found.status = status if status in ("open", "closed", "all") else "open"
    found.above = params.get("above", "") if params.get("above", "") in ("yes", "no") else ""
    page = params.get("page", "1")
    found.page = int(page) if page.isdigit() and 1 <= int(page) <= 1_000_000 else 1
    return found


@dataclass(frozen=True)
class ServiceView:
    """What the service page shows."""

    service: Service
    register: RiskPage
    overdue: list[RiskRow]
    actions_overdue: list[ActionPublic]
    actions_due: list[ActionPublic]
    cells: Any


def service_view(
    session: Session,
    actor: Principal,
    matrix: Matrix,
    calendar: Calendar,
    code: str,
    filters: RegisterFilters,
) -> ServiceView:
    """The service's register page, its overdue reviews, overdue and due actions, and heat map cells."""
    service = readable_service(session, actor, code)
    flt = filters.risk_filter(service.code, matrix.bands[-1].name)
    register = risks.page_public(
        session, actor, flt, today=calendar.today, page=filters.page, page_size=PAGE_SIZE
    )
    overdue = listing.every(
        session,
        RiskFilter(services=[service.code], overdue=True, sort=[("next_review_due", False), ("ref", False)]),
        today=calendar.today,
    )

    def open_actions(**conditions: Any) -> list[ActionPublic]:
        flt = ActionFilter(services=[service.code], **conditions)
        return actions.page_public(session, actor, flt, today=calendar.today, page=1, page_size=200).items

    return ServiceView(
        service=service,
        register=register,
        overdue=overdue,
        actions_overdue=open_actions(overdue=True),
        actions_due=open_actions(due_within=DUE_SOON_DAYS),
        cells=queries.heatmap(session, [service.code], "residual"),
    )


@router.get("/services/{code}")
async def service_page(
    code: str,
    request: Request,
    actor: PagePrincipal,
    db: DatabaseDep,
    matrix: MatrixDep,
    calendar: CalendarDep,
    categories: CategoriesDep,
) -> Response:
    """A service's register with filters, its heat map, overdue reviews and actions, and its downloads."""
    filters = register_filters(request, matrix, categories)
    view = await db.run(service_view, actor, matrix, calendar, code, filters)
    from app.reports.heatmap import render_heatmap
    from app.reports.words import format_long_day

    title = f"{view.service.name}: residual risk, {format_long_day(calendar.today)}"
    svg = await run_in_threadpool(render_heatmap, matrix, view.cells, title=title, fmt="svg")
    recorded = request.query_params.get("recorded", "")
    return render(
        request,
        "service.html",
        actor,
        service=view.service,
        view=view,
        filters=filters,
        category_options=[(c, c) for c in categories],
        matrix=matrix,
        heatmap_svg=svg.decode("utf-8"),
        today=calendar.today,
        long_day=format_long_day,
        periods=_periods(calendar.today),
        may_write=actor.may(Action.WRITE, view.service.code),
        recorded=int(recorded) if recorded.isdigit() else None,
        pages=max(1, math.ceil(view.register.total / PAGE_SIZE)),
    )


def _periods(today: date) -> list[Any]:
    current = half_containing(today)
    return [half_containing(current.start - timedelta(days=1)), current]


# The review round.


@dataclass
class Entry:
    """One risk's entry in the review round: as shown, or as the person typed it."""

    index: int
    ref: str
    title: str
    band: str | None
    score: int | None
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)


def round_entries(session: Session, actor: Principal, code: str, today: date) -> tuple[Service, list[Entry]]:
    """The service (if the actor may review its risks) and an entry per open risk, by ref, filled
    in with the risk's current position and today as the day of the review."""
    service = writable_service(session, actor, code)
    rows = listing.every(session, RiskFilter(services=[service.code], sort=[("ref", False)]), today=today)
    entries = []
    for index, row in enumerate(rows):
        residual = row.residual
        entries.append(
            Entry(
                index=index,
                ref=row.ref,
                title=row.title,
                band=residual.band if residual else None,
                score=residual.score if residual else None,
                values={
                    "likelihood": str(residual.likelihood) if residual and residual.likelihood else "",
                    "impact": str(residual.impact) if residual and residual.impact else "",
                    "response": row.response or "",
                    "controls": "\n".join(row.controls),
                    "notes": "",
                    "reviewed_on": today.isoformat(),
                },
            )
        )
    return service, entries


def _entries_from_form(entries: list[Entry], form: Any) -> list[Entry]:
    """The entries as the person filled them in (one per risk the form listed)."""
    by_ref = {entry.ref: entry for entry in entries}
    typed: list[Entry] = []
    index = 0
    while form.get(f"r{index}-ref") and index < 1_000:
        ref = form.get(f"r{index}-ref")
        shown = by_ref.get(ref)
        typed.append(
            Entry(
                index=index,
                ref=ref,
                title=shown.title if shown else ref,
                band=shown.band if shown else None,
                score=shown.score if shown else None,
                values={name: form.get(f"r{index}-{name}") for name in ENTRY_FIELDS},
            )
        )
        index += 1
    return typed


def _review_body(entries: list[Entry]) -> tuple[dict[str, Any], list[FieldProblem]]:
    """The service review the entries make, and the problems found before the API's rules see it."""
    problems: list[FieldProblem] = []
    items = []
    for entry in entries:
        loc = ("body", "reviews", entry.index)
        residual: dict[str, Any] = {}
        for axis in ("likelihood", "impact"):
            value = entry.values[axis].strip()
            if not value:
                problems.append(FieldProblem((*loc, "residual", axis), f"choose the {axis}", "missing"))
            elif not value.isdigit():
                problems.append(
                    FieldProblem((*loc, "residual", axis), "must be a whole number", "int_parsing")
                )
            else:
                residual[axis] = int(value)
        controls = [line.strip() for line in entry.values["controls"].splitlines() if line.strip()]
        item: dict[str, Any] = {
            "ref": entry.ref,
            "residual": residual,
            "controls": controls,
            "notes": entry.values["notes"],
            "response": entry.values["response"] or None,
        }
        if entry.values["reviewed_on"].strip():
            item["reviewed_on"] = entry.values["reviewed_on"].strip()
        items.append(item)
    return {"reviews": items}, problems


def _review_of(entries: list[Entry]) -> ServiceReviewCreate:
    """The service review the entries make; InvalidInput naming every field the form or the
    API's schema refuses (the API's rules judge the rest when it is recorded)."""
    body, problems = _review_body(entries)
    review = None
    try:
        review = validated(ServiceReviewCreate, body)
    except InvalidInput as exc:
        named = {problem.loc for problem in problems}
        problems += [problem for problem in exc.errors if problem.loc not in named]
    if problems or review is None:
        count = f"{len(problems)} field{'s are' if len(problems) != 1 else ' is'} not right"
        raise InvalidInput(f"the review was not recorded: {count}", errors=problems)
    return review


def _place(problems: tuple[FieldProblem, ...], entries: list[Entry]) -> list[str]:
    """Put each problem next to its entry's field; what belongs to no field is returned."""
    loose: list[str] = []
    by_index = {entry.index: entry for entry in entries}
    for problem in problems:
        loc = problem.loc[1:] if problem.loc and problem.loc[0] == "body" else problem.loc
        if len(loc) >= 3 and loc[0] == "reviews" and isinstance(loc[1], int) and loc[1] in by_index:
            rest = [part for part in loc[2:] if part != "residual" and not isinstance(part, int)]
            name = str(rest[0]) if rest else "ref"
            entry = by_index[loc[1]]
            target = name if name in ENTRY_FIELDS else "ref"
            entry.errors.setdefault(target, problem.msg)
        else:
            loose.append(problem.msg)
    return loose


def _round_options(matrix: Matrix) -> dict[str, Any]:
    return {
        "matrix": matrix,
        "likelihood_options": [(level.score, f"{level.score} {level.label}") for level in matrix.likelihood],
        "impact_options": [(level.score, f"{level.score} {level.label}") for level in matrix.impact],
        "response_options": [(name, name.capitalize()) for name in RESPONSES],
    }


@router.get("/services/{code}/review")
async def review_round_page(
    code: str,
    request: Request,
    actor: PagePrincipal,
    db: DatabaseDep,
    matrix: MatrixDep,
    calendar: CalendarDep,
) -> Response:
    """The service's review round: every open risk with its current position, to review at once."""
    service, entries = await db.run(round_entries, actor, code, calendar.today)
    return render(
        request,
        "review_round.html",
        actor,
        service=service,
        entries=entries,
        **_round_options(matrix),
        summary=None,
        loose=[],
    )


@router.post("/services/{code}/review")
async def record_review_round(
    code: str, request: Request, form: PageFormDep, db: DatabaseDep, matrix: MatrixDep, calendar: CalendarDep
) -> Response:
    """Record the round as one service review: every entry, or none and the form again with its errors."""
    actor = form.principal
    service, shown = await db.run(round_entries, actor, code, calendar.today)
    entries = _entries_from_form(shown, form)
    try:
        if not entries:
            raise InvalidInput("the form listed no risk", errors=[FieldProblem(("body", "reviews"), "empty")])
        review = _review_of(entries)
        recorded = await db.run(reviews.review_service, actor, matrix, calendar, service.code, review)
    except (InvalidInput, Conflict) as exc:
        loose = _place(exc.errors, entries)
        return render(
            request,
            "review_round.html",
            actor,
            service=service,
            entries=entries,
            **_round_options(matrix),
            summary=exc.detail,
            loose=loose,
            status_code=exc.status,
        )
    return RedirectResponse(f"/services/{service.code}?recorded={len(recorded.reviews)}", status_code=303)
