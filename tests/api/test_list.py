"""GET /api/v1/risks: every filter of the contract, alone and combined, now and as of past dates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.access.principal import Role
from app.clock import add_months, today
from app.config import Settings
from app.main import create_app
from tests.api.builders import close_risk, field_names, list_refs, make_risk, make_service, review
from tests.conftest import make_token
from tests.databases import Templates, engines, fresh_database

DAY = today()


def ago(days: int) -> date:
    return DAY - timedelta(days=days)


def pair(likelihood: int, impact: int) -> dict[str, int]:
    return {"likelihood": likelihood, "impact": impact}


def seed(client: TestClient) -> dict[str, dict[str, Any]]:
    """Three services and seven risks with a history of reviews; one closed, one never assessed.

    Now (open, by -score): CS01 16 VH, CP02 12 VH, CP03 9 High, HS01 8 High, CP01 4 Low, CS02 -.
    HS02 (1, Low) was closed 20 days ago. CP01 was 12 until 200 days ago, then 6, then 4 from 100 days ago.
    """
    make_service(client, "CP", "Community Partnerships")
    make_service(client, "HS", "Housing Services")
    make_service(client, "CS", "Corporate Services")
    risks = {
        "CP01": make_risk(
            client,
            ref="CP01",
            title="Insufficient staff",
            residual=(3, 4),
            inherent=pair(4, 4),
            reviewed_on=ago(400),
        ),
        "CP02": make_risk(
            client,
            ref="CP02",
            title="Total failure of ICT systems",
            residual=(4, 3),
            inherent=pair(4, 4),
            response="tolerate",
            reviewed_on=ago(300),
        ),
        "CP03": make_risk(
            client,
            ref="CP03",
            title="Grants budget 100% over subscribed",
            residual=(3, 3),
            inherent=pair(4, 3),
            response="transfer",
            reviewed_on=ago(50),
        ),
        "HS01": make_risk(
            client,
            service="HS",
            ref="HS01",
            title="Homelessness demand",
            residual=(2, 4),
            inherent=pair(3, 4),
            reviewed_on=ago(150),
        ),
        "HS02": make_risk(
            client,
            service="HS",
            ref="HS02",
            title="Right to Buy receipts",
            residual=(1, 1),
            inherent=pair(2, 2),
            response="terminate",
            reviewed_on=ago(250),
        ),
        "CS01": make_risk(
            client, service="CS", ref="CS01", title="ICT_system failure", residual=(4, 4), reviewed_on=ago(30)
        ),
        "CS02": make_risk(client, service="CS", ref="CS02", title="Election staffing", residual=None),
    }
    review(client, risks["CP01"]["id"], (2, 3), reviewed_on=ago(200), inherent=pair(4, 4))
    review(client, risks["CP01"]["id"], (2, 2), reviewed_on=ago(100), inherent=pair(3, 4))
    close_risk(client, risks["HS02"]["id"], closed_on=ago(20))
    return risks


Register = tuple[TestClient, dict[str, dict[str, Any]]]


@pytest.fixture(scope="module", params=engines())
def register(request: pytest.FixtureRequest, templates: Templates) -> Iterator[Register]:
    """The seeded register, made once per engine for the tests that only read it (most of them)."""
    with fresh_database(request.param, templates) as url:
        app = create_app(
            Settings(database_url=url, migrate_on_start=False, warm_up_reports=False, _env_file=None)  # type: ignore[call-arg]
        )
        token = make_token(app.state.engine, Role.ADMIN, name="list-admin")
        with TestClient(app, raise_server_exceptions=False) as client:
            client.headers["Authorization"] = f"Bearer {token}"
            yield client, seed(client)
        app.state.engine.dispose()


@pytest.fixture
def seeded(client: TestClient) -> dict[str, dict[str, Any]]:
    """The seeded register in a database of the test's own, for a test that changes it."""
    return seed(client)


NOW = ["CS/CS01", "CP/CP02", "CP/CP03", "HS/HS01", "CP/CP01", "CS/CS02"]


def page(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/risks", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_default_is_open_risks_by_score(register: Register) -> None:
    client, _ = register
    body = page(client)
    assert [f"{r['service']}/{r['ref']}" for r in body["items"]] == NOW
    assert (body["total"], body["page"], body["page_size"], body["pages"]) == (6, 1, 50, 1)
    assert (body["as_of"], body["basis"]) == (None, "residual")
    first = body["items"][0]
    assert first["residual"] == {"likelihood": 4, "impact": 4, "score": 16, "band": "Very High"}
    assert first["controls"] == ["Business continuity plan", "Quarterly monitoring"]


def test_empty_register(client: TestClient) -> None:
    body = page(client)
    assert (body["items"], body["total"], body["pages"]) == ([], 0, 0)


@pytest.mark.parametrize(
    ("services", "expected"),
    [
        (["CP"], ["CP/CP02", "CP/CP03", "CP/CP01"]),
        (["hs"], ["HS/HS01"]),
        (["CP", "HS"], ["CP/CP02", "CP/CP03", "HS/HS01", "CP/CP01"]),
        (["ZZ"], []),
    ],
)
def test_service_filter(register: Register, services: list[str], expected: list[str]) -> None:
    client, _ = register
    assert list_refs(client, service=services) == expected


@pytest.mark.parametrize(
    ("bands", "expected"),
    [
        (["Very High"], ["CS/CS01", "CP/CP02"]),
        (["High", "Very High"], ["CS/CS01", "CP/CP02", "CP/CP03", "HS/HS01"]),
        (["low"], ["CP/CP01"]),
        (["Medium"], []),
    ],
)
def test_band_filter(register: Register, bands: list[str], expected: list[str]) -> None:
    client, _ = register
    assert list_refs(client, band=bands) == expected


def test_unknown_band_is_422(register: Register) -> None:
    client, _ = register
    response = client.get("/api/v1/risks", params={"band": ["High", "Amber"]})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field_names(response) == ["query.band.1"]
    assert "Amber" in response.json()["detail"]


@pytest.mark.parametrize(
    ("min_score", "expected"),
    [(9, ["CS/CS01", "CP/CP02", "CP/CP03"]), (12, ["CS/CS01", "CP/CP02"]), (16, ["CS/CS01"]), (17, [])],
)
def test_min_score(register: Register, min_score: int, expected: list[str]) -> None:
    client, _ = register
    assert list_refs(client, min_score=min_score) == expected


@pytest.mark.parametrize("value", ["0", "-1", "high"])
def test_bad_min_score_is_422(client: TestClient, value: str) -> None:
    response = client.get("/api/v1/risks", params={"min_score": value})
    assert response.status_code == 422
    assert field_names(response) == ["query.min_score"]


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("treat", ["CS/CS01", "HS/HS01", "CP/CP01", "CS/CS02"]),
        ("tolerate", ["CP/CP02"]),
        ("transfer", ["CP/CP03"]),
        ("terminate", []),
    ],
)
def test_response_filter(register: Register, response: str, expected: list[str]) -> None:
    client, _ = register
    assert list_refs(client, response=response) == expected


def test_bad_response_filter_is_422(client: TestClient) -> None:
    response = client.get("/api/v1/risks", params={"response": "avoid"})
    assert response.status_code == 422
    assert field_names(response) == ["query.response"]


def test_status_filter(register: Register) -> None:
    client, _ = register
    assert list_refs(client, status="open") == NOW
    closed = page(client, status="closed")["items"]
    assert [(r["ref"], r["status"], r["closed_on"]) for r in closed] == [
        ("HS02", "closed", ago(20).isoformat())
    ]
    assert list_refs(client, status="all") == [*NOW[:5], "HS/HS02", "CS/CS02"]
    response = client.get("/api/v1/risks", params={"status": "deleted"})
    assert response.status_code == 422
    assert field_names(response) == ["query.status"]


def test_overdue(register: Register) -> None:
    client, _ = register
    # CP02 was last reviewed 300 days ago; CS02 was never assessed.
    assert list_refs(client, overdue="true") == ["CP/CP02", "CS/CS02"]
    assert list_refs(client, overdue="false") == ["CS/CS01", "CP/CP03", "HS/HS01", "CP/CP01"]
    flags = {r["ref"]: r["overdue"] for r in page(client, status="all")["items"]}
    assert flags == {r: r in ("CP02", "CS02") for r in flags}


def test_overdue_follows_an_explicit_next_review_due(client: TestClient, seeded: dict[str, Any]) -> None:
    review(client, seeded["HS01"]["id"], (2, 4), reviewed_on=ago(10), next_review_due=ago(1).isoformat())
    review(
        client,
        seeded["CP02"]["id"],
        (4, 3),
        reviewed_on=ago(10),
        next_review_due=(DAY + timedelta(days=400)).isoformat(),
    )
    assert list_refs(client, overdue="true") == ["HS/HS01", "CS/CS02"]


def test_overdue_is_older_than_six_months(client: TestClient) -> None:
    make_service(client)
    six_months_ago = add_months(DAY, -6)
    make_risk(client, ref="CP01", reviewed_on=six_months_ago - timedelta(days=1))
    make_risk(client, ref="CP02", reviewed_on=six_months_ago + timedelta(days=1))
    assert list_refs(client, overdue="true") == ["CP/CP01"]
    assert list_refs(client, overdue="false") == ["CP/CP02"]


def test_basis_inherent(register: Register) -> None:
    client, _ = register
    body = page(client, basis="inherent", band="Very High")
    assert body["basis"] == "inherent"
    assert [r["ref"] for r in body["items"]] == ["CP02", "CP01", "CP03", "HS01"]
    assert [r["inherent"]["score"] for r in body["items"]] == [16, 12, 12, 12]
    assert list_refs(client, basis="inherent", min_score=13) == ["CP/CP02"]
    # Sorting follows the basis too: CS01 (residual 16) has no inherent assessment.
    assert list_refs(client, basis="inherent")[:2] == ["CP/CP02", "CP/CP01"]
    assert client.get("/api/v1/risks", params={"basis": "target"}).status_code == 422


# --- as_of: the register as it stood at the end of a past day -----------------


@pytest.mark.parametrize(
    ("days_ago", "expected"),
    [
        (401, []),
        (400, [("CP/CP01", 12)]),
        (350, [("CP/CP01", 12)]),
        (250, [("CP/CP01", 12), ("CP/CP02", 12), ("HS/HS02", 1)]),
        (201, [("CP/CP01", 12), ("CP/CP02", 12), ("HS/HS02", 1)]),
        (200, [("CP/CP02", 12), ("CP/CP01", 6), ("HS/HS02", 1)]),
        (150, [("CP/CP02", 12), ("HS/HS01", 8), ("CP/CP01", 6), ("HS/HS02", 1)]),
        (100, [("CP/CP02", 12), ("HS/HS01", 8), ("CP/CP01", 4), ("HS/HS02", 1)]),
        (
            30,
            [
                ("CS/CS01", 16),
                ("CP/CP02", 12),
                ("CP/CP03", 9),
                ("HS/HS01", 8),
                ("CP/CP01", 4),
                ("HS/HS02", 1),
            ],
        ),
        (20, [("CS/CS01", 16), ("CP/CP02", 12), ("CP/CP03", 9), ("HS/HS01", 8), ("CP/CP01", 4)]),
    ],
)
def test_as_of(register: Register, days_ago: int, expected: list[tuple[str, int]]) -> None:
    client, _ = register
    body = page(client, as_of=ago(days_ago).isoformat())
    assert body["as_of"] == ago(days_ago).isoformat()
    assert [(f"{r['service']}/{r['ref']}", r["residual"]["score"]) for r in body["items"]] == expected
    assert body["total"] == len(expected)


def test_as_of_shows_the_risk_as_it_was(register: Register) -> None:
    client, _ = register
    then = {r["ref"]: r for r in page(client, as_of=ago(150).isoformat())["items"]}
    assert then["CP01"]["residual"] == {"likelihood": 2, "impact": 3, "score": 6, "band": "Medium"}
    assert then["CP01"]["last_reviewed_on"] == ago(200).isoformat()
    # Closed 20 days ago: open back then.
    assert (then["HS02"]["status"], then["HS02"]["closed_on"]) == ("open", None)


def test_as_of_with_status(register: Register) -> None:
    client, _ = register
    day = ago(20).isoformat()
    assert list_refs(client, as_of=day, status="closed") == ["HS/HS02"]
    assert list_refs(client, as_of=day, status="all")[-1] == "HS/HS02"
    assert list_refs(client, as_of=ago(21).isoformat(), status="closed") == []


def test_as_of_today_includes_unassessed(register: Register) -> None:
    client, _ = register
    body = page(client, as_of=DAY.isoformat())
    assert [f"{r['service']}/{r['ref']}" for r in body["items"]] == NOW
    assert body["items"][-1]["residual"] is None


def test_as_of_with_filters(register: Register) -> None:
    client, _ = register
    assert list_refs(client, as_of=ago(250).isoformat(), band="Very High") == ["CP/CP01", "CP/CP02"]
    assert list_refs(client, as_of=ago(100).isoformat(), band="Very High") == ["CP/CP02"]
    assert list_refs(client, as_of=ago(100).isoformat(), overdue="true") == ["CP/CP02"]
    assert list_refs(client, as_of=ago(100).isoformat(), service="HS") == ["HS/HS01", "HS/HS02"]
    assert list_refs(client, as_of=ago(200).isoformat(), basis="inherent", min_score=16) == [
        "CP/CP01",
        "CP/CP02",
    ]
    assert list_refs(client, as_of=ago(250).isoformat(), response="terminate") == ["HS/HS02"]


def test_as_of_overdue_counts_only_risks_open_then(register: Register) -> None:
    client, _ = register
    # HS02, last reviewed 250 days ago, was overdue 30 days ago and closed 20 days ago.
    assert list_refs(client, as_of=ago(30).isoformat(), overdue="true") == ["CP/CP02", "HS/HS02"]
    day = ago(20).isoformat()
    assert list_refs(client, as_of=day, status="all", overdue="true") == ["CP/CP02"]
    not_overdue = page(client, as_of=day, status="all", overdue="false")["items"]
    assert [r["ref"] for r in not_overdue] == ["CS01", "CP03", "HS01", "CP01", "HS02"]
    assert not any(r["overdue"] for r in not_overdue)


def test_as_of_in_the_future_is_422(client: TestClient) -> None:
    response = client.get("/api/v1/risks", params={"as_of": (DAY + timedelta(days=1)).isoformat()})
    assert response.status_code == 422
    assert field_names(response) == ["query.as_of"]


def test_as_of_not_a_date_is_422(client: TestClient) -> None:
    response = client.get("/api/v1/risks", params={"as_of": "30/09/2025"})
    assert response.status_code == 422
    assert field_names(response) == ["query.as_of"]


# --- q, sort, pagination -------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("cp0", ["CP/CP02", "CP/CP03", "CP/CP01"]),
        ("HS01", ["HS/HS01"]),
        ("ict", ["CS/CS01", "CP/CP02"]),
        ("GRANTS", ["CP/CP03"]),
        ("%", ["CP/CP03"]),
        ("100%", ["CP/CP03"]),
        ("_", ["CS/CS01"]),
        ("ict_", ["CS/CS01"]),
        ("t_s", ["CS/CS01"]),
        ("y_t", []),
        ("\\", []),
        ("nothing like it", []),
        ("  ", NOW),
    ],
)
def test_q(register: Register, q: str, expected: list[str]) -> None:
    client, _ = register
    assert list_refs(client, q=q) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-score", NOW),
        ("score", ["CP/CP01", "HS/HS01", "CP/CP03", "CP/CP02", "CS/CS01", "CS/CS02"]),
        ("ref", ["CP/CP01", "CP/CP02", "CP/CP03", "CS/CS01", "CS/CS02", "HS/HS01"]),
        ("-ref", ["HS/HS01", "CS/CS02", "CS/CS01", "CP/CP03", "CP/CP02", "CP/CP01"]),
        ("service,-score", ["CP/CP02", "CP/CP03", "CP/CP01", "CS/CS01", "CS/CS02", "HS/HS01"]),
        ("-service,ref", ["HS/HS01", "CS/CS01", "CS/CS02", "CP/CP01", "CP/CP02", "CP/CP03"]),
        ("last_reviewed_on,ref", ["CP/CP02", "HS/HS01", "CP/CP01", "CP/CP03", "CS/CS01", "CS/CS02"]),
    ],
)
def test_sort(register: Register, sort: str, expected: list[str]) -> None:
    client, _ = register
    assert list_refs(client, sort=sort) == expected


@pytest.mark.parametrize("sort", ["band", "score;drop table risk", "-", "score,", "", "Score"])
def test_invalid_sort_is_422(client: TestClient, sort: str) -> None:
    response = client.get("/api/v1/risks", params={"sort": sort})
    assert response.status_code == 422
    assert field_names(response) == ["query.sort"]


def test_pagination(register: Register) -> None:
    client, _ = register
    pages = [page(client, page=n, page_size=2) for n in (1, 2, 3)]
    assert [[r["ref"] for r in p["items"]] for p in pages] == [
        ["CS01", "CP02"],
        ["CP03", "HS01"],
        ["CP01", "CS02"],
    ]
    assert all((p["total"], p["pages"], p["page_size"]) == (6, 3, 2) for p in pages)
    assert [p["page"] for p in pages] == [1, 2, 3]
    odd = page(client, page_size=4, page=2)
    assert ([r["ref"] for r in odd["items"]], odd["pages"]) == (["CP01", "CS02"], 2)
    beyond = page(client, page=4, page_size=2)
    assert (beyond["items"], beyond["total"], beyond["pages"]) == ([], 6, 3)
    assert page(client, page_size=200)["total"] == 6


@pytest.mark.parametrize(
    ("name", "value"), [("page_size", 201), ("page_size", 0), ("page", 0), ("page", "x")]
)
def test_bad_pagination_is_422(client: TestClient, name: str, value: object) -> None:
    response = client.get("/api/v1/risks", params={name: value})
    assert response.status_code == 422
    assert field_names(response) == [f"query.{name}"]


def test_combinations(register: Register) -> None:
    client, _ = register
    assert list_refs(client, service="CP", band=["High", "Very High"]) == ["CP/CP02", "CP/CP03"]
    assert list_refs(client, service=["CP", "CS"], min_score=10, response="treat") == ["CS/CS01"]
    assert list_refs(client, service="HS", status="all", q="right") == ["HS/HS02"]
    assert list_refs(client, band="Very High", overdue="true") == ["CP/CP02"]
    assert list_refs(client, q="ict", sort="ref") == ["CP/CP02", "CS/CS01"]
    assert list_refs(client, basis="inherent", band="Very High", service="HS") == ["HS/HS01"]
    assert list_refs(client, as_of=ago(100).isoformat(), service="CP", band="Low") == ["CP/CP01"]
    combined = page(client, status="all", service=["CP", "HS"], sort="ref", page=2, page_size=3)
    assert ([r["ref"] for r in combined["items"]], combined["total"]) == (["HS01", "HS02"], 5)
