"""The appetite statement and the escalation decisions in the reports (issue 14), on every engine:
the six-monthly report measures its risks against the statement in force on its report date
(the old limits for a period that ended before a change), names that statement, counts and lists
the risks above it as exceptions and lists the period's escalations and de-escalations; the
register and its heat map mark the risks above appetite. The JSON, PDF, HTML, XLSX and CSV of the
same request agree."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import openpyxl
from fastapi.testclient import TestClient
from pypdf import PdfReader

from app.clock import today
from app.reports.periods import half_containing
from app.reports.words import format_long_day
from tests.api.builders import make_risk, make_service

DAY = today()
CURRENT = half_containing(DAY)
PERIOD = half_containing(CURRENT.start - timedelta(days=1))  # the last completed half
OPENED = PERIOD.start - timedelta(days=100)


def within(days: int) -> date:
    return PERIOD.start + timedelta(days=days)


def approve(client: TestClient, on: date, technology: str) -> None:
    body = {
        "approved_by": "Audit Committee",
        "approved_on": on.isoformat(),
        "categories": [
            {"category": "technology", "level": technology},
            {"category": "financial", "level": "averse"},
        ],
    }
    response = client.put("/api/v1/appetite", json=body)
    assert response.status_code == 201, response.text


def decide(client: TestClient, risk_id: int, kind: str, on: date, reason: str) -> None:
    response = client.post(f"/api/v1/risks/{risk_id}/{kind}", json={"reason": reason, "on": on.isoformat()})
    assert response.status_code in (200, 201), response.text


def build(client: TestClient) -> None:
    """CP01 (8) is within the first statement (technology open: 9) and above the second
    (technology cautious: 6), approved the day after the period; CP02 (12) is above both; CP03
    (financial, 1) within both; CP04 has no category. CP02 is escalated and de-escalated in the
    period, CP03 escalated after it."""
    make_service(client)
    common = {"opened_on": OPENED.isoformat(), "reviewed_on": OPENED, "response": "tolerate"}
    make_risk(client, ref="CP01", residual=(2, 4), category="technology", **common)
    cp02 = make_risk(client, ref="CP02", residual=(3, 4), category="technology", **common)
    cp03 = make_risk(client, ref="CP03", residual=(1, 1), category="financial", **common)
    make_risk(client, ref="CP04", residual=(4, 4), **common)
    approve(client, within(5), "open")
    approve(client, CURRENT.start, "cautious")
    decide(client, cp02["id"], "escalate", within(20), "Needs corporate funding")
    decide(client, cp02["id"], "de-escalate", within(40), "Funding agreed")
    decide(client, cp03["id"], "escalate", CURRENT.start, "Outside the period")


def six_monthly(client: TestClient, fmt: str, period: str = PERIOD.label) -> Any:
    response = client.get("/api/v1/reports/six-monthly", params={"period": period, "format": fmt})
    assert response.status_code == 200, response.text
    return response


def register(client: TestClient, fmt: str, **params: Any) -> Any:
    response = client.get("/api/v1/reports/register", params={"service": "CP", "format": fmt} | params)
    assert response.status_code == 200, response.text
    return response


def flat(text: str) -> str:
    return " ".join(text.split())


def section(text: str, heading: str, after: str) -> str:
    start = text.index(heading)
    return text[start : text.index(after, start + len(heading))]


def test_a_past_period_uses_the_statement_in_force_at_its_end_and_lists_its_decisions(
    client: TestClient,
) -> None:
    build(client)
    past = six_monthly(client, "json").json()
    assert past["appetite"] == {
        "version": 1,
        "approved_by": "Audit Committee",
        "approved_on": within(5).isoformat(),
    }
    assert past["appetite_statement"] is True
    assert [e["ref"] for e in past["groups"]["above_appetite"]] == ["CP02"]  # the old limits: 8 <= 9
    assert past["summary"]["above_appetite"] == 1
    exceptions = {e["ref"]: e["reasons"] for e in past["groups"]["exceptions"]}
    assert exceptions == {"CP02": ["above_appetite"]}
    shown = {r["ref"]: r["above_appetite"] for r in past["risks"]}
    assert shown == {"CP01": False, "CP02": True, "CP03": False, "CP04": None}
    assert [(e["service"], e["ref"], e["kind"], e["on"], e["reason"]) for e in past["escalations"]] == [
        ("CP", "CP02", "escalate", within(20).isoformat(), "Needs corporate funding"),
        ("CP", "CP02", "de-escalate", within(40).isoformat(), "Funding agreed"),
    ]

    current = six_monthly(client, "json", CURRENT.label).json()
    assert current["appetite"]["version"] == 2
    assert [e["ref"] for e in current["groups"]["above_appetite"]] == ["CP02", "CP01"]  # by score
    assert current["summary"]["above_appetite"] == 2
    assert [(e["ref"], e["kind"]) for e in current["escalations"]] == [("CP03", "escalate")]


def test_the_pdf_html_and_xlsx_name_the_statement_and_agree_with_the_json(client: TestClient) -> None:
    build(client)
    data = six_monthly(client, "json").json()
    above = {e["ref"] for e in data["groups"]["above_appetite"]}
    basis = f"Appetite: statement version 1, approved by Audit Committee on {format_long_day(within(5))}"
    pdf = PdfReader(io.BytesIO(six_monthly(client, "pdf").content))
    pdf_text = flat("\n".join(page.extract_text() for page in pdf.pages))
    html = flat(six_monthly(client, "html").text)
    for text in (pdf_text, html):
        assert basis in text
        assert "No risk appetite statement is recorded" not in text
        assert "Above appetite (statement version 1): CP02." in text
        listed = section(text, "Risks above appetite (1)", "Escalations and de-escalations (2)")
        assert {ref for ref in ("CP01", "CP02", "CP03", "CP04") if ref in listed} == above
        decisions = section(text, "Escalations and de-escalations (2)", "Service registers")
        for words in ("Escalated", "De-escalated", "Needs corporate funding", "Funding agreed", "CP02"):
            assert words in decisions
        assert "Outside the period" not in text
        assert "CP03" not in decisions

    book = openpyxl.load_workbook(io.BytesIO(six_monthly(client, "xlsx").content))
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row[0]}
    assert summary["Above appetite"] == 1
    assert basis in summary
    assert {str(r[0]) for r in list(book["Above appetite"].iter_rows(values_only=True))[1:]} == above
    rows = list(book["Escalations"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Decided on", "Decision", "Service", "Ref")
    assert [(r[1], r[3], r[5]) for r in rows[1:]] == [
        ("Escalated", "CP02", "Needs corporate funding"),
        ("De-escalated", "CP02", "Funding agreed"),
    ]
    exceptions = {str(r[0]): r[-1] for r in list(book["Exceptions"].iter_rows(values_only=True))[1:]}
    assert "above appetite" in exceptions["CP02"]


def test_without_a_statement_in_force_on_the_report_date_nothing_is_measured(client: TestClient) -> None:
    make_service(client)
    make_risk(client, ref="CP01", residual=(4, 4), category="technology", reviewed_on=OPENED)
    approve(client, CURRENT.start, "averse")  # approved after the past period ended
    past = six_monthly(client, "json").json()
    assert (past["appetite"], past["appetite_statement"]) == (None, False)
    assert past["groups"]["above_appetite"] == []
    assert past["summary"]["above_appetite"] == 0
    assert "No risk appetite statement is recorded" in six_monthly(client, "html").text
    assert six_monthly(client, "json", CURRENT.label).json()["summary"]["above_appetite"] == 1


def test_the_register_marks_the_risks_above_appetite_in_every_format(client: TestClient) -> None:
    build(client)
    now = register(client, "json").json()
    assert now["appetite"]["version"] == 2
    assert {r["ref"]: r["above_appetite"] for r in now["risks"]} == {
        "CP01": True,
        "CP02": True,
        "CP03": False,
        "CP04": None,
    }
    then = register(client, "json", as_of=within(30).isoformat()).json()  # before the change
    assert then["appetite"]["version"] == 1
    assert {r["ref"] for r in then["risks"] if r["above_appetite"]} == {"CP02"}

    rows = list(csv.DictReader(io.StringIO(register(client, "csv").text)))
    assert {r["ref"]: (r["above_appetite"], r["appetite_version"]) for r in rows} == {
        "CP01": ("Above", "2"),
        "CP02": ("Above", "2"),
        "CP03": ("Within", "2"),
        "CP04": ("", "2"),
    }
    book = openpyxl.load_workbook(io.BytesIO(register(client, "xlsx").content))
    sheet = book.worksheets[0]
    table = list(sheet.iter_rows(values_only=True))
    column = table[0].index("Appetite")
    assert {str(r[0]): r[column] for r in table[1:]} == {
        "CP01": "Above",
        "CP02": "Above",
        "CP03": "Within",
        "CP04": None,
    }
    assert "appetite statement version 2" in sheet.oddHeader.right.text
    basis = f"Appetite: statement version 2, approved by Audit Committee on {format_long_day(CURRENT.start)}"
    html = flat(register(client, "html").text)
    pdf = PdfReader(io.BytesIO(register(client, "pdf").content))
    pdf_text = flat("\n".join(page.extract_text() for page in pdf.pages))
    for text in (html, pdf_text):
        assert basis in text
        assert "Above appetite (statement version 2): CP02, CP01." in text
    old = flat(register(client, "html", as_of=within(30).isoformat()).text)
    assert "Above appetite (statement version 1): CP02." in old


def heatmap_svg(client: TestClient, **params: Any) -> str:
    response = client.get("/api/v1/reports/heatmap", params={"service": "CP", "format": "svg"} | params)
    assert response.status_code == 200, response.text
    return flat(response.text)


def test_the_heat_map_names_the_risks_above_appetite_and_the_statement_as_the_register_does(
    client: TestClient,
) -> None:
    """The standalone heat map (PNG and SVG, now, as of a day, as recorded at a moment) says under
    its grid which risks lie above appetite and by which statement version: the register's line."""
    build(client)
    line = "Above appetite (statement version 2): CP02, CP01."
    assert line in flat(register(client, "html").text)  # the register's heat map says so
    assert line in heatmap_svg(client)
    assert line in heatmap_svg(client, basis="both")
    assert line in heatmap_svg(client, as_recorded=datetime.now(UTC).isoformat())
    council = client.get("/api/v1/reports/heatmap", params={"format": "svg"})
    assert line in flat(council.text)
    assert "Above appetite (statement version 1): CP02." in heatmap_svg(client, as_of=within(30).isoformat())
    assert "appetite" not in heatmap_svg(client, basis="inherent").lower()  # appetite limits residual risk
    before = client.get("/api/v1/reports/heatmap", params={"service": "CP"})
    assert before.headers["content-type"] == "image/png"
    approve(client, DAY, "open")  # technology open (9): CP01 (8) within it now
    assert "Above appetite (statement version 3): CP02." in heatmap_svg(client)
    after = client.get("/api/v1/reports/heatmap", params={"service": "CP"})
    assert after.headers["ETag"] != before.headers["ETag"]  # the picture says something else


def test_without_a_statement_the_heat_map_says_none_is_recorded(client: TestClient) -> None:
    make_service(client)
    make_risk(client, ref="CP01", residual=(4, 4), category="technology", reviewed_on=OPENED)
    assert "No risk appetite statement is recorded" in heatmap_svg(client)
    assert "No risk appetite statement is recorded" in heatmap_svg(client, as_of=DAY.isoformat())
