"""Every text a client sends is capped at what a register or report can show.

Each write is kept four times (the risk, its controls, the review, the audit trail) and
every report draws all of it: uncapped, one editor could store a megabyte a write and
make the six-monthly PDF of 90 such risks take 17 s and three at once 3.5 GB.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.builders import make_risk, make_service

OVER = {
    "title": "t" * 501,
    "consequence": "c" * 4_001,
    "owner": "o" * 201,
    "notes": "n" * 4_001,
    "controls": ["c" * 2_001],
}


@pytest.mark.parametrize(("name", "value"), OVER.items())
def test_a_risk_field_over_its_cap_is_refused_naming_it(client: TestClient, name: str, value: Any) -> None:
    make_service(client)
    body = {"ref": "CP09", "title": "A risk", "response": "treat"} | {name: value}
    response = client.post("/api/v1/services/CP/risks", json=body)
    assert response.status_code == 422, response.text
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == [f"body.{name}.0" if name == "controls" else f"body.{name}"]


def test_more_than_fifty_control_measures_are_refused(client: TestClient) -> None:
    make_service(client)
    risk = make_risk(client)
    response = client.post(
        f"/api/v1/risks/{risk['id']}/reviews",
        json={"residual": {"likelihood": 1, "impact": 1}, "controls": [f"measure {i}" for i in range(51)]},
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["body.controls"]


def test_the_longest_accepted_fields_are_stored_whole(client: TestClient) -> None:
    make_service(client)
    body = {
        "ref": "CP09",
        "title": "t" * 500,
        "consequence": "c" * 4_000,
        "owner": "o" * 200,
        "response": "treat",
        "controls": ["m" * 2_000] * 50,
    }
    made = client.post("/api/v1/services/CP/risks", json=body)
    assert made.status_code == 201, made.text
    stored = client.get(f"/api/v1/risks/{made.json()['id']}").json()
    assert {k: stored[k] for k in body} == body


@pytest.mark.parametrize(("length", "status"), [(200, 201), (201, 422)])
def test_a_service_name_fits_its_column(client: TestClient, length: int, status: int) -> None:
    """PostgreSQL's name column holds 200 characters: a longer name is 422, never a 500."""
    response = client.post("/api/v1/services", json={"code": "LONG", "name": "n" * length})
    assert response.status_code == status, response.text
