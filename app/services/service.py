"""The rules for services."""

from __future__ import annotations

from sqlmodel import Session

from app.access.principal import Action, Principal
from app.audit.trail import record_change
from app.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from app.models import Service
from app.models.base import utcnow
from app.scoring import Matrix
from app.services import repository
from app.services.schemas import ServiceCreate, ServicePublic, ServiceUpdate


def create_service(session: Session, actor: Principal, matrix: Matrix, new: ServiceCreate) -> ServicePublic:
    """Add a service; 409 when the code is taken."""
    actor.require(Action.ADMINISTER)
    if repository.by_code(session, new.code) is not None:
        raise Conflict(f"service {new.code} exists already")
    service = Service(
        code=new.code,
        name=new.name,
        contact_email=new.contact_email,
        created_by=actor.name,
        updated_by=actor.name,
    )
    session.add(service)
    session.flush()
    record_change(
        session, actor, "service.create", "service", service.code, service.code, None, _snapshot(service)
    )
    return public([service], session, matrix)[0]


def update_service(
    session: Session, actor: Principal, matrix: Matrix, code: str, changes: ServiceUpdate
) -> ServicePublic:
    """Change a service's name or contact email (admins only); one audit entry with what changed."""
    actor.require(Action.ADMINISTER)
    service = readable_service(session, actor, code)
    fields = changes.model_fields_set
    if not fields:
        raise InvalidInput(
            "nothing to change", errors=[FieldProblem(("body",), "at least one field is required")]
        )
    if "name" in fields and changes.name is None:
        raise InvalidInput("name cannot be null", errors=[FieldProblem(("body", "name"), "cannot be null")])
    before = _snapshot(service)
    if changes.name is not None:
        service.name = changes.name
    if "contact_email" in fields:
        service.contact_email = changes.contact_email
    after = _snapshot(service)
    changed = sorted(k for k in after if after[k] != before[k])
    if changed:
        service.updated_at = utcnow()
        service.updated_by = actor.name
        session.add(service)
        session.flush()
        record_change(
            session,
            actor,
            "service.update",
            "service",
            service.code,
            service.code,
            {k: before[k] for k in changed},
            {k: after[k] for k in changed},
        )
    return public([service], session, matrix)[0]


def readable_service(session: Session, actor: Principal, code: str) -> Service:
    """The service `code` if the actor may read it; 404 otherwise (nothing leaks)."""
    service = repository.by_code(session, code)
    if service is None or not actor.may(Action.READ, service.code):
        raise NotFound(f"no service {code.upper()}")
    return service


def get_readable(session: Session, actor: Principal, matrix: Matrix, code: str) -> ServicePublic:
    """One service the actor may read, with its open risks counted by band."""
    return public([readable_service(session, actor, code)], session, matrix)[0]


def list_readable(session: Session, actor: Principal, matrix: Matrix) -> list[ServicePublic]:
    """Every service the actor may read, with its open risks counted by band."""
    return public(repository.listing(session, actor.readable_services()), session, matrix)


def writable_service(session: Session, actor: Principal, code: str) -> Service:
    """The service `code` if the actor may change its risks (404 if it may not even read it)."""
    service = readable_service(session, actor, code)
    if not actor.may(Action.WRITE, service.code):
        raise Forbidden(f"a token with role {actor.role.value} may not change service {service.code}")
    return service


def public(services: list[Service], session: Session, matrix: Matrix) -> list[ServicePublic]:
    """The services with their band counts."""
    counts = repository.open_band_counts(session)
    result = []
    for service in services:
        by_band = counts.get(service.id or 0, {})
        result.append(
            ServicePublic(
                code=service.code,
                name=service.name,
                contact_email=service.contact_email,
                open_risks=sum(by_band.values()),
                counts_by_band={b.name: by_band.get(b.name, 0) for b in matrix.bands}
                | {"unassessed": by_band.get(None, 0)},
                created_at=service.created_at,
                created_by=service.created_by,
            )
        )
    return result


def _snapshot(service: Service) -> dict[str, object]:
    return {"code": service.code, "name": service.name, "contact_email": service.contact_email}
