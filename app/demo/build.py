"""Build the demo register from the two sample service plans.

Both plans are imported as they are, dated three weeks before the last completed
half-year (Community Partnerships' published ratings kept as published, band and score).
A second review round, inside that half, then gives Community Partnerships the
likelihood and impact its plan does not publish (demo values whose product mostly
matches the published rating), moves some Corporate Services risks up and
down, adds a new risk, closes one, and leaves a few unreviewed so that movement,
overdue risks and history all show in the six-monthly report for `--period last`.
The worst risks then get owners, categories and actions: one in progress with a note,
one overdue, one due within the month, one planned, one done with progress notes.
"""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from app.access.principal import SYSTEM, Principal, Role
from app.access.tokens import create_token
from app.actions.schemas import ActionCreate, ActionUpdate, ProgressCreate
from app.actions.service import add_progress, create_action, update_action
from app.actions.service import etag as action_etag
from app.clock import Calendar
from app.db import transaction
from app.fields import AssessmentIn
from app.importer.load import import_plan
from app.models import Action, Risk, Service
from app.models.base import utcnow
from app.reports.periods import half_containing
from app.risks.reviews import review_service
from app.risks.schemas import RiskCreate, RiskUpdate, ServiceReviewCreate, ServiceReviewItem
from app.risks.service import create_risk, etag, update_risk
from app.scoring import Matrix

PLANS = ("community-partnerships-2019-2022.txt", "corporate-services-2020-2023.txt")
DEMO = Principal(name="demo builder", role=Role.ADMIN)

#: Second-round assessments (likelihood, impact); refs absent here stay unreviewed (overdue).
SECOND_ROUND = {
    "CP": {
        "CP01": (2, 2),
        "CP02": (1, 4),
        "CP03": (2, 2),
        "CP04": (2, 3),
        "CP05": (3, 2),
        "CP06": (1, 2),
        "CP07": (3, 3),
        "CP08": (1, 2),
        "CP09": (2, 1),
        "CP10": (1, 2),
        "CP11": (2, 2),
        "CP12": (1, 2),
    },
    "CS": {"CS01": (3, 3), "CS02": (1, 2), "CS03": (2, 2), "CS04": (2, 2), "CS05": (3, 4), "CS06": (2, 2)},
}


def build_demo(engine: Engine, matrix: Matrix, today: date, interval_months: int = 6) -> bool:
    """Fill an empty register with the demo data; False when the register already holds services."""
    with transaction(engine) as session:
        if session.exec(select(Service)).first() is not None:
            return False
        period = half_containing(half_containing(today).start - timedelta(days=1))
        first_round = period.start - timedelta(days=21)
        second_round = period.end - timedelta(days=10)
        for name in PLANS:
            text = resources.files("app.demo").joinpath("plans", name).read_text("utf-8")
            import_plan(
                session,
                DEMO,
                matrix,
                text,
                today=today,
                interval_months=interval_months,
                reviewed_on=first_round,
                source=name,
            )
        calendar = Calendar(
            today=today, interval_months=interval_months, band_months=matrix.review_intervals()
        )
        for code, assessments in SECOND_ROUND.items():
            review_service(
                session,
                DEMO,
                matrix,
                calendar,
                code,
                ServiceReviewCreate(
                    reviewed_on=second_round,
                    reviewer=f"{code} service review meeting",
                    reviews=[
                        ServiceReviewItem(
                            ref=ref,
                            residual=AssessmentIn(likelihood=lk, impact=im),
                            # the worst risks are treated from this round (their actions follow)
                            response="treat" if ref in TREATED else None,
                            notes="Demo second review round",
                        )
                        for ref, (lk, im) in assessments.items()
                    ],
                ),
            )
        create_risk(
            session,
            DEMO,
            matrix,
            calendar,
            "CS",
            RiskCreate(
                ref="CS10",
                title="Cyber attack disables council systems",
                consequence="Loss of services and data; ransom demand; reputational damage",
                owner="Head of ICT",
                response="treat",
                controls=["Patching policy", "Offline back-ups tested quarterly", "Staff phishing training"],
                residual=AssessmentIn(likelihood=3, impact=4),
                inherent=AssessmentIn(likelihood=4, impact=4),
                target=AssessmentIn(likelihood=2, impact=3),
                reviewed_on=second_round,
            ),
        )
        staff = session.exec(select(Risk).where(Risk.ref == "CS09")).one()
        assert staff.id is not None
        update_risk(
            session,
            DEMO,
            calendar,
            staff.id,
            etag(staff),
            RiskUpdate(status="closed", closed_on=second_round),
        )
        _add_treatment(session, calendar)
    return True


#: Owners and categories of the risks that carry actions (the plans name neither).
TREATED = {
    "CP07": ("Head of Community Partnerships", "strategy"),
    "CS01": ("Head of Corporate Services", "people"),
    "CS05": ("Emergency Planning Officer", "operations"),
    "CS10": ("Head of ICT", "technology"),
}


def _add_treatment(session: Session, calendar: Calendar) -> None:
    """Owners, categories and a few actions on the worst risks, dated around `calendar.today`."""
    today = calendar.today
    risks: dict[str, int] = {}
    for ref, (owner, category) in TREATED.items():
        risk = session.exec(select(Risk).where(Risk.ref == ref)).one()
        assert risk.id is not None
        risks[ref] = risk.id
        update_risk(
            session,
            DEMO,
            calendar,
            risk.id,
            etag(risk),
            RiskUpdate(owner=owner, category=category),
        )

    def action(ref: str, description: str, owner: str, due_in_days: int, **more: Any) -> int:
        new = ActionCreate(
            description=description, owner=owner, due_on=today + timedelta(days=due_in_days), **more
        )
        return create_action(session, DEMO, calendar, risks[ref], new).id

    strategy = action(
        "CP07",
        "Refresh the Community Strategy action plan with partners",
        "Partnerships Officer",
        45,
        status="in_progress",
    )
    add_progress(
        session,
        DEMO,
        calendar,
        strategy,
        ProgressCreate(note="Partner workshop held; draft plan circulated."),
    )
    action(
        "CS01",
        "Cross-train two officers on payroll and procurement",
        "Head of Corporate Services",
        20,
        status="in_progress",
    )
    action(
        "CS05",
        "Run a full business continuity exercise and revise the plan",
        "Emergency Planning Officer",
        -14,
    )
    action("CS10", "Commission an external penetration test", "Head of ICT", 90)
    mfa = action("CS10", "Require multi-factor authentication for remote access", "Head of ICT", -30)
    for note in ("Pilot with the ICT team complete.", "Rolled out to all staff; legacy VPN accounts closed."):
        add_progress(session, DEMO, calendar, mfa, ProgressCreate(note=note))
    done = session.get(Action, mfa)
    assert done is not None
    update_action(
        session,
        DEMO,
        calendar,
        mfa,
        action_etag(done),
        ActionUpdate(status="done", completed_on=today - timedelta(days=2)),
    )


def demo_token(engine: Engine) -> str:
    """A fresh admin token for the person trying the demo."""
    with transaction(engine) as session:
        _, secret = create_token(
            session, SYSTEM, name=f"demo-admin-{utcnow():%Y%m%d-%H%M%S-%f}", role=Role.ADMIN
        )
    return secret
