"""The words and dates every report prints the same way, in HTML, PDF, XLSX and CSV.

Direction of travel as a word with an arrow, the movement groups of the six-monthly
report and their headings, the heading of the worst bands, the scope of a review, and
the date formats.
"""

from __future__ import annotations

from datetime import date, datetime

from app.reports.rows import ReviewReport
from app.scoring import Assessment, Matrix

#: Direction of travel as an arrow and a word, in every format.
DIRECTION_ARROWS = {"new": "★", "up": "↑", "down": "↓", "unchanged": "→", "closed": "✕"}
DIRECTION_WORDS = {"new": "New", "up": "Up", "down": "Down", "unchanged": "Unchanged", "closed": "Closed"}

#: Order of the movement groups in the six-monthly report, with their headings.
MOVEMENT_ORDER = ("new", "closed", "up", "down", "unchanged")
MOVEMENT_HEADINGS = {
    "new": "New risks",
    "closed": "Closed risks",
    "up": "Risks whose score went up",
    "down": "Risks whose score went down",
    "unchanged": "Risks with an unchanged score",
}


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
    """'30 Sep 2025' (empty for None)."""
    return "" if value is None else f"{value.day} {value:%b %Y}"


def format_long_day(value: date) -> str:
    """'30 September 2025'."""
    return f"{value.day} {value:%B %Y}"


def format_moment(value: datetime) -> str:
    """'1 Oct 2025 09:30', with the zone when the time carries one."""
    zone = f" {value.tzname()}" if value.tzinfo is not None else ""
    return f"{value.day} {value:%b %Y %H:%M}{zone}"


def produced(report: ReviewReport) -> str:
    """When the report was produced and the audit trail's head then, so the paper can be checked."""
    line = f"Generated {format_moment(report.generated_at)}"
    if report.audit_entries is not None:
        line += f" · audit trail: {report.audit_entries:,} entries, head {report.audit_hash}"
    return line
