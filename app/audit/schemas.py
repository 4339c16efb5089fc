"""Response bodies of the audit trail, and the reading of its time filters."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import Field

from app.errors import FieldProblem, InvalidInput
from app.fields import PublicModel
from app.models import AuditEvent


class AuditEventPublic(PublicModel):
    """One entry of the audit trail: who changed what, when, in which request, before and after."""

    id: int
    occurred_at: datetime = Field(description="when the change was made (UTC)")
    actor: str = Field(description="the name of the token that made the change")
    actor_role: str
    request_id: str
    action: str = Field(description="e.g. risk.create, risk.update, risk.review, service.review")
    entity_type: str
    entity_id: str
    service_code: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev_hash: str
    hash: str


class AuditPage(PublicModel):
    """One page of audit entries, newest first."""

    items: list[AuditEventPublic]
    total: int
    page: int
    page_size: int
    pages: int


class ChainCheck(PublicModel):
    """The outcome of walking the hash chain: intact, or where it first breaks and why."""

    intact: bool
    checked: int = Field(description="entries verified (before the break, if any)")
    broken_at: int | None = Field(description="the id of the first broken entry")
    reason: str | None


def event_public(entry: AuditEvent) -> AuditEventPublic:
    """An audit entry as the API shows it."""
    assert entry.id is not None
    return AuditEventPublic(
        id=entry.id,
        occurred_at=entry.occurred_at,
        actor=entry.actor,
        actor_role=entry.actor_role,
        request_id=entry.request_id,
        action=entry.action,
        entity_type=entry.entity_type,
        entity_id=entry.entity_id,
        service_code=entry.service_code,
        before=entry.before,
        after=entry.after,
        prev_hash=entry.prev_hash,
        hash=entry.hash,
    )


def parse_moment(value: str | None, name: str, *, end: bool) -> datetime | None:
    """A `from`/`to` filter as a UTC moment; for `to` (`end`) the exclusive bound just after it.

    A date means its whole day: `from` its start, `to` the start of the next day. A
    datetime without a zone is taken as UTC; `to` includes its microsecond.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime.combine(day, time.min, tzinfo=UTC)
            return start + timedelta(days=1) if end else start
        # An unencoded "+01:00" in a query string arrives as " 01:00".
        moment = datetime.fromisoformat(text.replace(" ", "+") if "T" in text else text)
    except ValueError as exc:
        raise InvalidInput(
            f"{name} is not a date or datetime",
            errors=[FieldProblem(("query", name), "expected YYYY-MM-DD or an ISO 8601 datetime")],
        ) from exc
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment + timedelta(microseconds=1) if end else moment
