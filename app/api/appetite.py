"""The risk appetite statement, and escalation of service risks to the corporate register."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response, status

from app.api import examples
from app.api.deps import AdminDep, CalendarDep, CategoriesDep, DatabaseDep, MatrixDep, ReaderDep
from app.api.risks import RiskId
from app.appetite import statements
from app.appetite.schemas import AppetiteCreate, AppetitePublic, EscalationCreate, EscalationPublic
from app.errors import FieldProblem, InvalidInput
from app.fields import Day
from app.risks import service as risks
from app.risks.escalation import DE_ESCALATE, ESCALATE

router = APIRouter(prefix="/api/v1", tags=["appetite"])


@router.get("/appetite", response_model=AppetitePublic)
async def get_appetite(
    db: DatabaseDep,
    actor: ReaderDep,
    calendar: CalendarDep,
    as_of: Annotated[Day | None, Query(description="the statement in force at the end of this day")] = None,
) -> AppetitePublic:
    """The appetite statement in force (today, or `as_of`): each category's level and score limit."""
    day = as_of or calendar.today
    if day > calendar.today:
        raise InvalidInput(
            "as_of is in the future", errors=[FieldProblem(("query", "as_of"), "must not be in the future")]
        )
    return await db.run(statements.current_public, actor, day)


@router.put("/appetite", status_code=status.HTTP_201_CREATED, response_model=AppetitePublic)
async def update_appetite(
    body: Annotated[AppetiteCreate, Body(openapi_examples=examples.APPETITE_UPDATE)],
    db: DatabaseDep,
    actor: AdminDep,
    matrix: MatrixDep,
    categories: CategoriesDep,
    calendar: CalendarDep,
    response: Response,
) -> AppetitePublic:
    """Record a newly approved appetite statement as the next version (admins); old ones stay."""
    made = await db.run(statements.approve, actor, matrix, categories, body, calendar.today)
    response.headers["Location"] = f"/api/v1/appetite?as_of={made.approved_on.isoformat()}"
    return made


@router.get("/appetite/history", response_model=list[AppetitePublic])
async def list_appetite_history(db: DatabaseDep, actor: ReaderDep) -> list[AppetitePublic]:
    """Every version of the appetite statement, newest first."""
    return await db.run(statements.history_public, actor)


@router.post(
    "/risks/{risk_id}/escalate", status_code=status.HTTP_201_CREATED, response_model=EscalationPublic
)
async def escalate_risk(
    risk_id: RiskId,
    body: Annotated[EscalationCreate, Body(openapi_examples=examples.ESCALATION_CREATE)],
    db: DatabaseDep,
    actor: AdminDep,
    calendar: CalendarDep,
) -> EscalationPublic:
    """Put a service risk on the corporate register (admins): a dated decision with its reason."""
    return await db.run(risks.escalate_public, actor, calendar, risk_id, ESCALATE, body)


@router.post(
    "/risks/{risk_id}/de-escalate", status_code=status.HTTP_201_CREATED, response_model=EscalationPublic
)
async def de_escalate_risk(
    risk_id: RiskId,
    body: Annotated[EscalationCreate, Body(openapi_examples=examples.DE_ESCALATION_CREATE)],
    db: DatabaseDep,
    actor: AdminDep,
    calendar: CalendarDep,
) -> EscalationPublic:
    """Take a risk off the corporate register (admins): a dated decision with its reason."""
    return await db.run(risks.escalate_public, actor, calendar, risk_id, DE_ESCALATE, body)
