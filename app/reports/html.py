"""HTML reports: the register of one service and the six-monthly review, from jinja2 templates.

Plain, accessible, print-friendly pages: every band colour also carries the band's
name, overdue and direction of travel are words (with an arrow), and every heat map
comes with a table of the same counts. Autoescaping is always on; the only markup
passed through unescaped is the heat map, embedded as an <img> data URI so that no
script inside an SVG could ever run.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from app.reports import columns
from app.reports.colours import ink_on
from app.reports.columns import Column, action_lines, column_runs, columns_for, published_in, report_actions
from app.reports.heatmap import heatmap_description
from app.reports.printable import printable
from app.reports.rows import NOT_ASSESSED, HeatmapCells, MovementRow, RegisterReport, ReviewReport
from app.reports.words import (
    ACTIONS_NOTE,
    ESCALATION_WORDS,
    MOVEMENT_HEADINGS,
    MOVEMENT_ORDER,
    NO_APPETITE,
    above_appetite_line,
    appetite_basis,
    direction_parts,
    format_day,
    format_long_day,
    format_moment,
    heatmap_coverage,
    movement_basis,
    period_line,
    produced,
    register_basis,
    report_date_line,
    review_scope,
    short_assessment,
    summary_lines,
    worst_bands_heading,
)
from app.scoring import Matrix


def render_register_html(report: RegisterReport, heatmap_svg: str | None = None) -> str:
    """The residual-risk register of one service as an HTML page."""
    template = _environment().get_template("register.html")
    return template.render(
        report=report, heatmap_img=_heatmap_img(report.matrix, report.heatmap, heatmap_svg)
    )


def render_review_html(report: ReviewReport, heatmap_svg: str | None = None) -> str:
    """The six-monthly review report as an HTML page; `heatmap_svg` draws inherent beside residual."""
    movements: list[tuple[str, str, list[MovementRow]]] = [
        (d, MOVEMENT_HEADINGS[d], report.movements.get(d, [])) for d in MOVEMENT_ORDER
    ]
    bands = {
        b.name: sum(s.counts_by_band.get(b.name, 0) for s in report.summaries) for b in report.matrix.bands
    }
    totals = {
        "bands": bands,
        "unassessed": sum(s.unassessed for s in report.summaries),
        "total": sum(s.total for s in report.summaries),
    }
    open_count = len(report.open_risks)
    description = (
        f"{heatmap_description(report.matrix, report.inherent_heatmap)} "
        f"{heatmap_description(report.matrix, report.heatmap)}"
    )
    template = _environment().get_template("review.html")
    return template.render(
        report=report,
        summary=report.summary,
        summary_bands=[(b.name, b.colour) for b in report.matrix.bands] + [(NOT_ASSESSED, None)],
        previous_end=format_long_day(report.previous_end) if report.previous_end else "Previous period",
        scope=review_scope(report),
        total_label="Council total" if report.service_code is None else "Total",
        totals=totals,
        heatmap_img=_img(heatmap_svg, description),
        inherent_coverage=heatmap_coverage(report.inherent_heatmap, open_count),
        residual_coverage=heatmap_coverage(report.heatmap, open_count),
        movements=movements,
        actions=report_actions(report),
        actions_note=ACTIONS_NOTE,
        lists=[
            ("long-standing", f"Long-standing {report.matrix.bands[-1].name} risks", report.long_standing),
            ("not-reviewed", "Risks not reviewed in the period", report.not_reviewed),
            ("overdue", "Risks overdue for review", report.overdue),
            ("above-appetite", "Risks above appetite", report.above_appetite),
        ],
        no_appetite=NO_APPETITE,
        escalation_words=ESCALATION_WORDS,
        worst_bands=worst_bands_heading(report.matrix),
    )


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    env.filters["day"] = format_day
    env.filters["long_day"] = format_long_day
    env.filters["moment"] = format_moment
    env.globals["band_style"] = band_style
    env.globals["short_assessment"] = short_assessment
    env.globals["produced"] = produced
    env.globals["period_line"] = period_line
    env.globals["report_date_line"] = report_date_line
    env.globals["summary_lines"] = summary_lines
    env.globals["movement_basis"] = movement_basis
    env.globals["register_basis"] = register_basis
    env.globals["appetite_basis"] = appetite_basis
    env.globals["above_appetite_line"] = above_appetite_line
    env.globals["heatmap_coverage"] = heatmap_coverage
    env.globals["action_lines"] = action_lines
    env.globals["columns"] = columns
    env.globals["html_columns"] = html_columns
    env.globals["header_rows"] = header_rows
    env.globals["row_cells"] = row_cells
    env.globals["table_plan"] = table_plan
    env.globals["direction_parts"] = direction_parts
    return env


def _finalize(value: Any) -> Any:
    """Every printed value: None prints as nothing, user text loses control characters."""
    if value is None:
        return ""
    if isinstance(value, str) and not isinstance(value, Markup):
        return printable(value)
    return value


def _heatmap_img(matrix: Matrix, cells: HeatmapCells, svg: str | None) -> Markup | None:
    return _img(svg, heatmap_description(matrix, cells))


def _img(svg: str | None, description: str) -> Markup | None:
    if not svg:
        return None
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    label = escape(description)
    return Markup(
        f'<img class="heatmap" src="data:image/svg+xml;base64,{data}" role="img" '
        f'alt="{label}" aria-label="{label}">'
    )


def band_style(matrix: Matrix, band: str | None) -> str:
    """Inline CSS that fills a cell with the band colour and the most legible ink."""
    if not band:
        return ""
    colour = matrix.band(band).colour
    return f"background-color: {colour}; color: {ink_on(colour)}"


@dataclass(frozen=True, slots=True)
class HeaderCell:
    """One <th> of a table head."""

    text: str
    scope: str = "col"
    rowspan: int = 0
    colspan: int = 0
    num: bool = False


def html_columns(table: tuple[Column[Any], ...]) -> list[Column[Any]]:
    """The columns the HTML shows of a table."""
    return columns_for(table, "html")


def header_rows(shown: list[Column[Any]]) -> list[list[HeaderCell]]:
    """The head of a table: one row, or two when columns are grouped (the group above its columns)."""
    grouped = any(c.group for c in shown)
    top: list[HeaderCell] = []
    below: list[HeaderCell] = []
    for index, column in enumerate(shown):
        num = column.kind == "number"
        if column.group is None:
            top.append(HeaderCell(column.heading("html"), rowspan=2 if grouped else 0, num=num))
            continue
        if index == 0 or shown[index - 1].group != column.group:
            span = sum(1 for c in shown if c.group == column.group)
            top.append(HeaderCell(column.group, scope="colgroup", colspan=span))
        below.append(HeaderCell(column.heading("html"), num=num))
    return [top, below] if below else [top]


def table_plan(shown: list[Column[Any]]) -> list[tuple[Column[Any], ...]]:
    """The shown columns in runs: one column alone, or the columns of one assessment's parts."""
    return column_runs(shown)


def row_cells(plan: list[tuple[Column[Any], ...]], row: Any) -> list[tuple[str, Any, Column[Any]]]:
    """(kind, value, column) of each cell of a row. A rating kept as published is one
    ("published", Published, column) cell across its parts (columns.published_in, as in the
    PDF); an assessment group (under one heading) with no value at all (a risk not assessed) is
    one ("not-assessed", span, column) cell."""
    cells: list[tuple[str, Any, Column[Any]]] = []
    for run in plan:
        published = published_in(run, row)
        if published is not None:
            cells.append(("published", published, run[0]))
            continue
        values = [c.value(row) for c in run]
        if len(run) > 1 and run[0].group is not None and all(v is None for v in values):
            cells.append(("not-assessed", len(run), run[0]))
        else:
            cells.extend((c.kind, v, c) for c, v in zip(run, values, strict=True))
    return cells


def render_template(name: str, **context: Any) -> str:
    """A page of templates/ rendered with `context` (the corporate register's page)."""
    return _environment().get_template(name).render(**context)


def heatmap_img(matrix: Matrix, cells: HeatmapCells, svg: str | None) -> Markup | None:
    """The heat map as an <img> with its text alternative, for a template."""
    return _heatmap_img(matrix, cells, svg)
