"""What reading a legacy service plan produces: the plan, its risks and its findings.

Errors::

    ValueError
    └── PlanError   the text is not a service plan riskreg can read
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

RESIDUAL_TABLE = "residual-table"
FULL_REGISTER = "full-register"


class PlanError(ValueError):
    """The text is not a service plan riskreg can read (message says why)."""


@dataclass(frozen=True, slots=True)
class Finding:
    """An inconsistency or gap in the document that a person must look at."""

    line: int
    severity: str
    code: str
    message: str
    ref: str | None


@dataclass(frozen=True, slots=True)
class ParsedAction:
    """An action a plan's action/planned column gives for a risk."""

    description: str
    owner: str | None
    due_on: date | None


@dataclass(frozen=True, slots=True)
class ParsedRisk:
    """One risk row as the document publishes it (continuation rows joined)."""

    line: int
    ref: str
    aliases: tuple[str, ...]
    ref_assigned: bool
    title: str
    category: str | None
    consequence: str
    controls: tuple[str, ...]
    response: str | None
    response_text: str | None
    likelihood: int | None
    impact: int | None
    published_score: int | None
    published_band: str | None
    owner: str = ""
    reviewed_on: date | None = None
    actions: tuple[ParsedAction, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedPlan:
    """A service plan's name, period and risk register, with what needs a person's attention."""

    service_name: str
    service_code: str
    period: str | None
    start_year: int | None
    end_year: int | None
    shape: str
    risks: tuple[ParsedRisk, ...]
    findings: tuple[Finding, ...]
