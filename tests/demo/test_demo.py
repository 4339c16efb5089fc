"""The demo register shows what a newcomer should see: movement, overdue risks, history."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session

from app.access.tokens import authenticate
from app.demo.build import build_demo, demo_token
from app.reports.periods import half_containing
from app.reports.queries import review_report
from app.scoring import default_matrix

TODAY = date(2026, 11, 23)


def test_demo_register_has_movement_overdue_and_a_token(engine: Engine) -> None:
    assert build_demo(engine, default_matrix(), TODAY)
    assert not build_demo(engine, default_matrix(), TODAY)  # a second run reuses the register
    with Session(engine) as session:
        report = review_report(session, default_matrix(), half_containing(date(2026, 6, 1)))
    counts = {d: len(rows) for d, rows in report.movements.items()}
    # CS10 is new; CP's plan ratings are kept as published (issue 15), so its second round
    # moves them (CP07 Medium 6 -> 9) or leaves them unchanged, not "assessed for the first time".
    assert counts["new"] >= 1
    assert counts["unchanged"] >= 10
    assert counts["up"] >= 2
    assert counts["down"] >= 1
    assert counts["closed"] == 1
    assert {r.ref for r in report.not_reviewed} >= {"CP13", "CP14", "CS07", "CS08"}
    assert [s.service_code for s in report.summaries] == ["CP", "CS"]
    assert any(r.ref == "CS10" for r in report.high_risks)
    token = demo_token(engine)
    with Session(engine) as session:
        assert authenticate(session, token).role.value == "admin"
