"""Queries on services."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import Risk, Service


def by_code(session: Session, code: str) -> Service | None:
    """The service with this code (case-insensitive), if any."""
    if not (code.isascii() and code.isalnum()):
        return None  # never a service code; PostgreSQL would refuse a NUL in it
    return session.exec(select(Service).where(Service.code == code.upper())).first()


def listing(session: Session, codes: Iterable[str] | None = None) -> list[Service]:
    """Services ordered by code, limited to `codes` when given."""
    query = select(Service).order_by(col(Service.code))
    if codes is not None:
        query = query.where(col(Service.code).in_(list(codes)))
    return list(session.exec(query).all())


def open_band_counts(session: Session) -> dict[int, dict[str | None, int]]:
    """Open risks per service id and residual band (None: not yet assessed)."""
    rows = session.exec(
        select(Risk.service_id, Risk.residual_band, func.count())
        .where(Risk.status == "open")
        .group_by(col(Risk.service_id), col(Risk.residual_band))
    ).all()
    counts: dict[int, dict[str | None, int]] = {}
    for service_id, band, count in rows:
        counts.setdefault(service_id, {})[band] = count
    return counts
