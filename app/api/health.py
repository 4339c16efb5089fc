"""Liveness and readiness, without authentication."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import text
from sqlmodel import Session

from app.fields import PublicModel

router = APIRouter(tags=["health"])


class Health(PublicModel):
    """The service is up, on this database engine."""

    status: str
    database: str


@router.get("/health", response_model=Health)
def get_health(request: Request) -> Health:
    """Answer 200 when the service and its database are up."""
    with Session(request.app.state.engine) as session:
        session.execute(text("SELECT 1"))
    return Health(status="ok", database=request.app.state.engine.dialect.name)
