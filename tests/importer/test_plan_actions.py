"""A plan's action/planned columns become actions of its risks, through the action service
(issue 13's import point): with owners and due dates, never invented, never twice."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

PLAN = """HOUSING SERVICES SERVICE PLAN {period}

| Ref | Nature of Risk | Consequence | Control Measures | Response | Risk Rating | Planned actions | Action owner | Target date |
|-----|----------------|-------------|------------------|----------|-------------|-----------------|--------------|-------------|
| HS01 | Homelessness demand | Families in temporary accommodation | Prevention fund | Treat | High - 8 | Open a second hostel<br>Recruit two prevention officers | Head of Housing | 31/03/2023 |
| HS02 | Flooding of the depot | Loss of vehicles | Insurance | Transfer | Low - 4 | Move the fleet to higher ground | | March 2023 |
| HS03 | Damp in stock | Tenants' health | Surveys | Treat | Medium - 6 | {third} | Asset Manager | |
"""


def _import(client: TestClient, period: str, third: str = "Damp survey of every flat") -> Any:
    text = PLAN.format(period=period, third=third)
    response = client.post("/api/v1/imports", json={"text": text, "filename": "hs.md", "dry_run": False})
    assert response.status_code in (200, 201), response.text
    return response.json()


def _actions(client: TestClient) -> list[tuple[str, str, str, str]]:
    items = client.get("/api/v1/actions", params={"service": "HS", "page_size": 100}).json()["items"]
    return sorted((a["risk_ref"], a["description"], a["owner"], a["due_on"]) for a in items)


def test_planned_actions_are_recorded_with_their_owner_and_due_date(client: TestClient) -> None:
    body = _import(client, "2021 - 2024")
    assert [r["actions"] for r in body["risks"]] == [2, 0, 0]
    assert _actions(client) == [
        ("HS01", "Open a second hostel", "Head of Housing", "2023-03-31"),
        ("HS01", "Recruit two prevention officers", "Head of Housing", "2023-03-31"),
    ]
    incomplete = {f["ref"]: f["message"] for f in body["findings"] if f["code"] == "action-incomplete"}
    assert "without an owner" in incomplete["HS02"]  # no owner is invented
    assert "without a due date" in incomplete["HS03"]  # nor a due date
    events = client.get("/api/v1/audit/events", params={"action": "action.create"}).json()["items"]
    assert len(events) == 2  # each through the action service, with its audit entry


def test_actions_are_not_recorded_twice_and_a_later_plan_adds_its_new_ones(client: TestClient) -> None:
    _import(client, "2021 - 2024")
    again = _import(client, "2021 - 2024")
    assert [r["actions"] for r in again["risks"]] == [0, 0, 0]
    assert len(_actions(client)) == 2
    later = _import(client, "2024 - 2027", third="Damp survey of every flat")
    assert [r["action"] for r in later["risks"]] == ["review", "review", "review"]
    assert [r["actions"] for r in later["risks"]] == [0, 0, 0]  # HS01's are recorded already
    assert len(_actions(client)) == 2
