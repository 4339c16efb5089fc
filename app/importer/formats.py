"""A plan's bytes as the text the parser reads: text in any of the encodings councils save,
a Word document (.docx) or a workbook (.xlsx), told apart by their bytes, never their name.

Text: UTF-8 (with or without a BOM), UTF-16 with a BOM (Word's "Unicode Text"), else
Windows-1252. A .docx is read with python-docx: its paragraphs are lines and each table row
a markdown pipe row, cells at the columns of the table's header row (a cell merged across
columns sits in its first; the two halves of a split cell are joined into their header's
column; a cell merged down from the row above is empty, so the row reads as a continuation
of the risk above, as a row broken across pages does). A .xlsx is read with openpyxl: each
sheet's rows as pipe rows, dates as ISO dates, and the sheet's name as the service's name
for a sheet without a title (riskreg's own register export).

Errors: PlanError naming what the bytes are when they are no plan riskreg can read.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.importer.plan import PlanError
from app.importer.tables import read_header, split_cells

MAX_PLAN_BYTES = 5_000_000
# A .docx or .xlsx unpacks to far more than its size, but not to this: past it, a zip bomb.
MAX_UNPACKED_BYTES = 100_000_000
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DEFAULT_SHEET = re.compile(r"(?:sheet|tabelle|feuil|hoja)\s*\d*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Document:
    """A plan's text, the format it came in, and a service name it gives outside its text."""

    text: str
    format: str  # text | docx | xlsx
    name: str | None = None


def read_document(raw: bytes) -> Document:
    """The text of a plan's bytes, whatever of the formats above it is in."""
    if len(raw) > MAX_PLAN_BYTES:
        raise PlanError(
            f"the document is {len(raw):,} bytes; plans larger than {MAX_PLAN_BYTES:,} are refused"
        )
    if raw.startswith(b"PK\x03\x04"):
        return _office(raw)
    if raw.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise PlanError(
            "the document is a Word 97-2003 (.doc) or Excel 97-2003 (.xls) file: save it as .docx or "
            ".xlsx (or as text) and import that"
        )
    if raw.startswith(b"%PDF"):
        raise PlanError("the document is a PDF: import the Word (.docx) plan or its text instead")
    return Document(decode_text(raw), "text")


def decode_text(raw: bytes) -> str:
    """Text in UTF-8 (BOM or none), UTF-16 or UTF-32 with a BOM, else Windows-1252."""
    for bom, encoding in (
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if raw.startswith(bom):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise PlanError(
                    f"the document starts with a {encoding.upper()} byte order mark but is not "
                    f"{encoding.upper()} text (byte {exc.start:,} cannot be read)"
                ) from exc
    if b"\x00" in raw[:8192]:
        raise PlanError(
            "the document is binary, not text (nor UTF-16 text with a byte order mark, nor a .docx or "
            ".xlsx): save the plan as text, .docx or .xlsx"
        )
    for encoding in ("utf-8", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PlanError("the document is neither UTF-8, UTF-16 nor Windows-1252 text")


def _office(raw: bytes) -> Document:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        names = set(archive.namelist())
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise PlanError(
            "the document is a damaged zip archive (a .docx or .xlsx that cannot be opened)"
        ) from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise PlanError(f"the document unpacks to {unpacked:,} bytes; no plan is that large")
    try:
        if "word/document.xml" in names:
            return Document(_docx_text(raw), "docx")
        if "xl/workbook.xml" in names:
            text, name = _xlsx_text(raw)
            return Document(text, "xlsx", name)
    except PlanError:
        raise
    except Exception as exc:  # the libraries raise many kinds for a damaged file
        raise PlanError(f"the document cannot be read as a Word document or workbook: {exc}") from exc
    raise PlanError(
        "the document is a zip archive but neither a Word document (.docx) nor a workbook (.xlsx)"
    )


# --- Word ------------------------------------------------------------------------------------


def _docx_text(raw: bytes) -> str:
    import docx  # python-docx: loaded by the first Word import, not at start

    body = docx.Document(io.BytesIO(raw)).element.body
    lines: list[str] = []
    mapping: list[int] | None = None
    for child in body.iterchildren():
        if child.tag == f"{_W}p":
            lines.extend(_paragraph_text(child).split("\n"))
        elif child.tag == f"{_W}tbl":
            mapping = _table_lines(child, lines, mapping)
            lines.append("")
    return "\n".join(lines)


def _paragraph_text(paragraph: Any) -> str:
    parts: list[str] = []
    for node in paragraph.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"):
        if node.tag == f"{_W}t":
            parts.append(node.text or "")
        elif node.tag == f"{_W}tab":
            parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts)


def _cell_text(cell: Any) -> str:
    """A cell's paragraphs, one a line ('<br>' in a pipe row), nested tables left out."""
    paragraphs = [
        " ".join(_paragraph_text(p).replace("\t", " ").split()) for p in cell.iterchildren(f"{_W}p")
    ]
    return "<br>".join(p for p in paragraphs if p).replace("|", "\\|")


def _cells(row: Any) -> list[tuple[int, int, str]]:
    """(grid column, span, text) of each cell of a row; a cell merged down from above is empty."""
    found: list[tuple[int, int, str]] = []
    column = 0
    for cell in row.iterchildren(f"{_W}tc"):
        props = cell.find(f"{_W}tcPr")
        span = 1
        merged_down = False
        if props is not None:
            grid_span = props.find(f"{_W}gridSpan")
            if grid_span is not None:
                span = max(1, int(grid_span.get(f"{_W}val", "1")))
            v_merge = props.find(f"{_W}vMerge")
            merged_down = v_merge is not None and v_merge.get(f"{_W}val", "continue") == "continue"
        found.append((column, span, "" if merged_down else _cell_text(cell)))
        column += span
    return found


def _table_lines(table: Any, lines: list[str], previous: list[int] | None) -> list[int] | None:
    """Append a table's rows as pipe rows; return the grid-to-column mapping of its header row
    (or of the table before, when this one is that table's continuation on the next page)."""
    rows = [_cells(row) for row in table.iterchildren(f"{_W}tr")]
    mapping = previous
    for row in rows:
        texts = [text for _, _, text in row]
        if read_header(0, [" ".join(t.replace("<br>", " ").split()) for t in texts]) is not None:
            width = row[-1][0] + row[-1][1] if row else 0
            mapping = [0] * width
            for index, (column, span, _) in enumerate(row):
                for grid in range(column, column + span):
                    mapping[grid] = index
            break
    for row in rows:
        if not row:
            continue
        if mapping is None:
            lines.append(_pipe_row([text for _, _, text in row]))
            continue
        columns: list[list[str]] = [[] for _ in range(max(mapping) + 1)]
        for column, _, text in row:
            target = mapping[column] if column < len(mapping) else len(columns) - 1
            if text:
                columns[target].append(text)
        lines.append(_pipe_row(["<br>".join(parts) for parts in columns]))
    return mapping


def _pipe_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


# --- Excel -----------------------------------------------------------------------------------


def _xlsx_text(raw: bytes) -> tuple[str, str | None]:
    import openpyxl  # loaded by the first workbook import, not at start

    book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    try:
        lines: list[str] = []
        name: str | None = None
        for sheet in book.worksheets:
            has_table = False
            for values in sheet.iter_rows(values_only=True):
                cells = [_xlsx_value(v) for v in values]
                while cells and not cells[-1]:
                    cells.pop()
                if not any(cells):
                    lines.append("")
                    continue
                if len(cells) == 1:  # a title or a heading in the first cell: a line of text
                    lines.append(cells[0].replace("<br>", "\n").replace("\\|", "|"))
                    continue
                row = _pipe_row(cells)
                if not has_table:
                    split = split_cells(row)
                    has_table = split is not None and read_header(0, split) is not None
                lines.append(row)
            lines.append("")
            if has_table:
                if not _DEFAULT_SHEET.fullmatch(sheet.title.strip()):
                    name = sheet.title.strip()
                # The plan is the first sheet with a risk table: later sheets (riskreg's
                # register export lists the risks' actions on one) are not read as more risks.
                break
        return "\n".join(lines), name
    finally:
        book.close()


def _xlsx_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return "<br>".join(" ".join(line.split()) for line in text.split("\n")).replace("|", "\\|")
