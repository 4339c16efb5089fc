"""Council services."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from sqlmodel import Session

from app.access.principal import Principal
from app.api.deps import AdminWork, MatrixDep, ReadWork
from app.services import repository
from app.services import service as services
from app.services.schemas import ServiceCreate, ServicePublic

router = APIRouter(prefix="/api/v1/services", tags=["services"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ServicePublic)
async def create_service(
    body: ServiceCreate, work: AdminWork, matrix: MatrixDep, response: Response
) -> ServicePublic:
    """Add a council service (admins only)."""

    def create(session: Session, actor: Principal) -> ServicePublic:
        return services.public([services.create_service(session, actor, body)], session, matrix)[0]

    created = await work.run(create)
    response.headers["Location"] = f"/api/v1/services/{created.code}"
    return created


@router.get("", response_model=list[ServicePublic])
async def list_services(work: ReadWork, matrix: MatrixDep) -> list[ServicePublic]:
    """Every service the token may read, with open risks counted by band."""

    def read(session: Session, actor: Principal) -> list[ServicePublic]:
        return services.public(repository.listing(session, actor.readable_services()), session, matrix)

    return await work.run(read)


@router.get("/{code}", response_model=ServicePublic)
async def get_service(code: str, work: ReadWork, matrix: MatrixDep) -> ServicePublic:
    """One service with its open risks counted by band."""

    def read(session: Session, actor: Principal) -> ServicePublic:
        return services.public([services.get_readable(session, actor, code)], session, matrix)[0]

    return await work.run(read)
