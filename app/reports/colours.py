"""Colour contrast: the ink (black or white) that reads best on a band colour (WCAG 2)."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=256)
def ink_on(colour: str) -> str:
    """'#000000' or '#ffffff', whichever contrasts more with the `#rrggbb` fill (WCAG 2)."""
    lum = luminance(colour)
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


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
