"""Small builders for API tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response


def make_service(
    client: TestClient, code: str = "CP", name: str = "Community Partnerships"
) -> dict[str, Any]:
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
    client: TestClient,
    risk_id: int,
    residual: tuple[int, int],
    reviewed_on: date | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Post a review and return the response body."""
    body: dict[str, Any] = {"residual": {"likelihood": residual[0], "impact": residual[1]}} | fields
    if reviewed_on is not None:
        body["reviewed_on"] = reviewed_on.isoformat()
    response = client.post(f"/api/v1/risks/{risk_id}/reviews", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def get_risk(client: TestClient, risk_id: int) -> tuple[dict[str, Any], str]:
    """The risk and its ETag."""
    response = client.get(f"/api/v1/risks/{risk_id}")
    assert response.status_code == 200, response.text
    return response.json(), response.headers["ETag"]


def patch_risk(client: TestClient, risk_id: int, etag: str | None, **fields: Any) -> Response:
    """PATCH a risk with If-Match `etag` (none when None) and return the raw response."""
    headers = {"If-Match": etag} if etag is not None else {}
    return client.patch(f"/api/v1/risks/{risk_id}", json=fields, headers=headers)


def close_risk(client: TestClient, risk_id: int, closed_on: date | None = None) -> dict[str, Any]:
    """Close a risk (on `closed_on`, default today) and return it."""
    _, etag = get_risk(client, risk_id)
    fields: dict[str, Any] = {"status": "closed"}
    if closed_on is not None:
        fields["closed_on"] = closed_on.isoformat()
    response = patch_risk(client, risk_id, etag, **fields)
    assert response.status_code == 200, response.text
    return response.json()


def list_refs(client: TestClient, **params: Any) -> list[str]:
    """The `service/ref` of every risk the list gives for `params`, in its order (one page)."""
    response = client.get("/api/v1/risks", params=params)
    assert response.status_code == 200, response.text
    return [f"{r['service']}/{r['ref']}" for r in response.json()["items"]]


def field_names(problem: Response) -> list[str]:
    """The `field` of every offending field of a problem response."""
    return [e["field"] for e in problem.json().get("errors", [])]


def make_action(
    client: TestClient, risk_id: int, due_on: date | None = None, **fields: Any
) -> dict[str, Any]:
    """Record an action on a risk and return it."""
    body: dict[str, Any] = {
        "description": "Recruit two caseworkers",
        "owner": "Community Safety Manager",
        "due_on": (due_on or date(2030, 3, 31)).isoformat(),
    } | fields
    response = client.post(f"/api/v1/risks/{risk_id}/actions", json=body)
    assert response.status_code == 201, response.text
    return response.json()
