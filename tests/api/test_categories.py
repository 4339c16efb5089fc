"""A risk's category: one of the council's list, shown, changed, filtered on and reported."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from tests.api.builders import make_risk, make_service


def test_the_categories_are_the_orange_books(client: TestClient) -> None:
    listed = client.get("/api/v1/categories")
    assert listed.status_code == 200
    assert listed.json()[:3] == ["strategy", "governance", "operations"]
    assert len(listed.json()) == 13


def test_a_risk_carries_its_category_through_the_api_and_the_register(client: TestClient) -> None:
    make_service(client)
    ict = make_risk(client, ref="CP01", category="technology")
    make_risk(client, ref="CP02")
    assert ict["category"] == "technology"
    listed = client.get("/api/v1/risks", params={"category": "technology"}).json()
    assert [r["ref"] for r in listed["items"]] == ["CP01"]
    etag = client.get(f"/api/v1/risks/{ict['id']}").headers["etag"]
    moved = client.patch(
        f"/api/v1/risks/{ict['id']}", json={"category": "information"}, headers={"If-Match": etag}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["category"] == "information"
    register = client.get("/api/v1/reports/register", params={"service": "CP", "format": "csv"})
    rows = {r["ref"]: r for r in csv.DictReader(io.StringIO(register.text))}
    assert (rows["CP01"]["category"], rows["CP02"]["category"]) == ("information", "")


def test_a_category_outside_the_list_is_refused_naming_it(client: TestClient) -> None:
    make_service(client)
    response = client.post(
        "/api/v1/services/CP/risks",
        json={"ref": "CP01", "title": "t", "response": "treat", "category": "weather"},
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["body.category"]
    assert client.get("/api/v1/risks", params={"category": "weather"}).status_code == 422
