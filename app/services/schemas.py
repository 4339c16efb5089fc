"""Request and response bodies for services."""

from __future__ import annotations

from datetime import datetime

from app.fields import Name, PublicModel, ServiceCode, StrictModel


class ServiceCreate(StrictModel):
    """A new service: its code (prefix of its refs) and name."""

    code: ServiceCode
    name: Name


class ServicePublic(PublicModel):
    """A service as the API shows it, with its open risks counted by band."""

    code: str
    name: str
    open_risks: int
    counts_by_band: dict[str, int]
    created_at: datetime
    created_by: str
