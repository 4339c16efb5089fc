"""API tokens (admins): made here or with `riskreg token create`; shown once, stored as a hash."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Response, status

from app.access import tokens
from app.access.principal import Role
from app.access.schemas import TokenCreate, TokenCreated, TokenPublic, token_public
from app.api import examples
from app.api.deps import AdminDep, DatabaseDep

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TokenCreated)
async def create_token(
    body: Annotated[TokenCreate, Body(openapi_examples=examples.TOKEN_CREATE)],
    db: DatabaseDep,
    actor: AdminDep,
    response: Response,
) -> TokenCreated:
    """Make a token; the answer holds the token itself, which is never shown again."""
    token, secret = await db.run(
        tokens.create_token,
        actor,
        name=body.name,
        role=Role(body.role),
        services=body.services,
        expires_at=body.expires_at,
    )
    response.headers["Cache-Control"] = "no-store"
    return TokenCreated(**token_public(token).model_dump(), token=secret)


@router.get("", response_model=list[TokenPublic])
async def list_tokens(db: DatabaseDep, actor: AdminDep) -> list[TokenPublic]:
    """Every token, newest first: name, role, services, expiry and revocation, never the token."""
    return [token_public(token) for token in await db.run(tokens.list_tokens)]


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def revoke_token(name: str, db: DatabaseDep, actor: AdminDep) -> Response:
    """Revoke a token at once (by name, or by id); revoking it twice answers 409."""
    await db.run(tokens.revoke_token, actor, name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
