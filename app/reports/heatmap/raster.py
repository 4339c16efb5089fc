"""The heat map's rasteriser: matplotlib draws the layout as PNG or SVG.

matplotlib is imported only when a picture is drawn (object-oriented API with the Agg
canvas, never pyplot). Output is deterministic (no dates, fixed SVG hash salt). Text is
what a drawing costs, so a PNG starts from the Agg pixels of everything that does not
change between pictures of a matrix (band squares, key, level labels, axis titles),
drawn once per matrix; each picture adds only its title, counts and refs, pixel for
pixel what drawing everything would give.
"""

from __future__ import annotations

import io
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from app.reports.heatmap.layout import (
    DPI,
    GRID_LINE,
    PANEL_TITLES,
    CellsKey,
    HeatmapLayout,
    Label,
    Square,
    composition,
    heatmap_layout,
)
from app.scoring import Matrix

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# Agg and SVG both write from module-level rc settings; one drawing at a time keeps them
# stable (drawing is CPU-bound under the GIL anyway).
DRAWING = threading.Lock()
_FIGURES: dict[tuple[int, int], Any] = {}  # one reusable figure per picture size, under DRAWING
RC: dict[RcKeyType, Any] = {
    "svg.hashsalt": "riskreg-heatmap",
    "svg.fonttype": "none",
    "text.hinting": "force_autohint",
}


def draw_svg(matrix: Matrix, panels: tuple[CellsKey, ...], titles: tuple[str, ...], note: str = "") -> bytes:
    """The whole picture drawn as SVG (text kept as text, so it scales and can be read)."""
    import matplotlib

    layout = heatmap_layout(matrix, pair=len(panels) == 2)
    labels, squares, colours = composition(matrix, layout, panels, titles, note)
    figure = blank_figure(layout)
    add_to_figure(figure, labels, squares, colours)
    out = io.BytesIO()
    with matplotlib.rc_context(RC):
        figure.savefig(out, format="svg", dpi=DPI, metadata={"Date": None}, facecolor="#ffffff")
    return out.getvalue()


def draw_png(matrix: Matrix, panels: tuple[CellsKey, ...], titles: tuple[str, ...], note: str = "") -> bytes:
    """The title, counts and refs drawn onto the cached `background` (matplotlib 3.11 measures,
    shapes and renders text at ~90 us a glyph: the fixed labels were half the work)."""
    import matplotlib
    from matplotlib.text import Text

    layout = heatmap_layout(matrix, pair=len(panels) == 2)
    labels, _, _ = composition(matrix, layout, panels, titles, note)
    figure = blank_figure(layout, clear=False)
    renderer = figure.canvas.get_renderer()
    renderer.restore_region(background(matrix, len(panels) == 2, titles[1:]))
    with matplotlib.rc_context(RC):
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
    image.save(out, format="PNG", compress_level=1, dpi=(DPI, DPI))
    return out.getvalue()


@lru_cache(maxsize=8)
def background(matrix: Matrix, pair: bool, panel_titles: tuple[str, ...]) -> Any:
    """The Agg pixels of everything fixed in a picture of `matrix`: the band squares, the key
    and the axis labels. Called under DRAWING; bounded (~1.2 MB a single grid, 2.3 MB a pair)."""
    import matplotlib

    layout = heatmap_layout(matrix, pair=pair)
    panels: tuple[CellsKey, ...] = ((), ()) if pair else ((),)
    labels, squares, colours = composition(matrix, layout, panels, ("", *panel_titles))
    figure = blank_figure(layout)
    add_to_figure(figure, [label for label in labels if label.fixed], squares, colours)
    with matplotlib.rc_context(RC):
        figure.canvas.draw()
    region = figure.canvas.copy_from_bbox(figure.bbox)
    figure.clear()
    return region


def add_to_figure(figure: Any, labels: list[Label], squares: list[Square], colours: list[str]) -> None:
    """Put the labels and the squares (under them) on `figure`."""
    from matplotlib.collections import PolyCollection

    for label in labels:
        figure.text(label.x, label.y, label.text, **_text_style(label))
    figure.add_artist(
        PolyCollection(
            squares,
            facecolors=colours,
            edgecolors=GRID_LINE,
            linewidths=2,
            antialiaseds=False,  # exact band colours, no blended edges
            transform=figure.transFigure,
            zorder=0,
        )
    )


def _text_style(label: Label) -> dict[str, Any]:
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


def blank_figure(layout: HeatmapLayout, *, clear: bool = True) -> Any:
    """A figure of the layout's size with its Agg canvas, reused so that matplotlib's text
    metrics cache (held per renderer) serves the texts that pictures repeat."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    size = (layout.width_px, layout.height_px)
    figure = _FIGURES.get(size)
    if figure is None:
        figure = Figure(figsize=(size[0] / DPI, size[1] / DPI), dpi=DPI, facecolor="#ffffff")
        FigureCanvasAgg(figure)
        _FIGURES[size] = figure
    elif clear:
        figure.clear()
    return figure


def warm_up_drawing() -> None:
    """Load matplotlib and its font, and draw the default matrix's grids (~0.5 s once)."""
    from app.scoring import default_matrix

    matrix = default_matrix()
    with DRAWING:
        draw_png(matrix, ((((1, 1), ("R1",)),),), ("Warm-up",))
        draw_png(matrix, ((), ()), ("Warm-up", *PANEL_TITLES))


def forget_backgrounds() -> None:
    """Forget the drawn fixed parts of every matrix."""
    with DRAWING:
        background.cache_clear()
