"""The corporate register: every service's escalated risks in HTML, PDF, XLSX, CSV and JSON,
with owners, positions, direction, actions, reasons, strategic refs and a heat map; a later
service review shows on it; the home page and the command line reach it."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pypdf import PdfReader

from app.access.principal import Role
from app.clock import today
from tests.api.builders import make_risk, make_service
from tests.api.test_appetite import approve, as_role
from tests.cli.command import riskreg

URL = "/api/v1/reports/corporate-register"


def corporate(client: TestClient, fmt: str = "json") -> Any:
    response = client.get(URL, params={"format": fmt})
    assert response.status_code == 200, response.text
    return response.json() if fmt == "json" else response


def _council(client: TestClient) -> dict[str, Any]:
    make_service(client)
    make_service(client, code="HS", name="Housing Services")
    ict = make_risk(
        client,
        ref="CP02",
        aliases=["ST05"],
        residual=(3, 4),
        category="technology",
        owner="Head of Community Partnerships",
        reviewed_on=date(2026, 1, 5),
    )
    make_risk(client, ref="CP01", residual=(4, 4))  # not escalated
    homes = make_risk(client, service="HS", ref="HS01", residual=(4, 4), reviewed_on=date(2026, 1, 5))
    action = client.post(
        f"/api/v1/risks/{ict['id']}/actions",
        json={"description": "Replace the casework system", "owner": "Head of ICT", "due_on": "2027-03-31"},
    )
    assert action.status_code == 201, action.text
    for risk, on, reason in (
        (ict, "2026-02-01", "Loss of ICT stops front-line services"),
        (homes, "2026-03-01", "Temporary accommodation costs"),
    ):
        made = client.post(f"/api/v1/risks/{risk['id']}/escalate", json={"reason": reason, "on": on})
        assert made.status_code == 201, made.text
    return {"ict": ict, "homes": homes}


def test_the_escalated_risks_of_every_service_with_their_escalation_and_strategic_refs(
    client: TestClient,
) -> None:
    _council(client)
    approve(client, categories=[{"category": "technology", "level": "cautious"}])
    found = corporate(client)
    assert found["appetite_version"] == 1
    rows = {r["ref"]: r for r in found["risks"]}
    assert list(rows) == ["HS01", "CP02"]  # worst first
    ict = rows["CP02"]
    assert (ict["service"], ict["owner"], ict["strategic_refs"], ict["aliases"]) == (
        "CP",
        "Head of Community Partnerships",
        ["ST05"],
        ["ST05"],
    )
    assert ict["residual"] == {"likelihood": 3, "impact": 4, "score": 12, "band": "Very High"}
    assert (ict["escalated_on"], ict["escalation_reason"]) == (
        "2026-02-01",
        "Loss of ICT stops front-line services",
    )
    assert ict["above_appetite"] is True
    assert ict["actions"] == ["Replace the casework system (Head of ICT, due 31 March 2027)"]
    assert ict["direction"] in ("new", "unchanged", "up", "down")
    assert rows["HS01"]["above_appetite"] is None  # no category
    assert sorted(tuple(c.values())[:2] for c in found["heatmap"]) == [(3, 4), (4, 4)]


def test_a_later_service_review_of_an_escalated_risk_shows_on_the_corporate_register(
    app: FastAPI, client: TestClient
) -> None:
    risks = _council(client)
    day = today() - timedelta(days=1)
    with as_role(app, Role.EDITOR) as editor:  # the service's own editor reviews its risk
        reviewed = editor.post(
            f"/api/v1/risks/{risks['ict']['id']}/reviews",
            json={"residual": {"likelihood": 2, "impact": 2}, "reviewed_on": day.isoformat()},
        )
        assert reviewed.status_code == 201, reviewed.text
    ict = next(r for r in corporate(client)["risks"] if r["ref"] == "CP02")
    assert ict["residual"]["score"] == 4
    assert ict["last_reviewed_on"] == day.isoformat()
    assert ict["direction"] in ("down", "new")
    assert client.get(f"/api/v1/risks/{risks['ict']['id']}").json()["escalated"] is True


def test_a_de_escalated_risk_leaves_the_register(client: TestClient) -> None:
    risks = _council(client)
    back = client.post(f"/api/v1/risks/{risks['homes']['id']}/de-escalate", json={"reason": "Funding agreed"})
    assert back.status_code == 201, back.text
    assert [r["ref"] for r in corporate(client)["risks"]] == ["CP02"]


def test_every_format_shows_the_same_risks(client: TestClient) -> None:
    _council(client)
    html = corporate(client, "html")
    assert html.headers["content-type"].startswith("text/html")
    for text in (
        "Corporate risk register",
        "ST05",
        "Loss of ICT stops front-line services",
        "Housing Services",
    ):
        assert text in html.text
    assert 'alt="' in html.text  # the heat map's text alternative
    rows = list(csv.DictReader(io.StringIO(corporate(client, "csv").text)))
    assert [(r["ref"], r["strategic_refs"], r["escalated_on"]) for r in rows] == [
        ("HS01", "", "2026-03-01"),
        ("CP02", "ST05", "2026-02-01"),
    ]
    book = openpyxl.load_workbook(io.BytesIO(corporate(client, "xlsx").content))
    sheet = book.worksheets[0]
    heads = [c.value for c in sheet[1]]
    assert "Reason for escalation" in heads
    assert "Strategic ref" in heads
    assert [sheet.cell(row=r, column=1).value for r in (2, 3)] == ["HS01", "CP02"]
    pdf = corporate(client, "pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Corporate risk register" in text
    assert "ST05" in text
    assert client.get(URL, params={"format": "docx"}).status_code == 422


def test_an_editor_sees_only_its_services_escalated_risks(app: FastAPI, client: TestClient) -> None:
    _council(client)
    with as_role(app, Role.EDITOR) as editor:
        assert [r["ref"] for r in corporate(editor)["risks"]] == ["CP02"]
    with as_role(app, Role.AUDITOR) as auditor:
        assert [r["ref"] for r in corporate(auditor)["risks"]] == ["HS01", "CP02"]


def test_an_empty_corporate_register(client: TestClient) -> None:
    assert corporate(client)["risks"] == []
    assert "No risk is escalated." in corporate(client, "html").text
    assert corporate(client, "pdf").content.startswith(b"%PDF")


def test_the_home_page_links_to_it(client: TestClient) -> None:
    client.cookies.set("riskreg_token", client.headers["Authorization"].removeprefix("Bearer "))
    page = client.get("/")
    assert page.status_code == 200
    assert f'href="{URL}?format=pdf"' in page.text


def test_the_command_line_writes_it(client: TestClient, database_url: str, tmp_path: Path) -> None:
    _council(client)
    done = riskreg(
        tmp_path,
        "report",
        "corporate-register",
        "--format",
        "json",
        "-o",
        "c.json",
        database_url=database_url,
    )
    assert done.returncode == 0, done.stderr
    written = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert [r["ref"] for r in written["risks"]] == ["HS01", "CP02"]
    refused = riskreg(tmp_path, "report", "corporate-register", "--format", "docx", database_url=database_url)
    assert refused.returncode == 1


STRATEGIC_PLAN = """HOUSING SERVICES SERVICE PLAN 2021 - 2024

| Ref | Nature of Risk | Category | Consequence | Control Measures | Response | Risk Rating |
|-----|----------------|----------|-------------|------------------|----------|-------------|
| HS06/ ST05 | Homelessness demand | People | Families in temporary accommodation | Prevention fund | Treat | High - 8 |
| HS07 | Flooding of the depot | Property | Loss of vehicles | Insurance | Transfer | Low - 4 |
"""


def test_an_imported_strategic_ref_links_the_escalated_risk_to_the_strategic_register(
    client: TestClient,
) -> None:
    done = client.post(
        "/api/v1/imports",
        json={"text": STRATEGIC_PLAN, "filename": "hs.md", "service_code": "HS", "dry_run": False},
    )
    assert done.status_code == 201, done.text
    risks = {r["ref"]: r for r in client.get("/api/v1/risks", params={"service": "HS"}).json()["items"]}
    assert risks["HS06"]["aliases"] == ["ST05"]
    for ref in ("HS06", "HS07"):
        made = client.post(f"/api/v1/risks/{risks[ref]['id']}/escalate", json={"reason": "Council-wide"})
        assert made.status_code == 201, made.text
    shown = {r["ref"]: r["strategic_refs"] for r in corporate(client)["risks"]}
    assert shown == {"HS06": ["ST05"], "HS07": []}
