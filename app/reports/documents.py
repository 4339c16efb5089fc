"""Report documents: query the rows, render them in the asked format, name the file.

Shared by the API's downloads and the `riskreg report` command, so both produce the
same bytes for the same register.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote

from sqlmodel import Session

from app.errors import NotFound
from app.reports import queries
from app.reports.periods import Period
from app.reports.printable import printable
from app.reports.rows import AppetiteMarks, HeatmapCells, RegisterReport, ReviewReport
from app.reports.words import appetite_refs_line, format_long_day
from app.scoring import Matrix

MEDIA_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


@dataclass(frozen=True, slots=True)
class Document:
    """A rendered report ready to download."""

    content: bytes
    media_type: str
    filename: str
    etag: str | None = None  # set when the bytes are a function of what the document shows


def content_disposition(filename: str) -> str:
    """The `Content-Disposition` of a download: an ASCII slug of `filename` in `filename`, and
    the name itself, percent-encoded UTF-8, in `filename*` (RFC 6266 and RFC 8187).

    Names carry service names, which may hold any character: outside Latin-1 a header
    cannot be sent at all, a newline ends it, and a quote would open a parameter.
    """
    name = " ".join(printable(filename).split())
    return f"attachment; filename=\"{_ascii_slug(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


_NOT_IN_SLUG = re.compile(r"[^A-Za-z0-9._-]+")


def _ascii_slug(name: str) -> str:
    """'childrens-services-residual.png' for 'Children\u2019s Services residual.png'."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_IN_SLUG.sub("-", plain.replace("'", "")).strip("-.")
    return re.sub(r"-{2,}", "-", slug) or "download"


def heatmap_document(
    session: Session,
    matrix: Matrix,
    *,
    service_codes: Sequence[str] | None,
    scope: str | None = None,
    basis: str,
    fmt: str,
    as_of: date | None,
    today: date,
    as_recorded: datetime | None = None,
) -> Document:
    """The heat map of one service or the council: residual, inherent, or both side by side.

    `scope` names the picture; None: the service's name (the codes, for several), and a
    code that is no service raises NotFound.
    """
    from app.reports.heatmap import NOTE_CHARACTERS, heatmap_pair_picture, heatmap_picture

    when = as_of or today
    bases = ("inherent", "residual") if basis == "both" else (basis,)
    if as_of is None and as_recorded is None:
        found = [queries.current_heatmap(session, service_codes, b, today) for b in bases]
        names, panels = found[0][0], [cells for _, cells, _ in found]
        marks = found[-1][2]  # the residual panel's (appetite is a residual score's limit)
    else:
        names = queries.service_names(session, service_codes) if scope is None and service_codes else {}
        panels = [
            queries.heatmap(session, service_codes, b, as_of=when, as_recorded=as_recorded) for b in bases
        ]
        marks = (
            queries.appetite_marks(session, service_codes, as_of=when, as_recorded=as_recorded)
            if basis != "inherent"
            else AppetiteMarks(None)
        )
    if scope is None:
        scope = _scope_name(service_codes, names)
    # Above appetite is a residual score over its limit: a picture with a residual panel names
    # those risks and the statement version under the grid, as the register's heat map does.
    if basis == "inherent":
        note = ""
    else:
        note = appetite_refs_line(marks.version, marks.refs, limit=NOTE_CHARACTERS[basis == "both"])
    if basis == "both":
        title = f"{scope}: inherent and residual risk, {format_long_day(when)}"
        picture = heatmap_pair_picture(matrix, panels[0], panels[1], title=title, fmt=fmt, note=note)
    else:
        title = f"{scope}: {basis} risk, {format_long_day(when)}"
        picture = heatmap_picture(matrix, panels[0], title=title, fmt=fmt, note=note)
    slug = "-".join(scope.lower().split())
    filename = f"heatmap-{slug}-{basis}-{when.isoformat()}.{fmt}"
    return Document(picture.content, MEDIA_TYPES[fmt], filename, picture.etag)


def _scope_name(service_codes: Sequence[str] | None, names: dict[str, str]) -> str:
    """The service's name, or the codes of several; NotFound naming the first that is no service."""
    if not service_codes:
        return "Council"
    for code in service_codes:
        if code not in names:
            raise NotFound(f"no service {code}")
    return names[service_codes[0]] if len(service_codes) == 1 else " ".join(service_codes)


def register_document(
    session: Session,
    matrix: Matrix,
    service_code: str,
    *,
    fmt: str,
    today: date,
    as_of: date | None = None,
    as_recorded: datetime | None = None,
    table: str = "risks",
) -> Document:
    """The residual-risk register of one service in html, pdf, csv, xlsx or json (as recorded at
    a moment); with `table="actions"` (csv only) the actions of its risks instead of the risks."""
    report = queries.register(
        session, matrix, service_code, today=today, as_of=as_of, as_recorded=as_recorded
    )
    if table == "actions":
        from app.reports.csv_export import render_actions_csv

        name = f"risk-actions-{report.service_code}-{report.as_of.isoformat()}.csv"
        return Document(render_actions_csv(report).encode("utf-8"), MEDIA_TYPES["csv"], name)
    name = f"risk-register-{report.service_code}-{report.as_of.isoformat()}.{fmt}"
    content = _REGISTER_RENDERERS[fmt](report, f"{report.service_name}: residual risk")
    return Document(content, MEDIA_TYPES[fmt], name)


def review_document(
    session: Session,
    matrix: Matrix,
    period: Period,
    *,
    fmt: str,
    today: date,
    service_codes: Sequence[str] | None = None,
    as_recorded: datetime | None = None,
    as_of: date | None = None,
) -> Document:
    """The six-monthly review report for `period` in html, pdf, xlsx or json (as recorded at a
    moment: only what had been stored by then, so a past paper can be produced again; as of a
    day: the report as it stood at the end of that day)."""
    report = queries.review_report(
        session,
        matrix,
        period,
        today=today,
        service_codes=service_codes,
        with_registers=fmt != "json",
        as_recorded=as_recorded,
        as_of=as_of,
    )
    scope = report.service_code or "council"
    name = f"six-monthly-review-{period.label.replace('/', '-').replace(' ', '_')}-{scope}.{fmt}"
    return Document(_REVIEW_RENDERERS[fmt](report), MEDIA_TYPES[fmt], name)


# Each renderer takes the report and the title of its heat map. The renderers' modules are
# imported when a document is first asked for: importing the app stays light.


def _register_html(report: RegisterReport, title: str) -> bytes:
    from app.reports.html import render_register_html

    return render_register_html(report, _heatmap_svg(report.matrix, report.heatmap, title)).encode("utf-8")


def _register_pdf(report: RegisterReport, title: str) -> bytes:
    from app.reports.heatmap import render_heatmap
    from app.reports.pdf import render_register_pdf

    return render_register_pdf(report, render_heatmap(report.matrix, report.heatmap, title=title, fmt="png"))


def _register_xlsx(report: RegisterReport, title: str) -> bytes:
    from app.reports.xlsx import render_register_xlsx

    return render_register_xlsx(report)


def _register_csv(report: RegisterReport, title: str) -> bytes:
    from app.reports.csv_export import render_register_csv

    return render_register_csv(report).encode("utf-8")


def _register_json(report: RegisterReport, title: str) -> bytes:
    from app.reports.json_export import render_register_json

    return render_register_json(report)


def _review_html(report: ReviewReport) -> bytes:
    from app.reports.html import render_review_html

    return render_review_html(report, _review_heatmaps(report, "svg").decode("utf-8")).encode("utf-8")


def _review_pdf(report: ReviewReport) -> bytes:
    from app.reports.pdf import render_review_pdf

    return render_review_pdf(report, _review_heatmaps(report, "png"))


def _review_xlsx(report: ReviewReport) -> bytes:
    from app.reports.xlsx import render_review_xlsx

    return render_review_xlsx(report)


def _review_json(report: ReviewReport) -> bytes:
    from app.reports.json_export import render_review_json

    return render_review_json(report)


def _review_heatmaps(report: ReviewReport, fmt: str) -> bytes:
    """Inherent beside residual, the open risks on the report date."""
    from app.reports.heatmap import render_heatmap_pair

    title = f"Open risks on {format_long_day(report.report_date)}"
    return render_heatmap_pair(report.matrix, report.inherent_heatmap, report.heatmap, title=title, fmt=fmt)


def _heatmap_svg(matrix: Matrix, cells: HeatmapCells, title: str) -> str:
    from app.reports.heatmap import render_heatmap

    return render_heatmap(matrix, cells, title=title, fmt="svg").decode("utf-8")


#: The renderer of each format of each document.
_REGISTER_RENDERERS: dict[str, Callable[[RegisterReport, str], bytes]] = {
    "html": _register_html,
    "pdf": _register_pdf,
    "xlsx": _register_xlsx,
    "csv": _register_csv,
    "json": _register_json,
}
_REVIEW_RENDERERS: dict[str, Callable[[ReviewReport], bytes]] = {
    "html": _review_html,
    "pdf": _review_pdf,
    "xlsx": _review_xlsx,
    "json": _review_json,
}
