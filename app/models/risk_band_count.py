"""The count of a service's risks in each status and residual band, kept by triggers."""

from __future__ import annotations

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class RiskBandCount(SQLModel, table=True):
    """How many risks a service has in a status and residual band, kept by triggers on `risk`.

    The total of the list (open risks of some bands, across services) sums these rows
    instead of counting every matching risk. An unassessed risk counts under the band ''.
    The triggers are in the migration that made the table (2026_11_23_risk_band_count).
    """

    __tablename__ = "risk_band_count"
    __table_args__ = (
        # The council-wide total reads this index alone (an index-only scan on PostgreSQL):
        # a few entries per service instead of every row of the table.
        Index("ix_risk_band_count_total", "status", "residual_band", "risks"),
        {"sqlite_with_rowid": False},
    )

    status: str = Field(max_length=6, primary_key=True)
    residual_band: str = Field(max_length=40, primary_key=True)
    service_id: int = Field(foreign_key="service.id", primary_key=True)
    risks: int
