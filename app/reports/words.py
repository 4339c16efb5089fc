"""The words and dates every report prints the same way, in HTML, PDF, XLSX and CSV.

Direction of travel as a word with an arrow, the movement groups of the six-monthly
report and their headings, the heading of the worst bands, the scope of a review, and
the date formats.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from app.clock import COUNCIL_ZONE
from app.reports.rows import DIRECTIONS, AppetiteBasis, HeatmapCells, RegisterReport, ReviewReport, RiskRow
from app.scoring import Assessment, Matrix

#: Direction of travel (the movement group) as an arrow and a word, in every format.
DIRECTION_ARROWS = {"new": "★", "up": "↑", "down": "↓", "unchanged": "→", "closed": "✕"}
DIRECTION_WORDS = {
    "new": "New",
    "closed": "Closed",
    "first_assessed": "First assessed",
    "up": "Up",
    "down": "Down",
    "unchanged": "Unchanged",
    "not_assessed": "Not assessed",
}

#: Order of the movement groups in the six-monthly report, with their headings.
MOVEMENT_ORDER = DIRECTIONS
MOVEMENT_HEADINGS = {
    "new": "New risks (opened or reopened in the period)",
    "closed": "Closed risks (with their last position before closing)",
    "first_assessed": "Risks first assessed in the period",
    "up": "Risks whose score went up",
    "down": "Risks whose score went down",
    "unchanged": "Risks with an unchanged score",
    "not_assessed": "Risks not assessed",
}

#: Why a risk is an exception, as a committee reads it.
EXCEPTION_WORDS = {
    "no_owner": "no owner",
    "no_response": "no response",
    "no_controls": "no control measures",
    "no_open_action": "treat risk with no open action",
    "above_appetite": "above appetite",
    "not_assessed": "not assessed",
}

#: What the six-monthly report's actions table holds.
ACTIONS_NOTE = (
    "Every action recorded against a risk open on the report date, with its owner, due date and "
    "status then; an action is overdue when it is neither done nor cancelled and its due date has passed."
)

#: What the report says while the council has no risk appetite statement.
NO_APPETITE = "No risk appetite statement is recorded, so no risk is measured against one."


#: An escalation decision as a committee reads it.
ESCALATION_WORDS = {"escalate": "Escalated", "de-escalate": "De-escalated"}


def appetite_basis(appetite: AppetiteBasis | None) -> str:
    """'Appetite: statement version 2, approved by Cabinet on 1 April 2026', or NO_APPETITE."""
    if appetite is None:
        return NO_APPETITE
    return (
        f"Appetite: statement version {appetite.version}, approved by {appetite.approved_by} "
        f"on {format_long_day(appetite.approved_on)}"
    )


def above_appetite_line(appetite: AppetiteBasis | None, risks: list[RiskRow]) -> str:
    """Which refs of a heat map lie above appetite, and the statement version that says so."""
    if appetite is None:
        return NO_APPETITE
    return appetite_refs_line(appetite.version, [r.ref for r in risks if r.above_appetite])


def appetite_refs_line(version: int | None, refs: Sequence[str], limit: int | None = None) -> str:
    """'Above appetite (statement version 2): CP01, CP03.', 'No risk is above appetite
    (statement version 2).', or NO_APPETITE (no version: no statement in force). With `limit`
    (characters), as many refs as fit and then '+N more'."""
    if version is None:
        return NO_APPETITE
    if not refs:
        return f"No risk is above appetite (statement version {version})."
    head = f"Above appetite (statement version {version}): "
    shown = len(refs)
    line = f"{head}{', '.join(refs)}."
    while limit is not None and len(line) > limit and shown > 1:
        shown -= 1
        line = f"{head}{', '.join(refs[:shown])} +{len(refs) - shown} more."
    return line


def appetite_word(above: bool | None) -> str:
    """'Above', 'Within', or '' (no statement, category or score)."""
    return {True: "Above", False: "Within", None: ""}[above]


#: How a rating kept as a legacy plan published it is described, after its band and score.
PUBLISHED_WITHOUT = "published without likelihood and impact"


def describe_assessment(value: Assessment | None) -> str:
    """'Low (4), published without likelihood and impact' for a published rating; 'Medium (6):
    likelihood 3 x impact 2' for a scored one; 'Not assessed' for none."""
    if value is None:
        return "Not assessed"
    if value.published:
        return f"{value.band} ({value.score}), {PUBLISHED_WITHOUT}"
    return f"{value.band} ({value.score}): likelihood {value.likelihood} x impact {value.impact}"


def short_assessment(value: Assessment) -> str:
    """An assessment in one table cell: 'High 9', or for a rating kept as a plan published it
    'Low (4), published without likelihood and impact' (every report says so)."""
    return describe_assessment(value) if value.published else f"{value.band} {value.score}"


def band_words(value: str | Assessment) -> str:
    """What a band cell says: the band's name, or, given a rating kept as published (the band
    cell of an assessment shown without its likelihood, columns.published_value), 'Low (4),
    published without likelihood and impact'."""
    return short_assessment(value) if isinstance(value, Assessment) else value


def band_name(value: str | Assessment) -> str:
    """The band a band cell is coloured by (the published rating's band)."""
    return value.band if isinstance(value, Assessment) else value


def direction_label(direction: str) -> str:
    """The direction of travel as text with its arrow, e.g. '↑ Up'."""
    arrow, word = direction_parts(direction)
    return f"{arrow} {word}" if arrow else word


def direction_parts(direction: str) -> tuple[str, str]:
    """The arrow (may be empty) and the word of a direction of travel: ('↑', 'Up')."""
    return DIRECTION_ARROWS.get(direction, ""), DIRECTION_WORDS.get(direction, direction.capitalize())


def worst_bands_heading(matrix: Matrix) -> str:
    """'High and Very High': the names of the two worst bands (the one band if only one)."""
    return " and ".join(b.name for b in matrix.bands[-2:])


def review_scope(report: ReviewReport) -> str:
    """'All services', or the one service the report covers."""
    if report.service_code is None:
        return "All services"
    names = {s.service_name for s in report.summaries if s.service_code == report.service_code}
    return f"{names.pop()} ({report.service_code})" if len(names) == 1 else report.service_code


def format_day(value: date | None) -> str:
    """'30 September 2025' (empty for None): the one way reports write a date."""
    return "" if value is None else format_long_day(value)


def format_long_day(value: date) -> str:
    """'30 September 2025'."""
    return f"{value.day} {value:%B %Y}"


def format_moment(value: datetime) -> str:
    """'1 October 2025 at 10:30 BST': UK local time (a time without a zone is taken as UTC)."""
    local = (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).astimezone(COUNCIL_ZONE)
    return f"{format_long_day(local.date())} at {local:%H:%M} {local.tzname()}"


def produced(report: ReviewReport) -> str:
    """When the report was produced and the audit trail's head then, so the paper can be checked."""
    line = f"Produced {format_moment(report.generated_at)}"
    if report.audit_entries is not None:
        line += f" · audit trail: {report.audit_entries:,} entries, head {report.audit_hash}"
    return line


def report_date_line(report: ReviewReport) -> str:
    """'Report date: 30 September 2026', or for the current period '... (to date)'."""
    line = f"Report date: {format_long_day(report.report_date)}"
    return line + " (to date: the period has not ended)" if report.to_date else line


def running_head(report: ReviewReport) -> str:
    """The period at the top of each page; for the current period, to the report date only."""
    if report.to_date:
        return f"{format_long_day(report.start)} to date ({format_long_day(report.report_date)})"
    return f"{format_long_day(report.start)} to {format_long_day(report.end)} ({report.period_label})"


def period_line(report: ReviewReport) -> str:
    """'Period: 1 April 2025 to 30 September 2025 (2025/26-H1)'."""
    return f"Period: {format_long_day(report.start)} to {format_long_day(report.end)} ({report.period_label})"


def heatmap_coverage(cells: HeatmapCells, open_risks: int) -> str:
    """'Shows 14 of 20 open risks; 6 have no inherent assessment.', and how many ratings were
    published without likelihood and impact (counted in their band, in no cell)."""
    shown = sum(len(refs) for refs in cells.cells.values())
    line = f"Shows {shown} of {open_risks} open risk{'' if open_risks == 1 else 's'}"
    missing = open_risks - shown - cells.published
    notes = []
    if cells.published:
        were = "was" if cells.published == 1 else "were"
        notes.append(f"{cells.published} {were} {PUBLISHED_WITHOUT}, so sit in no cell")
    if missing:
        verb = "has" if missing == 1 else "have"
        notes.append(f"{missing} {verb} no {cells.basis} assessment")
    return f"{line}; {'; '.join(notes)}." if notes else f"{line}."


def exception_words(reasons: tuple[str, ...]) -> str:
    """'no control measures; treat risk with no open action'."""
    return "; ".join(EXCEPTION_WORDS.get(r, r) for r in reasons)


def register_basis(report: RegisterReport) -> list[str]:
    """What a register stands on: the service, the day, when it was produced, the matrix."""
    count = len(report.risks)
    return [
        f"Service: {report.service_name} ({report.service_code}) · open risks as at "
        f"{format_long_day(report.as_of)} · {count} risk{'' if count == 1 else 's'}",
        f"Produced {format_moment(report.generated_at)} · matrix: {report.matrix.name}",
        appetite_basis(report.appetite),
    ]


def summary_lines(report: ReviewReport) -> list[tuple[str, int]]:
    """The counts of the summary beside the bands, each with what it counts."""
    summary = report.summary
    worst = report.matrix.bands[-1].name
    movement = [(DIRECTION_WORDS[d], summary.movement[d]) for d in DIRECTIONS]
    return [
        *movement,
        ("Reviewed in the period", summary.reviewed),
        ("Not reviewed in the period", summary.not_reviewed),
        ("Overdue for review", summary.overdue),
        ("Above appetite", summary.above_appetite),
        (f"Long-standing {worst}", summary.long_standing_very_high),
        ("Exceptions", summary.exceptions),
    ]


def movement_basis(report: ReviewReport) -> str:
    """How the movement groups are made, in the report's own dates."""
    before = report.start.toordinal() - 1
    start = format_long_day(date.fromordinal(before))
    return (
        "Every risk open at any time in the period is in exactly one group. A risk's position on a "
        "day is its latest review effective on or before that day; the start position is the "
        f"position on {start}, compared with the position on {format_long_day(report.report_date)}."
    )
