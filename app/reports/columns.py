"""The columns of every risk table in the reports, defined once for HTML, PDF, XLSX and CSV.

A column names what it shows (its heading), how to get the value from a row, and what
kind of value that is; each renderer draws a kind its own way (a band as a coloured
cell, a day as a date, controls as a list). Adding a risk field to the register is one
line in `REGISTER`; every format then shows it. `formats` keeps a column out of the
formats that show it another way (the aliases, shown under the ref in HTML and PDF).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, Literal, TypeVar

from app.reports.rows import (
    ActionRow,
    AssessmentRow,
    EscalationRow,
    ExceptionRow,
    MovementRow,
    ReviewReport,
    RiskRow,
)
from app.reports.words import (
    ESCALATION_WORDS,
    appetite_word,
    exception_words,
    format_day,
    short_assessment,
)

Row = TypeVar("Row")
Format = Literal["html", "pdf", "xlsx", "csv"]

#: How a renderer draws a value:
#: text (str), ref (Ref), controls (tuple of str), word (a stored word: 'treat', shown
#: capitalised), number (int or None), band (band name or None), day (date or None),
#: due (Due), flag (bool), direction (one of rows.DIRECTIONS), assessment (AssessmentRow or
#: None: band and score in one cell, 'High 9').
Kind = Literal[
    "text", "ref", "controls", "word", "number", "band", "day", "due", "flag", "direction", "assessment"
]

EVERY_FORMAT: frozenset[Format] = frozenset(("html", "pdf", "xlsx", "csv"))
_CSV: frozenset[Format] = frozenset(("csv",))
_FILES: frozenset[Format] = frozenset(("xlsx", "csv"))  # the formats without a ref cell of several lines
_PAGES: frozenset[Format] = frozenset(("html", "pdf"))
_PARTS = ("likelihood", "impact", "score", "band")
_PART_PDF_HEADERS = {"likelihood": "L", "impact": "I", "score": "Score", "band": "Band"}


@dataclass(frozen=True, slots=True)
class Ref:
    """A risk's ref with its former refs and whether it is closed."""

    ref: str
    aliases: tuple[str, ...]
    closed: bool


@dataclass(frozen=True, slots=True)
class Due:
    """The next review date and whether it has passed."""

    day: date | None
    overdue: bool


@dataclass(frozen=True, slots=True)
class ActionLine:
    """One action with the risk it belongs to: a row of an actions table."""

    risk: RiskRow
    action: ActionRow


def action_lines(risks: list[RiskRow]) -> list[ActionLine]:
    """Every action of `risks`, risk by risk in their order, soonest due first within a risk."""
    return [ActionLine(r, a) for r in risks for a in r.actions]


def report_actions(report: ReviewReport) -> list[ActionLine]:
    """The six-monthly report's actions: those of every risk open on its report date, by
    service and ref."""
    return action_lines(sorted(report.open_risks, key=lambda r: (r.service_code, r.ref)))


@dataclass(frozen=True, slots=True)
class Column(Generic[Row]):
    """One column: its CSV name, its heading, how to read its value from a row, and its kind."""

    key: str  # the CSV heading
    header: str  # the heading in HTML, PDF and XLSX unless given below
    value: Callable[[Row], Any]
    kind: Kind = "text"
    formats: frozenset[Format] = EVERY_FORMAT
    empty: str = ""  # what HTML and PDF print for no value
    pdf_width: float = 20.0  # mm
    xlsx_width: float = 12.0  # characters
    pdf_header: str | None = None
    html_header: str | None = None
    group: str | None = None  # HTML: a heading over this and the next columns of the same group
    # The columns of one assessment's parts (likelihood, impact, score, band, or some): its
    # key and how to read the whole assessment, so a rating kept as published is drawn as
    # one cell across them (see `cells_of_row`).
    part_of: str | None = None
    whole: Callable[[Row], AssessmentRow | None] | None = None

    def shown_in(self, fmt: Format) -> bool:
        """Whether the column is drawn in `fmt`."""
        return fmt in self.formats

    def heading(self, fmt: Format) -> str:
        """The column's heading in `fmt`."""
        if fmt == "csv":
            return self.key
        if fmt == "pdf" and self.pdf_header:
            return self.pdf_header
        if fmt == "html" and self.html_header:
            return self.html_header
        return self.header


def columns_for(columns: tuple[Column[Row], ...], fmt: Format) -> list[Column[Row]]:
    """The columns `fmt` draws, in order."""
    return [c for c in columns if c.shown_in(fmt)]


def assessment(
    key: str,
    name: str,
    get: Callable[[Row], AssessmentRow | None],
    *,
    parts: tuple[str, ...] = _PARTS,
    formats: frozenset[Format] = EVERY_FORMAT,
    pdf_widths: tuple[float, ...] = (),
    xlsx_widths: tuple[float, ...] = (),
    empty: str | None = None,
    short_headers: bool = True,
) -> tuple[Column[Row], ...]:
    """The columns of an assessment (likelihood, impact, score, band, or some of them).

    All four share an HTML group heading ("Residual risk"); a risk not assessed then
    prints "Not assessed" across them. `empty`: what a page prints in each for no
    assessment (default: "Not assessed" in the band, nothing in the others);
    `short_headers`: the pages head the parts "L", "Score", "Band" rather than "Previous
    score". A rating kept as published says so (`published_value`, `cells_of_row`).
    """
    group = f"{name} risk" if parts == _PARTS else None
    made = []
    for index, part in enumerate(parts):
        made.append(
            Column(
                key=f"{key}_{part}",
                header=f"{name} {part}",
                value=_part(get, part, parts),
                kind="band" if part == "band" else "number",
                formats=formats,
                empty=empty if empty is not None else ("Not assessed" if part == "band" else ""),
                pdf_width=pdf_widths[index] if pdf_widths else 20.0,
                xlsx_width=xlsx_widths[index] if xlsx_widths else 12.0,
                pdf_header=_PART_PDF_HEADERS[part] if short_headers else None,
                html_header=part.capitalize() if short_headers else None,
                group=group,
                part_of=key,
                whole=get,
            )
        )
    return tuple(made)


def _part(
    get: Callable[[Row], AssessmentRow | None], part: str, parts: tuple[str, ...]
) -> Callable[[Row], Any]:
    def value(row: Row) -> Any:
        found = get(row)
        if found is None:
            return None
        if found.published:
            return published_value(found, part, parts)
        return getattr(found, part)

    return value


def published_value(value: AssessmentRow, part: str, parts: Sequence[str]) -> Any:
    """What the column of one part of a rating kept as published holds in the files (XLSX and
    CSV, where each part keeps its column): the score and band as published, and the words
    'Low (4), published without likelihood and impact' in the likelihood cell (the importer
    reads riskreg's own export by them) or, without one, in the band cell (the assessment
    itself: its band colours the cell). The pages draw the parts as one cell (`cells_of_row`)."""
    if part == "likelihood":
        return short_assessment(value)
    if part == "impact":
        return None
    if part == "band" and "likelihood" not in parts:
        return value
    return getattr(value, part)


@dataclass(frozen=True, slots=True)
class Published:
    """A rating kept as published, drawn by a page as one cell across the `span` columns of its
    parts: 'Low (4), published without likelihood and impact' in the band's colour."""

    value: AssessmentRow
    span: int

    @property
    def text(self) -> str:
        """The words of the cell (words.short_assessment, as every report says it)."""
        return short_assessment(self.value)


def column_runs(shown: Sequence[Column[Row]]) -> list[tuple[Column[Row], ...]]:
    """The shown columns in runs: one column alone, or the columns of one assessment's parts together."""
    runs: list[tuple[Column[Row], ...]] = []
    for index, column in enumerate(shown):
        if column.part_of is not None and index and shown[index - 1].part_of == column.part_of:
            runs[-1] = (*runs[-1], column)
        else:
            runs.append((column,))
    return runs


def published_in(run: tuple[Column[Row], ...], row: Row) -> Published | None:
    """The rating kept as published that a run of one assessment's columns shows for `row`
    (None: another kind of run, or an assessment with likelihood and impact, or none)."""
    whole = run[0].whole
    if whole is None:
        return None
    value = whole(row)
    return Published(value, len(run)) if value is not None and value.published else None


def cells_of_row(runs: Sequence[tuple[Column[Row], ...]], row: Row) -> list[tuple[Column[Row], Any]]:
    """The cells a page (HTML, PDF) draws for `row` under the columns of `runs` (column_runs of
    the shown columns): (column, value) each, but the parts of a rating kept as published are
    one (first column, Published) cell across them. This is where every table of every report
    says that a rating was published."""
    cells: list[tuple[Column[Row], Any]] = []
    for run in runs:
        published = published_in(run, row)
        if published is not None:
            cells.append((run[0], published))
        else:
            cells.extend((column, column.value(row)) for column in run)
    return cells


def movement_note(r: RiskRow) -> str:
    """What a movement row adds to the scores: when it closed, that it was reopened."""
    if r.closed_on is not None:
        return f"Closed {format_day(r.closed_on)}"
    if r.reopened:
        return "Reopened in the period"
    return ""


def _ref(r: RiskRow) -> Ref:
    return Ref(r.ref, r.aliases, r.status == "closed")


def _due(r: RiskRow) -> Due:
    return Due(r.next_review_due, r.overdue)


def _residual(r: RiskRow) -> AssessmentRow | None:
    return r.residual


def _assessment_column(
    key: str, header: str, get: Callable[[RiskRow], AssessmentRow | None], pdf_width: float = 15
) -> Column[RiskRow]:
    """One assessment in one cell ('High 9'), for the pages and the workbook; the CSV has its parts."""
    return Column(
        key,
        header,
        get,
        "assessment",
        formats=frozenset(("html", "pdf", "xlsx")),
        empty="Not assessed",
        pdf_width=pdf_width,
        xlsx_width=12,
    )


#: The residual-risk register of one service (also in the six-monthly report).
REGISTER: tuple[Column[RiskRow], ...] = (
    Column("service_code", "Service code", lambda r: r.service_code, formats=_CSV),
    Column("service", "Service", lambda r: r.service_name, formats=_CSV),
    Column("ref", "Ref", _ref, "ref", pdf_width=14, xlsx_width=9),
    Column("aliases", "Aliases", lambda r: " ".join(r.aliases), formats=_FILES, xlsx_width=10),
    Column("title", "Risk", lambda r: r.title, pdf_width=19, xlsx_width=32),
    Column("category", "Category", lambda r: r.category or "", "word", pdf_width=17, xlsx_width=13),
    Column("consequence", "Consequence", lambda r: r.consequence, pdf_width=24, xlsx_width=36),
    Column("controls", "Control measures", lambda r: r.controls, "controls", pdf_width=26, xlsx_width=55),
    Column("response", "Response", lambda r: r.response, "word", pdf_width=17, xlsx_width=11),
    # wide enough for a post ("Head of Community Partnerships") to break between words
    Column("owner", "Owner", lambda r: r.owner, pdf_width=20, xlsx_width=24),
    Column("status", "Status", lambda r: r.status, "word", formats=_FILES, xlsx_width=9),
    _assessment_column("inherent", "Inherent", lambda r: r.inherent, pdf_width=17),
    *assessment("residual", "Residual", _residual, pdf_widths=(6, 6, 11, 15), xlsx_widths=(11, 9, 9, 12)),
    _assessment_column("target", "Target", lambda r: r.target, pdf_width=15),
    *assessment("inherent", "Inherent", lambda r: r.inherent, formats=_CSV),
    *assessment("target", "Target", lambda r: r.target, formats=_CSV),
    Column(
        "last_reviewed_on",
        "Last review",
        lambda r: r.last_reviewed_on,
        "day",
        empty="Never",
        pdf_width=18,
        xlsx_width=13,
    ),
    Column("next_review_due", "Next review due", _due, "due", pdf_width=18, xlsx_width=13),
    Column("overdue", "Overdue", lambda r: r.overdue, "flag", formats=_FILES, xlsx_width=9),
    Column(
        "direction",
        "Direction of travel",
        lambda r: r.direction,
        "direction",
        pdf_header="Direction",
        pdf_width=18,
        xlsx_width=13,
    ),
    # Above or within the appetite statement the report names (empty: nothing to measure)
    Column(
        "above_appetite", "Appetite", lambda r: appetite_word(r.above_appetite), pdf_width=16, xlsx_width=10
    ),
    Column("appetite_version", "Appetite statement", lambda r: r.appetite_version, "number", formats=_CSV),
    # "Number of actions", not "Actions": a plan's "Actions" column lists them (app.importer.tables)
    Column("actions", "Number of actions", lambda r: len(r.actions), "number", formats=_FILES, xlsx_width=10),
)

#: The six-monthly report's risks in the worst two bands, in full (their actions follow in ACTIONS).
HIGH_RISKS: tuple[Column[RiskRow], ...] = (
    Column("ref", "Ref", _ref, "ref", pdf_width=14, xlsx_width=9),
    Column("service", "Service", lambda r: r.service_name, pdf_width=20, xlsx_width=24),
    Column("title", "Risk", lambda r: r.title, pdf_width=24, xlsx_width=32),
    Column("category", "Category", lambda r: r.category or "", "word", formats=_FILES, xlsx_width=13),
    Column("consequence", "Consequence", lambda r: r.consequence, pdf_width=24, xlsx_width=36),
    Column("controls", "Control measures", lambda r: r.controls, "controls", pdf_width=43, xlsx_width=55),
    Column("response", "Response", lambda r: r.response, "word", pdf_width=17, xlsx_width=11),
    Column("owner", "Owner", lambda r: r.owner, pdf_width=21, xlsx_width=24),
    _assessment_column("inherent", "Inherent", lambda r: r.inherent, pdf_width=17),
    *assessment(
        "residual", "Residual", _residual, parts=("score", "band"), pdf_widths=(12, 16), xlsx_widths=(9, 12)
    ),
    _assessment_column("target", "Target", lambda r: r.target, pdf_width=16),
    # a start position may be a rating kept as published: wide enough for its words whole
    _assessment_column("start", "At the start", lambda r: r.start, pdf_width=18),
    Column(
        "direction",
        "Direction of travel",
        lambda r: r.direction,
        "direction",
        pdf_header="Direction",
        pdf_width=20,
        xlsx_width=13,
    ),
    Column("actions", "Actions", lambda r: len(r.actions), "number", pdf_width=15, xlsx_width=9),
)

#: Every action of the risks a report shows in full: who, by when, where it stands.
ACTIONS: tuple[Column[ActionLine], ...] = (
    Column("service_code", "Service code", lambda a: a.risk.service_code, formats=_CSV),
    Column("ref", "Ref", lambda a: _ref(a.risk), "ref", pdf_width=16, xlsx_width=9),
    Column("risk", "Risk", lambda a: a.risk.title, pdf_width=50, xlsx_width=32),
    Column("action", "Action", lambda a: a.action.description, pdf_width=95, xlsx_width=48),
    Column("owner", "Owner", lambda a: a.action.owner, pdf_width=40, xlsx_width=24),
    Column(
        "due_on", "Due", lambda a: Due(a.action.due_on, a.action.overdue), "due", pdf_width=28, xlsx_width=13
    ),
    Column("status", "Status", lambda a: a.action.status, "word", pdf_width=22, xlsx_width=12),
    Column(
        "completed_on",
        "Done on",
        lambda a: a.action.completed_on,
        "day",
        pdf_width=26,
        xlsx_width=13,
    ),
    Column("overdue", "Overdue", lambda a: a.action.overdue, "flag", formats=_FILES, xlsx_width=9),
)

#: The exceptions for committee: each risk and why.
EXCEPTIONS: tuple[Column[ExceptionRow], ...] = (
    Column("ref", "Ref", lambda e: _ref(e.risk), "ref", pdf_width=16, xlsx_width=9),
    Column("service", "Service", lambda e: e.risk.service_name, pdf_width=40, xlsx_width=24),
    Column("title", "Risk", lambda e: e.risk.title, pdf_width=80, xlsx_width=40),
    Column("owner", "Owner", lambda e: e.risk.owner, pdf_width=40, xlsx_width=24),
    *assessment(
        "residual",
        "Residual",
        lambda e: e.risk.residual,
        parts=("score", "band"),
        pdf_widths=(12, 20),
        xlsx_widths=(9, 12),
    ),
    Column("reasons", "Why", lambda e: exception_words(e.reasons), pdf_width=69, xlsx_width=40),
)

#: The six-monthly report's open risks not reviewed in the period.
NOT_REVIEWED: tuple[Column[RiskRow], ...] = (
    Column("ref", "Ref", _ref, "ref", pdf_width=16, xlsx_width=9),
    Column("service", "Service", lambda r: r.service_name, pdf_width=40, xlsx_width=24),
    Column("title", "Risk", lambda r: r.title, pdf_width=84, xlsx_width=40),
    Column("owner", "Owner", lambda r: r.owner, pdf_width=45, xlsx_width=24),
    *assessment(
        "residual", "Residual", _residual, parts=("score", "band"), pdf_widths=(12, 20), xlsx_widths=(9, 12)
    ),
    Column(
        "last_reviewed_on",
        "Last review",
        lambda r: r.last_reviewed_on,
        "day",
        empty="Never",
        pdf_width=28,
        xlsx_width=13,
    ),
    Column("next_review_due", "Next review due", _due, "due", pdf_width=32, xlsx_width=13),
    Column("overdue", "Overdue", lambda r: r.overdue, "flag", formats=_FILES, xlsx_width=9),
)

#: The escalations and de-escalations decided in the six-monthly report's period.
ESCALATIONS: tuple[Column[EscalationRow], ...] = (
    Column("on", "Decided on", lambda e: e.on, "day", pdf_width=28, xlsx_width=13),
    Column("kind", "Decision", lambda e: ESCALATION_WORDS.get(e.kind, e.kind), pdf_width=26, xlsx_width=13),
    Column("service_code", "Service", lambda e: e.service_code, pdf_width=20, xlsx_width=10),
    Column("ref", "Ref", lambda e: e.ref, pdf_width=18, xlsx_width=9),
    Column("title", "Risk", lambda e: e.title, pdf_width=80, xlsx_width=40),
    Column("reason", "Reason", lambda e: e.reason, pdf_width=105, xlsx_width=60),
)

_DASH = "\u2013"  # en dash: no score at one end of the period


def _position(
    key: str, name: str, get: Callable[[MovementRow], AssessmentRow | None]
) -> tuple[Column[MovementRow], ...]:
    """A movement row's position at one end of the period: its score and band ('Previous score')."""
    return assessment(
        key,
        name,
        get,
        parts=("score", "band"),
        pdf_widths=(18, 24),
        xlsx_widths=(10, 12),
        empty=_DASH,
        short_headers=False,
    )


#: The six-monthly report's movement of each risk. Direction is the group heading in HTML
#: and PDF (and also a column); the XLSX sheet, one table for every group, starts with it.
MOVEMENT: tuple[Column[MovementRow], ...] = (
    Column("ref", "Ref", lambda m: _ref(m.risk), "ref", pdf_width=18, xlsx_width=9),
    Column("service", "Service", lambda m: m.risk.service_name, pdf_width=40, xlsx_width=26),
    Column("title", "Risk", lambda m: m.risk.title, pdf_width=77, xlsx_width=44),
    Column("note", "Note", lambda m: movement_note(m.risk), pdf_width=32, xlsx_width=26),
    *_position("previous", "Previous", lambda m: m.previous),
    *_position("current", "Current", lambda m: m.current),
    Column(
        "direction",
        "Direction of travel",
        lambda m: m.direction,
        "direction",
        formats=_PAGES,
        pdf_header="Direction",
        pdf_width=26,
    ),
)
