"""An audit event: one change, who made it and when, chained by hash.

The database refuses UPDATE and DELETE on this table, and an insert whose id is at or
below the newest entry's (triggers, made by migration); ids are never reused
(AUTOINCREMENT on SQLite, a sequence on PostgreSQL). `hash` covers the event's content
and the previous event's hash, so removing or altering any entry breaks the chain from
there on; a cut tail or a chain rewritten from some entry on shows only against an
anchor kept outside the database (app/audit/anchor.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime


class AuditEvent(SQLModel, table=True):
    """One entry of the append-only audit trail."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_entity", "entity_type", "entity_id"),
        Index("ix_audit_event_actor", "actor"),
        Index("ix_audit_event_occurred_at", "occurred_at"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    actor: str = Field(max_length=200)
    actor_role: str = Field(max_length=10)
    request_id: str = Field(max_length=100)
    action: str = Field(max_length=40)
    entity_type: str = Field(max_length=40)
    entity_id: str = Field(max_length=100)
    service_code: str | None = Field(default=None, max_length=10, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)
