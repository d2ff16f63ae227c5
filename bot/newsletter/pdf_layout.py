"""A PDF's text rebuilt from its layout: one line per paragraph, wrapped lines joined back.

pdf_reading gives every printed line with its box in reading order (columns one after the
other, each numbered as a segment that this module treats like a page). A line is a wrap, not
the end of a paragraph, when the next line's first word would not have fitted in the space left
on it (a typesetter moves a word down only when it does not fit) or, in justified text, when it
was stretched to the right edge; the next line must start at the same left edge with no
vertical gap. A gap between lines becomes a blank line. Over a column or page break, where no
gap can be read, a paragraph goes on unless the column had room for another line or, in
justified text, its short last line ends a sentence. A word hyphenated at a line end loses its
hyphen only when the document spells it elsewhere without one (a soft hyphen always does)."""

from __future__ import annotations

import bisect
import re
from collections import Counter, deque
from dataclasses import dataclass

from bot.newsletter.pdf_reading import Figure, Row
from bot.newsletter.story_events import dateline_place

_SPACES = re.compile(r"[ \t\u00a0]+")
_BULLET = re.compile(r"^[-•·▪*–]\s")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_TERMINAL = (".", "!", "?", "。", "！", "？", "”", '"', ")")
_URL = re.compile(r"^<?https?://", re.I)
_HYPHENATED = re.compile(r"([A-Za-z]+)-$")
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
# A line ending inside a link (no space since "://") and a next line going on with link text.
_URL_END = re.compile(r"https?://\S*$")
_URL_GOES_ON = re.compile(r"^[\w./%#?=&~+-]*[./_%#?=&~-][\w./%#?=&~+-]*>?(?:[.,;:)]|$|\s)")
# Points of slack when comparing left edges and the right edge of a column.
_EDGE = 3.0
# Points by which the right edge seen may fall short of the one the typesetter used.
_SLACK = 0.5
# A wrapped line fills at least this share of its column (a label before a long URL does not).
_FULL_SHARE = 0.3
# Points within which a list item set in from the text's edge is read as nested.
_NEST = 40.0
# Points of font size by which a heading differs from the text after it.
_SIZE_CHANGE = 0.4
# A space's width as a share of the font size (between Helvetica's 0.28 and Times' 0.25).
_SPACE_SHARE = 0.26
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
    foot: float | None = None  # the lowest bottom of the line's band (columns end there)
    bound: float = 0.0  # the gutter right of the line's column (0: none, the page's edge)
    size: float = 0.0
    block_end: bool = False


def _from_row(row: Row) -> _Line:
    """A row of the reading order as a printed line (y grows upwards, as pdfminer measures)."""
    text = _SPACES.sub(" ", row.text).strip()
    first = row.words[0]
    word_end = first.x1
    if _CJK.match(first.text):
        word_end = first.x0 + first.size  # Chinese breaks between any two characters
    return _Line(
        text, row.segment, row.x0, row.x1, -row.top, -row.bottom, word_end - first.x0,
        _SPACE_SHARE * row.size, foot=None if row.foot is None else -row.foot, bound=row.bound,
        size=row.size,
    )  # fmt: skip


def _body_size(rows: list[Row]) -> float:
    sizes = Counter(round(r.size * 2) / 2 for r in rows for _ in r.words)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _captions(entries: list[Row | Figure]) -> set[int]:
    """Ids of the rows that caption a figure (set smaller than the body, right under it), which
    become the figure's caption instead of text of the story."""
    body = _body_size([e for e in entries if isinstance(e, Row)])
    taken: set[int] = set()
    for n, entry in enumerate(entries):
        if not isinstance(entry, Figure):
            continue
        lines: list[Row] = []
        for row in entries[n + 1 :]:
            if not isinstance(row, Row) or row.segment != entry.segment:
                break
            last_bottom = lines[-1].bottom if lines else entry.bottom
            if row.top - last_bottom > (1.5 if not lines else 0.6) * row.size:
                break
            if row.size >= body - 0.25 or row.x0 > entry.x1 or row.x1 < entry.x0:
                break
            lines.append(row)
        entry.caption = " ".join(_SPACES.sub(" ", r.text).strip() for r in lines)
        taken.update(id(r) for r in lines)
    return taken


def _lines(entries: list[Row | Figure]) -> tuple[list[_Line], list[tuple[int, Figure]]]:
    """Printed lines in reading order, each marked where a vertical gap or a column ends it, and
    the figures with the index of the line that follows each."""
    captions = _captions(entries)
    lines: list[_Line] = []
    figures: list[tuple[int, Figure]] = []
    for entry in entries:
        if isinstance(entry, Figure):
            figures.append((len(lines), entry))
        elif id(entry) not in captions and entry.text.strip():
            lines.append(_from_row(entry))
    for line, after in zip(lines, lines[1:], strict=False):
        gap = line.bottom - after.top
        height = max(line.top - line.bottom, after.top - after.bottom)
        line.block_end = after.page != line.page or not 0 <= gap + 1 <= _GAP_SHARE * height
    for index, _ in figures:  # a photo between two lines separates their blocks
        if 0 < index <= len(lines):
            lines[index - 1].block_end = lines[index - 1].block_end or (
                index < len(lines) and lines[index].page == lines[index - 1].page
            )
    if lines:
        lines[-1].block_end = True
    return lines, figures


def _right_edges(lines: list[_Line]) -> list[float]:
    """Each line's column right edge: the furthest any line starting where it starts reaches,
    among lines of the same kind of column (a masthead across the page is not a column line)."""
    edges = [0.0] * len(lines)
    kinds: dict[float, list[int]] = {}
    for n, line in enumerate(lines):
        kinds.setdefault(line.bound, []).append(n)
    for members in kinds.values():
        order = sorted(members, key=lambda n: lines[n].x0)
        # lines whose left edges are within _EDGE points of each one's: a window sliding right,
        # its maximum kept in a deque of falling reaches
        window: deque[int] = deque()
        high = 0
        low = 0
        for n in order:
            x0 = lines[n].x0
            while high < len(order) and lines[order[high]].x0 <= x0 + _EDGE:
                reach = lines[order[high]].x1
                while window and lines[order[window[-1]]].x1 <= reach:
                    window.pop()
                window.append(high)
                high += 1
            while lines[order[low]].x0 < x0 - _EDGE:
                low += 1
            while window[0] < low:
                window.popleft()
            edges[n] = lines[order[window[0]]].x1
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
        first, rest = hyphen[1].lower(), head[0].lower().split("-")[0]
        # A compound keeps its hyphen where the document prints it so elsewhere, or when both
        # its parts are words of the document ("cross-" "border"); else the hyphen was the
        # typesetter's, who leaves syllables ("con-" "cepts"), and the word is joined.
        if f"{first}-{rest}" in words and whole not in words:
            return left + right
        if whole in words or not (first in words and rest in words):
            return left[:-1] + right
        return left + right
    if re.search(r"\d-$", left) and right[:1].isdigit():
        return left + right  # "2019-" and "2021"
    if hyphen and head and right[:1].isupper():
        whole = (hyphen[1] + head[0]).lower()
        if hyphen[1].isupper() and whole in words and f"{hyphen[1]}-{head[0]}".lower() not in words:
            return left[:-1] + right  # "HU-" and "MAN" in a heading set in capitals
        return left + right  # "Anti-" and "Document": a compound of a name
    url = _URL_END.search(left)
    if url and (url.group().endswith(tuple("./_-=?&#%~")) or _URL_GOES_ON.match(right)):
        return left + right  # a link broken over two lines has no space in it
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
        if line.block_end and not new_page:
            return False
        if line.text.count("(") > line.text.count(")") and not after.text.startswith("("):
            return True  # "(July" goes on: "- August 2021)" is no list item
        if _BULLET.match(after.text):
            return False
        if new_page and abs(line.size - after.size) > _SIZE_CHANGE:
            return False  # a heading over a column break does not run into the text
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
        foot = self.foot if line.foot is None else line.foot
        return self.pitch > 0 and line.bottom - foot >= 0.9 * self.pitch

    def ends_block(self, n: int) -> bool:
        """True when line n closes its block (a blank line follows it in the text)."""
        line = self.lines[n]
        if n + 1 == len(self.lines) or self.lines[n + 1].page == line.page:
            return line.block_end
        # A page break leaves no gap to read: a block ends where the page had room for more, or
        # with a finished sentence, or where the type changes size (a heading, then text); name
        # and role lines or a heading run on over the break.
        after = self.lines[n + 1]
        return (
            self.room_below(line)
            or line.text.endswith(_TERMINAL)
            or abs(line.size - after.size) > _SIZE_CHANGE
        )


def _document_words(lines: list[_Line]) -> set[str]:
    """Every word and hyphenated compound printed whole (not cut at a line end), lower case."""
    words: set[str] = set()
    cut = False
    for line in lines:
        found = [w.lower() for w in _WORD.findall(line.text)]
        if cut and found:
            found.pop(0)
        cut = line.text.endswith(("-", "\u00ad"))
        if cut and found:
            found.pop()
        for word in found:
            words.add(word)
            words.update(part for part in word.split("-") if len(part) > 1)
    return words


@dataclass
class PlacedFigure:
    """A figure of the PDF and the paragraphs of the text around it (to find its story)."""

    figure: Figure
    before: str
    after: str


def layout_text(entries: list[Row | Figure]) -> tuple[str, list[PlacedFigure]]:
    """The text with one line per paragraph and a blank line between blocks, and each figure
    with the paragraphs printed before and after it."""
    lines, figures = _lines(entries)
    layout = _Layout(lines)
    every = layout.lines
    words = _document_words(every)
    lefts = sorted(line.x0 for line in every)
    out: list[str] = []
    marks: list[tuple[int, Figure]] = []
    pending = list(figures)
    join_next = False
    for n, line in enumerate(every):
        while pending and pending[0][0] == n:
            marks.append((len(out), pending.pop(0)[1]))
        if join_next:
            out[-1] = _join(out[-1], line.text, words)
        else:
            out.append(_indent(line, lefts) + line.text)
        join_next = n + 1 < len(every) and layout.wraps(n)
        if not join_next and layout.ends_block(n):
            out.append("")
    marks += [(len(out), figure) for _, figure in pending]
    placed = []
    for index, figure in marks:
        before = next((t for t in reversed(out[:index]) if t.strip()), "")
        after = next((t for t in out[index:] if t.strip()), "")
        placed.append(PlacedFigure(figure, before.strip(), after.strip()))
    return "\n".join(out).strip("\n") + "\n", placed
