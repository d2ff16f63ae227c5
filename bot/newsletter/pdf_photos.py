"""The photos of a designed PDF: extracted with pypdfium2, logos and ornaments left out.

A picture is an ornament when it is tiny (a logo in the masthead, a bullet, a rule drawn as an
image) or when the same pixels stand on many pages (a logo in the running head). The rest are
photos: each is converted to a JPEG or PNG within WeChat's upload limit (images.prepare_image)
and named by its place (page and order) so the reader can find its caption and story.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections import defaultdict
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from bot.newsletter.images import (
    MAX_PIXELS,
    MAX_SIDE,
    UPLOAD_LIMIT,
    PhotoError,
    PreparedPhoto,
    prepare_image,
)
from bot.newsletter.pdf_reading import Document, Figure

log = logging.getLogger(__name__)

# An image shown smaller than this many points on a side, or of fewer pixels, is an ornament.
MIN_SHOWN = 56.0
MIN_PIXELS_SIDE = 80
# Pixels of the same picture on at least this share of pages (and two) make it a logo.
_REPEAT_SHARE = 0.25


@dataclass
class PdfPhotos:
    """Where each photo stands (by page), its prepared bytes, and what was left out or refused."""

    figures: dict[int, list[Figure]]
    prepared: dict[tuple[int, int], PreparedPhoto]
    warnings: list[str]


def _as_it_is(stream: bytes | None) -> PreparedPhoto | None:
    """A JPEG stream kept as it is when WeChat takes it (RGB or grey, under the upload limit,
    not too large): decoding and encoding it again would cost time and quality."""
    if not stream or len(stream) > UPLOAD_LIMIT:
        return None
    try:
        image = Image.open(io.BytesIO(stream))
    except Exception:  # not a JPEG Pillow reads: the pdfium path decodes it
        return None
    if image.format != "JPEG" or image.mode not in ("RGB", "L") or max(image.size) > MAX_SIDE:
        return None
    return PreparedPhoto(stream, image.width, image.height, "image/jpeg")


def extract_photos(pdf: Document) -> PdfPhotos:
    """Every photo of the PDF with its place; logos, ornaments and unreadable images left out."""
    seen: dict[str, set[int]] = defaultdict(set)
    candidates: list[tuple[Figure, str]] = []
    streams: dict[str, bytes] = {}  # JPEG streams, which may go as they are
    warnings: list[str] = []
    for number, page in enumerate(pdf.pages):
        height = page.get_height()
        for index, image in enumerate(pdf.objects(number, pdfium_c.FPDF_PAGEOBJ_IMAGE)):
            left, bottom, right, top = image.get_bounds()
            width_px, height_px = image.get_px_size()
            if right - left < MIN_SHOWN or top - bottom < MIN_SHOWN:
                continue
            if min(width_px, height_px) < MIN_PIXELS_SIDE:
                continue
            if width_px * height_px > MAX_PIXELS:
                warnings.append(
                    f"page {number + 1}: a picture of {width_px}×{height_px} pixels is too "
                    "large to read; left out"
                )
                continue
            # The undecoded stream names the picture: a logo repeated is the same stream.
            stream = bytes(image.get_data(decode_simple=False))
            digest = hashlib.sha1(stream).hexdigest()
            seen[digest].add(number)
            candidates.append(
                (Figure(number, left, height - top, right, height - bottom, index), digest)
            )
            if image.get_filters() == ["DCTDecode"] and digest not in streams:
                streams[digest] = stream
    need = max(2, round(_REPEAT_SHARE * len(pdf)))
    figures: dict[int, list[Figure]] = defaultdict(list)
    prepared: dict[tuple[int, int], PreparedPhoto] = {}
    done: dict[str, PreparedPhoto] = {}
    for figure, digest in candidates:
        if len(seen[digest]) >= need:
            continue  # a logo or ornament in the running head or on every page
        try:
            photo = done.get(digest) or _as_it_is(streams.get(digest))
            if photo is None:
                image = pdf.objects(figure.page, pdfium_c.FPDF_PAGEOBJ_IMAGE)[figure.index]
                photo = prepare_image(image.get_bitmap(render=False).to_pil())
        except (PhotoError, pdfium.PdfiumError, OSError, ValueError) as exc:
            warnings.append(f"page {figure.page + 1}: a photo was left out: {exc}")
            continue
        done[digest] = photo
        figures[figure.page].append(figure)
        prepared[(figure.page, figure.index)] = photo
    log.info("found %s photos in the PDF", len(prepared))
    return PdfPhotos(dict(figures), prepared, warnings)
