"""The XLSX workbooks, opened with openpyxl."""

# ruff: noqa: RUF001  (curly quotes and dashes in these strings are the point of the tests)

import io
from datetime import datetime
from typing import Any

import openpyxl
import pytest

from app.reports.xlsx import render_register_xlsx, render_review_xlsx, sheet_name

from .builders import community_partnerships, five_by_five, many_risks, register, review_report, risk

REGISTER_HEADER = [
    "Ref",
    "Aliases",
    "Risk",
    "Category",
    "Consequence",
    "Control measures",
    "Response",
    "Owner",
    "Status",
    "Inherent",
    "Residual likelihood",
    "Residual impact",
    "Residual score",
    "Residual band",
    "Target",
    "Last review",
    "Next review due",
    "Overdue",
    "Direction of travel",
    "Appetite",
    "Number of actions",
]


def open_book(data: bytes) -> openpyxl.Workbook:
    assert data.startswith(b"PK")
    return openpyxl.load_workbook(io.BytesIO(data))


def rows_by_ref(sheet: Any) -> dict[str, dict[str, Any]]:
    header = [c.value for c in sheet[1]]
    return {row[0].value: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)}


def fill(cell) -> str:
    return "#" + str(cell.fill.fgColor.rgb)[-6:].lower()


def test_register_cells_hold_the_rows():
    risks = community_partnerships()
    report = register(risks)
    book = open_book(render_register_xlsx(report))
    sheet, actions = book.worksheets
    assert (sheet.title, actions.title) == ("Community Partnerships", "Actions")
    assert [c.value for c in sheet[1]] == REGISTER_HEADER
    assert sheet.max_row == len(risks) + 1
    rows = rows_by_ref(sheet)
    cp06 = rows["CP06"]
    assert cp06["Aliases"].value == "ST05"
    assert cp06["Risk"].value == "Community Safety Actions fail to meet targets"
    assert cp06["Control measures"].value == "Web access to ASB casework system\nICT strategy group"
    assert cp06["Response"].value == "Treat"
    assert cp06["Residual likelihood"].value == 3
    assert cp06["Residual impact"].value == 3
    assert cp06["Residual score"].value == 9
    assert cp06["Residual band"].value == "High"
    assert cp06["Overdue"].value == "Overdue"
    assert cp06["Direction of travel"].value == "→ Unchanged"
    assert rows["CP02"]["Direction of travel"].value == "↑ Up"
    assert rows["CP14"]["Residual score"].value is None
    assert rows["CP14"]["Last review"].value is None


def test_dates_are_real_excel_dates():
    book = open_book(render_register_xlsx(register(community_partnerships())))
    cell = rows_by_ref(book.active)["CP06"]["Next review due"]
    assert cell.value == datetime(2025, 7, 10)
    assert cell.is_date
    assert "yyyy" in cell.number_format


def test_band_cells_are_filled_with_the_band_colour():
    report = register(community_partnerships())
    rows = rows_by_ref(open_book(render_register_xlsx(report)).active)
    for r in report.risks:
        if r.residual is not None:
            cell = rows[r.ref]["Residual band"]
            assert fill(cell) == report.matrix.band(r.residual.band).colour
            assert cell.font.b


def test_header_is_frozen_and_filtered():
    risks = community_partnerships()
    sheet = open_book(render_register_xlsx(register(risks))).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:U{len(risks) + 1}"
    assert sheet.column_dimensions["E"].width > sheet.column_dimensions["A"].width


@pytest.mark.parametrize("title", ["=1+1", "+SUM(A1:A2)", "-2+3", "@SUM(A1)", '=HYPERLINK("http://x")'])
def test_formula_like_text_stays_text(title):
    sheet = open_book(render_register_xlsx(register([risk("CP01", title=title, owner="0123")]))).active
    cell = rows_by_ref(sheet)["CP01"]["Risk"]
    assert cell.value == title
    assert cell.data_type == "s"
    owner = rows_by_ref(sheet)["CP01"]["Owner"]
    assert owner.value == "0123"
    assert owner.data_type == "s"


def test_control_characters_do_not_break_the_workbook():
    awkward = risk("CP01", title="NUL\x00 bell\x07 “quoted” – £5", consequence="שלום and 財務")
    sheet = open_book(render_register_xlsx(register([awkward]))).active
    row = rows_by_ref(sheet)["CP01"]
    assert row["Risk"].value == "NUL bell “quoted” – £5"
    assert row["Consequence"].value == "שלום and 財務"


def _row_starting(sheet: Any, first: str) -> int:
    """The number of the first row whose first cell is `first`."""
    return next(row[0].row for row in sheet.iter_rows() if row[0].value == first)


def test_review_workbook_has_its_sheets_and_counts():
    report = review_report(many_risks(80))
    book = open_book(render_review_xlsx(report))
    services = [r.service_name for r in report.registers]
    expected = ["Summary", "Exceptions", "Movement", "High risks", "Actions", "Long-standing", "Not reviewed"]
    expected += ["Overdue", "Above appetite", "Escalations", *(name[:31] for name in services)]
    assert book.sheetnames == expected
    summary = book["Summary"]
    assert summary["A1"].value == report.title
    head = _row_starting(summary, "Service")
    header = [c.value for c in summary[head]]
    assert header == ["Service", "Low", "Medium", "High", "Very High", "Not assessed", "Total"]
    assert fill(summary[f"E{head}"]) == report.matrix.band("Very High").colour
    for index, s in enumerate(report.summaries, start=head + 1):
        values = [c.value for c in summary[index]]
        expected_row = [
            s.service_name,
            *(s.counts_by_band[b.name] for b in report.matrix.bands),
            s.unassessed,
            s.total,
        ]
        assert values == expected_row
    total_row = [c.value for c in summary[head + 1 + len(report.summaries)]]
    assert total_row[0] == "Council total"
    assert total_row[-1] == sum(s.total for s in report.summaries)
    bands = _row_starting(summary, "Band")
    counted = {summary.cell(row, 1).value: summary.cell(row, 3).value for row in range(bands + 1, bands + 7)}
    assert counted == report.summary.bands | {"Open risks": sum(report.summary.bands.values())}


def test_review_movement_high_risks_and_not_reviewed_sheets():
    report = review_report(community_partnerships())
    book = open_book(render_review_xlsx(report))
    movement = book["Movement"]
    moves = [
        (row[0].value, row[1].value, row[5].value, row[7].value) for row in movement.iter_rows(min_row=2)
    ]
    assert moves[0] == ("★ New", "CP14", None, None)
    assert ("↑ Up", "CP02", 9, 16) in moves
    assert movement.auto_filter.ref == f"A1:I{len(moves) + 1}"
    high = book["High risks"]
    assert [row[0].value for row in high.iter_rows(min_row=2)] == [r.ref for r in report.high_risks]
    assert fill(high["K2"]) == report.matrix.band("Very High").colour  # the band, after the score
    not_reviewed = book["Not reviewed"]
    assert {row[0].value for row in not_reviewed.iter_rows(min_row=2)} == {"CP06", "CP14"}
    for sheet in book.worksheets[1:]:
        assert sheet.freeze_panes == "A2"


def test_five_by_five_review_workbook():
    matrix = five_by_five()
    report = review_report(many_risks(40, matrix), matrix=matrix)
    summary = open_book(render_review_xlsx(report))["Summary"]
    head = _row_starting(summary, "Service")
    assert [c.value for c in summary[head]][1:6] == ["Very Low", "Low", "Moderate", "High", "Extreme"]


@pytest.mark.parametrize(
    ("wanted", "taken", "expected"),
    [
        ("Housing Services", set(), "Housing Services"),
        ("R&D: [Pilot]/Ops?*\\", set(), "R&D Pilot Ops"),
        ("Planning Policy and Conservation Services", set(), "Planning Policy and Conservatio"),
        ("Summary", {"summary"}, "Summary (2)"),
        ("'Quoted'", set(), "Quoted"),
        ("History", set(), "History register"),
        ("", set(), "Register"),
        ("A" * 40, {"a" * 31}, "A" * 27 + " (2)"),
    ],
)
def test_sheet_names_are_valid_and_unique(wanted, taken, expected):
    name = sheet_name(wanted, taken)
    assert name == expected
    assert len(name) <= 31
    assert not set(name) & set("[]:*?/\\")


def test_services_whose_names_clash_get_distinct_sheets():
    risks = [
        risk("AB01", service_code="AB", service_name="Housing: Repairs & Voids Management Team"),
        risk("CD01", service_code="CD", service_name="Housing/Repairs & Voids Management Team B"),
    ]
    book = open_book(render_review_xlsx(review_report(risks)))
    names = book.sheetnames[10:]
    assert len(names) == 2
    assert len({n.casefold() for n in names}) == 2
