"""The heat map: the matrix grid with each cell in its band colour and the risks it holds.

layout.py places every square and text (pure data, also the text alternative);
raster.py draws that layout with matplotlib as PNG or SVG; pictures.py keeps the drawn
pictures in a bounded cache with their entity tags. Importing this package does not
import matplotlib.
"""

from __future__ import annotations

from app.reports.heatmap.layout import (
    NOTE_CHARACTERS,
    HeatmapLayout,
    cell_refs,
    heatmap_description,
    heatmap_layout,
)
from app.reports.heatmap.pictures import (
    Picture,
    clear_heatmap_cache,
    heatmap_cache_info,
    heatmap_pair_picture,
    heatmap_picture,
    render_heatmap,
    render_heatmap_pair,
    warm_up_heatmaps,
)

__all__ = [
    "NOTE_CHARACTERS",
    "HeatmapLayout",
    "Picture",
    "cell_refs",
    "clear_heatmap_cache",
    "heatmap_cache_info",
    "heatmap_description",
    "heatmap_layout",
    "heatmap_pair_picture",
    "heatmap_picture",
    "render_heatmap",
    "render_heatmap_pair",
    "warm_up_heatmaps",
]
