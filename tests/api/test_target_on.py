"""A risk's target date: given at creation or by PATCH, shown, never before the risk opened."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.builders import field_names, get_risk, make_risk, make_service, patch_risk


def risk_entries(client: TestClient) -> list[dict[str, Any]]:
    """The audit entries about risks, newest first."""
    response = client.get("/api/v1/audit/events", params={"entity_type": "risk", "page_size": 200})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_a_target_date_is_given_shown_changed_and_removed(client: TestClient) -> None:
    make_service(client)
    risk = make_risk(client, reviewed_on=date(2025, 4, 1), target_on="2027-03-31")
    assert risk["target_on"] == "2027-03-31"
    assert make_risk(client, ref="CP02")["target_on"] is None
    listed = {r["ref"]: r for r in client.get("/api/v1/risks").json()["items"]}
    assert (listed["CP01"]["target_on"], listed["CP02"]["target_on"]) == ("2027-03-31", None)
    _, etag = get_risk(client, risk["id"])
    moved = patch_risk(client, risk["id"], etag, target_on="2028-03-31")
    assert moved.status_code == 200, moved.text
    assert moved.json()["target_on"] == "2028-03-31"
    update = risk_entries(client)[0]
    assert (update["before"]["target_on"], update["after"]["target_on"]) == ("2027-03-31", "2028-03-31")
    removed = patch_risk(client, risk["id"], moved.headers["ETag"], target_on=None)
    assert removed.json()["target_on"] is None
    as_of = client.get(f"/api/v1/risks/{risk['id']}", params={"as_of": "2025-06-30"})
    assert as_of.status_code == 200, as_of.text


@pytest.mark.parametrize(
    "target_on", ["2025-03-31", "1999-12-31", "3000-01-01", "31/03/2027", "2027-02-30", 20270331]
)
def test_a_target_date_before_opening_or_out_of_range_is_refused_naming_it(
    client: TestClient, target_on: object
) -> None:
    make_service(client)
    body = {
        "ref": "CP01",
        "title": "t",
        "response": "treat",
        "opened_on": "2025-04-01",
        "target_on": target_on,
    }
    created = client.post("/api/v1/services/CP/risks", json=body)
    assert created.status_code == 422, created.text
    assert created.headers["content-type"].startswith("application/problem+json")
    assert field_names(created) == ["body.target_on"]
    assert client.get("/api/v1/risks").json()["total"] == 0
    risk = make_risk(client, reviewed_on=date(2025, 4, 1))
    _, etag = get_risk(client, risk["id"])
    patched = patch_risk(client, risk["id"], etag, target_on=target_on)
    assert patched.status_code == 422, patched.text
    assert field_names(patched) == ["body.target_on"]
    assert get_risk(client, risk["id"]) == (risk, etag)
    assert [e["action"] for e in risk_entries(client)] == ["risk.create"]
