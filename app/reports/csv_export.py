"""CSV export of a service's register: one header row, one row per risk.

Formula injection is neutralised the way OWASP advises ("CSV Injection"): any cell
whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
single quote, so a spreadsheet shows it as text instead of evaluating it (a title such
as `=HYPERLINK(...)` or `@SUM(A1)` arrives as `'=HYPERLINK(...)`). Numbers and dates
are written as they are. The csv module quotes embedded commas, quotes and newlines,
so every row reads back intact with `csv.reader`.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from app.reports.printable import printable
from app.reports.rows import AssessmentRow, RegisterReport, RiskRow

#: The columns of the register CSV, in order.
CSV_COLUMNS = (
    "service_code",
    "service",
    "ref",
    "aliases",
    "title",
    "consequence",
    "controls",
    "response",
    "owner",
    "status",
    "residual_likelihood",
    "residual_impact",
    "residual_score",
    "residual_band",
    "inherent_likelihood",
    "inherent_impact",
    "inherent_score",
    "inherent_band",
    "target_likelihood",
    "target_impact",
    "target_score",
    "target_band",
    "last_reviewed_on",
    "next_review_due",
    "overdue",
    "direction",
)

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def render_register_csv(report: RegisterReport) -> str:
    """The register as CSV text (header row first); formula-like cells start with a quote."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for risk in report.risks:
        writer.writerow(csv_row(risk))
    return out.getvalue()


def csv_row(risk: RiskRow) -> list[str]:
    """One risk as the CSV cells of `CSV_COLUMNS`: dates ISO, missing values empty."""
    return [
        _text(risk.service_code),
        _text(risk.service_name),
        _text(risk.ref),
        _text(" ".join(risk.aliases)),
        _text(risk.title),
        _text(risk.consequence),
        _text("; ".join(risk.controls)),
        _text(risk.response),
        _text(risk.owner),
        _text(risk.status),
        *_assessment(risk.residual),
        *_assessment(risk.inherent),
        *_assessment(risk.target),
        _day(risk.last_reviewed_on),
        _day(risk.next_review_due),
        "yes" if risk.overdue else "no",
        _text(risk.direction),
    ]


def neutralise(text: str) -> str:
    """`text` with a leading single quote when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _text(value: str) -> str:
    # Cleaning first: a NUL or other control character could hide a leading '='.
    return neutralise(printable(value))


def _assessment(a: AssessmentRow | None) -> list[str]:
    if a is None:
        return ["", "", "", ""]
    return [str(a.likelihood), str(a.impact), str(a.score), _text(a.band)]


def _day(value: date | None) -> str:
    return "" if value is None else value.isoformat()
