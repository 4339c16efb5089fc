"""The renderers' ink on a band colour is the matrix's rule (app/scoring/contrast.py)."""

from app.reports import colours
from app.scoring import contrast


def test_the_renderers_use_the_scoring_rule():
    assert colours.ink_on is contrast.ink_on
    assert colours.rgb("#b1b4b6") == (0xB1, 0xB4, 0xB6)
