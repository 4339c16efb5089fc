"""The shared text helpers: cleaning, drawable text, ink on a band, labels and dates."""

# ruff: noqa: RUF001  (curly quotes and dashes in these strings are the point of the tests)

from datetime import UTC, date, datetime

import pytest

from app.reports.fonts import (
    clean_text,
    dejavu_sans,
    direction_label,
    drawable,
    format_day,
    format_moment,
    ink_on,
    pdf_font_files,
    worst_bands_heading,
)
from app.scoring import default_matrix

from .builders import five_by_five


def test_clean_text_removes_control_characters_but_keeps_lines():
    assert clean_text("a\x00b\x07c\x1bd\x7fe\x85f") == "abcdef"
    assert clean_text("one\r\ntwo\rthree\nfour\tfive") == "one\ntwo\nthree\nfour\tfive"
    assert clean_text("lone \ud800 surrogate") == "lone  surrogate"
    assert clean_text("Council’s “plan” – £2m") == "Council’s “plan” – £2m"


def test_drawable_replaces_what_the_pdf_font_lacks():
    assert drawable("Head of 財務 ★ ↑ → ✕ שלום مرحبا “ ” – £ €") == "Head of ?? ★ ↑ → ✕ שלום مرحبا “ ” – £ €"


def test_font_files_exist_without_importing_matplotlib():
    assert dejavu_sans().name == "DejaVuSans.ttf"
    assert dejavu_sans(bold=True).name == "DejaVuSans-Bold.ttf"
    regular, bold = pdf_font_files()
    assert regular.stat().st_size > 50_000
    assert bold.stat().st_size > 50_000


@pytest.mark.parametrize(
    ("fill", "ink"),
    [
        ("#92d050", "#000000"),
        ("#ffd966", "#000000"),
        ("#e0413a", "#000000"),
        ("#b2182b", "#ffffff"),
        ("#000000", "#ffffff"),
    ],
)
def test_ink_is_the_more_legible_of_black_and_white(fill, ink):
    assert ink_on(fill) == ink


def test_labels_and_dates():
    assert direction_label("up") == "↑ Up"
    assert direction_label("unchanged") == "→ Unchanged"
    assert direction_label("sideways") == "Sideways"
    assert worst_bands_heading(default_matrix()) == "High and Very High"
    assert worst_bands_heading(five_by_five()) == "High and Extreme"
    assert format_day(date(2025, 9, 3)) == "3 Sep 2025"
    assert format_day(None) == ""
    assert format_moment(datetime(2025, 10, 1, 9, 5, tzinfo=UTC)) == "1 Oct 2025 09:05 UTC"
