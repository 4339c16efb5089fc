"""Council services."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from app.api.deps import AdminDep, MatrixDep, ReaderDep, SessionDep
from app.services import service as services
from app.services.schemas import ServiceCreate, ServicePublic

router = APIRouter(prefix="/api/v1/services", tags=["services"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ServicePublic)
def create_service(
    body: ServiceCreate, session: SessionDep, actor: AdminDep, matrix: MatrixDep, response: Response
) -> ServicePublic:
    """Add a council service (admins only)."""
    created = services.create_service(session, actor, matrix, body)
    response.headers["Location"] = f"/api/v1/services/{created.code}"
    return created


@router.get("", response_model=list[ServicePublic])
def list_services(session: SessionDep, actor: ReaderDep, matrix: MatrixDep) -> list[ServicePublic]:
    """Every service the token may read, with open risks counted by band."""
    return services.list_readable(session, actor, matrix)


@router.get("/{code}", response_model=ServicePublic)
def get_service(code: str, session: SessionDep, actor: ReaderDep, matrix: MatrixDep) -> ServicePublic:
    """One service with its open risks counted by band."""
    return services.get_readable(session, actor, matrix, code)
