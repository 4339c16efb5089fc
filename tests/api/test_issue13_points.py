"""Issue 13's points that no other test pinned down (the audit of 2026-11-30): every action write
names its actor in the trail, progress notes have no route to change or remove them, the route
walk reaches the new routes, the register and six-monthly report show each action's owner, due
date, status and overdue flag in every format (the XLSX Actions sheet and the CSV actions export
included), and the six-monthly exceptions take exactly the treat risks at High or Very High
with no open action."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from typing import Any

import openpyxl
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pypdf import PdfReader

from app.access.principal import Role
from app.clock import today
from app.reports.words import format_long_day
from tests.api.builders import field_names, make_action, make_risk, make_service
from tests.conftest import make_token

DAY = today()


def flat(text: str) -> str:
    return " ".join(text.split())


def html_text(html: str) -> str:
    """The words of an HTML document, its tags dropped."""
    return flat(re.sub(r"<[^>]+>", " ", html))


def pdf_text(content: bytes) -> str:
    return flat("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def named_editor(app: FastAPI, code: str, name: str) -> TestClient:
    token = make_token(app.state.engine, Role.EDITOR, [code], name=name)
    return TestClient(app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {token}"})


def test_every_action_write_is_in_the_trail_naming_its_actor(app: FastAPI, client: TestClient) -> None:
    make_service(client)
    risk = make_risk(client)
    editor = named_editor(app, "CP", "jo-bloggs-cp")
    created = editor.post(
        f"/api/v1/risks/{risk['id']}/actions",
        json={"description": "Recruit caseworkers", "owner": "Safety Manager", "due_on": "2030-03-31"},
    )
    assert created.status_code == 201, created.text
    action_id = created.json()["id"]
    changed = editor.patch(
        f"/api/v1/actions/{action_id}",
        json={"status": "in_progress"},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    noted = editor.post(f"/api/v1/actions/{action_id}/updates", json={"note": "Posts advertised"})
    assert noted.status_code == 201, noted.text
    # an admin's write names the admin
    admin_note = client.post(f"/api/v1/actions/{action_id}/updates", json={"note": "Checked"})
    assert admin_note.status_code == 201, admin_note.text

    events = client.get(
        "/api/v1/audit/events", params={"entity_type": "action", "entity_id": str(action_id)}
    ).json()["items"]
    assert [(e["action"], e["actor"]) for e in events] == [
        ("action.progress", "test-admin"),
        ("action.progress", "jo-bloggs-cp"),
        ("action.update", "jo-bloggs-cp"),
        ("action.create", "jo-bloggs-cp"),
    ]
    history = client.get(f"/api/v1/actions/{action_id}/history").json()
    assert [(e["action"], e["actor"]) for e in history] == [(e["action"], e["actor"]) for e in events]
    body = client.get(f"/api/v1/actions/{action_id}").json()
    assert (body["created_by"], body["updated_by"]) == ("jo-bloggs-cp", "test-admin")
    assert [u["created_by"] for u in body["updates"]] == ["jo-bloggs-cp", "test-admin"]


def test_a_progress_note_cannot_be_changed_or_removed(client: TestClient) -> None:
    make_service(client)
    action = make_action(client, make_risk(client)["id"])
    url = f"/api/v1/actions/{action['id']}/updates"
    note = client.post(url, json={"note": "Posts advertised"})
    assert note.status_code == 201, note.text
    note_id = note.json()["id"]
    # the notes' collection takes POST only: every other write is 405 Method Not Allowed
    for method in ("PUT", "PATCH", "DELETE"):
        refused = client.request(method, url, json={"note": "Rewritten"})
        assert refused.status_code == 405, (method, refused.text)
        assert "POST" in refused.headers["allow"]
    # and there is no route to one note at all
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        assert client.request(method, f"{url}/{note_id}", json={"note": "x"}).status_code in (404, 405)
    # nor any route of the app that could reach a note by another path
    for context in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        route = context.original_route
        if isinstance(route, APIRoute) and context.path and "updates" in context.path:
            # the API's and the risk page's form: both append
            assert context.path in ("/api/v1/actions/{action_id}/updates", "/actions/{action_id}/updates")
            assert set(context.methods or ()) == {"POST"}
    found = client.get(f"/api/v1/actions/{action['id']}").json()
    assert [(u["id"], u["note"]) for u in found["updates"]] == [(note_id, "Posts advertised")]
    assert [e["action"] for e in client.get(f"/api/v1/actions/{action['id']}/history").json()] == [
        "action.progress",
        "action.create",
    ]


def test_the_route_walk_reaches_the_action_appetite_and_escalation_routes(app: FastAPI) -> None:
    from tests.access.test_routes import BODIES, WRITES, calls

    walked = {c.key for c in calls(app)}
    wanted = {
        ("POST", "/api/v1/risks/{risk_id}/actions"),
        ("GET", "/api/v1/risks/{risk_id}/actions"),
        ("GET", "/api/v1/actions"),
        ("GET", "/api/v1/actions/{action_id}"),
        ("PATCH", "/api/v1/actions/{action_id}"),
        ("GET", "/api/v1/actions/{action_id}/history"),
        ("POST", "/api/v1/actions/{action_id}/updates"),
        ("GET", "/api/v1/appetite"),
        ("PUT", "/api/v1/appetite"),
        ("GET", "/api/v1/appetite/history"),
        ("POST", "/api/v1/risks/{risk_id}/escalate"),
        ("POST", "/api/v1/risks/{risk_id}/de-escalate"),
        ("GET", "/api/v1/reports/corporate-register"),
        ("GET", "/api/v1/categories"),
    }
    assert wanted <= walked
    # every write among them has a valid body, so the walk's refusals are the access check's
    assert {k for k in wanted if k[0] in WRITES} <= set(BODIES)


def _treatment(client: TestClient) -> dict[str, Any]:
    """CP01 (High, treat) with an overdue action, one in progress and one done; CP02 (Low) none."""
    make_service(client)
    cp01 = make_risk(client, ref="CP01", residual=(3, 3), reviewed_on=DAY - timedelta(days=30))
    make_risk(client, ref="CP02", residual=(1, 1), reviewed_on=DAY - timedelta(days=30))
    late = make_action(
        client,
        cp01["id"],
        due_on=DAY - timedelta(days=3),
        description="Test the recovery plan",
        owner="ICT Manager",
    )
    going = make_action(
        client,
        cp01["id"],
        due_on=DAY + timedelta(days=40),
        description="Recruit two caseworkers",
        owner="Safety Manager",
        status="in_progress",
    )
    done = make_action(
        client,
        cp01["id"],
        due_on=DAY - timedelta(days=10),
        description="Buy a second server",
        owner="Head of ICT",
        status="done",
        completed_on=(DAY - timedelta(days=12)).isoformat(),
    )
    return {"late": late, "going": going, "done": done}


EXPECTED = {  # description: (owner, due, status word, overdue)
    "Test the recovery plan": ("ICT Manager", DAY - timedelta(days=3), "Planned", True),
    "Recruit two caseworkers": ("Safety Manager", DAY + timedelta(days=40), "In progress", False),
    "Buy a second server": ("Head of ICT", DAY - timedelta(days=10), "Done", False),
}


def _register(client: TestClient, fmt: str, **params: Any) -> Any:
    response = client.get("/api/v1/reports/register", params={"service": "CP", "format": fmt} | params)
    assert response.status_code == 200, response.text
    return response


def _check_action_rows(rows: list[dict[str, Any]], status_of: Any, due_of: Any, flag_of: Any) -> None:
    by_action = {r["Action"]: r for r in rows}
    assert set(by_action) == set(EXPECTED)
    for description, (owner, due, status, overdue) in EXPECTED.items():
        row = by_action[description]
        assert (row["Ref"], row["Owner"]) == ("CP01", owner), row
        assert status_of(row["Status"]) == status, row
        assert due_of(row["Due"]) == due, row
        assert flag_of(row["Overdue"]) is overdue, row


def test_the_register_shows_each_actions_owner_due_date_status_and_overdue_in_every_format(
    client: TestClient,
) -> None:
    _treatment(client)
    # JSON
    risks = {r["ref"]: r for r in _register(client, "json").json()["risks"]}
    assert risks["CP02"]["actions"] == []
    shown = {a["description"]: a for a in risks["CP01"]["actions"]}
    for description, (owner, due, status, overdue) in EXPECTED.items():
        action = shown[description]
        assert (action["owner"], action["due_on"], action["overdue"]) == (owner, due.isoformat(), overdue)
        assert action["status"].replace("_", " ").capitalize() == status
    assert shown["Buy a second server"]["completed_on"] == (DAY - timedelta(days=12)).isoformat()

    # XLSX: the Actions sheet, a row per action
    book = openpyxl.load_workbook(io.BytesIO(_register(client, "xlsx").content))
    assert book.sheetnames[-1] == "Actions"
    table = list(book["Actions"].iter_rows(values_only=True))
    heads = list(table[0])
    assert {"Ref", "Action", "Owner", "Due", "Status", "Overdue"} <= set(heads)
    rows = [dict(zip(heads, r, strict=True)) for r in table[1:]]
    _check_action_rows(
        rows,
        status_of=str,
        due_of=lambda v: v.date() if hasattr(v, "date") else v,
        flag_of=lambda v: v == "Overdue",
    )

    # CSV: the actions export, one row per action
    exported = client.get(
        "/api/v1/reports/register", params={"service": "CP", "format": "csv", "table": "actions"}
    )
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(lines) == 3
    assert {line["service_code"] for line in lines} == {"CP"}
    _check_action_rows(
        [
            {
                "Ref": line["ref"],
                "Action": line["action"],
                "Owner": line["owner"],
                "Status": line["status"],
                "Due": line["due_on"],
                "Overdue": line["overdue"],
            }
            for line in lines
        ],
        status_of=lambda v: v.replace("_", " ").capitalize(),
        due_of=date.fromisoformat,
        flag_of=lambda v: {"yes": True, "no": False}[v],
    )
    # the per-risk CSV counts them; the actions table is a CSV export only
    per_risk = {r["ref"]: r for r in csv.DictReader(io.StringIO(_register(client, "csv").text))}
    assert (per_risk["CP01"]["actions"], per_risk["CP02"]["actions"]) == ("3", "0")
    wrong = client.get(
        "/api/v1/reports/register", params={"service": "CP", "format": "pdf", "table": "actions"}
    )
    assert wrong.status_code == 422
    assert field_names(wrong) == ["query.table"]

    # HTML and PDF: the Actions section names each action's owner, due date and status
    html = html_text(_register(client, "html").text)
    pdf = pdf_text(_register(client, "pdf").content)
    for text in (html, pdf):
        assert "Actions (3)" in text
        section = text[text.index("Actions (3)") :]
        for description, (owner, due, status, _) in EXPECTED.items():
            assert description in section
            assert owner in section
            assert format_long_day(due) in section
            assert status in section
        assert f"Overdue {format_long_day(DAY - timedelta(days=3))}" in section
        assert f"Overdue {format_long_day(DAY - timedelta(days=10))}" not in section  # done: not overdue
        assert f"Overdue {format_long_day(DAY + timedelta(days=40))}" not in section


def test_the_six_monthly_report_shows_each_actions_owner_due_date_status_and_overdue(
    client: TestClient,
) -> None:
    _treatment(client)
    params = {"from": (DAY - timedelta(days=90)).isoformat(), "to": (DAY + timedelta(days=90)).isoformat()}

    def six_monthly(fmt: str) -> Any:
        response = client.get("/api/v1/reports/six-monthly", params=params | {"format": fmt})
        assert response.status_code == 200, response.text
        return response

    risks = {r["ref"]: r for r in six_monthly("json").json()["risks"]}
    shown = {a["description"]: a for a in risks["CP01"]["actions"]}
    assert {d: (a["owner"], a["due_on"], a["overdue"]) for d, a in shown.items()} == {
        d: (owner, due.isoformat(), overdue) for d, (owner, due, _, overdue) in EXPECTED.items()
    }
    book = openpyxl.load_workbook(io.BytesIO(six_monthly("xlsx").content))
    table = list(book["Actions"].iter_rows(values_only=True))
    heads = list(table[0])
    _check_action_rows(
        [dict(zip(heads, r, strict=True)) for r in table[1:]],
        status_of=str,
        due_of=lambda v: v.date() if hasattr(v, "date") else v,
        flag_of=lambda v: v == "Overdue",
    )
    for text in (html_text(six_monthly("html").text), pdf_text(six_monthly("pdf").content)):
        section = text[text.index("Actions (3)") :]
        for description, (owner, due, status, _) in EXPECTED.items():
            for words in (description, owner, format_long_day(due), status):
                assert words in section, words
        assert f"Overdue {format_long_day(DAY - timedelta(days=3))}" in section


def test_the_six_monthly_exceptions_take_treat_risks_at_high_or_very_high_with_no_open_action(
    client: TestClient,
) -> None:
    make_service(client)
    reviewed = DAY - timedelta(days=20)

    def risk(ref: str, residual: tuple[int, int], response: str = "treat") -> int:
        return int(
            make_risk(client, ref=ref, residual=residual, reviewed_on=reviewed, response=response)["id"]
        )

    risk("CP01", (3, 3))  # High, treat, no action: an exception
    closed_out = risk("CP02", (4, 4))  # Very High, treat, only a done and a cancelled action: one
    make_action(client, closed_out, status="done")
    make_action(client, closed_out, status="cancelled")
    planned = risk("CP03", (4, 4))  # Very High, treat, a planned action: not one
    make_action(client, planned)
    late = risk("CP04", (3, 3))  # High, treat, an overdue (still open) action: not one
    make_action(client, late, due_on=DAY - timedelta(days=5))
    risk("CP05", (4, 4), response="tolerate")  # not a treat risk: not one
    risk("CP06", (2, 3))  # Medium, treat, no action: not one
    params = {
        "from": (DAY - timedelta(days=90)).isoformat(),
        "to": (DAY + timedelta(days=90)).isoformat(),
        "format": "json",
    }
    report = client.get("/api/v1/reports/six-monthly", params=params).json()
    reasons = {e["ref"]: e["reasons"] for e in report["groups"]["exceptions"]}
    assert {ref for ref, why in reasons.items() if "no_open_action" in why} == {"CP01", "CP02"}
    assert report["summary"]["exceptions"] == len(report["groups"]["exceptions"])
    html = html_text(client.get("/api/v1/reports/six-monthly", params=params | {"format": "html"}).text)
    assert "treat risk with no open action" in html


PLAN = """HOUSING SERVICES SERVICE PLAN 2021 - 2024

| Ref | Nature of Risk | Consequence | Control Measures | Response | Risk Rating | {actions} | Owner of action | Due date |
|-----|----------------|-------------|------------------|----------|-------------|-----------|-----------------|----------|
| HS01 | Homelessness demand | Families in temporary accommodation | Prevention fund | Treat | High - 8 | Open a second hostel | Head of Housing | 31/03/2023 |
"""


@pytest.mark.parametrize("heading", ["Action", "Actions", "Planned", "Further action required"])
def test_the_import_reads_an_action_or_planned_column_under_its_plain_names(
    client: TestClient, heading: str
) -> None:
    response = client.post(
        "/api/v1/imports",
        json={"text": PLAN.format(actions=heading), "filename": "hs.md", "dry_run": False},
    )
    assert response.status_code in (200, 201), response.text
    items = client.get("/api/v1/actions", params={"service": "HS"}).json()["items"]
    assert [(a["risk_ref"], a["description"], a["owner"], a["due_on"]) for a in items] == [
        ("HS01", "Open a second hostel", "Head of Housing", "2023-03-31")
    ]
