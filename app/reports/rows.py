"""Plain rows that every report renderer reads: no database, no web framework."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from app.scoring import Assessment, Matrix

#: Direction of travel of a risk over a period, in report order.
DIRECTIONS = ("new", "up", "down", "unchanged", "closed")


#: A risk's scored assessment in a report: the one assessment value (band by name).
AssessmentRow = Assessment


@dataclass(frozen=True, slots=True)
class RiskRow:
    """One risk as a report shows it."""

    risk_id: int
    service_code: str
    service_name: str
    ref: str
    aliases: tuple[str, ...]
    title: str
    consequence: str
    owner: str
    category: str | None  # one of fields.CATEGORIES
    response: str  # tolerate | treat | terminate | transfer
    status: str  # open | closed
    controls: tuple[str, ...]
    residual: AssessmentRow | None
    inherent: AssessmentRow | None
    target: AssessmentRow | None
    last_reviewed_on: date | None
    next_review_due: date | None
    overdue: bool
    previous_score: int | None  # score at the start of the period (None: new)
    direction: str  # one of DIRECTIONS


@dataclass(frozen=True, slots=True)
class HeatmapCells:
    """Refs of the risks in each (likelihood, impact) cell, for one basis."""

    basis: str  # residual | inherent
    cells: dict[tuple[int, int], tuple[str, ...]]
    # open risks with a rating published without likelihood and impact: in no cell
    published: int = 0

    def count(self, likelihood: int, impact: int) -> int:
        """How many risks sit in the cell."""
        return len(self.cells.get((likelihood, impact), ()))

    @classmethod
    def of(cls, basis: str, found: Iterable[tuple[int | None, int | None, str]]) -> HeatmapCells:
        """The cells of (likelihood, impact, ref) triples; a published rating (no likelihood or
        impact) sits in no cell and is counted in `published`."""
        cells: dict[tuple[int, int], list[str]] = {}
        published = 0
        for likelihood, impact, ref in found:
            if likelihood is None or impact is None:
                published += 1
            else:
                cells.setdefault((likelihood, impact), []).append(ref)
        return cls(basis=basis, cells={k: tuple(v) for k, v in cells.items()}, published=published)


@dataclass(frozen=True, slots=True)
class RegisterReport:
    """The residual-risk register of one service."""

    service_code: str
    service_name: str
    as_of: date
    generated_at: datetime
    matrix: Matrix
    risks: list[RiskRow]
    heatmap: HeatmapCells


@dataclass(frozen=True, slots=True)
class ServiceSummary:
    """Counts of a service's open risks by band at the end of a period."""

    service_code: str
    service_name: str
    counts_by_band: dict[str, int]  # every band of the matrix, worst last
    unassessed: int  # open risks without a residual assessment
    total: int


@dataclass(frozen=True, slots=True)
class MovementRow:
    """A risk's change of residual score across a period."""

    risk: RiskRow
    direction: str  # one of DIRECTIONS
    previous_score: int | None
    previous_band: str | None
    current_score: int | None
    current_band: str | None


@dataclass(frozen=True, slots=True)
class ReviewReport:
    """The six-monthly review report for committee."""

    title: str  # e.g. "Six-monthly risk review 2025/26 H1"
    period_label: str  # e.g. "2025/26-H1" or "2025-04-01 to 2025-09-30"
    start: date
    end: date
    generated_at: datetime
    matrix: Matrix
    service_code: str | None  # None: council-wide
    summaries: list[ServiceSummary]
    heatmap: HeatmapCells  # residual, at the end of the period
    movements: dict[str, list[MovementRow]]  # keyed by DIRECTIONS
    high_risks: list[RiskRow]  # every High and Very High (worst bands) at the end, by score desc
    not_reviewed: list[RiskRow]  # open risks not reviewed in the period
    registers: list[RegisterReport] = field(default_factory=list)
    # The audit trail's head when the report was produced (`riskreg audit verify --anchor`
    # checks a trail against such a head): how many entries, and the newest one's hash.
    audit_entries: int | None = None
    audit_hash: str | None = None
