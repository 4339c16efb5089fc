"""Small builders of report rows for the renderer tests (and for timing the renderers)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from app.reports.rows import (
    DIRECTIONS,
    AssessmentRow,
    HeatmapCells,
    MovementRow,
    RegisterReport,
    ReviewReport,
    RiskRow,
    ServiceSummary,
)
from app.scoring import Matrix, default_matrix, matrix_from_mapping

if TYPE_CHECKING:
    from app.reports.corporate import CorporateReport

AS_OF = date(2025, 9, 30)
GENERATED_AT = datetime(2025, 10, 1, 9, 30)


def five_by_five() -> Matrix:
    """A 5x5 matrix with five bands, as some other councils use."""
    names = ["Very Low", "Low", "Moderate", "High", "Extreme"]
    colours = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#b2182b"]

    def band_of(lk: int, ik: int) -> str:
        score = lk * ik
        edges = [(3, 0), (6, 1), (12, 2), (19, 3)]
        return next((names[b] for top, b in edges if score <= top), names[4])

    return matrix_from_mapping(
        {
            "name": "5x5 five-band matrix",
            "likelihood": [
                {"score": s, "label": lab}
                for s, lab in enumerate(["Rare", "Unlikely", "Possible", "Likely", "Almost Certain"], start=1)
            ],
            "impact": [
                {"score": s, "label": lab}
                for s, lab in enumerate(["Negligible", "Minor", "Moderate", "Major", "Severe"], start=1)
            ],
            "bands": [
                {"name": n, "colour": c, "order": o}
                for o, (n, c) in enumerate(zip(names, colours, strict=True), start=1)
            ],
            "grid": [[band_of(lk, ik) for ik in range(1, 6)] for lk in range(5, 0, -1)],
        }
    )


def assessment(likelihood: int, impact: int, matrix: Matrix | None = None) -> AssessmentRow:
    """A scored assessment on `matrix` (default: the 4x4)."""
    scored = (matrix or default_matrix()).assess(likelihood, impact)
    return AssessmentRow(likelihood, impact, scored.score, scored.band)


def risk(
    ref: str = "CP01",
    *,
    risk_id: int = 1,
    service_code: str = "CP",
    service_name: str = "Community Partnerships",
    title: str = "Total failure of ICT systems",
    consequence: str = "Critical systems lost for delivery of ASB casework",
    owner: str = "Community Partnerships Manager",
    category: str | None = None,
    response: str = "treat",
    status: str = "open",
    aliases: tuple[str, ...] = (),
    controls: tuple[str, ...] = ("Web access to ASB casework system", "ICT strategy group"),
    residual: tuple[int, int] | None = (2, 2),
    inherent: tuple[int, int] | None = None,
    target: tuple[int, int] | None = None,
    last_reviewed_on: date | None = date(2025, 6, 30),
    next_review_due: date | None = date(2025, 12, 30),
    overdue: bool = False,
    previous_score: int | None = None,
    direction: str = "unchanged",
    matrix: Matrix | None = None,
) -> RiskRow:
    """One risk row; likelihood x impact pairs are scored on `matrix`."""

    def scored(pair: tuple[int, int] | None) -> AssessmentRow | None:
        return None if pair is None else assessment(*pair, matrix=matrix)

    res = scored(residual)
    if previous_score is None and direction == "unchanged" and res is not None:
        previous_score = res.score
    return RiskRow(
        risk_id=risk_id,
        service_code=service_code,
        service_name=service_name,
        ref=ref,
        aliases=aliases,
        title=title,
        consequence=consequence,
        owner=owner,
        category=category,
        response=response,
        status=status,
        controls=controls,
        residual=res,
        inherent=scored(inherent),
        target=scored(target),
        last_reviewed_on=last_reviewed_on,
        next_review_due=next_review_due,
        overdue=overdue,
        previous_score=previous_score,
        direction=direction,
    )


def heatmap_cells(risks: list[RiskRow], basis: str = "residual") -> HeatmapCells:
    """The refs of open risks per cell on `basis` (a published rating in none: counted)."""
    values = ((r.residual if basis == "residual" else r.inherent, r) for r in risks if r.status == "open")
    return HeatmapCells.of(basis, ((a.likelihood, a.impact, r.ref) for a, r in values if a is not None))


def register(
    risks: list[RiskRow],
    *,
    service_code: str = "CP",
    service_name: str = "Community Partnerships",
    matrix: Matrix | None = None,
) -> RegisterReport:
    """A service's register holding `risks`."""
    return RegisterReport(
        service_code=service_code,
        service_name=service_name,
        as_of=AS_OF,
        generated_at=GENERATED_AT,
        matrix=matrix or default_matrix(),
        risks=risks,
        heatmap=heatmap_cells(risks),
    )


def community_partnerships() -> list[RiskRow]:
    """A register shaped like the Community Partnerships plan, with every band and state."""
    return [
        risk("CP01", risk_id=1, title="Insufficient staff", residual=(1, 4), inherent=(3, 4)),
        risk(
            "CP02",
            risk_id=2,
            residual=(4, 4),
            inherent=(4, 4),
            direction="up",
            previous_score=9,
        ),
        risk(
            "CP04",
            risk_id=3,
            title="Fraudulent activity",
            consequence="Loss of income due to poor management of partnership funds",
            controls=("Existing corporate procedures", "Internal audit"),
            residual=(3, 2),
            direction="down",
            previous_score=9,
        ),
        risk(
            "CP06",
            risk_id=4,
            aliases=("ST05",),
            title="Community Safety Actions fail to meet targets",
            residual=(3, 3),
            overdue=True,
            last_reviewed_on=date(2025, 1, 10),
            next_review_due=date(2025, 7, 10),
        ),
        risk("CP13", risk_id=5, title="Grants budget over subscribed", residual=(4, 3)),
        risk("CP14", risk_id=6, residual=None, direction="new", last_reviewed_on=None),
        risk("CP15", risk_id=7, residual=(2, 2), direction="new"),
    ]


def review_report(
    risks: list[RiskRow],
    *,
    matrix: Matrix | None = None,
    registers: bool = True,
) -> ReviewReport:
    """A six-monthly report for 2025/26 H1 computed from `risks` as they stand at the end."""
    m = matrix or default_matrix()
    worst = [b.name for b in m.bands if b.order >= len(m.bands) - 1]
    by_service: dict[tuple[str, str], list[RiskRow]] = defaultdict(list)
    for r in risks:
        by_service[(r.service_code, r.service_name)].append(r)
    summaries = []
    for (code, name), rs in by_service.items():
        open_rs = [r for r in rs if r.status == "open"]
        counts = {b.name: 0 for b in m.bands}
        for r in open_rs:
            if r.residual is not None:
                counts[r.residual.band] += 1
        unassessed = sum(1 for r in open_rs if r.residual is None)
        summaries.append(ServiceSummary(code, name, counts, unassessed, len(open_rs)))
    movements: dict[str, list[MovementRow]] = {d: [] for d in DIRECTIONS}
    for r in risks:
        movements[r.direction].append(movement(r, m))
    high = sorted(
        (r for r in risks if r.status == "open" and r.residual and r.residual.band in worst),
        key=lambda r: -(r.residual.score if r.residual else 0),
    )
    start = date(2025, 4, 1)
    not_reviewed = [
        r for r in risks if r.status == "open" and (r.last_reviewed_on is None or r.last_reviewed_on < start)
    ]
    return ReviewReport(
        title="Six-monthly risk review 2025/26 H1",
        period_label="2025/26-H1",
        start=start,
        end=AS_OF,
        report_date=AS_OF,
        to_date=False,
        generated_at=GENERATED_AT,
        matrix=m,
        service_code=None,
        summaries=summaries,
        heatmap=heatmap_cells(risks),
        inherent_heatmap=heatmap_cells(risks, "inherent"),
        overdue=[r for r in risks if r.status == "open" and r.overdue],
        previous_label="2024/25-H2",
        previous_end=start - timedelta(days=1),
        movements=movements,
        high_risks=high,
        not_reviewed=not_reviewed,
        registers=[
            register(rs, service_code=code, service_name=name, matrix=m)
            for (code, name), rs in by_service.items()
        ]
        if registers
        else [],
    )


def movement(r: RiskRow, matrix: Matrix | None = None) -> MovementRow:
    """The movement row of `r` across the period."""
    m = matrix or default_matrix()
    previous = r.start
    if previous is None and r.previous_score is not None:
        bands = m.bands_for_score(r.previous_score)
        # a scored position (a cell of that score when there is one): not a published rating
        lk, ik = next(
            ((c.likelihood, c.impact) for c in m.cells if c.score == r.previous_score), (1, r.previous_score)
        )
        previous = AssessmentRow(lk, ik, r.previous_score, bands[-1].name if bands else m.bands[0].name)
    return MovementRow(risk=r, direction=r.direction, previous=previous, current=r.residual)


_CONTROLS = (
    "Asset management plan and planned preventative maintenance",
    "Service continuity plan with alternative sites for key staff",
    "Quarterly performance reports to the Community Safety Board and Co-ordination Group",
    "Six-monthly reports to Members; briefings with the Leader and Lead Member",
    "Internal audit of partnership funds",
)
_SERVICES = (
    ("CP", "Community Partnerships"),
    ("CS", "Corporate Services"),
    ("HS", "Housing Services"),
    ("ES", "Environmental Services"),
    ("FI", "Finance"),
    ("PL", "Planning Policy and Conservation"),
    ("LE", "Leisure and Community Services"),
    ("RB", "Revenues and Benefits"),
)


def many_risks(n: int, matrix: Matrix | None = None) -> list[RiskRow]:
    """`n` varied risks spread over eight services (for large reports)."""
    m = matrix or default_matrix()
    size_l, size_i = len(m.likelihood), len(m.impact)
    rows = []
    for k in range(n):
        code, name = _SERVICES[k % len(_SERVICES)]
        lk, ik = k % size_l + 1, (k * 7 // 3) % size_i + 1
        direction = DIRECTIONS[k % len(DIRECTIONS)]
        reviewed = date(2025, 9, 30) - timedelta(days=(k * 37) % 300)
        rows.append(
            risk(
                f"{code}{k // len(_SERVICES) + 1:02d}",
                risk_id=k + 1,
                service_code=code,
                service_name=name,
                title=f"Failure to deliver the {name.lower()} objectives (case {k})",
                consequence="Reduction in quality of life in the District; loss of reputation "
                "and legal challenge faced by the Council",
                controls=_CONTROLS[: 1 + k % len(_CONTROLS)],
                residual=(lk, ik),
                inherent=(size_l, ik),
                last_reviewed_on=reviewed,
                next_review_due=reviewed + timedelta(days=182),
                overdue=reviewed + timedelta(days=182) < date(2025, 9, 30),
                previous_score=None if direction == "new" else max(1, lk * ik - 2),
                direction=direction,
                status="closed" if direction == "closed" else "open",
                matrix=m,
            )
        )
    return rows


def corporate_report(risks: list[RiskRow], matrix: Matrix | None = None) -> CorporateReport:
    """The corporate register of `risks`, each escalated with a reason, every third linked to ST0n."""
    from app.reports.corporate import CorporateReport, CorporateRow
    from app.reports.queries import cells_of

    rows = [
        CorporateRow(
            risk=r,
            strategic_refs=(f"ST{index % 9 + 1:02d}",) if index % 3 == 0 else (),
            escalated_on=date(2025, 7, 1),
            escalation_reason="Very High at the last two reviews; affects several services.",
            escalated_by="risk-manager",
            actions=("Replace the casework system (Head of ICT, due 31 Mar 2026)",) if index % 2 else (),
            above_appetite=(None, True, False)[index % 3],
        )
        for index, r in enumerate(risks)
    ]
    return CorporateReport(
        as_of=date(2025, 9, 30),
        generated_at=datetime(2025, 10, 1, 9, 30, tzinfo=UTC),
        matrix=matrix or default_matrix(),
        appetite_version=2,
        rows=rows,
        heatmap=cells_of([r for r in risks if r.status == "open"], "residual"),
    )
