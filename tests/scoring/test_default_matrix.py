"""The default 4x4 matrix of DOMAIN.md: every cell, every band edge, the levels, the refusals."""

from __future__ import annotations

import pytest

from app.scoring import Matrix, OutOfMatrixError, ScoringError, default_matrix

# DOMAIN.md's table, rows likelihood 4 down to 1, columns impact 1 to 4.
DOMAIN_GRID = {
    4: [("Low", 4), ("High", 8), ("Very High", 12), ("Very High", 16)],
    3: [("Low", 3), ("Medium", 6), ("High", 9), ("Very High", 12)],
    2: [("Low", 2), ("Low", 4), ("Medium", 6), ("High", 8)],
    1: [("Low", 1), ("Low", 2), ("Low", 3), ("Low", 4)],
}
CELLS = [
    (lk, ik, score, band) for lk, row in DOMAIN_GRID.items() for ik, (band, score) in enumerate(row, start=1)
]


@pytest.fixture(scope="module")
def matrix() -> Matrix:
    return default_matrix()


def test_the_grid_has_sixteen_cells() -> None:
    assert len(CELLS) == 16
    assert len(default_matrix().cells) == 16
    assert default_matrix().size == "4x4"


@pytest.mark.parametrize(("likelihood", "impact", "score", "band"), CELLS)
def test_every_cell_scores_and_bands_as_the_plans_do(
    matrix: Matrix, likelihood: int, impact: int, score: int, band: str
) -> None:
    assessed = matrix.assess(likelihood, impact)
    assert (assessed.likelihood, assessed.impact, assessed.score, assessed.band) == (
        likelihood,
        impact,
        score,
        band,
    )
    cell = matrix.cell(likelihood, impact)
    assert (cell.score, cell.band.name) == (score, band)


def test_cells_are_listed_top_row_first_impact_rising(matrix: Matrix) -> None:
    assert [(c.likelihood, c.impact) for c in matrix.cells] == [(lk, ik) for lk, ik, _, _ in CELLS]


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (1, "Low"),
        (2, "Low"),
        (3, "Low"),
        (4, "Low"),
        (6, "Medium"),
        (8, "High"),
        (9, "High"),
        (12, "Very High"),
        (16, "Very High"),
    ],
)
def test_band_edges(matrix: Matrix, score: int, band: str) -> None:
    assert [b.name for b in matrix.bands_for_score(score)] == [band]


@pytest.mark.parametrize("score", [5, 7, 10, 11, 13, 14, 15])
def test_scores_no_cell_can_have(matrix: Matrix, score: int) -> None:
    assert matrix.bands_for_score(score) == []


def test_bands_in_order_with_colours(matrix: Matrix) -> None:
    assert [(b.name, b.order) for b in matrix.bands] == [
        ("Low", 1),
        ("Medium", 2),
        ("High", 3),
        ("Very High", 4),
    ]
    assert all(b.colour.startswith("#") and len(b.colour) == 7 for b in matrix.bands)


def test_band_by_name_ignores_case(matrix: Matrix) -> None:
    assert matrix.band("very high").name == "Very High"
    assert matrix.band("Medium").order == 2


@pytest.mark.parametrize(
    ("score", "label", "description"),
    [
        (1, "Remote", "5% or less"),
        (2, "Unlikely", "6% to 20%"),
        (3, "Likely", "21% to 79%"),
        (4, "Very Likely", "80% or more"),
    ],
)
def test_likelihood_levels(matrix: Matrix, score: int, label: str, description: str) -> None:
    level = matrix.likelihood_level(score)
    assert (level.label, level.description) == (label, description)


@pytest.mark.parametrize(
    ("score", "label"), [(1, "Marginal"), (2, "Significant"), (3, "Critical"), (4, "Catastrophic")]
)
def test_impact_levels(matrix: Matrix, score: int, label: str) -> None:
    assert matrix.impact_level(score).label == label


def test_levels_are_held_lowest_first(matrix: Matrix) -> None:
    assert [lv.score for lv in matrix.likelihood] == [1, 2, 3, 4]
    assert [lv.score for lv in matrix.impact] == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("likelihood", "impact", "axis"),
    [
        (0, 1, "likelihood"),
        (5, 1, "likelihood"),
        (-1, 2, "likelihood"),
        (1, 5, "impact"),
        (2, 0, "impact"),
        (True, 1, "likelihood"),
        (1, False, "impact"),
        ("2", 1, "likelihood"),
        (2, "3", "impact"),
        (2.0, 1, "likelihood"),
        (None, 1, "likelihood"),
    ],
)
def test_off_the_matrix_is_refused(matrix: Matrix, likelihood: object, impact: object, axis: str) -> None:
    with pytest.raises(OutOfMatrixError) as caught:
        matrix.assess(likelihood, impact)  # type: ignore[arg-type]
    assert caught.value.axis == axis
    assert caught.value.allowed == (1, 2, 3, 4)
    assert isinstance(caught.value, ScoringError)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("method", ["likelihood_level", "impact_level"])
def test_level_lookup_off_the_matrix(matrix: Matrix, method: str) -> None:
    with pytest.raises(OutOfMatrixError):
        getattr(matrix, method)(5)
