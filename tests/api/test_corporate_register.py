"""The corporate register: every service's escalated risks in HTML, PDF, XLSX, CSV and JSON,
with owners, positions, direction, actions, reasons, strategic refs and a heat map; a later
service review shows on it; the home page and the command line reach it."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
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


PRODUCED = re.compile(r"Produced [^·<\n\"]*")


def papers(client: TestClient, **params: str) -> dict[str, Any]:
    """What every format of the corporate register says, without the moment it was produced."""
    found: dict[str, Any] = {}
    for fmt in ("json", "html", "pdf", "xlsx", "csv"):
        response = client.get(URL, params={"format": fmt} | params)
        assert response.status_code == 200, response.text
        if fmt == "json":
            data = response.json()
            data.pop("generated_at")
            found[fmt] = data
        elif fmt == "pdf":
            pages = PdfReader(io.BytesIO(response.content)).pages
            found[fmt] = [PRODUCED.sub("", page.extract_text()) for page in pages]
        elif fmt == "xlsx":
            book = openpyxl.load_workbook(io.BytesIO(response.content))
            found[fmt] = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        else:
            found[fmt] = PRODUCED.sub("", response.text)
    return found


def test_a_corporate_register_as_recorded_at_t_is_the_same_after_more_is_recorded(client: TestClient) -> None:
    """Produced with as_recorded=T, the corporate register says the same however many
    escalations, de-escalations and backdated reviews are recorded after T; without it, the
    same request sees them."""
    risks = _council(client)
    others = client.get("/api/v1/risks", params={"service": "CP"}).json()["items"]
    cp01 = next(r for r in others if r["ref"] == "CP01")
    time.sleep(0.01)
    moment = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    first = papers(client, as_recorded=moment)
    assert [r["ref"] for r in first["json"]["risks"]] == ["HS01", "CP02"]
    assert first["json"]["as_recorded"] is not None

    backdated = today() - timedelta(days=2)
    for risk_id, kind, body in (
        (cp01["id"], "escalate", {"reason": "Recorded after T"}),
        (risks["homes"]["id"], "de-escalate", {"reason": "Recorded after T", "on": backdated.isoformat()}),
    ):
        made = client.post(f"/api/v1/risks/{risk_id}/{kind}", json=body)
        assert made.status_code == 201, made.text
    late = client.post(
        f"/api/v1/risks/{risks['ict']['id']}/reviews",
        json={"residual": {"likelihood": 1, "impact": 2}, "reviewed_on": backdated.isoformat()},
    )
    assert late.status_code == 201, late.text

    again = papers(client, as_recorded=moment)
    for fmt in first:
        assert again[fmt] == first[fmt], f"the {fmt} corporate register changed"
    now = corporate(client)
    assert [r["ref"] for r in now["risks"]] == ["CP01", "CP02"]
    assert next(r for r in now["risks"] if r["ref"] == "CP02")["residual"]["score"] == 2


def test_as_of_a_day_lists_the_risks_escalated_then_at_their_positions_then(client: TestClient) -> None:
    risks = _council(client)  # CP02 escalated on 1 February 2026, HS01 on 1 March 2026
    later = today() - timedelta(days=1)
    reviewed = client.post(
        f"/api/v1/risks/{risks['ict']['id']}/reviews",
        json={"residual": {"likelihood": 2, "impact": 2}, "reviewed_on": later.isoformat()},
    )
    assert reviewed.status_code == 201, reviewed.text

    def on(day: date) -> dict[str, Any]:
        response = client.get(URL, params={"format": "json", "as_of": day.isoformat()})
        assert response.status_code == 200, response.text
        return response.json()

    assert on(date(2026, 1, 31))["risks"] == []
    february = on(date(2026, 2, 15))
    assert february["as_of"] == "2026-02-15"
    (ict,) = february["risks"]
    assert (ict["ref"], ict["residual"]["score"], ict["escalated_on"]) == ("CP02", 12, "2026-02-01")
    assert ict["actions"] == []  # the action was recorded after that day
    assert [r["ref"] for r in on(date(2026, 3, 1))["risks"]] == ["HS01", "CP02"]
    assert next(r for r in corporate(client)["risks"] if r["ref"] == "CP02")["residual"]["score"] == 4
    html = client.get(URL, params={"format": "html", "as_of": "2026-02-15"})
    assert "as at 15 February 2026" in html.text
    assert html.headers["content-disposition"].endswith("corporate-risk-register-2026-02-15.html")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"as_of": (today() + timedelta(days=1)).isoformat()}, "as_of"),
        ({"as_of": "1999-12-31"}, "as_of"),
        ({"as_of": "31/12/2025"}, "as_of"),
        ({"as_recorded": "2026-01-01T10:00:00"}, "as_recorded"),
        ({"as_recorded": (datetime.now(UTC) + timedelta(days=2)).isoformat()}, "as_recorded"),
    ],
)
def test_a_bad_day_or_moment_is_refused_naming_the_field(
    client: TestClient, params: dict[str, str], field: str
) -> None:
    for path in ("corporate-register", "heatmap", "register", "six-monthly"):
        extra = {"service": "CP"} if path == "register" else {}
        response = client.get(f"/api/v1/reports/{path}", params=params | extra)
        assert response.status_code == 422, (path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in response.text, (path, response.text)


def test_every_report_and_the_heat_map_take_as_of_and_as_recorded(client: TestClient) -> None:
    _council(client)
    moment = datetime.now(UTC).isoformat()
    day = (today() - timedelta(days=1)).isoformat()
    for path, params in (
        ("corporate-register", {"format": "json"}),
        ("register", {"service": "CP", "format": "json"}),
        ("six-monthly", {"period": "current", "format": "json"}),
        ("heatmap", {"format": "svg"}),
    ):
        response = client.get(
            f"/api/v1/reports/{path}", params=params | {"as_of": day, "as_recorded": moment}
        )
        assert response.status_code == 200, (path, response.text)
    six = client.get(
        "/api/v1/reports/six-monthly", params={"period": "current", "format": "json", "as_of": day}
    ).json()
    assert six["report_date"] == min(day, six["end"])


def test_the_command_line_takes_as_of_and_as_recorded(
    client: TestClient, database_url: str, tmp_path: Path
) -> None:
    _council(client)
    moment = datetime.now(UTC).isoformat()
    done = riskreg(
        tmp_path,
        "report",
        "corporate-register",
        "--format",
        "json",
        "--as-of",
        "2026-02-15",
        "--as-recorded",
        moment,
        "-o",
        "c.json",
        database_url=database_url,
    )
    assert done.returncode == 0, done.stderr
    written = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert (written["as_of"], [r["ref"] for r in written["risks"]]) == ("2026-02-15", ["CP02"])
    refused = riskreg(
        tmp_path, "report", "corporate-register", "--as-recorded", "2026-01-01", database_url=database_url
    )
    assert refused.returncode == 1
    assert "--as-recorded" in refused.stderr + refused.stdout
