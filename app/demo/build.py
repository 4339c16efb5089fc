"""Build the demo register from the two sample service plans.

Both plans are imported as they are, dated three weeks before the last completed
half-year (Community Partnerships' published ratings kept as published, band and score).
A second review round, inside that half, then gives Community Partnerships the
likelihood and impact its plan does not publish (demo values whose product mostly
matches the published rating), moves some Corporate Services risks up and
down, adds a new risk, closes one, and leaves a few unreviewed so that movement,
overdue risks and history all show in the six-monthly report for `--period last`.
"""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources

from sqlalchemy import Engine
from sqlmodel import select

from app.access.principal import SYSTEM, Principal, Role
from app.access.tokens import create_token
from app.clock import Calendar
from app.db import transaction
from app.fields import AssessmentIn
from app.importer.load import import_plan
from app.models import Risk, Service
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
        calendar = Calendar(today=today, interval_months=interval_months)
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
    return True


def demo_token(engine: Engine) -> str:
    """A fresh admin token for the person trying the demo."""
    with transaction(engine) as session:
        _, secret = create_token(
            session, SYSTEM, name=f"demo-admin-{utcnow():%Y%m%d-%H%M%S-%f}", role=Role.ADMIN
        )
    return secret
