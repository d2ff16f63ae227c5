"""A PDF's characters as words with their boxes, read with pdfium (pypdfium2), normalised.

pdfium gives every character with its box; pdfplumber, on the pdfminer.six parser, gives the
same but took ten times as long on a browser's PDF (a text operator per glyph), and an import
has to stay within seconds. Words are split at spaces, line ends and gaps; ligatures and
full-width Latin letters become plain letters (NFKC), Chinese keeps its full-width punctuation.
"""

from __future__ import annotations

import ctypes
import re
import unicodedata
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

# A gap between two characters wider than this share of their line's height splits a word.
_WORD_GAP = 0.25
# Points: a character box lower than this is a sliver (pdfium's box of some hyphens).
_SLIVER = 2.0
# A character's loose box (the font's ascent to descent) is about this many times its size.
_BOX_PER_SIZE = 1.2
# Full-width ASCII letters and digits (Ａ-Ｚ, ａ-ｚ, ０-９) and the Latin ligatures (ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ).
_COMPAT = re.compile(r"[\ufb00-\ufb06\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_FULLWIDTH_PUNCT = re.compile(r"[\uff01-\uff5e]")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff]")


def normalise(text: str) -> str:
    """Ligatures and full-width Latin as plain letters (NFKC); Chinese text keeps its
    full-width punctuation, which NFKC would turn into ASCII."""
    text = _COMPAT.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = text.replace("\u2010", "-").replace("\u2011", "-")
    if not _CJK.search(text):
        text = _FULLWIDTH_PUNCT.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    return text


@dataclass
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float


def page_words(page) -> list[Word]:
    """The page's words (pdfium's characters split at spaces and line ends), normalised, with
    their boxes in top-down points and their font sizes."""
    height = page.get_height()
    textpage = page.get_textpage()
    words: list[Word] = []
    chars: list[tuple[str, float, float, float, float]] = []

    def flush() -> None:
        if chars:
            text = normalise("".join(c[0] for c in chars)).strip()
            if text:
                x0, x1 = chars[0][1], max(c[2] for c in chars)
                top, bottom = min(c[3] for c in chars), max(c[4] for c in chars)
                words.append(Word(text, x0, x1, top, bottom, (bottom - top) / _BOX_PER_SIZE))
            chars.clear()

    count = textpage.count_chars()
    boxes = _char_boxes(textpage, count)
    _fill_slivers(boxes)
    get_unicode = pdfium_c.FPDFText_GetUnicode
    for n in range(count):
        char = chr(get_unicode(textpage, n))
        left, bottom, right, top = boxes[n]
        if char in "\r\n" or char.isspace():
            # Chromium prints a space of no advance where a word may break (a soft hyphen):
            # the next character starts where it does, and the word goes on.
            after = boxes[n + 1] if n + 1 < count else None
            phantom = after is not None and after[0] < left + 0.3 * (right - left)
            if not (char == " " and phantom and chars):
                flush()
            continue
        if char == "\x02":
            char = "-"  # pdfium's mark for a hyphen ending a line (or a soft hyphen printed)
        if chars:
            last = chars[-1]
            middle, last_middle = height - (top + bottom) / 2, (last[3] + last[4]) / 2
            if (
                left - last[2] > _WORD_GAP * (top - bottom)  # set apart, with no space
                or left < last[1] - 1  # back to the left: the next line, with no line end
                or abs(middle - last_middle) > 0.5 * (top - bottom)
            ):
                flush()
        chars.append((char, left, right, height - top, height - bottom))
    flush()
    textpage.close()
    return words


def _char_boxes(textpage, count: int) -> list[tuple[float, float, float, float]]:
    """Every character's loose box (left, bottom, right, top), read through pdfium's C call
    with one reused rectangle (the helper's per-call set-up was a third of the import)."""
    rect = pdfium_c.FS_RECTF()
    pointer = ctypes.byref(rect)
    get = pdfium_c.FPDFText_GetLooseCharBox
    boxes = []
    for n in range(count):
        get(textpage, n, pointer)
        boxes.append((rect.left, rect.bottom, rect.right, rect.top))
    return boxes


def _fill_slivers(boxes: list) -> None:
    """Give characters whose loose box pdfium reports as a sliver (a hyphen in some fonts) the
    height of their neighbour on the same line, so they sit in their row."""
    for n, (left, bottom, right, top) in enumerate(boxes):
        if top - bottom >= _SLIVER:
            continue
        for k in (n - 1, n + 1, n + 2):
            if 0 <= k < len(boxes) and boxes[k][3] - boxes[k][1] >= _SLIVER:
                b, t = boxes[k][1], boxes[k][3]
                if b - 1 <= (top + bottom) / 2 <= t + 1:
                    boxes[n] = (left, b, right, t)
                    break


_KINDS = (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_PATH)


def _page_objects(page, max_depth: int = 8, form=None, level: int = 0, found=None) -> dict:
    """The page's images and paths (in forms too) as helpers, by pdfium's FPDF_PAGEOBJ_* kind.

    pypdfium2's get_objects makes a helper for every object before filtering; a browser's PDF
    has one text object per glyph (thousands a page), so the type is checked on the raw handle.
    """
    found = found if found is not None else {kind: [] for kind in _KINDS}
    count = pdfium_c.FPDFFormObj_CountObjects if form else pdfium_c.FPDFPage_CountObjects
    get = pdfium_c.FPDFFormObj_GetObject if form else pdfium_c.FPDFPage_GetObject
    parent = form if form is not None else page
    for index in range(max(0, count(parent))):
        raw = get(parent, index)
        if not raw:
            continue
        kind = pdfium_c.FPDFPageObj_GetType(raw)
        if kind in found or (kind == pdfium_c.FPDF_PAGEOBJ_FORM and level < max_depth):
            helper = pdfium.PdfObject(raw, page=page, pdf=page.pdf, container=form, level=level)
            if kind in found:
                found[kind].append(helper)
            else:
                _page_objects(page, max_depth, helper, level + 1, found)
    return found


class Document:
    """A PDF opened with pdfium, its pages and their images and paths each looked up once."""

    def __init__(self, data: bytes) -> None:
        self.pdf = pdfium.PdfDocument(data)
        self.pages = [self.pdf[n] for n in range(len(self.pdf))]
        self._objects: dict[int, dict] = {}

    def __len__(self) -> int:
        return len(self.pages)

    def objects(self, number: int, kind: int) -> list:
        if number not in self._objects:
            self._objects[number] = _page_objects(self.pages[number])
        return self._objects[number][kind]

    def close(self) -> None:
        self._objects.clear()
        for page in self.pages:
            page.close()
        self.pdf.close()


def open_pdf(data: bytes) -> Document:
    """The PDF opened with pdfium (the caller closes it)."""
    return Document(data)
