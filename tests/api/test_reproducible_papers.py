"""A past paper produced again (issue 12): the six-monthly report for a past period with
`as_recorded=T` says the same (all but its "produced at" line) however much is recorded after
T: backdated reviews, a backdated closing, a reopening, a renamed risk, a backdated new risk,
new actions, a backdated appetite statement and a backdated escalation (issue 14). Without `as_recorded` the same request sees those changes (so the comparison can
fail). On every engine."""

from __future__ import annotations

import io
import re
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import openpyxl
from fastapi.testclient import TestClient
from pypdf import PdfReader

from app.clock import today
from app.reports.periods import half_containing
from tests.api.builders import get_risk, make_action, make_risk, make_service, patch_risk, review

DAY = today()
PERIOD = half_containing(half_containing(DAY).start - timedelta(days=1))  # the last completed half
PRODUCED = re.compile(r"Produced [^·<\n\"]*")


def within(days: int) -> date:
    """A day `days` after the start of the period (inside it)."""
    return PERIOD.start + timedelta(days=days)


def set_status(client: TestClient, risk_id: int, status: str, on: date) -> None:
    _, etag = get_risk(client, risk_id)
    response = patch_risk(client, risk_id, etag, status=status, status_on=on.isoformat())
    assert response.status_code == 200, response.text


def paper(client: TestClient, fmt: str, as_recorded: datetime | None) -> Any:
    params = {"period": PERIOD.label, "format": fmt}
    if as_recorded is not None:
        params["as_recorded"] = as_recorded.isoformat()
    response = client.get("/api/v1/reports/six-monthly", params=params)
    assert response.status_code == 200, response.text
    return response


def contents(client: TestClient, as_recorded: datetime | None) -> dict[str, Any]:
    """What each format says, without the moment it was produced."""
    report = paper(client, "json", as_recorded).json()
    report.pop("produced_at")
    html = PRODUCED.sub("", paper(client, "html", as_recorded).text)
    pdf = PdfReader(io.BytesIO(paper(client, "pdf", as_recorded).content))
    pdf_text = [PRODUCED.sub("", page.extract_text()) for page in pdf.pages]
    book = openpyxl.load_workbook(io.BytesIO(paper(client, "xlsx", as_recorded).content))
    cells = {
        sheet.title: [
            [PRODUCED.sub("", v) if isinstance(v, str) else v for v in row]
            for row in sheet.iter_rows(values_only=True)
        ]
        for sheet in book.worksheets
    }
    return {"json": report, "html": html, "pdf": pdf_text, "xlsx": cells}


def build(client: TestClient) -> dict[str, int]:
    """A register whose period is over: reviews before and in it, a closing in it, an action."""
    make_service(client)
    ids = {}
    technology = {"category": "technology", "opened_on": (PERIOD.start - timedelta(days=120)).isoformat()}
    ids["CP01"] = make_risk(
        client, ref="CP01", residual=(3, 3), reviewed_on=PERIOD.start - timedelta(days=60), **technology
    )["id"]
    ids["CP02"] = make_risk(
        client, ref="CP02", residual=(2, 2), reviewed_on=PERIOD.start - timedelta(days=90), **technology
    )["id"]
    review(client, ids["CP02"], (3, 4), reviewed_on=within(30))
    ids["CP03"] = make_risk(
        client, ref="CP03", residual=(4, 4), reviewed_on=PERIOD.start - timedelta(days=30)
    )["id"]
    set_status(client, ids["CP03"], "closed", within(60))
    ids["CP04"] = make_risk(
        client, ref="CP04", residual=(2, 3), reviewed_on=PERIOD.start - timedelta(days=200)
    )["id"]
    make_action(client, ids["CP02"], due_on=within(90), description="Second supplier for the helpline")
    # the appetite in force at the end of the period (technology open: 9; CP02 at 12 is above it)
    # and an escalation in the period
    approve(client, within(5), "open")
    decide(client, ids["CP02"], "escalate", within(35), "Needs corporate funding")
    return ids


def approve(client: TestClient, on: date, technology: str) -> None:
    body = {
        "approved_by": "Audit Committee",
        "approved_on": on.isoformat(),
        "categories": [{"category": "technology", "level": technology}],
    }
    response = client.put("/api/v1/appetite", json=body)
    assert response.status_code == 201, response.text


def decide(client: TestClient, risk_id: int, kind: str, on: date, reason: str) -> None:
    response = client.post(f"/api/v1/risks/{risk_id}/{kind}", json={"reason": reason, "on": on.isoformat()})
    assert response.status_code in (200, 201), response.text


def record_after(client: TestClient, ids: dict[str, int]) -> None:
    """Everything recorded after T that bears on the period."""
    review(client, ids["CP01"], (4, 4), reviewed_on=within(40))  # backdated into the period: late
    set_status(client, ids["CP03"], "open", DAY)  # reopened: the closing in the period stays
    set_status(client, ids["CP04"], "closed", within(100))  # a backdated closing
    _, etag = get_risk(client, ids["CP02"])
    assert patch_risk(client, ids["CP02"], etag, title="Renamed after the committee").status_code == 200
    make_risk(
        client,
        ref="CP05",
        residual=(4, 3),
        reviewed_on=within(20),
        opened_on=within(10).isoformat(),
        category="technology",
    )
    make_action(client, ids["CP01"], due_on=DAY + timedelta(days=30), description="New action after T")
    approve(client, within(50), "cautious")  # backdated into the period: CP01 (16) and CP02 above 6
    decide(client, ids["CP02"], "de-escalate", within(70), "Backdated de-escalation")
    decide(client, ids["CP01"], "escalate", within(80), "Backdated escalation")


def test_a_past_paper_as_recorded_at_t_is_the_same_after_more_is_recorded(client: TestClient) -> None:
    ids = build(client)
    time.sleep(0.01)
    moment = datetime.now(UTC)
    time.sleep(0.01)
    first = contents(client, moment)
    assert first["json"]["as_recorded"] is not None
    assert {e["ref"] for e in first["json"]["groups"]["closed"]} == {"CP03"}
    assert {e["ref"] for e in first["json"]["groups"]["up"]} == {"CP02"}
    assert first["json"]["appetite"]["version"] == 1
    assert {e["ref"] for e in first["json"]["groups"]["above_appetite"]} == {"CP02"}
    assert [(e["ref"], e["kind"]) for e in first["json"]["escalations"]] == [("CP02", "escalate")]

    record_after(client, ids)
    again = contents(client, moment)
    for fmt in ("json", "html", "pdf", "xlsx"):
        assert again[fmt] == first[fmt], f"the {fmt} paper changed"

    # the same request without as_recorded sees what was recorded after T
    now = paper(client, "json", None).json()
    assert {e["ref"] for e in now["groups"]["new"]} == {"CP05"}
    assert {e["ref"] for e in now["groups"]["closed"]} == {"CP03", "CP04"}
    assert {e["ref"] for e in now["groups"]["up"]} == {"CP01", "CP02"}
    titles = {r["ref"]: r["title"] for r in now["risks"]}
    assert titles["CP02"] == "Renamed after the committee"
    assert now["appetite"]["version"] == 2
    assert {e["ref"] for e in now["groups"]["above_appetite"]} == {"CP01", "CP02", "CP05"}
    assert [(e["ref"], e["kind"]) for e in now["escalations"]] == [
        ("CP02", "escalate"),
        ("CP02", "de-escalate"),
        ("CP01", "escalate"),
    ]
    assert now["audit_head"]["count"] > first["json"]["audit_head"]["count"]
