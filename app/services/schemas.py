"""Request and response bodies for services."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from app.fields import ContactEmail, Name, PublicModel, ServiceCode, StrictModel


class ServiceCreate(StrictModel):
    """A new service: its code (prefix of its refs), name and, optionally, its contact email."""

    code: ServiceCode
    name: Name
    contact_email: ContactEmail | None = Field(
        default=None, description="where `riskreg remind` tells the service what is due"
    )


class ServiceUpdate(StrictModel):
    """Fields of a service to change (admins only)."""

    name: Name | None = None
    contact_email: ContactEmail | None = Field(default=None, description="null removes it")


class ServicePublic(PublicModel):
    """A service as the API shows it, with its open risks counted by band."""

    code: str
    name: str
    contact_email: str | None
    open_risks: int
    counts_by_band: dict[str, int]
    created_at: datetime
    created_by: str
