"""Actions on risks and their progress notes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response, status

from app.actions import service as actions
from app.actions.listing import ActionFilter
from app.actions.schemas import (
    ActionCreate,
    ActionPage,
    ActionPublic,
    ActionUpdate,
    ProgressCreate,
    ProgressPublic,
)
from app.api import examples
from app.api.deps import CalendarDep, DatabaseDep, PagingDep, ReaderDep, WriterDep
from app.api.risks import MAX_PAGE_SIZE, Name, RiskId
from app.audit.schemas import AuditEventPublic, event_public
from app.clock import Calendar
from app.errors import FieldProblem, InvalidInput
from app.fields import ActionStatus, Day, clean_text

router = APIRouter(prefix="/api/v1", tags=["actions"])

# Ids are 32-bit integers on PostgreSQL: a larger id must be refused here, not by the database.
ActionId = Annotated[int, Path(ge=1, le=2_147_483_647, description="the action's id")]
AsOf = Annotated[
    Day | None, Query(description="as it stood at the end of this day (status, due date, notes by then)")
]


def past_day(as_of: Day | None, calendar: Calendar) -> Day | None:
    """`as_of` when it is not in the future; 422 naming it otherwise."""
    if as_of is not None and as_of > calendar.today:
        raise InvalidInput(
            "as_of is in the future", errors=[FieldProblem(("query", "as_of"), "must not be in the future")]
        )
    return as_of


@router.post("/risks/{risk_id}/actions", status_code=status.HTTP_201_CREATED, response_model=ActionPublic)
async def create_action(
    risk_id: RiskId,
    body: Annotated[ActionCreate, Body(openapi_examples=examples.ACTION_CREATE)],
    db: DatabaseDep,
    actor: WriterDep,
    calendar: CalendarDep,
    response: Response,
) -> ActionPublic:
    """Record an action on an open risk (409 naming `risk_id` for a closed one)."""
    created = await db.run(actions.create_action, actor, calendar, risk_id, body)
    response.headers["ETag"] = actions.etag(created)
    response.headers["Location"] = f"/api/v1/actions/{created.id}"
    return created


@router.get("/risks/{risk_id}/actions", response_model=list[ActionPublic])
async def list_risk_actions(
    risk_id: RiskId, db: DatabaseDep, actor: ReaderDep, calendar: CalendarDep
) -> list[ActionPublic]:
    """The risk's actions, soonest due first, each with its progress notes."""
    return await db.run(actions.of_risk_public, actor, risk_id, calendar.today)


@router.get("/actions", response_model=ActionPage)
async def list_actions(
    db: DatabaseDep,
    actor: ReaderDep,
    calendar: CalendarDep,
    service: Annotated[list[Name] | None, Query(description="service code; repeat for several")] = None,
    status_: Annotated[ActionStatus | None, Query(alias="status")] = None,
    overdue: bool | None = None,
    owner: Annotated[
        str | None, Query(min_length=1, max_length=200, description="the owner, exactly")
    ] = None,
    due_within: Annotated[
        int | None, Query(ge=0, le=3_650, description="open actions due from today to this many days on")
    ] = None,
    as_of: AsOf = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> Response:
    """The actions of the services the token may read, filtered and paginated, soonest due first;
    `as_of` gives them (and the filters) as they stood at the end of a past day."""
    as_of = past_day(as_of, calendar)
    # A code that cannot be a service code matches nothing (and never reaches the database).
    wanted = (
        [c.strip().upper() for c in service if c.strip().isascii() and c.strip().isalnum()]
        if service
        else None
    )
    flt = ActionFilter(
        services=wanted,
        status=status_,
        overdue=overdue,
        owner=clean_text(owner).strip() if owner else None,
        due_within=due_within,
    )
    found = await db.run(
        actions.page_public, actor, flt, today=calendar.today, page=page, page_size=page_size, as_of=as_of
    )
    # Serialised here, as the risk list is: returned as a model, the page would be validated a
    # second time as the response model, to the same JSON.
    return Response(found.model_dump_json(), media_type="application/json")


@router.get("/actions/{action_id}", response_model=ActionPublic)
async def get_action(
    action_id: ActionId,
    db: DatabaseDep,
    actor: ReaderDep,
    calendar: CalendarDep,
    response: Response,
    as_of: AsOf = None,
) -> ActionPublic:
    """One action with its progress notes; the ETag header is its version for If-Match. `as_of`
    gives its status, due date and notes at the end of a past day (404 before it was recorded)."""
    found = await db.run(actions.public, actor, action_id, calendar.today, past_day(as_of, calendar))
    response.headers["ETag"] = actions.etag(found)
    return found


@router.get("/actions/{action_id}/history", response_model=list[AuditEventPublic])
async def get_action_history(
    action_id: ActionId,
    db: DatabaseDep,
    actor: ReaderDep,
    paging: PagingDep,
    request: Request,
    response: Response,
) -> list[AuditEventPublic]:
    """The audit entries about the action (its recording, changes and progress notes), newest first,
    a page at a time (`Link` and `X-Total-Count` headers)."""
    found, total = await db.run(
        actions.audit_history, actor, action_id, offset=paging.offset, limit=paging.page_size
    )
    paging.headers(request, response, total)
    return [event_public(entry) for entry in found]


@router.patch("/actions/{action_id}", response_model=ActionPublic)
async def update_action(
    action_id: ActionId,
    body: Annotated[ActionUpdate, Body(openapi_examples=examples.ACTION_UPDATE)],
    db: DatabaseDep,
    actor: WriterDep,
    calendar: CalendarDep,
    response: Response,
    if_match: Annotated[str | None, Header(description="the ETag from GET")] = None,
) -> ActionPublic:
    """Change an action's description, owner, due date or status; needs If-Match."""
    updated = await db.run(actions.update_action, actor, calendar, action_id, if_match, body)
    response.headers["ETag"] = actions.etag(updated)
    return updated


@router.post(
    "/actions/{action_id}/updates", status_code=status.HTTP_201_CREATED, response_model=ProgressPublic
)
async def add_action_update(
    action_id: ActionId,
    body: Annotated[ProgressCreate, Body(openapi_examples=examples.ACTION_PROGRESS_CREATE)],
    db: DatabaseDep,
    actor: WriterDep,
    calendar: CalendarDep,
    response: Response,
) -> ProgressPublic:
    """Append a dated progress note to an action (never edited); the ETag header is the action's new version."""
    note, action = await db.run(actions.add_progress, actor, calendar, action_id, body)
    response.headers["ETag"] = actions.etag(action)
    response.headers["Location"] = f"/api/v1/actions/{action_id}"
    return note
