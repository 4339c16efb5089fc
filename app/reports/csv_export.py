"""CSV exports of a service's register: one row per risk, or (the actions export) one per action.

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
from collections.abc import Sequence
from datetime import date
from typing import Any

from app.reports import columns as risk_columns
from app.reports.columns import Column, action_lines, columns_for
from app.reports.printable import printable
from app.reports.rows import RegisterReport, RiskRow
from app.reports.words import band_words

#: The columns of the register CSV, in order.
CSV_COLUMNS = tuple(c.heading("csv") for c in columns_for(risk_columns.REGISTER, "csv"))

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def render_register_csv(report: RegisterReport) -> str:
    """The register as CSV text (header row first); formula-like cells start with a quote."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    shown = columns_for(risk_columns.REGISTER, "csv")
    writer.writerow(c.heading("csv") for c in shown)
    for risk in report.risks:
        writer.writerow([_cell(c, c.value(risk)) for c in shown])
    return out.getvalue()


#: The columns of the actions CSV, in order.
ACTION_CSV_COLUMNS = tuple(c.heading("csv") for c in columns_for(risk_columns.ACTIONS, "csv"))


def render_actions_csv(report: RegisterReport) -> str:
    """The actions of the register's risks as CSV text (header row first), one row per action."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    shown = columns_for(risk_columns.ACTIONS, "csv")
    writer.writerow(c.heading("csv") for c in shown)
    for line in action_lines(report.risks):
        writer.writerow([_cell(c, c.value(line)) for c in shown])
    return out.getvalue()


def csv_row(risk: RiskRow) -> list[str]:
    """One risk as the CSV cells of `CSV_COLUMNS`: dates ISO, missing values empty."""
    return [_cell(c, c.value(risk)) for c in columns_for(risk_columns.REGISTER, "csv")]


def _cell(column: Column[Any], value: Any) -> str:
    """A value as CSV text: words as stored (`treat`, `up`), `yes`/`no` for a flag."""
    if value is None:
        return ""
    if column.kind == "ref":
        return _text(value.ref)
    if column.kind == "controls":
        return _text("; ".join(value))
    if column.kind == "number":
        return str(value)
    if column.kind == "day":
        return _day(value)
    if column.kind == "due":
        return _day(value.day)
    if column.kind == "flag":
        return "yes" if value else "no"
    if column.kind == "band":
        return _text(band_words(value))
    return _text(value)


def neutralise(text: str) -> str:
    """`text` with a leading single quote when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _text(value: str) -> str:
    # Cleaning first: a NUL or other control character could hide a leading '='.
    return neutralise(printable(value))


def _day(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def render_rows_csv(columns: tuple[Column[Any], ...], rows: Sequence[Any]) -> str:
    """Any report table (its columns, see columns.py) as CSV text, header row first."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    shown = columns_for(columns, "csv")
    writer.writerow(c.heading("csv") for c in shown)
    for row in rows:
        writer.writerow([_cell(c, c.value(row)) for c in shown])
    return out.getvalue()
