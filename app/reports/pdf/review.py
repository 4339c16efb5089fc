"""The PDF six-monthly review: heat map, counts by band, movement, the worst risks, those not
reviewed, and the register of every service covered."""

from __future__ import annotations

from app.reports import columns as risk_columns
from app.reports.pdf.canvas import HEAD, Canvas, Cell, GridColumn, Row
from app.reports.pdf.cells import risk_table
from app.reports.pdf.fonts import drawable
from app.reports.pdf.register import heatmap_section, register_table
from app.reports.pdf.tagging import collector_paused
from app.reports.rows import ReviewReport
from app.reports.words import (
    MOVEMENT_HEADINGS,
    MOVEMENT_ORDER,
    format_long_day,
    produced,
    review_scope,
    worst_bands_heading,
)


@collector_paused()
def render_review_pdf(report: ReviewReport, heatmap_png: bytes | None = None) -> bytes:
    """The six-monthly review report as PDF bytes."""
    period = f"{format_long_day(report.start)} to {format_long_day(report.end)} ({report.period_label})"
    doc = Canvas(report.title, period)
    doc.add_page()
    doc.title_block(
        report.title,
        [
            f"Period: {period}",
            f"Scope: {review_scope(report)} · {report.matrix.name}",
            produced(report),
        ],
    )
    doc.heading("Heat map at the end of the period")
    doc.paragraph(f"Residual risk of every open risk on {format_long_day(report.end)}.")
    heatmap_section(doc, report.matrix, report.heatmap, heatmap_png)
    doc.add_page()
    doc.heading("Risks by band and service")
    summary_table(doc, report)
    doc.heading("Movement in the period")
    doc.paragraph("Residual score at the end of the period compared with the start.")
    for direction in MOVEMENT_ORDER:
        movement_table(doc, report, direction)
    worst = worst_bands_heading(report.matrix)
    doc.heading(f"{worst} risks ({len(report.high_risks)})")
    if report.high_risks:
        risk_table(doc, report.matrix, risk_columns.HIGH_RISKS, report.high_risks)
    else:
        doc.paragraph(f"No {worst} risks at the end of the period.")
    doc.heading(f"Risks not reviewed in the period ({len(report.not_reviewed)})")
    if report.not_reviewed:
        risk_table(doc, report.matrix, risk_columns.NOT_REVIEWED, report.not_reviewed)
    else:
        doc.paragraph("Every open risk was reviewed in the period.")
    for index, register in enumerate(report.registers):
        doc.section = drawable(f"Register: {register.service_name} ({register.service_code})")
        doc.add_page()
        if index == 0:
            doc.heading("Service registers")
        doc.heading(f"{register.service_name} ({register.service_code})", level=1)
        register_table(doc, register)
    return doc.finish(report.generated_at)


def summary_table(canvas: Canvas, report: ReviewReport) -> None:
    """Counts of open risks by band per service, with a total row."""
    bands = report.matrix.bands
    columns = [GridColumn("Service", 70)]
    columns += [GridColumn(b.name, 24, "R") for b in bands]
    columns += [GridColumn("Unassessed", 24, "R"), GridColumn("Total", 20, "R")]
    header_fills = [None] + [b.colour for b in bands] + [None, None]
    rows: list[Row] = []
    for s in report.summaries:
        counts = [str(s.counts_by_band.get(b.name, 0)) for b in bands]
        rows.append([s.service_name, *counts, str(s.unassessed), str(s.total)])
    total_label = "Council total" if report.service_code is None else "Total"
    totals = [str(sum(s.counts_by_band.get(b.name, 0) for s in report.summaries)) for b in bands]
    unassessed = str(sum(s.unassessed for s in report.summaries))
    total = str(sum(s.total for s in report.summaries))
    rows.append([Cell(t, fill=HEAD, bold=True) for t in (total_label, *totals, unassessed, total)])
    canvas.grid(
        columns,
        rows,
        caption=f"Open risks by residual band at {format_long_day(report.end)}",
        header_fills=header_fills,
        row_headers=True,
    )


def movement_table(canvas: Canvas, report: ReviewReport, direction: str) -> None:
    """One movement group: previous and current score and band of each risk."""
    moves = report.movements.get(direction, [])
    canvas.heading(f"{MOVEMENT_HEADINGS[direction]} ({len(moves)})", level=1)
    if not moves:
        canvas.paragraph("None.")
        return
    risk_table(canvas, report.matrix, risk_columns.MOVEMENT, moves)
