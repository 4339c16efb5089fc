"""The core scenario of the register, end to end through HTTP."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from app.clock import today
from tests.api.builders import make_risk, make_service, review


def test_risk_moves_out_of_high_band_but_stays_in_as_of(client: TestClient) -> None:
    make_service(client)
    day = today()
    risk = make_risk(client, residual=(3, 4), reviewed_on=day - timedelta(days=30))
    assert risk["residual"] == {"likelihood": 3, "impact": 4, "score": 12, "band": "Very High"}
    moved = review(client, risk["id"], (2, 2), reviewed_on=day - timedelta(days=10))
    assert (moved["score"], moved["band"], moved["direction"], moved["previous_score"]) == (
        4,
        "Low",
        "down",
        12,
    )
    high = client.get("/api/v1/risks", params={"band": ["High", "Very High"]}).json()
    assert high["total"] == 0
    before = (day - timedelta(days=11)).isoformat()
    then = client.get("/api/v1/risks", params={"band": ["High", "Very High"], "as_of": before}).json()
    assert [r["ref"] for r in then["items"]] == ["CP01"]
    assert then["items"][0]["residual"]["score"] == 12
