"""The audit trail straight from the database: read it, verify it, and take its guard away."""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from app.audit.trail import GENESIS, entry_hash, verify_chain
from app.models import AuditEvent


def entries(engine: Engine) -> list[AuditEvent]:
    """The whole trail, oldest first, read straight from the database."""
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all())


def verify_chain_of(engine: Engine) -> tuple[int, int | None]:
    """How many entries verify, and the id of the first broken one."""
    with Session(engine) as session:
        checked, broken = verify_chain(session)
    return checked, broken.event_id if broken else None


def drop_guard(engine: Engine) -> None:
    """Remove the triggers by hand, as someone with the database's owner rights could."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_event_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_event_no_delete"))


def cut_tail(engine: Engine, from_id: int) -> None:
    """Delete every entry from `from_id` on, as someone who took the guard away could."""
    drop_guard(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id >= :id"), {"id": from_id})


def rewrite_from(engine: Engine, from_id: int, actor: str = "mallory") -> None:
    """Alter the entry `from_id` and recompute every hash from it on: the chain still verifies."""
    drop_guard(engine)
    trail = entries(engine)
    prev_hash = GENESIS
    with engine.begin() as conn:
        for entry in trail:
            assert entry.id is not None
            if entry.id >= from_id:
                if entry.id == from_id:
                    entry.actor = actor
                entry.prev_hash = prev_hash
                entry.hash = entry_hash(entry, prev_hash)
                conn.execute(
                    text(
                        "UPDATE audit_event SET actor = :actor, prev_hash = :prev, hash = :hash WHERE id = :id"
                    ),
                    {"actor": entry.actor, "prev": entry.prev_hash, "hash": entry.hash, "id": entry.id},
                )
            prev_hash = entry.hash
