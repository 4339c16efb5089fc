"""A council service whose register holds risks (Community Partnerships, ...)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, utcnow


class Service(SQLModel, table=True):
    """One council service."""

    __tablename__ = "service"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=10, unique=True, index=True)
    name: str = Field(max_length=200)
    #: where `riskreg remind` sends the service its due reviews and actions (none: not reminded)
    contact_email: str | None = Field(default=None, max_length=254)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    created_by: str = Field(max_length=200)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_by: str = Field(max_length=200)
