"""Finding the risk tables in a plan's lines and reading their rows cell by cell.

A row is a line of tab-separated cells or a markdown pipe row. A header row names the
columns; its column names decide the table's shape and which column holds which field
(its "role"). The body runs until a blank line followed by a line that is not a row,
a line of the matrix legend, a row of only dashes, or another header. Blank lines alone
do not end a table: a page break in the Word original leaves one before a continuation
row (a row whose identifying cells are empty), whose text belongs to the previous risk.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field

from app.importer.cells import DASH_CLASS
from app.importer.plan import FULL_REGISTER, RESIDUAL_TABLE

ROLES = (
    "ref",
    "title",
    "category",
    "consequence",
    "controls",
    "response",
    "rating",
    "likelihood",
    "impact",
    "score",
    "band",
    "aliases",
    "owner",
    "reviewed_on",
    "actions",
    "action_owner",
    "action_due",
)
IDENTITY_ROLES = ("ref", "title")
# Cells beyond this many stay in the last cell: no risk table is wider, and it bounds the work per line.
MAX_COLUMNS = 64
# A risk's cell joined over its continuation rows: a cell of a plan is a page or two at most,
# and a longer one means the table did not end where it should have.
MAX_CELL_CHARS = 20_000
RESIDUAL_ROLES = frozenset({"title", "likelihood", "impact", "score"})
REGISTER_DETAIL_ROLES = frozenset({"ref", "consequence", "controls", "response"})

# Each pattern matches in time linear in its text: its alternatives start differently and
# no two adjacent quantifiers can take the same character. The matrix legend is found in
# three steps (its first word, an arrow, a last word after the arrow) because one pattern
# with '.*' on each side of the arrow tries every pair of splits of a long run of dashes.
_PIPE = re.compile(r"(?<!\\)\|")
_BREAK = re.compile(r"<br\s*/?>|</(?:p|li|div)>", re.IGNORECASE)
# The markup an HTML conversion leaves in cells ('<b>A</b>', '<ul><li>...</li></ul>'): dropped.
_TAG = re.compile(r"</?(?:b|i|u|em|strong|p|span|sup|sub|ul|ol|li|font|div|a)\b[^<>]{0,300}>", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"(?:page )?\d{1,4}(?: of \d{1,4})?", re.IGNORECASE)
# How many lines of page furniture (a running heading, a page number) a table may break over.
_PAGE_FURNITURE_LINES = 6
_DASH_ROW = re.compile(rf"[{DASH_CLASS}_=:\s]+")
_LEGEND_FIRST = re.compile(r"(?:very likely|likelihood|impact)\b", re.IGNORECASE)
_LEGEND_ARROW = re.compile(r"-{3}|[→►▶▼>]")
_LEGEND_LAST = re.compile(r"\b(?:likelihood|remote|unacceptable)\b", re.IGNORECASE)
_NOT_HEADING = re.compile(r"[^a-z0-9]+")
_REF_HEADINGS = frozenset({"ref", "refs", "reference", "ref no", "risk ref", "ref number", "risk reference"})
_TITLE_HEADINGS = frozenset(
    {"risk", "risks", "risk title", "title", "risk name", "task project", "task", "project", "project title"}
)
_ALIAS_HEADINGS = frozenset({"aliases", "alias", "other refs", "other references", "strategic ref"})
_REVIEWED_HEADINGS = frozenset(
    {"last review", "last reviewed", "reviewed on", "review date", "date reviewed"}
)
_DUE_HEADINGS = frozenset(
    {"target date", "due date", "due", "due by", "by when", "completion date", "deadline", "timescale"}
)
_RATING_WORDS = ("risk register", "risk level", "rag")


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
    cut: frozenset[str] = frozenset()  # roles whose continuation rows ran past MAX_CELL_CHARS


@dataclass(slots=True)
class _Building:
    """A row being read: each cell's pieces, joined once the table is read (joining as rows
    arrive would copy a long cell again for every continuation row)."""

    line: int
    shape: str
    roles: frozenset[str]
    pieces: dict[str, list[str]]
    sizes: dict[str, int]
    cut: set[str] = field(default_factory=set)

    def add(self, role: str, text: str) -> None:
        size = self.sizes.get(role, 0)
        if role in self.cut or size + 1 + len(text) > MAX_CELL_CHARS:
            self.cut.add(role)
            return
        self.pieces.setdefault(role, []).append(text)
        self.sizes[role] = size + 1 + len(text)

    def row(self) -> RawRow:
        cells = {role: " ".join(piece for piece in pieces if piece) for role, pieces in self.pieces.items()}
        return RawRow(self.line, self.shape, self.roles, cells, frozenset(self.cut))


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
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = "\n".join(" ".join(part.split()) for part in text.split("\n")).strip()
    for mark in ("**", "__"):
        # Bold is one line of text between a pair of marks.
        if len(text) >= 2 * len(mark) and text.startswith(mark) and text.endswith(mark) and "\n" not in text:
            return text[len(mark) : -len(mark)].strip()
    return text


def _heading(cell: str) -> str:
    return " ".join(_NOT_HEADING.sub(" ", cell.casefold()).split())


def _role_of(heading: str) -> str | None:
    if heading in _DUE_HEADINGS:
        return "action_due"
    # "Number of actions" (riskreg's register export) counts them: it is no list of actions
    if not heading or any(word in heading for word in ("inherent", "target", "previous", "next", "number")):
        return None
    if "action" in heading or "planned" in heading:
        if "owner" in heading or "lead" in heading:
            return "action_owner"
        if "due" in heading or "date" in heading or "when" in heading:
            return "action_due"
        return "actions"
    if "owner" in heading:
        return "owner"
    if heading in _ALIAS_HEADINGS:
        return "aliases"
    if heading in _REVIEWED_HEADINGS:
        return "reviewed_on"
    keyword_roles = (
        ("rating", "rating"),
        ("category", "category"),
        ("control", "controls"),
        ("consequence", "consequence"),
        ("likelihood", "likelihood"),
        ("impact", "impact"),
        ("score", "score"),
        ("band", "band"),
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
    if any(word in heading for word in _RATING_WORDS):
        return "rating"  # a project table's 'Project Risk Register' column holds its rating
    return None


def read_header(line_no: int, cells: list[str]) -> Header | None:
    """The header these cells form, or None when they do not name a risk table."""
    named = " ".join(cells).casefold()
    if "likelihood" not in named and "rating" not in named and "risk" not in named:
        return None  # every risk table names one
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        role = _role_of(_heading(cell))
        if role is not None and role not in columns:
            columns[role] = index
    found = frozenset(columns)
    if "likelihood" not in found and "rating" not in found:
        return None
    if found >= RESIDUAL_ROLES:
        shape = RESIDUAL_TABLE
    elif {"title", "rating"} <= found and found & REGISTER_DETAIL_ROLES:
        shape = FULL_REGISTER
    else:
        return None
    return Header(line_no, shape, columns, tuple(_heading(c) for c in cells))


def is_legend(cells: list[str]) -> bool:
    """Whether the row is a line of the likelihood x impact matrix legend printed under a table."""
    first = next((cell for cell in cells if cell), "").split("\n", 1)[0]
    opening = _LEGEND_FIRST.match(first)
    # The earliest arrow leaves the most room for the last word, so it is the only one to try.
    arrow = _LEGEND_ARROW.search(first, opening.end()) if opening else None
    return arrow is not None and _LEGEND_LAST.search(first, arrow.end()) is not None


def _is_dashes(cells: list[str]) -> bool:
    filled = [cell for cell in cells if cell]
    return bool(filled) and all(_DASH_ROW.fullmatch(cell) for cell in filled)


def find_rows(lines: list[str]) -> tuple[list[Header], list[RawRow]]:
    """Every risk table header in the lines and every risk row under them, in document order."""
    headers: list[Header] = []
    rows: list[_Building] = []
    counts = Counter(line.strip() for line in lines if line.strip() and split_cells(line) is None)
    furniture = {line for line, count in counts.items() if count > 1}
    index = 0
    while index < len(lines):
        cells = split_cells(lines[index])
        header = read_header(index + 1, cells) if cells else None
        if header is None:
            index += 1
            continue
        headers.append(header)
        index = _read_body(lines, index + 1, header, rows, furniture)
    return headers, [row.row() for row in rows]


def _read_body(
    lines: list[str], start: int, header: Header, rows: list[_Building], furniture: set[str]
) -> int:
    """Read the rows under `header` into `rows`; return the index of the line that ends the table.

    A table broken over pages goes on after the page's furniture (blank lines, a running
    heading the document repeats, a page number) when the next row has the header's cells.
    """
    after_blank = False
    index = start
    while index < len(lines):
        line = lines[index]
        cells = split_cells(line)
        if cells is None and line.strip():
            if is_legend([line.strip()]):
                return index
            resumed = _after_page_break(lines, index, header, furniture)
            if resumed is not None:
                index = resumed
                continue
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


def _after_page_break(lines: list[str], index: int, header: Header, furniture: set[str]) -> int | None:
    """The index of the row a table resumes at after page furniture starting at `index`, or None."""
    for ahead in range(index, min(index + _PAGE_FURNITURE_LINES, len(lines))):
        line = lines[ahead].strip()
        if not line:
            continue
        cells = split_cells(lines[ahead])
        if cells is not None:
            wide = len(cells) == len(header.names)
            plain = not is_legend(cells) and not _is_dashes(cells) and read_header(ahead + 1, cells) is None
            return ahead if ahead > index and wide and plain else None
        if (line not in furniture and not _PAGE_NUMBER.fullmatch(line)) or is_legend([line]):
            return None
    return None


def _add_row(rows: list[_Building], line_no: int, header: Header, cells: list[str]) -> None:
    by_role = {role: cells[column] if column < len(cells) else "" for role, column in header.columns.items()}
    identity_empty = all(not by_role.get(role) for role in IDENTITY_ROLES)
    previous = rows[-1] if rows else None
    if identity_empty and previous is not None and previous.shape == header.shape:
        for role, text in by_role.items():
            if text:
                previous.add(role, text)
        return
    row = _Building(line_no, header.shape, frozenset(header.columns), {}, {})
    for role, text in by_role.items():
        row.pieces[role] = [text]
        row.sizes[role] = len(text)
    rows.append(row)
