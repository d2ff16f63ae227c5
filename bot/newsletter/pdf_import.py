"""The newsletter PDF to an Issue: text extraction with pypdf, then the text importer."""

from __future__ import annotations

import io
import logging
import re

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

from bot.newsletter.decode import IssueImportError
from bot.newsletter.model import Issue
from bot.newsletter.text_import import import_text

log = logging.getLogger(__name__)

# Newsletter PDFs carry photos; 50 MB leaves room for them and still refuses a runaway upload.
MAX_PDF_BYTES = 50 * 1024 * 1024
_SPACES = re.compile(r"[ \t\u00a0]+")


def _clean(line: str) -> str:
    """Justified text comes out with runs of spaces; a list item keeps a little indentation."""
    stripped = _SPACES.sub(" ", line.strip())
    indent = len(line) - len(line.lstrip())
    if stripped[:1] in "-•·▪" and 0 < indent <= 8:
        return " " + stripped
    return stripped


def pdf_to_text(data: bytes) -> str:
    """The PDF's text in reading order, blank lines kept where the page shows vertical gaps."""
    if len(data) > MAX_PDF_BYTES:
        raise IssueImportError(
            f"the PDF is {len(data) / 1048576:.1f} MB; the limit is {MAX_PDF_BYTES // 1048576} MB"
        )
    if not data.lstrip().startswith(b"%PDF"):
        raise IssueImportError("this is not a PDF file (it does not start with %PDF)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise IssueImportError("the PDF is encrypted; export an unprotected copy")
        # Layout mode keeps blank lines between blocks, which the text importer relies on.
        pages = [page.extract_text(extraction_mode="layout") for page in reader.pages]
    except (PdfReadError, PyPdfError, ValueError, KeyError) as exc:
        if isinstance(exc, IssueImportError):
            raise
        raise IssueImportError(
            f"the PDF cannot be read: {str(exc).splitlines()[0][:120]}"
        ) from None
    text = "\n\n".join("\n".join(_clean(line) for line in page.split("\n")) for page in pages)
    if not text.strip():
        raise IssueImportError("the PDF has no text layer (a scanned image?); OCR it first")
    log.info("extracted %s characters from a %s-page PDF", len(text), len(pages))
    return text


def import_pdf_bytes(data: bytes) -> Issue:
    """Import the newsletter from the bytes of its PDF."""
    return import_text(pdf_to_text(data))
