"""A control measure in place or planned for a risk (the risk's current list)."""

from __future__ import annotations

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class ControlMeasure(SQLModel, table=True):
    """One control measure of a risk, in the order the service lists them."""

    __tablename__ = "control_measure"
    __table_args__ = (UniqueConstraint("risk_id", "position", name="uq_control_measure_position"),)

    id: int | None = Field(default=None, primary_key=True)
    risk_id: int = Field(foreign_key="risk.id", index=True)
    position: int
    text: str
