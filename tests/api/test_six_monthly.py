"""The six-monthly report as DOMAIN.md defines it, through the API on every engine: one register
with a risk in every movement group, a reopened risk, a late entry and a long-standing Very High,
reported for a period still running (D = today, "to date"); the JSON groups and counts, and the
same refs and counts in the PDF, HTML and XLSX of the same request."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from app.clock import today
from app.reports.rows import DIRECTIONS
from app.reports.words import DIRECTION_WORDS, MOVEMENT_HEADINGS, direction_label, format_long_day
from tests.api.builders import get_risk, make_action, make_risk, make_service, patch_risk, review

DAY = today()
START, END = DAY - timedelta(days=90), DAY + timedelta(days=90)  # the current period, mid-way
REF = re.compile(r"\bCP\d\d\b")

#: The movement group each risk of the register must fall in (every risk open in the period once).
GROUPS = {
    "new": {"CP01", "CP08", "CP10"},  # CP08: closed before the period, reopened in it
    "closed": {"CP02"},
    "first_assessed": {"CP03"},
    "up": {"CP04"},  # by a late review
    "down": {"CP05", "CP09"},
    "unchanged": {"CP06"},
    "not_assessed": {"CP07"},
}
LISTS = {
    "not_reviewed": {"CP06", "CP07", "CP08"},
    "overdue": {"CP06", "CP07", "CP08"},
    "long_standing_very_high": {"CP09"},
    "exceptions": {"CP04", "CP07", "CP09"},
    "above_appetite": set(),
}


def ago(days: int) -> date:
    return DAY - timedelta(days=days)


def set_status(client: TestClient, risk_id: int, status: str, on: date) -> None:
    _, etag = get_risk(client, risk_id)
    response = patch_risk(client, risk_id, etag, status=status, status_on=on.isoformat())
    assert response.status_code == 200, response.text


def build_register(client: TestClient) -> None:
    """The register of CP: one or more risks for every group and list of the report."""
    make_service(client)
    make_risk(client, ref="CP01", residual=(2, 3), reviewed_on=ago(30))
    cp02 = make_risk(client, ref="CP02", residual=(3, 3), reviewed_on=ago(200))
    set_status(client, cp02["id"], "closed", ago(20))
    cp03 = make_risk(client, ref="CP03", residual=None, opened_on=ago(200).isoformat())
    review(client, cp03["id"], (1, 1), reviewed_on=ago(10))
    cp04 = make_risk(client, ref="CP04", residual=(2, 2), reviewed_on=ago(200))
    late = review(client, cp04["id"], (3, 3), reviewed_on=ago(60))
    assert late["late"] is True  # recorded today, 60 days after its effective date
    cp05 = make_risk(client, ref="CP05", residual=(4, 4), reviewed_on=ago(200))
    review(client, cp05["id"], (2, 3), reviewed_on=ago(5))
    make_action(
        client, cp05["id"], due_on=DAY + timedelta(days=60), description="Diversify partnership funding"
    )
    make_risk(client, ref="CP06", residual=(2, 3), reviewed_on=ago(200))
    make_risk(client, ref="CP07", residual=None, opened_on=ago(200).isoformat())
    cp08 = make_risk(client, ref="CP08", residual=(1, 2), reviewed_on=ago(300))
    set_status(client, cp08["id"], "closed", ago(150))
    set_status(client, cp08["id"], "open", ago(40))
    cp09 = make_risk(client, ref="CP09", residual=(4, 4), reviewed_on=ago(400))
    review(client, cp09["id"], (4, 3), reviewed_on=ago(30))
    cp10 = make_risk(client, ref="CP10", residual=(4, 4), reviewed_on=ago(20))
    make_action(client, cp10["id"], due_on=DAY + timedelta(days=30), description="Recruit two caseworkers")
    make_action(client, cp10["id"], due_on=ago(5), description="Test the recovery plan", owner="ICT Manager")
    cp11 = make_risk(client, ref="CP11", residual=(2, 2), reviewed_on=ago(300))
    set_status(client, cp11["id"], "closed", ago(200))  # closed before the period: in no group


def six_monthly(client: TestClient, fmt: str) -> Any:
    params = {"from": START.isoformat(), "to": END.isoformat(), "format": fmt}
    response = client.get("/api/v1/reports/six-monthly", params=params)
    assert response.status_code == 200, response.text
    return response


def refs(entries: list[dict[str, Any]]) -> set[str]:
    assert all(e["service"] == "CP" for e in entries)
    return {e["ref"] for e in entries}


@pytest.fixture
def report(client: TestClient) -> dict[str, Any]:
    build_register(client)
    return six_monthly(client, "json").json()


def test_every_risk_open_in_the_period_is_in_exactly_one_movement_group(report: dict[str, Any]) -> None:
    assert (report["start"], report["end"]) == (START.isoformat(), END.isoformat())
    assert (report["report_date"], report["to_date"]) == (DAY.isoformat(), True)
    assert report["as_recorded"] is None
    assert report["audit_head"]["count"] > 0
    assert len(report["audit_head"]["hash"]) == 64
    assert {g: refs(report["groups"][g]) for g in DIRECTIONS} == GROUPS
    placed = [e["ref"] for g in DIRECTIONS for e in report["groups"][g]]
    assert len(placed) == len(set(placed)) == 10
    assert "CP11" not in placed
    assert {g: refs(report["groups"][g]) for g in LISTS} == LISTS
    reasons = {e["ref"]: e["reasons"] for e in report["groups"]["exceptions"]}
    assert reasons == {"CP04": ["no_open_action"], "CP07": ["not_assessed"], "CP09": ["no_open_action"]}


def test_the_summary_counts_the_lists_and_compares_with_the_previous_period(report: dict[str, Any]) -> None:
    summary = report["summary"]
    assert {g: summary[g] for g in DIRECTIONS} == {g: len(r) for g, r in GROUPS.items()}
    assert {g: summary[g] for g in LISTS} == {g: len(r) for g, r in LISTS.items()}
    assert summary["bands"] == {"Low": 2, "Medium": 3, "High": 1, "Very High": 2, "Not assessed": 1}
    # the day before the period: CP02 High, CP04 Low, CP05 and CP09 Very High, CP06 Medium,
    # CP03 and CP07 open but never assessed; CP08 closed then, CP01 and CP10 not yet opened
    assert summary["previous_bands"] == {"Low": 1, "Medium": 1, "High": 1, "Very High": 2, "Not assessed": 2}
    assert (summary["reviewed"], summary["not_reviewed"]) == (6, 3)


def test_each_risk_carries_its_positions_and_actions(report: dict[str, Any]) -> None:
    risks = {r["ref"]: r for r in report["risks"]}
    assert set(risks) == set().union(*GROUPS.values())
    assert (risks["CP02"]["end"], risks["CP02"]["closed_on"]) == (
        {"score": 9, "band": "High"},
        ago(20).isoformat(),
    )
    assert (risks["CP04"]["start"], risks["CP04"]["end"]) == (
        {"score": 4, "band": "Low"},
        {"score": 9, "band": "High"},
    )
    assert risks["CP07"]["end"] is None
    assert risks["CP03"]["start"] is None
    assert risks["CP08"]["reopened"] is True
    assert risks["CP08"]["direction"] == "new"
    actions = {a["description"]: a for a in risks["CP10"]["actions"]}
    assert actions["Test the recovery plan"]["overdue"] is True
    assert actions["Recruit two caseworkers"]["overdue"] is False
    # nothing after today: no overdue flag on a date still to come
    for risk in report["risks"]:
        if risk["overdue"]:
            assert risk["next_review_due"] is None or risk["next_review_due"] < DAY.isoformat()


def flat(text: str) -> str:
    return " ".join(text.split())


def _sections(text: str, headings: list[str]) -> dict[str, set[str]]:
    """The refs between each heading and the next (the last runs to the end of `text`)."""
    places = []
    for heading in headings:
        at = text.find(heading)
        assert at >= 0, f"{heading!r} is not in the document"
        places.append(at)
    assert places == sorted(places), "the headings are out of order"
    bounds = [*places[1:], len(text)]
    return {h: set(REF.findall(text[a:b])) for h, a, b in zip(headings, places, bounds, strict=True)}


def _expected_headings() -> list[str]:
    groups = [f"{MOVEMENT_HEADINGS[g]} ({len(GROUPS[g])})" for g in DIRECTIONS]
    return [*groups, "Long-standing Very High risks (1)"]


def test_the_pdf_html_and_xlsx_say_what_the_json_says(client: TestClient, report: dict[str, Any]) -> None:
    headings = _expected_headings()
    expected = {h: GROUPS[g] for h, g in zip(headings, DIRECTIONS, strict=False)}

    pdf = PdfReader(io.BytesIO(six_monthly(client, "pdf").content))
    pdf_text = "\n".join(page.extract_text() for page in pdf.pages)
    html = six_monthly(client, "html").text
    for text in (pdf_text, html):
        assert f"Report date: {format_long_day(DAY)} (to date" in text
        assert "No risk appetite statement is recorded" in text
        assert "Exceptions (3)" in text
        found = _sections(text, headings)
        assert {h: found[h] for h in expected} == expected
        for later in (DAY + timedelta(days=n) for n in range(1, 91)):
            assert f"Overdue {format_long_day(later)}" not in text
    assert "Risks not reviewed in the period (3)" in pdf_text
    assert "Risks overdue for review (3)" in html

    book = openpyxl.load_workbook(io.BytesIO(six_monthly(client, "xlsx").content))
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row[0]}
    for group in DIRECTIONS:
        assert summary[DIRECTION_WORDS[group]] == report["summary"][group]
    assert (summary["Exceptions"], summary["Overdue for review"]) == (3, 3)
    assert summary["Long-standing Very High"] == 1
    movement: dict[str, set[str]] = {}
    for row in list(book["Movement"].iter_rows(values_only=True))[1:]:
        movement.setdefault(str(row[0]), set()).add(str(row[1]))
    assert movement == {direction_label(g): GROUPS[g] for g in DIRECTIONS}
    sheets = {"Exceptions": "exceptions", "Not reviewed": "not_reviewed", "Overdue": "overdue"}
    for sheet, group in sheets.items():
        assert {str(r[0]) for r in list(book[sheet].iter_rows(values_only=True))[1:]} == LISTS[group]
    actions = list(book["Actions"].iter_rows(values_only=True))[1:]
    # every open risk's actions, not only the worst risks'
    described = ["Diversify partnership funding", "Recruit two caseworkers", "Test the recovery plan"]
    assert sorted(r[2] for r in actions) == described
    for text in (flat(pdf_text), html):
        assert "Actions (3)" in text
        for description in described:
            assert description in text


def test_a_past_period_reports_at_its_end_and_not_to_date(client: TestClient, report: dict[str, Any]) -> None:
    before = {
        "from": (START - timedelta(days=181)).isoformat(),
        "to": (START - timedelta(days=1)).isoformat(),
    }
    response = client.get("/api/v1/reports/six-monthly", params=before | {"format": "json"})
    assert response.status_code == 200, response.text
    past = response.json()
    assert (past["report_date"], past["to_date"]) == (before["to"], False)
    # CP08 and CP11 were closed in that period; CP01 and CP10 not yet opened
    assert refs(past["groups"]["closed"]) == {"CP08", "CP11"}
    placed = {e["ref"] for g in DIRECTIONS for e in past["groups"][g]}
    assert placed.isdisjoint({"CP01", "CP10"})
    assert past["summary"]["bands"] == report["summary"]["previous_bands"]
