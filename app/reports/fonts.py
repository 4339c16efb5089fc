"""Fonts, and the words and text every renderer prints the same way.

The PDF embeds DejaVu Sans, which ships inside matplotlib's package data, so curly
quotes, en dashes, the pound sign, Hebrew and Arabic print without a font download.
Also here, so that HTML, PDF, XLSX and CSV agree: the cleaning that makes user text
safe to draw or store (no NUL, no control characters, no lone surrogates), direction
of travel as words with an arrow, the movement groups and their headings, date
formats, and the ink (black or white) that reads best on a band colour.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import io
import os
import re
import tempfile
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path

from app.reports.rows import ReviewReport
from app.scoring import Matrix

#: Direction of travel as an arrow and a word, in every format.
DIRECTION_ARROWS = {"new": "★", "up": "↑", "down": "↓", "unchanged": "→", "closed": "✕"}
DIRECTION_WORDS = {"new": "New", "up": "Up", "down": "Down", "unchanged": "Unchanged", "closed": "Closed"}

#: Order of the movement groups in the six-monthly report, with their headings.
MOVEMENT_ORDER = ("new", "closed", "up", "down", "unchanged")
MOVEMENT_HEADINGS = {
    "new": "New risks",
    "closed": "Closed risks",
    "up": "Risks whose score went up",
    "down": "Risks whose score went down",
    "unchanged": "Risks with an unchanged score",
}

# C0 and C1 control characters except tab and newline; DEL; lone surrogates (they cannot
# be encoded as UTF-8, so they would crash any writer); non-characters.
_UNDRAWABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def direction_label(direction: str) -> str:
    """The direction of travel as text with its arrow, e.g. '↑ Up'."""
    arrow, word = direction_parts(direction)
    return f"{arrow} {word}" if arrow else word


def direction_parts(direction: str) -> tuple[str, str]:
    """The arrow (may be empty) and the word of a direction of travel: ('↑', 'Up')."""
    return DIRECTION_ARROWS.get(direction, ""), DIRECTION_WORDS.get(direction, direction.capitalize())


def worst_bands_heading(matrix: Matrix) -> str:
    """'High and Very High': the names of the two worst bands (the one band if only one)."""
    return " and ".join(b.name for b in matrix.bands[-2:])


def review_scope(report: ReviewReport) -> str:
    """'All services', or the one service the report covers."""
    if report.service_code is None:
        return "All services"
    names = {s.service_name for s in report.summaries if s.service_code == report.service_code}
    return f"{names.pop()} ({report.service_code})" if len(names) == 1 else report.service_code


def format_day(value: date | None) -> str:
    """'30 Sep 2025' (empty for None)."""
    return "" if value is None else f"{value.day} {value:%b %Y}"


def format_long_day(value: date) -> str:
    """'30 September 2025'."""
    return f"{value.day} {value:%B %Y}"


def format_moment(value: datetime) -> str:
    """'1 Oct 2025 09:30', with the zone when the time carries one."""
    zone = f" {value.tzname()}" if value.tzinfo is not None else ""
    return f"{value.day} {value:%b %Y %H:%M}{zone}"


def clean_text(text: str) -> str:
    """User text without NUL, control characters (but tab and newline) or lone surrogates."""
    if _UNDRAWABLE.search(text) is None:
        return text
    return _UNDRAWABLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


@lru_cache(maxsize=256)
def ink_on(colour: str) -> str:
    """'#000000' or '#ffffff', whichever contrasts more with the `#rrggbb` fill (WCAG 2)."""
    lum = _relative_luminance(colour)
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


def rgb(colour: str) -> tuple[int, int, int]:
    """The (r, g, b) components 0-255 of a `#rrggbb` colour."""
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _relative_luminance(colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


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
def pdf_font_files() -> tuple[Path, Path]:
    """Regular and bold DejaVu Sans cut down for the PDF, written once per process (~0.3 s)."""
    regular, bold = _pdf_font_bytes(False), _pdf_font_bytes(True)
    paths = []
    for data, name in ((regular, "regular"), (bold, "bold")):
        # mkstemp: a private file no other user can have planted; removed at exit.
        handle, name_on_disk = tempfile.mkstemp(prefix=f"riskreg-dejavu-{name}-", suffix=".ttf")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        atexit.register(_remove, name_on_disk)
        paths.append(Path(name_on_disk))
    return paths[0], paths[1]


@cache
def pdf_codepoints() -> frozenset[int]:
    """Every code point the PDF font draws."""
    from fontTools.ttLib import TTFont  # fpdf2 depends on fontTools

    font = TTFont(io.BytesIO(_pdf_font_bytes(False)), lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def drawable(text: str) -> str:
    """`clean_text`, with every character the PDF font lacks replaced by '?'."""
    text = clean_text(text)
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
def _pdf_font_bytes(bold: bool) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    # recalcBBoxes=False keeps glyphs compiled as they are: 0.13 s instead of 0.6 s.
    font = TTFont(str(dejavu_sans(bold)), recalcTimestamp=False, recalcBBoxes=False, lazy=True)
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


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)
