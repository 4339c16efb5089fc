"""The PDF corporate register: its heat map beside a table of the same counts, then the
escalated risks, tagged like every riskreg PDF (PDF/UA)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.reports.pdf.canvas import Canvas
from app.reports.pdf.cells import risk_table
from app.reports.pdf.register import heatmap_section
from app.reports.pdf.tagging import collector_paused
from app.reports.words import format_day, format_long_day, format_moment

if TYPE_CHECKING:
    from app.reports.corporate import CorporateReport


@collector_paused()
def render_corporate_pdf(report: CorporateReport, heatmap_png: bytes | None = None) -> bytes:
    """The corporate register as PDF bytes."""
    from app.reports.corporate import CORPORATE

    title = "Corporate risk register"
    doc = Canvas(title, f"As at {format_day(report.as_of)}")
    doc.add_page()
    appetite = (
        f"appetite statement version {report.appetite_version}"
        if report.appetite_version
        else "no appetite statement in force"
    )
    doc.title_block(
        title,
        [
            f"Risks escalated by the services, as at {format_long_day(report.as_of)}",
            f"Generated {format_moment(report.generated_at)} · {len(report.rows)} risks from "
            f"{report.services} services · {report.matrix.name} · {appetite}",
        ],
    )
    doc.heading("Heat map of the escalated risks")
    heatmap_section(doc, report.matrix, report.heatmap, heatmap_png)
    doc.add_page()
    doc.heading("Escalated risks")
    doc.paragraph(
        "Residual assessment: L likelihood, I impact, score = L \u00d7 I. Direction of travel since the "
        "start of the financial half; appetite: the residual score against its category's limit.",
        size=8,
    )
    if report.rows:
        risk_table(doc, report.matrix, CORPORATE, report.rows, caption="Corporate risk register")
    else:
        doc.paragraph("No risk is escalated.")
    return doc.finish(report.generated_at)
