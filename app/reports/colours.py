"""Colour contrast for the renderers: the ink (dark or white) that reads on a band colour.

The rule itself lives with the matrix (app/scoring/contrast.py), which refuses a band
colour that no ink can be read on; the renderers only ask which ink to use.
"""

from __future__ import annotations

from app.scoring.contrast import DARK_INK, LIGHT_INK, contrast_ratio, ink_on, luminance, rgb

__all__ = ["DARK_INK", "LIGHT_INK", "contrast_ratio", "ink_on", "luminance", "rgb"]
