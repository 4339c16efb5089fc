"""The PDF's embedded font: found without matplotlib, cut down in memory, what it can draw."""

# ruff: noqa: RUF001  (curly quotes and dashes in these strings are the point of the tests)

from app.reports.pdf.fonts import dejavu_sans, drawable, pdf_codepoints, pdf_font_bytes


def test_drawable_replaces_what_the_pdf_font_lacks():
    assert drawable("Head of 財務 ★ ↑ → ✕ שלום مرحبا “ ” – £ €") == "Head of ?? ★ ↑ → ✕ שלום مرحبا “ ” – £ €"


def test_font_files_are_found_and_cut_down_in_memory():
    assert dejavu_sans().name == "DejaVuSans.ttf"
    assert dejavu_sans(bold=True).name == "DejaVuSans-Bold.ttf"
    for bold in (False, True):
        cut = pdf_font_bytes(bold)
        assert 50_000 < len(cut) < dejavu_sans(bold).stat().st_size
    assert ord("£") in pdf_codepoints()
    assert ord("財") not in pdf_codepoints()
