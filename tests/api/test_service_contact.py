"""A service's contact email: given at creation or by PATCH (admins), shown, validated, audited."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.builders import field_names, make_service
from tests.api.test_actions import as_editor_of


def service_entries(client: TestClient) -> list[dict[str, Any]]:
    response = client.get("/api/v1/audit/events", params={"entity_type": "service"})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_a_contact_email_is_given_changed_and_removed(client: TestClient) -> None:
    created = client.post(
        "/api/v1/services",
        json={"code": "CP", "name": "Community Partnerships", "contact_email": "cp@Council.Example.gov.uk"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["contact_email"] == "cp@council.example.gov.uk"  # the domain normalised
    assert service_entries(client)[0]["after"]["contact_email"] == "cp@council.example.gov.uk"
    changed = client.patch("/api/v1/services/cp", json={"contact_email": "risks@council.example.gov.uk"})
    assert changed.status_code == 200, changed.text
    assert client.get("/api/v1/services/CP").json()["contact_email"] == "risks@council.example.gov.uk"
    entry = service_entries(client)[0]
    assert (entry["action"], entry["before"], entry["after"]) == (
        "service.update",
        {"contact_email": "cp@council.example.gov.uk"},
        {"contact_email": "risks@council.example.gov.uk"},
    )
    renamed = client.patch("/api/v1/services/CP", json={"name": "Communities", "contact_email": None})
    assert (renamed.json()["name"], renamed.json()["contact_email"]) == ("Communities", None)
    assert make_service(client, "HS", "Housing")["contact_email"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"contact_email": "not an address"}, "body.contact_email"),
        ({"contact_email": "cp@"}, "body.contact_email"),
        ({"contact_email": "a" * 250 + "@x.gov.uk"}, "body.contact_email"),
        ({"contact_email": 7}, "body.contact_email"),
        ({"name": None}, "body.name"),
        ({}, "body"),
        ({"code": "HS"}, "body.code"),
    ],
)
def test_a_bad_change_is_refused_naming_the_field_and_nothing_is_written(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    make_service(client)
    response = client.patch("/api/v1/services/CP", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field_names(response) == [field]
    assert client.get("/api/v1/services/CP").json()["contact_email"] is None
    assert [e["action"] for e in service_entries(client)] == ["service.create"]
    created = client.post("/api/v1/services", json={"code": "HS", "name": "Housing", "contact_email": "x@"})
    assert created.status_code == 422
    assert field_names(created) == ["body.contact_email"]


def test_only_an_admin_changes_a_service(app: FastAPI, client: TestClient) -> None:
    make_service(client)
    refused = as_editor_of(app, "CP").patch("/api/v1/services/CP", json={"contact_email": "a@b.gov.uk"})
    assert refused.status_code == 403
    assert client.patch("/api/v1/services/XX", json={"name": "Nobody"}).status_code == 404
    assert [e["action"] for e in service_entries(client)] == ["service.create"]
