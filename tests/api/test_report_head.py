"""The six-monthly report prints the audit trail's head, so an anchor can check its paper."""

from __future__ import annotations

import io

import openpyxl
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pypdf import PdfReader

from app.audit.trail import chain_head
from app.db import committed
from tests.api.builders import make_risk, make_service


def test_every_format_of_the_six_monthly_report_names_the_trails_head(
    app: FastAPI, client: TestClient
) -> None:
    make_service(client)
    make_risk(client)
    with committed(app.state.read_engine) as session:
        head = chain_head(session)
    expected = f"audit trail: {head.count:,} entries, head {head.hash}"
    assert head.count >= 2
    params = {"period": "current"}
    html = client.get("/api/v1/reports/six-monthly", params=params | {"format": "html"})
    assert expected in html.text
    pdf = client.get("/api/v1/reports/six-monthly", params=params | {"format": "pdf"})
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert head.hash in text.replace("\n", "")
    xlsx = client.get("/api/v1/reports/six-monthly", params=params | {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert any(expected in str(sheet.cell(row=row, column=1).value) for row in range(1, 8))
    data = client.get("/api/v1/reports/six-monthly", params=params | {"format": "json"}).json()
    assert data["audit_head"] == {"count": head.count, "hash": head.hash}
