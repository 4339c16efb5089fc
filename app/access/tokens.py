"""Making, finding and revoking API tokens. Only a SHA-256 hash of a token is stored."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app.access.principal import Action, Principal, Role
from app.audit.trail import record_change
from app.config import LATEST_DATE
from app.errors import Conflict, FieldProblem, InvalidInput, NotFound, Unauthenticated
from app.models import ApiToken, Service, table_of
from app.models.base import utcnow

TOKEN_PREFIX = "rr_"


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_summary(token: ApiToken) -> dict[str, object]:
    """A token's record without its hash, for listings and the audit trail."""
    return {
        "id": token.id,
        "name": token.name,
        "role": token.role,
        "services": list(token.services),
        "prefix": token.prefix,
        "created_at": token.created_at.isoformat(),
        "created_by": token.created_by,
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


def services_refusal(role: Role, services: Sequence[str]) -> str | None:
    """Why `services` may not be given with `role`, or None: only an editor's token is limited to
    services; an auditor or admin reads every service, so a list on their token would be ignored."""
    if role is Role.EDITOR or not services:
        return None
    return f"only an editor token names services; an {role.value} token covers every service"


def create_token(
    session: Session,
    actor: Principal,
    *,
    name: str,
    role: Role,
    services: Sequence[str] = (),
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Make a token; returns its record and the token itself, which is never shown again."""
    actor.require(Action.ADMINISTER)
    refusal = services_refusal(role, services)
    if refusal is not None:
        raise InvalidInput(f"services: {refusal}", errors=[FieldProblem(("body", "services"), refusal)])
    codes = sorted({code.strip().upper() for code in services if code.strip()})
    if role is Role.EDITOR and not codes:
        raise InvalidInput("an editor token needs at least one --service")
    known = set(session.exec(select(Service.code).where(col(Service.code).in_(codes))).all())
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise InvalidInput(f"unknown service(s): {', '.join(unknown)}")
    if expires_at is not None:
        expires_at = _expiry(expires_at)
    if session.exec(select(ApiToken).where(ApiToken.name == name)).first() is not None:
        raise Conflict(f"a token called {name!r} exists already")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        role=role.value,
        services=codes,
        token_hash=hash_token(secret),
        prefix=secret[:10],
        created_by=actor.name,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    record_change(session, actor, "token.create", "token", str(token.id), None, None, token_summary(token))
    return token, secret


def list_tokens(session: Session) -> list[ApiToken]:
    """Every token, newest first."""
    return list(session.exec(select(ApiToken).order_by(col(ApiToken.id).desc())).all())


def revoke_token(session: Session, actor: Principal, name_or_id: str) -> ApiToken:
    """Revoke a token by name or id; revoking twice is refused."""
    actor.require(Action.ADMINISTER)
    if "\x00" in name_or_id:  # no name holds one, and PostgreSQL cannot compare text that does
        raise InvalidInput(
            "name must not contain NUL", errors=[FieldProblem(("path", "name"), "must not contain NUL")]
        )
    query = select(ApiToken).where(ApiToken.name == name_or_id)
    token = session.exec(query).first()
    if token is None and name_or_id.isdigit():
        token = session.get(ApiToken, int(name_or_id))
    if token is None:
        raise NotFound(f"no token called {name_or_id!r}")
    if token.revoked_at is not None:
        raise Conflict(f"token {token.name!r} was revoked already")
    before = token_summary(token)
    token.revoked_at = utcnow()
    session.add(token)
    session.flush()
    record_change(session, actor, "token.revoke", "token", str(token.id), None, before, token_summary(token))
    return token


_TOKENS = table_of(ApiToken)
#: Looked up on every request: built once, a Core statement on the token hash's unique index.
_BY_HASH = core_select(
    _TOKENS.c.name, _TOKENS.c.role, _TOKENS.c.services, _TOKENS.c.revoked_at, _TOKENS.c.expires_at
).where(_TOKENS.c.token_hash == bindparam("token_hash"))


def authenticate(session: Session | Connection, secret: str) -> Principal:
    """The principal of a bearer token; Unauthenticated when unknown, expired or revoked."""
    token = session.execute(_BY_HASH, {"token_hash": hash_token(secret)}).first()
    if token is None:
        raise Unauthenticated("unknown token")
    if token.revoked_at is not None:
        raise Unauthenticated("this token has been revoked")
    if token.expires_at is not None and token.expires_at <= utcnow():
        raise Unauthenticated("this token has expired")
    return Principal(name=token.name, role=Role(token.role), services=frozenset(token.services))


def _expiry(moment: datetime) -> datetime:
    """A token's expiry in UTC; InvalidInput when it is not ahead or beyond LATEST_DATE.

    Checked in the moment's own zone first: converting one at either end of the calendar
    to UTC would overflow, and a day before yesterday is past in every zone.
    """
    if moment.date() > LATEST_DATE:
        raise InvalidInput(
            "expires_at is too far ahead",
            errors=[
                FieldProblem(("body", "expires_at"), f"must be on or before {LATEST_DATE}", "date_range")
            ],
        )
    past = moment.date() < utcnow().date() - timedelta(days=1)
    if not past:
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if past or moment <= utcnow():
        raise InvalidInput(
            "the expiry must lie in the future",
            errors=[FieldProblem(("body", "expires_at"), "must lie in the future", "past_date")],
        )
    return moment
