"""The risk appetite statement: versioned approvals, the one in force on a day, above_appetite
on every risk body and as a filter (old limits for a day before a change), and its refusals."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.access.principal import Role
from tests.api.builders import make_risk, make_service, review
from tests.conftest import make_token

STATEMENT = {
    "approved_by": "Audit Committee",
    "approved_on": "2026-01-10",
    "categories": [
        {"category": "technology", "level": "open"},
        {"category": "financial", "level": "averse"},
    ],
}


def approve(client: TestClient, **changes: Any) -> dict[str, Any]:
    response = client.put("/api/v1/appetite", json=STATEMENT | changes)
    assert response.status_code == 201, response.text
    return response.json()


def as_role(app: FastAPI, role: Role) -> TestClient:
    token = make_token(app.state.engine, role, ["CP"] if role is Role.EDITOR else None)
    return TestClient(app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {token}"})


def refs(client: TestClient, **params: Any) -> list[str]:
    response = client.get("/api/v1/risks", params=params)
    assert response.status_code == 200, response.text
    return [r["ref"] for r in response.json()["items"]]


def test_a_statement_is_approved_as_a_new_version_with_the_matrix_limits(client: TestClient) -> None:
    first = approve(client)
    assert (first["version"], first["approved_by"], first["approved_on"]) == (
        1,
        "Audit Committee",
        "2026-01-10",
    )
    assert first["categories"] == [
        {"category": "technology", "level": "open", "max_score": 9},
        {"category": "financial", "level": "averse", "max_score": 3},
    ]
    second = approve(
        client, approved_on="2026-06-30", categories=[{"category": "technology", "level": "cautious"}]
    )
    assert second["version"] == 2
    assert client.get("/api/v1/appetite").json()["version"] == 2
    assert client.get("/api/v1/appetite", params={"as_of": "2026-03-01"}).json()["version"] == 1
    assert client.get("/api/v1/appetite", params={"as_of": "2026-01-09"}).status_code == 404
    assert [s["version"] for s in client.get("/api/v1/appetite/history").json()] == [2, 1]
    events = client.get("/api/v1/audit/events", params={"entity_type": "appetite_statement"}).json()
    items = events["items"] if isinstance(events, dict) else events
    approvals = [e for e in items if e["action"] == "appetite.approve"]
    assert sorted(e["entity_id"] for e in approvals) == ["1", "2"]


def _nothing_written(client: TestClient, versions: list[int]) -> None:
    assert [s["version"] for s in client.get("/api/v1/appetite/history").json()] == versions


def test_a_statement_dated_before_the_one_in_force_is_refused_naming_the_rule(client: TestClient) -> None:
    approve(client, approved_on="2026-06-30")
    refused = client.put("/api/v1/appetite", json=STATEMENT | {"approved_on": "2026-06-29"})
    assert refused.status_code == 409, refused.text
    (error,) = refused.json()["errors"]
    assert (error["field"], error["type"]) == ("body.approved_on", "before_statement_in_force")
    _nothing_written(client, [1])


@pytest.mark.parametrize(
    ("categories", "field", "kind"),
    [
        ([{"category": "weather", "level": "open"}], "body.categories.0.category", "unknown_category"),
        (
            [{"category": "legal", "level": "open"}, {"category": "legal", "level": "averse"}],
            "body.categories.1.category",
            "duplicate",
        ),
        ([{"category": "legal", "level": "reckless"}], "body.categories.0.level", None),
        ([], "body.categories", None),
    ],
)
def test_an_unknown_category_or_level_is_refused_naming_it(
    client: TestClient, categories: list[dict[str, str]], field: str, kind: str | None
) -> None:
    refused = client.put("/api/v1/appetite", json=STATEMENT | {"categories": categories})
    assert refused.status_code == 422, refused.text
    errors = refused.json()["errors"]
    assert errors[0]["field"] == field
    if kind:
        assert errors[0]["type"] == kind
    _nothing_written(client, [])


def test_a_future_approval_is_refused(client: TestClient) -> None:
    refused = client.put("/api/v1/appetite", json=STATEMENT | {"approved_on": "2999-01-01"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.approved_on"
    _nothing_written(client, [])


@pytest.mark.parametrize("role", [Role.EDITOR, Role.AUDITOR])
def test_editors_and_auditors_may_read_the_appetite_but_not_approve_one(
    app: FastAPI, client: TestClient, role: Role
) -> None:
    make_service(client)
    approve(client)
    with as_role(app, role) as other:
        assert (
            other.put("/api/v1/appetite", json=STATEMENT | {"approved_on": "2026-02-01"}).status_code == 403
        )
        assert other.get("/api/v1/appetite").json()["version"] == 1
    _nothing_written(client, [1])


def test_every_risk_body_says_whether_it_is_above_appetite(client: TestClient) -> None:
    make_service(client)
    above = make_risk(client, ref="CP01", residual=(3, 4), category="technology")  # 12 > 9
    within = make_risk(client, ref="CP02", residual=(2, 4), category="technology")  # 8 <= 9
    no_category = make_risk(client, ref="CP03", residual=(4, 4))
    unassessed = make_risk(client, ref="CP04", residual=None, category="financial")
    no_level = make_risk(client, ref="CP05", residual=(4, 4), category="legal")
    assert above["above_appetite"] is None  # no statement in force yet
    assert refs(client, above_appetite="true") == []
    approve(client)
    shown = {r["ref"]: r["above_appetite"] for r in client.get("/api/v1/risks").json()["items"]}
    assert shown == {"CP01": True, "CP02": False, "CP03": None, "CP04": None, "CP05": None}
    assert client.get(f"/api/v1/risks/{above['id']}").json()["above_appetite"] is True
    for risk in (within, no_category, unassessed, no_level):
        assert client.get(f"/api/v1/risks/{risk['id']}").json()["above_appetite"] is not True
    assert refs(client, above_appetite="true") == ["CP01"]
    assert refs(client, above_appetite="false") == ["CP02"]
    page = client.get("/api/v1/risks", params={"above_appetite": "true"}).json()
    assert (page["total"], page["appetite_version"]) == (1, 1)


def test_a_view_as_of_a_day_before_an_appetite_change_uses_the_old_limits(client: TestClient) -> None:
    make_service(client)
    risk = make_risk(
        client, ref="CP01", residual=(2, 4), category="technology", reviewed_on=date(2026, 1, 15)
    )
    make_risk(client, ref="CP02", residual=(1, 1), category="technology", reviewed_on=date(2026, 1, 15))
    approve(client)  # 2026-01-10: technology open (9): 8 is within
    approve(client, approved_on="2026-06-30", categories=[{"category": "technology", "level": "cautious"}])
    assert client.get(f"/api/v1/risks/{risk['id']}").json()["above_appetite"] is True  # 8 > 6 now
    before = client.get("/api/v1/risks", params={"as_of": "2026-03-01"}).json()
    assert before["appetite_version"] == 1
    assert {r["ref"]: r["above_appetite"] for r in before["items"]} == {"CP01": False, "CP02": False}
    assert refs(client, as_of="2026-03-01", above_appetite="true") == []
    assert refs(client, as_of="2026-07-01", above_appetite="true") == ["CP01"]
    # the reviews in force read first (a band filter), the same answer
    assert refs(client, as_of="2026-03-01", band="High", above_appetite="true") == []
    assert refs(client, as_of="2026-07-01", band="High", above_appetite="true") == ["CP01"]
    # a later review within the new limit: the past view still reads the old review
    review(client, risk["id"], (2, 2), reviewed_on=date(2026, 8, 1))
    assert refs(client, above_appetite="true") == []
    assert refs(client, as_of="2026-07-01", above_appetite="true") == ["CP01"]
