"""The heat map, checked through the PNG pixels and the SVG text it produces."""

import io
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from app.reports.heatmap import (
    clear_heatmap_cache,
    heatmap_cache_info,
    heatmap_description,
    heatmap_layout,
    heatmap_pair_picture,
    heatmap_picture,
    raster,
    render_heatmap,
    render_heatmap_pair,
)
from app.reports.heatmap.layout import cells_key, composition
from app.reports.rows import HeatmapCells
from app.scoring import Matrix, OutOfMatrixError, default_matrix

from .builders import community_partnerships, five_by_five, heatmap_cells

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def open_png(data: bytes) -> Image.Image:
    assert data.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("RGB")


def corner_pixel(image: Image.Image, matrix: Matrix, likelihood: int, impact: int, panel: int = 0):
    """A pixel just inside the top-left corner of a cell, clear of the count and refs."""
    pair = panel == 1 or image.width > 1000
    left, top, right, bottom = heatmap_layout(matrix, pair=pair).cell_box(likelihood, impact, panel)
    x = int(left + 0.1 * (right - left))
    y = int(top + 0.1 * (bottom - top))
    return image.getpixel((x, y))


def colours_in(image: Image.Image) -> set[object]:
    found = image.getcolors(maxcolors=1_000_000)
    assert found is not None
    return {colour for _, colour in found}


def every_cell_full(matrix: Matrix) -> HeatmapCells:
    return HeatmapCells(
        "residual",
        {(c.likelihood, c.impact): (f"R{c.likelihood}{c.impact}",) for c in matrix.cells},
    )


def svg_texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(el.itertext()) for el in root.iter("{http://www.w3.org/2000/svg}text")]


@pytest.mark.parametrize("matrix", [default_matrix(), five_by_five()], ids=["4x4", "5x5"])
@pytest.mark.parametrize("filled", [False, True], ids=["empty", "with-refs"])
def test_every_cell_has_exactly_its_band_colour(matrix, filled):
    cells = every_cell_full(matrix) if filled else HeatmapCells("residual", {})
    image = open_png(render_heatmap(matrix, cells, title="Colours"))
    layout = heatmap_layout(matrix)
    assert image.size == (layout.width_px, layout.height_px)
    for cell in matrix.cells:
        assert corner_pixel(image, matrix, cell.likelihood, cell.impact) == rgb(cell.band.colour), cell


def test_five_by_five_matrix_uses_all_five_band_colours():
    matrix = five_by_five()
    image = open_png(render_heatmap(matrix, HeatmapCells("residual", {}), title="5x5"))
    seen = {corner_pixel(image, matrix, c.likelihood, c.impact) for c in matrix.cells}
    assert seen == {rgb(b.colour) for b in matrix.bands}
    assert len(seen) == 5


def test_very_likely_is_at_the_top_and_impact_grows_to_the_right():
    matrix = default_matrix()
    image = open_png(render_heatmap(matrix, HeatmapCells("residual", {}), title="Orientation"))
    # Sample by position in the grid area only, not through cell_box.
    left, bottom, width, height = heatmap_layout(matrix).axes[0]
    x0, x1 = left * image.width, (left + width) * image.width
    y_top = (1 - bottom - height) * image.height
    y_bottom = (1 - bottom) * image.height
    low, very_high = rgb(matrix.band("Low").colour), rgb(matrix.band("Very High").colour)
    assert image.getpixel((int(x0 + 8), int(y_top + 8))) == low  # Very Likely x Marginal
    assert image.getpixel((int(x1 - 8), int(y_top + 8))) == very_high  # Very Likely x Catastrophic
    assert image.getpixel((int(x1 - 8), int(y_bottom - 8))) == low  # Remote x Catastrophic
    assert image.getpixel((int(x0 + 8), int(y_bottom - 8))) == low  # Remote x Marginal


def test_cell_text_is_drawn_in_the_cell():
    matrix = default_matrix()
    cells = HeatmapCells("residual", {(4, 4): ("CP02",)})
    image = open_png(render_heatmap(matrix, cells, title="Text"))
    left, top, right, bottom = heatmap_layout(matrix).cell_box(4, 4)
    box = image.crop((int(left) + 3, int(top) + 3, int(right) - 3, int(bottom) - 3))
    assert len(colours_in(box)) > 1  # the count and the ref are drawn over the band colour
    left, top, right, bottom = heatmap_layout(matrix).cell_box(3, 4)
    below_band_name = top + 0.3 * (bottom - top)
    empty = image.crop((int(left), int(below_band_name), int(right), int(bottom)))
    assert len(colours_in(empty)) <= 2  # band colour (and grid line) only


def test_every_cell_names_its_band_so_colour_is_never_the_only_sign():
    matrix = default_matrix()
    svg = render_heatmap(matrix, HeatmapCells("residual", {(4, 4): ("CP02",)}), title="Bands", fmt="svg")
    texts = svg_texts(svg)
    for band in matrix.bands:
        in_grid = sum(1 for cell in matrix.cells if cell.band.name == band.name)
        assert texts.count(band.name) >= in_grid, band.name


def test_svg_parses_and_names_every_ref_and_axis():
    risks = community_partnerships()
    cells = heatmap_cells(risks)
    svg = render_heatmap(default_matrix(), cells, title="Community Partnerships", fmt="svg")
    texts = " ".join(svg_texts(svg))
    for risk in risks:
        if risk.residual is not None:
            assert risk.ref in texts
    for word in ("Likelihood", "Impact", "Very Likely (4)", "Catastrophic (4)", "Community Partnerships"):
        assert word in texts
    assert b"<dc:date>" not in svg  # no date: the same picture gives the same bytes


def test_crowded_cell_shows_some_refs_and_how_many_more():
    refs = tuple(f"HS{n:02d}" for n in range(1, 41))
    svg = render_heatmap(
        default_matrix(), HeatmapCells("residual", {(3, 3): refs}), title="Crowded", fmt="svg"
    )
    texts = " ".join(svg_texts(svg))
    assert "40" in texts
    assert "HS01" in texts
    assert "HS40" not in texts
    hidden = int(texts.split(" more")[0].rsplit("+", 1)[1])
    shown = sum(1 for ref in refs if ref in texts)
    assert shown + hidden == 40


def test_pair_shows_inherent_and_residual_side_by_side():
    matrix = default_matrix()
    risks = community_partnerships()
    inherent, residual = heatmap_cells(risks, "inherent"), heatmap_cells(risks, "residual")
    svg = render_heatmap_pair(matrix, inherent, residual, title="Community Partnerships", fmt="svg")
    texts = svg_texts(svg)
    assert "Inherent risk" in texts
    assert "Residual risk" in texts
    assert "Community Partnerships" in texts
    image = open_png(render_heatmap_pair(matrix, inherent, residual, title="Pair"))
    layout = heatmap_layout(matrix, pair=True)
    assert image.size == (layout.width_px, layout.height_px)
    for panel in (0, 1):
        for cell in matrix.cells:
            pixel = corner_pixel(image, matrix, cell.likelihood, cell.impact, panel)
            assert pixel == rgb(cell.band.colour)


def test_same_picture_comes_from_the_cache():
    matrix = default_matrix()
    cells = heatmap_cells(community_partnerships())
    first = render_heatmap(matrix, cells, title="Cached")
    hits = heatmap_cache_info().hits
    second = render_heatmap(matrix, HeatmapCells("residual", dict(cells.cells)), title="Cached")
    assert second is first
    assert heatmap_cache_info().hits == hits + 1
    assert render_heatmap(matrix, cells, title="Another title") != first


def test_output_is_deterministic_so_it_can_be_cached():
    matrix = five_by_five()
    cells = every_cell_full(matrix)
    clear_heatmap_cache()
    first_svg = render_heatmap(matrix, cells, title="Again", fmt="svg")
    first_png = render_heatmap(matrix, cells, title="Again")
    clear_heatmap_cache()
    assert render_heatmap(matrix, cells, title="Again", fmt="svg") == first_svg
    assert render_heatmap(matrix, cells, title="Again") == first_png


def test_cache_is_bounded():
    maxsize = heatmap_cache_info().maxsize
    assert maxsize is not None
    assert maxsize <= 256


def test_a_cell_off_the_matrix_is_refused():
    with pytest.raises(OutOfMatrixError):
        render_heatmap(default_matrix(), HeatmapCells("residual", {(5, 5): ("X1",)}), title="Off")


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="png"):
        render_heatmap(default_matrix(), HeatmapCells("residual", {}), title="Bad", fmt="gif")


def test_description_counts_risks_by_band():
    cells = heatmap_cells(community_partnerships())
    text = heatmap_description(default_matrix(), cells)
    assert text.startswith("Heat map of 6 residual risks")
    assert "2 Very High, 1 High, 1 Medium, 2 Low" in text


def test_importing_the_module_does_not_import_matplotlib():
    code = "import sys, app.reports.heatmap; print('matplotlib' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert result.stdout.strip() == "False"


def full_drawing(matrix: Matrix, panels: tuple, titles: tuple[str, ...]) -> Image.Image:  # type: ignore[type-arg]
    """The picture drawn the plain way: every artist on one figure, saved by matplotlib."""
    import matplotlib

    layout = heatmap_layout(matrix, pair=len(panels) == 2)
    out = io.BytesIO()
    with raster.DRAWING:
        labels, squares, colours = composition(matrix, layout, panels, titles)
        figure = raster.blank_figure(layout)
        raster.add_to_figure(figure, labels, squares, colours)
        with matplotlib.rc_context(raster.RC):
            figure.savefig(
                out, format="png", dpi=layout.width_px / figure.get_figwidth(), facecolor="#ffffff"
            )
        figure.clear()
    return Image.open(io.BytesIO(out.getvalue())).convert("RGBA")


@pytest.mark.parametrize("matrix", [default_matrix(), five_by_five()], ids=["4x4", "5x5"])
@pytest.mark.parametrize("pair", [False, True], ids=["single", "pair"])
def test_png_drawn_on_the_cached_grid_is_the_full_drawing_pixel_for_pixel(matrix, pair):
    # The grid, key and axis labels are drawn once and only the title, counts and refs per
    # picture: the result must not differ from drawing everything, in any pixel.
    crowded = tuple(f"HS{n:02d}" for n in range(1, 41))
    cells = HeatmapCells("residual", {(1, 1): ("HS01", "HS02"), (2, 3): crowded, (3, 2): ("Ref é/ü",)})
    title = "Housing Services: a long title that wraps nowhere, 23 Nov 2026"
    clear_heatmap_cache()
    if pair:
        other = every_cell_full(matrix)
        png = render_heatmap_pair(matrix, cells, other, title=title)
        panels = (cells_key(matrix, cells), cells_key(matrix, other))
        titles = (title, "Inherent risk", "Residual risk")
    else:
        png = render_heatmap(matrix, cells, title=title)
        panels, titles = (cells_key(matrix, cells),), (title,)
    drawn = Image.open(io.BytesIO(png))
    drawn.load()
    assert drawn.convert("RGBA").tobytes() == full_drawing(matrix, panels, titles).tobytes()
    # and the same again once the grid is cached
    assert render_heatmap(matrix, every_cell_full(matrix), title="Again") == render_heatmap(
        matrix, every_cell_full(matrix), title="Again"
    )


def test_png_is_a_valid_rgba_png_at_100_dpi():
    png = render_heatmap(default_matrix(), heatmap_cells(community_partnerships()), title="Valid")
    Image.open(io.BytesIO(png)).verify()
    image = Image.open(io.BytesIO(png))
    assert image.mode == "RGBA"
    assert [round(d) for d in image.info["dpi"]] == [100, 100]


def test_entity_tag_follows_what_the_picture_shows():
    matrix = default_matrix()
    cells = heatmap_cells(community_partnerships())
    tag = heatmap_picture(matrix, cells, title="Tagged").etag
    assert tag.startswith('W/"')
    clear_heatmap_cache()
    assert heatmap_picture(matrix, cells, title="Tagged").etag == tag  # not tied to the process
    moved = dict(cells.cells)
    moved[(4, 4)] = (*moved.get((4, 4), ()), "CP99")
    others = {
        heatmap_picture(matrix, HeatmapCells("residual", moved), title="Tagged").etag,
        heatmap_picture(matrix, cells, title="Tagged again").etag,
        heatmap_picture(matrix, cells, title="Tagged", fmt="svg").etag,
        heatmap_picture(five_by_five(), cells, title="Tagged").etag,
        heatmap_pair_picture(matrix, cells, cells, title="Tagged").etag,
    }
    assert tag not in others
    assert len(others) == 5


@pytest.mark.parametrize("pair", [False, True])
def test_the_table_beside_the_picture_prints_the_refs_the_picture_prints(pair):
    """One rule decides which refs a crowded cell shows and how many more it holds: the
    picture and its table never say "+3 more" and "+2 more" of the same cell."""
    from pypdf import PdfReader

    from app.reports.heatmap import cell_refs
    from app.reports.heatmap.layout import heatmap_layout
    from app.reports.pdf import render_register_pdf

    from .builders import register, risk

    matrix = default_matrix()
    crowded = [risk(f"CP{n:02d}", risk_id=n, residual=(3, 3)) for n in range(1, 31)]
    cells = heatmap_cells(crowded)
    panels = (cells_key(matrix, cells),) * (2 if pair else 1)
    titles = ("t", "Inherent risk", "Residual risk") if pair else ("t",)
    labels, _, _ = composition(matrix, heatmap_layout(matrix, pair=pair), panels, titles)
    drawn = [
        label.text.replace("\n", " ").replace(",", "").split() for label in labels if "more" in label.text
    ]
    assert drawn
    printed = cell_refs(matrix, cells.cells[(3, 3)], pair=pair)
    assert all(tokens == printed.replace(",", "").split() for tokens in drawn)
    if not pair:
        report = register(crowded)
        png = render_heatmap(matrix, report.heatmap, title="CP")
        text = " ".join(
            "".join(
                page.extract_text() for page in PdfReader(io.BytesIO(render_register_pdf(report, png))).pages
            ).split()
        )
        assert printed in text
