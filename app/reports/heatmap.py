"""The heat map: the matrix grid with each cell in its band colour and the risks it holds.

Drawn in the council's orientation: likelihood up the vertical axis with the highest
level at the top, impact along the horizontal axis growing to the right. Works for
any matrix the scoring module accepts. matplotlib is imported only when a picture is
drawn (object-oriented API with the Agg canvas, never pyplot), and the same picture
asked for again comes from a bounded in-process cache: output is deterministic (no
dates, fixed SVG hash salt), so the cached bytes are the bytes a new drawing would give,
and a picture's entity tag is a digest of what it shows.

Text is what a drawing costs, so a PNG starts from the Agg pixels of everything that does
not change between pictures of a matrix (band squares, key, level labels, axis titles),
drawn once; each picture adds only its title, counts and refs, pixel for pixel what
drawing everything would give.
"""

from __future__ import annotations

import hashlib
import io
import textwrap
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from app.reports.colours import ink_on
from app.reports.printable import printable
from app.reports.rows import HeatmapCells
from app.scoring import Matrix

if TYPE_CHECKING:
    from functools import _CacheInfo

    from matplotlib.typing import RcKeyType

Format = Literal["png", "svg"]
_FORMATS = ("png", "svg")
_DPI = 100
_SINGLE_INCHES = (6.0, 5.0)
_PAIR_INCHES = (11.5, 5.0)
_SINGLE_AXES = ((0.22, 0.13, 0.74, 0.72),)
_PAIR_AXES = ((0.12, 0.13, 0.36, 0.68), (0.62, 0.13, 0.36, 0.68))
_REF_FONT_PT = 7.0
_COUNT_FONT_PT = 14.0
_KEY_FONT_PT = 7.5
_GRID_LINE = "#ffffff"
_PANEL_TITLES = ("Inherent risk", "Residual risk")
# Part of every entity tag: change it when a change to the drawing changes what pictures show.
_REVISION = "2"
_TEXT = "#1f1f1f"
# Agg and SVG both write from module-level rc settings; one drawing at a time keeps them
# stable (drawing is CPU-bound under the GIL anyway).
_DRAWING = threading.Lock()
_FIGURES: dict[tuple[int, int], Any] = {}  # one reusable figure per picture size, under _DRAWING
_RC: dict[RcKeyType, Any] = {
    "svg.hashsalt": "riskreg-heatmap",
    "svg.fonttype": "none",
    "text.hinting": "force_autohint",
}

# ((likelihood, impact), refs) per non-empty cell, in grid order: hashable.
_CellsKey = tuple[tuple[tuple[int, int], tuple[str, ...]], ...]


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
        width_px=round(inches[0] * _DPI),
        height_px=round(inches[1] * _DPI),
        axes=_PAIR_AXES if pair else _SINGLE_AXES,
        likelihood_levels=len(matrix.likelihood),
        impact_levels=len(matrix.impact),
    )


@dataclass(frozen=True, slots=True)
class Picture:
    """A drawn heat map, and its entity tag: a digest of everything the picture shows."""

    content: bytes
    etag: str


def render_heatmap(matrix: Matrix, cells: HeatmapCells, *, title: str, fmt: str = "png") -> bytes:
    """The heat map of `cells` on `matrix` as PNG or SVG bytes."""
    return heatmap_picture(matrix, cells, title=title, fmt=fmt).content


def render_heatmap_pair(
    matrix: Matrix,
    inherent: HeatmapCells,
    residual: HeatmapCells,
    *,
    title: str,
    fmt: str = "png",
) -> bytes:
    """Inherent and residual heat maps side by side, as PNG or SVG bytes."""
    return heatmap_pair_picture(matrix, inherent, residual, title=title, fmt=fmt).content


def heatmap_picture(matrix: Matrix, cells: HeatmapCells, *, title: str, fmt: str = "png") -> Picture:
    """The heat map of `cells` with its entity tag; the same picture again comes from the cache."""
    return _cached(matrix, (_cells_key(matrix, cells),), (title,), _format(fmt))


def heatmap_pair_picture(
    matrix: Matrix,
    inherent: HeatmapCells,
    residual: HeatmapCells,
    *,
    title: str,
    fmt: str = "png",
) -> Picture:
    """Inherent and residual heat maps side by side, with their entity tag."""
    panels = (_cells_key(matrix, inherent), _cells_key(matrix, residual))
    return _cached(matrix, panels, (title, *_PANEL_TITLES), _format(fmt))


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
        f"{matrix.size} matrix: {worst_first}."
    )


def heatmap_cache_info() -> _CacheInfo:
    """Hits, misses and size of the picture cache."""
    return _cached.cache_info()


def clear_heatmap_cache() -> None:
    """Forget every cached picture (and the drawn grids they start from)."""
    _cached.cache_clear()
    with _DRAWING:
        _background.cache_clear()


def _format(fmt: str) -> Format:
    value = fmt.lower()
    if value == "png":
        return "png"
    if value == "svg":
        return "svg"
    raise ValueError(f"heat map format must be one of {', '.join(_FORMATS)}, not {fmt!r}")


def _cells_key(matrix: Matrix, cells: HeatmapCells) -> _CellsKey:
    """The non-empty cells in grid order; a cell off the matrix raises OutOfMatrixError."""
    for lk, ik in cells.cells:
        matrix.cell(lk, ik)
    return tuple(
        (key, tuple(refs)) for key, refs in sorted(cells.cells.items(), key=lambda kv: kv[0]) if refs
    )


@lru_cache(maxsize=128)
def _cached(matrix: Matrix, panels: tuple[_CellsKey, ...], titles: tuple[str, ...], fmt: Format) -> Picture:
    # lru_cache is thread safe; two threads missing the same key at once both draw, in turn.
    digest = hashlib.blake2b(repr((_REVISION, matrix, panels, titles, fmt)).encode(), digest_size=16)
    with _DRAWING:
        content = _draw_png(matrix, panels, titles) if fmt == "png" else _draw_svg(matrix, panels, titles)
    return Picture(content, f'W/"{digest.hexdigest()}"')


def warm_up_heatmaps() -> None:
    """Load matplotlib and its font, and draw the default matrix's grids, so the first real
    picture is fast (~0.5 s once per process)."""
    from app.scoring import default_matrix

    matrix = default_matrix()
    with _DRAWING:
        _draw_png(matrix, ((((1, 1), ("R1",)),),), ("Warm-up",))
        _draw_png(matrix, ((), ()), ("Warm-up", *_PANEL_TITLES))


@dataclass(frozen=True, slots=True)
class _Label:
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


_Square = list[tuple[float, float]]


def _draw_svg(matrix: Matrix, panels: tuple[_CellsKey, ...], titles: tuple[str, ...]) -> bytes:
    import matplotlib

    layout = heatmap_layout(matrix, pair=len(panels) == 2)
    labels, squares, colours = _composition(matrix, layout, panels, titles)
    figure = _blank_figure(layout)
    _add(figure, labels, squares, colours)
    out = io.BytesIO()
    with matplotlib.rc_context(_RC):
        figure.savefig(out, format="svg", dpi=_DPI, metadata={"Date": None}, facecolor="#ffffff")
    return out.getvalue()


def _draw_png(matrix: Matrix, panels: tuple[_CellsKey, ...], titles: tuple[str, ...]) -> bytes:
    """The title, counts and refs drawn onto the cached `_background` (matplotlib 3.11 measures,
    shapes and renders text at ~90 us a glyph: the fixed labels were half the work)."""
    import matplotlib
    from matplotlib.text import Text

    layout = heatmap_layout(matrix, pair=len(panels) == 2)
    labels, _, _ = _composition(matrix, layout, panels, titles)
    figure = _blank_figure(layout, clear=False)
    renderer = figure.canvas.get_renderer()
    renderer.restore_region(_background(matrix, len(panels) == 2, titles[1:]))
    with matplotlib.rc_context(_RC):
        for label in labels:
            if not label.fixed:
                text = Text(label.x, label.y, label.text, transform=figure.transFigure, **_text_style(label))
                text.set_figure(figure)
                text.draw(renderer)
    return _png(renderer.buffer_rgba(), layout.width_px, layout.height_px)


def _png(rgba: memoryview, width: int, height: int) -> bytes:
    """PNG bytes of Agg's RGBA pixels, at 100 dpi and a fast zlib level (flat colour stays small)."""
    from PIL import Image

    out = io.BytesIO()
    image = Image.frombuffer("RGBA", (width, height), bytes(rgba), "raw", "RGBA", 0, 1)
    image.save(out, format="PNG", compress_level=1, dpi=(_DPI, _DPI))
    return out.getvalue()


@lru_cache(maxsize=8)
def _background(matrix: Matrix, pair: bool, panel_titles: tuple[str, ...]) -> Any:
    """The Agg pixels of everything fixed in a picture of `matrix`: the band squares, the key
    and the axis labels. Called under _DRAWING; bounded (~1.2 MB a single grid, 2.3 MB a pair)."""
    import matplotlib

    layout = heatmap_layout(matrix, pair=pair)
    panels: tuple[_CellsKey, ...] = ((), ()) if pair else ((),)
    labels, squares, colours = _composition(matrix, layout, panels, ("", *panel_titles))
    figure = _blank_figure(layout)
    _add(figure, [label for label in labels if label.fixed], squares, colours)
    with matplotlib.rc_context(_RC):
        figure.canvas.draw()
    region = figure.canvas.copy_from_bbox(figure.bbox)
    figure.clear()
    return region


def _add(figure: Any, labels: list[_Label], squares: list[_Square], colours: list[str]) -> None:
    """Put the labels and the squares (under them) on `figure`."""
    from matplotlib.collections import PolyCollection

    for label in labels:
        figure.text(label.x, label.y, label.text, **_text_style(label))
    figure.add_artist(
        PolyCollection(
            squares,
            facecolors=colours,
            edgecolors=_GRID_LINE,
            linewidths=2,
            antialiaseds=False,  # exact band colours, no blended edges
            transform=figure.transFigure,
            zorder=0,
        )
    )


def _text_style(label: _Label) -> dict[str, Any]:
    return {
        "ha": label.ha,
        "va": label.va,
        "fontsize": label.size,
        "fontweight": "bold" if label.bold else "normal",
        "color": label.colour,
        "rotation": label.rotation,
        "multialignment": label.ha if label.ha in ("left", "right", "center") else "left",
        "linespacing": 1.15,
        "parse_math": False,
    }


def _blank_figure(layout: HeatmapLayout, *, clear: bool = True) -> Any:
    """A figure of the layout's size with its Agg canvas, reused so that matplotlib's text
    metrics cache (held per renderer) serves the texts that pictures repeat."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    size = (layout.width_px, layout.height_px)
    figure = _FIGURES.get(size)
    if figure is None:
        figure = Figure(figsize=(size[0] / _DPI, size[1] / _DPI), dpi=_DPI, facecolor="#ffffff")
        FigureCanvasAgg(figure)
        _FIGURES[size] = figure
    elif clear:
        figure.clear()
    return figure


def _composition(
    matrix: Matrix, layout: HeatmapLayout, panels: tuple[_CellsKey, ...], titles: tuple[str, ...]
) -> tuple[list[_Label], list[_Square], list[str]]:
    """Every text and band square of the picture, in figure fractions, in drawing order.

    Everything is placed from `heatmap_layout`: no Axes and no tick machinery, and as few
    texts as the picture needs.
    """
    pair = len(panels) == 2
    title = _one_line(titles[0], 90)
    labels = [_Label(0.5, 1 - 12 / layout.height_px, title, "center", "top", 12, bold=True, fixed=False)]
    squares: list[_Square] = []
    colours: list[str] = []
    _key(matrix, layout, labels, squares, colours)
    for panel, cells in enumerate(panels):
        _grid(matrix, dict(cells), layout, panel, labels, squares, colours)
        if pair:
            left, bottom, width, height = layout.axes[panel]
            x, y = left + width / 2, bottom + height + 6 / layout.height_px
            labels.append(_Label(x, y, titles[panel + 1], "center", "bottom", 10, bold=True))
    return labels, squares, colours


def _key(
    matrix: Matrix,
    layout: HeatmapLayout,
    labels: list[_Label],
    squares: list[_Square],
    colours: list[str],
) -> None:
    """The band key under the title: a swatch and 'Name (scores)' per band, best first."""
    entries = [(b.colour, f"{_one_line(b.name, 24)} ({_score_range(matrix, b.name)})") for b in matrix.bands]
    char_px = 0.56 * _KEY_FONT_PT * _DPI / 72
    swatch_px, gap_px = 11, 14
    widths = [swatch_px + 4 + len(label) * char_px for _, label in entries]
    x_px = max(4.0, (layout.width_px - sum(widths) - gap_px * (len(widths) - 1)) / 2)
    y = 1 - 42 / layout.height_px
    sw, sh = swatch_px / layout.width_px, swatch_px / layout.height_px
    for (colour, label), width_px in zip(entries, widths, strict=True):
        x = x_px / layout.width_px
        squares.append([(x, y - sh / 2), (x + sw, y - sh / 2), (x + sw, y + sh / 2), (x, y + sh / 2)])
        colours.append(colour)
        labels.append(_Label(x + (swatch_px + 4) / layout.width_px, y, label, "left", "center", _KEY_FONT_PT))
        x_px += width_px + gap_px


def _score_range(matrix: Matrix, band: str) -> str:
    scores = sorted({c.score for c in matrix.cells if c.band.name == band})
    return str(scores[0]) if scores[0] == scores[-1] else f"{scores[0]}\u2013{scores[-1]}"


def _grid(
    matrix: Matrix,
    cells: dict[tuple[int, int], tuple[str, ...]],
    layout: HeatmapLayout,
    panel: int,
    labels: list[_Label],
    squares: list[_Square],
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
        labels.append(_Label(at(lv.score, 1)[0], below, _level_label(lv.label, lv.score), "center", "top", 8))
    for lv in matrix.likelihood:
        labels.append(
            _Label(beside, at(1, lv.score)[1], _level_label(lv.label, lv.score), "right", "center", 8)
        )
    labels.append(
        _Label(left + width / 2, bottom - 36 / layout.height_px, "Impact", "center", "top", 10, bold=True)
    )
    x_title = left - 112 / layout.width_px
    labels.append(
        _Label(x_title, bottom + height / 2, "Likelihood", "left", "center", 10, bold=True, rotation=90)
    )

    ref_px = _REF_FONT_PT * _DPI / 72
    per_line = max(10, int(0.92 * cell_w * layout.width_px / (0.6 * ref_px)))
    max_lines = max(1, int(0.4 * cell_h * layout.height_px / (1.2 * ref_px)))
    for cell in matrix.cells:
        lk, ik = cell.likelihood, cell.impact
        x0, y0 = at(ik - 0.5, lk - 0.5)
        squares.append([(x0, y0), (x0 + cell_w, y0), (x0 + cell_w, y0 + cell_h), (x0, y0 + cell_h)])
        colours.append(cell.band.colour)
        refs = cells.get((lk, ik), ())
        if not refs:
            continue
        ink = ink_on(cell.band.colour)
        count = str(len(refs))
        x, y = at(ik, lk + 0.17)
        labels.append(
            _Label(x, y, count, "center", "center", _COUNT_FONT_PT, bold=True, colour=ink, fixed=False)
        )
        x, y = at(ik, lk - 0.02)
        refs_text = _refs_text(refs, per_line, max_lines)
        labels.append(_Label(x, y, refs_text, "center", "top", _REF_FONT_PT, colour=ink, fixed=False))


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
