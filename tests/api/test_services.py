"""Services: create, duplicate, list, get, unknown, invalid code, open risks counted by band."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.builders import close_risk, field_names, make_risk, make_service

PROBLEM_JSON = "application/problem+json"


def test_create_service(client: TestClient) -> None:
    response = client.post("/api/v1/services", json={"code": "cp", "name": "  Community Partnerships "})
    assert response.status_code == 201
    assert response.headers["Location"] == "/api/v1/services/CP"
    body = response.json()
    assert (body["code"], body["name"], body["open_risks"]) == ("CP", "Community Partnerships", 0)
    assert body["created_by"] == "test-admin"


def test_duplicate_code_is_409(client: TestClient) -> None:
    make_service(client)
    response = client.post("/api/v1/services", json={"code": "Cp", "name": "Another"})
    assert response.status_code == 409
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    problem = response.json()
    assert (problem["status"], problem["title"]) == (409, "Conflict")
    assert "CP" in problem["detail"]
    assert len(client.get("/api/v1/services").json()) == 1


def test_list_services_by_code(client: TestClient) -> None:
    make_service(client, "HS", "Housing Services")
    make_service(client, "CP", "Community Partnerships")
    make_service(client, "CS", "Corporate Services")
    response = client.get("/api/v1/services")
    assert response.status_code == 200
    assert [(s["code"], s["name"]) for s in response.json()] == [
        ("CP", "Community Partnerships"),
        ("CS", "Corporate Services"),
        ("HS", "Housing Services"),
    ]


def test_get_service_any_case(client: TestClient) -> None:
    make_service(client, "HS", "Housing Services")
    for code in ("HS", "hs"):
        response = client.get(f"/api/v1/services/{code}")
        assert response.status_code == 200
        assert response.json()["name"] == "Housing Services"


def test_unknown_service_is_404(client: TestClient) -> None:
    response = client.get("/api/v1/services/ZZ")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.json()["status"] == 404
    assert (
        client.post(
            "/api/v1/services/ZZ/risks", json={"ref": "ZZ1", "title": "t", "response": "treat"}
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "1CP", "name": "x"}, "body.code"),
        ({"code": "C-P", "name": "x"}, "body.code"),
        ({"code": "", "name": "x"}, "body.code"),
        ({"code": "ABCDEFGHIJK", "name": "x"}, "body.code"),
        ({"code": 12, "name": "x"}, "body.code"),
        ({"code": "CP", "name": "   "}, "body.name"),
        ({"code": "CP"}, "body.name"),
    ],
)
def test_invalid_service_is_422(client: TestClient, body: dict[str, object], field: str) -> None:
    response = client.post("/api/v1/services", json=body)
    assert response.status_code == 422
    assert field in field_names(response)
    assert client.get("/api/v1/services").json() == []


def test_counts_by_band(client: TestClient) -> None:
    make_service(client)
    make_service(client, "HS", "Housing Services")
    make_risk(client, ref="CP01", residual=(1, 1))
    make_risk(client, ref="CP02", residual=(2, 2))
    make_risk(client, ref="CP03", residual=(3, 2))
    make_risk(client, ref="CP04", residual=(4, 4))
    make_risk(client, ref="CP05", residual=None)
    closed = make_risk(client, ref="CP06", residual=(4, 3))
    close_risk(client, closed["id"])
    make_risk(client, service="HS", ref="HS01", residual=(3, 3))

    cp = client.get("/api/v1/services/CP").json()
    assert cp["counts_by_band"] == {"Low": 2, "Medium": 1, "High": 0, "Very High": 1, "unassessed": 1}
    assert cp["open_risks"] == 5
    listed = {s["code"]: s for s in client.get("/api/v1/services").json()}
    assert listed["CP"]["counts_by_band"] == cp["counts_by_band"]
    assert listed["HS"]["counts_by_band"] == {
        "Low": 0,
        "Medium": 0,
        "High": 1,
        "Very High": 0,
        "unassessed": 0,
    }
    assert listed["HS"]["open_risks"] == 1
