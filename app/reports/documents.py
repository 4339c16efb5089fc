"""Report documents: query the rows, render them in the asked format, name the file.

Shared by the API's downloads and the `riskreg report` command, so both produce the
same bytes for the same register.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from app.reports import queries
from app.reports.periods import Period
from app.scoring import Matrix

MEDIA_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True, slots=True)
class Document:
    """A rendered report ready to download."""

    content: bytes
    media_type: str
    filename: str


def heatmap_document(
    session: Session,
    matrix: Matrix,
    *,
    service_codes: Sequence[str] | None,
    scope: str,
    basis: str,
    fmt: str,
    as_of: date | None,
    today: date,
) -> Document:
    """The heat map of one service or the council: residual, inherent, or both side by side."""
    from app.reports.heatmap import render_heatmap, render_heatmap_pair

    when = as_of or today
    if basis == "both":
        inherent = queries.heatmap(session, service_codes, "inherent", as_of=as_of)
        residual = queries.heatmap(session, service_codes, "residual", as_of=as_of)
        content = render_heatmap_pair(
            matrix, inherent, residual, title=f"{scope}: inherent and residual risk, {when:%d %b %Y}", fmt=fmt
        )
    else:
        cells = queries.heatmap(session, service_codes, basis, as_of=as_of)
        content = render_heatmap(matrix, cells, title=f"{scope}: {basis} risk, {when:%d %b %Y}", fmt=fmt)
    slug = scope.lower().replace(" ", "-")
    return Document(content, MEDIA_TYPES[fmt], f"heatmap-{slug}-{basis}-{when.isoformat()}.{fmt}")


def register_document(
    session: Session, matrix: Matrix, service_code: str, *, fmt: str, today: date, as_of: date | None = None
) -> Document:
    """The residual-risk register of one service in html, pdf, csv or xlsx."""
    report = queries.register(session, matrix, service_code, today=today, as_of=as_of)
    name = f"risk-register-{report.service_code}-{report.as_of.isoformat()}.{fmt}"
    title = f"{report.service_name}: residual risk"
    if fmt == "html":
        from app.reports.heatmap import render_heatmap
        from app.reports.html import render_register_html

        svg = render_heatmap(matrix, report.heatmap, title=title, fmt="svg").decode("utf-8")
        return Document(render_register_html(report, svg).encode("utf-8"), MEDIA_TYPES[fmt], name)
    if fmt == "pdf":
        from app.reports.heatmap import render_heatmap
        from app.reports.pdf import render_register_pdf

        png = render_heatmap(matrix, report.heatmap, title=title, fmt="png")
        return Document(render_register_pdf(report, png), MEDIA_TYPES[fmt], name)
    if fmt == "xlsx":
        from app.reports.xlsx import render_register_xlsx

        return Document(render_register_xlsx(report), MEDIA_TYPES[fmt], name)
    from app.reports.csv_export import render_register_csv

    return Document(render_register_csv(report).encode("utf-8"), MEDIA_TYPES["csv"], name)


def review_document(
    session: Session, matrix: Matrix, period: Period, *, fmt: str, service_codes: Sequence[str] | None = None
) -> Document:
    """The six-monthly review report for `period` in html, pdf or xlsx."""
    report = queries.review_report(session, matrix, period, service_codes=service_codes)
    scope = report.service_code or "council"
    name = f"six-monthly-review-{period.label.replace('/', '-').replace(' ', '_')}-{scope}.{fmt}"
    title = f"Residual risk at {period.end:%d %b %Y}"
    if fmt == "html":
        from app.reports.heatmap import render_heatmap
        from app.reports.html import render_review_html

        svg = render_heatmap(matrix, report.heatmap, title=title, fmt="svg").decode("utf-8")
        return Document(render_review_html(report, svg).encode("utf-8"), MEDIA_TYPES[fmt], name)
    if fmt == "pdf":
        from app.reports.heatmap import render_heatmap
        from app.reports.pdf import render_review_pdf

        png = render_heatmap(matrix, report.heatmap, title=title, fmt="png")
        return Document(render_review_pdf(report, png), MEDIA_TYPES[fmt], name)
    from app.reports.xlsx import render_review_xlsx

    return Document(render_review_xlsx(report), MEDIA_TYPES["xlsx"], name)
