"""Queries on risks that the rules read and lock; the register's rows are in listing.py."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from app.models import Risk, Service


def by_id(session: Session, risk_id: int, *, for_update: bool = False) -> tuple[Risk, Service] | None:
    """The risk and its service, locked for update when asked (PostgreSQL)."""
    query = (
        select(Risk, Service).join(Service, col(Service.id) == col(Risk.service_id)).where(Risk.id == risk_id)
    )
    if for_update:
        query = query.with_for_update(of=Risk)
    row = session.exec(query).first()
    return (row[0], row[1]) if row else None


def by_refs(session: Session, service_id: int, refs: Sequence[str]) -> dict[str, Risk]:
    """The service's risks with these refs, by ref."""
    query = (
        select(Risk)
        .where(Risk.service_id == service_id, col(Risk.ref).in_(list(refs)))
        .order_by(col(Risk.id))
    )
    return {r.ref: r for r in session.exec(query).all()}
