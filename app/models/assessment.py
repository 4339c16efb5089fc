"""The twelve assessment columns a risk and a review share, and their one conversion.

A risk keeps its current residual, inherent and target assessment; each review keeps
the one it recorded. Both tables carry the same columns (`Assessed`), and an
`app.scoring.Assessment` is read from them and written to them here only.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any, Literal

from sqlmodel import Field, SQLModel

from app.scoring import Assessment

Basis = Literal["residual", "inherent", "target"]
BASES: tuple[Basis, ...] = ("residual", "inherent", "target")
PARTS = ("likelihood", "impact", "score", "band")
#: The column names, residual first, each basis in PARTS order, then the residual's flag
#: saying it is a published rating (band and score, likelihood and impact unknown).
ASSESSMENT_COLUMNS = (*(f"{basis}_{part}" for basis in BASES for part in PARTS), "residual_published")


class Assessed(SQLModel):
    """The residual, inherent and target assessment columns (no table of its own)."""

    residual_likelihood: int | None = None
    residual_impact: int | None = None
    residual_score: int | None = None
    residual_band: str | None = Field(default=None, max_length=40)
    inherent_likelihood: int | None = None
    inherent_impact: int | None = None
    inherent_score: int | None = None
    inherent_band: str | None = Field(default=None, max_length=40)
    target_likelihood: int | None = None
    target_impact: int | None = None
    target_score: int | None = None
    target_band: str | None = Field(default=None, max_length=40)
    # A residual rating kept as a legacy plan published it: likelihood and impact are NULL.
    residual_published: bool = False

    def assessment(self, basis: Basis) -> Assessment | None:
        """The assessment on `basis`; None when it was never made."""
        return assessment_of(self, basis)


def assessment_of(row: Assessed | Mapping[str, Any] | Any, basis: Basis) -> Assessment | None:
    """The `basis` assessment of a row holding the columns: a model, a Core row or a mapping.

    The four columns are written together, so a missing score means no assessment.
    """
    get = row.__getitem__ if isinstance(row, Mapping) else partial(getattr, row)
    score = get(f"{basis}_score")
    if score is None:
        return None
    return Assessment(get(f"{basis}_likelihood"), get(f"{basis}_impact"), score, get(f"{basis}_band"))


def assessment_columns(basis: Basis, value: Assessment | None) -> dict[str, int | str | None]:
    """The four `basis` columns holding `value` (all None for no assessment), and for the
    residual the flag saying whether it is a published rating."""
    columns: dict[str, int | str | None] = {
        f"{basis}_likelihood": value.likelihood if value else None,
        f"{basis}_impact": value.impact if value else None,
        f"{basis}_score": value.score if value else None,
        f"{basis}_band": value.band if value else None,
    }
    if basis == "residual":
        columns["residual_published"] = value is not None and value.published
    return columns
