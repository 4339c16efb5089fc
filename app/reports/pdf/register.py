"""The PDF register of one service: its heat map beside a table of the same counts, then the register."""

from __future__ import annotations

import io

from app.reports import columns as risk_columns
from app.reports.heatmap import heatmap_description
from app.reports.pdf.canvas import MARGIN, Canvas, Cell, GridColumn, Row
from app.reports.pdf.cells import risk_table
from app.reports.pdf.tagging import collector_paused
from app.reports.rows import HeatmapCells, RegisterReport
from app.reports.words import format_day, format_long_day, format_moment
from app.scoring import Matrix


@collector_paused()
def render_register_pdf(report: RegisterReport, heatmap_png: bytes | None = None) -> bytes:
    """The residual-risk register of one service as PDF bytes."""
    title = f"Risk register: {report.service_name}"
    doc = Canvas(title, f"As at {format_day(report.as_of)}")
    doc.add_page()
    doc.title_block(
        title,
        [
            f"Residual risks as at {format_long_day(report.as_of)} · service code {report.service_code}",
            f"Generated {format_moment(report.generated_at)} · {len(report.risks)} risks · "
            f"{report.matrix.name}",
        ],
    )
    doc.heading("Heat map of residual risk")
    heatmap_section(doc, report.matrix, report.heatmap, heatmap_png)
    doc.add_page()
    doc.heading("Register")
    register_table(doc, report)
    return doc.finish(report.generated_at)


def heatmap_section(canvas: Canvas, matrix: Matrix, cells: HeatmapCells, png: bytes | None) -> None:
    """The heat map picture beside its text alternative, a table of the same counts."""
    top = canvas.y
    table_x = MARGIN
    picture_bottom = top
    if png:
        width = 128.0
        description = heatmap_description(matrix, cells)
        info = canvas.image(io.BytesIO(png), x=MARGIN, y=top, w=width, alt_text=description)
        picture_bottom = top + info.rendered_height
        table_x = MARGIN + width + 8
    canvas.set_y(top)
    span = 297 - MARGIN - table_x
    first = 34.0
    other = min(30.0, (span - first) / len(matrix.impact))
    columns = [GridColumn("Likelihood / Impact", first)]
    columns += [GridColumn(f"{lv.label} ({lv.score})", other, "C") for lv in matrix.impact]
    rows: list[Row] = []
    for lv in reversed(matrix.likelihood):
        row: list[str | Cell] = [Cell(f"{lv.label} ({lv.score})", bold=True)]
        for iv in matrix.impact:
            cell = matrix.cell(lv.score, iv.score)
            refs = cells.cells.get((lv.score, iv.score), ())
            shown = ", ".join(refs[:8]) + (f" +{len(refs) - 8} more" if len(refs) > 8 else "")
            text = f"{len(refs)}\n{cell.band.name} {cell.score}" + (f"\n{shown}" if refs else "")
            row.append(Cell(text, fill=cell.band.colour))
        rows.append(row)
    canvas.grid(columns, rows, x=table_x, caption="Heat map as a table", size=7.5, row_headers=True)
    canvas.set_y(max(canvas.y, picture_bottom + 4))


def register_table(canvas: Canvas, report: RegisterReport) -> None:
    """The register table of one service."""
    canvas.paragraph("Residual assessment: L likelihood, I impact, score = L \u00d7 I.", size=8)
    if not report.risks:
        canvas.paragraph("No risks on the register.")
        return
    caption = f"Residual-risk register of {report.service_name}"
    risk_table(canvas, report.matrix, risk_columns.REGISTER, report.risks, caption=caption)
