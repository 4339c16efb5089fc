"""The heat map's layout: where the grid, labels, counts and refs sit, as plain data.

Drawn in the council's orientation: likelihood up the vertical axis with the highest
level at the top, impact along the horizontal axis growing to the right. Works for any
matrix the scoring module accepts. Everything is placed in figure fractions from
`heatmap_layout`, with no Axes and no tick machinery; which refs fit a cell is decided
here, and so is the text alternative. No matplotlib: raster.py draws what this lays out.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from app.reports.colours import ink_on
from app.reports.printable import printable
from app.reports.rows import HeatmapCells
from app.scoring import Matrix

DPI = 100
_SINGLE_INCHES = (6.0, 5.0)
_PAIR_INCHES = (11.5, 5.0)
_SINGLE_AXES = ((0.22, 0.13, 0.74, 0.72),)
_PAIR_AXES = ((0.12, 0.13, 0.36, 0.68), (0.62, 0.13, 0.36, 0.68))
_REF_FONT_PT = 7.0
_COUNT_FONT_PT = 14.0
_KEY_FONT_PT = 7.5
_NOTE_FONT_PT = 7.5
#: How many characters the note at the foot of a picture holds: (single grid, pair).
NOTE_CHARACTERS = (
    int(_SINGLE_INCHES[0] * DPI / (0.56 * _NOTE_FONT_PT * DPI / 72)) - 4,
    int(_PAIR_INCHES[0] * DPI / (0.56 * _NOTE_FONT_PT * DPI / 72)) - 4,
)
GRID_LINE = "#ffffff"
PANEL_TITLES = ("Inherent risk", "Residual risk")
_TEXT = "#1f1f1f"

#: ((likelihood, impact), refs) per non-empty cell, in grid order: hashable.
CellsKey = tuple[tuple[tuple[int, int], tuple[str, ...]], ...]


@dataclass(frozen=True, slots=True)
class HeatmapLayout:
    """Where the grid sits in the picture: the size in pixels and one axes box per panel."""

    width_px: int
    height_px: int
    axes: tuple[tuple[float, float, float, float], ...]  # (left, bottom, width, height)
    likelihood_levels: int
    impact_levels: int

    def cell_box(self, likelihood: int, impact: int, panel: int = 0) -> tuple[float, ...]:
        """Pixel box (left, top, right, bottom) of a cell in the PNG, y growing downwards."""
        left, bottom, width, height = self.axes[panel]
        cell_w = width * self.width_px / self.impact_levels
        cell_h = height * self.height_px / self.likelihood_levels
        x0 = left * self.width_px + (impact - 1) * cell_w
        top_px = (1 - bottom - height) * self.height_px
        y0 = top_px + (self.likelihood_levels - likelihood) * cell_h
        return (x0, y0, x0 + cell_w, y0 + cell_h)


def heatmap_layout(matrix: Matrix, *, pair: bool = False) -> HeatmapLayout:
    """The layout `render_heatmap` (or, with `pair`, `render_heatmap_pair`) draws with."""
    inches = _PAIR_INCHES if pair else _SINGLE_INCHES
    return HeatmapLayout(
        width_px=round(inches[0] * DPI),
        height_px=round(inches[1] * DPI),
        axes=_PAIR_AXES if pair else _SINGLE_AXES,
        likelihood_levels=len(matrix.likelihood),
        impact_levels=len(matrix.impact),
    )


def published_note(published: int) -> str:
    """The note on risks a heat map leaves out: rated as published, without a cell (' ...' or '')."""
    if not published:
        return ""
    noun = "risk is" if published == 1 else "risks are"
    return (
        f" {published} {noun} not shown: rated as published, without likelihood and impact "
        "(counted in their band)."
    )


def heatmap_description(matrix: Matrix, cells: HeatmapCells) -> str:
    """A one-sentence text alternative: how many risks and how many in each band."""
    counts = {b.name: 0 for b in matrix.bands}
    for (lk, ik), refs in cells.cells.items():
        counts[matrix.cell(lk, ik).band.name] += len(refs)
    total = sum(counts.values())
    worst_first = ", ".join(f"{counts[b.name]} {b.name}" for b in reversed(matrix.bands))
    noun = "risk" if total == 1 else "risks"
    return (
        f"Heat map of {total} {cells.basis} {noun} by likelihood and impact on the "
        f"{matrix.size} matrix: {worst_first}.{published_note(cells.published)}"
    )


def cells_key(matrix: Matrix, cells: HeatmapCells) -> CellsKey:
    """The non-empty cells in grid order; a cell off the matrix raises OutOfMatrixError."""
    for lk, ik in cells.cells:
        matrix.cell(lk, ik)
    return tuple(
        (key, tuple(refs)) for key, refs in sorted(cells.cells.items(), key=lambda kv: kv[0]) if refs
    )


@dataclass(frozen=True, slots=True)
class Label:
    """One text of the picture, placed in figure fractions."""

    x: float
    y: float
    text: str
    ha: str
    va: str
    size: float
    bold: bool = False
    colour: str = _TEXT
    rotation: float = 0
    fixed: bool = True  # the same in every picture of the matrix and layout (drawn once, in the grid)


Square = list[tuple[float, float]]


def composition(
    matrix: Matrix,
    layout: HeatmapLayout,
    panels: tuple[CellsKey, ...],
    titles: tuple[str, ...],
    note: str = "",
) -> tuple[list[Label], list[Square], list[str]]:
    """Every text and band square of the picture, in figure fractions, in drawing order; `note`
    (the risks above appetite and the statement version) on one line at the foot.

    Everything is placed from `heatmap_layout`: no Axes and no tick machinery, and as few
    texts as the picture needs.
    """
    pair = len(panels) == 2
    title = _one_line(titles[0], 90)
    labels = [Label(0.5, 1 - 12 / layout.height_px, title, "center", "top", 12, bold=True, fixed=False)]
    if note:
        line = _one_line(note, NOTE_CHARACTERS[pair])
        labels.append(Label(0.5, 4 / layout.height_px, line, "center", "bottom", _NOTE_FONT_PT, fixed=False))
    squares: list[Square] = []
    colours: list[str] = []
    _key(matrix, layout, labels, squares, colours)
    for panel, cells in enumerate(panels):
        _grid(matrix, dict(cells), layout, panel, labels, squares, colours)
        if pair:
            left, bottom, width, height = layout.axes[panel]
            x, y = left + width / 2, bottom + height + 6 / layout.height_px
            labels.append(Label(x, y, titles[panel + 1], "center", "bottom", 10, bold=True))
    return labels, squares, colours


def _key(
    matrix: Matrix,
    layout: HeatmapLayout,
    labels: list[Label],
    squares: list[Square],
    colours: list[str],
) -> None:
    """The band key under the title: a swatch and 'Name (scores)' per band, best first."""
    entries = [(b.colour, f"{_one_line(b.name, 24)} ({_score_range(matrix, b.name)})") for b in matrix.bands]
    char_px = 0.56 * _KEY_FONT_PT * DPI / 72
    swatch_px, gap_px = 11, 14
    widths = [swatch_px + 4 + len(label) * char_px for _, label in entries]
    x_px = max(4.0, (layout.width_px - sum(widths) - gap_px * (len(widths) - 1)) / 2)
    y = 1 - 42 / layout.height_px
    sw, sh = swatch_px / layout.width_px, swatch_px / layout.height_px
    for (colour, label), width_px in zip(entries, widths, strict=True):
        x = x_px / layout.width_px
        squares.append([(x, y - sh / 2), (x + sw, y - sh / 2), (x + sw, y + sh / 2), (x, y + sh / 2)])
        colours.append(colour)
        labels.append(Label(x + (swatch_px + 4) / layout.width_px, y, label, "left", "center", _KEY_FONT_PT))
        x_px += width_px + gap_px


def _score_range(matrix: Matrix, band: str) -> str:
    scores = sorted({c.score for c in matrix.cells if c.band.name == band})
    return str(scores[0]) if scores[0] == scores[-1] else f"{scores[0]}\u2013{scores[-1]}"


def _grid(
    matrix: Matrix,
    cells: dict[tuple[int, int], tuple[str, ...]],
    layout: HeatmapLayout,
    panel: int,
    labels: list[Label],
    squares: list[Square],
    colours: list[str],
) -> None:
    """One grid with its level labels, axis titles, counts and refs, in figure fractions."""
    left, bottom, width, height = layout.axes[panel]
    n_like, n_imp = len(matrix.likelihood), len(matrix.impact)
    cell_w, cell_h = width / n_imp, height / n_like

    def at(impact: float, likelihood: float) -> tuple[float, float]:
        """Figure fractions of a point given in cell units (cell centres at whole numbers)."""
        return left + (impact - 0.5) * cell_w, bottom + (likelihood - 0.5) * cell_h

    below, beside = bottom - 6 / layout.height_px, left - 6 / layout.width_px
    for lv in matrix.impact:
        labels.append(Label(at(lv.score, 1)[0], below, _level_label(lv.label, lv.score), "center", "top", 8))
    for lv in matrix.likelihood:
        labels.append(
            Label(beside, at(1, lv.score)[1], _level_label(lv.label, lv.score), "right", "center", 8)
        )
    labels.append(
        Label(left + width / 2, bottom - 36 / layout.height_px, "Impact", "center", "top", 10, bold=True)
    )
    x_title = left - 112 / layout.width_px
    labels.append(
        Label(x_title, bottom + height / 2, "Likelihood", "left", "center", 10, bold=True, rotation=90)
    )

    per_line, max_lines = _ref_room(layout, panel)
    for cell in matrix.cells:
        lk, ik = cell.likelihood, cell.impact
        x0, y0 = at(ik - 0.5, lk - 0.5)
        squares.append([(x0, y0), (x0 + cell_w, y0), (x0 + cell_w, y0 + cell_h), (x0, y0 + cell_h)])
        colours.append(cell.band.colour)
        ink = ink_on(cell.band.colour)
        # The band's name in every cell, so that no cell says its band by colour alone.
        x, y = at(ik, lk + 0.41)
        labels.append(
            Label(x, y, _one_line(cell.band.name, per_line), "center", "center", _REF_FONT_PT, colour=ink)
        )
        refs = cells.get((lk, ik), ())
        if not refs:
            continue
        count = str(len(refs))
        x, y = at(ik, lk + 0.17)
        labels.append(
            Label(x, y, count, "center", "center", _COUNT_FONT_PT, bold=True, colour=ink, fixed=False)
        )
        x, y = at(ik, lk - 0.02)
        refs_text = _refs_text(refs, per_line, max_lines)
        labels.append(Label(x, y, refs_text, "center", "top", _REF_FONT_PT, colour=ink, fixed=False))


def _ref_room(layout: HeatmapLayout, panel: int) -> tuple[int, int]:
    """How many characters a line of refs holds in a cell of `panel`, and how many lines."""
    _, _, width, height = layout.axes[panel]
    cell_w, cell_h = width / layout.impact_levels, height / layout.likelihood_levels
    ref_px = _REF_FONT_PT * DPI / 72
    per_line = max(10, int(0.92 * cell_w * layout.width_px / (0.6 * ref_px)))
    max_lines = max(1, int(0.4 * cell_h * layout.height_px / (1.2 * ref_px)))
    return per_line, max_lines


def cell_refs(matrix: Matrix, refs: tuple[str, ...], *, pair: bool = False) -> str:
    """The refs of one cell exactly as the picture prints them ('CP01, CP02 +3 more'), on one
    line: a table beside the picture says the same."""
    per_line, max_lines = _ref_room(heatmap_layout(matrix, pair=pair), 0)
    lines = _refs_text(refs, per_line, max_lines).split("\n")
    return "".join(
        line if i == 0 else (" " if line.startswith("+") else ", ") + line for i, line in enumerate(lines)
    )


def _level_label(label: str, score: int) -> str:
    """'Very Likely (4)'; a long label wraps, the score stays on its last line."""
    return f"{_wrap(label, 16)} ({score})"


def _refs_text(refs: tuple[str, ...], per_line: int, max_lines: int) -> str:
    """As many refs as fit in `max_lines` lines of `per_line` characters, then '+N more'."""
    names = [_one_line(r, per_line) for r in refs]
    for shown in range(min(len(names), per_line * max_lines), -1, -1):
        tokens = names[:shown]
        if shown < len(names):
            tokens.append(f"+{len(names) - shown} more")
        lines = _pack(tokens, per_line)
        if len(lines) <= max_lines:
            return "\n".join(lines)
    return f"{len(names)} risks"


def _pack(tokens: list[str], per_line: int) -> list[str]:
    lines: list[str] = []
    for token in tokens:
        sep = " " if token.startswith("+") else ", "
        if lines and len(lines[-1]) + len(sep) + len(token) <= per_line:
            lines[-1] += sep + token
        else:
            lines.append(token)
    return lines


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(printable(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(_one_line(text, 40), width) or [""])
