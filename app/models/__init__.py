"""The tables. Import from here so alembic and the app see every table."""

from app.models.audit_event import AuditEvent
from app.models.control_measure import ControlMeasure
from app.models.review import Review
from app.models.risk import Risk
from app.models.service import Service
from app.models.token import ApiToken

__all__ = ["ApiToken", "AuditEvent", "ControlMeasure", "Review", "Risk", "Service"]
