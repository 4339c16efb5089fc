"""The PDF register of one service: its heat map beside a table of the same counts, then the register."""

from __future__ import annotations

import io

from app.reports import columns as risk_columns
from app.reports.columns import action_lines
from app.reports.heatmap import cell_refs, heatmap_description
from app.reports.pdf.canvas import MARGIN, Canvas, Cell, GridColumn, Row
from app.reports.pdf.cells import risk_table
from app.reports.pdf.tagging import collector_paused
from app.reports.rows import HeatmapCells, RegisterReport
from app.reports.words import above_appetite_line, format_day, heatmap_coverage, register_basis
from app.scoring import Matrix


@collector_paused()
def render_register_pdf(report: RegisterReport, heatmap_png: bytes | None = None) -> bytes:
    """The residual-risk register of one service as PDF bytes."""
    title = f"Risk register: {report.service_name}"
    doc = Canvas(title, f"As at {format_day(report.as_of)}")
    doc.add_page()
    doc.title_block(title, register_basis(report))
    doc.heading("Heat map of residual risk")
    doc.paragraph(heatmap_coverage(report.heatmap, len(report.risks)))
    heatmap_section(doc, report.matrix, report.heatmap, heatmap_png)
    doc.paragraph(above_appetite_line(report.appetite, report.risks))
    doc.add_page()
    doc.heading("Register")
    register_table(doc, report)
    lines = action_lines(report.risks)
    doc.heading(f"Actions ({len(lines)})")
    if lines:
        risk_table(
            doc, report.matrix, risk_columns.ACTIONS, lines, caption=f"Actions of {report.service_name}"
        )
    else:
        doc.paragraph("No actions are recorded against these risks.")
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
    heatmap_table(canvas, matrix, cells, x=table_x, span=297 - MARGIN - table_x)
    canvas.set_y(max(canvas.y, picture_bottom + 4))


def heatmap_table(
    canvas: Canvas,
    matrix: Matrix,
    cells: HeatmapCells,
    *,
    x: float,
    span: float,
    caption: str = "Heat map as a table",
    pair: bool = False,
) -> None:
    """The heat map as a table: per cell the count, the band and the refs the picture prints."""
    first = 30.0
    other = min(30.0, (span - first) / len(matrix.impact))
    columns = [GridColumn("Likelihood / Impact", first)]
    columns += [GridColumn(f"{lv.label} ({lv.score})", other, "C") for lv in matrix.impact]
    rows: list[Row] = []
    for lv in reversed(matrix.likelihood):
        row: list[str | Cell] = [Cell(f"{lv.label} ({lv.score})", bold=True)]
        for iv in matrix.impact:
            cell = matrix.cell(lv.score, iv.score)
            refs = cells.cells.get((lv.score, iv.score), ())
            shown = cell_refs(matrix, refs, pair=pair) if refs else ""
            text = f"{len(refs)}\n{cell.band.name} {cell.score}" + (f"\n{shown}" if refs else "")
            row.append(Cell(text, fill=cell.band.colour))
        rows.append(row)
    canvas.grid(columns, rows, x=x, caption=caption, size=7.5, row_headers=True)


def register_table(canvas: Canvas, report: RegisterReport) -> None:
    """The register table of one service."""
    canvas.paragraph(
        "Residual assessment: L likelihood, I impact, score = L \u00d7 I. Inherent: before controls; "
        "target: where the service means to bring the risk.",
        size=8,
    )
    if not report.risks:
        canvas.paragraph("No risks on the register.")
        return
    caption = f"Residual-risk register of {report.service_name}"
    risk_table(canvas, report.matrix, risk_columns.REGISTER, report.risks, caption=caption)
