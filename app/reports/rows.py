"""Plain rows that every report renderer reads: no database, no web framework."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from app.scoring import Assessment, Matrix

#: The movement group of a risk over a period (DOMAIN.md): every risk open at any time in
#: the period falls in exactly one. Also a register's direction of travel.
DIRECTIONS = ("new", "closed", "first_assessed", "up", "down", "unchanged", "not_assessed")

#: What makes a risk an exception for committee, in report order.
EXCEPTION_REASONS = (
    "no_owner",
    "no_response",
    "no_controls",
    "no_open_action",
    "above_appetite",
    "not_assessed",
)


#: A risk's scored assessment in a report: the one assessment value (band by name).
AssessmentRow = Assessment


@dataclass(frozen=True, slots=True)
class ActionRow:
    """One action of a risk as it stood on the report date."""

    description: str
    owner: str
    due_on: date
    status: str  # planned | in_progress | done | cancelled, on the report date
    completed_on: date | None
    overdue: bool  # on the report date

    @property
    def open(self) -> bool:
        """Still being worked on (planned or in progress)."""
        return self.status in ("planned", "in_progress")


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
    previous_score: int | None  # score at the start of the period (None: no position then)
    direction: str  # one of DIRECTIONS
    start: AssessmentRow | None = None  # the position on the day before the period
    opened_on: date | None = None
    closed_on: date | None = None
    reopened: bool = False  # closed at the start of the period, open again in it
    actions: tuple[ActionRow, ...] = ()
    # above the appetite statement the report used (None: no statement, category or score)
    above_appetite: bool | None = None
    appetite_version: int | None = None  # the statement's version (None: no statement in force)


@dataclass(frozen=True, slots=True)
class AppetiteBasis:
    """The appetite statement a report measured its risks against: the one in force on the
    report's day (as recorded at the report's moment, when it has one)."""

    version: int
    approved_by: str
    approved_on: date
    limits: Mapping[str, int]  # category -> highest accepted residual score


@dataclass(frozen=True, slots=True)
class EscalationRow:
    """An escalation or de-escalation decided in a report's period."""

    service_code: str
    ref: str
    title: str
    kind: str  # escalate | de-escalate
    on: date
    reason: str


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
class AppetiteMarks:
    """Which refs of a heat map's open risks lie above the appetite statement in force (their
    residual score above their category's limit), and that statement's version (None: no
    statement in force, so none is measured)."""

    version: int | None
    refs: tuple[str, ...] = ()


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
    inherent_heatmap: HeatmapCells = field(default_factory=lambda: HeatmapCells("inherent", {}))
    appetite: AppetiteBasis | None = None  # the statement above_appetite used (None: none in force)


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
    previous: AssessmentRow | None  # the position on the day before the period (None: none then)
    current: AssessmentRow | None  # the position on the report date (a closed risk's last one)

    @property
    def previous_score(self) -> int | None:
        """The score at the start of the period."""
        return self.previous.score if self.previous is not None else None

    @property
    def previous_band(self) -> str | None:
        """The band at the start of the period."""
        return self.previous.band if self.previous is not None else None

    @property
    def current_score(self) -> int | None:
        """The score on the report date."""
        return self.current.score if self.current is not None else None

    @property
    def current_band(self) -> str | None:
        """The band on the report date."""
        return self.current.band if self.current is not None else None


@dataclass(frozen=True, slots=True)
class ExceptionRow:
    """A risk a committee should look at, and why (reasons from EXCEPTION_REASONS)."""

    risk: RiskRow
    reasons: tuple[str, ...]


#: The name the summary gives the open risks without a position on the report date.
NOT_ASSESSED = "Not assessed"


@dataclass(frozen=True, slots=True)
class ReviewSummary:
    """The one-minute summary: counts only, each the length of a list of the report."""

    bands: dict[str, int]  # open risks at the report date by band, best first, then NOT_ASSESSED
    previous_bands: dict[str, int]  # the same at the end of the previous period
    movement: dict[str, int]  # keyed by DIRECTIONS
    reviewed: int
    not_reviewed: int
    overdue: int
    above_appetite: int
    long_standing_very_high: int
    exceptions: int


@dataclass(frozen=True, slots=True)
class ReviewReport:
    """The six-monthly review report for committee (DOMAIN.md): the register on the report
    date, its movement in the period, and the lists a committee acts on."""

    title: str  # e.g. "Six-monthly risk review 2025/26 H1"
    period_label: str  # e.g. "2025/26-H1" or "2025-04-01 to 2025-09-30"
    start: date
    end: date
    report_date: date  # the end of a past period; today for the current one
    to_date: bool  # the period has not ended: the report is "to date"
    generated_at: datetime
    matrix: Matrix
    service_code: str | None  # None: council-wide
    summaries: list[ServiceSummary]  # counts by band at the report date, per service
    heatmap: HeatmapCells  # residual, open risks at the report date
    movements: dict[str, list[MovementRow]]  # keyed by DIRECTIONS
    high_risks: list[RiskRow]  # every risk in the worst two bands at the report date, by score desc
    not_reviewed: list[RiskRow]  # open at the report date, no review dated in the period
    inherent_heatmap: HeatmapCells = field(default_factory=lambda: HeatmapCells("inherent", {}))
    overdue: list[RiskRow] = field(default_factory=list)  # open, review due before the report date
    long_standing: list[RiskRow] = field(default_factory=list)  # worst band now and at two period ends
    exceptions: list[ExceptionRow] = field(default_factory=list)
    above_appetite: list[RiskRow] = field(default_factory=list)
    appetite_recorded: bool = False  # False: no appetite statement, nothing can be above it
    appetite: AppetiteBasis | None = None  # the statement in force on the report date
    escalations: list[EscalationRow] = field(default_factory=list)  # decided in the period, by date
    previous_label: str = ""  # the previous period, e.g. "2024/25-H2"
    previous_end: date | None = None
    previous_bands: dict[str, int] = field(default_factory=dict)
    registers: list[RegisterReport] = field(default_factory=list)
    as_recorded: datetime | None = None  # only what had been stored by then (None: everything)
    # The audit trail's head when the report was produced (`riskreg audit verify --anchor`
    # checks a trail against such a head): how many entries, and the newest one's hash.
    audit_entries: int | None = None
    audit_hash: str | None = None

    @property
    def open_risks(self) -> list[RiskRow]:
        """Every risk open at the report date, in the order of the service summaries."""
        return [m.risk for d in DIRECTIONS if d != "closed" for m in self.movements.get(d, [])]

    @property
    def summary(self) -> ReviewSummary:
        """The counts of the summary, each read off the list it counts."""
        open_risks = self.open_risks
        bands = {b.name: 0 for b in self.matrix.bands} | {NOT_ASSESSED: 0}
        for r in open_risks:
            bands[r.residual.band if r.residual is not None else NOT_ASSESSED] += 1
        return ReviewSummary(
            bands=bands,
            previous_bands=dict(self.previous_bands),
            movement={d: len(self.movements.get(d, [])) for d in DIRECTIONS},
            reviewed=len(open_risks) - len(self.not_reviewed),
            not_reviewed=len(self.not_reviewed),
            overdue=len(self.overdue),
            above_appetite=len(self.above_appetite),
            long_standing_very_high=len(self.long_standing),
            exceptions=len(self.exceptions),
        )
