"""Response bodies of the audit trail, and the reading of its time filters."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import Field

from app.config import LATEST_DATE
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
    recorded_at: datetime = Field(description="when riskreg stored the change: occurred_at")
    late: bool = Field(
        description="the fact it records (a review, an opening, a closing or reopening) is a late entry"
    )


class AuditPage(PublicModel):
    """One page of audit entries, newest first."""

    items: list[AuditEventPublic]
    total: int
    page: int
    page_size: int
    pages: int


class AnchorCheck(PublicModel):
    """An anchor checked against the trail: the head it signed, and whether the trail still holds it."""

    count: int = Field(description="entries when anchored")
    last_id: int = Field(description="the newest entry's id when anchored")
    hash: str = Field(description="the newest entry's hash when anchored")
    anchored_at: datetime
    holds: bool = Field(description="the trail still holds the anchored head")
    finding: str | None = Field(description="what was cut or rewritten, when it does not hold")


class ChainCheck(PublicModel):
    """The outcome of walking the hash chain (and checking an anchor, if given): intact, or what broke."""

    intact: bool = Field(description="the chain verifies and, if an anchor was given, the trail holds it")
    checked: int = Field(description="entries verified (before the break, if any)")
    broken_at: int | None = Field(description="the id of the first broken entry")
    reason: str | None
    anchor: AnchorCheck | None = None


def is_late(after: dict[str, Any] | None, risk_id: int | None = None) -> bool:
    """Whether an entry records a late entry: a late review (alone, first with its risk, or of a
    service's round: of `risk_id`, or any when None), opening, closing or reopening."""
    if not after:
        return False
    first = after.get("first_review")
    rounds = after.get("reviews")
    in_round = isinstance(rounds, list) and any(
        isinstance(item, dict)
        and item.get("late") is True
        and (risk_id is None or item.get("risk_id") == risk_id)
        for item in rounds
    )
    return after.get("late") is True or (isinstance(first, dict) and first.get("late") is True) or in_round


def event_public(entry: AuditEvent, risk_id: int | None = None) -> AuditEventPublic:
    """An audit entry as the API shows it (late: about `risk_id`, in a service's review round)."""
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
        recorded_at=entry.occurred_at,
        late=is_late(entry.after, risk_id),
    )


#: A text filter: PostgreSQL cannot compare text holding NUL, and no stored value holds one.
NO_NUL = r"^[^\x00]*$"


def parse_moment(value: str | None, name: str, *, end: bool, earliest: date) -> datetime | None:
    """A `from`/`to` filter as a UTC moment; for `to` (`end`) the exclusive bound just after it.

    A date means its whole day: `from` its start, `to` the start of the next day. A
    datetime without a zone is taken as UTC; `to` includes its microsecond. Days before
    `earliest` or after LATEST_DATE are refused.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            _within(day, name, earliest)
            start = datetime.combine(day, time.min, tzinfo=UTC)
            return start + timedelta(days=1) if end else start
        # An unencoded "+01:00" in a query string arrives as " 01:00".
        moment = datetime.fromisoformat(text.replace(" ", "+") if "T" in text else text)
    except ValueError as exc:
        raise InvalidInput(
            f"{name} is not a date or datetime",
            errors=[FieldProblem(("query", name), "expected YYYY-MM-DD or an ISO 8601 datetime")],
        ) from exc
    # Before converting: a zone applied to a day at the calendar's end overflows.
    _within(moment.date(), name, earliest)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment + timedelta(microseconds=1) if end else moment


def _within(day: date, name: str, earliest: date) -> None:
    if not earliest <= day <= LATEST_DATE:
        raise InvalidInput(
            f"{name} is outside the dates riskreg accepts",
            errors=[
                FieldProblem(("query", name), f"must lie between {earliest} and {LATEST_DATE}", "date_range")
            ],
        )
