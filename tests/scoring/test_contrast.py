"""Band colours and the ink their names are printed in: WCAG 2 contrast."""

from __future__ import annotations

import pytest

from app.scoring import default_matrix, load_matrix
from app.scoring.contrast import DARK_INK, LIGHT_INK, contrast_ratio, illegible_reason, ink_on, luminance, rgb

from .test_loading import FIVE_BY_FIVE


def test_rgb_and_luminance() -> None:
    assert rgb("#b1b4b6") == (0xB1, 0xB4, 0xB6)
    assert luminance("#000000") == 0
    assert luminance("#ffffff") == pytest.approx(1)


def test_contrast_ratio_is_wcag_2s() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21)
    assert contrast_ratio("#1b1b1b", "#e0413a") == pytest.approx(4.09, abs=0.01)  # the finding
    assert contrast_ratio("#777777", "#777777") == 1


@pytest.mark.parametrize(
    ("fill", "ink"),
    [
        ("#92d050", DARK_INK),
        ("#ffd966", DARK_INK),
        ("#f4a13b", DARK_INK),
        ("#c62828", LIGHT_INK),
        ("#b2182b", LIGHT_INK),
        ("#000000", LIGHT_INK),
        ("#ffffff", DARK_INK),
    ],
)
def test_ink_is_the_more_legible_of_dark_and_white(fill: str, ink: str) -> None:
    assert ink_on(fill) == ink


@pytest.mark.parametrize("matrix", [default_matrix(), load_matrix(FIVE_BY_FIVE)], ids=["4x4", "5x5"])
def test_every_band_name_reads_at_aa_on_its_colour(matrix) -> None:
    for band in matrix.bands:
        assert contrast_ratio(band.colour, ink_on(band.colour)) >= 4.5, band.name


def test_the_default_bands_stay_green_yellow_amber_red() -> None:
    low, medium, high, very_high = (rgb(band.colour) for band in default_matrix().bands)
    assert low[1] > low[0] > low[2]  # green
    assert min(medium[0], medium[1]) > 180 > 120 > medium[2]  # yellow
    assert high[0] > high[1] > high[2]  # amber
    assert very_high[0] > 150 > very_high[1] + 60  # red


@pytest.mark.parametrize("colour", ["#e0413a", "#ff0000", "#808080", "#2f80ed", "#e53935"])
def test_a_colour_neither_ink_reads_on_is_explained(colour: str) -> None:
    reason = illegible_reason(colour)
    assert reason is not None
    assert "4.5:1" in reason
    assert max(contrast_ratio(colour, DARK_INK), contrast_ratio(colour, LIGHT_INK)) < 4.5
