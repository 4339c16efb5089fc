"""Every PDF riskreg writes is PDF/UA-1: checked by the `pdfua` checker and by reading its structure tree."""

from __future__ import annotations

import gc
import io
import itertools
import weakref
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from pdfua import validate
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from app.reports.heatmap import heatmap_description, render_heatmap
from app.reports.pdf import render_register_pdf, render_review_pdf
from app.reports.pdf.canvas import Canvas
from app.reports.pdf.corporate import render_corporate_pdf
from app.reports.pdf.tagging import collector_paused
from app.reports.rows import AssessmentRow, RegisterReport

from .builders import (
    community_partnerships,
    corporate_report,
    five_by_five,
    many_risks,
    register,
    review_report,
    risk,
)


def register_pdf() -> bytes:
    report = register(community_partnerships())
    return render_register_pdf(report, render_heatmap(report.matrix, report.heatmap, title="CP"))


def review_pdf() -> bytes:
    report = review_report(many_risks(120))
    return render_review_pdf(report, render_heatmap(report.matrix, report.heatmap, title="Council"))


def five_band_review_pdf() -> bytes:
    matrix = five_by_five()
    report = review_report(many_risks(40, matrix), matrix=matrix)
    return render_review_pdf(report, render_heatmap(matrix, report.heatmap, title="Council"))


def published_register() -> RegisterReport:
    """A register whose first two risks have ratings kept as published (band and score only)."""
    risks = community_partnerships()
    published = [replace(r, residual=AssessmentRow(None, None, 4, "Low")) for r in risks[:2]]
    return register(published + risks[2:])


def published_register_pdf() -> bytes:
    report = published_register()
    return render_register_pdf(report, render_heatmap(report.matrix, report.heatmap, title="CP"))


def corporate_pdf() -> bytes:
    report = corporate_report(many_risks(60))
    return render_corporate_pdf(report, render_heatmap(report.matrix, report.heatmap, title="Corporate"))


DOCUMENTS = {
    "register": register_pdf,
    "review": review_pdf,
    "five-band review": five_band_review_pdf,
    "corporate register": corporate_pdf,
    "register with published ratings": published_register_pdf,
}


def elements(node: DictionaryObject) -> Iterator[DictionaryObject]:
    """The structure elements under `node`, depth first (reading order)."""
    kids = node.get("/K")
    if kids is None:
        return
    for kid in kids if isinstance(kids, list) else [kids]:
        kid = kid.get_object()
        if isinstance(kid, DictionaryObject) and "/S" in kid:
            yield kid
            yield from elements(kid)


def tree(data: bytes) -> tuple[PdfReader, DictionaryObject]:
    reader = PdfReader(io.BytesIO(data))
    return reader, reader.trailer["/Root"]["/StructTreeRoot"]


def children(element: DictionaryObject, role: str) -> list[DictionaryObject]:
    kids = element.get("/K", [])
    found = [k.get_object() for k in (kids if isinstance(kids, list) else [kids])]
    return [k for k in found if isinstance(k, DictionaryObject) and k.get("/S") == role]


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_the_pdfua_checker_finds_nothing(name, tmp_path: Path):
    path = tmp_path / "report.pdf"
    path.write_bytes(DOCUMENTS[name]())
    report = validate(str(path))
    assert [(f.rule_id, f.message) for f in report.findings] == []


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_catalog_names_the_language_title_and_pdfua_part(name):
    reader, _ = tree(DOCUMENTS[name]())
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert "<pdfuaid:part>1</pdfuaid:part>" in xmp
    assert reader.metadata is not None
    assert reader.metadata.title
    assert reader.metadata.title in xmp


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_headings_run_h1_to_h3_in_order(name):
    _, root = tree(DOCUMENTS[name]())
    levels = [int(str(e["/S"])[2]) for e in elements(root) if str(e["/S"]) in ("/H1", "/H2", "/H3")]
    assert levels[0] == 1
    assert levels.count(1) == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels
    assert levels.count(2) >= 2


def test_register_table_has_one_header_row_and_a_row_per_risk():
    risks = [r for r in many_risks(400) if r.service_code == "CP"]
    data = render_register_pdf(register(risks))
    reader, root = tree(data)
    assert len(reader.pages) > 3  # the header row is drawn on every page, read once
    tables = [e for e in elements(root) if e["/S"] == "/Table"]
    register_table = tables[-1]
    assert children(register_table, "/Caption")
    rows = children(register_table, "/TR")
    assert len(rows) == 1 + len(risks)
    header = rows[0]
    assert children(header, "/TD") == []
    assert {str(th["/A"]["/Scope"]) for th in children(header, "/TH")} == {"/Column"}
    for row in rows[1:]:
        (ref,) = children(row, "/TH")
        assert ref["/A"]["/Scope"] == "/Row"
        assert len(children(row, "/TD")) == len(children(header, "/TH")) - 1


def test_heat_map_is_a_figure_whose_alt_is_its_description():
    report = register(community_partnerships())
    _, root = tree(register_pdf())
    (figure,) = [e for e in elements(root) if e["/S"] == "/Figure"]
    assert figure["/Alt"] == heatmap_description(report.matrix, report.heatmap)
    roles = [str(e["/S"]) for e in elements(root)]
    # read as a person reads the page: title, heading, the picture, then its table of counts
    assert roles.index("/H1") < roles.index("/Figure") < roles.index("/Table")
    heat_table = next(e for e in elements(root) if e["/S"] == "/Table")
    first_row = children(heat_table, "/TR")[1]
    assert children(first_row, "/TH")[0]["/A"]["/Scope"] == "/Row"


def test_control_measures_are_a_list_with_labels():
    controls = ("CCTV in the car park", "Quarterly audit")
    data = render_register_pdf(register([risk("CP01", controls=controls)]))
    _, root = tree(data)
    (listing,) = [e for e in elements(root) if e["/S"] == "/L"]
    items = children(listing, "/LI")
    assert len(items) == 2
    for item in items:
        assert children(item, "/Lbl")
        assert children(item, "/LBody")


def test_every_cell_and_heading_marks_content():
    _, root = tree(review_pdf())
    leaves = ("/H1", "/H2", "/H3", "/P", "/Lbl", "/LBody", "/Figure", "/Caption")
    seen = set()
    for e in elements(root):
        if str(e["/S"]) in leaves:
            seen.add(str(e["/S"]))
            assert e.get("/K") is not None, e["/S"]
    assert seen == set(leaves)


def test_a_row_continued_on_the_next_page_refers_to_both_pages():
    controls = tuple(f"Control measure number {n} with some words to wrap" for n in range(120))
    data = render_register_pdf(register([risk("CP50", title="Very long controls", controls=controls)]))
    _, root = tree(data)
    bodies = [e for e in elements(root) if e["/S"] == "/LBody"]
    assert len(bodies) == 120
    continued = [
        kid for e in bodies for kid in e["/K"] if isinstance(kid, DictionaryObject) and kid["/Type"] == "/MCR"
    ]
    assert continued  # marked-content references name the later page
    assert all(kid["/Pg"].get_object() is not bodies[0]["/Pg"].get_object() for kid in continued)


def test_the_collector_runs_again_after_renders_nested_or_failed():
    assert gc.isenabled()
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer render is still drawing
    assert gc.isenabled()
    with pytest.raises(ValueError, match="broken"), collector_paused():
        raise ValueError("broken")
    assert gc.isenabled()
    render_register_pdf(register([risk("CP01")]))
    assert gc.isenabled()


def test_a_written_document_is_freed_without_the_collector():
    """~85,000 structure elements of a large review go with the document, not at the next collection."""
    canvas = Canvas("Title", "Subtitle")
    canvas.add_page()
    canvas.paragraph("Words")
    canvas.finish(datetime(2025, 10, 1, 9, 30))
    written = weakref.ref(canvas)
    gc.disable()
    try:
        del canvas
        assert written() is None
    finally:
        gc.enable()


def test_a_published_rating_is_one_cell_spanning_its_parts():
    """A rating kept as published is one TD across likelihood, impact, score and band (ColSpan 4),
    so every row still covers the header's columns."""
    report = published_register()
    _, root = tree(published_register_pdf())
    register_table = [e for e in elements(root) if e["/S"] == "/Table"][-1]
    header, *rows = children(register_table, "/TR")
    width = len(children(header, "/TH"))
    spans = []
    for row in rows:
        cells = children(row, "/TD")
        spans.append(sorted(int(c["/A"]["/ColSpan"]) for c in cells if "/A" in c and "/ColSpan" in c["/A"]))
        covered = sum(int(c["/A"]["/ColSpan"]) if "/A" in c and "/ColSpan" in c["/A"] else 1 for c in cells)
        assert covered == width - 1
    assert spans == [[4], [4]] + [[]] * (len(report.risks) - 2)
