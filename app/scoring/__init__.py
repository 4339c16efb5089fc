"""The risk matrix as data, and the score and band of a cell.

Pure: imports nothing from the rest of riskreg, the database, the web framework or
matplotlib, so every layer may use it.
"""

from app.scoring.categories import ORANGE_BOOK, CategoriesError, load_categories
from app.scoring.loading import default_matrix, load_matrix, matrix_from_mapping
from app.scoring.matrix import (
    APPETITE_LEVELS,
    Assessment,
    Band,
    Cell,
    Level,
    Matrix,
    MatrixError,
    OutOfMatrixError,
    ScoringError,
)

__all__ = [
    "APPETITE_LEVELS",
    "ORANGE_BOOK",
    "Assessment",
    "Band",
    "CategoriesError",
    "Cell",
    "Level",
    "Matrix",
    "MatrixError",
    "OutOfMatrixError",
    "ScoringError",
    "default_matrix",
    "load_categories",
    "load_matrix",
    "matrix_from_mapping",
]
