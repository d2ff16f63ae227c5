"""Make a PDF from text with fpdf2, as the newsletter's designers would (for the PDF tests)."""

from __future__ import annotations

import functools
from pathlib import Path

from fpdf import FPDF

from bot.newsletter.covers import find_cjk_font


def _page(size: float, margin: float) -> FPDF:
    """An A4 document with the CJK-capable body font set at `size` and `margin` mm margins."""
    pdf = FPDF(format="A4")
    pdf.set_margins(margin, margin, margin)
    pdf.set_auto_page_break(True, margin=2 * margin)
    pdf.add_page()
    font = find_cjk_font()
    if font is None:
        raise RuntimeError("the PDF test needs a CJK font (apt-get install fonts-wqy-microhei)")
    if Path(font).suffix.lower() == ".ttc":
        pdf.add_font("body", fname=font, collection_font_number=0)
    else:
        pdf.add_font("body", fname=font)
    pdf.set_font("body", size=size)
    return pdf


@functools.lru_cache(maxsize=4)
def _measuring_page(size: float, margin: float) -> FPDF:
    return _page(size, margin)  # loading the font is the slow part; measuring changes nothing


def fits_on_a_line(text: str, *, size: float = 10, margin: float = 10) -> bool:
    """True when `text` fits on one line of `text_to_pdf`'s page (inside the cell's padding)."""
    pdf = _measuring_page(size, margin)
    return pdf.get_string_width(text) <= pdf.epw - 2 * pdf.c_margin


def text_to_pdf(
    text: str, *, size: float = 10, margin: float = 10, align: str = "J", ragged_titles=False
) -> bytes:
    """A4 pages, one text line per paragraph (wrapped to the page), a gap for each blank line.

    `size` is the font size in points, `margin` the page margins in mm, `align` "J" (justified)
    or "L" (ragged right); with `ragged_titles`, lines that end no sentence (titles, names) are
    set ragged right in justified text, as designers set headings.
    """
    pdf = _page(size, margin)
    height = size / 2
    for line in text.split("\n"):
        if line.strip():
            # A nested list item is set in from the margin, two spaces' width for each space.
            indent = len(line) - len(line.lstrip(" "))
            pdf.set_x(margin + indent * size * 0.18)
            title = ragged_titles and not line.rstrip().endswith((".", "!", "?", ";", '"'))
            pdf.multi_cell(
                0, height, line.lstrip(" "), align="L" if title else align, new_x="LMARGIN",
                new_y="NEXT",
            )  # fmt: skip
        else:
            pdf.ln(height)
    return bytes(pdf.output())
