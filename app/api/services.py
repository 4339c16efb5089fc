"""Council services."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from app.api.deps import Admin, MatrixDep, Reader, SessionDep
from app.services import repository
from app.services import service as services
from app.services.schemas import ServiceCreate, ServicePublic

router = APIRouter(prefix="/api/v1/services", tags=["services"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ServicePublic)
def create_service(
    body: ServiceCreate, session: SessionDep, actor: Admin, matrix: MatrixDep, response: Response
) -> ServicePublic:
    """Add a council service (admins only)."""
    service = services.create_service(session, actor, body)
    response.headers["Location"] = f"/api/v1/services/{service.code}"
    return services.public([service], session, matrix)[0]


@router.get("", response_model=list[ServicePublic])
def list_services(session: SessionDep, actor: Reader, matrix: MatrixDep) -> list[ServicePublic]:
    """Every service the token may read, with open risks counted by band."""
    return services.public(repository.listing(session, actor.readable_services()), session, matrix)


@router.get("/{code}", response_model=ServicePublic)
def get_service(code: str, session: SessionDep, actor: Reader, matrix: MatrixDep) -> ServicePublic:
    """One service with its open risks counted by band."""
    return services.public([services.get_readable(session, actor, code)], session, matrix)[0]
