"""Every table the PDFs draw fits the page: its columns' widths add up to no more than the
width between the margins (a wider table runs off the page's right edge)."""

from __future__ import annotations

import pytest

from app.reports import columns, corporate
from app.reports.pdf.canvas import PAGE_WIDTH, Canvas

TABLES = {
    name: table
    for module in (columns, corporate)
    for name, table in vars(module).items()
    if name.isupper() and isinstance(table, tuple) and table and isinstance(table[0], columns.Column)
}


def test_the_tables_are_found() -> None:
    assert {"REGISTER", "HIGH_RISKS", "NOT_REVIEWED", "CORPORATE"} <= set(TABLES)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_a_pdf_table_fits_between_the_margins(name: str) -> None:
    widths = [c.pdf_width for c in columns.columns_for(TABLES[name], "pdf")]
    assert sum(widths) <= PAGE_WIDTH, f"{name} is {sum(widths)} mm wide; the page holds {PAGE_WIDTH} mm"


@pytest.mark.parametrize("name", sorted(TABLES))
def test_no_pdf_heading_breaks_a_word(name: str) -> None:
    """Each word of a heading (bold, 7.5 pt) fits its column inside the cell's padding."""
    canvas = Canvas("widths", "")
    canvas.add_page()
    for column in columns.columns_for(TABLES[name], "pdf"):
        for word in column.heading("pdf").split():
            assert canvas._width(word, True, 7.5) <= column.pdf_width - 2.4, (name, column.key, word)
