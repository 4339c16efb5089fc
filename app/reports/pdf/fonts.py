"""The PDF's font: DejaVu Sans from matplotlib's data, cut down once per process, kept in memory.

DejaVu Sans ships inside matplotlib's package data, so curly quotes, en dashes, the pound
sign, Hebrew and Arabic print without a font download. The cut-down regular and bold
fonts live only in memory (never in a temporary file, so nothing is left behind when
the server is stopped, however it is stopped), and every document gets its own copy of
fonts parsed once per process.
"""

from __future__ import annotations

import copy
import importlib.util
import io
import re
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont as FontFile
from fpdf import FPDF
from fpdf.fonts import TTFFont

from app.reports.printable import printable

#: fpdf2's key of each style: the family in lower case, then the style letters.
FONT_KEYS = {False: "dejavu", True: "dejavuB"}
FAMILY = "DejaVu"

# The scripts and symbols the PDF font keeps: Latin (with extensions and combining marks),
# Greek, Cyrillic, Hebrew, Arabic, punctuation, currency, letterlike symbols, arrows,
# maths operators, shapes, miscellaneous symbols and dingbats. Cutting DejaVu Sans down to
# these (about 2,600 of its 6,000 glyphs, and without the layout tables that fpdf2 drops
# anyway) makes the per-document font subsetting about twice as fast.
_PDF_RANGES = (
    (0x0020, 0x024F),
    (0x02B0, 0x036F),
    (0x0370, 0x03FF),
    (0x0400, 0x04FF),
    (0x0590, 0x05FF),
    (0x0600, 0x06FF),
    (0x1E00, 0x1EFF),
    (0x2000, 0x206F),
    (0x20A0, 0x20CF),
    (0x2100, 0x21FF),
    (0x2200, 0x22FF),
    (0x25A0, 0x27BF),
    (0xFFFD, 0xFFFD),
)
_LAYOUT_TABLES = ("GDEF", "GPOS", "GSUB", "kern", "hdmx", "FFTM", "MATH")


@cache
def dejavu_sans(bold: bool = False) -> Path:
    """Path of DejaVu Sans (or its bold) inside matplotlib's data, found without importing it."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib is not installed; its DejaVu Sans font is needed")
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    path = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf" / name
    if not path.is_file():
        raise RuntimeError(f"font file not found: {path}")
    return path


def add_fonts(doc: FPDF) -> tuple[TTFFont, TTFFont]:
    """Give `doc` DejaVu Sans regular and bold (family "DejaVu"), copied from fonts parsed once.

    fpdf2's public `add_font()` reads a file on disk and parses it each time (~40% of a
    short register's time). So the fonts are parsed once from memory and each document
    gets a copy: TTFFont supports deepcopy but shares the parsed font, which the output
    step subsets in place, so each copy gets its own freshly opened (lazy) font.
    """
    fonts = []
    for bold, key in FONT_KEYS.items():
        font = copy.deepcopy(_font_templates()[key])
        font.ttfont = FontFile(io.BytesIO(pdf_font_bytes(bold)), recalcTimestamp=False, lazy=True)
        font.i = len(doc.fonts) + 1
        doc.fonts[key] = font  # where add_font() would put it, so set_font("DejaVu", ...) finds it
        fonts.append(font)
    return fonts[0], fonts[1]


def warm_up_fonts() -> None:
    """Cut and parse the font once (~0.5 s), so the first real PDF is fast."""
    _font_templates()


@cache
def _font_templates() -> dict[str, TTFFont]:
    holder = FPDF()
    # TTFFont is built from bytes rather than through add_font(), which takes only a path:
    # the font would otherwise have to be written to a file, and a temporary file outlives
    # a server stopped with SIGTERM. fpdf2 reads the path only for HarfBuzz text shaping,
    # which these documents do not use.
    return {
        key: TTFFont(holder, io.BytesIO(pdf_font_bytes(bold)), key, "B" if bold else "")  # type: ignore[arg-type]
        for bold, key in FONT_KEYS.items()
    }


@cache
def pdf_codepoints() -> frozenset[int]:
    """Every code point the PDF font draws."""
    font = FontFile(io.BytesIO(pdf_font_bytes(False)), lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def drawable(text: str) -> str:
    """`printable` text, with every character the PDF font lacks replaced by '?'."""
    text = printable(text)
    if text.isascii():
        return text
    return _not_in_pdf_font().sub("?", text)


@cache
def _not_in_pdf_font() -> re.Pattern[str]:
    """A pattern matching any character the PDF font does not draw (tab and newline pass)."""
    points = sorted(pdf_codepoints() | {0x09, 0x0A})
    spans: list[tuple[int, int]] = []
    for point in points:
        if spans and point == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], point)
        else:
            spans.append((point, point))
    allowed = "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in spans)
    return re.compile(f"[^{allowed}]")


@cache
def pdf_font_bytes(bold: bool) -> bytes:
    """DejaVu Sans (or its bold) cut down to the PDF's scripts, as TrueType bytes (~0.3 s once)."""
    from fontTools import subset

    # recalcBBoxes=False keeps glyphs compiled as they are: 0.13 s instead of 0.6 s.
    font = FontFile(str(dejavu_sans(bold)), recalcTimestamp=False, recalcBBoxes=False, lazy=True)
    try:
        for tag in _LAYOUT_TABLES:
            if tag in font:
                del font[tag]
        options = subset.Options()
        options.layout_features = []
        options.notdef_outline = True
        options.recommended_glyphs = True
        options.glyph_names = True
        options.name_IDs = ["*"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[u for low, high in _PDF_RANGES for u in range(low, high + 1)])
        subsetter.subset(font)
        out = io.BytesIO()
        font.save(out)
        return out.getvalue()
    finally:
        font.close()
