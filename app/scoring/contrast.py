"""Colour contrast (WCAG 2): the ink a band's name is printed in on the band colour.

Every format prints the band name on the band colour (PDF, HTML, XLSX, heat map), in
dark ink or white, whichever contrasts more; a band colour on which neither reaches
4.5:1 (WCAG 2.2 AA for text) cannot be used, and the matrix is refused when it is loaded.
"""

from __future__ import annotations

from functools import lru_cache

DARK_INK = "#1b1b1b"  # the pages' and reports' body text
LIGHT_INK = "#ffffff"
MIN_CONTRAST = 4.5  # WCAG 2.2 AA, normal-size text


def rgb(colour: str) -> tuple[int, int, int]:
    """The (r, g, b) components 0-255 of a `#rrggbb` colour."""
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def luminance(colour: str) -> float:
    """The relative luminance (0 black to 1 white) of a `#rrggbb` colour, as WCAG 2 defines it."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG 2 contrast ratio of two `#rrggbb` colours, from 1 (none) to 21."""
    darker, lighter = sorted((luminance(first), luminance(second)))
    return (lighter + 0.05) / (darker + 0.05)


@lru_cache(maxsize=256)
def ink_on(colour: str) -> str:
    """DARK_INK or LIGHT_INK, whichever contrasts more with the `#rrggbb` fill."""
    dark, light = contrast_ratio(colour, DARK_INK), contrast_ratio(colour, LIGHT_INK)
    return DARK_INK if dark >= light else LIGHT_INK


def illegible_reason(colour: str) -> str | None:
    """Why text on `colour` fails WCAG AA in both inks, or None when one of them passes."""
    dark, light = contrast_ratio(colour, DARK_INK), contrast_ratio(colour, LIGHT_INK)
    if max(dark, light) >= MIN_CONTRAST:
        return None
    return (
        f"text on it reaches {dark:.2f}:1 in dark ink ({DARK_INK}) and {light:.2f}:1 in white, "
        f"below the {MIN_CONTRAST}:1 that WCAG 2.2 AA needs: choose a lighter or a darker colour"
    )
