"""Risks and their reviews."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response, status
from pydantic import StringConstraints

from app.api import examples
from app.api.deps import (
    CalendarDep,
    CategoriesDep,
    DatabaseDep,
    MatrixDep,
    PagingDep,
    ReaderDep,
    WriterDep,
    require_category,
)
from app.errors import FieldProblem, InvalidInput
from app.fields import Basis, Category, Day, Moment, RiskResponse, StatusFilter, clean_text
from app.risks import listing, reviews
from app.risks import service as risks
from app.risks.schemas import (
    ReviewCreate,
    ReviewPublic,
    RiskCreate,
    RiskPage,
    RiskPublic,
    RiskUpdate,
    ServiceReviewCreate,
    ServiceReviewPublic,
    StatusEventPublic,
)
from app.scoring import MatrixError

router = APIRouter(prefix="/api/v1", tags=["risks"])

#: A service code or band name in a query: never blank (`?service=` is a mistake, not "every service").
Name = Annotated[str, StringConstraints(min_length=1, max_length=40)]
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
SORT_PATTERN = r"^-?(" + "|".join(listing.SORTABLE) + r")(,-?(" + "|".join(listing.SORTABLE) + r"))*$"
# Ids are 32-bit integers on PostgreSQL: a larger id must be refused here, not by the database.
RiskId = Annotated[int, Path(ge=1, le=2_147_483_647, description="the risk's id")]
AsOf = Annotated[Day | None, Query(description="the register at the end of this day")]
AsRecorded = Annotated[
    Moment | None,
    Query(
        description="only what had been stored by this moment: ISO 8601 with its offset, "
        "e.g. 2025-10-14T09:00:00+01:00 (without as_of: the register of today as recorded then)"
    ),
]


def _check_as_of(as_of: date | None, today: date) -> None:
    if as_of is not None and as_of > today:
        raise InvalidInput(
            "as_of is in the future", errors=[FieldProblem(("query", "as_of"), "must not be in the future")]
        )


@router.post("/services/{code}/risks", status_code=status.HTTP_201_CREATED, response_model=RiskPublic)
async def create_risk(
    code: str,
    body: Annotated[RiskCreate, Body(openapi_examples=examples.RISK_CREATE)],
    db: DatabaseDep,
    actor: WriterDep,
    matrix: MatrixDep,
    categories: CategoriesDep,
    calendar: CalendarDep,
    response: Response,
) -> RiskPublic:
    """Add a risk to a service's register; with `residual`, its first review is recorded."""
    require_category(body.category, categories, ("body", "category"))
    created = await db.run(risks.create_public, actor, matrix, calendar, code, body)
    response.headers["ETag"] = risks.etag(created)
    response.headers["Location"] = f"/api/v1/risks/{created.id}"
    return created


@router.get("/risks", response_model=RiskPage)
async def list_risks(
    db: DatabaseDep,
    actor: ReaderDep,
    matrix: MatrixDep,
    categories: CategoriesDep,
    calendar: CalendarDep,
    service: Annotated[list[Name] | None, Query(description="service code; repeat for several")] = None,
    band: Annotated[list[Name] | None, Query(description="band name; repeat for several")] = None,
    min_score: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    response: Annotated[RiskResponse | None, Query()] = None,
    category: Annotated[Category | None, Query()] = None,
    status_: Annotated[StatusFilter, Query(alias="status")] = "open",
    overdue: bool | None = None,
    basis: Annotated[Basis, Query()] = "residual",
    as_of: AsOf = None,
    as_recorded: AsRecorded = None,
    q: Annotated[str | None, Query(max_length=200, description="text in ref or title")] = None,
    above_appetite: Annotated[
        bool | None, Query(description="above (or within) the appetite statement in force on the view's day")
    ] = None,
    escalated: Annotated[bool | None, Query(description="on the corporate register (or not)")] = None,
    proposed_escalation: Annotated[
        bool | None,
        Query(
            description="open, not escalated, and in the worst band or above appetite at its last two reviews"
        ),
    ] = None,
    sort: Annotated[
        str, Query(max_length=200, pattern=SORT_PATTERN, description="e.g. -score,ref")
    ] = "-score,service,ref",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> Response:
    """The register, filtered, sorted and paginated; `as_of` gives it as it stood on a past date,
    `as_recorded` as it had been stored by a past moment."""
    _check_as_of(as_of, calendar.today)
    require_category(category, categories, ("query", "category"))
    bands: list[str] = []
    for index, name in enumerate(band or []):
        try:
            bands.append(matrix.band(name).name)
        except MatrixError as exc:
            raise InvalidInput(str(exc), errors=[FieldProblem(("query", "band", index), str(exc))]) from exc
    # A code that cannot be a service code matches nothing (and never reaches the database).
    wanted = (
        [c.strip().upper() for c in service if c.strip().isascii() and c.strip().isalnum()]
        if service
        else None
    )
    flt = listing.RiskFilter(
        services=wanted,
        bands=bands,
        min_score=min_score,
        response=response,
        category=category,
        status=status_,
        overdue=overdue,
        basis=basis,
        as_of=as_of,
        as_recorded=as_recorded,
        q=clean_text(q).strip() or None if q else None,
        sort=[(part.lstrip("-"), part.startswith("-")) for part in sort.split(",")],
        above_appetite=above_appetite,
        escalated=escalated,
        proposed_escalation=proposed_escalation,
        top_band=matrix.bands[-1].name,
    )
    found = await db.run(risks.page_public, actor, flt, today=calendar.today, page=page, page_size=page_size)
    # Serialised here: returned as a model, the page would be validated a second time as the
    # response model (about as long as its SQL), to the same JSON.
    return Response(found.model_dump_json(), media_type="application/json")


@router.get("/risks/{risk_id}", response_model=RiskPublic)
async def get_risk(
    risk_id: RiskId,
    db: DatabaseDep,
    actor: ReaderDep,
    calendar: CalendarDep,
    response: Response,
    as_of: AsOf = None,
    as_recorded: AsRecorded = None,
) -> RiskPublic:
    """One risk with its current assessment (or as of a day, as recorded at a moment); the ETag
    header (now only) is its version for If-Match."""
    _check_as_of(as_of, calendar.today)
    found = await db.run(risks.public, actor, risk_id, calendar.today, as_of=as_of, as_recorded=as_recorded)
    if as_of is None and as_recorded is None:
        response.headers["ETag"] = risks.etag(found)
    return found


@router.patch("/risks/{risk_id}", response_model=RiskPublic)
async def update_risk(
    risk_id: RiskId,
    body: Annotated[RiskUpdate, Body(openapi_examples=examples.RISK_UPDATE)],
    db: DatabaseDep,
    actor: WriterDep,
    categories: CategoriesDep,
    calendar: CalendarDep,
    response: Response,
    if_match: Annotated[str | None, Header(description="the ETag from GET")] = None,
) -> RiskPublic:
    """Change descriptive fields, or close or reopen the risk on `status_on`; needs If-Match."""
    require_category(body.category, categories, ("body", "category"))
    updated = await db.run(risks.update_public, actor, calendar, risk_id, if_match, body)
    response.headers["ETag"] = risks.etag(updated)
    return updated


@router.get("/risks/{risk_id}/status", response_model=list[StatusEventPublic])
async def list_status_events(risk_id: RiskId, db: DatabaseDep, actor: ReaderDep) -> list[StatusEventPublic]:
    """The risk's openings, closings and reopenings, newest first, each with `late`."""
    return await db.run(risks.status_public, actor, risk_id)


@router.post("/risks/{risk_id}/reviews", status_code=status.HTTP_201_CREATED, response_model=ReviewPublic)
async def review_risk(
    risk_id: RiskId,
    body: Annotated[ReviewCreate, Body(openapi_examples=examples.REVIEW_CREATE)],
    db: DatabaseDep,
    actor: WriterDep,
    matrix: MatrixDep,
    calendar: CalendarDep,
) -> ReviewPublic:
    """Record a review; answers with the score, band, previous score and direction of travel."""
    return await db.run(reviews.review_risk, actor, matrix, calendar, risk_id, body)


@router.get("/risks/{risk_id}/reviews", response_model=list[ReviewPublic])
async def list_reviews(
    risk_id: RiskId,
    db: DatabaseDep,
    actor: ReaderDep,
    paging: PagingDep,
    request: Request,
    response: Response,
) -> list[ReviewPublic]:
    """The reviews of the risk, newest first, a page at a time (`Link` and `X-Total-Count` headers)."""
    found, total = await db.run(
        risks.reviews_public, actor, risk_id, offset=paging.offset, limit=paging.page_size
    )
    paging.headers(request, response, total)
    return found


@router.post(
    "/services/{code}/reviews", status_code=status.HTTP_201_CREATED, response_model=ServiceReviewPublic
)
async def review_service(
    code: str,
    body: Annotated[ServiceReviewCreate, Body(openapi_examples=examples.SERVICE_REVIEW_CREATE)],
    db: DatabaseDep,
    actor: WriterDep,
    matrix: MatrixDep,
    calendar: CalendarDep,
) -> ServiceReviewPublic:
    """Record a whole service's review round: all entries or, if any is invalid, none."""
    return await db.run(reviews.review_service, actor, matrix, calendar, code, body)
