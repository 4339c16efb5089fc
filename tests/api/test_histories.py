"""A risk's reviews and its audit history come a page at a time, newest first."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient

from tests.api.builders import make_risk, make_service

DAYS = [str(date(2025, 1, 1) + timedelta(days=30 * n)) for n in range(6)]


def _reviewed_six_times(client: TestClient) -> int:
    make_service(client)
    risk = make_risk(client, reviewed_on=date(2025, 1, 1))
    for n in range(1, 6):
        response = client.post(
            f"/api/v1/risks/{risk['id']}/reviews",
            json={
                "residual": {"likelihood": 1 + n % 3, "impact": 2},
                "reviewed_on": DAYS[n],
            },
        )
        assert response.status_code == 201, response.text
    return int(risk["id"])


def test_reviews_are_paginated_newest_first_with_links(client: TestClient) -> None:
    risk_id = _reviewed_six_times(client)
    first = client.get(f"/api/v1/risks/{risk_id}/reviews", params={"page_size": 4})
    assert first.status_code == 200, first.text
    assert first.headers["x-total-count"] == "6"
    assert [r["reviewed_on"] for r in first.json()] == DAYS[:1:-1]
    links = first.headers["link"]
    assert 'rel="next"' in links
    assert 'rel="prev"' not in links
    next_url = next(part.split(">")[0].lstrip("<") for part in links.split(", ") if 'rel="next"' in part)
    second = client.get(next_url)
    assert [r["reviewed_on"] for r in second.json()] == DAYS[1::-1]
    assert 'rel="next"' not in second.headers["link"]


def test_the_audit_history_of_a_risk_is_paginated(client: TestClient) -> None:
    risk_id = _reviewed_six_times(client)
    everything = client.get(f"/api/v1/risks/{risk_id}/history", params={"page_size": 200}).json()
    page = client.get(f"/api/v1/risks/{risk_id}/history", params={"page": 2, "page_size": 2})
    assert page.status_code == 200, page.text
    assert page.headers["x-total-count"] == str(len(everything)) == "6"
    assert page.json() == everything[2:4]


def test_a_page_size_over_the_limit_is_refused(client: TestClient) -> None:
    risk_id = _reviewed_six_times(client)
    response = client.get(f"/api/v1/risks/{risk_id}/reviews", params={"page_size": 201})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["query.page_size"]
