"""The scoring matrix in force."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from app.api.deps import CategoriesDep, MatrixDep, ReaderDep
from app.fields import PublicModel
from app.scoring import Matrix

router = APIRouter(prefix="/api/v1", tags=["scoring"])


class LevelOut(PublicModel):
    """A likelihood or impact level."""

    score: int
    label: str
    description: str


class BandOut(PublicModel):
    """A band: name, colour (#rrggbb), order (1 = least severe) and review interval."""

    name: str
    colour: str
    order: int
    review_months: int | None = Field(
        description="months from a review that lands in the band to the next (the deployment's "
        "default where the matrix sets none)"
    )


class CellOut(PublicModel):
    """One cell of the matrix."""

    likelihood: int
    impact: int
    score: int
    band: str


class MatrixOut(PublicModel):
    """The matrix in force."""

    name: str
    size: str
    likelihood: list[LevelOut]
    impact: list[LevelOut]
    bands: list[BandOut]
    cells: list[CellOut]


def matrix_out(matrix: Matrix) -> MatrixOut:
    """The matrix as the API shows it."""
    return MatrixOut(
        name=matrix.name,
        size=matrix.size,
        likelihood=[
            LevelOut(score=lv.score, label=lv.label, description=lv.description) for lv in matrix.likelihood
        ],
        impact=[LevelOut(score=lv.score, label=lv.label, description=lv.description) for lv in matrix.impact],
        bands=[
            BandOut(name=b.name, colour=b.colour, order=b.order, review_months=b.review_months)
            for b in matrix.bands
        ],
        cells=[
            CellOut(likelihood=c.likelihood, impact=c.impact, score=c.score, band=c.band.name)
            for c in matrix.cells
        ],
    )


@router.get("/matrix", response_model=MatrixOut)
async def get_matrix(matrix: MatrixDep, actor: ReaderDep) -> MatrixOut:
    """The likelihood x impact matrix in force: levels, bands and every cell."""
    return matrix_out(matrix)


@router.get("/categories", response_model=list[str])
async def list_categories(actor: ReaderDep, categories: CategoriesDep) -> list[str]:
    """The council's risk categories, one of which each risk may carry (the Orange Book's list
    unless the deployment names its own with RISKREG_CATEGORIES_FILE)."""
    return list(categories)
