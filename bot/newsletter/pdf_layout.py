"""A PDF's text rebuilt from its layout: one line per paragraph, wrapped lines joined back.

pdfminer.six gives every text line with its box (the newsletter is read as one column, top to
bottom). A line is a wrap, not the end of a paragraph, when the next line's first word would
not have fitted in the space left on it (a typesetter moves a word down only when it does not
fit) or, in justified text, when it was stretched to the right edge; the next line must start at
the same left edge with no vertical gap. A gap between lines becomes a blank line. Over a page
break, where no gap can be read, a paragraph goes on unless the page had room for another line
or, in justified text, its short last line ends a sentence. A word hyphenated at a line end
loses its hyphen only when the document spells it elsewhere without one."""

from __future__ import annotations

import bisect
import io
import re
from dataclasses import dataclass

from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTChar, LTPage, LTTextContainer, LTTextLine

from bot.newsletter.events import dateline_place

_SPACES = re.compile(r"[ \t\u00a0]+")
_BULLET = re.compile(r"^[-•·▪*–]\s")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_TERMINAL = (".", "!", "?", "。", "！", "？", "”", '"', ")")
_URL = re.compile(r"^<?https?://", re.I)
_HYPHENATED = re.compile(r"([A-Za-z]+)-$")
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
# Points of slack when comparing left edges and the right edge of a column.
_EDGE = 3.0
# Points by which the right edge seen may fall short of the one the typesetter used.
_SLACK = 0.5
# A wrapped line fills at least this share of its column (a label before a long URL does not).
_FULL_SHARE = 0.3
# Points within which a list item set in from the text's edge is read as nested.
_NEST = 40.0
# Justified lines with few words have wide gaps; a large char_margin keeps each a single line
# (the newsletter is set in one column, so no neighbouring column gets merged in).
_PARAMS = LAParams(char_margin=60.0, line_margin=0.5, word_margin=0.1)
# Share of lines reaching their column's right edge above which the text is read as justified.
_JUSTIFIED_SHARE = 0.2
# A gap between lines taller than this share of a line's height separates two blocks.
_GAP_SHARE = 0.6


@dataclass
class _Line:
    """One printed line: its text, where it sits, and how wide its first word is."""

    text: str
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    first_word: float
    space: float
    block_end: bool = False


def _line(container: LTTextLine, page: int) -> _Line | None:
    """The line pdfminer found, measured; None when it holds no printed character."""
    chars = [c for c in container if isinstance(c, LTChar)]
    text = _SPACES.sub(" ", container.get_text().replace("\n", " ")).strip()
    if not chars or not text:
        return None
    first = chars[0]
    word_end = first.x1
    for item in container:  # spaces may be glyphs or gaps pdfminer fills in (LTAnno)
        if item.get_text().isspace():
            break
        if isinstance(item, LTChar):
            word_end = item.x1
    if _CJK.match(first.get_text()):
        word_end = first.x1  # Chinese breaks between any two characters
    spaces = [c.width for c in chars if c.get_text() == " "]
    space = min(spaces) if spaces else 0.26 * max(c.size for c in chars)
    return _Line(
        text, page, container.x0, container.x1, container.y1, container.y0,
        word_end - first.x0, space,
    )  # fmt: skip


def _lines(data: bytes) -> list[_Line]:
    """Every text line in reading order, each marked where a vertical gap or a page ends it."""
    lines: list[_Line] = []
    for number, page in enumerate(extract_pages(io.BytesIO(data), laparams=_PARAMS)):
        assert isinstance(page, LTPage)
        start = len(lines)
        for item in page:
            if not isinstance(item, LTTextContainer):
                continue
            for container in [item] if isinstance(item, LTTextLine) else list(item):
                if isinstance(container, LTTextLine) and (line := _line(container, number)):
                    lines.append(line)
        # One column read top to bottom; pdfminer's own box order can put a block out of place.
        lines[start:] = sorted(lines[start:], key=lambda line: (-line.top, line.x0))
    for line, after in zip(lines, lines[1:], strict=False):
        gap = line.bottom - after.top
        height = max(line.top - line.bottom, after.top - after.bottom)
        line.block_end = after.page != line.page or not 0 <= gap + 1 <= _GAP_SHARE * height
    if lines:
        lines[-1].block_end = True
    return lines


def _right_edges(lines: list[_Line]) -> list[float]:
    """Each line's column right edge: the furthest any line starting where it starts reaches."""
    order = sorted(range(len(lines)), key=lambda n: lines[n].x0)
    edges = [0.0] * len(lines)
    low = 0
    for n in order:  # lines whose left edges are within _EDGE points of this one's, in a window
        x0 = lines[n].x0
        while lines[order[low]].x0 < x0 - _EDGE:
            low += 1
        high = low
        reach = 0.0
        while high < len(order) and lines[order[high]].x0 <= x0 + _EDGE:
            reach = max(reach, lines[order[high]].x1)
            high += 1
        edges[n] = reach
    return edges


def _indent(line: _Line, lefts: list[float]) -> str:
    """Spaces for a list item set in from the text's left edge (a nested item), else nothing;
    `lefts` are the left edges of all lines, sorted."""
    if not _BULLET.match(line.text):
        return ""
    left = lefts[bisect.bisect_left(lefts, line.x0 - _NEST)]
    return " " * min(8, round((line.x0 - left) / line.space))


def _join(left: str, right: str, words: set[str]) -> str:
    """Two parts of a wrapped paragraph as one: a space between words, none inside Chinese."""
    if left.endswith("\u00ad"):
        return left[:-1] + right
    hyphen = _HYPHENATED.search(left)
    head = _WORD.match(right)
    if hyphen and head and right[:1].islower():
        whole = (hyphen[1] + head[0]).lower()
        if whole in words and f"{hyphen[1]}-{head[0]}".lower() not in words:
            return left[:-1] + right
        return left + right
    if _CJK.match(left[-1:]) and _CJK.match(right[:1]):
        return left + right
    return f"{left} {right}"


class _Layout:
    """The lines of one PDF and what its whole layout tells about them."""

    def __init__(self, lines: list[_Line]) -> None:
        self.lines = lines
        self.right = _right_edges(lines)
        # Justified text stretches every wrapped line to the edge, so reaching it means a wrap.
        at_edge = sum(line.x1 >= r - _SLACK for line, r in zip(lines, self.right, strict=True))
        self.justified = at_edge >= max(3, _JUSTIFIED_SHARE * len(lines))
        self.foot = min((line.bottom for line in lines), default=0.0)
        pitches = sorted(
            a.top - b.top
            for a, b in zip(lines, lines[1:], strict=False)
            if a.page == b.page and not a.block_end
        )
        self.pitch = pitches[len(pitches) // 2] if pitches else 0.0

    def wraps(self, n: int) -> bool:
        """True when line n+1 carries on the paragraph line n was wrapped from."""
        line, after, right = self.lines[n], self.lines[n + 1], self.right[n]
        new_page = after.page != line.page
        if (line.block_end and not new_page) or _BULLET.match(after.text):
            return False
        if after.x0 < line.x0 - _EDGE or dateline_place(after.text):
            return False  # "11 May 2021, Beijing" under a title is a line of its own
        if bool(_CJK.match(line.text[-1])) != bool(_CJK.match(after.text[0])):
            return False  # a change of script at a line end is a new line, not a wrap
        if line.x1 - line.x0 < _FULL_SHARE * (right - line.x0):
            return False
        if new_page and self.room_below(line):
            return False
        if self.justified and line.x1 >= right - _SLACK:
            return True  # justified text stretches each wrapped line to the edge
        if new_page and self.justified and line.text.endswith(_TERMINAL):
            # and leaves a paragraph's last line short: with no gap to read over a page break,
            # a short finished sentence there ends its paragraph (a ragged title goes on).
            return False
        if new_page and line.text.endswith(_TERMINAL) and _URL.match(after.text):
            return False  # a source link heading the next page stands on its own
        return line.x1 + line.space + after.first_word > right - _SLACK

    def room_below(self, line: _Line) -> bool:
        """True when another line would have fitted under this one at its page's foot."""
        return self.pitch > 0 and line.bottom - self.foot >= 0.9 * self.pitch

    def ends_block(self, n: int) -> bool:
        """True when line n closes its block (a blank line follows it in the text)."""
        line = self.lines[n]
        if n + 1 == len(self.lines) or self.lines[n + 1].page == line.page:
            return line.block_end
        # A page break leaves no gap to read: a block ends where the page had room for more, or
        # with a finished sentence; name and role lines or a heading run on over the break.
        return self.room_below(line) or line.text.endswith(_TERMINAL)


def layout_text(data: bytes) -> str:
    """The PDF's text with one line per paragraph and a blank line between blocks."""
    layout = _Layout(_lines(data))
    every = layout.lines
    words = {w.lower() for line in every for w in _WORD.findall(line.text)}
    lefts = sorted(line.x0 for line in every)
    out: list[str] = []
    join_next = False
    for n, line in enumerate(every):
        if join_next:
            out[-1] = _join(out[-1], line.text, words)
        else:
            out.append(_indent(line, lefts) + line.text)
        join_next = n + 1 < len(every) and layout.wraps(n)
        if not join_next and layout.ends_block(n):
            out.append("")
    return "\n".join(out).strip("\n") + "\n"
