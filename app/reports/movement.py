"""The six-monthly report's rules (DOMAIN.md), apart from the reads: the movement group of a
risk, what makes it an exception, and its band on a day the report compares."""

from __future__ import annotations

from app.reports.rows import RiskRow
from app.risks import listing


def movement_group(end: listing.RiskRow, start: listing.RiskRow | None) -> str:
    """The movement group of a risk open at some time in a period (DOMAIN.md), from the risk on
    the report date and on the day before the period (None: not yet opened then)."""
    if end.status == "closed":
        return "closed"
    if start is None or start.status == "closed":
        return "new"  # opened in the period, or reopened in it after a closure
    if end.residual is None:
        return "not_assessed"
    if start.residual is None:
        return "first_assessed"
    if end.residual.score == start.residual.score:
        return "unchanged"
    return "up" if end.residual.score > start.residual.score else "down"


def exception_reasons(row: RiskRow, worst_two: set[str]) -> tuple[str, ...]:
    """Why an open risk is an exception for committee on the report date (none: it is not)."""
    reasons: list[str] = []
    if row.residual is None:
        return ("not_assessed",)
    if row.residual.band in worst_two:
        if not row.owner.strip():
            reasons.append("no_owner")
        if not row.response:
            reasons.append("no_response")
        if not row.controls:
            reasons.append("no_controls")
        if row.response == "treat" and not any(a.open for a in row.actions):
            reasons.append("no_open_action")
    if row.above_appetite:
        reasons.append("above_appetite")
    return tuple(reasons)


def band_then(row: listing.RiskRow | None) -> str | None:
    """The residual band of a risk open on the day read (None: not open, or not assessed)."""
    if row is None or row.status != "open" or row.residual is None:
        return None
    return row.residual.band
