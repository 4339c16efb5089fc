"""The ink that reads best on a band colour."""

import pytest

from app.reports.colours import ink_on, luminance, rgb


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


def test_rgb_and_luminance():
    assert rgb("#b1b4b6") == (0xB1, 0xB4, 0xB6)
    assert luminance("#000000") == 0
    assert luminance("#ffffff") == pytest.approx(1)
