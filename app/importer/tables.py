"""Finding the risk tables in a plan's lines and reading their rows cell by cell.

A row is a line of tab-separated cells or a markdown pipe row. A header row names the
columns; its column names decide the table's shape and which column holds which field
(its "role"). The body runs until a blank line followed by a line that is not a row,
a line of the matrix legend, a row of only dashes, or another header. Blank lines alone
do not end a table: a page break in the Word original leaves one before a continuation
row (a row whose identifying cells are empty), whose text belongs to the previous risk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.importer.cells import DASH_CLASS
from app.importer.plan import FULL_REGISTER, RESIDUAL_TABLE

ROLES = ("ref", "title", "consequence", "controls", "response", "rating", "likelihood", "impact", "score")
IDENTITY_ROLES = ("ref", "title")
# Cells beyond this many stay in the last cell: no risk table is wider, and it bounds the work per line.
MAX_COLUMNS = 64
RESIDUAL_ROLES = frozenset({"title", "likelihood", "impact", "score"})
REGISTER_DETAIL_ROLES = frozenset({"ref", "consequence", "controls", "response"})

_PIPE = re.compile(r"(?<!\\)\|")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_BOLD = re.compile(r"^(\*\*|__)(.*)\1$")
_DASH_ROW = re.compile(rf"^[{DASH_CLASS}_=:\s]+$")
_LEGEND = re.compile(
    r"^(?:very likely|likelihood|impact)\b.*(?:-{3,}|[→►▶▼>]).*\b(?:likelihood|remote|unacceptable)\b",
    re.IGNORECASE,
)
_REF_HEADINGS = frozenset({"ref", "refs", "reference", "ref no", "risk ref", "ref number", "risk reference"})
_TITLE_HEADINGS = frozenset({"risk", "risks", "risk title", "title", "risk name"})


@dataclass(frozen=True, slots=True)
class Header:
    """A header row: where it is, the shape it announces and the column of each role."""

    line: int
    shape: str
    columns: dict[str, int]
    names: tuple[str, ...]


@dataclass(slots=True)
class RawRow:
    """The text of one risk's cells by role, continuation rows already joined."""

    line: int
    shape: str
    roles: frozenset[str]
    cells: dict[str, str]


def split_cells(line: str) -> list[str] | None:
    """The cells of a table row, or None when the line is not a row."""
    stripped = line.strip(" ")
    if stripped.startswith("|") or len(_PIPE.findall(stripped)) >= 2:
        inner = stripped.strip()
        inner = inner[1:] if inner.startswith("|") else inner
        inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
        return [_clean_cell(cell.replace("\\|", "|")) for cell in _PIPE.split(inner, MAX_COLUMNS)]
    if "\t" in line:
        return [_clean_cell(cell) for cell in line.split("\t", MAX_COLUMNS)]
    return None


def _clean_cell(cell: str) -> str:
    text = _BREAK.sub("\n", cell)
    text = "\n".join(" ".join(part.split()) for part in text.split("\n")).strip()
    bold = _BOLD.match(text)
    return bold.group(2).strip() if bold else text


def _heading(cell: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", cell.casefold()).split())


def _role_of(heading: str) -> str | None:
    if not heading or any(word in heading for word in ("inherent", "target", "previous", "owner")):
        return None
    keyword_roles = (
        ("rating", "rating"),
        ("control", "controls"),
        ("consequence", "consequence"),
        ("likelihood", "likelihood"),
        ("impact", "impact"),
        ("score", "score"),
        ("nature of risk", "title"),
        ("description", "title"),
    )
    if heading.startswith("response"):
        return "response"
    for keyword, role in keyword_roles:
        if keyword in heading:
            return role
    if heading in _REF_HEADINGS:
        return "ref"
    if heading in _TITLE_HEADINGS:
        return "title"
    return None


def read_header(line_no: int, cells: list[str]) -> Header | None:
    """The header these cells form, or None when they do not name a risk table."""
    named = " ".join(cells).casefold()
    if "likelihood" not in named and "rating" not in named:  # every risk table names one
        return None
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        role = _role_of(_heading(cell))
        if role is not None and role not in columns:
            columns[role] = index
    found = frozenset(columns)
    if found >= RESIDUAL_ROLES:
        shape = RESIDUAL_TABLE
    elif {"title", "rating"} <= found and found & REGISTER_DETAIL_ROLES:
        shape = FULL_REGISTER
    else:
        return None
    return Header(line_no, shape, columns, tuple(_heading(c) for c in cells))


def is_legend(cells: list[str]) -> bool:
    """Whether the row is a line of the likelihood x impact matrix legend printed under a table."""
    first = next((cell for cell in cells if cell), "")
    return bool(_LEGEND.search(first))


def _is_dashes(cells: list[str]) -> bool:
    filled = [cell for cell in cells if cell]
    return bool(filled) and all(_DASH_ROW.match(cell) for cell in filled)


def find_rows(lines: list[str]) -> tuple[list[Header], list[RawRow]]:
    """Every risk table header in the lines and every risk row under them, in document order."""
    headers: list[Header] = []
    rows: list[RawRow] = []
    index = 0
    while index < len(lines):
        cells = split_cells(lines[index])
        header = read_header(index + 1, cells) if cells else None
        if header is None:
            index += 1
            continue
        headers.append(header)
        index = _read_body(lines, index + 1, header, rows)
    return headers, rows


def _read_body(lines: list[str], start: int, header: Header, rows: list[RawRow]) -> int:
    """Read the rows under `header` into `rows`; return the index of the line that ends the table."""
    after_blank = False
    index = start
    while index < len(lines):
        line = lines[index]
        cells = split_cells(line)
        if cells is None and line.strip():
            if after_blank or line.lstrip().startswith("#") or is_legend([line.strip()]):
                return index
            cells = [_clean_cell(line)]  # a row whose empty cells the conversion dropped
        if cells is None or not any(cells):
            after_blank = True
            index += 1
            continue
        if _is_dashes(cells):
            if index == start:  # the markdown |---| separator under the header
                index += 1
                continue
            return index
        if is_legend(cells):
            return index
        again = read_header(index + 1, cells)
        if again is not None:
            if again.names != header.names:
                return index
        else:
            _add_row(rows, index + 1, header, cells)
        after_blank = False
        index += 1
    return index


def _add_row(rows: list[RawRow], line_no: int, header: Header, cells: list[str]) -> None:
    by_role = {role: cells[column] if column < len(cells) else "" for role, column in header.columns.items()}
    identity_empty = all(not by_role.get(role) for role in IDENTITY_ROLES)
    previous = rows[-1] if rows else None
    if identity_empty and previous is not None and previous.shape == header.shape:
        for role, text in by_role.items():
            if text:
                before = previous.cells.get(role, "")
                previous.cells[role] = f"{before} {text}" if before else text
        return
    rows.append(RawRow(line_no, header.shape, frozenset(header.columns), by_role))
