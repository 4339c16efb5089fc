"""PDF reports (fpdf2): the register of one service and the six-monthly review.

Landscape A4, DejaVu Sans embedded (see fonts.py), the same content as the HTML.
Tables are laid out here rather than with fpdf2's `table()`: that API measured about
17 ms a row on this kind of machine (10 s for 600 risks). Here words are measured with
the font's own advance widths, each row is written as one block of PDF operators, header
rows repeat on every page, and a row taller than a page continues on the next one. The
running header and "Page n of N" are added once the page count is known. Everything
else (fonts, images, outline, metadata, output) is fpdf2's.
"""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache

from fontTools.ttLib import TTFont as FontFile
from fpdf import FPDF
from fpdf.bidi import BidiParagraph
from fpdf.enums import TextDirection
from fpdf.fonts import TTFFont

from app.reports.fonts import (
    MOVEMENT_HEADINGS,
    MOVEMENT_ORDER,
    direction_label,
    drawable,
    format_day,
    format_long_day,
    format_moment,
    ink_on,
    pdf_font_files,
    review_scope,
    rgb,
    worst_bands_heading,
)
from app.reports.heatmap import heatmap_description
from app.reports.rows import HeatmapCells, RegisterReport, ReviewReport, RiskRow
from app.scoring import Matrix

_MARGIN = 10.0
_TOP = 17.0  # below the running header
_BOTTOM = 200.0  # above the footer
_PAGE_WIDTH = 297.0 - 2 * _MARGIN
_INK = "#1f1f1f"
_MUTED = "#505a5f"
_RULE = "#b1b4b6"
_HEAD = "#e8e9ea"
_PAD_X, _PAD_Y = 1.2, 0.9
_BORDER_STYLE = "0.694 0.706 0.714 RG 0.57 w"  # _RULE, 0.2 mm
_INK_RGB = "0.122 0.122 0.122"  # _INK
_DASH = "\u2013"  # en dash: no value
_RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


@dataclass(frozen=True, slots=True)
class _Column:
    """A table column: its heading, width in mm and alignment (L, C or R)."""

    title: str
    width: float
    align: str = "L"


@dataclass(frozen=True, slots=True)
class _Cell:
    """A table cell with an optional fill colour and bold text."""

    text: str
    fill: str | None = None
    bold: bool = False


_Row = Sequence[str | _Cell]


def render_register_pdf(report: RegisterReport, heatmap_png: bytes | None = None) -> bytes:
    """The residual-risk register of one service as PDF bytes."""
    title = f"Risk register: {report.service_name}"
    doc = _Document(title, f"As at {format_day(report.as_of)}")
    doc.add_page()
    doc.title_block(
        title,
        [
            f"Residual risks as at {format_long_day(report.as_of)} · service code {report.service_code}",
            f"Generated {format_moment(report.generated_at)} · {len(report.risks)} risks · "
            f"{report.matrix.name}",
        ],
    )
    doc.heading("Heat map of residual risk")
    doc.heatmap(report.matrix, report.heatmap, heatmap_png)
    doc.add_page()
    doc.heading("Register")
    doc.register(report)
    return doc.finish(report.generated_at)


def render_review_pdf(report: ReviewReport, heatmap_png: bytes | None = None) -> bytes:
    """The six-monthly review report as PDF bytes."""
    period = f"{format_long_day(report.start)} to {format_long_day(report.end)} ({report.period_label})"
    doc = _Document(report.title, period)
    doc.add_page()
    doc.title_block(
        report.title,
        [
            f"Period: {period}",
            f"Scope: {review_scope(report)} · {report.matrix.name}",
            f"Generated {format_moment(report.generated_at)}",
        ],
    )
    doc.heading("Heat map at the end of the period")
    doc.paragraph(f"Residual risk of every open risk on {format_long_day(report.end)}.")
    doc.heatmap(report.matrix, report.heatmap, heatmap_png)
    doc.add_page()
    doc.heading("Risks by band and service")
    doc.summary(report)
    doc.heading("Movement in the period")
    doc.paragraph("Residual score at the end of the period compared with the start.")
    for direction in MOVEMENT_ORDER:
        doc.movement(report, direction)
    worst = worst_bands_heading(report.matrix)
    doc.heading(f"{worst} risks ({len(report.high_risks)})")
    if report.high_risks:
        doc.high_risks(report.matrix, report.high_risks)
    else:
        doc.paragraph(f"No {worst} risks at the end of the period.")
    doc.heading(f"Risks not reviewed in the period ({len(report.not_reviewed)})")
    if report.not_reviewed:
        doc.not_reviewed(report.matrix, report.not_reviewed)
    else:
        doc.paragraph("Every open risk was reviewed in the period.")
    for index, register in enumerate(report.registers):
        doc.section = drawable(f"Register: {register.service_name} ({register.service_code})")
        doc.add_page()
        if index == 0:
            doc.heading("Service registers")
        doc.heading(f"{register.service_name} ({register.service_code})", level=1)
        doc.register(register)
    return doc.finish(report.generated_at)


def warm_up_pdf() -> None:
    """Cut and parse the embedded font once (~0.5 s), so the first real PDF is fast."""
    _font_templates()


class _Document(FPDF):
    """An A4 landscape page set with running header, page numbers and a fast table writer."""

    def __init__(self, title: str, subtitle: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        _add_fonts(self)
        self.set_auto_page_break(False)  # every break is decided here, rows included
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_title(drawable(title))
        self.set_subject(drawable(subtitle))
        self.set_creator("riskreg")
        self.set_lang("en-GB")
        self._running = (drawable(title), drawable(subtitle))
        self.section = ""  # shown in the running header instead of the subtitle when set
        self._sections: list[str] = []  # the section of each page, for its running header
        regular_font, bold_font = self.fonts["dejavu"], self.fonts["dejavuB"]
        if not (isinstance(regular_font, TTFFont) and isinstance(bold_font, TTFFont)):
            raise RuntimeError("DejaVu Sans did not load as a TrueType font")
        self._fonts = (regular_font, bold_font)
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
        self.set_y(_TOP if self.page_no() > 1 else _MARGIN)

    def finish(self, generated_at: datetime) -> bytes:
        """The document as bytes, dated with the report's generation time (so it is repeatable)."""
        last = self.page
        total = self.pages_count
        k = self.k
        font = self._fonts[False]
        for number in range(1, total + 1):
            self.page = number
            self.current_font_is_set_on_page = False
            self._fonts_registered_on = 0
            self._fonts_on_page()
            texts = [(297 - _MARGIN, 206.5, f"Page {number} of {total}")]
            if number > 1:
                section = self._sections[number - 1] if number <= len(self._sections) else ""
                right = section or self._running[1]
                texts += [(_MARGIN, 10.0, self._running[0]), (297 - _MARGIN, 10.0, right)]
            ops = [f"q {_pdf_rgb(_MUTED)} rg BT /F{font.i} 7.50 Tf"]
            for x, y, text in texts:
                if x > 150:  # right-aligned
                    x -= self._width(text, False, 7.5)
                ops.append(f"1 0 0 1 {x * k:.2f} {(self.h - y) * k:.2f} Tm {self._encoded(text, False)}")
            ops.append("ET")
            if number > 1:
                y_rule = (self.h - 12) * k
                ops.append(
                    f"{_BORDER_STYLE} {_MARGIN * k:.2f} {y_rule:.2f} m {(297 - _MARGIN) * k:.2f} {y_rule:.2f} l S"
                )
            ops.append("Q")
            self._out("\n".join(ops))
        self.page = last
        self.set_creation_date(generated_at)
        return bytes(self.output())

    # -- text blocks -----------------------------------------------------------------
    def title_block(self, title: str, lines: list[str]) -> None:
        """The report title and its meta lines at the top of the first page."""
        for line in self.wrap(drawable(title), _PAGE_WIDTH, True, 18):
            self._use(True, 18, _INK)
            self.text(_MARGIN, self.y + 7, line[1])
            self.set_y(self.y + 8.5)
        self.set_y(self.y + 1)
        for meta in lines:
            self._use(False, 9.5, _MUTED)
            self.text(_MARGIN, self.y + 4, drawable(meta))
            self.set_y(self.y + 5)
        self.set_y(self.y + 3)

    def heading(self, text: str, level: int = 0) -> None:
        """A section heading (level 0) or sub-heading (1), kept with what follows it."""
        size = 13.0 if level == 0 else 11.0
        if self.y + 30 > _BOTTOM:
            self.add_page()
        text = drawable(text)
        self.start_section(text, level=level, strict=False)
        self.set_y(self.y + (3 if level == 0 else 2))
        self._use(True, size, _INK)
        for _, line in self.wrap(text, _PAGE_WIDTH, True, size):
            self.text(_MARGIN, self.y + size * 0.36, line)
            self.set_y(self.y + size * 0.36 + 1.5)
        if level == 0:
            self.set_draw_color(*rgb(_INK))
            self.set_line_width(0.4)
            self.line(_MARGIN, self.y, 297 - _MARGIN, self.y)
            self.set_line_width(0.2)
        self.set_y(self.y + 2.5)

    def paragraph(self, text: str, size: float = 9.0) -> None:
        """Wrapped body text."""
        line_h = size * 0.3528 * 1.3
        for indent, line in self.wrap(drawable(text), _PAGE_WIDTH, False, size):
            if self.y + line_h > _BOTTOM:
                self.add_page()
            self._use(False, size, _INK)
            self.text(_MARGIN + indent, self.y + line_h * 0.78, line)
            self.set_y(self.y + line_h)
        self.set_y(self.y + 1.5)

    # -- report sections -------------------------------------------------------------
    def heatmap(self, matrix: Matrix, cells: HeatmapCells, png: bytes | None) -> None:
        """The heat map picture beside its text alternative, a table of the same counts."""
        top = self.y
        table_x = _MARGIN
        picture_bottom = top
        if png:
            width = 128.0
            description = heatmap_description(matrix, cells)
            info = self.image(io.BytesIO(png), x=_MARGIN, y=top, w=width, alt_text=description)
            picture_bottom = top + info.rendered_height
            table_x = _MARGIN + width + 8
        self.set_y(top)
        span = 297 - _MARGIN - table_x
        first = 34.0
        other = min(30.0, (span - first) / len(matrix.impact))
        columns = [_Column("Likelihood / Impact", first)]
        columns += [_Column(f"{lv.label} ({lv.score})", other, "C") for lv in matrix.impact]
        rows: list[_Row] = []
        for lv in reversed(matrix.likelihood):
            row: list[str | _Cell] = [_Cell(f"{lv.label} ({lv.score})", bold=True)]
            for iv in matrix.impact:
                cell = matrix.cell(lv.score, iv.score)
                refs = cells.cells.get((lv.score, iv.score), ())
                shown = ", ".join(refs[:8]) + (f" +{len(refs) - 8} more" if len(refs) > 8 else "")
                text = f"{len(refs)}\n{cell.band.name} {cell.score}" + (f"\n{shown}" if refs else "")
                row.append(_Cell(text, fill=cell.band.colour))
            rows.append(row)
        self.grid(columns, rows, x=table_x, caption="Heat map as a table", size=7.5)
        self.set_y(max(self.y, picture_bottom + 4))

    def register(self, report: RegisterReport) -> None:
        """The register table of one service."""
        self.paragraph("Residual assessment: L likelihood, I impact, score = L \u00d7 I.", size=8)
        columns = [
            _Column("Ref", 16),
            _Column("Risk", 30),
            _Column("Consequence", 32),
            _Column("Control measures", 54),
            _Column("Response", 17),
            _Column("Owner", 22),
            _Column("L", 7, "C"),
            _Column("I", 7, "C"),
            _Column("Score", 11, "C"),
            _Column("Band", 17),
            _Column("Last review", 20),
            _Column("Next review due", 23),
            _Column("Direction", 21),
        ]
        rows: list[_Row] = []
        for r in report.risks:
            a = r.residual
            rows.append(
                [
                    _Cell(_ref(r), bold=True),
                    r.title,
                    r.consequence,
                    _controls(r.controls),
                    r.response.capitalize(),
                    r.owner,
                    str(a.likelihood) if a else "",
                    str(a.impact) if a else "",
                    str(a.score) if a else "",
                    _band(report.matrix, a.band if a else None),
                    format_day(r.last_reviewed_on) or "Never",
                    _due(r),
                    direction_label(r.direction),
                ]
            )
        if not rows:
            self.paragraph("No risks on the register.")
            return
        self.grid(columns, rows, caption=f"Residual-risk register of {report.service_name}")

    def summary(self, report: ReviewReport) -> None:
        """Counts of open risks by band per service, with a total row."""
        bands = report.matrix.bands
        columns = [_Column("Service", 70)]
        columns += [_Column(b.name, 24, "R") for b in bands]
        columns += [_Column("Unassessed", 24, "R"), _Column("Total", 20, "R")]
        header_fills = [None] + [b.colour for b in bands] + [None, None]
        rows: list[_Row] = []
        for s in report.summaries:
            counts = [str(s.counts_by_band.get(b.name, 0)) for b in bands]
            rows.append([s.service_name, *counts, str(s.unassessed), str(s.total)])
        total_label = "Council total" if report.service_code is None else "Total"
        totals = [str(sum(s.counts_by_band.get(b.name, 0) for s in report.summaries)) for b in bands]
        unassessed = str(sum(s.unassessed for s in report.summaries))
        total = str(sum(s.total for s in report.summaries))
        rows.append([_Cell(t, fill=_HEAD, bold=True) for t in (total_label, *totals, unassessed, total)])
        self.grid(
            columns,
            rows,
            caption=f"Open risks by residual band at {format_long_day(report.end)}",
            header_fills=header_fills,
        )

    def movement(self, report: ReviewReport, direction: str) -> None:
        """One movement group: previous and current score and band of each risk."""
        moves = report.movements.get(direction, [])
        self.heading(f"{MOVEMENT_HEADINGS[direction]} ({len(moves)})", level=1)
        if not moves:
            self.paragraph("None.")
            return
        columns = [
            _Column("Ref", 18),
            _Column("Service", 40),
            _Column("Risk", 109),
            _Column("Previous score", 18, "C"),
            _Column("Previous band", 24),
            _Column("Current score", 18, "C"),
            _Column("Current band", 24),
            _Column("Direction", 26),
        ]
        rows: list[_Row] = [
            [
                _Cell(_ref(m.risk), bold=True),
                m.risk.service_name,
                m.risk.title,
                _DASH if m.previous_score is None else str(m.previous_score),
                _band(report.matrix, m.previous_band, empty=_DASH),
                _DASH if m.current_score is None else str(m.current_score),
                _band(report.matrix, m.current_band, empty=_DASH),
                direction_label(m.direction),
            ]
            for m in moves
        ]
        self.grid(columns, rows)

    def high_risks(self, matrix: Matrix, risks: list[RiskRow]) -> None:
        """The worst risks with their controls and response."""
        columns = [
            _Column("Ref", 16),
            _Column("Service", 28),
            _Column("Risk", 34),
            _Column("Consequence", 42),
            _Column("Control measures", 62),
            _Column("Response", 17),
            _Column("Owner", 24),
            _Column("Score", 11, "C"),
            _Column("Band", 17),
            _Column("Direction", 26),
        ]
        rows: list[_Row] = [
            [
                _Cell(_ref(r), bold=True),
                r.service_name,
                r.title,
                r.consequence,
                _controls(r.controls),
                r.response.capitalize(),
                r.owner,
                str(r.residual.score) if r.residual else "",
                _band(matrix, r.residual.band if r.residual else None),
                direction_label(r.direction),
            ]
            for r in risks
        ]
        self.grid(columns, rows)

    def not_reviewed(self, matrix: Matrix, risks: list[RiskRow]) -> None:
        """Open risks with no review in the period."""
        columns = [
            _Column("Ref", 16),
            _Column("Service", 40),
            _Column("Risk", 90),
            _Column("Owner", 45),
            _Column("Score", 12, "C"),
            _Column("Band", 20),
            _Column("Last review", 24),
            _Column("Next review due", 30),
        ]
        rows: list[_Row] = [
            [
                _Cell(_ref(r), bold=True),
                r.service_name,
                r.title,
                r.owner,
                str(r.residual.score) if r.residual else "",
                _band(matrix, r.residual.band if r.residual else None),
                format_day(r.last_reviewed_on) or "Never",
                _due(r),
            ]
            for r in risks
        ]
        self.grid(columns, rows)

    # -- the table writer ------------------------------------------------------------
    def grid(
        self,
        columns: list[_Column],
        rows: list[_Row],
        *,
        x: float = _MARGIN,
        caption: str | None = None,
        size: float = 7.5,
        header_fills: Sequence[str | None] | None = None,
    ) -> None:
        """Rows under a header that repeats on every page; cells wrap, long rows split."""
        line_h = size * 0.3528 * 1.2
        fills = header_fills or [None] * len(columns)
        header = self._lay_out(
            columns,
            [_Cell(c.title, fill=f or _HEAD, bold=True) for c, f in zip(columns, fills, strict=True)],
            size,
        )
        header_lines = max(len(lines) for _, lines in header)
        header_h = header_lines * line_h + 2 * _PAD_Y
        if caption:
            if self.y + 6 + header_h + 3 * line_h > _BOTTOM:
                self.add_page()
            self._use(True, 8.5, _INK)
            self.text(x, self.y + 3.5, drawable(caption))
            self.set_y(self.y + 5)
        if self.y + header_h + 3 * line_h + 2 * _PAD_Y > _BOTTOM:
            self.add_page()
        self._draw_row(columns, header, x, 0, header_lines, line_h, size)
        for row in rows:
            laid = self._lay_out(columns, [c if isinstance(c, _Cell) else _Cell(c) for c in row], size)
            total = max(1, *(len(lines) for _, lines in laid))
            done = 0
            while done < total:
                fit = int((_BOTTOM - self.y - 2 * _PAD_Y) / line_h)
                need = total - done
                whole_row_fits_a_page = need * line_h + 2 * _PAD_Y <= _BOTTOM - _TOP - header_h
                if fit < need and (fit < 2 or (done == 0 and whole_row_fits_a_page)):
                    self.add_page()
                    self._draw_row(columns, header, x, 0, header_lines, line_h, size)
                    continue
                count = min(fit, need)
                self._draw_row(columns, laid, x, done, count, line_h, size)
                done += count
        self.set_y(self.y + 4)

    def _lay_out(
        self, columns: list[_Column], cells: list[_Cell], size: float
    ) -> list[tuple[_Cell, list[tuple[float, str]]]]:
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
        columns: list[_Column],
        laid: list[tuple[_Cell, list[tuple[float, str]]]],
        x: float,
        start: int,
        count: int,
        line_h: float,
        size: float,
    ) -> None:
        """One row (or the slice of its lines that fits) as a single block of PDF operators.

        Writing the row directly is what makes 2,000-risk reports fast: `FPDF.text()` and
        `FPDF.rect()` cost ~30 us a call, and a register row has ~40 lines and 13 cells.
        The block is wrapped in q/Q, so fpdf2's idea of the current colours stays true;
        the fonts are registered on the page by `_fonts_on_page()`.
        """
        self._fonts_on_page()
        k = self.k
        top = self.y
        height = count * line_h + 2 * _PAD_Y
        bottom = f" {(self.h - top - height) * k:.2f} "
        tall = f" {height * k:.2f} re"
        lefts = self._column_lefts(columns, x)
        ops = ["q"]
        for (cell, _), (_, x_op, w_op) in zip(laid, lefts, strict=True):
            if cell.fill:
                ops.append(f"{_pdf_rgb(cell.fill)} rg {x_op}{bottom}{w_op}{tall} f")
        ops.append(_BORDER_STYLE)
        ops.extend(f"{x_op}{bottom}{w_op}{tall}" for _, x_op, w_op in lefts)
        ops.append("S")
        first_baseline = self.h - (top + _PAD_Y + size * 0.3528 * 0.93)
        leading = f"{line_h * k:.2f} TL"
        for col, (cell, lines), (left, _, _) in zip(columns, laid, lefts, strict=True):
            shown = lines[start : start + count] if start or count < len(lines) else lines
            if not shown:
                continue
            font = self._fonts[cell.bold]
            ink = _pdf_rgb(ink_on(cell.fill)) if cell.fill else _INK_RGB
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
                    if line:
                        ops.append(self._encoded(line, cell.bold))
            else:
                for i, (_, line) in enumerate(shown):
                    free = col.width - 2 * _PAD_X - self._width(line, cell.bold, size)
                    tx = left + _PAD_X + (free if col.align == "R" else free / 2)
                    ty = first_baseline - i * line_h
                    ops.append(f"1 0 0 1 {tx * k:.2f} {ty * k:.2f} Tm {self._encoded(line, cell.bold)}")
            ops.append("ET")
        ops.append("Q")
        self._out("\n".join(ops))
        self.set_y(top + height)

    def _column_lefts(self, columns: list[_Column], x: float) -> list[tuple[float, str, str]]:
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
        for bold in (True, False):
            self._use(bold, 7.5, _INK)
            self.text(_MARGIN, _MARGIN, "")
        self._fonts_registered_on = self.page

    def _encoded(self, line: str, bold: bool) -> str:
        """The line as a show-text operator; glyphs join the font subset on first use."""
        cache = self._encodings[bold]
        op = cache.get(line)
        if op is None:
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
            self.set_font("DejaVu", "B" if bold else "", size)
            self._style = (bold, size)
        if self._colour != colour:
            self.set_text_color(*rgb(colour))
            self._colour = colour


def _add_fonts(doc: FPDF) -> None:
    """DejaVu Sans regular and bold, copied from fonts parsed once per process.

    `add_font()` parses the font file each time (~40% of a short register's time).
    fpdf2's TTFFont supports deepcopy but shares the parsed file, which the output step
    subsets in place, so each copy gets its own freshly opened (lazy) file.
    """
    try:
        for key, template in _font_templates().items():
            font = copy.deepcopy(template)
            font.ttfont = FontFile(str(template.ttffile), recalcTimestamp=False, lazy=True)
            font.i = len(doc.fonts) + 1
            doc.fonts[key] = font
    except (AttributeError, TypeError):  # pragma: no cover - an fpdf2 without these internals
        doc.fonts.clear()
        regular, bold = pdf_font_files()
        doc.add_font("DejaVu", "", str(regular))
        doc.add_font("DejaVu", "B", str(bold))


@cache
def _font_templates() -> dict[str, TTFFont]:
    holder = FPDF()
    regular, bold = pdf_font_files()
    holder.add_font("DejaVu", "", str(regular))
    holder.add_font("DejaVu", "B", str(bold))
    fonts = {key: font for key, font in holder.fonts.items() if isinstance(font, TTFFont)}
    if set(fonts) != {"dejavu", "dejavuB"}:
        raise RuntimeError("DejaVu Sans did not load as a TrueType font")
    return fonts


def _visual(line: str) -> str:
    """Right-to-left runs (Hebrew, Arabic) put in display order; fpdf2's text() does not."""
    if _RTL.search(line) is None:
        return line
    try:
        return BidiParagraph(line, base_direction=TextDirection.LTR).get_reordered_string()
    except Exception:  # pragma: no cover - never let reordering stop a report
        return line


@lru_cache(maxsize=256)
def _pdf_rgb(colour: str) -> str:
    r, g, b = rgb(colour)
    return f"{r / 255:.3f} {g / 255:.3f} {b / 255:.3f}"


def _ref(r: RiskRow) -> str:
    parts = [r.ref]
    if r.aliases:
        parts.append("(" + ", ".join(r.aliases) + ")")
    if r.status == "closed":
        parts.append("Closed")
    return "\n".join(parts)


def _controls(controls: tuple[str, ...]) -> str:
    return "\n".join(f"• {c}" for c in controls) if controls else "None recorded"


def _band(matrix: Matrix, band: str | None, empty: str = "Not assessed") -> _Cell:
    if not band:
        return _Cell(empty)
    return _Cell(band, fill=matrix.band(band).colour, bold=True)


def _due(r: RiskRow) -> _Cell:
    due = format_day(r.next_review_due)
    if r.overdue:
        return _Cell(f"Overdue\n{due}".strip(), bold=True)
    return _Cell(due)
