"""Reading legacy service-plan text into a risk register: pure, no database or web framework."""

from app.importer.parse import parse_plan
from app.importer.plan import Finding, ParsedPlan, ParsedRisk, PlanError

__all__ = ["Finding", "ParsedPlan", "ParsedRisk", "PlanError", "parse_plan"]
