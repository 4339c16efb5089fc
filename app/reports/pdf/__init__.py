"""PDF reports (fpdf2): the register of one service and the six-monthly review.

canvas.py draws (pages, running head, headings, paragraphs, tables, band cells) and is
the only module that talks to fpdf2's drawing; tagging.py holds the PDF/UA structure
tree the canvas builds as it draws; register.py and review.py lay out each document
from the report rows; fonts.py holds the embedded font.
"""

from __future__ import annotations

from app.reports.pdf.fonts import warm_up_fonts
from app.reports.pdf.register import render_register_pdf
from app.reports.pdf.review import render_review_pdf

__all__ = ["render_register_pdf", "render_review_pdf", "warm_up_pdf"]


def warm_up_pdf() -> None:
    """Cut and parse the embedded font once (~0.5 s), so the first real PDF is fast."""
    warm_up_fonts()
