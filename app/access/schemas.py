"""Request and response bodies for API tokens (never a hash; the token itself only once)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.access.principal import Role
from app.fields import ServiceCode, StrictModel
from app.models import ApiToken

TokenName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$"
    ),
]


class TokenCreate(StrictModel):
    """A token to make: its name, role, services (editors) and optional expiry (UTC when no zone)."""

    name: TokenName
    role: Role
    services: Annotated[list[ServiceCode], Field(max_length=100)] = []
    expires_at: datetime | None = Field(default=None, description="when the token stops working")


class TokenPublic(BaseModel):
    """A token's record: who may use it for what, and until when. Never the token or its hash."""

    id: int
    name: str
    role: Role
    services: list[str]
    prefix: str = Field(description="the token's first characters, to recognise it")
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenPublic):
    """A token just made, with the token itself: shown this once and never again."""

    token: str


def token_public(token: ApiToken) -> TokenPublic:
    """A token's record as the API shows it."""
    assert token.id is not None
    return TokenPublic(
        id=token.id,
        name=token.name,
        role=Role(token.role),
        services=list(token.services),
        prefix=token.prefix,
        created_at=token.created_at,
        created_by=token.created_by,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
    )
