"""Plans as councils send them, built from the samples with python-docx and openpyxl.

`sample_table` reads a sample's risk table as rows of cells (continuation rows kept as
their own rows, as Word breaks a row over a page); `plan_docx` writes a plan as a Word
document whose risk table is a Word table, with a title row merged across the columns,
the ref cell merged down into a continuation row, and optionally one row whose control
measures sit in a split cell; `plan_xlsx` writes a sheet with the same columns.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

SAMPLES = Path(__file__).parent.parent / "fixtures" / "plans"  # copies of the three real samples


def sample_table(name: str) -> tuple[list[str], list[list[str]]]:
    """The header and the rows (continuations included) of a sample's tab-separated risk table."""
    lines = (SAMPLES / name).read_text(encoding="utf-8").splitlines()
    start = next(
        i for i, line in enumerate(lines) if line.startswith(("Ref\tNature of Risk", "Risk Description\t"))
    )
    header = lines[start].split("\t")
    rows: list[list[str]] = []
    for line in lines[start + 1 :]:
        if line.startswith(("Very Likely", "--")):
            break
        if not line.strip():
            continue
        cells = line.split("\t")
        rows.append((cells + [""] * len(header))[: len(header)])
    return header, rows


def plan_docx(
    title_lines: Sequence[str],
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    table_title: str | None = None,
    split_controls_row: int | None = None,
) -> bytes:
    """A Word plan: the title as paragraphs, then the risk table as one Word table.

    A continuation row (its first two cells empty) has its ref cell merged down from the row
    above (vMerge), as Word keeps a row broken across a page. With `split_controls_row`, the
    control-measures column is two grid columns: merged (gridSpan) in every row but that
    one, where the measures sit in the two halves of the split cell.
    """
    import docx

    document = docx.Document()
    for line in title_lines:
        document.add_paragraph(line)
    document.add_paragraph("Risk Management")
    controls = next((i for i, h in enumerate(header) if "Control" in h), None)
    split = controls is not None and split_controls_row is not None
    width = len(header) + (1 if split else 0)
    offset = 1 if table_title else 0
    table = document.add_table(rows=len(rows) + 1 + offset, cols=width)

    def grid(index: int) -> int:
        return index + 1 if split and controls is not None and index > controls else index

    if table_title:
        merged = table.cell(0, 0).merge(table.cell(0, width - 1))
        merged.text = table_title
    for r, cells in enumerate([list(header), *map(list, rows)]):
        row = r + offset
        data = r - 1
        if split and controls is not None and data != split_controls_row:
            table.cell(row, controls).merge(table.cell(row, controls + 1))
        for index, text in enumerate(cells):
            if split and controls is not None and index == controls and data == split_controls_row:
                first, _, second = text.partition("; ")
                table.cell(row, controls).text = first
                table.cell(row, controls + 1).text = second
                continue
            table.cell(row, grid(index)).text = text
        if data >= 0 and not cells[0] and not cells[1] and row > offset + 1:
            above = table.cell(row - 1, 0)
            kept = above.text
            above.merge(table.cell(row, 0))  # the ref cell merged down into the continuation
            above.text = kept
    document.add_paragraph("Version Control")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def plan_xlsx(
    title: str | None, header: Sequence[str], rows: Sequence[Sequence[object]], sheet: str
) -> bytes:
    """A workbook whose sheet has the plan's title (if any) in its first cell, then the table."""
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    if title:
        ws.append([title])
        ws.append([])
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def later_community_plan(earlier: list[list[str]]) -> list[list[str]]:
    """The 2022-25 plan of Community Partnerships made from its 2019-22 one: CP01 up to
    Medium 6, CP04 down to Low 3, CP06's row led by its strategic alias ST05, CP02 retitled,
    CP13 dropped, CP15 added."""
    later: list[list[str]] = []
    skip_continuation = False
    for row in earlier:
        ref = row[0].strip()
        if not ref and not row[1]:
            if not skip_continuation:
                later.append(list(row))
            continue
        skip_continuation = ref == "CP13"
        if ref == "CP13":
            continue
        new = list(row)
        if ref == "CP01":
            new[5] = "Medium \u2013 6"
        elif ref == "CP04":
            new[5] = "Low - 3"
        elif ref == "CP06/ ST05":
            new[0] = "ST05"
        elif ref == "CP02":
            new[1] = "Total or partial failure of ICT systems"
        later.append(new)
    later.append(
        [
            "CP15",
            "Cost of living pressures on the voluntary sector",
            "Partners unable to deliver services to vulnerable residents",
            "Quarterly partnership board; hardship fund monitored",
            "Treat",
            "High \u2013 8",
        ]
    )
    return later
