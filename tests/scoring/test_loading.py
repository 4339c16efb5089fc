"""Matrices as data: the 5x5 of docs/, and every kind of bad matrix refused with MatrixError."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from app.scoring import Band, Level, Matrix, MatrixError, load_matrix, matrix_from_mapping
from app.scoring.loading import matrix_from_toml

FIVE_BY_FIVE = Path(__file__).resolve().parents[2] / "docs" / "matrix-5x5.toml"

# docs/matrix-5x5.toml, rows likelihood 5 down to 1, columns impact 1 to 5.
VL, LO, ME, HI, VH = "Very Low", "Low", "Medium", "High", "Very High"
GRID_5X5 = {
    5: [LO, ME, HI, VH, VH],
    4: [LO, ME, ME, HI, VH],
    3: [VL, LO, ME, ME, HI],
    2: [VL, LO, LO, ME, ME],
    1: [VL, VL, VL, LO, LO],
}
CELLS_5X5 = [(lk, ik, band) for lk, row in GRID_5X5.items() for ik, band in enumerate(row, start=1)]


def four_by_four() -> dict[str, Any]:
    """The default matrix as a mapping, to be spoiled by each test."""
    return {
        "name": "4x4",
        "likelihood": [
            {"score": 1, "label": "Remote"},
            {"score": 2, "label": "Unlikely"},
            {"score": 3, "label": "Likely"},
            {"score": 4, "label": "Very Likely"},
        ],
        "impact": [
            {"score": 1, "label": "Marginal"},
            {"score": 2, "label": "Significant"},
            {"score": 3, "label": "Critical"},
            {"score": 4, "label": "Catastrophic"},
        ],
        "bands": [
            {"name": "Low", "colour": "#92d050", "order": 1},
            {"name": "Medium", "colour": "#ffd966", "order": 2},
            {"name": "High", "colour": "#f4a13b", "order": 3},
            {"name": "Very High", "colour": "#c62828", "order": 4},
        ],
        "grid": [
            ["Low", "High", "Very High", "Very High"],
            ["Low", "Medium", "High", "Very High"],
            ["Low", "Low", "Medium", "High"],
            ["Low", "Low", "Low", "Low"],
        ],
    }


@pytest.fixture(scope="module")
def five() -> Matrix:
    return load_matrix(FIVE_BY_FIVE)


def test_the_mapping_builder_is_the_default_matrix() -> None:
    built = matrix_from_mapping(four_by_four())
    assert [(c.likelihood, c.impact, c.score, c.band.name) for c in built.cells][:4] == [
        (4, 1, 4, "Low"),
        (4, 2, 8, "High"),
        (4, 3, 12, "Very High"),
        (4, 4, 16, "Very High"),
    ]


def test_five_by_five_shape(five: Matrix) -> None:
    assert five.size == "5x5"
    assert len(five.cells) == 25
    assert [lv.label for lv in five.likelihood] == [
        "Rare",
        "Unlikely",
        "Possible",
        "Likely",
        "Almost Certain",
    ]
    assert [lv.label for lv in five.impact] == ["Negligible", "Minor", "Moderate", "Major", "Severe"]
    assert [(b.name, b.order) for b in five.bands] == [(VL, 1), (LO, 2), (ME, 3), (HI, 4), (VH, 5)]
    assert all(lv.description for lv in (*five.likelihood, *five.impact))


@pytest.mark.parametrize(("likelihood", "impact", "band"), CELLS_5X5)
def test_five_by_five_cells(five: Matrix, likelihood: int, impact: int, band: str) -> None:
    assessed = five.assess(likelihood, impact)
    assert (assessed.score, assessed.band) == (likelihood * impact, band)


def test_five_by_five_scores_never_fall_to_a_lower_band(five: Matrix) -> None:
    by_score = sorted(five.cells, key=lambda c: c.score)
    orders = [c.band.order for c in by_score]
    assert orders == sorted(orders)


# --- refusals ---------------------------------------------------------------


def spoiled(change: Any) -> dict[str, Any]:
    mapping = copy.deepcopy(four_by_four())
    change(mapping)
    return mapping


def _short_row(m: dict[str, Any]) -> None:
    m["grid"][1] = m["grid"][1][:3]


def _missing_row(m: dict[str, Any]) -> None:
    del m["grid"][3]


def _no_grid(m: dict[str, Any]) -> None:
    del m["grid"]


def _higher_impact_lower_band(m: dict[str, Any]) -> None:
    m["grid"][0] = ["Low", "High", "Medium", "Very High"]


def _higher_likelihood_lower_band(m: dict[str, Any]) -> None:
    m["grid"][0][1] = "Low"  # (4, 2) Low under (3, 2) Medium


def _higher_score_lower_band(m: dict[str, Any]) -> None:
    # Every neighbour stays in order, but (1, 4) scores 4 in High while (3, 2) scores 6 in Medium.
    m["grid"] = [
        ["Medium", "High", "Very High", "Very High"],
        ["Low", "Medium", "High", "Very High"],
        ["Low", "Low", "Medium", "Very High"],
        ["Low", "Low", "Low", "High"],
    ]


def _band_orders_with_gap(m: dict[str, Any]) -> None:
    m["bands"][3]["order"] = 5


def _band_orders_repeated(m: dict[str, Any]) -> None:
    m["bands"][1]["order"] = 1


def _unknown_band(m: dict[str, Any]) -> None:
    m["grid"][0][3] = "Red"


def _bad_colour(m: dict[str, Any]) -> None:
    m["bands"][0]["colour"] = "green"


def _short_colour(m: dict[str, Any]) -> None:
    m["bands"][0]["colour"] = "#fff"


def _not_hex_colour(m: dict[str, Any]) -> None:
    m["bands"][0]["colour"] = "#gggggg"


def _illegible_colour(m: dict[str, Any]) -> None:
    m["bands"][3]["colour"] = "#e0413a"  # 4.09:1 in dark ink, 4.21:1 in white


def _duplicate_likelihood_label(m: dict[str, Any]) -> None:
    m["likelihood"][1]["label"] = "Remote"


def _duplicate_impact_label(m: dict[str, Any]) -> None:
    m["impact"][3]["label"] = "Critical"


def _level_gap(m: dict[str, Any]) -> None:
    m["impact"][3]["score"] = 5


def _unused_band(m: dict[str, Any]) -> None:
    m["bands"].append({"name": "Extreme", "colour": "#000000", "order": 5})


def _duplicate_band_name(m: dict[str, Any]) -> None:
    m["bands"][1]["name"] = "low"


def _score_not_a_number(m: dict[str, Any]) -> None:
    m["likelihood"][0]["score"] = "1"


def _cell_not_a_name(m: dict[str, Any]) -> None:
    m["grid"][2][2] = 6


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_short_row, "has 3 cells for 4 impact levels"),
        (_missing_row, "grid has 3 rows for 4 likelihood levels"),
        (_no_grid, "grid must be a list"),
        (_higher_impact_lower_band, "band order falls"),
        (_higher_likelihood_lower_band, "band order falls"),
        (_higher_score_lower_band, "lower than band"),
        (_band_orders_with_gap, "band orders must run 1..4"),
        (_band_orders_repeated, "band orders must run 1..4"),
        (_unknown_band, "unknown band 'Red'"),
        (_bad_colour, "is not a #rrggbb colour"),
        (_short_colour, "is not a #rrggbb colour"),
        (_not_hex_colour, "is not a #rrggbb colour"),
        (_illegible_colour, "band 'Very High' colour '#e0413a' is not legible: text on it reaches 4.09:1"),
        (_duplicate_likelihood_label, "likelihood labels must be distinct"),
        (_duplicate_impact_label, "impact labels must be distinct"),
        (_level_gap, "impact levels must be scored 1..4"),
        (_unused_band, "given to no cell"),
        (_duplicate_band_name, "band names must be present and distinct"),
        (_score_not_a_number, "must be a whole number"),
        (_cell_not_a_name, "must be a band name"),
    ],
)
def test_bad_matrix_is_refused(change: Any, message: str) -> None:
    with pytest.raises(MatrixError, match=re.escape(message)):
        matrix_from_mapping(spoiled(change))


def _levels(n: int, prefix: str) -> list[Level]:
    return [Level(score=s, label=f"{prefix}{s}") for s in range(1, n + 1)]


def _bands() -> list[Band]:
    return [Band("Low", "#00ff00", 1), Band("High", "#c62828", 2)]


def _cells(n: int) -> dict[tuple[int, int], str]:
    return {(lk, ik): ("High" if lk * ik > 4 else "Low") for lk in range(1, n + 1) for ik in range(1, n + 1)}


def test_build_accepts_a_whole_grid() -> None:
    built = Matrix.build("small", _levels(4, "L"), _levels(4, "I"), _bands(), _cells(4))
    assert built.assess(3, 2).band == "High"


def test_build_refuses_a_cell_outside_the_levels() -> None:
    cells = _cells(4) | {(5, 1): "High"}
    with pytest.raises(MatrixError, match=r"cell \(5, 1\) lies outside"):
        Matrix.build("bad", _levels(4, "L"), _levels(4, "I"), _bands(), cells)


def test_build_refuses_a_missing_cell() -> None:
    cells = _cells(4)
    del cells[(2, 3)]
    with pytest.raises(MatrixError, match=r"likelihood 2, impact 3\) has no band"):
        Matrix.build("bad", _levels(4, "L"), _levels(4, "I"), _bands(), cells)


def test_build_refuses_an_unknown_band() -> None:
    cells = _cells(4) | {(1, 1): "Green"}
    with pytest.raises(MatrixError, match="unknown band 'Green'"):
        Matrix.build("bad", _levels(4, "L"), _levels(4, "I"), _bands(), cells)


def test_build_refuses_duplicate_labels() -> None:
    likelihood = [*_levels(3, "L"), Level(score=4, label="L1")]
    with pytest.raises(MatrixError, match="labels must be distinct"):
        Matrix.build("bad", likelihood, _levels(4, "I"), _bands(), _cells(4))


def test_build_refuses_a_single_level() -> None:
    with pytest.raises(MatrixError, match="at least two levels"):
        Matrix.build("bad", _levels(1, "L"), _levels(4, "I"), _bands(), {})


def test_unknown_band_name_lookup() -> None:
    built = matrix_from_mapping(four_by_four())
    with pytest.raises(MatrixError, match="no band called 'Amber'"):
        built.band("Amber")


def test_toml_syntax_error() -> None:
    with pytest.raises(MatrixError, match="is not valid TOML"):
        matrix_from_toml('name = "broken\nlikelihood = [', source="broken.toml")


def test_toml_syntax_error_in_a_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(FIVE_BY_FIVE.read_text("utf-8").replace("grid = [", "grid = [[", 1), "utf-8")
    with pytest.raises(MatrixError, match=r"broken\.toml is not valid TOML"):
        load_matrix(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MatrixError, match="cannot read matrix file"):
        load_matrix(tmp_path / "nowhere.toml")


def test_a_gap_in_a_toml_grid(tmp_path: Path) -> None:
    text = FIVE_BY_FIVE.read_text("utf-8").replace(
        '["Very Low", "Very Low", "Very Low", "Low", "Low"],', '["Very Low", "Very Low", "Very Low", "Low"],'
    )
    path = tmp_path / "gap.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(MatrixError, match="likelihood 1 has 4 cells for 5 impact levels"):
        load_matrix(path)


def test_a_matrix_file_with_an_illegible_band_colour_is_refused_when_loaded(tmp_path: Path) -> None:
    text = FIVE_BY_FIVE.read_text("utf-8").replace('colour = "#fc8d59"', 'colour = "#ff0000"')
    path = tmp_path / "red.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(MatrixError, match=r"band 'High' colour '#ff0000' is not legible: .* 4\.5:1"):
        load_matrix(path)


def _with_review_months(months: object) -> dict[str, Any]:
    m = four_by_four()
    m["bands"][3]["review_months"] = months
    return m


def test_a_band_may_set_its_review_interval_and_the_rest_take_the_default() -> None:
    matrix = matrix_from_mapping(_with_review_months(3))
    assert [b.review_months for b in matrix.bands] == [None, None, None, 3]
    assert matrix.review_intervals() == {"Very High": 3}
    filled = matrix.with_review_months(6)
    assert [b.review_months for b in filled.bands] == [6, 6, 6, 3]
    assert filled.review_intervals() == {"Low": 6, "Medium": 6, "High": 6, "Very High": 3}
    assert filled.cell(4, 4).band.review_months == 3  # the cells carry the filled bands
    assert filled.cells == tuple(c for c in filled.cells)
    assert [(c.likelihood, c.impact, c.band.name) for c in filled.cells] == [
        (c.likelihood, c.impact, c.band.name) for c in matrix.cells
    ]
    assert filled.with_review_months(12) is filled
    assert filled.appetite == matrix.appetite  # the other matrix data carries over


def test_the_default_matrix_in_force_keeps_its_appetite_limits() -> None:
    from app.config import Settings, matrix_in_force

    assert dict(matrix_in_force(Settings()).appetite) == LIMITS


@pytest.mark.parametrize("months", [0, 37, -6, "6", True, 6.0])
def test_a_review_interval_that_is_not_one_to_36_months_is_refused(months: object) -> None:
    with pytest.raises(MatrixError, match="review_months must be a whole number"):
        matrix_from_mapping(_with_review_months(months))


def test_a_review_interval_is_read_from_toml() -> None:
    text = (Path(__file__).resolve().parents[2] / "app" / "scoring" / "default_matrix.toml").read_text()
    text = text.replace("order = 4 }", "order = 4, review_months = 3 }")
    assert matrix_from_toml(text).review_intervals() == {"Very High": 3}


LIMITS = {"averse": 3, "minimal": 4, "cautious": 6, "open": 9, "eager": 12}


def test_the_appetite_limits_are_matrix_data(five: Matrix) -> None:
    from app.scoring import default_matrix

    assert dict(default_matrix().appetite) == LIMITS
    assert default_matrix().appetite_limit("cautious") == 6
    assert dict(five.appetite) == {"averse": 4, "minimal": 6, "cautious": 9, "open": 12, "eager": 16}
    assert matrix_from_mapping(four_by_four()).appetite == ()  # none given: none set
    assert matrix_from_mapping(four_by_four()).appetite_limit("open") is None


@pytest.mark.parametrize(
    ("appetite", "message"),
    [
        (LIMITS | {"reckless": 16}, "'reckless' is not one of"),
        ({k: v for k, v in LIMITS.items() if k != "open"}, "open has none"),
        (LIMITS | {"eager": 17}, "appetite.eager must be a whole number from 1 to 16"),
        (LIMITS | {"minimal": 2}, r"appetite.minimal \(2\) is lower than the level before it \(3\)"),
        (LIMITS | {"averse": "3"}, "appetite.averse must be a whole number"),
        ("low", "appetite must be a table"),
    ],
)
def test_bad_appetite_limits_are_refused(appetite: Any, message: str) -> None:
    with pytest.raises(MatrixError, match=message):
        matrix_from_mapping(four_by_four() | {"appetite": appetite})
