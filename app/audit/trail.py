"""Appending to the audit trail and verifying its hash chain.

Changes call `record_change`, which only queues the entry on the session. Just before
the session commits, the queued entries are chained and inserted: on PostgreSQL under
a transaction-scoped advisory lock (so two transactions never chain onto the same
entry), on SQLite inside the write transaction that BEGIN IMMEDIATE already
serialises. The entries therefore commit, or roll back, with the change they record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import event, func, insert, text
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col, select

from app.audit.context import request_id
from app.models import AuditEvent, table_of
from app.models.base import utcnow

GENESIS = "0" * 64
#: What an entry's hash covers, besides the previous entry's hash.
HASHED_FIELDS = (
    "occurred_at",
    "actor",
    "actor_role",
    "request_id",
    "action",
    "entity_type",
    "entity_id",
    "service_code",
    "before",
    "after",
)
PENDING_KEY = "riskreg_audit_pending"
AUDIT_LOCK_KEY = 7_215_110_002
_AUDIT = table_of(AuditEvent)
_LOCK_CHAIN = text("SELECT pg_advisory_xact_lock(:k)")
_CHAIN_HEAD = select(_AUDIT.c.hash).order_by(_AUDIT.c.id.desc()).limit(1)
_APPEND = insert(_AUDIT)
# One statement, so the count and the newest entry come from the same snapshot.
_HEAD = (
    select(
        select(func.count()).select_from(_AUDIT).scalar_subquery().label("entries"),
        _AUDIT.c.id,
        _AUDIT.c.hash,
    )
    .order_by(_AUDIT.c.id.desc())
    .limit(1)
)


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The trail's newest state: how many entries, the newest one's id and its hash."""

    count: int
    last_id: int  # 0 for an empty trail
    hash: str  # GENESIS for an empty trail


class Actor(Protocol):
    """Who makes a change (an `app.access` principal), as the trail records it."""

    @property
    def name(self) -> str:
        """The token's (or the command line's) name."""

    @property
    def role(self) -> StrEnum:
        """Its role."""


@dataclass(frozen=True, slots=True)
class BrokenEntry:
    """Where the chain breaks and why."""

    event_id: int
    reason: str


def record_change(
    session: Session,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: str,
    service_code: str | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Queue one audit entry; it is written when the session commits."""
    pending: list[tuple[dict[str, Any], SessionTransaction | None]] = session.info.setdefault(PENDING_KEY, [])
    entry = {
        "occurred_at": utcnow(),
        "actor": actor.name,
        "actor_role": actor.role.value,
        "request_id": request_id.get(),
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "service_code": service_code,
        "before": _plain(before),
        "after": _plain(after),
    }
    # The savepoint the change was made in, if any: rolling it back drops the entry too.
    pending.append((entry, session.get_nested_transaction()))


def entry_hash(entry: AuditEvent | Mapping[str, Any], prev_hash: str) -> str:
    """The hash of an entry's content (a stored entry, or one about to be) chained to the previous hash."""
    content = {name: _field(entry, name) for name in HASHED_FIELDS}
    content["occurred_at"] = _iso(_field(entry, "occurred_at"))
    content["prev_hash"] = prev_hash
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def chain_head(session: Session, at: datetime | None = None) -> ChainHead:
    """The head of the trail now (or as recorded at `at`: the entries made by then): its
    count, newest id and newest hash (one snapshot)."""
    statement = _HEAD
    if at is not None:
        made_by = _AUDIT.c.occurred_at <= at
        statement = (
            select(
                select(func.count()).select_from(_AUDIT).where(made_by).scalar_subquery().label("entries"),
                _AUDIT.c.id,
                _AUDIT.c.hash,
            )
            .where(made_by)
            .order_by(_AUDIT.c.id.desc())
            .limit(1)
        )
    newest = session.execute(statement).first()
    if newest is None:
        return ChainHead(count=0, last_id=0, hash=GENESIS)
    return ChainHead(count=int(newest.entries), last_id=int(newest.id), hash=str(newest.hash))


def verify_chain(session: Session, batch: int = 5000) -> tuple[int, BrokenEntry | None]:
    """Walk the whole trail; return how many entries were checked and the first broken one."""
    prev_hash = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = session.exec(
            select(AuditEvent).where(col(AuditEvent.id) > last_id).order_by(col(AuditEvent.id)).limit(batch)
        ).all()
        if not rows:
            return checked, None
        for entry in rows:
            assert entry.id is not None
            if entry.prev_hash != prev_hash:
                return checked, BrokenEntry(
                    entry.id,
                    "its previous-hash does not match the entry before it: an entry was removed or inserted",
                )
            if entry_hash(entry, prev_hash) != entry.hash:
                return checked, BrokenEntry(
                    entry.id, "its content does not match its hash: the entry was altered"
                )
            prev_hash = entry.hash
            checked += 1
            last_id = entry.id
        session.expunge_all()


def _write_pending(session: Session) -> None:
    pending = [entry for entry, _ in session.info.pop(PENDING_KEY, [])]
    if not pending:
        return
    db = session.connection()
    if db.dialect.name == "postgresql":
        db.execute(_LOCK_CHAIN, {"k": AUDIT_LOCK_KEY})
    last = db.execute(_CHAIN_HEAD).scalar()
    prev_hash = last or GENESIS
    for entry in pending:
        entry["prev_hash"] = prev_hash
        entry["hash"] = prev_hash = entry_hash(entry, prev_hash)
    # Core, not the unit of work: one statement for the entries of a commit.
    db.execute(_APPEND, pending)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    _write_pending(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    # A savepoint rolled back takes only the entries queued inside it; the outermost takes all.
    if not previous.nested:
        session.info.pop(PENDING_KEY, None)
        return
    pending = session.info.get(PENDING_KEY, [])
    pending[:] = [(entry, scope) for entry, scope in pending if not _inside(scope, previous)]


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # Closing a session without committing leaves nothing queued for its next transaction.
    if transaction.parent is None:
        session.info.pop(PENDING_KEY, None)


def _inside(scope: SessionTransaction | None, savepoint: SessionTransaction) -> bool:
    while scope is not None:
        if scope is savepoint:
            return True
        scope = scope.parent
    return False


def _field(entry: AuditEvent | Mapping[str, Any], name: str) -> Any:
    return entry[name] if isinstance(entry, Mapping) else getattr(entry, name)


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _plain(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """The value as JSON-native data, so it hashes the same before and after storage."""
    if value is None:
        return None
    loaded: dict[str, Any] = json.loads(json.dumps(value, default=str, ensure_ascii=False))
    return loaded
