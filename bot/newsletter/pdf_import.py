"""The newsletter PDF to an Issue: checked with pypdf, read in order (columns, boxes, running
heads left out), its text imported, and its photos placed in the stories they stand in."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

from bot.newsletter.decode import IssueImportError
from bot.newsletter.model import Issue
from bot.newsletter.pdf_layout import PlacedFigure, layout_text
from bot.newsletter.pdf_photos import PdfPhotos, extract_photos
from bot.newsletter.pdf_placing import place_photos
from bot.newsletter.pdf_reading import open_pdf, read_document
from bot.newsletter.text_import import import_text

log = logging.getLogger(__name__)

# Newsletter PDFs carry photos; 50 MB leaves room for them and still refuses a runaway upload.
MAX_PDF_BYTES = 50 * 1024 * 1024


def _unreadable(exc: Exception) -> IssueImportError:
    """The one-line refusal for a PDF that cannot be read, naming the first line of the cause."""
    first = (str(exc).splitlines() or [type(exc).__name__])[0]
    return IssueImportError(f"the PDF cannot be read: {first[:120]}")


def pdf_to_text(data: bytes) -> str:
    """The PDF's text in reading order, one line per paragraph, a blank line between blocks."""
    return _read(data, with_photos=False)[0]


def _read(data: bytes, with_photos: bool) -> tuple[str, list[PlacedFigure], PdfPhotos | None]:
    """The text in reading order, the figures placed in it, and the photos (when asked)."""
    if len(data) > MAX_PDF_BYTES:
        raise IssueImportError(
            f"the PDF is {len(data) / 1048576:.1f} MB; the limit is {MAX_PDF_BYTES // 1048576} MB"
        )
    if not data.lstrip().startswith(b"%PDF"):
        raise IssueImportError("this is not a PDF file (it does not start with %PDF)")
    try:
        # pypdf opens the file first: it names a broken or encrypted PDF in words a person can use.
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise IssueImportError("the PDF is encrypted; export an unprotected copy")
        pages = len(reader.pages)
    except IssueImportError:
        raise
    except (PdfReadError, PyPdfError, ValueError, KeyError) as exc:
        raise _unreadable(exc) from None
    try:
        pdf = open_pdf(data)
        try:
            photos = extract_photos(pdf) if with_photos else None
            entries = read_document(pdf, photos.figures if photos else {})
        finally:
            pdf.close()
        text, placed = layout_text(entries)
    except Exception as exc:  # a damaged file fails inside the parser in many ways
        log.warning("reading the layout of a %s-page PDF failed: %r", pages, exc)
        raise _unreadable(exc) from None
    if not text.strip():
        count = f"{pages} page{'' if pages == 1 else 's'}"
        raise IssueImportError(
            f"the PDF has no text layer ({count} of images only, a scan?); "
            "OCR it or export it again with text"
        )
    log.info("extracted %s characters from a %s-page PDF", len(text), pages)
    return text, placed, photos


def import_pdf_bytes(data: bytes) -> Issue:
    """Import the newsletter from the bytes of its PDF, with its photos in their stories."""
    text, placed, photos = _read(data, with_photos=True)
    issue = import_text(text)
    issue.warnings += photos.warnings
    place_photos(issue, placed, photos.prepared)
    return issue
