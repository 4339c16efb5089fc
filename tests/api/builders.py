"""Small builders for API tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient


def make_service(client: TestClient, code: str = "CP", name: str = "Community Partnerships") -> dict[str, Any]:
    """Create a service and return it."""
    response = client.post("/api/v1/services", json={"code": code, "name": name})
    assert response.status_code == 201, response.text
    return response.json()


def make_risk(
    client: TestClient,
    service: str = "CP",
    ref: str = "CP01",
    residual: tuple[int, int] | None = (2, 3),
    reviewed_on: date | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Create a risk (with its first review when `residual` is given) and return it."""
    body: dict[str, Any] = {
        "ref": ref,
        "title": f"Risk {ref}",
        "consequence": "Service disruption",
        "owner": "Head of Service",
        "response": "treat",
        "controls": ["Business continuity plan", "Quarterly monitoring"],
    } | fields
    if residual is not None:
        body["residual"] = {"likelihood": residual[0], "impact": residual[1]}
    if reviewed_on is not None:
        body["reviewed_on"] = reviewed_on.isoformat()
    response = client.post(f"/api/v1/services/{service}/risks", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def review(
    client: TestClient, risk_id: int, residual: tuple[int, int], reviewed_on: date | None = None, **fields: Any
) -> dict[str, Any]:
    """Post a review and return the response body."""
    body: dict[str, Any] = {"residual": {"likelihood": residual[0], "impact": residual[1]}} | fields
    if reviewed_on is not None:
        body["reviewed_on"] = reviewed_on.isoformat()
    response = client.post(f"/api/v1/risks/{risk_id}/reviews", json=body)
    assert response.status_code == 201, response.text
    return response.json()
