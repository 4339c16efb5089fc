"""Every error leaves as problem details (RFC 9457): the shape, the status, the offending fields."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.api.builders import field_names, make_risk, make_service

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://riskreg.example/problems/"


def assert_problem(response: Response, status: int, slug: str | None = None) -> dict[str, Any]:
    """The response is a problem document with `status`; returns it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    problem = response.json()
    assert {"type", "title", "status", "detail"} <= problem.keys()
    assert problem["status"] == status
    assert problem["type"].startswith(TYPE_BASE)
    if slug is not None:
        assert problem["type"] == TYPE_BASE + slug
    assert problem["title"]
    assert isinstance(problem["title"], str)
    assert problem["detail"]
    assert isinstance(problem["detail"], str)
    for error in problem.get("errors", []):
        assert isinstance(error["field"], str)
        assert error["msg"]
        assert isinstance(error["msg"], str)
    return problem


@pytest.mark.parametrize(
    "content",
    [b'{"code": "CP", "name": ', b"{'code': 'CP'}", b'{"code": "CP",}', b"\xff\xfe", b"not json"],
)
def test_malformed_json_is_400(client: TestClient, content: bytes) -> None:
    response = client.post("/api/v1/services", content=content, headers={"Content-Type": "application/json"})
    problem = assert_problem(response, 400, "malformed-request")
    assert problem["title"] == "Malformed request"
    assert problem["errors"]
    assert client.get("/api/v1/services").json() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "CP", "name": 5}, "body.name"),
        ({"code": ["CP"], "name": "Community Partnerships"}, "body.code"),
        ({"code": None, "name": "Community Partnerships"}, "body.code"),
    ],
)
def test_wrong_types_are_422_naming_the_field(client: TestClient, body: dict[str, Any], field: str) -> None:
    problem = assert_problem(client.post("/api/v1/services", json=body), 422, "validation-error")
    assert [e["field"] for e in problem["errors"]] == [field]
    assert field in problem["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ref": "CP01", "title": 7, "response": "treat"}, "body.title"),
        ({"ref": "CP01", "title": "t", "response": "treat", "controls": "one; two"}, "body.controls"),
        ({"ref": "CP01", "title": "t", "response": "treat", "controls": ["ok", 3]}, "body.controls.1"),
        ({"ref": "CP01", "title": "t", "response": "treat", "residual": [2, 3]}, "body.residual"),
        (
            {"ref": "CP01", "title": "t", "response": "treat", "residual": {"likelihood": "2", "impact": 3}},
            "body.residual.likelihood",
        ),
        ({"ref": "CP01", "title": "t", "response": "treat", "aliases": "ST05"}, "body.aliases"),
    ],
)
def test_wrong_types_in_a_risk(client: TestClient, body: dict[str, Any], field: str) -> None:
    make_service(client)
    problem = assert_problem(client.post("/api/v1/services/CP/risks", json=body), 422)
    assert [e["field"] for e in problem["errors"]] == [field]


def test_every_offending_field_is_listed(client: TestClient) -> None:
    make_service(client)
    response = client.post("/api/v1/services/CP/risks", json={"ref": "", "title": 1, "response": "hope"})
    problem = assert_problem(response, 422)
    assert sorted(field_names(response)) == ["body.ref", "body.response", "body.title"]
    assert "(and 2 more)" in problem["detail"]


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/services", {"code": "CP", "name": "x", "colour": "red"}, "body.colour"),
        (
            "/api/v1/services/CP/risks",
            {"ref": "CP02", "title": "t", "response": "treat", "score": 12},
            "body.score",
        ),
        (
            "/api/v1/services/CP/risks",
            {
                "ref": "CP02",
                "title": "t",
                "response": "treat",
                "residual": {"likelihood": 1, "impact": 1, "score": 9},
            },
            "body.residual.score",
        ),
        (
            "/api/v1/services/CP/reviews",
            {"reviews": [{"ref": "CP01", "residual": {"likelihood": 1, "impact": 1}, "band": "Low"}]},
            "body.reviews.0.band",
        ),
    ],
)
def test_unknown_fields_are_422(client: TestClient, url: str, body: dict[str, Any], field: str) -> None:
    make_service(client)
    make_risk(client)
    problem = assert_problem(client.post(url, json=body), 422, "validation-error")
    assert [e["field"] for e in problem["errors"]] == [field]


def test_unknown_field_in_a_review(client: TestClient) -> None:
    make_service(client)
    risk = make_risk(client)
    response = client.post(
        f"/api/v1/risks/{risk['id']}/reviews",
        json={"residual": {"likelihood": 1, "impact": 1}, "direction": "down"},
    )
    assert_problem(response, 422)
    assert field_names(response) == ["body.direction"]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/nothing"),
        ("get", "/api/v2/risks"),
        ("post", "/api/v1/risks/1/nothing"),
        ("get", "/nothing"),
    ],
)
def test_unknown_route_is_a_404_problem(client: TestClient, method: str, url: str) -> None:
    problem = assert_problem(getattr(client, method)(url), 404, "not-found")
    assert problem["instance"] == url


def test_unknown_route_without_a_token(anonymous: TestClient) -> None:
    assert_problem(anonymous.get("/api/v1/nothing"), 404, "not-found")


def test_wrong_method_is_a_405_problem(client: TestClient) -> None:
    assert_problem(client.delete("/api/v1/services"), 405)


@pytest.mark.parametrize("value", ["30/09/2025", "2025-9-30", "2025-02-30", "yesterday", 20250930])
def test_date_in_the_wrong_format_is_422(client: TestClient, value: object) -> None:
    make_service(client)
    response = client.post(
        "/api/v1/services/CP/risks",
        json={"ref": "CP01", "title": "t", "response": "treat", "reviewed_on": value},
    )
    problem = assert_problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == ["body.reviewed_on"]


def test_date_in_the_wrong_format_in_a_review(client: TestClient) -> None:
    make_service(client)
    risk = make_risk(client)
    response = client.post(
        f"/api/v1/risks/{risk['id']}/reviews",
        json={"residual": {"likelihood": 1, "impact": 1}, "next_review_due": "31 March 2026"},
    )
    assert_problem(response, 422)
    assert field_names(response) == ["body.next_review_due"]


def test_date_in_the_wrong_format_in_a_query(client: TestClient) -> None:
    response = client.get("/api/v1/risks", params={"as_of": "2025-13-01"})
    assert_problem(response, 422)
    assert field_names(response) == ["query.as_of"]


@pytest.mark.parametrize("risk_id", ["abc", "1.5", "0", "-1", "2147483648", "99999999999999999999"])
def test_bad_risk_id_is_422_never_500(client: TestClient, risk_id: str) -> None:
    for method in ("get", "patch"):
        response = getattr(client, method)(f"/api/v1/risks/{risk_id}")
        assert_problem(response, 422)
        assert field_names(response)[0] == "path.risk_id"
    assert_problem(client.get(f"/api/v1/risks/{risk_id}/reviews"), 422)


def test_largest_risk_id_is_404(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/risks/2147483647"), 404, "not-found")


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/v1/risks", {"q": "CP\x0001"}),
        ("/api/v1/risks", {"service": "C\x00P"}),
        ("/api/v1/risks", {"service": "CP\u00e9"}),
        ("/api/v1/services/C%00P", {}),
        ("/api/v1/services/C%00P/risks", {"status": "all"}),
    ],
)
def test_control_characters_in_queries_never_500(
    client: TestClient, url: str, params: dict[str, str]
) -> None:
    make_service(client)
    make_risk(client)
    response = client.get(url, params=params)
    assert response.status_code in (200, 404, 405, 422), response.text
    if response.status_code == 200 and url == "/api/v1/risks":
        assert response.json()["total"] in (0, 1)


def test_control_characters_in_text_are_dropped(client: TestClient) -> None:
    make_service(client)
    risk = make_risk(client, title="Total\x00 failure\x07 of ICT", controls=["Backup\x00"])
    assert (risk["title"], risk["controls"]) == ("Total failure of ICT", ["Backup"])


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
    """An id no integer column can hold is refused as input, before any query (SQLite raised OverflowError)."""
    response = client.request(method, path.format(id=TOO_BIG), json={}, headers={"If-Match": '"1-1"'})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)


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
    """A day in a query is YYYY-MM-DD only: pydantic would read `0` as a Unix timestamp."""
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [f"query.{next(iter(params))}"]


@pytest.mark.parametrize("value", [0, "0", 1_700_000_000, "2025-9-30"])
def test_a_number_is_not_a_date_in_a_body(client: TestClient, value: Any) -> None:
    """A day in a body is YYYY-MM-DD only, never a timestamp."""
    make_service(client)
    risk = make_risk(client)
    response = client.post(
        f"/api/v1/risks/{risk['id']}/reviews",
        json={"residual": {"likelihood": 1, "impact": 1}, "reviewed_on": value},
    )
    assert response.status_code == 422, response.text
    assert "body.reviewed_on" in [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize(
    ("path", "allowed"), [("/api/v1/services", "GET, POST"), ("/api/v1/risks/1", "GET, PATCH")]
)
def test_405_names_every_allowed_method(client: TestClient, path: str, allowed: str) -> None:
    """405 names every method of the path, not only those of the first route that matched it."""
    response = client.options(path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert response.headers["content-type"].startswith(PROBLEM_JSON)


def test_a_chunked_body_over_the_limit_is_413_not_400(client: TestClient) -> None:
    """A chunked body past the limit is 413, as a sized one is (not 400 "error parsing the body")."""
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
    """`?service=` is a mistake, not a service with a blank code (which would answer an empty register)."""
    response = client.get(path)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/risks", {"as_of": "0001-01-01"}),
        ("/api/v1/risks", {"as_of": "1999-12-31"}),
        ("/api/v1/reports/heatmap", {"as_of": "0001-01-01"}),
        ("/api/v1/reports/register", {"service": "CP", "as_of": "0001-01-01", "format": "csv"}),
        ("/api/v1/reports/six-monthly", {"from": "0001-01-01", "to": "2025-01-01"}),
        ("/api/v1/reports/six-monthly", {"from": "2025-01-01", "to": "9999-12-31"}),
    ],
)
def test_a_day_outside_the_years_a_deployment_accepts_is_422(
    client: TestClient, path: str, params: dict[str, str]
) -> None:
    """Days at the ends of the calendar overflowed the periods' date arithmetic (500)."""
    make_service(client)
    response = client.get(path, params=params)
    assert_problem(response, 422)
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == [
        f"query.{name}" for name in params if params[name] in ("0001-01-01", "1999-12-31", "9999-12-31")
    ]


def test_a_first_review_before_the_earliest_date_is_422(client: TestClient) -> None:
    make_service(client)
    response = client.post(
        "/api/v1/services/CP/risks",
        json={
            "ref": "CP01",
            "title": "Old",
            "response": "treat",
            "residual": {"likelihood": 1, "impact": 1},
            "reviewed_on": "0001-01-01",
        },
    )
    assert_problem(response, 422)
    assert [e["field"] for e in response.json()["errors"]] == ["body.reviewed_on"]
