"""Loading a matrix from a TOML file or a mapping, and the default 4x4."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from app.scoring.matrix import Band, Level, Matrix, MatrixError


def load_matrix(path: str | Path) -> Matrix:
    """Read and validate a matrix file (TOML); MatrixError says what is wrong with it."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise MatrixError(f"cannot read matrix file {file}: {exc.strerror}") from exc
    return matrix_from_toml(text, source=str(file))


def matrix_from_toml(text: str, source: str = "matrix") -> Matrix:
    """Parse and validate a matrix written in TOML."""
    try:
        mapping = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MatrixError(f"{source} is not valid TOML: {exc}") from exc
    return matrix_from_mapping(mapping)


@cache
def default_matrix() -> Matrix:
    """The 4x4 matrix of the council service plans (Low / Medium / High / Very High)."""
    text = resources.files("app.scoring").joinpath("default_matrix.toml").read_text("utf-8")
    return matrix_from_toml(text, source="default_matrix.toml")


def matrix_from_mapping(mapping: Mapping[str, Any]) -> Matrix:
    """Validate a matrix given as a mapping with the keys of the TOML format.

    Keys: `name`; `likelihood` and `impact`, lists of {score, label, description};
    `bands`, a list of {name, colour, order, review_months (optional: months from a review
    in the band to the next)}; `grid`, one row per likelihood level from the highest down,
    each a list of band names for impact 1 upwards; optionally `appetite`, the highest
    residual score accepted at each appetite level (averse ... eager).
    """
    name = _text(mapping, "name", default="matrix")
    likelihood = _levels(mapping, "likelihood")
    impact = _levels(mapping, "impact")
    bands = [
        Band(
            name=_text(b, "name", where="bands"),
            colour=_text(b, "colour", where="bands"),
            order=_int(b, "order", where="bands"),
            review_months=_int(b, "review_months", where="bands") if "review_months" in b else None,
        )
        for b in _list_of_tables(mapping, "bands")
    ]
    grid = mapping.get("grid")
    if not isinstance(grid, list) or not all(isinstance(row, list) for row in grid):
        raise MatrixError("grid must be a list of rows, one per likelihood level, highest first")
    if len(grid) != len(likelihood):
        raise MatrixError(f"grid has {len(grid)} rows for {len(likelihood)} likelihood levels")
    cell_bands: dict[tuple[int, int], str] = {}
    for row_index, row in enumerate(grid):
        lk = len(grid) - row_index
        if len(row) != len(impact):
            raise MatrixError(
                f"grid row for likelihood {lk} has {len(row)} cells for {len(impact)} impact levels"
            )
        for col_index, band_name in enumerate(row):
            if not isinstance(band_name, str):
                raise MatrixError(f"grid cell ({lk}, {col_index + 1}) must be a band name")
            cell_bands[(lk, col_index + 1)] = band_name
    appetite = mapping.get("appetite")
    if appetite is not None and not isinstance(appetite, Mapping):
        raise MatrixError("appetite must be a table of levels and their highest accepted scores")
    return Matrix.build(name, likelihood, impact, bands, cell_bands, dict(appetite) if appetite else None)


def _levels(mapping: Mapping[str, Any], key: str) -> list[Level]:
    return [
        Level(
            score=_int(t, "score", where=key),
            label=_text(t, "label", where=key),
            description=_text(t, "description", where=key, default=""),
        )
        for t in _list_of_tables(mapping, key)
    ]


def _list_of_tables(mapping: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = mapping.get(key)
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise MatrixError(f"{key} must be a list of tables")
    return value


def _text(t: Mapping[str, Any], key: str, where: str = "", default: str | None = None) -> str:
    value = t.get(key, default)
    if not isinstance(value, str):
        raise MatrixError(f"{where + '.' if where else ''}{key} must be text")
    return value


def _int(t: Mapping[str, Any], key: str, where: str = "") -> int:
    value = t.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise MatrixError(f"{where}.{key} must be a whole number")
    return value
