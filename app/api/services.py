"""Council services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Response, status

from app.api import examples
from app.api.deps import AdminDep, DatabaseDep, MatrixDep, ReaderDep
from app.services import service as services
from app.services.schemas import ServiceCreate, ServicePublic, ServiceUpdate

router = APIRouter(prefix="/api/v1/services", tags=["services"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ServicePublic)
async def create_service(
    body: Annotated[ServiceCreate, Body(openapi_examples=examples.SERVICE_CREATE)],
    db: DatabaseDep,
    actor: AdminDep,
    matrix: MatrixDep,
    response: Response,
) -> ServicePublic:
    """Add a council service (admins only)."""
    created = await db.run(services.create_service, actor, matrix, body)
    response.headers["Location"] = f"/api/v1/services/{created.code}"
    return created


@router.get("", response_model=list[ServicePublic])
async def list_services(db: DatabaseDep, actor: ReaderDep, matrix: MatrixDep) -> list[ServicePublic]:
    """Every service the token may read, with open risks counted by band."""
    return await db.run(services.list_readable, actor, matrix)


@router.get("/{code}", response_model=ServicePublic)
async def get_service(code: str, db: DatabaseDep, actor: ReaderDep, matrix: MatrixDep) -> ServicePublic:
    """One service with its open risks counted by band."""
    return await db.run(services.get_readable, actor, matrix, code)


@router.patch("/{code}", response_model=ServicePublic)
async def update_service(
    code: str,
    body: Annotated[ServiceUpdate, Body(openapi_examples=examples.SERVICE_UPDATE)],
    db: DatabaseDep,
    actor: AdminDep,
    matrix: MatrixDep,
) -> ServicePublic:
    """Change a service's name or contact email (admins only)."""
    return await db.run(services.update_service, actor, matrix, code, body)
