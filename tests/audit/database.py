"""The audit trail straight from the database: read it, verify it, and take its guard away."""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from app.audit.trail import verify_chain
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
            conn.execute(text("DROP TRIGGER audit_event_no_change ON audit_event"))
        else:
            conn.execute(text("DROP TRIGGER audit_event_no_update"))
            conn.execute(text("DROP TRIGGER audit_event_no_delete"))
