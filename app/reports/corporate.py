"""The corporate (strategic) register: the escalated risks of every service, as the audit
committee reads it, in HTML, PDF, XLSX, CSV and JSON; now, as of a day, as recorded at a moment.

Each row is the service's own risk, read as the service register and the six-monthly report
read it (queries._rows and queries._risk_row: owner, residual position, control measures,
actions; direction of travel the movement group since the start of the financial half,
movement.movement_group), so the three say the same about a risk: an escalated risk stays the
service's, and a later service review shows here at once. Beside it, the escalation in force
on the day (its date and reason), the strategic refs that link it to the strategic register
(aliases such as ST05), and whether it lies above the appetite statement in force. The heat
map places the open ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from app.appetite import statements
from app.models.base import utcnow
from app.reports import queries
from app.reports.columns import Column, Due, Format, Ref, assessment
from app.reports.documents import MEDIA_TYPES, Document
from app.reports.movement import movement_group
from app.reports.periods import half_containing
from app.reports.queries import cells_of
from app.reports.rows import ActionRow, AppetiteBasis, AssessmentRow, HeatmapCells, RiskRow
from app.reports.words import format_day, format_long_day, format_moment
from app.risks import escalation
from app.risks.listing import RiskRow as ListedRisk
from app.scoring import Matrix


@dataclass(frozen=True, slots=True)
class CorporateRow:
    """One escalated risk on the corporate register."""

    risk: RiskRow
    strategic_refs: tuple[str, ...]
    escalated_on: date
    escalation_reason: str
    escalated_by: str
    actions: tuple[str, ...]  # the open actions: description (owner, due date)
    above_appetite: bool | None


@dataclass(frozen=True, slots=True)
class CorporateReport:
    """The corporate register on a day (today, or `as_of`), as recorded at a moment when given."""

    as_of: date
    generated_at: datetime
    matrix: Matrix
    appetite_version: int | None  # the statement above_appetite used
    rows: list[CorporateRow]
    heatmap: HeatmapCells  # the open escalated risks, residual
    as_recorded: datetime | None = None  # only what had been stored by then (None: everything)
    appetite: AppetiteBasis | None = None  # the statement in force on the day
    since: date | None = None  # direction of travel: the movement since the end of the day before

    @property
    def services(self) -> int:
        """How many services the escalated risks come from."""
        return len({r.risk.service_code for r in self.rows})

    @property
    def open_risks(self) -> list[RiskRow]:
        """The open escalated risks (those the heat map places)."""
        return [row.risk for row in self.rows if row.risk.status == "open"]


def corporate_register(
    session: Session,
    matrix: Matrix,
    *,
    today: date,
    as_of: date | None = None,
    as_recorded: datetime | None = None,
    service_codes: Sequence[str] | None = None,
) -> CorporateReport:
    """The risks of `service_codes` (None: every service) escalated at the end of `as_of`
    (default today), at their positions then, as recorded at `as_recorded` when given (the
    decisions, reviews and actions stored by then): the same paper however much is recorded
    later. Direction of travel: the movement group since the start of the financial half."""
    day = as_of or today
    since = half_containing(day).start
    # as recorded at a moment: the register of a day; otherwise today's reads the current rows
    dated = day if as_recorded is not None or day < today else None
    found = queries._rows(session, service_codes, dated, "all", as_recorded, escalated=True)
    found.sort(key=_worst_first)
    ids = [r.id for r in found]
    before = {
        r.id: r
        for r in queries._rows(session, service_codes, since - timedelta(days=1), "all", as_recorded, ids=ids)
    }
    decisions = escalation.escalations_in_force(session, ids, dated, as_recorded)
    actions = queries._actions(session, ids, day, today, as_recorded)
    appetite = queries.appetite_on(session, day, as_recorded)
    rows = []
    for r in found:
        start = before.get(r.id)
        risk = queries._risk_row(r, day, start, movement_group(r, start), actions.get(r.id, ()), appetite)
        decision = decisions[r.id]
        rows.append(
            CorporateRow(
                risk=risk,
                strategic_refs=escalation.strategic_refs(r.aliases),
                escalated_on=decision.on,
                escalation_reason=decision.reason,
                escalated_by=decision.recorded_by,
                actions=tuple(action_line(a) for a in risk.actions if a.open),
                above_appetite=risk.above_appetite,
            )
        )
    open_rows = [row.risk for row in rows if row.risk.status == "open"]
    return CorporateReport(
        as_of=day,
        generated_at=utcnow(),
        matrix=matrix,
        appetite_version=appetite.version if appetite else None,
        rows=rows,
        heatmap=cells_of(open_rows, "residual"),
        as_recorded=as_recorded,
        appetite=appetite,
        since=since,
    )


def _worst_first(r: ListedRisk) -> tuple[bool, int, str, str]:
    """Worst first (the unassessed last), then by service and ref."""
    return (r.residual is None, -(r.residual.score if r.residual else 0), r.service_code, r.ref)


def action_line(action: ActionRow) -> str:
    """An open action in one line: 'Replace the casework system (Head of ICT, due 31 March 2027)'."""
    late = ", overdue" if action.overdue else ""
    return f"{action.description} ({action.owner}, due {format_day(action.due_on)}{late})"


def row_above_appetite(appetite: statements.Appetite | None, row: RiskRow) -> bool | None:
    """Whether a report row lies above `appetite` (`statements.in_force(session, day)` for the
    report's day): the six-monthly report's above-appetite count is the rows where it is True."""
    return statements.is_above(appetite, row.category, row.residual.score if row.residual else None)


def basis_lines(report: CorporateReport) -> list[str]:
    """What the corporate register stands on: its day, the moment it was recorded at, when it
    was produced, how many risks from how many services, the matrix and the appetite."""
    count = len(report.rows)
    lines = [f"Risks escalated by the services, as at {format_long_day(report.as_of)}"]
    if report.as_recorded is not None:
        lines.append(f"As recorded at {format_moment(report.as_recorded)}: nothing stored later is shown")
    appetite = (
        f"appetite statement version {report.appetite_version}"
        if report.appetite_version
        else "no appetite statement in force"
    )
    lines.append(
        f"Produced {format_moment(report.generated_at)} · {count} risk{'' if count == 1 else 's'} from "
        f"{report.services} service{'' if report.services == 1 else 's'} · {report.matrix.name} · {appetite}"
    )
    return lines


def direction_basis(report: CorporateReport) -> str:
    """How the direction of travel is reckoned, in the register's own dates."""
    since = report.since or half_containing(report.as_of).start
    start = format_long_day(since - timedelta(days=1))
    return (
        f"Direction of travel: the risk's movement since {start} (the end of the day before the "
        f"financial half), as in the service's register and the six-monthly report."
    )


def _residual(row: CorporateRow) -> AssessmentRow | None:
    return row.risk.residual


def _appetite(row: CorporateRow) -> str:
    return {True: "Above", False: "Within", None: ""}[row.above_appetite]


_FILES: frozenset[Format] = frozenset(("xlsx", "csv"))
_CSV: frozenset[Format] = frozenset(("csv",))

#: The corporate register's columns (see app/reports/columns.py).
#: The PDF widths (mm) fill the 277 mm of a landscape page: each heading and each word of a
#: date, a service name or a direction stays whole (looked at on the rendered page).
CORPORATE: tuple[Column[CorporateRow], ...] = (
    Column("service_code", "Service code", lambda c: c.risk.service_code, formats=_CSV),
    Column(
        "ref",
        "Ref",
        lambda c: Ref(c.risk.ref, c.risk.aliases, c.risk.status == "closed"),
        "ref",
        pdf_width=14,
        xlsx_width=9,
    ),
    Column("service", "Service", lambda c: c.risk.service_name, pdf_width=20, xlsx_width=24),
    Column(
        "strategic_refs",
        "Strategic ref",
        lambda c: " ".join(c.strategic_refs),
        pdf_width=17,
        xlsx_width=10,
        pdf_header="Strategic",
    ),
    Column("title", "Risk", lambda c: c.risk.title, pdf_width=22, xlsx_width=32),
    Column("category", "Category", lambda c: c.risk.category or "", "word", formats=_FILES, xlsx_width=13),
    # wide enough for a post ("Head of Community Partnerships") to break between words
    Column("owner", "Owner", lambda c: c.risk.owner, pdf_width=20, xlsx_width=24),
    *assessment("residual", "Residual", _residual, pdf_widths=(6, 6, 11, 15), xlsx_widths=(11, 9, 9, 12)),
    Column("above_appetite", "Appetite", _appetite, pdf_width=16, xlsx_width=10),
    Column(
        "direction",
        "Direction of travel",
        lambda c: c.risk.direction,
        "direction",
        pdf_header="Direction",
        pdf_width=17.5,
        xlsx_width=13,
    ),
    Column(
        "controls", "Control measures", lambda c: c.risk.controls, "controls", pdf_width=25, xlsx_width=45
    ),
    Column("actions", "Open actions", lambda c: c.actions, "controls", pdf_width=28, xlsx_width=45),
    Column("escalated_on", "Escalated", lambda c: c.escalated_on, "day", pdf_width=17, xlsx_width=13),
    Column(
        "escalation_reason",
        "Reason for escalation",
        lambda c: c.escalation_reason,
        pdf_width=23.5,
        xlsx_width=36,
    ),
    Column(
        "next_review_due",
        "Next review due",
        lambda c: Due(c.risk.next_review_due, c.risk.overdue),
        "due",
        pdf_width=19,
        xlsx_width=13,
        pdf_header="Next review",
    ),
)


def render_corporate_json(report: CorporateReport) -> bytes:
    """The corporate register as JSON: what the other formats show, as data."""

    def assessed(value: AssessmentRow | None) -> dict[str, object] | None:
        if value is None:
            return None
        return {
            "likelihood": value.likelihood,
            "impact": value.impact,
            "score": value.score,
            "band": value.band,
        }

    document = {
        "as_of": report.as_of.isoformat(),
        "as_recorded": report.as_recorded.isoformat() if report.as_recorded is not None else None,
        "generated_at": report.generated_at.isoformat(),
        "matrix": report.matrix.name,
        "appetite_version": report.appetite_version,
        "risks": [
            {
                "id": row.risk.risk_id,
                "service": row.risk.service_code,
                "service_name": row.risk.service_name,
                "ref": row.risk.ref,
                "aliases": list(row.risk.aliases),
                "strategic_refs": list(row.strategic_refs),
                "title": row.risk.title,
                "category": row.risk.category,
                "owner": row.risk.owner,
                "status": row.risk.status,
                "residual": assessed(row.risk.residual),
                "previous_score": row.risk.previous_score,
                "direction": row.risk.direction,
                "above_appetite": row.above_appetite,
                "controls": list(row.risk.controls),
                "actions": list(row.actions),
                "last_reviewed_on": _iso(row.risk.last_reviewed_on),
                "next_review_due": _iso(row.risk.next_review_due),
                "overdue": row.risk.overdue,
                "escalated_on": row.escalated_on.isoformat(),
                "escalation_reason": row.escalation_reason,
                "escalated_by": row.escalated_by,
            }
            for row in report.rows
        ],
        "heatmap": [
            {"likelihood": lk, "impact": im, "refs": list(refs)}
            for (lk, im), refs in sorted(report.heatmap.cells.items(), reverse=True)
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def render_corporate_csv(report: CorporateReport) -> str:
    """The corporate register as CSV (formula-like cells neutralised, as every CSV export)."""
    from app.reports.csv_export import render_rows_csv

    return render_rows_csv(CORPORATE, report.rows)


def render_corporate_html(report: CorporateReport, heatmap_svg: str | None) -> str:
    """The corporate register as an HTML page."""
    from app.reports.html import heatmap_img, render_template
    from app.reports.words import above_appetite_line, heatmap_coverage

    return render_template(
        "corporate.html",
        report=report,
        table=CORPORATE,
        heatmap_img=heatmap_img(report.matrix, report.heatmap, heatmap_svg),
        basis=basis_lines(report),
        coverage=heatmap_coverage(report.heatmap, len(report.open_risks)),
        above_appetite=above_appetite_line(report.appetite, report.open_risks),
        direction=direction_basis(report),
    )


def corporate_document(
    session: Session,
    matrix: Matrix,
    *,
    fmt: str,
    today: date,
    as_of: date | None = None,
    as_recorded: datetime | None = None,
    service_codes: Sequence[str] | None = None,
) -> Document:
    """The corporate register in html, pdf, xlsx, csv or json, ready to download: now, as of
    the end of `as_of`, as recorded at `as_recorded`."""
    report = corporate_register(
        session, matrix, today=today, as_of=as_of, as_recorded=as_recorded, service_codes=service_codes
    )
    content = RENDERERS[fmt](report, f"Corporate register: residual risk, {format_day(report.as_of)}")
    media_type = "application/json" if fmt == "json" else MEDIA_TYPES[fmt]
    return Document(content, media_type, f"corporate-risk-register-{report.as_of.isoformat()}.{fmt}")


# The renderers of each format, (report, heat map title) -> bytes; their modules are
# imported when a document is first asked for.
def _html(report: CorporateReport, title: str) -> bytes:
    from app.reports.heatmap import render_heatmap

    svg = render_heatmap(report.matrix, report.heatmap, title=title, fmt="svg").decode("utf-8")
    return render_corporate_html(report, svg).encode("utf-8")


def _pdf(report: CorporateReport, title: str) -> bytes:
    from app.reports.heatmap import render_heatmap
    from app.reports.pdf.corporate import render_corporate_pdf

    return render_corporate_pdf(report, render_heatmap(report.matrix, report.heatmap, title=title, fmt="png"))


def _xlsx(report: CorporateReport, title: str) -> bytes:
    from app.reports.xlsx import render_rows_xlsx

    return render_rows_xlsx(
        f"Corporate risk register, {format_day(report.as_of)}",
        "Corporate register",
        report.matrix,
        report.generated_at,
        CORPORATE,
        report.rows,
    )


RENDERERS: dict[str, Callable[[CorporateReport, str], bytes]] = {
    "html": _html,
    "pdf": _pdf,
    "xlsx": _xlsx,
    "csv": lambda report, title: render_corporate_csv(report).encode("utf-8"),
    "json": lambda report, title: render_corporate_json(report),
}
