"""The tables. Import from here so alembic and the app see every table."""

from sqlalchemy import Table
from sqlmodel import SQLModel

from app.models.action import Action
from app.models.action_event import ActionEvent
from app.models.action_progress import ActionProgress
from app.models.appetite import AppetiteStatement
from app.models.audit_event import AuditEvent
from app.models.control_measure import ControlMeasure
from app.models.escalation import EscalationDecision
from app.models.review import Review
from app.models.risk import Risk
from app.models.service import Service
from app.models.status_event import RiskStatusEvent
from app.models.token import ApiToken


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a table model, for the hot paths written as Core statements."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


__all__ = [
    "Action",
    "ActionEvent",
    "ActionProgress",
    "ApiToken",
    "AppetiteStatement",
    "AuditEvent",
    "ControlMeasure",
    "EscalationDecision",
    "Review",
    "Risk",
    "RiskStatusEvent",
    "Service",
    "table_of",
]
