"""Make a PDF from text with fpdf2, as the newsletter's designers would (for the PDF tests)."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from bot.newsletter.covers import find_cjk_font


def text_to_pdf(text: str) -> bytes:
    """A4 pages, one text line per paragraph (wrapped to the page), a gap for each blank line."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    font = find_cjk_font()
    if font is None:
        raise RuntimeError("the PDF test needs a CJK font (apt-get install fonts-wqy-microhei)")
    if Path(font).suffix.lower() == ".ttc":
        pdf.add_font("body", fname=font, collection_font_number=0)
    else:
        pdf.add_font("body", fname=font)
    pdf.set_font("body", size=10)
    for line in text.split("\n"):
        if line.strip():
            pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(5)
    return bytes(pdf.output())
