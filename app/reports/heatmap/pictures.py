"""Heat-map pictures: a bounded in-process cache in front of the rasteriser.

The same picture asked for again comes from the cache: drawing is deterministic, so the
cached bytes are the bytes a new drawing would give, and a picture's entity tag is a
digest of what it shows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from app.reports.heatmap import raster
from app.reports.heatmap.layout import PANEL_TITLES, CellsKey, cells_key
from app.reports.rows import HeatmapCells
from app.scoring import Matrix

if TYPE_CHECKING:
    from functools import _CacheInfo

Format = Literal["png", "svg"]
_FORMATS = ("png", "svg")
# Part of every entity tag: change it when a change to the drawing changes what pictures show.
_REVISION = "2"


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


def heatmap_picture(
    matrix: Matrix, cells: HeatmapCells, *, title: str, fmt: str = "png", note: str = ""
) -> Picture:
    """The heat map of `cells` with its entity tag (and `note`, a line under the grid); the
    same picture again comes from the cache."""
    return _cached(matrix, (cells_key(matrix, cells),), (title,), _format(fmt), note)


def heatmap_pair_picture(
    matrix: Matrix,
    inherent: HeatmapCells,
    residual: HeatmapCells,
    *,
    title: str,
    fmt: str = "png",
    note: str = "",
) -> Picture:
    """Inherent and residual heat maps side by side, with their entity tag (and `note`)."""
    panels = (cells_key(matrix, inherent), cells_key(matrix, residual))
    return _cached(matrix, panels, (title, *PANEL_TITLES), _format(fmt), note)


def heatmap_cache_info() -> _CacheInfo:
    """Hits, misses and size of the picture cache."""
    return _cached.cache_info()


def clear_heatmap_cache() -> None:
    """Forget every cached picture (and the drawn grids they start from)."""
    _cached.cache_clear()
    raster.forget_backgrounds()


def _format(fmt: str) -> Format:
    value = fmt.lower()
    if value == "png":
        return "png"
    if value == "svg":
        return "svg"
    raise ValueError(f"heat map format must be one of {', '.join(_FORMATS)}, not {fmt!r}")


@lru_cache(maxsize=128)
def _cached(
    matrix: Matrix, panels: tuple[CellsKey, ...], titles: tuple[str, ...], fmt: Format, note: str = ""
) -> Picture:
    # lru_cache is thread safe; two threads missing the same key at once both draw, in turn.
    digest = hashlib.blake2b(repr((_REVISION, matrix, panels, titles, fmt, note)).encode(), digest_size=16)
    with raster.DRAWING:
        draw = raster.draw_png if fmt == "png" else raster.draw_svg
        content = draw(matrix, panels, titles, note)
    return Picture(content, f'W/"{digest.hexdigest()}"')


def warm_up_heatmaps() -> None:
    """Load matplotlib and its font, and draw the default matrix's grids, so the first real
    picture is fast (~0.5 s once per process)."""
    raster.warm_up_drawing()
