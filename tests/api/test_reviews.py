"""Reviews: one risk's review, its history, and a whole service's review all or nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.clock import today
from tests.api.builders import field_names, get_risk, make_risk, make_service, review

DAY = today()


def ago(days: int) -> date:
    return DAY - timedelta(days=days)


@pytest.fixture
def cp(client: TestClient) -> TestClient:
    """A client whose register has the service CP."""
    make_service(client)
    return client


def post_review(client: TestClient, risk_id: int, **body: Any) -> Any:
    return client.post(f"/api/v1/risks/{risk_id}/reviews", json=body)


def history(client: TestClient, risk_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/risks/{risk_id}/reviews")
    assert response.status_code == 200
    return response.json()


def test_review_scores_and_directions(cp: TestClient) -> None:
    risk = make_risk(cp, residual=(2, 3), reviewed_on=ago(90))
    up = review(cp, risk["id"], (3, 3), reviewed_on=ago(60), reviewer="Risk Group", notes="worse")
    assert (up["score"], up["band"], up["previous_score"], up["direction"]) == (9, "High", 6, "up")
    assert up["residual"] == {"likelihood": 3, "impact": 3, "score": 9, "band": "High"}
    assert (up["reviewer"], up["notes"], up["ref"], up["service"]) == ("Risk Group", "worse", "CP01", "CP")
    down = review(cp, risk["id"], (1, 4), reviewed_on=ago(30))
    assert (down["score"], down["band"], down["previous_score"], down["direction"]) == (4, "Low", 9, "down")
    same = review(cp, risk["id"], (2, 2), reviewed_on=ago(30))
    assert (same["score"], same["previous_score"], same["direction"]) == (4, 4, "unchanged")
    assert same["reviewer"] == "test-admin"

    current, _ = get_risk(cp, risk["id"])
    assert current["residual"] == {"likelihood": 2, "impact": 2, "score": 4, "band": "Low"}
    assert current["last_reviewed_on"] == ago(30).isoformat()
    assert current["version"] == 4


def test_first_review_through_create_is_new(cp: TestClient) -> None:
    risk = make_risk(cp, residual=(4, 4))
    (first,) = history(cp, risk["id"])
    assert (first["score"], first["band"], first["previous_score"], first["direction"]) == (
        16,
        "Very High",
        None,
        "new",
    )


def test_first_review_of_an_unassessed_risk_is_new(cp: TestClient) -> None:
    risk = make_risk(cp, residual=None)
    first = review(cp, risk["id"], (3, 2))
    assert (first["previous_score"], first["direction"]) == (None, "new")
    assert get_risk(cp, risk["id"])[0]["residual"]["score"] == 6


def test_review_with_inherent_and_target(cp: TestClient) -> None:
    risk = make_risk(cp)
    body = review(
        cp,
        risk["id"],
        (2, 2),
        inherent={"likelihood": 4, "impact": 3},
        target={"likelihood": 1, "impact": 2},
    )
    assert body["inherent"] == {"likelihood": 4, "impact": 3, "score": 12, "band": "Very High"}
    assert body["target"] == {"likelihood": 1, "impact": 2, "score": 2, "band": "Low"}
    current, _ = get_risk(cp, risk["id"])
    assert (current["inherent"], current["target"]) == (body["inherent"], body["target"])


def test_history_is_newest_first(cp: TestClient) -> None:
    risk = make_risk(cp, residual=(1, 1), reviewed_on=ago(100))
    review(cp, risk["id"], (2, 2), reviewed_on=ago(50))
    review(cp, risk["id"], (3, 3), reviewed_on=ago(10))
    review(cp, risk["id"], (4, 4), reviewed_on=ago(10))
    assert [(r["reviewed_on"], r["score"]) for r in history(cp, risk["id"])] == [
        (ago(10).isoformat(), 16),
        (ago(10).isoformat(), 9),
        (ago(50).isoformat(), 4),
        (ago(100).isoformat(), 1),
    ]


def test_history_of_an_unknown_risk_is_404(cp: TestClient) -> None:
    assert cp.get("/api/v1/risks/424242/reviews").status_code == 404
    assert post_review(cp, 424242, residual={"likelihood": 1, "impact": 1}).status_code == 404


def test_review_dated_before_the_latest_is_422(cp: TestClient) -> None:
    risk = make_risk(cp, reviewed_on=ago(10))
    before, etag = get_risk(cp, risk["id"])
    response = post_review(
        cp, risk["id"], reviewed_on=ago(11).isoformat(), residual={"likelihood": 1, "impact": 1}
    )
    assert response.status_code == 422
    assert field_names(response) == ["body.reviewed_on"]
    assert get_risk(cp, risk["id"]) == (before, etag)
    assert len(history(cp, risk["id"])) == 1


def test_future_review_is_422(cp: TestClient) -> None:
    risk = make_risk(cp)
    response = post_review(
        cp,
        risk["id"],
        reviewed_on=(DAY + timedelta(days=1)).isoformat(),
        residual={"likelihood": 1, "impact": 1},
    )
    assert response.status_code == 422
    assert field_names(response) == ["body.reviewed_on"]
    assert len(history(cp, risk["id"])) == 1


@pytest.mark.parametrize(
    ("assessment", "field"),
    [
        ({"likelihood": 5, "impact": 1}, "body.residual.likelihood"),
        ({"likelihood": 0, "impact": 1}, "body.residual.likelihood"),
        ({"likelihood": 1, "impact": 5}, "body.residual.impact"),
        ({"likelihood": "2", "impact": 1}, "body.residual.likelihood"),
        ({"likelihood": 2.0, "impact": 1}, "body.residual.likelihood"),
        ({"likelihood": True, "impact": 1}, "body.residual.likelihood"),
        ({"likelihood": 2}, "body.residual.impact"),
    ],
)
def test_off_matrix_review_is_422(cp: TestClient, assessment: dict[str, Any], field: str) -> None:
    risk = make_risk(cp)
    response = post_review(cp, risk["id"], residual=assessment)
    assert response.status_code == 422
    assert field_names(response) == [field]


def test_review_without_residual_is_422(cp: TestClient) -> None:
    risk = make_risk(cp)
    response = post_review(cp, risk["id"], notes="no scores")
    assert response.status_code == 422
    assert field_names(response) == ["body.residual"]


@pytest.mark.parametrize(
    ("reviewed_on", "due"),
    [
        (date(2023, 8, 31), date(2024, 2, 29)),
        (date(2024, 8, 31), date(2025, 2, 28)),
        (date(2024, 3, 31), date(2024, 9, 30)),
        (date(2024, 9, 30), date(2025, 3, 30)),
        (date(2024, 1, 15), date(2024, 7, 15)),
    ],
)
def test_next_review_due_is_six_months_on(cp: TestClient, reviewed_on: date, due: date) -> None:
    risk = make_risk(cp, residual=None, opened_on=reviewed_on.isoformat())
    body = review(cp, risk["id"], (2, 2), reviewed_on=reviewed_on)
    assert body["next_review_due"] == due.isoformat()
    current, _ = get_risk(cp, risk["id"])
    assert current["next_review_due"] == due.isoformat()
    assert current["overdue"] is True


def test_next_review_due_given(cp: TestClient) -> None:
    risk = make_risk(cp)
    due = DAY + timedelta(days=30)
    body = review(cp, risk["id"], (2, 2), next_review_due=due.isoformat())
    assert body["next_review_due"] == due.isoformat()
    assert get_risk(cp, risk["id"])[0]["next_review_due"] == due.isoformat()
    response = post_review(
        cp, risk["id"], residual={"likelihood": 1, "impact": 1}, next_review_due=ago(1).isoformat()
    )
    assert response.status_code == 422
    assert field_names(response) == ["body.next_review_due"]


def test_response_and_controls_carry_over(cp: TestClient) -> None:
    risk = make_risk(cp, response="tolerate", controls=["Insurance", "Contract monitoring"])
    kept = review(cp, risk["id"], (1, 2))
    assert (kept["response"], kept["controls"]) == ("tolerate", ["Insurance", "Contract monitoring"])
    current, _ = get_risk(cp, risk["id"])
    assert (current["response"], current["controls"]) == ("tolerate", ["Insurance", "Contract monitoring"])


def test_response_and_controls_replaced(cp: TestClient) -> None:
    risk = make_risk(cp, response="tolerate", controls=["Insurance", "Contract monitoring"])
    changed = review(cp, risk["id"], (1, 2), response="transfer", controls=["New contract", "Insurance"])
    assert (changed["response"], changed["controls"]) == ("transfer", ["New contract", "Insurance"])
    current, _ = get_risk(cp, risk["id"])
    assert (current["response"], current["controls"]) == ("transfer", ["New contract", "Insurance"])
    emptied = review(cp, risk["id"], (1, 2), controls=[])
    assert emptied["controls"] == []
    assert get_risk(cp, risk["id"])[0]["controls"] == []
    old = history(cp, risk["id"])[-1]
    assert old["controls"] == ["Insurance", "Contract monitoring"]


# --- a whole service's review ------------------------------------------------


@pytest.fixture
def register(cp: TestClient) -> list[dict[str, Any]]:
    """Three CP risks first reviewed 60 days ago."""
    return [
        make_risk(cp, ref=ref, residual=residual, reviewed_on=ago(60))
        for ref, residual in (("CP01", (2, 3)), ("CP02", (3, 3)), ("CP03", (1, 1)))
    ]


def post_service_review(client: TestClient, reviews: list[dict[str, Any]], **body: Any) -> Any:
    return client.post("/api/v1/services/CP/reviews", json={"reviews": reviews} | body)


def entry(ref: str, likelihood: int, impact: int, **fields: Any) -> dict[str, Any]:
    return {"ref": ref, "residual": {"likelihood": likelihood, "impact": impact}} | fields


def test_whole_service_review(cp: TestClient, register: list[dict[str, Any]]) -> None:
    response = post_service_review(
        cp,
        [entry("CP01", 3, 3), entry("cp 02", 3, 3, notes="stable"), entry("CP03", 1, 2, reviewer="Officer")],
        reviewed_on=ago(5).isoformat(),
        reviewer="CP Team",
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["service"] == "CP"
    assert [(r["ref"], r["score"], r["previous_score"], r["direction"]) for r in body["reviews"]] == [
        ("CP01", 9, 6, "up"),
        ("CP02", 9, 9, "unchanged"),
        ("CP03", 2, 1, "up"),
    ]
    assert [r["reviewer"] for r in body["reviews"]] == ["CP Team", "CP Team", "Officer"]
    for risk, score in zip(register, (9, 9, 2), strict=True):
        current, _ = get_risk(cp, risk["id"])
        assert (current["residual"]["score"], current["last_reviewed_on"]) == (score, ago(5).isoformat())
        assert current["version"] == 2
        assert len(history(cp, risk["id"])) == 2


def test_whole_service_review_entry_dates(cp: TestClient, register: list[dict[str, Any]]) -> None:
    response = post_service_review(
        cp, [entry("CP01", 1, 1, reviewed_on=ago(20).isoformat()), entry("CP02", 1, 1)]
    )
    assert response.status_code == 201, response.text
    assert [r["reviewed_on"] for r in response.json()["reviews"]] == [ago(20).isoformat(), DAY.isoformat()]


def assert_unchanged(client: TestClient, register: list[dict[str, Any]]) -> None:
    for risk in register:
        current, _ = get_risk(client, risk["id"])
        assert current == risk
        assert len(history(client, risk["id"])) == 1


def test_one_bad_entry_refuses_the_whole_review(cp: TestClient, register: list[dict[str, Any]]) -> None:
    response = post_service_review(cp, [entry("CP01", 1, 1), entry("CP02", 2, 2), entry("CP03", 5, 1)])
    assert response.status_code == 422
    assert field_names(response) == ["body.reviews.2.residual.likelihood"]
    assert_unchanged(cp, register)


def test_every_bad_entry_is_named(cp: TestClient, register: list[dict[str, Any]]) -> None:
    response = post_service_review(
        cp,
        [entry("CP01", 1, 9), entry("CP02", 2, 2, reviewed_on=(DAY + timedelta(days=2)).isoformat())],
    )
    assert response.status_code == 422
    assert field_names(response) == ["body.reviews.0.residual.impact", "body.reviews.1.reviewed_on"]
    assert_unchanged(cp, register)


def test_entry_dated_before_its_latest_review_refuses_all(
    cp: TestClient, register: list[dict[str, Any]]
) -> None:
    response = post_service_review(
        cp, [entry("CP01", 1, 1), entry("CP02", 1, 1, reviewed_on=ago(61).isoformat())]
    )
    assert response.status_code == 422
    assert field_names(response) == ["body.reviews.1.reviewed_on"]
    assert_unchanged(cp, register)


def test_every_entry_dated_before_its_latest_review_is_named(
    cp: TestClient, register: list[dict[str, Any]]
) -> None:
    response = post_service_review(
        cp,
        [
            entry("CP01", 1, 1, reviewed_on=ago(70).isoformat()),
            entry("CP02", 1, 1),
            entry("CP03", 1, 1, reviewed_on=ago(61).isoformat()),
        ],
    )
    assert response.status_code == 422
    assert field_names(response) == ["body.reviews.0.reviewed_on", "body.reviews.2.reviewed_on"]
    assert_unchanged(cp, register)


def test_service_review_replaces_or_keeps_each_risks_controls(cp: TestClient) -> None:
    kept = make_risk(cp, ref="CP01", residual=(2, 2), controls=["Insurance", "Audit"])
    replaced = make_risk(cp, ref="CP02", residual=(2, 2), controls=["Old measure"])
    emptied = make_risk(cp, ref="CP03", residual=(2, 2), controls=["Gone"])
    response = post_service_review(
        cp,
        [
            entry("CP01", 1, 1),
            entry("CP02", 1, 1, controls=["New A", "New B"]),
            entry("CP03", 1, 1, controls=[]),
        ],
    )
    assert response.status_code == 201, response.text
    assert [r["controls"] for r in response.json()["reviews"]] == [
        ["Insurance", "Audit"],
        ["New A", "New B"],
        [],
    ]
    assert get_risk(cp, kept["id"])[0]["controls"] == ["Insurance", "Audit"]
    assert get_risk(cp, replaced["id"])[0]["controls"] == ["New A", "New B"]
    assert get_risk(cp, emptied["id"])[0]["controls"] == []


def test_unknown_ref_in_a_service_review(cp: TestClient, register: list[dict[str, Any]]) -> None:
    response = post_service_review(cp, [entry("CP01", 1, 1), entry("CP99", 1, 1)])
    assert response.status_code == 422
    problem = response.json()
    assert field_names(response) == ["body.reviews.1.ref"]
    assert "CP99" in problem["errors"][0]["msg"]
    assert_unchanged(cp, register)


def test_duplicate_ref_in_a_service_review(cp: TestClient, register: list[dict[str, Any]]) -> None:
    response = post_service_review(cp, [entry("CP01", 1, 1), entry("CP02", 1, 1), entry("cp01", 2, 2)])
    assert response.status_code == 422
    assert field_names(response) == ["body.reviews.2.ref"]
    assert "CP01" in response.json()["errors"][0]["msg"]
    assert_unchanged(cp, register)


def test_closed_risk_in_a_service_review_refuses_all(cp: TestClient, register: list[dict[str, Any]]) -> None:
    _, etag = get_risk(cp, register[1]["id"])
    closed = cp.patch(
        f"/api/v1/risks/{register[1]['id']}", json={"status": "closed"}, headers={"If-Match": etag}
    )
    assert closed.status_code == 200
    register[1] = closed.json()
    response = post_service_review(cp, [entry("CP01", 1, 1), entry("CP02", 1, 1)])
    assert response.status_code == 409
    assert_unchanged(cp, register)


def test_empty_service_review_is_422(cp: TestClient) -> None:
    response = post_service_review(cp, [])
    assert response.status_code == 422
    assert field_names(response) == ["body.reviews"]


def test_service_review_of_an_unknown_service_is_404(cp: TestClient) -> None:
    response = cp.post("/api/v1/services/ZZ/reviews", json={"reviews": [entry("ZZ01", 1, 1)]})
    assert response.status_code == 404


def test_inherent_and_target_carry_over_when_a_review_omits_them(client: TestClient) -> None:
    make_service(client)
    risk = make_risk(
        client,
        residual=(3, 3),
        inherent={"likelihood": 4, "impact": 4},
        target={"likelihood": 1, "impact": 2},
    )
    review(client, risk["id"], (2, 2))
    after = client.get(f"/api/v1/risks/{risk['id']}").json()
    assert after["inherent"] == {"likelihood": 4, "impact": 4, "score": 16, "band": "Very High"}
    assert after["target"] == {"likelihood": 1, "impact": 2, "score": 2, "band": "Low"}
    history = client.get(f"/api/v1/risks/{risk['id']}/reviews").json()
    assert history[0]["inherent"]["score"] == 16
    inherent_list = client.get("/api/v1/risks", params={"basis": "inherent", "band": "Very High"}).json()
    assert [r["ref"] for r in inherent_list["items"]] == ["CP01"]
