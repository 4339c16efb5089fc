"""The PDF canvas (fpdf2): every drawing a PDF report makes goes through here.

Landscape A4 pages with a running head and "Page n of N", a title block, headings,
paragraphs, and a table drawer whose header rows repeat on every page; band cells are
filled with the band colour. Each document's layout (register.py, review.py) only
calls these, so the canvas is the one seam where drawing can be changed for every
document at once: it tags what it draws for PDF/UA-1 (tagging.py holds the structure
tree): the title block is an H1 and P, headings H2/H3, tables Table > TR > TH/TD, a
bulleted cell a list, and the furniture (running head, page numbers, rules, fills,
borders, the header row drawn again on a later page) artifacts.

Tables are laid out here rather than with fpdf2's `table()`: that API measured about
17 ms a row (10 s for 600 risks). Here words are measured with the font's own advance
widths, each row is written as one block of PDF operators, and a row taller than a page
continues on the next one. The running head and "Page n of N" are added once the page
count is known. Everything else (fonts, images, outline, metadata, output) is fpdf2's
public API; each use of an fpdf2 internal says why (fpdf2 is pinned below 3).

Longer than 400 lines on purpose: one class, because the table writer, the running head
and the measuring of text share the document's fonts and their caches.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from fpdf import FPDF
from fpdf.bidi import BidiParagraph
from fpdf.enums import TextDirection
from fpdf.prefs import ViewerPreferences

from app.reports.colours import ink_on, rgb
from app.reports.pdf.fonts import FAMILY, add_fonts, drawable
from app.reports.pdf.tagging import StructureTree, Tag, TaggedOutput, xmp_metadata
from app.scoring import Matrix

MARGIN = 10.0
_TOP = 17.0  # below the running header
_BOTTOM = 200.0  # above the footer
PAGE_WIDTH = 297.0 - 2 * MARGIN
_INK = "#1f1f1f"
_MUTED = "#505a5f"
_RULE = "#b1b4b6"
HEAD = "#e8e9ea"
_PAD_X, _PAD_Y = 1.2, 0.9
_BORDER_STYLE = "0.694 0.706 0.714 RG 0.57 w"  # _RULE, 0.2 mm
_INK_RGB = "0.122 0.122 0.122"  # _INK
DASH = "\u2013"  # en dash: no value
_RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


@dataclass(frozen=True, slots=True)
class GridColumn:
    """A table column: its heading, width in mm and alignment (L, C or R)."""

    title: str
    width: float
    align: str = "L"


@dataclass(frozen=True, slots=True)
class Cell:
    """A table cell with an optional fill colour and bold text."""

    text: str
    fill: str | None = None
    bold: bool = False
    span: int = 1  # how many columns the cell covers (a row with wider cells has fewer of them)


Row = Sequence[str | Cell]
# Who owns each drawn cell's text: an element (TH, TD), for a bulleted cell each line's
# (Lbl or None, LBody), or None for a repeated header row (a pagination artifact).
_Owner = Tag | list[tuple[Tag | None, Tag]] | None
_ARTIFACT = "/Artifact BMC"


class Canvas(FPDF):
    """An A4 landscape page set with running header, page numbers and a fast table writer."""

    def __init__(self, title: str, subtitle: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        # The font is added from memory (see fonts.py); set_font("DejaVu", ...) then finds it.
        self._fonts = add_fonts(self)
        self.set_auto_page_break(False)  # every break is decided here, rows included
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_title(drawable(title))
        self.set_subject(drawable(subtitle))
        self.set_creator("riskreg")
        self.set_lang("en-GB")
        self.viewer_preferences = ViewerPreferences(display_doc_title=True)
        self.set_xmp_metadata(xmp_metadata(drawable(title), drawable(subtitle)))
        # fpdf2's own builder holds a flat tree; this one nests (see tagging.py).
        self.struct_builder = self._tree = StructureTree(self.pages)
        self._running = (drawable(title), drawable(subtitle))
        self.section = ""  # shown in the running header instead of the subtitle when set
        self._sections: list[str] = []  # the section of each page, for its running header
        regular_font, bold_font = self._fonts
        # fpdf2 internal: the font's advance widths (`cw`, in 1/1000 em). The public
        # get_string_width() costs a call per word; these tables measure a word in a sum.
        self._cw: tuple[dict[int, float], dict[int, float]] = (dict(regular_font.cw), dict(bold_font.cw))
        self._encodings: tuple[dict[str, str], dict[str, str]] = ({}, {})
        self._fonts_registered_on = 0
        # Owners, responses, dates and band names repeat on every row: wrap each text once.
        self._wrapped: dict[tuple[str, float, bool, float], list[tuple[float, str]]] = {}
        self._lefts: dict[tuple[tuple[float, ...], float], list[tuple[float, str, str]]] = {}
        self._word_units: tuple[dict[str, float], dict[str, float]] = ({}, {})
        self._style: tuple[bool, float] | None = None
        self._colour: str | None = None

    # -- page furniture --------------------------------------------------------------
    # The running header and "Page n of N" are written once the page count is known, one
    # block of operators per page: fpdf2's header()/footer() with cell() and the {nb}
    # alias cost ~1 ms a page, a fifth of a 500-page report.
    def add_page(self, *args: object, **kwargs: object) -> None:
        """A new page; the current font and colour are set again on it."""
        super().add_page()
        self._style = None
        self._colour = None
        self._sections.append(self.section)
        self.set_y(_TOP if self.page_no() > 1 else MARGIN)

    def finish(self, generated_at: datetime) -> bytes:
        """The document as bytes, dated with the report's generation time (so it is repeatable)."""
        last = self.page
        total = self.pages_count
        k = self.k
        font = self._fonts[False]
        for number in range(1, total + 1):
            self.page = number  # going back to a written page: fpdf2's documented `page` attribute
            # fpdf2 internal: forget that the font was set on the page we left, so that
            # _fonts_on_page() makes it a resource of this one again.
            self.current_font_is_set_on_page = False
            self._fonts_registered_on = 0
            self._fonts_on_page()
            texts = [(297 - MARGIN, 206.5, f"Page {number} of {total}")]
            if number > 1:
                section = self._sections[number - 1] if number <= len(self._sections) else ""
                right = section or self._running[1]
                texts += [(MARGIN, 10.0, self._running[0]), (297 - MARGIN, 10.0, right)]
            # `font.i` is the font's resource number (/F1, /F2) that fpdf2 gives each font.
            ops = [f"/Artifact <</Type /Pagination>> BDC q {_pdf_rgb(_MUTED)} rg BT /F{font.i} 7.50 Tf"]
            for x, y, text in texts:
                if x > 150:  # right-aligned
                    x -= self._width(text, False, 7.5)
                ops.append(f"1 0 0 1 {x * k:.2f} {(self.h - y) * k:.2f} Tm {self._encoded(text, False)}")
            ops.append("ET")
            if number > 1:
                y_rule = (self.h - 12) * k
                ops.append(
                    f"{_BORDER_STYLE} {MARGIN * k:.2f} {y_rule:.2f} m {(297 - MARGIN) * k:.2f} {y_rule:.2f} l S"
                )
            ops.append("Q EMC")
            # fpdf2 internal: _out() appends operators to the current page; fpdf2 has no
            # public call that writes a prepared block of operators.
            self._out("\n".join(ops))
        self.page = last
        self.set_creation_date(generated_at)
        written = bytes(self.output(output_producer_class=TaggedOutput))
        self._tree.release()
        return written

    # -- text blocks -----------------------------------------------------------------
    def title_block(self, title: str, lines: list[str]) -> None:
        """The report title (the H1) and its meta lines at the top of the first page."""
        self._tree.open(self.page, "H1")
        for line in self.wrap(drawable(title), PAGE_WIDTH, True, 18):
            self._use(True, 18, _INK)
            self._tagged_text(MARGIN, self.y + 7, line[1])
            self.set_y(self.y + 8.5)
        self._tree.close()
        self.set_y(self.y + 1)
        for meta in lines:
            self._use(False, 9.5, _MUTED)
            self._tree.open(self.page, "P")
            self._tagged_text(MARGIN, self.y + 4, drawable(meta))
            self._tree.close()
            self.set_y(self.y + 5)
        self.set_y(self.y + 3)

    def heading(self, text: str, level: int = 0) -> None:
        """A section heading (level 0, an H2) or sub-heading (1, an H3), kept with what follows it."""
        size = 13.0 if level == 0 else 11.0
        if self.y + 30 > _BOTTOM:
            self.add_page()
        text = drawable(text)
        self.start_section(text, level=level, strict=False)
        self.set_y(self.y + (3 if level == 0 else 2))
        self._use(True, size, _INK)
        self._tree.open(self.page, f"H{level + 2}")  # the title is the H1
        for _, line in self.wrap(text, PAGE_WIDTH, True, size):
            self._tagged_text(MARGIN, self.y + size * 0.36, line)
            self.set_y(self.y + size * 0.36 + 1.5)
        self._tree.close()
        if level == 0:
            self._out(_ARTIFACT)  # fpdf2 internal, as in finish(): the rule is decoration
            self.set_draw_color(*rgb(_INK))
            self.set_line_width(0.4)
            self.line(MARGIN, self.y, 297 - MARGIN, self.y)
            self.set_line_width(0.2)
            self._out("EMC")
        self.set_y(self.y + 2.5)

    def paragraph(self, text: str, size: float = 9.0) -> None:
        """Wrapped body text."""
        line_h = size * 0.3528 * 1.3
        self._tree.open(self.page, "P")
        for indent, line in self.wrap(drawable(text), PAGE_WIDTH, False, size):
            if self.y + line_h > _BOTTOM:
                self.add_page()
            self._use(False, size, _INK)
            self._tagged_text(MARGIN + indent, self.y + line_h * 0.78, line)
            self.set_y(self.y + line_h)
        self._tree.close()
        self.set_y(self.y + 1.5)

    def _tagged_text(self, x: float, y: float, line: str) -> None:
        """One line of text, marked as content of the element open now."""
        # fpdf2 internal, as in finish(): text() has no way to wrap its operators.
        self._out(f"/{self._tree.open_role} <</MCID {self._tree.mark(self.page)}>> BDC")
        self.text(x, y, line)
        self._out("EMC")

    # -- report sections -------------------------------------------------------------
    # -- the table writer ------------------------------------------------------------
    def grid(
        self,
        columns: list[GridColumn],
        rows: list[Row],
        *,
        x: float = MARGIN,
        caption: str | None = None,
        size: float = 7.5,
        header_fills: Sequence[str | None] | None = None,
        row_headers: bool = False,
    ) -> None:
        """Rows under a header that repeats on every page; cells wrap, long rows split.

        Tagged as a Table: the caption, then a TR per row of TH (scope Column; the first
        cell of each row scope Row when `row_headers`) and TD cells. The header row drawn
        again on a later page is a pagination artifact, read once.
        """
        line_h = size * 0.3528 * 1.2
        fills = header_fills or [None] * len(columns)
        header = self._lay_out(
            columns,
            [Cell(c.title, fill=f or HEAD, bold=True) for c, f in zip(columns, fills, strict=True)],
            size,
        )
        header_lines = max(len(lines) for _, lines in header)
        header_h = header_lines * line_h + 2 * _PAD_Y
        if caption:
            if self.y + 6 + header_h + 3 * line_h > _BOTTOM:
                self.add_page()
            self._use(True, 8.5, _INK)
            self._tree.open(self.page, "Table")
            self._tree.open(self.page, "Caption")
            self._tagged_text(x, self.y + 3.5, drawable(caption))
            self._tree.close()
            self.set_y(self.y + 5)
        if self.y + header_h + 3 * line_h + 2 * _PAD_Y > _BOTTOM:
            self.add_page()
        if not caption:
            self._tree.open(self.page, "Table")
        header_owners = self._row_tags(header, "Column")
        self._draw_row(columns, header, x, 0, header_lines, line_h, size, header_owners)
        for row in rows:
            cells = [c if isinstance(c, Cell) else Cell(c) for c in row]
            row_columns = columns if len(cells) == len(columns) else _spanned(columns, cells)
            laid = self._lay_out(row_columns, cells, size)
            total = max(1, *(len(lines) for _, lines in laid))
            done = 0
            owners: list[_Owner] = []
            while done < total:
                fit = int((_BOTTOM - self.y - 2 * _PAD_Y) / line_h)
                need = total - done
                whole_row_fits_a_page = need * line_h + 2 * _PAD_Y <= _BOTTOM - _TOP - header_h
                if fit < need and (fit < 2 or (done == 0 and whole_row_fits_a_page)):
                    self.add_page()
                    self._draw_row(columns, header, x, 0, header_lines, line_h, size, [None] * len(columns))
                    continue
                if not owners:  # tagged where the row starts, once it is known which page that is
                    owners = self._row_tags(laid, "Row" if row_headers else None)
                count = min(fit, need)
                self._draw_row(row_columns, laid, x, done, count, line_h, size, owners)
                done += count
        self._tree.close()
        self.set_y(self.y + 4)

    def _row_tags(self, laid: list[tuple[Cell, list[tuple[float, str]]]], scope: str | None) -> list[_Owner]:
        """A TR with its cells; `scope` Column makes every cell a TH, Row the first."""
        tree, page = self._tree, self.page
        tree.open(page, "TR")
        roles = [
            ("TH", scope) if scope == "Column" or (scope == "Row" and index == 0) else ("TD", None)
            for index in range(len(laid))
        ]
        cells = tree.cells(page, roles)
        for tag, (cell, _) in zip(cells, laid, strict=True):
            if cell.span > 1:
                tag.colspan = cell.span
        owners: list[_Owner] = list(cells)
        for index, (cell, lines) in enumerate(laid):
            if cell.text.startswith("• "):
                cell_tag = owners[index]
                assert isinstance(cell_tag, Tag)
                owners[index] = self._list_tags(lines, cell_tag)
        tree.close()
        return owners

    def _list_tags(self, lines: list[tuple[float, str]], cell: Tag) -> list[tuple[Tag | None, Tag]]:
        """A bulleted cell (the control measures) as a list, L > LI > Lbl, LBody: each line's owners."""
        tree, page = self._tree, self.page
        tree.enter(cell)
        tree.open(page, "L")
        items: list[tuple[Tag | None, Tag]] = []
        body = cell
        for _, line in lines:
            if line.startswith("• "):
                if body is not cell:
                    tree.close()
                tree.open(page, "LI")
                label = tree.add(page, "Lbl")
                body = tree.add(page, "LBody")
                items.append((label, body))
            else:
                items.append((None, body))
        if body is not cell:
            tree.close()
        tree.close()
        tree.close()
        return items

    def _lay_out(
        self, columns: list[GridColumn], cells: list[Cell], size: float
    ) -> list[tuple[Cell, list[tuple[float, str]]]]:
        laid = []
        for col, cell in zip(columns, cells, strict=True):
            key = (cell.text, col.width, cell.bold, size)
            lines = self._wrapped.get(key)
            if lines is None:
                lines = self.wrap(drawable(cell.text), col.width - 2 * _PAD_X, cell.bold, size)
                self._wrapped[key] = lines
            laid.append((cell, lines))
        return laid

    def _draw_row(
        self,
        columns: list[GridColumn],
        laid: list[tuple[Cell, list[tuple[float, str]]]],
        x: float,
        start: int,
        count: int,
        line_h: float,
        size: float,
        owners: list[_Owner],
    ) -> None:
        """One row (or the slice of its lines that fits) as a single block of PDF operators.

        Writing the row directly is what makes 2,000-risk reports fast: `FPDF.text()` and
        `FPDF.rect()` cost ~30 us a call, and a register row has ~40 lines and 13 cells.
        The block is wrapped in q/Q, so fpdf2's idea of the current colours stays true;
        the fonts are registered on the page by `_fonts_on_page()`. Fills and borders are
        artifacts; each cell's text is marked content of its element in `owners`.
        """
        self._fonts_on_page()
        k = self.k
        top = self.y
        height = count * line_h + 2 * _PAD_Y
        bottom = f" {(self.h - top - height) * k:.2f} "
        tall = f" {height * k:.2f} re"
        lefts = self._column_lefts(columns, x)
        tree, page = self._tree, self.page
        ops = ["/Artifact BMC q"]
        for (cell, _), (_, x_op, w_op) in zip(laid, lefts, strict=True):
            if cell.fill:
                ops.append(f"{_pdf_rgb(cell.fill)} rg {x_op}{bottom}{w_op}{tall} f")
        ops.append(_BORDER_STYLE)
        ops.extend(f"{x_op}{bottom}{w_op}{tall}" for _, x_op, w_op in lefts)
        ops.append("S Q EMC q")
        first_baseline = self.h - (top + _PAD_Y + size * 0.3528 * 0.93)
        leading = f"{line_h * k:.2f} TL"
        for col, (cell, lines), (left, _, _), owner in zip(columns, laid, lefts, owners, strict=True):
            shown = lines[start : start + count] if start or count < len(lines) else lines
            if not shown:
                continue
            font = self._fonts[cell.bold]
            ink = _pdf_rgb(ink_on(cell.fill)) if cell.fill else _INK_RGB
            items = owner[start : start + count] if isinstance(owner, list) else None
            if owner is None:
                ops.append(_ARTIFACT)
            elif isinstance(owner, Tag):
                ops.append(f"/{owner.role} <</MCID {tree.mark(page, owner)}>> BDC")
            ops.append(f"{ink} rg BT /F{font.i} {size:.2f} Tf {leading}")
            if col.align == "L":
                # One absolute move, then T* (next line) or a relative move when the indent changes.
                indent = shown[0][0]
                ops.append(f"{(left + _PAD_X + indent) * k:.2f} {first_baseline * k:.2f} Td")
                for i, (line_indent, line) in enumerate(shown):
                    if i:
                        if line_indent == indent:
                            ops.append("T*")
                        else:
                            ops.append(f"{(line_indent - indent) * k:.2f} {-line_h * k:.2f} Td")
                            indent = line_indent
                    if not line:
                        continue
                    if items is None:
                        ops.append(self._encoded(line, cell.bold))
                        continue
                    label, body = items[i]
                    if label is not None:  # the bullet, then the item's words
                        ops.append(f"/Lbl <</MCID {tree.mark(page, label)}>> BDC")
                        ops.append(self._encoded(line[:2], cell.bold) + " EMC")
                        line = line[2:]
                    ops.append(f"/LBody <</MCID {tree.mark(page, body)}>> BDC")
                    ops.append(self._encoded(line, cell.bold) + " EMC")
            else:
                for i, (_, line) in enumerate(shown):
                    free = col.width - 2 * _PAD_X - self._width(line, cell.bold, size)
                    tx = left + _PAD_X + (free if col.align == "R" else free / 2)
                    ty = first_baseline - i * line_h
                    shown_op = f"1 0 0 1 {tx * k:.2f} {ty * k:.2f} Tm {self._encoded(line, cell.bold)}"
                    if items is not None:  # a centred list: each line is its item's body
                        shown_op = f"/LBody <</MCID {tree.mark(page, items[i][1])}>> BDC {shown_op} EMC"
                    ops.append(shown_op)
            ops.append("ET" if isinstance(owner, list) else "ET EMC")
        ops.append("Q")
        self._out("\n".join(ops))  # fpdf2 internal, as in finish(): no public call writes operators
        self.set_y(top + height)

    def _column_lefts(self, columns: list[GridColumn], x: float) -> list[tuple[float, str, str]]:
        """Left edge of each column, with its x and width already written as PDF numbers."""
        key = (tuple(c.width for c in columns), x)
        lefts = self._lefts.get(key)
        if lefts is None:
            lefts = []
            left = x
            for col in columns:
                lefts.append((left, f"{left * self.k:.2f}", f"{col.width * self.k:.2f}"))
                left += col.width
            self._lefts[key] = lefts
        return lefts

    def _fonts_on_page(self) -> None:
        """Make both styles resources of the current page: fpdf2 registers a font on a page
        when text is first written with it, so write an empty string in each."""
        if self._fonts_registered_on == self.page:
            return
        self._out(_ARTIFACT)  # fpdf2 internal, as in finish(): the empty strings show nothing
        for bold in (True, False):
            self._use(bold, 7.5, _INK)
            self.text(MARGIN, MARGIN, "")
        self._out("EMC")
        self._fonts_registered_on = self.page

    def _encoded(self, line: str, bold: bool) -> str:
        """The line as a show-text operator; glyphs join the font subset on first use."""
        cache = self._encodings[bold]
        op = cache.get(line)
        if op is None:
            # fpdf2 internal: the font's own encoder, which also adds the glyphs to the
            # subset embedded at output; text() would do the same at ~30 us a call.
            op = self._fonts[bold].encode_text(line)
            cache[line] = op
        return op

    # -- measuring and wrapping ------------------------------------------------------
    def wrap(self, text: str, width: float, bold: bool, size: float) -> list[tuple[float, str]]:
        """Lines of `text` no wider than `width` mm, each with its indent; '• ' items hang."""
        limit = width * self.k * 1000 / size
        space = self._units(" ", bold)
        out: list[tuple[float, str]] = []
        for paragraph in text.split("\n"):
            indent_units = self._units("• ", bold) if paragraph.startswith("• ") else 0.0
            words = paragraph.split()
            if not words:
                out.append((0.0, ""))
                continue
            line: list[str] = []
            used = 0.0
            first = True
            for word in words:
                units = self._units(word, bold)
                room = limit - (0.0 if first else indent_units)
                if line and used + space + units <= room:
                    line.append(word)
                    used += space + units
                    continue
                if line:
                    out.append((0.0 if first else indent_units * size / 1000 / self.k, " ".join(line)))
                    first = False
                    room = limit - indent_units
                while units > room:  # a word longer than the column: break it
                    head, word = self._split_word(word, room, bold)
                    out.append((0.0 if first else indent_units * size / 1000 / self.k, head))
                    first = False
                    room = limit - indent_units
                    units = self._units(word, bold)
                line, used = [word], units
            out.append((0.0 if first else indent_units * size / 1000 / self.k, " ".join(line)))
        return [(indent, _visual(line)) for indent, line in out]

    def _split_word(self, word: str, room: float, bold: bool) -> tuple[str, str]:
        cw = self._cw[bold]
        used = 0.0
        for index, char in enumerate(word):
            used += cw.get(ord(char), 500)
            if used > room:
                cut = max(1, index)
                return word[:cut], word[cut:]
        return word, ""

    def _units(self, word: str, bold: bool) -> float:
        cache = self._word_units[bold]
        units = cache.get(word)
        if units is None:
            cw = self._cw[bold]
            units = sum(cw.get(ord(c), 500) for c in word)
            cache[word] = units
        return units

    def _width(self, text: str, bold: bool, size: float) -> float:
        return sum(self._units(w, bold) for w in text.split(" ")) * size / 1000 / self.k + (
            text.count(" ") * self._units(" ", bold) * size / 1000 / self.k
        )

    def _use(self, bold: bool, size: float, colour: str) -> None:
        """Switch font and colour only when they change (each switch is written to the page)."""
        if self._style != (bold, size):
            self.set_font(FAMILY, "B" if bold else "", size)
            self._style = (bold, size)
        if self._colour != colour:
            self.set_text_color(*rgb(colour))
            self._colour = colour


def _visual(line: str) -> str:
    """Right-to-left runs (Hebrew, Arabic) put in display order; fpdf2's text() does not."""
    if _RTL.search(line) is None:
        return line
    try:
        return BidiParagraph(line, base_direction=TextDirection.LTR).get_reordered_string()
    except Exception:  # pragma: no cover - never let reordering stop a report
        return line


def _spanned(columns: list[GridColumn], cells: list[Cell]) -> list[GridColumn]:
    """The columns of a row whose cells may cover several: one column per cell, as wide as
    the columns it covers (aligned as the first of them)."""
    merged = []
    index = 0
    for cell in cells:
        covered = columns[index : index + cell.span]
        merged.append(GridColumn(covered[0].title, sum(c.width for c in covered), covered[0].align))
        index += cell.span
    assert index == len(columns), "a row's cells must cover every column"
    return merged


@lru_cache(maxsize=256)
def _pdf_rgb(colour: str) -> str:
    r, g, b = rgb(colour)
    return f"{r / 255:.3f} {g / 255:.3f} {b / 255:.3f}"


def band_cell(matrix: Matrix, band: str | None, empty: str = "Not assessed") -> Cell:
    """A cell naming the band, filled with its colour and in bold; `empty` when there is none."""
    if not band:
        return Cell(empty)
    return Cell(band, fill=matrix.band(band).colour, bold=True)
