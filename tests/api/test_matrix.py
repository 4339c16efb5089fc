"""GET /api/v1/matrix, and a deployment that scores on the 5x5 of docs/ instead of the 4x4."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.access.principal import Role
from app.config import Settings
from app.main import create_app
from tests.api.builders import field_names, make_risk, make_service
from tests.conftest import make_token

FIVE_BY_FIVE = Path(__file__).resolve().parents[2] / "docs" / "matrix-5x5.toml"

DOMAIN_CELLS = [
    {"likelihood": lk, "impact": ik, "score": lk * ik, "band": band}
    for lk, row in {
        4: ["Low", "High", "Very High", "Very High"],
        3: ["Low", "Medium", "High", "Very High"],
        2: ["Low", "Low", "Medium", "High"],
        1: ["Low", "Low", "Low", "Low"],
    }.items()
    for ik, band in enumerate(row, start=1)
]


@pytest.fixture
def five_by_five(settings: Settings) -> Iterator[TestClient]:
    """A client of an app deployed with RISKREG_MATRIX_FILE=docs/matrix-5x5.toml."""
    app = create_app(settings.model_copy(update={"matrix_file": FIVE_BY_FIVE}))
    token = make_token(app.state.engine, Role.ADMIN, name="five-admin")
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client
    app.state.engine.dispose()


def test_matrix_is_domain_four_by_four(client: TestClient) -> None:
    response = client.get("/api/v1/matrix")
    assert response.status_code == 200
    matrix = response.json()
    assert matrix["size"] == "4x4"
    assert matrix["cells"] == DOMAIN_CELLS
    assert [(lv["score"], lv["label"], lv["description"]) for lv in matrix["likelihood"]] == [
        (1, "Remote", "5% or less"),
        (2, "Unlikely", "6% to 20%"),
        (3, "Likely", "21% to 79%"),
        (4, "Very Likely", "80% or more"),
    ]
    assert [lv["label"] for lv in matrix["impact"]] == ["Marginal", "Significant", "Critical", "Catastrophic"]
    assert [(b["name"], b["order"]) for b in matrix["bands"]] == [
        ("Low", 1),
        ("Medium", 2),
        ("High", 3),
        ("Very High", 4),
    ]
    assert all(len(b["colour"]) == 7 and b["colour"].startswith("#") for b in matrix["bands"])


def test_matrix_needs_a_token(anonymous: TestClient) -> None:
    response = anonymous.get("/api/v1/matrix")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_four_by_four_refuses_likelihood_five(client: TestClient) -> None:
    make_service(client)
    response = client.post(
        "/api/v1/services/CP/risks",
        json={"ref": "CP01", "title": "t", "response": "treat", "residual": {"likelihood": 5, "impact": 5}},
    )
    assert response.status_code == 422
    assert "body.residual.likelihood" in field_names(response)
    assert client.get("/api/v1/risks", params={"status": "all"}).json()["total"] == 0


def test_five_by_five_deployment(five_by_five: TestClient) -> None:
    matrix = five_by_five.get("/api/v1/matrix").json()
    assert matrix["size"] == "5x5"
    assert len(matrix["cells"]) == 25
    assert [lv["label"] for lv in matrix["likelihood"]][-1] == "Almost Certain"
    assert [b["name"] for b in matrix["bands"]] == ["Very Low", "Low", "Medium", "High", "Very High"]
    assert matrix["cells"][0] == {"likelihood": 5, "impact": 1, "score": 5, "band": "Low"}

    make_service(five_by_five)
    risk = make_risk(five_by_five, residual=(5, 5), inherent={"likelihood": 5, "impact": 4})
    assert risk["residual"] == {"likelihood": 5, "impact": 5, "score": 25, "band": "Very High"}
    assert risk["inherent"] == {"likelihood": 5, "impact": 4, "score": 20, "band": "Very High"}
    listed = five_by_five.get("/api/v1/risks", params={"band": "very high"}).json()
    assert [r["ref"] for r in listed["items"]] == ["CP01"]
    service = five_by_five.get("/api/v1/services/CP").json()
    assert service["counts_by_band"] == {
        "Very Low": 0,
        "Low": 0,
        "Medium": 0,
        "High": 0,
        "Very High": 1,
        "unassessed": 0,
    }
    off = five_by_five.post(
        f"/api/v1/risks/{risk['id']}/reviews", json={"residual": {"likelihood": 6, "impact": 1}}
    )
    assert off.status_code == 422
    assert field_names(off) == ["body.residual.likelihood"]


def test_every_band_is_reviewed_six_monthly_by_default(client: TestClient) -> None:
    bands = client.get("/api/v1/matrix").json()["bands"]
    assert [(b["name"], b["review_months"]) for b in bands] == [
        ("Low", 6),
        ("Medium", 6),
        ("High", 6),
        ("Very High", 6),
    ]


@pytest.fixture
def quarterly_very_high(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    """A deployment whose matrix reviews Very High risks every 3 months and Low ones every 12;
    the other bands take RISKREG_REVIEW_INTERVAL_MONTHS=4."""
    text = (Path(__file__).resolve().parents[2] / "app" / "scoring" / "default_matrix.toml").read_text()
    text = text.replace("order = 4 }", "order = 4, review_months = 3 }")
    text = text.replace("order = 1 }", "order = 1, review_months = 12 }")
    matrix_file = tmp_path / "matrix.toml"
    matrix_file.write_text(text)
    app = create_app(settings.model_copy(update={"matrix_file": matrix_file, "review_interval_months": 4}))
    token = make_token(app.state.engine, Role.ADMIN, name="quarterly-admin")
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client
    app.state.engine.dispose()


def test_the_next_review_follows_the_band_of_the_latest_review(quarterly_very_high: TestClient) -> None:
    client = quarterly_very_high
    bands = client.get("/api/v1/matrix").json()["bands"]
    assert [b["review_months"] for b in bands] == [12, 4, 4, 3]
    make_service(client)
    risk = make_risk(client, residual=(4, 4), reviewed_on=date(2025, 1, 31))
    assert risk["next_review_due"] == "2025-04-30"  # Very High: three months, clamped to the month's end
    reviews = [
        ((1, 1), date(2025, 4, 10), "2026-04-10"),  # Low: a year
        ((3, 3), date(2025, 5, 1), "2025-09-01"),  # Medium: the deployment's four months
        ((2, 4), date(2025, 5, 2), "2025-09-02"),  # High: four months
    ]
    for (likelihood, impact), reviewed_on, due in reviews:
        body = {
            "reviewed_on": reviewed_on.isoformat(),
            "residual": {"likelihood": likelihood, "impact": impact},
        }
        posted = client.post(f"/api/v1/risks/{risk['id']}/reviews", json=body)
        assert posted.status_code == 201, posted.text
        assert posted.json()["next_review_due"] == due
        assert client.get(f"/api/v1/risks/{risk['id']}").json()["next_review_due"] == due
    named = client.post(
        f"/api/v1/risks/{risk['id']}/reviews",
        json={
            "reviewed_on": "2025-06-01",
            "residual": {"likelihood": 4, "impact": 4},
            "next_review_due": "2025-07-01",
        },
    )
    assert named.json()["next_review_due"] == "2025-07-01"  # a date the review names wins
    round_ = client.post(
        "/api/v1/services/CP/reviews",
        json={
            "reviewed_on": "2025-06-02",
            "reviews": [{"ref": "CP01", "residual": {"likelihood": 4, "impact": 4}}],
        },
    )
    assert round_.status_code == 201, round_.text
    assert round_.json()["reviews"][0]["next_review_due"] == "2025-09-02"
