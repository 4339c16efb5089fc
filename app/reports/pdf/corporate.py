"""The PDF corporate register: its heat map beside a table of the same counts, then the
escalated risks, tagged like every riskreg PDF (PDF/UA)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.reports.pdf.canvas import Canvas
from app.reports.pdf.cells import risk_table
from app.reports.pdf.register import heatmap_section
from app.reports.pdf.tagging import collector_paused
from app.reports.words import above_appetite_line, format_day, heatmap_coverage

if TYPE_CHECKING:
    from app.reports.corporate import CorporateReport


@collector_paused()
def render_corporate_pdf(report: CorporateReport, heatmap_png: bytes | None = None) -> bytes:
    """The corporate register as PDF bytes."""
    from app.reports.corporate import CORPORATE, basis_lines, direction_basis

    title = "Corporate risk register"
    doc = Canvas(title, f"As at {format_day(report.as_of)}")
    doc.add_page()
    doc.title_block(title, basis_lines(report))
    doc.heading("Heat map of the escalated risks")
    doc.paragraph(heatmap_coverage(report.heatmap, len(report.open_risks)))
    heatmap_section(doc, report.matrix, report.heatmap, heatmap_png)
    doc.paragraph(above_appetite_line(report.appetite, report.open_risks))
    doc.add_page()
    doc.heading("Escalated risks")
    doc.paragraph(
        "Residual assessment: L likelihood, I impact, score = L \u00d7 I. "
        f"{direction_basis(report)} Appetite: the residual score against its category's limit.",
        size=8,
    )
    if report.rows:
        risk_table(doc, report.matrix, CORPORATE, report.rows, caption="Corporate risk register")
    else:
        doc.paragraph("No risk is escalated.")
    return doc.finish(report.generated_at)
