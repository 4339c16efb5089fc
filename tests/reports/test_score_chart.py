"""The risk page's chart of the residual score: a well-formed SVG with its text alternative, a dot
per review in its band's colour, higher scores drawn higher, later reviews further right."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from app.reports.score_chart import ScorePoint, score_chart
from app.scoring import default_matrix

SVG = "{http://www.w3.org/2000/svg}"


def draw(points: list[ScorePoint], until: date = date(2026, 6, 1)) -> ET.Element:
    markup = score_chart(
        points,
        default_matrix(),
        until=until,
        title="Residual score of CP01 <over> time",
        description="Two & more",
        ident="c",
    )
    return ET.fromstring(markup)


def test_each_review_is_a_dot_in_its_bands_colour_placed_by_day_and_score() -> None:
    matrix = default_matrix()
    points = [
        ScorePoint(date(2025, 9, 1), 12, matrix.cell(3, 4).band.name),
        ScorePoint(date(2025, 12, 1), 9, matrix.cell(3, 3).band.name),
        ScorePoint(date(2026, 3, 1), 2, matrix.cell(1, 2).band.name),
    ]
    svg = draw(points)
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c-title c-desc"
    assert svg.find(f"{SVG}title").text == "Residual score of CP01 <over> time"  # escaped, read back
    assert svg.find(f"{SVG}desc").text == "Two & more"
    dots = svg.findall(f"{SVG}circle")
    assert [d.get("fill") for d in dots] == [matrix.band(p.band).colour for p in points]
    xs = [float(d.get("cx")) for d in dots]
    ys = [float(d.get("cy")) for d in dots]
    assert xs == sorted(xs)
    assert ys[0] < ys[1] < ys[2]  # a higher score is drawn higher (smaller y)
    (line,) = svg.findall(f"{SVG}path")
    assert line.get("d").count("V") == 2  # a step at each later review


def test_the_axes_name_dates_and_scores() -> None:
    svg = draw([ScorePoint(date(2025, 9, 1), 12, "Very High")])
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "Residual score" in texts
    assert "Review date" in texts
    assert "0" in texts
    assert "16" in texts  # the matrix's highest score
    assert "1 Sep 2025" in texts
    assert "1 Jun 2026" in texts


def test_a_risk_never_reviewed_draws_empty_axes() -> None:
    svg = draw([])
    assert svg.findall(f"{SVG}circle") == []
    assert svg.findall(f"{SVG}path") == []
