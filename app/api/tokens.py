"""API tokens (admins): made here or with `riskreg token create`; shown once, stored as a hash."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from sqlmodel import Session

from app.access import tokens
from app.access.principal import Principal, Role
from app.access.schemas import TokenCreate, TokenCreated, TokenPublic, token_public
from app.api.deps import AdminWork

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TokenCreated)
async def create_token(body: TokenCreate, work: AdminWork, response: Response) -> TokenCreated:
    """Make a token; the answer holds the token itself, which is never shown again."""

    def create(session: Session, actor: Principal) -> TokenCreated:
        token, secret = tokens.create_token(
            session,
            actor,
            name=body.name,
            role=Role(body.role),
            services=body.services,
            expires_at=body.expires_at,
        )
        return TokenCreated(**token_public(token).model_dump(), token=secret)

    created = await work.run(create)
    response.headers["Cache-Control"] = "no-store"
    return created


@router.get("", response_model=list[TokenPublic])
async def list_tokens(work: AdminWork) -> list[TokenPublic]:
    """Every token, newest first: name, role, services, expiry and revocation, never the token."""

    def read(session: Session, actor: Principal) -> list[TokenPublic]:
        return [token_public(token) for token in tokens.list_tokens(session)]

    return await work.run(read)


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def revoke_token(name: str, work: AdminWork) -> Response:
    """Revoke a token at once (by name, or by id); revoking it twice answers 409."""
    await work.run(tokens.revoke_token, name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
