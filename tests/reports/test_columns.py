"""One definition of each report table's columns, drawn by every format."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from pypdf import PdfReader

from app.reports import columns
from app.reports.columns import Column, columns_for
from app.reports.csv_export import render_register_csv
from app.reports.html import render_register_html, render_review_html
from app.reports.pdf import render_register_pdf, render_review_pdf
from app.reports.xlsx import render_register_xlsx, render_review_xlsx

from .builders import community_partnerships, register, review_report

SAMPLE = Column("sample", "Sample", lambda r: f"Cat-{r.ref}", pdf_width=18, xlsx_width=12)


@pytest.fixture
def register_with_a_new_column(monkeypatch: pytest.MonkeyPatch) -> None:
    """The register's definition with a new column after the owner, as a new risk field would add."""
    at = next(i for i, c in enumerate(columns.REGISTER) if c.key == "owner") + 1
    monkeypatch.setattr(columns, "REGISTER", (*columns.REGISTER[:at], SAMPLE, *columns.REGISTER[at:]))


@pytest.mark.usefixtures("register_with_a_new_column")
def test_a_column_added_to_the_register_appears_in_every_format():
    risks = community_partnerships()
    report = register(risks)
    first = f"Cat-{risks[0].ref}"

    html = render_register_html(report)
    assert '<th scope="col" rowspan="2">Sample</th>' in html
    assert f"<td>{first}</td>" in html

    rows = list(csv.DictReader(io.StringIO(render_register_csv(report))))
    assert [row["sample"] for row in rows] == [f"Cat-{r.ref}" for r in risks]

    sheet = openpyxl.load_workbook(io.BytesIO(render_register_xlsx(report))).active
    assert sheet is not None
    heads = [cell.value for cell in sheet[1]]
    assert heads[heads.index("Owner") + 1] == "Sample"
    assert sheet.cell(row=2, column=heads.index("Sample") + 1).value == first

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(render_register_pdf(report))).pages)
    assert "Sample" in text
    assert first in text


@pytest.mark.usefixtures("register_with_a_new_column")
def test_the_six_monthly_registers_follow_the_same_definition():
    report = review_report(community_partnerships())
    first = f"Cat-{report.registers[0].risks[0].ref}"
    assert first in render_review_html(report)
    book = openpyxl.load_workbook(io.BytesIO(render_review_xlsx(report)))
    assert any(first == cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(render_review_pdf(report))).pages)
    assert first in text


def test_the_pdf_register_fills_the_page_width():
    """The PDF widths of each table add up to the printable width of landscape A4 (277 mm)."""
    tables = (columns.REGISTER, columns.HIGH_RISKS, columns.NOT_REVIEWED, columns.MOVEMENT, columns.ACTIONS)
    for table in (*tables, columns.EXCEPTIONS):
        assert sum(c.pdf_width for c in columns_for(table, "pdf")) == 277


def test_every_format_has_a_heading_for_every_column():
    for table in (columns.REGISTER, columns.HIGH_RISKS, columns.NOT_REVIEWED, columns.MOVEMENT):
        for fmt in ("html", "pdf", "xlsx", "csv"):
            headings = [c.heading(fmt) for c in columns_for(table, fmt)]
            assert all(headings)
