"""The PDF register and six-monthly report, read back with pypdf."""

# ruff: noqa: RUF001  (curly quotes and dashes in these strings are the point of the tests)

import io
import re

from pypdf import PdfReader

from app.reports.heatmap import render_heatmap
from app.reports.pdf import render_register_pdf, render_review_pdf

from .builders import community_partnerships, five_by_five, many_risks, register, review_report, risk


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_register_holds_every_risk_band_and_overdue_on_landscape_a4():
    risks = community_partnerships()
    report = register(risks)
    png = render_heatmap(report.matrix, report.heatmap, title="Community Partnerships")
    reader, text = pdf_text(render_register_pdf(report, png))
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)
    for r in risks:
        assert r.ref in text
    for band in ("Low", "Medium", "High", "Very High"):
        assert band in text
    assert "Overdue" in text
    assert "(ST05)" in text
    assert "↑ Up" in text
    assert "• Web access to ASB casework system" in flat(text)
    assert "Heat map as a table" in text
    assert reader.metadata is not None
    assert reader.metadata.title == "Risk register: Community Partnerships"


def test_register_header_row_repeats_on_every_page():
    risks = [r for r in many_risks(400) if r.service_code == "CP"]
    reader, _ = pdf_text(render_register_pdf(register(risks)))
    # the pages after the heat map that hold register rows (the actions may follow on their own page)
    table_pages = [p for p in reader.pages[1:] if re.search(r"\bCP\d\d\b", p.extract_text())]
    assert len(table_pages) > 3
    for page in table_pages:
        assert "Control measures" in flat(page.extract_text())  # the heading may wrap


def test_a_row_taller_than_a_page_continues_on_the_next():
    controls = tuple(f"Control measure number {n} with some words to wrap" for n in range(120))
    long_risk = risk("CP50", title="Very long controls", controls=controls)
    reader, text = pdf_text(render_register_pdf(register([long_risk])))
    assert len(reader.pages) >= 3
    assert "Control measure number 0 " in flat(text)
    assert "Control measure number 119 " in flat(text)


def test_review_holds_every_high_risk_and_the_right_counts():
    risks = many_risks(120)
    report = review_report(risks)
    png = render_heatmap(report.matrix, report.heatmap, title="Council")
    _, text = pdf_text(render_review_pdf(report, png))
    lines = [flat(line) for line in text.splitlines()]
    assert report.high_risks
    for r in report.high_risks:
        assert r.ref in text
    for s in report.summaries:
        counts = " ".join(str(s.counts_by_band[b.name]) for b in report.matrix.bands)
        assert f"{s.service_name} {counts} {s.unassessed} {s.total}" in lines
    totals = [sum(s.counts_by_band[b.name] for s in report.summaries) for b in report.matrix.bands]
    total = sum(s.total for s in report.summaries)
    assert f"Council total {' '.join(map(str, totals))} 0 {total}" in lines
    high = text.split("High and Very High risks")[1].split("Risks not reviewed in the period")[0]
    assert high.count("Very High") + high.count("High") >= len(report.high_risks)
    assert f"High and Very High risks in full ({len(report.high_risks)})" in text


def test_review_sections_come_in_order():
    report = review_report(community_partnerships())
    _, text = pdf_text(render_review_pdf(report))
    wanted = [
        "Six-monthly risk review 2025/26 H1",
        "Summary",
        "Exceptions (",
        "Heat maps: open risks on 30 September 2025",
        "Risks by band and service",
        "High and Very High risks in full (3)",
        "Movement in the period",
        "New risks (opened or reopened in the period) (2)",
        "Closed risks (with their last position before closing) (0)",
        "Risks first assessed in the period (0)",
        "Risks whose score went up (1)",
        "Risks whose score went down (1)",
        "Risks with an unchanged score (3)",
        "Risks not assessed (0)",
        "Long-standing Very High risks (0)",
        "Risks not reviewed in the period (2)",
        "Risks overdue for review (1)",
        "Service registers",
        "Community Partnerships (CP)",
    ]
    position = 0
    for heading in wanted:  # each one after the one before (index raises when missing)
        position = text.index(heading, position) + len(heading)
    assert "CP02 Community Partnerships Total failure of ICT systems 9 High 16 Very High ↑ Up" in flat(text)


def test_awkward_text_does_not_crash_and_prints():
    awkward = risk(
        "CP07",
        title="Council’s “flagship” plan – £2m overspend",
        consequence="שלום עולם and مرحبا بالعالم",
        owner="Head of 財務 (Finance)",
        controls=("NUL\x00 in the middle", "bell\x07 and escape\x1b", "lone surrogate \ud800 here"),
    )
    _, text = pdf_text(render_register_pdf(register([awkward])))
    assert "“flagship”" in text
    assert "–" in text
    assert "£2m" in text
    assert "NUL in the middle" in flat(text)
    assert "Head of ?? (Finance)" in flat(text)  # no glyph in the embedded font: a question mark
    assert "\x00" not in text


def test_empty_review_still_renders():
    report = review_report([])
    _, text = pdf_text(render_review_pdf(report))
    assert "No High and Very High risks on 30 September 2025." in text
    assert "Risks not reviewed in the period (0)" in text
    assert "No exceptions." in text


def test_five_by_five_matrix_review_renders():
    matrix = five_by_five()
    report = review_report(many_risks(50, matrix), matrix=matrix)
    png = render_heatmap(matrix, report.heatmap, title="5x5")
    _, text = pdf_text(render_review_pdf(report, png))
    assert "High and Extreme risks" in text
    assert "Almost Certain (5)" in text


def test_same_report_gives_the_same_bytes():
    report = review_report(community_partnerships())
    assert render_review_pdf(report) == render_review_pdf(report)
