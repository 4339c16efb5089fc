"""Regression tests for the failures the reliability suite found (fuzzing, hostile input, races).

Each test names the failure it pins down; see RELIABILITY.md for the fix.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.builders import make_risk, make_service

PROBLEM = "application/problem+json"
TOO_BIG = "9223372036854775808"  # 2**63: larger than any integer column


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/risks/{id}"),
        ("GET", "/api/v1/risks/{id}/reviews"),
        ("GET", "/api/v1/risks/{id}/history"),
        ("PATCH", "/api/v1/risks/{id}"),
        ("POST", "/api/v1/risks/{id}/reviews"),
    ],
)
def test_a_risk_id_beyond_any_integer_column_is_422_not_500(
    client: TestClient, method: str, path: str
) -> None:
    """Fuzzing: GET /risks/2**63/history raised OverflowError (SQLite) -> 500."""
    response = client.request(method, path.format(id=TOO_BIG), json={}, headers={"If-Match": '"1-1"'})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/risks", {"as_of": "0"}),
        ("/api/v1/risks", {"as_of": "1700000000"}),
        ("/api/v1/reports/heatmap", {"as_of": "0"}),
        ("/api/v1/reports/six-monthly", {"from": "0", "to": "2025-01-01"}),
    ],
)
def test_a_number_is_not_a_date_in_a_query(client: TestClient, path: str, params: dict[str, str]) -> None:
    """Fuzzing: `as_of=0` was read as a Unix timestamp (1970-01-01) and answered 200."""
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [f"query.{next(iter(params))}"]


@pytest.mark.parametrize("value", [0, "0", 1_700_000_000, "2025-9-30"])
def test_a_number_is_not_a_date_in_a_body(client: TestClient, value: Any) -> None:
    """Fuzzing: a number as `reviewed_on` was read as a timestamp."""
    make_service(client)
    risk = make_risk(client)
    response = client.post(
        f"/api/v1/risks/{risk['id']}/reviews",
        json={"residual": {"likelihood": 1, "impact": 1}, "reviewed_on": value},
    )
    assert response.status_code == 422, response.text
    assert "body.reviewed_on" in [e["field"] for e in response.json()["errors"]]


def test_every_operation_documents_its_error_statuses_as_problem_json(app: FastAPI) -> None:
    """Fuzzing: 404, 412, 413 ... were answered but not in the OpenAPI document, and errors were
    documented as application/json while sent as application/problem+json."""
    document = app.openapi()
    for path, operations in document["paths"].items():
        if path == "/health":
            continue
        for method, operation in operations.items():
            for status in ("400", "401", "403", "404", "409", "412", "413", "422", "428", "503"):
                documented = operation["responses"].get(status)
                assert documented, f"{method.upper()} {path} does not document {status}"
                assert list(documented["content"]) == [PROBLEM], (method, path, status)


def test_report_downloads_document_their_media_types(app: FastAPI) -> None:
    """Fuzzing: the heat map answered image/png where the document said application/octet-stream."""
    paths = app.openapi()["paths"]
    content = {p: set(paths[p]["get"]["responses"]["200"]["content"]) for p in paths if "/reports/" in p}
    assert content["/api/v1/reports/heatmap"] == {"image/png", "image/svg+xml"}
    assert {"text/html", "application/pdf", "text/csv"} <= content["/api/v1/reports/register"]


@pytest.mark.parametrize(
    ("path", "allowed"), [("/api/v1/services", "GET, POST"), ("/api/v1/risks/1", "GET, PATCH")]
)
def test_405_names_every_allowed_method(client: TestClient, path: str, allowed: str) -> None:
    """Fuzzing: OPTIONS /api/v1/services answered 405 with `Allow: POST` (the first route's only)."""
    response = client.options(path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert response.headers["content-type"].startswith(PROBLEM)


def test_a_chunked_body_over_the_limit_is_413_not_400(client: TestClient) -> None:
    """Hostile input: a chunked body past the limit was turned into 400 "error parsing the body"."""
    make_service(client)

    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"ref": "CP02", "title": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'", "response": "treat"}'

    response = client.post(
        "/api/v1/services/CP/risks", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413, response.text
    assert response.json()["type"].endswith("payload-too-large")


@pytest.mark.parametrize(
    "path", ["/api/v1/risks?service=", "/api/v1/risks?band=", "/api/v1/reports/heatmap?service="]
)
def test_a_blank_service_or_band_in_a_query_is_422(client: TestClient, path: str) -> None:
    """Fuzzing: `?service=` was taken as a service with a blank code and answered 200 (an empty register)."""
    response = client.get(path)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
