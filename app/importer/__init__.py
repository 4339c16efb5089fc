"""Reading legacy service-plan text into a risk register.

The parser (parse, plan, rows, cells, tables, title, exported here) is pure: no
database or web framework. `load` imports a parsed plan through the risk service, as
the API creates risks.
"""

from app.importer.parse import parse_plan
from app.importer.plan import Finding, ParsedPlan, ParsedRisk, PlanError

__all__ = ["Finding", "ParsedPlan", "ParsedRisk", "PlanError", "parse_plan"]
