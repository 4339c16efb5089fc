"""The PDF six-monthly review, in DOMAIN.md's order: its basis, the summary with the exceptions,
the heat maps (inherent beside residual), the worst risks in full with their actions, the
movement groups, the long-standing, not reviewed and overdue lists, and each service's register."""

from __future__ import annotations

import io

from app.reports import columns as risk_columns
from app.reports.columns import report_actions
from app.reports.heatmap import heatmap_description
from app.reports.pdf.canvas import HEAD, MARGIN, Canvas, Cell, GridColumn, Row
from app.reports.pdf.cells import risk_table
from app.reports.pdf.fonts import drawable
from app.reports.pdf.register import heatmap_table, register_table
from app.reports.pdf.tagging import collector_paused
from app.reports.rows import NOT_ASSESSED, ReviewReport
from app.reports.words import (
    ACTIONS_NOTE,
    MOVEMENT_HEADINGS,
    MOVEMENT_ORDER,
    above_appetite_line,
    appetite_basis,
    format_long_day,
    heatmap_coverage,
    movement_basis,
    period_line,
    produced,
    report_date_line,
    review_scope,
    running_head,
    summary_lines,
    worst_bands_heading,
)


@collector_paused()
def render_review_pdf(report: ReviewReport, heatmaps_png: bytes | None = None) -> bytes:
    """The six-monthly review report as PDF bytes; `heatmaps_png` draws inherent beside residual."""
    doc = Canvas(report.title, running_head(report))
    doc.add_page()
    doc.title_block(
        report.title,
        [
            period_line(report),
            report_date_line(report),
            f"Scope: {review_scope(report)} · matrix: {report.matrix.name}",
            appetite_basis(report.appetite),
            produced(report),
        ],
    )
    doc.heading("Summary")
    summary_tables(doc, report)
    doc.paragraph(appetite_basis(report.appetite))
    doc.heading(f"Exceptions ({len(report.exceptions)})", level=1)
    if report.exceptions:
        risk_table(doc, report.matrix, risk_columns.EXCEPTIONS, report.exceptions)
    else:
        doc.paragraph("No exceptions.")
    doc.add_page()
    heatmaps(doc, report, heatmaps_png)
    doc.heading("Risks by band and service")
    service_table(doc, report)
    worst = worst_bands_heading(report.matrix)
    doc.heading(f"{worst} risks in full ({len(report.high_risks)})")
    if report.high_risks:
        risk_table(doc, report.matrix, risk_columns.HIGH_RISKS, report.high_risks)
    else:
        doc.paragraph(f"No {worst} risks on {format_long_day(report.report_date)}.")
    lines = report_actions(report)
    doc.heading(f"Actions ({len(lines)})")
    if lines:
        doc.paragraph(ACTIONS_NOTE)
        risk_table(doc, report.matrix, risk_columns.ACTIONS, lines)
    else:
        doc.paragraph("No actions are recorded against the open risks.")
    doc.heading("Movement in the period")
    doc.paragraph(movement_basis(report))
    for direction in MOVEMENT_ORDER:
        movement_table(doc, report, direction)
    lists = (
        (f"Long-standing {report.matrix.bands[-1].name} risks", report.long_standing),
        ("Risks not reviewed in the period", report.not_reviewed),
        ("Risks overdue for review", report.overdue),
        ("Risks above appetite", report.above_appetite),
    )
    for heading, rows in lists:
        doc.heading(f"{heading} ({len(rows)})")
        if rows:
            risk_table(doc, report.matrix, risk_columns.NOT_REVIEWED, rows)
        else:
            doc.paragraph("None.")
    doc.heading(f"Escalations and de-escalations ({len(report.escalations)})")
    if report.escalations:
        risk_table(doc, report.matrix, risk_columns.ESCALATIONS, report.escalations)
    else:
        doc.paragraph("No escalation or de-escalation was decided in the period.")
    for index, register in enumerate(report.registers):
        doc.section = drawable(f"Register: {register.service_name} ({register.service_code})")
        doc.add_page()
        if index == 0:
            doc.heading("Service registers")
        doc.heading(f"{register.service_name} ({register.service_code})", level=1)
        register_table(doc, register)
    return doc.finish(report.generated_at)


def summary_tables(canvas: Canvas, report: ReviewReport) -> None:
    """Open risks by band now beside the end of the previous period, and the counts of every list."""
    summary = report.summary
    top = canvas.y
    previous = format_long_day(report.previous_end) if report.previous_end else "the previous period"
    bands = [(b.name, b.colour) for b in report.matrix.bands] + [(NOT_ASSESSED, None)]
    rows: list[Row] = [
        [
            Cell(name, fill=colour, bold=True),
            str(summary.previous_bands.get(name, 0)),
            str(summary.bands[name]),
        ]
        for name, colour in bands
    ]
    totals = (sum(summary.previous_bands.values()), sum(summary.bands.values()))
    rows.append([Cell(t, fill=HEAD, bold=True) for t in ("Open risks", *(str(n) for n in totals))])
    canvas.grid(
        [
            GridColumn("Band", 40),
            GridColumn(previous, 40, "R"),
            GridColumn(format_long_day(report.report_date), 40, "R"),
        ],
        rows,
        caption="Open risks by residual band",
        size=8.5,
        row_headers=True,
    )
    left_bottom = canvas.y
    canvas.set_y(top)
    counts: list[Row] = [[Cell(label, bold=True), str(count)] for label, count in summary_lines(report)]
    canvas.grid(
        [GridColumn("In the period", 90), GridColumn("Risks", 25, "R")],
        counts,
        x=MARGIN + 140,
        caption="Movement, reviews and lists",
        size=8.5,
        row_headers=True,
    )
    canvas.set_y(max(canvas.y, left_bottom))


def heatmaps(canvas: Canvas, report: ReviewReport, png: bytes | None) -> None:
    """Inherent beside residual on the report date, each saying how many open risks it shows."""
    day = format_long_day(report.report_date)
    open_count = len(report.open_risks)
    canvas.heading(f"Heat maps: open risks on {day}")
    canvas.paragraph(f"Inherent (before controls): {heatmap_coverage(report.inherent_heatmap, open_count)}")
    canvas.paragraph(f"Residual (after controls): {heatmap_coverage(report.heatmap, open_count)}")
    if png:
        width = 200.0
        description = (
            f"{heatmap_description(report.matrix, report.inherent_heatmap)} "
            f"{heatmap_description(report.matrix, report.heatmap)}"
        )
        info = canvas.image(io.BytesIO(png), x=MARGIN + 38, y=canvas.y, w=width, alt_text=description)
        canvas.set_y(canvas.y + info.rendered_height + 3)
    top = canvas.y
    span = 136.0
    heatmap_table(
        canvas,
        report.matrix,
        report.inherent_heatmap,
        x=MARGIN,
        span=span,
        caption="Inherent heat map as a table",
        pair=True,
    )
    left_bottom = canvas.y
    canvas.set_y(top)
    heatmap_table(
        canvas,
        report.matrix,
        report.heatmap,
        x=MARGIN + span + 5,
        span=span,
        caption="Residual heat map as a table",
        pair=True,
    )
    canvas.set_y(max(canvas.y, left_bottom))
    canvas.paragraph(above_appetite_line(report.appetite, report.open_risks))


def service_table(canvas: Canvas, report: ReviewReport) -> None:
    """Counts of open risks by band per service, with a total row."""
    bands = report.matrix.bands
    columns = [GridColumn("Service", 70)]
    columns += [GridColumn(b.name, 24, "R") for b in bands]
    columns += [GridColumn(NOT_ASSESSED, 24, "R"), GridColumn("Total", 20, "R")]
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
        caption=f"Open risks by residual band on {format_long_day(report.report_date)}",
        header_fills=header_fills,
        row_headers=True,
    )


def movement_table(canvas: Canvas, report: ReviewReport, direction: str) -> None:
    """One movement group: the position at the start and on the report date of each risk."""
    moves = report.movements.get(direction, [])
    canvas.heading(f"{MOVEMENT_HEADINGS[direction]} ({len(moves)})", level=1)
    if not moves:
        canvas.paragraph("None.")
        return
    risk_table(canvas, report.matrix, risk_columns.MOVEMENT, moves)
