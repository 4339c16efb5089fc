"""The corporate (strategic) register: the escalated risks of every service, as the audit
committee reads it, in HTML, PDF, XLSX, CSV and JSON.

Each row is the service's own risk (its owner, residual position, direction of travel since
the start of the financial half, control measures and open actions: an escalated risk stays
the service's, so a later service review shows here at once), with the escalation in force
(its date and reason), the strategic refs that link it to the strategic register (aliases
such as ST05), and whether it lies above the appetite statement in force. The heat map places
the open ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import or_
from sqlmodel import Session

from app.appetite import statements
from app.models import Action, Review, table_of
from app.models.base import utcnow
from app.reports.columns import Column, Due, Format, Ref, assessment
from app.reports.documents import MEDIA_TYPES, Document
from app.reports.periods import half_containing
from app.reports.queries import cells_of
from app.reports.rows import AssessmentRow, HeatmapCells, RiskRow
from app.reports.words import format_day
from app.risks import escalation, listing
from app.risks.listing import RiskFilter
from app.scoring import Matrix

#: Worst first, then by service and ref.
ORDER = [("score", True), ("service", False), ("ref", False)]
_OPEN_ACTIONS = ("planned", "in_progress")


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
    """The corporate register now."""

    as_of: date
    generated_at: datetime
    matrix: Matrix
    appetite_version: int | None  # the statement above_appetite used
    rows: list[CorporateRow]
    heatmap: HeatmapCells  # the open escalated risks, residual

    @property
    def services(self) -> int:
        """How many services the escalated risks come from."""
        return len({r.risk.service_code for r in self.rows})


def corporate_register(
    session: Session, matrix: Matrix, *, today: date, service_codes: Sequence[str] | None = None
) -> CorporateReport:
    """The escalated risks of `service_codes` (None: every service) as they stand today."""
    flt = RiskFilter(services=service_codes, status="all", escalated=True, sort=ORDER)
    found = listing.every(session, flt, today=today)
    ids = [r.id for r in found]
    since = half_containing(today).start - timedelta(days=1)
    before = _scores_on(session, ids, since)
    decisions = escalation.escalations_in_force(session, ids, None)
    actions = _open_actions(session, ids, today)
    appetite = statements.in_force(session, today)
    rows = []
    for r in found:
        decision = decisions[r.id]
        score = r.residual.score if r.residual else None
        rows.append(
            CorporateRow(
                risk=_report_row(r, today, since, before),
                strategic_refs=escalation.strategic_refs(r.aliases),
                escalated_on=decision.on,
                escalation_reason=decision.reason,
                escalated_by=decision.recorded_by,
                actions=tuple(actions.get(r.id, ())),
                above_appetite=statements.is_above(appetite, r.category, score),  # as row_above_appetite
            )
        )
    open_rows = [row.risk for row in rows if row.risk.status == "open"]
    return CorporateReport(
        as_of=today,
        generated_at=utcnow(),
        matrix=matrix,
        appetite_version=appetite.version if appetite else None,
        rows=rows,
        heatmap=cells_of(open_rows, "residual"),
    )


def row_above_appetite(appetite: statements.Appetite | None, row: RiskRow) -> bool | None:
    """Whether a report row lies above `appetite` (`statements.in_force(session, day)` for the
    report's day): the six-monthly report's above-appetite count is the rows where it is True."""
    return statements.is_above(appetite, row.category, row.residual.score if row.residual else None)


def _scores_on(session: Session, ids: list[int], day: date) -> dict[int, int | None]:
    """The residual score in force at the end of `day` of each of `ids` reviewed by then."""
    if not ids:
        return {}
    rv = table_of(Review).c
    found = session.execute(
        sa.select(rv.risk_id, rv.residual_score).where(
            rv.risk_id.in_(ids),
            rv.reviewed_on <= day,
            or_(rv.superseded_on.is_(None), rv.superseded_on > day),
        )
    )
    return {int(row.risk_id): row.residual_score for row in found}


def _open_actions(session: Session, ids: list[int], today: date) -> dict[int, list[str]]:
    """Each risk's planned and in-progress actions, soonest due first, as one line each."""
    if not ids:
        return {}
    a = table_of(Action).c
    found = session.execute(
        sa.select(a.risk_id, a.description, a.owner, a.due_on)
        .where(a.risk_id.in_(ids), a.status.in_(_OPEN_ACTIONS))
        .order_by(a.risk_id, a.due_on, a.id)
    )
    actions: dict[int, list[str]] = {}
    for risk_id, description, owner, due_on in found:
        late = ", overdue" if due_on < today else ""
        actions.setdefault(risk_id, []).append(f"{description} ({owner}, due {format_day(due_on)}{late})")
    return actions


def _report_row(r: listing.RiskRow, today: date, since: date, before: dict[int, int | None]) -> RiskRow:
    """The risk as a report row, its direction of travel since the end of `since` (as the
    service register reckons it: new when opened or first assessed since then)."""
    score = r.residual.score if r.residual else None
    previous = before.get(r.id)
    if r.status == "closed":
        direction = "closed"
    elif r.opened_on > since or r.id not in before:
        direction = "new" if score is not None else "unchanged"
    elif score is None or score == previous:
        direction = "unchanged"
    else:
        direction = "up" if score > (previous or 0) else "down"
    return RiskRow(
        risk_id=r.id,
        service_code=r.service_code,
        service_name=r.service_name,
        ref=r.ref,
        aliases=tuple(r.aliases),
        title=r.title,
        consequence=r.consequence,
        owner=r.owner,
        category=r.category,
        response=r.response or "",
        status=r.status,
        controls=tuple(r.controls),
        residual=r.residual,
        inherent=r.inherent,
        target=r.target,
        last_reviewed_on=r.last_reviewed_on,
        next_review_due=r.next_review_due,
        overdue=r.overdue_on(today),
        previous_score=previous,
        direction=direction,
    )


def _residual(row: CorporateRow) -> AssessmentRow | None:
    return row.risk.residual


def _appetite(row: CorporateRow) -> str:
    return {True: "Above", False: "Within", None: ""}[row.above_appetite]


_FILES: frozenset[Format] = frozenset(("xlsx", "csv"))
_CSV: frozenset[Format] = frozenset(("csv",))

#: The corporate register's columns (see app/reports/columns.py).
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
        pdf_width=18,
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
        pdf_width=24,
        xlsx_width=36,
    ),
    Column(
        "next_review_due",
        "Next review due",
        lambda c: Due(c.risk.next_review_due, c.risk.overdue),
        "due",
        pdf_width=18,
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

    return render_template(
        "corporate.html",
        report=report,
        table=CORPORATE,
        heatmap_img=heatmap_img(report.matrix, report.heatmap, heatmap_svg),
    )


def corporate_document(
    session: Session,
    matrix: Matrix,
    *,
    fmt: str,
    today: date,
    service_codes: Sequence[str] | None = None,
) -> Document:
    """The corporate register in html, pdf, xlsx, csv or json, ready to download."""
    report = corporate_register(session, matrix, today=today, service_codes=service_codes)
    content = RENDERERS[fmt](report, f"Corporate register: residual risk, {format_day(today)}")
    media_type = "application/json" if fmt == "json" else MEDIA_TYPES[fmt]
    return Document(content, media_type, f"corporate-risk-register-{today.isoformat()}.{fmt}")


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
