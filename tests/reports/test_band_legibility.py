"""Wherever a band colour fills a cell, the band's name is printed on it at 4.5:1 or more (WCAG AA).

Checked in the HTML and XLSX reports and the heat map picture; the PDF's band cells use
the same ink (app/scoring/contrast.py) and are read back in test_pdf.py.
"""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from app.reports.heatmap.layout import composition, heatmap_layout
from app.reports.html import render_register_html, render_review_html
from app.reports.xlsx import render_register_xlsx, render_review_xlsx
from app.scoring import Matrix, default_matrix
from app.scoring.contrast import contrast_ratio

from .builders import five_by_five, many_risks, register, review_report

MATRICES = {"4x4": default_matrix, "5x5": five_by_five}


def reports(matrix: Matrix):
    risks = many_risks(60, matrix)
    return register([r for r in risks if r.service_code == "CP"], matrix=matrix), review_report(
        risks, matrix=matrix
    )


@pytest.mark.parametrize("name", list(MATRICES))
def test_html_band_cells_name_their_band_in_legible_ink(name):
    matrix = MATRICES[name]()
    bands = {b.name for b in matrix.bands}
    one, review = reports(matrix)
    cells = []
    for html in (render_register_html(one), render_review_html(review)):
        cells += re.findall(r'style="background-color: (#\w{6}); color: (#\w{6})">(.*?)</t[dh]>', html, re.S)
    assert len(cells) > 20
    for background, ink, text in cells:
        assert contrast_ratio(background, ink) >= 4.5, (background, ink)
        assert any(band in text for band in bands), text


@pytest.mark.parametrize("name", list(MATRICES))
def test_xlsx_band_cells_name_their_band_in_legible_ink(name):
    matrix = MATRICES[name]()
    colours = {b.colour for b in matrix.bands}
    bands = {b.name for b in matrix.bands}
    one, review = reports(matrix)
    seen = 0
    for data in (render_register_xlsx(one), render_review_xlsx(review)):
        for sheet in openpyxl.load_workbook(io.BytesIO(data)).worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    background = "#" + str(cell.fill.fgColor.rgb)[-6:].lower()
                    if cell.fill.fill_type != "solid" or background not in colours:
                        continue
                    seen += 1
                    ink = "#" + str(cell.font.color.rgb)[-6:].lower()
                    assert contrast_ratio(background, ink) >= 4.5, (sheet.title, cell.coordinate)
                    assert any(band in str(cell.value) for band in bands), (sheet.title, cell.coordinate)
    assert seen > 20


@pytest.mark.parametrize("name", list(MATRICES))
def test_heat_map_texts_on_a_band_read_at_aa(name):
    matrix = MATRICES[name]()
    layout = heatmap_layout(matrix)
    every_cell = tuple(((c.likelihood, c.impact), ("R1", "R2")) for c in matrix.cells)
    labels, squares, colours = composition(matrix, layout, (every_cell,), ("Title",))
    inside = 0
    for label in labels:
        for square, colour in zip(squares, colours, strict=True):
            (x0, y0), (x1, y1) = square[0], square[2]
            if x0 < label.x < x1 and y0 < label.y < y1:
                inside += 1
                assert contrast_ratio(colour, label.colour) >= 4.5, (label.text, colour)
    assert inside >= 3 * len(matrix.cells)  # the band name, the count and the refs of every cell
