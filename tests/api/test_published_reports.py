"""Ratings kept as a plan published them (issue 15: band and score, likelihood and impact
unknown) say "Low (4), published without likelihood and impact" wherever a report shows a score
or band: the six-monthly report's movement tables (at the start and on the report date), its
worst risks in full, the service register and the corporate register, in the PDF, HTML and XLSX
alike (one cell across the rating's parts in the pages; the band cell, or the likelihood cell of
a register, in the workbook). On every engine."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from app.clock import today
from tests.importer.builders import SAMPLES

PHRASE = "published without likelihood and impact"
#: A published rating in a table cell ("Low (4), published without likelihood and impact").
RATING = re.compile(r"(Low|Medium|High|Very High) \((\d+)\), published without likelihood and impact")
#: An HTML cell drawn across a published rating's parts.
HTML_CELL = re.compile(r'<td(?: colspan="(\d)")? class="band published"[^>]*>([^<]*)</td>')


def flat(text: str) -> str:
    return " ".join(text.split())


def section(text: str, heading: str, after: str) -> str:
    start = text.index(heading)
    return text[start : text.index(after, start + len(heading))]


def get(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(f"/api/v1/reports/{path}", params=params)
    assert response.status_code == 200, response.text
    return response


def pdf_text(content: bytes) -> str:
    return flat("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


@pytest.fixture
def published(client: TestClient) -> dict[str, int]:
    """Community Partnerships' 2019-22 plan imported with its 14 published ratings (CP04 made
    'High - 9', with the plan's en dash, so that one is among the worst risks); CP01 then
    assessed High 9 (3 x 3) today: its start position is published, its end is scored. CP04
    is escalated."""
    text = (SAMPLES / "community-partnerships-2019-2022.txt").read_text(encoding="utf-8")
    lines = text.split("\n")
    (cp04,) = [i for i, line in enumerate(lines) if line.startswith("CP04\tFraudulent activity")]
    medium, high = "Medium \u2013 6", "High \u2013 9"  # the plan's en dash
    assert lines[cp04].endswith(medium)
    lines[cp04] = lines[cp04].removesuffix(medium) + high
    done = client.post(
        "/api/v1/imports", json={"text": "\n".join(lines), "filename": "cp.txt", "dry_run": False}
    )
    assert done.status_code == 201, done.text
    listed = client.get("/api/v1/risks", params={"service": "CP", "page_size": 100}).json()["items"]
    ids = {r["ref"]: r["id"] for r in listed}
    assert len(ids) == 14
    assert all(r["residual"]["likelihood"] is None for r in listed)
    reviewed = client.post(
        f"/api/v1/risks/{ids['CP01']}/reviews", json={"residual": {"likelihood": 3, "impact": 3}}
    )
    assert reviewed.status_code == 201, reviewed.text
    escalated = client.post(f"/api/v1/risks/{ids['CP04']}/escalate", json={"reason": "Partnership funds"})
    assert escalated.status_code == 201, escalated.text
    return ids


def test_the_six_monthly_report_says_a_rating_was_published_in_every_table(
    client: TestClient, published: dict[str, int]
) -> None:
    data = get(client, "six-monthly", period="current", format="json").json()
    risks = {r["ref"]: r for r in data["risks"]}
    published_end = {ref for ref, r in risks.items() if r["residual"]["likelihood"] is None}
    assert published_end == set(published) - {"CP01"}
    assert {r["ref"] for r in data["risks"] if r["start"] is not None} == set(published)  # all published
    assert {e["ref"] for e in data["groups"]["up"]} == {"CP01"}
    # the JSON says so too: "published": true beside a score and band
    assert {ref for ref, r in risks.items() if r["start"].get("published")} == set(published)
    assert {ref for ref, r in risks.items() if r["residual"].get("published")} == published_end
    starts = {ref: (r["start"]["band"], r["start"]["score"]) for ref, r in risks.items()}
    ends = {ref: (r["residual"]["band"], r["residual"]["score"]) for ref, r in risks.items()}
    moved = 2 * len(published) - 1  # every start, every end but CP01's
    worst = {"CP01", "CP04"}
    assert {r["ref"] for r in data["risks"] if r["residual"]["band"] in ("High", "Very High")} == worst

    # HTML: one cell across score and band, filled with the band, saying so
    html = get(client, "six-monthly", period="current", format="html").text
    movement = section(html, 'id="movement"', 'id="lists"')
    cells = HTML_CELL.findall(movement)
    assert len(cells) == moved
    assert {span for span, _ in cells} == {"2"}
    assert {text for _, text in cells} == {
        f"{band} ({score}), {PHRASE}" for band, score in [*starts.values(), *(ends[r] for r in published_end)]
    }
    high = section(html, 'id="high"', 'id="actions"')
    assert [text for _, text in HTML_CELL.findall(high)] == [f"High (9), {PHRASE}"]  # CP04's residual
    at_start = [("High", "9"), ("High", "9"), (starts["CP01"][0], str(starts["CP01"][1]))]
    assert sorted(RATING.findall(high)) == sorted(at_start)  # and CP04's and CP01's start

    # PDF: the same words in the movement tables and the worst risks
    text = pdf_text(get(client, "six-monthly", period="current", format="pdf").content)
    pdf_movement = section(text, "Movement in the period", "Long-standing")
    assert len(RATING.findall(pdf_movement)) == moved
    pdf_high = section(text, "High and Very High risks in full", "Actions (")
    assert sorted(RATING.findall(pdf_high)) == sorted(at_start)

    # XLSX: the score stays a number, the band cell says it was published
    book = openpyxl.load_workbook(
        io.BytesIO(get(client, "six-monthly", period="current", format="xlsx").content)
    )
    rows = list(book["Movement"].iter_rows(values_only=True))
    head = rows[0]
    seen = {
        row[head.index("Ref")]: {name: row[head.index(name)] for name in head if name}
        for row in rows[1:]
        if row[head.index("Ref")]
    }
    assert set(seen) == set(published)
    for ref, row in seen.items():
        band, score = starts[ref]
        assert (row["Previous score"], row["Previous band"]) == (score, f"{band} ({score}), {PHRASE}")
        band, score = ends[ref]
        current = band if ref == "CP01" else f"{band} ({score}), {PHRASE}"
        assert (row["Current score"], row["Current band"]) == (score, current)
    high_rows = list(book["High risks"].iter_rows(values_only=True))
    by_ref = {row[0]: dict(zip(high_rows[0], row, strict=True)) for row in high_rows[1:]}
    residual = ("Residual score", "Residual band")
    assert tuple(by_ref["CP04"][name] for name in residual) == (9, f"High (9), {PHRASE}")
    assert tuple(by_ref["CP01"][name] for name in residual) == (9, "High")
    assert by_ref["CP01"]["At the start"] == f"{starts['CP01'][0]} ({starts['CP01'][1]}), {PHRASE}"


def test_the_register_and_the_corporate_register_say_so_in_every_format(
    client: TestClient, published: dict[str, int]
) -> None:
    data = get(client, "register", service="CP", format="json").json()
    ends = {r["ref"]: (r["residual"]["band"], r["residual"]["score"]) for r in data["risks"]}
    assert {r["ref"] for r in data["risks"] if r["residual"].get("published")} == set(published) - {"CP01"}
    words = {f"{band} ({score}), {PHRASE}" for ref, (band, score) in ends.items() if ref != "CP01"}

    html = get(client, "register", service="CP", format="html").text
    table = section(html, 'id="register-heading"', 'id="actions-heading"')
    cells = HTML_CELL.findall(table)
    assert len(cells) == len(published) - 1
    assert {span for span, _ in cells} == {"4"}  # across likelihood, impact, score and band
    assert {text for _, text in cells} == words
    assert f"13 were {PHRASE}, so sit in no cell" in flat(html)

    text = pdf_text(get(client, "register", service="CP", format="pdf").content)
    assert len(RATING.findall(section(text, "Residual-risk register of", "Actions ("))) == len(published) - 1

    book = openpyxl.load_workbook(io.BytesIO(get(client, "register", service="CP", format="xlsx").content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    head = rows[0]
    likelihood, score, band = (head.index(f"Residual {p}") for p in ("likelihood", "score", "band"))
    for row in rows[1:]:
        expected_band, expected_score = ends[row[0]]
        assert (row[score], row[band]) == (expected_score, expected_band)
        if row[0] != "CP01":  # the likelihood cell says so (the importer reads the export back by it)
            assert row[likelihood] == f"{expected_band} ({expected_score}), {PHRASE}"

    page = get(client, "corporate-register", format="html").text
    assert [(span, words) for span, words in HTML_CELL.findall(page)] == [("4", f"High (9), {PHRASE}")]
    corporate = flat(page)
    assert f"1 was {PHRASE}, so sit in no cell" in corporate
    assert RATING.findall(pdf_text(get(client, "corporate-register", format="pdf").content)) == [
        ("High", "9")
    ]
    sheet = openpyxl.load_workbook(
        io.BytesIO(get(client, "corporate-register", format="xlsx").content)
    ).worksheets[0]
    head, row = list(sheet.iter_rows(values_only=True))[:2]
    assert row[head.index("Residual likelihood")] == f"High (9), {PHRASE}"
    assert (row[head.index("Residual score")], row[head.index("Residual band")]) == (9, "High")
    assert get(client, "corporate-register", format="json").json()["as_of"] == today().isoformat()
