"""The six-monthly review report over a seeded history: movement, high risks, overdue."""

from __future__ import annotations

import io
from datetime import date

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import Session

from app.clock import today
from app.reports.periods import half
from app.reports.queries import review_report
from app.scoring import default_matrix
from tests.api.builders import make_risk, make_service, review

H1 = half(2025, 1)  # 1 Apr 2025 to 30 Sep 2025
H2 = half(2025, 2)  # 1 Oct 2025 to 31 Mar 2026


@pytest.fixture
def seeded(client: TestClient) -> dict[str, int]:
    """A history with a risk up, one down, one new, one closed, one overdue and one unchanged in H1."""
    make_service(client, "CS", "Corporate Services")
    ids = {}
    ids["CS01"] = make_risk(client, "CS", "CS01", (2, 2), date(2025, 3, 1))["id"]
    ids["CS02"] = make_risk(client, "CS", "CS02", (3, 4), date(2025, 3, 1))["id"]
    ids["CS03"] = make_risk(client, "CS", "CS03", (2, 3), date(2025, 5, 10))["id"]
    ids["CS04"] = make_risk(client, "CS", "CS04", (2, 2), date(2025, 3, 1))["id"]
    ids["CS05"] = make_risk(client, "CS", "CS05", (2, 3), date(2024, 10, 1))["id"]
    ids["CS06"] = make_risk(client, "CS", "CS06", (2, 2), date(2025, 3, 1))["id"]
    review(client, ids["CS01"], (3, 3), date(2025, 6, 1))
    review(client, ids["CS02"], (1, 2), date(2025, 7, 1))
    review(client, ids["CS06"], (2, 2), date(2025, 9, 1))
    etag = client.get(f"/api/v1/risks/{ids['CS04']}").headers["ETag"]
    closed = client.patch(
        f"/api/v1/risks/{ids['CS04']}",
        json={"status": "closed", "closed_on": "2025-08-01"},
        headers={"If-Match": etag},
    )
    assert closed.status_code == 200, closed.text
    # Later reviews, in H2 only.
    review(client, ids["CS01"], (2, 2), date(2025, 11, 1))
    review(client, ids["CS03"], (3, 4), date(2025, 12, 1))
    review(client, ids["CS05"], (2, 3), date(2025, 12, 5))
    review(client, ids["CS06"], (2, 2), date(2026, 1, 10))
    return ids


def _groups(report) -> dict[str, list[tuple[str, int | None, int | None]]]:  # type: ignore[no-untyped-def]
    return {
        direction: [(m.risk.ref, m.previous_score, m.current_score) for m in rows]
        for direction, rows in report.movements.items()
    }


def test_h1_names_each_risk_in_its_movement_group(client: TestClient, seeded: dict[str, int]) -> None:
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        report = review_report(session, default_matrix(), H1, today=today())
    assert _groups(report) == {
        "new": [("CS03", None, 6)],
        "up": [("CS01", 4, 9)],
        "down": [("CS02", 12, 2)],
        "unchanged": [("CS05", 6, 6), ("CS06", 4, 4)],
        "closed": [("CS04", 4, 4)],
        "first_assessed": [],
        "not_assessed": [],
    }
    assert [r.ref for r in report.high_risks] == ["CS01"]
    assert [r.ref for r in report.not_reviewed] == ["CS05"]
    assert report.not_reviewed[0].overdue
    summary = report.summaries[0]
    assert summary.counts_by_band == {"Low": 2, "Medium": 2, "High": 1, "Very High": 0}
    assert summary.total == 5


def test_h2_reflects_the_later_reviews_only(client: TestClient, seeded: dict[str, int]) -> None:
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        report = review_report(session, default_matrix(), H2, today=today())
    assert _groups(report) == {
        "new": [],
        "up": [("CS03", 6, 12)],
        "down": [("CS01", 9, 4)],
        "unchanged": [("CS05", 6, 6), ("CS06", 4, 4), ("CS02", 2, 2)],
        "closed": [],
        "first_assessed": [],
        "not_assessed": [],
    }
    assert [r.ref for r in report.high_risks] == ["CS03"]
    assert [r.ref for r in report.not_reviewed] == ["CS02"]


def test_six_monthly_pdf_download_names_high_risks(client: TestClient, seeded: dict[str, int]) -> None:
    response = client.get("/api/v1/reports/six-monthly", params={"period": "2025/26-H1", "format": "pdf"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    assert "2025-26-H1" in response.headers["content-disposition"]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for ref in ("CS01", "CS02", "CS03", "CS04", "CS05", "CS06"):
        assert ref in text


@pytest.mark.parametrize("fmt", ["html", "pdf", "xlsx"])
def test_six_monthly_formats_download(client: TestClient, seeded: dict[str, int], fmt: str) -> None:
    response = client.get("/api/v1/reports/six-monthly", params={"period": "2025/26-H2", "format": fmt})
    assert response.status_code == 200, response.text
    assert response.content[:4] in (b"%PDF", b"PK\x03\x04", b"<!do", b"<!DO")


@pytest.mark.parametrize("fmt", ["html", "pdf", "xlsx", "csv"])
def test_register_downloads(client: TestClient, seeded: dict[str, int], fmt: str) -> None:
    response = client.get("/api/v1/reports/register", params={"service": "CS", "format": fmt})
    assert response.status_code == 200, response.text
    assert "risk-register-CS-" in response.headers["content-disposition"]
    assert len(response.content) > 100


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "2025-H1"}, "period"),
        ({"period": "2099/00-H1"}, "period"),
        ({"from": "2025-10-01", "to": "2025-04-01"}, "period"),
        ({"period": "2025/26-H1", "service": "ZZ"}, None),
    ],
)
def test_bad_report_requests_are_problems(client: TestClient, seeded: dict[str, int], params, field) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/reports/six-monthly", params=params)
    assert response.status_code in (404, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_heatmap_download_png(client: TestClient, seeded: dict[str, int]) -> None:
    for basis in ("residual", "inherent", "both"):
        response = client.get("/api/v1/reports/heatmap", params={"basis": basis, "service": "CS"})
        assert response.status_code == 200, response.text
        assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
