"""XLSX workbooks (XlsxWriter, in memory): the register of one service and the six-monthly review.

Every piece of user text is written with `write_string`, and the workbook is opened
with `strings_to_formulas`, `strings_to_urls` and `strings_to_numbers` off, so a title
such as `=1+1` or `@SUM(A1)` stays text and is never evaluated. Band cells are filled
with the band colour (and carry the band name), dates are real Excel dates, every
table has a frozen header row and an autofilter.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar, cast

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from app.reports import columns as risk_columns
from app.reports.colours import ink_on
from app.reports.columns import Column, Kind, action_lines, columns_for, report_actions
from app.reports.printable import printable
from app.reports.rows import NOT_ASSESSED, AssessmentRow, RegisterReport, ReviewReport
from app.reports.words import (
    MOVEMENT_ORDER,
    appetite_basis,
    band_name,
    band_words,
    direction_label,
    format_long_day,
    period_line,
    produced,
    report_date_line,
    review_scope,
    short_assessment,
    summary_lines,
    worst_bands_heading,
)
from app.scoring import Matrix

_HEAD = "#e8e9ea"
_RULE = "#b1b4b6"
_INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_RESERVED_SHEET_NAMES = {"history"}

Row = TypeVar("Row")

#: A cell value: text, a whole number, a date, or nothing.
Value = str | int | date | None


@dataclass(frozen=True, slots=True)
class _Column:
    title: str
    width: float


@dataclass(frozen=True, slots=True)
class _Band:
    """A cell that shows a band name filled with the band colour."""

    name: str | None
    text: str | None = None  # the words, when not just the name (a rating kept as published)

    @classmethod
    def of(cls, value: str | AssessmentRow | None) -> _Band:
        """The cell of a band column's value: a band's name, or a published rating's assessment."""
        return cls(None) if value is None else cls(band_name(value), band_words(value))


def render_register_xlsx(report: RegisterReport) -> bytes:
    """The residual-risk register of one service as an XLSX workbook, its actions on a second sheet."""
    out = io.BytesIO()
    book = _workbook(out, f"Risk register: {report.service_name}", report.generated_at)
    styles = _Styles(book, report.matrix)
    sheet = book.add_worksheet(sheet_name(report.service_name, {"actions"}))
    _register_sheet(sheet, styles, report)
    _risk_table(book.add_worksheet("Actions"), styles, risk_columns.ACTIONS, action_lines(report.risks))
    book.close()
    return out.getvalue()


def render_review_xlsx(report: ReviewReport) -> bytes:
    """The six-monthly review report as an XLSX workbook: summary, exceptions, movement, the worst
    risks and their actions, the long-standing, not reviewed and overdue lists, one register
    sheet per service."""
    out = io.BytesIO()
    book = _workbook(out, report.title, report.generated_at)
    styles = _Styles(book, report.matrix)
    _summary_sheet(book.add_worksheet("Summary"), styles, report)
    _risk_table(book.add_worksheet("Exceptions"), styles, risk_columns.EXCEPTIONS, report.exceptions)
    _movement_sheet(book.add_worksheet("Movement"), styles, report)
    _high_risks_sheet(book.add_worksheet("High risks"), styles, report)
    _risk_table(book.add_worksheet("Actions"), styles, risk_columns.ACTIONS, report_actions(report))
    lists = (
        ("Long-standing", report.long_standing),
        ("Not reviewed", report.not_reviewed),
        ("Overdue", report.overdue),
        ("Above appetite", report.above_appetite),
    )
    for name, rows in lists:
        _risk_table(book.add_worksheet(name), styles, risk_columns.NOT_REVIEWED, rows)
    _risk_table(book.add_worksheet("Escalations"), styles, risk_columns.ESCALATIONS, report.escalations)
    taken = {"summary", "exceptions", "movement", "high risks", "actions", "escalations"}
    taken |= {n.casefold() for n, _ in lists}
    for register in report.registers:
        name = sheet_name(register.service_name or register.service_code, taken)
        taken.add(name.casefold())
        _register_sheet(book.add_worksheet(name), styles, register)
    book.close()
    return out.getvalue()


def sheet_name(wanted: str, taken: set[str]) -> str:
    """A valid, unused worksheet name: at most 31 characters, none of []:*?/\\, not
    'History', no leading or trailing apostrophe, unique ignoring case among `taken`
    (names already used, casefolded)."""
    base = _INVALID_SHEET_CHARS.sub(" ", printable(wanted)).replace("\n", " ").replace("\t", " ")
    base = " ".join(base.split()).strip("'").strip() or "Register"
    if base.casefold() in _RESERVED_SHEET_NAMES:
        base = f"{base} register"
    name = base[:31].rstrip("' ")
    number = 2
    while name.casefold() in taken:
        suffix = f" ({number})"
        name = base[: 31 - len(suffix)].rstrip("' ") + suffix
        number += 1
    return name


class _Styles:
    """The workbook's cell formats, one per band colour."""

    def __init__(self, book: Workbook, matrix: Matrix) -> None:
        self.matrix = matrix
        common = {"valign": "top", "border": 1, "border_color": _RULE, "font_size": 10}
        self.header = book.add_format({**common, "bold": True, "bg_color": _HEAD, "text_wrap": True})
        self.text = book.add_format({**common, "text_wrap": True})
        self.bold = book.add_format({**common, "text_wrap": True, "bold": True})
        self.number = book.add_format({**common, "align": "center"})
        self.date = book.add_format({**common, "num_format": "dd mmm yyyy", "align": "left"})
        self.total = book.add_format({**common, "bold": True, "bg_color": _HEAD})
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.meta = book.add_format({"font_color": "#505a5f"})
        self.bands: dict[str, Format] = {}  # band cells
        self.band_headers: dict[str, Format] = {}  # band column headings
        for band in matrix.bands:
            colours = {"bg_color": band.colour, "font_color": ink_on(band.colour), "pattern": 1}
            self.bands[band.name] = book.add_format({**common, **colours, "bold": True, "text_wrap": True})
            self.band_headers[band.name] = book.add_format(
                {**common, **colours, "bold": True, "text_wrap": True}
            )


def _workbook(out: io.BytesIO, title: str, created: datetime) -> Workbook:
    book = xlsxwriter.Workbook(
        out,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    if created.tzinfo is not None:  # Excel keeps local times without a zone: store UTC
        created = created.astimezone(UTC).replace(tzinfo=None)
    book.set_properties({"title": printable(title), "author": "riskreg", "created": created})
    return book


def _table(
    sheet: Worksheet,
    styles: _Styles,
    first_row: int,
    columns: Sequence[_Column],
    rows: Sequence[Sequence[Value | _Band]],
    *,
    header_formats: Sequence[Format | None] | None = None,
) -> int:
    """Header row (frozen, filtered, repeated when printed) and rows from `first_row`;
    returns the next free row."""
    for col, column in enumerate(columns):
        fmt = (header_formats[col] if header_formats else None) or styles.header
        sheet.write_string(first_row, col, column.title, fmt)
        sheet.set_column(col, col, column.width)
    for row_index, row in enumerate(rows, start=first_row + 1):
        for col, value in enumerate(row):
            _write(sheet, row_index, col, value, styles)
    last = first_row + len(rows)
    sheet.freeze_panes(first_row + 1, 0)
    sheet.autofilter(first_row, 0, last, len(columns) - 1)
    sheet.repeat_rows(first_row)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    return last + 1


def _write(sheet: Worksheet, row: int, col: int, value: Value | _Band, styles: _Styles) -> None:
    if isinstance(value, _Band):
        if value.name:
            text = printable(value.text or value.name)
            sheet.write_string(row, col, text, styles.bands.get(value.name, styles.bold))
        else:
            sheet.write_blank(row, col, None, styles.text)
    elif value is None or value == "":
        sheet.write_blank(row, col, None, styles.text)
    elif isinstance(value, int):
        sheet.write_number(row, col, value, styles.number)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, value, styles.date)
    else:
        sheet.write_string(row, col, printable(value), styles.text)


def _register_sheet(sheet: Worksheet, styles: _Styles, report: RegisterReport) -> None:
    version = f" · appetite statement version {report.appetite.version}" if report.appetite else ""
    sheet.set_header(f"&L{_header_text(report.service_name)}&RAs at {format_long_day(report.as_of)}{version}")
    sheet.set_footer("&CPage &P of &N")
    _risk_table(sheet, styles, risk_columns.REGISTER, report.risks)


def _risk_table(
    sheet: Worksheet,
    styles: _Styles,
    table: tuple[Column[Row], ...],
    rows: Sequence[Row],
    lead: tuple[_Column, Callable[[Row], Value]] | None = None,
) -> None:
    """The columns of `table` from row 0, after a `lead` column (heading, value) when given."""
    shown = columns_for(table, "xlsx")
    heads = [_Column(c.heading("xlsx"), c.xlsx_width) for c in shown]
    readers = [(c.value, _CELLS[c.kind]) for c in shown]
    values = [[cell(read(row)) for read, cell in readers] for row in rows]
    if lead is not None:
        heads.insert(0, lead[0])
        for row, cells in zip(rows, values, strict=True):
            cells.insert(0, lead[1](row))
    _table(sheet, styles, 0, heads, values)


def _as_is(value: Any) -> Value:
    return cast(Value, value)


#: How each kind of column value (see columns.py) is written: a band filled with its
#: colour, words capitalised, the overdue flag as a word; text, numbers and days as they are.
_CELLS: dict[Kind, Callable[[Any], Value | _Band]] = {
    "text": _as_is,
    "number": _as_is,
    "day": _as_is,
    "ref": lambda ref: str(ref.ref),
    "controls": "\n".join,
    "word": lambda word: str(word).replace("_", " ").capitalize(),
    "band": _Band.of,
    "due": lambda due: cast(Value, due.day),
    "flag": lambda overdue: "Overdue" if overdue else "",
    "direction": direction_label,
    "assessment": lambda value: "" if value is None else short_assessment(value),
}


def _summary_sheet(sheet: Worksheet, styles: _Styles, report: ReviewReport) -> None:
    """The basis, the band counts now and at the previous period's end, the summary counts,
    and the counts by service."""
    sheet.write_string(0, 0, printable(report.title), styles.title)
    meta = [
        period_line(report),
        report_date_line(report),
        f"Scope: {review_scope(report)} · matrix: {report.matrix.name}",
        appetite_basis(report.appetite),
        produced(report),
    ]
    for row, line in enumerate(meta, start=1):
        sheet.write_string(row, 0, printable(line), styles.meta)
    summary = report.summary
    first = len(meta) + 2
    previous = format_long_day(report.previous_end) if report.previous_end else "Previous period"
    band_rows: list[list[Value | _Band]] = [
        [_Band(b.name), summary.previous_bands.get(b.name, 0), summary.bands[b.name]]
        for b in report.matrix.bands
    ]
    band_rows.append([NOT_ASSESSED, summary.previous_bands.get(NOT_ASSESSED, 0), summary.bands[NOT_ASSESSED]])
    band_rows.append(["Open risks", sum(summary.previous_bands.values()), sum(summary.bands.values())])
    heads = [_Column("Band", 34), _Column(previous, 18), _Column(format_long_day(report.report_date), 18)]
    after = _write_rows(sheet, styles, first, heads, band_rows)
    counts: list[list[Value | _Band]] = [[label, count] for label, count in summary_lines(report)]
    after = _write_rows(
        sheet, styles, after + 1, [_Column("In the period", 34), _Column("Risks", 18)], counts
    )
    bands = report.matrix.bands
    columns = [_Column("Service", 34)]
    columns += [_Column(b.name, 18) for b in bands]
    columns += [_Column(NOT_ASSESSED, 18), _Column("Total", 18)]
    header_formats = [None, *(styles.band_headers[b.name] for b in bands), None, None]
    rows: list[list[Value | _Band]] = []
    for s in report.summaries:
        per_band: list[Value | _Band] = [s.counts_by_band.get(b.name, 0) for b in bands]
        rows.append([s.service_name, *per_band, s.unassessed, s.total])
    label = "Council total" if report.service_code is None else "Total"
    totals: list[Value | _Band] = [
        sum(s.counts_by_band.get(b.name, 0) for s in report.summaries) for b in bands
    ]
    totals += [sum(s.unassessed for s in report.summaries), sum(s.total for s in report.summaries)]
    rows.append([label, *totals])
    _write_rows(sheet, styles, after + 1, columns, rows, header_formats=header_formats)


def _write_rows(
    sheet: Worksheet,
    styles: _Styles,
    first_row: int,
    columns: Sequence[_Column],
    rows: Sequence[Sequence[Value | _Band]],
    *,
    header_formats: Sequence[Format | None] | None = None,
) -> int:
    """A small table (a header row, then rows) from `first_row`; returns the next free row."""
    for col, column in enumerate(columns):
        fmt = (header_formats[col] if header_formats else None) or styles.header
        sheet.write_string(first_row, col, printable(column.title), fmt)
        sheet.set_column(col, col, max(column.width, 12))
    for row_index, row in enumerate(rows, start=first_row + 1):
        for col, value in enumerate(row):
            _write(sheet, row_index, col, value, styles)
    return first_row + len(rows) + 1


def _movement_sheet(sheet: Worksheet, styles: _Styles, report: ReviewReport) -> None:
    moves = [m for direction in MOVEMENT_ORDER for m in report.movements.get(direction, [])]
    lead = (_Column("Direction of travel", 14), lambda m: direction_label(m.direction))
    _risk_table(sheet, styles, risk_columns.MOVEMENT, moves, lead)


def _high_risks_sheet(sheet: Worksheet, styles: _Styles, report: ReviewReport) -> None:
    sheet.set_header(f"&L{_header_text(worst_bands_heading(report.matrix))} risks")
    _risk_table(sheet, styles, risk_columns.HIGH_RISKS, report.high_risks)


def _not_reviewed_sheet(sheet: Worksheet, styles: _Styles, report: ReviewReport) -> None:
    _risk_table(sheet, styles, risk_columns.NOT_REVIEWED, report.not_reviewed)


def _header_text(text: str) -> str:
    """Text safe inside an Excel page header: '&' doubled, at most 200 characters."""
    return printable(text).replace("&", "&&").replace("\n", " ")[:200]


def render_rows_xlsx(
    title: str,
    sheet_title: str,
    matrix: Matrix,
    generated_at: datetime,
    table: tuple[Column[Row], ...],
    rows: Sequence[Row],
) -> bytes:
    """One sheet of any report table (its columns, see columns.py): the corporate register."""
    out = io.BytesIO()
    book = _workbook(out, title, generated_at)
    styles = _Styles(book, matrix)
    sheet = book.add_worksheet(sheet_name(sheet_title, set()))
    sheet.set_header(f"&L{_header_text(title)}")
    sheet.set_footer("&CPage &P of &N")
    _risk_table(sheet, styles, table, rows)
    book.close()
    return out.getvalue()
