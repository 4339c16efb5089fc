"""Report periods: financial-year halves, their bounds, and the six-monthly route's answer."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from app.reports.periods import PeriodError, half, parse_period
from tests.api.builders import field_names

TODAY = date(2026, 11, 30)


def test_halves_of_a_financial_year():
    assert parse_period("2025/26-H1", today=TODAY) == half(2025, 1)
    assert parse_period("2025/2026 h2", today=TODAY).end == date(2026, 3, 31)
    assert parse_period("last", today=TODAY) == half(2026, 1)


@pytest.mark.parametrize("text", ["0000/01-H1", "9999/00-H2", "1999/00-H2", "0001/02-H1"])
def test_a_half_outside_the_years_a_deployment_accepts_is_refused(text):
    with pytest.raises(PeriodError, match="from 2000-01-01"):
        parse_period(text, today=TODAY)


def test_the_first_half_a_deployment_accepts():
    assert parse_period("2000/01-H1", today=TODAY).start == date(2000, 4, 1)
    with pytest.raises(PeriodError):
        parse_period("2000/01-H1", today=TODAY, earliest=date(2000, 5, 1))


@pytest.mark.parametrize("text", ["0000/01-H1", "9999/00-H2", "1999/00-H2"])
def test_the_six_monthly_route_answers_422_naming_period(client: TestClient, text: str) -> None:
    response = client.get("/api/v1/reports/six-monthly", params={"period": text, "format": "html"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field_names(response) == ["query.period"]
    assert "2000-01-01" in response.json()["detail"]
