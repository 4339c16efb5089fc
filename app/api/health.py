"""Liveness and readiness, without authentication."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import text
from sqlmodel import Session

router = APIRouter(tags=["health"])


@router.get("/health")
def get_health(request: Request) -> dict[str, str]:
    """Answer 200 when the service and its database are up."""
    with Session(request.app.state.engine) as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok", "database": request.app.state.engine.dialect.name}
