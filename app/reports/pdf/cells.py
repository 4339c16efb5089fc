"""How each kind of report value is drawn in a PDF table, and a table of report columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from app.reports.columns import Column, Due, Published, Ref, cells_of_row, column_runs, columns_for
from app.reports.pdf.canvas import Canvas, Cell, GridColumn, Row, band_cell
from app.reports.rows import AssessmentRow
from app.reports.words import direction_label, format_day, short_assessment
from app.scoring import Matrix

R = TypeVar("R")


def risk_table(
    canvas: Canvas,
    matrix: Matrix,
    columns: tuple[Column[R], ...],
    rows: Sequence[R],
    *,
    caption: str | None = None,
) -> None:
    """The PDF's table of `columns` (see app/reports/columns.py), one line of cells per row."""
    shown = columns_for(columns, "pdf")
    grid = [GridColumn(c.heading("pdf"), c.pdf_width, "C" if c.kind == "number" else "L") for c in shown]
    runs = column_runs(shown)
    cells: list[Row] = [[_cell(matrix, c, value) for c, value in cells_of_row(runs, row)] for row in rows]
    canvas.grid(grid, cells, caption=caption, row_headers=shown[0].kind == "ref")


def _cell(matrix: Matrix, column: Column[Any], value: Any) -> str | Cell:
    if isinstance(value, Published):  # across the columns of the rating's parts
        filled = band_cell(matrix, value.value.band)
        return Cell(value.text, fill=filled.fill, bold=filled.bold, span=value.span)
    kind = column.kind
    if kind == "ref":
        return Cell(ref_text(value), bold=True)
    if kind == "controls":
        return controls_text(value)
    if kind == "word":
        return str(value).replace("_", " ").capitalize()
    if kind == "band":
        return band_cell(matrix, value, column.empty)
    if kind == "due":
        return due_cell(value)
    if kind == "direction":
        return direction_label(value)
    if kind == "day":
        return format_day(value) or column.empty
    if kind == "assessment":
        return assessment_cell(matrix, value, column.empty)
    if value is None:
        return column.empty
    return str(value)


def assessment_cell(matrix: Matrix, value: AssessmentRow | None, empty: str) -> str | Cell:
    """'High 9' in the band's colour, or `empty` for no assessment."""
    if value is None:
        return empty
    filled = band_cell(matrix, value.band, empty)
    return Cell(short_assessment(value), fill=filled.fill, bold=filled.bold)


def ref_text(ref: Ref) -> str:
    """The ref, then its aliases in brackets and "Closed", one to a line."""
    parts = [ref.ref]
    if ref.aliases:
        parts.append("(" + ", ".join(ref.aliases) + ")")
    if ref.closed:
        parts.append("Closed")
    return "\n".join(parts)


def controls_text(controls: tuple[str, ...]) -> str:
    """The control measures as a bulleted list, or "None recorded"."""
    return "\n".join(f"• {c}" for c in controls) if controls else "None recorded"


def due_cell(due: Due) -> Cell:
    """The next review date, in bold under "Overdue" when it has passed."""
    day = format_day(due.day)
    if due.overdue:
        return Cell(f"Overdue\n{day}".strip(), bold=True)
    return Cell(day)
