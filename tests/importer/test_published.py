"""Ratings kept as a plan published them ('Low - 4'): band and score, no likelihood or impact;
described in words, counted in their band, left out of the heat map's cells with a note."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.reports.heatmap import heatmap_description
from app.reports.rows import HeatmapCells
from app.reports.words import describe_assessment
from app.scoring import Assessment, default_matrix
from tests.importer.builders import SAMPLES


def test_a_published_rating_is_described_as_published() -> None:
    assert describe_assessment(Assessment(None, None, 4, "Low")) == (
        "Low (4), published without likelihood and impact"
    )
    assert describe_assessment(Assessment(3, 2, 6, "Medium")) == "Medium (6): likelihood 3 x impact 2"
    assert describe_assessment(None) == "Not assessed"


def test_the_heat_map_leaves_published_ratings_out_of_its_cells_and_says_how_many() -> None:
    cells = HeatmapCells.of("residual", [(2, 2, "CS01"), (None, None, "CP01"), (None, None, "CP02")])
    assert cells.cells == {(2, 2): ("CS01",)}
    assert cells.published == 2
    text = heatmap_description(default_matrix(), cells)
    assert text.startswith("Heat map of 1 residual risk")
    assert "2 risks are not shown: rated as published, without likelihood and impact" in text


def test_reports_show_published_ratings_in_their_band(client: TestClient) -> None:
    text = (SAMPLES / "community-partnerships-2019-2022.txt").read_text(encoding="utf-8")
    done = client.post("/api/v1/imports", json={"text": text, "filename": "cp.txt", "dry_run": False})
    assert done.status_code == 201, done.text
    csv = client.get("/api/v1/reports/register", params={"service": "CP", "format": "csv"}).text
    assert csv.count("Low (4), published without likelihood and impact") == 5
    assert csv.count("Medium (6), published without likelihood and impact") == 3
    page = client.get("/api/v1/reports/register", params={"service": "CP", "format": "html"}).text
    assert "14 risks are not shown: rated as published" in page
    listed = client.get("/api/v1/risks", params={"service": "CP", "band": "Medium"}).json()
    assert listed["total"] == 3  # counted in their band
