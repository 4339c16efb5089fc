"""The demo register shows what a newcomer should see: movement, overdue risks, history."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.access.tokens import authenticate
from app.actions import listing
from app.demo.build import build_demo, demo_token
from app.models import Action, Risk
from app.reports.periods import half_containing
from app.reports.queries import review_report
from app.scoring import default_matrix

TODAY = date(2026, 11, 23)


def test_demo_register_has_movement_overdue_and_a_token(engine: Engine) -> None:
    assert build_demo(engine, default_matrix(), TODAY)
    assert not build_demo(engine, default_matrix(), TODAY)  # a second run reuses the register
    with Session(engine) as session:
        report = review_report(session, default_matrix(), half_containing(date(2026, 6, 1)), today=TODAY)
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
    with Session(engine) as session:
        actions = session.exec(select(Action).order_by(col(Action.id))).all()
        notes = listing.progress_of(session, [a.id for a in actions if a.id is not None])
        owners = {r.ref: (r.owner, r.category) for r in session.exec(select(Risk)).all()}
    assert len(actions) == 5
    assert all(a.owner for a in actions)
    assert [a.description for a in actions if listing.is_overdue(a, TODAY)] == [
        "Run a full business continuity exercise and revise the plan"
    ]
    (done,) = [a for a in actions if a.status == "done"]
    assert done.completed_on is not None
    assert done.completed_on < TODAY
    assert len(notes[done.id or 0]) == 2
    assert any(0 <= (a.due_on - TODAY).days <= 30 for a in actions if a.status in listing.OPEN_STATUSES)
    assert owners["CS05"] == ("Emergency Planning Officer", "operations")
    token = demo_token(engine)
    with Session(engine) as session:
        assert authenticate(session, token).role.value == "admin"
