"""The reading order of a designed PDF: columns found from their gutters, running heads dropped.

pdfium (pypdfium2) gives every character with its box; pdfplumber, on the pdfminer.six parser,
gives the same but takes ten times as long on a browser's PDF (a text operator per glyph), and
an import has to stay within seconds. On each page the words are grouped into rows (one
baseline); a gutter is an upright strip that rows with text on both of its sides leave empty.
Rows, boxes and photos that cross a gutter span the columns (a masthead, a banner, a title
across); they cut the page into bands, and each band is read column by column, top to bottom.
A box (a rectangle drawn around text: the index, a sidebar) is read as one piece where it sits.
Rows repeated at the same place on many pages (running headers and footers, with their page
numbers) and lone page numbers in the margins are dropped. Text is normalised: ligatures and
full-width Latin letters become plain letters (NFKC), Chinese stays as it is.

Each column of each band is numbered as a `segment`: the paragraph logic of pdf_layout treats
a move to the next column like a page break.
"""

from __future__ import annotations

import ctypes
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

# Points: a gutter is at least this wide, rows are one baseline within this share of a size.
_GUTTER_MIN = 5.0
# A gap narrower than this share of the font size between two Chinese words is no space.
_SPACE_GAP = 0.15
# A gap between two characters wider than this share of their line's height splits a word.
_WORD_GAP = 0.25
# Points: a character box lower than this is a sliver (pdfium's box of some hyphens).
_SLIVER = 2.0
# A character's loose box (the font's ascent to descent) is about this many times its size.
_BOX_PER_SIZE = 1.2
_ROW_SHARE = 0.5
# Share of a page's rows that may cross a gutter (rows spanning the columns) and still leave it.
_CROSSING_SHARE = 0.35
_SIDE_ROWS = 3
# A column's left edge is where at least this share of the page's rows start a word.
_EDGE_SHARE = 0.15
# Points: no column is narrower than this.
_MIN_COLUMN = 60
# A running head or foot: the same text (digits aside) at the same height on this share of pages.
_REPEAT_SHARE = 0.3
_MARGIN_SHARE = 0.1
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?$", re.I)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff]")
# Full-width ASCII letters and digits (Ａ-Ｚ, ａ-ｚ, ０-９) and the Latin ligatures (ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ).
_COMPAT = re.compile(r"[\ufb00-\ufb06\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_FULLWIDTH_PUNCT = re.compile(r"[\uff01-\uff5e]")
# Boxes: a drawn rectangle around text, not a page background or a rule.
_BOX_MIN = 15.0
_BOX_PAGE_SHARE = 0.9


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


@dataclass
class Row:
    """Words on one baseline of one column (or across the page), left to right."""

    words: list[Word]
    page: int = 0
    segment: int = 0
    # The lowest bottom of the row's band of columns, for "room below" at a column's end; None
    # for a page in one column, whose foot is the document's (the lowest line of any page).
    foot: float | None = None
    bound: float = 0.0  # the gutter right of the row's column; 0 for a row across the page

    @property
    def text(self) -> str:
        out, last = "", None
        for n, word in enumerate(self.words):
            text = word.text
            if n + 1 < len(self.words) or not text.endswith("\u00ad"):
                # A printed soft hyphen is a hyphen: some fonts map their one hyphen glyph to it.
                text = text.replace("\u00ad", "-")
            # Letter-spaced Chinese splits into "words" with no space between them.
            tight = last is not None and word.x0 - last.x1 < _SPACE_GAP * word.size
            joiner = "" if not out or (tight and _CJK.match(out[-1])) else " "
            out += joiner + text
            last = word
        return out

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def size(self) -> float:
        return max(w.size for w in self.words)


@dataclass
class Figure:
    """A picture on a page (top-down coordinates) and what the reader learns about it."""

    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    index: int  # its order among the page's image objects
    caption: str = ""
    segment: int = 0


@dataclass
class _Item:
    """A piece of a page read as one: a row, a box of rows, or a figure."""

    x0: float
    top: float
    x1: float
    bottom: float
    rows: list[Row] = field(default_factory=list)
    figure: Figure | None = None


@dataclass
class PageReading:
    """One page in reading order: rows and figures, each with its segment number."""

    entries: list[Row | Figure]
    height: float


def _words(page) -> list[Word]:
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


def _rows(words: list[Word]) -> list[Row]:
    """Words grouped into baselines (a row may hold several columns' lines), top to bottom."""
    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.bottom, w.x0)):
        if rows:
            last = rows[-1]
            ref = last[-1]
            if abs(word.bottom - ref.bottom) <= _ROW_SHARE * min(word.size, ref.size):
                last.append(word)
                continue
        rows.append([word])
    return [Row(sorted(r, key=lambda w: w.x0)) for r in rows]


def _gutters(rows: list[Row]) -> list[float]:
    """x positions of the gutters between columns. A column shows as a left edge where many
    rows start a word after empty space; its gutter is the strip left of that edge that only
    rows spanning the columns (few) cross."""
    if len(rows) < 2:
        return []
    left = int(min(r.x0 for r in rows))
    right = int(max(r.x1 for r in rows)) + 1
    cover = [0] * (right - left + 2)
    starts: Counter = Counter()
    for row in rows:
        last = None
        for word in row.words:
            for x in range(max(left, int(word.x0)), min(right, int(word.x1) + 1)):
                cover[x - left] += 1
            if last is None or word.x0 - last.x1 >= _GUTTER_MIN:
                starts[round(word.x0)] += 1
            last = word
    limit = _CROSSING_SHARE * len(rows)
    need = max(_SIDE_ROWS, _EDGE_SHARE * len(rows))
    gutters: list[float] = []
    for edge in sorted(starts):
        if edge < left + _MIN_COLUMN or edge > right - _MIN_COLUMN:
            continue
        if sum(starts[e] for e in range(edge - 2, edge + 3)) < need:
            continue
        if gutters and edge - gutters[-1] < _MIN_COLUMN:
            continue
        # the empty strip just left of the edge, walking left while only spanning rows cover it
        x = edge - left - 2
        while x > 0 and cover[x] <= limit:
            x -= 1
        strip = range(x + 1, edge - left - 1)
        if len(strip) < _GUTTER_MIN:
            continue
        low = min(cover[i] for i in strip)
        spots = [left + i for i in strip if cover[i] == low]
        gutters.append((spots[0] + spots[-1]) / 2)
    return gutters


def _fits(gutters: list[float], rows: list[Row]) -> bool:
    """True when the document's gutters suit a page with little text: text on both sides and
    few rows crossing them."""
    if not gutters or not rows:
        return False
    crossing = sum(1 for r in rows if any(w.x0 < g < w.x1 for g in gutters for w in r.words))
    left = any(w.x1 < gutters[0] for r in rows for w in r.words)
    right = any(w.x0 > gutters[-1] for r in rows for w in r.words)
    return left and right and crossing <= max(1, _CROSSING_SHARE * len(rows))


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


def _boxes(page, paths: list, words: list[Word]) -> list[tuple[float, float, float, float]]:
    """Rectangles drawn around words (outermost ones), as (x0, top, x1, bottom)."""
    width, height = page.get_width(), page.get_height()
    found = []
    for path in paths:
        left, bottom, right, top = path.get_bounds()
        x0, x1, top, bottom = left, right, height - top, height - bottom
        if x1 - x0 < _BOX_MIN or bottom - top < _BOX_MIN:
            continue
        if (x1 - x0) * (bottom - top) > _BOX_PAGE_SHARE * width * height:
            continue
        if any(x0 <= w.x0 and w.x1 <= x1 and top <= w.top and w.bottom <= bottom for w in words):
            found.append((x0, top, x1, bottom))
    outer = [
        b
        for b in found
        if not any(o != b and o[0] <= b[0] and o[1] <= b[1] and b[2] <= o[2] and b[3] <= o[3]
                   for o in found)
    ]  # fmt: skip
    return outer


def _inside(word: Word, box) -> bool:
    return box[0] <= word.x0 and word.x1 <= box[2] and box[1] <= word.top and word.bottom <= box[3]


def _split(row: Row, gutters: list[float]) -> list[Row] | None:
    """The row's words per column, or None when a word crosses a gutter (a spanning row)."""
    parts: dict[int, list[Word]] = defaultdict(list)
    for word in row.words:
        if any(word.x0 < g < word.x1 for g in gutters):
            return None
        parts[sum(1 for g in gutters if word.x0 >= g)].append(word)
    return [Row(parts[c]) for c in sorted(parts)]


def _column(x0: float, x1: float, gutters: list[float]) -> int | None:
    """The column an item sits in, or None when it crosses a gutter."""
    if any(x0 < g - 1 < x1 - 2 for g in gutters):
        return None
    return sum(1 for g in gutters if (x0 + x1) / 2 >= g)


@dataclass
class _PageText:
    words: list[Word]
    boxes: list[tuple[float, float, float, float]]
    rows: list[Row]
    gutters: list[float]
    height: float


def _page_text(page, paths: list) -> _PageText:
    """The page's words, boxes, loose rows (outside boxes) and the gutters they show."""
    words = _words(page)
    boxes = _boxes(page, paths, words)
    rows = _rows([w for w in words if not any(_inside(w, b) for b in boxes)])
    return _PageText(words, boxes, rows, _gutters(rows), page.get_height())


def read_page(text: _PageText, number: int, figures: list[Figure]) -> PageReading:
    """The page's rows and figures in reading order, segments numbered from 0 on this page."""
    words, boxes, rows, gutters = text.words, text.boxes, text.rows, text.gutters
    spanning: list[_Item] = []
    columns: list[tuple[int, _Item]] = []

    def place(item: _Item) -> None:
        column = _column(item.x0, item.x1, gutters)
        if column is None:
            spanning.append(item)
        else:
            columns.append((column, item))

    for row in rows:
        parts = _split(row, gutters) if gutters else [row]
        if parts is None:
            spanning.append(_Item(row.x0, row.top, row.x1, row.bottom, [row]))
            continue
        for part in parts:
            columns.append(
                (_column(part.x0, part.x1, gutters) or 0, _Item(part.x0, part.top, part.x1,
                                                                 part.bottom, [part]))
            )  # fmt: skip
    for box in boxes:
        inside = _rows([w for w in words if _inside(w, box)])
        place(_Item(box[0], box[1], box[2], box[3], inside))
    for figure in figures:
        place(_Item(figure.x0, figure.top, figure.x1, figure.bottom, figure=figure))
    _widen(spanning, columns)
    spanning.sort(key=lambda item: item.top)

    def band(item: _Item) -> int:
        middle = (item.top + item.bottom) / 2
        return sum(1 for s in spanning if s.bottom <= middle)

    entries: list[Row | Figure] = []
    segment = 0
    grouped: dict[int, dict[int, list[_Item]]] = defaultdict(lambda: defaultdict(list))
    for column, item in columns:
        grouped[band(item)][column].append(item)
    for index in range(len(spanning) + 1):
        if index > 0:
            # lines across the page one after the other (a masthead, a title on two lines)
            # are one piece; columns between two of them start a new one
            if index == 1 or grouped.get(index - 1):
                segment += 1
            _emit([spanning[index - 1]], entries, segment, number)
        cols = grouped.get(index, {})
        band_rows = [r for items in cols.values() for i in items for r in i.rows]
        foot = max((r.bottom for r in band_rows), default=0.0) if len(cols) > 1 else None
        for column in sorted(cols):
            items = sorted(cols[column], key=lambda item: item.top)
            bound = gutters[column] if column < len(gutters) else -1.0
            segment = _emit(items, entries, segment + 1, number, foot, bound) - 1
    return PageReading(entries, text.height)


def _widen(spanning: list[_Item], columns: list[tuple[int, _Item]]) -> None:
    """Move into `spanning` the short lines of a block across the page (a masthead's "10TH
    ISSUE" crosses no gutter): a row with nothing beside it in another column, set in the size
    of a spanning row right above or below it."""
    changed = True
    while changed:
        changed = False
        for entry in list(columns):
            column, item = entry
            if item.figure is not None or len(item.rows) != 1:
                continue
            row = item.rows[0]
            beside = any(
                other is not item and c != column and other.top < item.bottom
                and item.top < other.bottom
                for c, other in columns
            )  # fmt: skip
            if beside:
                continue
            near = any(
                s.rows and abs(s.rows[-1].size - row.size) <= 0.5
                and min(abs(item.top - s.bottom), abs(s.top - item.bottom)) <= 1.2 * row.size
                for s in spanning
            )  # fmt: skip
            if near:
                columns.remove(entry)
                spanning.append(item)
                changed = True


def _emit(items: list[_Item], entries: list, segment: int, page: int, foot=None, bound=0.0) -> int:
    """Append items' rows and figures as one segment; return the next segment number."""
    for item in items:
        if item.figure is not None:
            item.figure.segment = segment
            entries.append(item.figure)
        for row in item.rows:
            row.page, row.segment = page, segment
            row.foot = foot
            row.bound = bound
            entries.append(row)
    return segment + 1


def _running_heads(texts: list[_PageText]) -> None:
    """Leave out rows that are running heads and feet (the same text, digits aside, at the same
    height on many pages) or lone page numbers in the top or bottom margin."""
    seen: Counter = Counter()
    for text in texts:
        seen.update({_head_key(row) for row in text.rows})
    need = max(2, round(_REPEAT_SHARE * len(texts)))
    for text in texts:
        margin = _MARGIN_SHARE * text.height
        drop = []
        for row in text.rows:
            in_margin = row.top < margin or row.bottom > text.height - margin
            if seen[_head_key(row)] >= need or (in_margin and _PAGE_NUMBER.match(row.text.strip())):
                drop.append(row)
        if drop:
            gone = {id(w) for row in drop for w in row.words}
            text.rows = [row for row in text.rows if row not in drop]
            text.words = [w for w in text.words if id(w) not in gone]
            text.gutters = _gutters(text.rows)


def _head_key(row: Row) -> tuple[str, int]:
    return re.sub(r"\d+", "#", row.text.casefold()), round(row.top / 6)


def open_pdf(data: bytes) -> Document:
    """The PDF opened with pdfium (the caller closes it)."""
    return Document(data)


def read_document(pdf: Document, figures: dict[int, list[Figure]]) -> list[Row | Figure]:
    """Every page's rows and figures in reading order, running heads and page numbers left out;
    segments are numbered across the document."""
    texts = []
    for number, page in enumerate(pdf.pages):
        texts.append(_page_text(page, pdf.objects(number, pdfium_c.FPDF_PAGEOBJ_PATH)))
    _running_heads(texts)
    # Columns keep their place from page to page: a page with too little text to show its
    # gutters (a short last page) takes the ones most pages show.
    found = Counter(tuple(round(g / 3) * 3 for g in t.gutters) for t in texts if t.gutters)
    common = list(found.most_common(1)[0][0]) if found else []
    pages = []
    for number, text in enumerate(texts):
        if not text.gutters and _fits(common, text.rows):
            text.gutters = common
        pages.append(read_page(text, number, figures.get(number, [])))
    out: list[Row | Figure] = []
    base = 0
    for reading in pages:
        top_segment = 0
        for entry in reading.entries:
            top_segment = max(top_segment, entry.segment + 1)
            entry.segment += base
            out.append(entry)
        base += max(top_segment, 1)
    return out
