"""The words and dates every report prints: direction labels, band headings, date formats."""

from datetime import UTC, date, datetime

from app.reports.words import direction_label, format_day, format_moment, worst_bands_heading
from app.scoring import default_matrix

from .builders import five_by_five


def test_direction_labels():
    assert direction_label("up") == "↑ Up"
    assert direction_label("unchanged") == "→ Unchanged"
    assert direction_label("sideways") == "Sideways"


def test_worst_bands_heading_names_the_two_worst_bands():
    assert worst_bands_heading(default_matrix()) == "High and Very High"
    assert worst_bands_heading(five_by_five()) == "High and Extreme"


def test_dates():
    assert format_day(date(2025, 9, 3)) == "3 September 2025"
    assert format_day(None) == ""
    # UK local time: BST in summer, GMT in winter
    assert format_moment(datetime(2025, 10, 1, 9, 5, tzinfo=UTC)) == "1 October 2025 at 10:05 BST"
    assert format_moment(datetime(2025, 12, 1, 9, 5, tzinfo=UTC)) == "1 December 2025 at 09:05 GMT"
