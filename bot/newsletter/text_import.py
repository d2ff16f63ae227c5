"""Text extracted from the newsletter PDF to an Issue, segmented with the help of its INDEX.

Layout read: masthead ("9TH ISSUE", "JUNE 2021"), FOREWORD with a signature block, INDEX
("PAGE N: SECTION" then "- story" lines), then the body: section headings in capitals, story
titles, paragraphs, quote blocks (a paragraph followed by a name line and role lines), bullet
lists, datelines, URLs, Chinese lines, the policy corner (capitalised titles ending in a
bracketed date) and COMING SOON ("- Title (Month YYYY)"). What cannot be placed is reported in
`Issue.warnings` as "line N: ..." rather than guessed.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from bot.newsletter import blocks
from bot.newsletter.dates import month_number
from bot.newsletter.decode import MAX_BYTES, IssueImportError, decode_bytes
from bot.newsletter.importing import finish
from bot.newsletter.model import Foreword, Issue, Section, Story
from bot.newsletter.story_events import dateline_place, story_events
from bot.newsletter.tokens import STOPWORDS

__all__ = ["MAX_BYTES", "IssueImportError", "import_bytes", "import_text"]

log = logging.getLogger(__name__)

_NUMBER_RE = re.compile(
    r"^(?:(?P<a>\d{1,3})\s*(?:ST|ND|RD|TH)\s+ISSUE|ISSUE\s+(?:NO\.?\s*)?(?P<b>\d{1,3}))$", re.I
)
_MONTH_RE = re.compile(r"^(?P<m>[A-Za-z]+)\.?\s+(?P<y>(?:19|20)\d{2})$")
_PAGE_RE = re.compile(r"^PAGE\s+\d+\s*[:.\-–]\s*(?P<title>.+)$", re.I)
_ORDINALS = {
    "1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth", "5th": "fifth",
    "6th": "sixth", "7th": "seventh", "8th": "eighth", "9th": "ninth", "10th": "tenth",
}  # fmt: skip
UPCOMING_HEADINGS = {"coming soon", "upcoming events", "upcoming", "forthcoming events"}
_MATCH_SHARE = 0.75
# A heading wrapped by a PDF (or a narrow column) is looked for over at most this many lines.
_WRAPPED_LINES = 8


@dataclass
class _IndexEntry:
    title: str
    line: int
    stories: list[_IndexEntry] = field(default_factory=list)


def _words(text: str) -> list[str]:
    """Significant words of a title, ordinals spelled out, for fuzzy title matching."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return [_ORDINALS.get(w, w) for w in words if w not in STOPWORDS]


def _share(wanted: str, line: str) -> float:
    want, have = set(_words(wanted)), set(_words(line))
    return len(want & have) / len(want) if want else 0.0


def _continues(first: str, part: str, title: str) -> bool:
    """True when `part` may be the next line of the heading that `first` begins (a PDF wrapped
    it): its words are the INDEX title's, or it is set as `first` is (in capitals, or with every
    significant word capitalised), which the first line of a paragraph is not."""
    if (
        not part
        or part.endswith((".", ";", "!", "?"))
        or blocks.is_bullet(part)
        or blocks.url_only(part)
        or blocks.policy_item(part)
        or dateline_place(part)
    ):
        return False
    if _share(part, title) >= _MATCH_SHARE:
        return True
    if first.upper() == first:
        return part.upper() == part
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’\-]*", part) if len(w) > 3]
    words = [w for w in words if w.lower() not in STOPWORDS]
    return bool(words) and part.upper() != part and all(w[0].isupper() for w in words)


def _heading_like(text: str) -> bool:
    text = text.strip()
    return (
        3 <= len(text) <= 220
        and not blocks.is_bullet(text)
        and not blocks.url_only(text)
        and not text.endswith((".", ";", ","))
        and len(re.findall(r"[A-Za-z]{2,}", text)) >= 2
    )


def _is_caps_heading(text: str) -> bool:
    return _heading_like(text) and text.upper() == text and not blocks.policy_item(text)


class _Parser:
    """One import: the lines, the warnings, and the steps that consume them."""

    def __init__(self, text: str) -> None:
        self.lines = [line.rstrip() for line in text.split("\n")]
        self.warnings: list[str] = []

    def warn(self, index: int, message: str) -> None:
        self.warnings.append(f"line {index + 1}: {message}")

    def find(self, wanted: set[str], start: int = 0, stop: int | None = None) -> int | None:
        for i in range(start, len(self.lines) if stop is None else stop):
            if self.lines[i].strip().lower() in wanted:
                return i
        return None

    # Masthead, foreword and INDEX ------------------------------------------------------------

    def masthead(self, stop: int) -> tuple[int, str, str, list[str]]:
        number = month = None
        title, extra, after_name = "", [], False
        for i in range(stop):
            text = self.lines[i].strip()
            found = _NUMBER_RE.match(text)
            when = _MONTH_RE.match(text)
            if not text:
                continue
            if found and number is None:
                number = int(found["a"] or found["b"])
            elif when and month_number(when["m"]) and month is None:
                month = f"{when['y']}-{month_number(when['m']):02d}"
            elif text.upper() == "NEWSLETTER":
                after_name = True
                continue
            elif after_name and not title:
                title = text
            else:
                extra.append(text)
            after_name = False
        if number is None or month is None:
            missing = "issue number (e.g. '9TH ISSUE')" if number is None else "month"
            raise IssueImportError(
                f"no newsletter masthead: the {missing} was not found before the FOREWORD"
            )
        return number, month, title, extra

    def foreword(self, start: int, stop: int) -> Foreword:
        groups = blocks.split_blocks(self.lines, start, stop)
        signatory = None
        if groups and blocks.signature(self.lines, groups[-1]):
            signatory = blocks.signature(self.lines, groups.pop())
        paragraphs: list[str] = []
        for group in groups:
            paragraphs += [p for _, p in blocks.paragraphs(self.lines, group)]
        return Foreword(paragraphs, signatory)

    def index(self, start: int) -> tuple[list[_IndexEntry], int]:
        """The INDEX entries; a line right under an entry that starts none continues it (a PDF
        wrapped the entry), unless it is the heading of a listed section (the body begins)."""
        sections: list[_IndexEntry] = []
        last: _IndexEntry | None = None
        i = start + 1
        while i < len(self.lines):
            text = self.lines[i].strip()
            page = _PAGE_RE.match(text)
            if page:
                last = _IndexEntry(page["title"].strip(), i)
                sections.append(last)
            elif blocks.is_bullet(text) and sections:
                last = _IndexEntry(blocks.bullet_text(text), i)
                sections[-1].stories.append(last)
            elif text and last is not None and self.lines[i - 1].strip():
                if any(_words(text) == _words(s.title) for s in sections):
                    break
                last.title = f"{last.title} {text}"
            elif text:
                break
            i += 1
        return sections, i

    # Body -----------------------------------------------------------------------------------

    def locate(self, sections: list[_IndexEntry], start: int) -> tuple[dict, dict]:
        """Lines where each INDEX section and story begins in the body (None when not found)."""
        section_at: dict[int, int | None] = {}
        claimed: set[int] = set()
        pos = start
        for s_no, section in enumerate(sections):
            section_at[s_no] = None
            wanted = _words(section.title)
            for i in range(pos, len(self.lines)):
                if self.heading_at(i, section.title, lambda text, w=wanted: _words(text) == w):
                    section_at[s_no], pos = i, i + 1
                    claimed.add(i)
                    break
        story_at: dict[tuple[int, int], int | None] = {}
        order = [(s, t) for s, sec in enumerate(sections) for t in range(len(sec.stories))]
        pos = start
        for key in order:
            entry = sections[key[0]].stories[key[1]]
            story_at[key] = None
            upcoming = entry.title.strip().lower() in UPCOMING_HEADINGS

            def matches(text: str, title: str = entry.title, upcoming: bool = upcoming) -> bool:
                if upcoming and text.strip().lower() in UPCOMING_HEADINGS:
                    return True
                return _share(title, text) >= _MATCH_SHARE

            for i in range(pos, len(self.lines)):
                if i not in claimed and self.heading_at(i, entry.title, matches, claimed):
                    story_at[key], pos = i, i + 1
                    claimed.add(i)
                    break
        self._fallback(sections, order, story_at, claimed, start)
        return section_at, story_at

    def heading_at(self, i: int, title: str, matches, claimed: set[int] = frozenset()) -> bool:
        """True when a heading that `matches` starts on line i, on one line or over the next few
        when a PDF wrapped it (see `_continues`); a wrapped heading is then merged onto line i."""
        first = self.lines[i].strip()
        if not _heading_like(first.rstrip(",:;")):
            return False
        parts, last = [first], i if _heading_like(first) and matches(first) else None
        # A wrapped heading's first line has a word of the title: a name and role block right
        # above a heading (no blank line between after a page break) is no part of it.
        reach = _WRAPPED_LINES if _share(first, title) > 0 else 1
        for j in range(i + 1, min(i + reach, len(self.lines))):
            part = self.lines[j].strip()
            if j in claimed or not _continues(first, part, title):
                break
            parts.append(part)
            if _heading_like(" ".join(parts)) and matches(" ".join(parts)):
                last = j
        if last is None:
            return False
        self._merge(i, last)
        return True

    def _merge(self, first: int, last: int) -> None:
        """Put a heading wrapped over lines first..last whole on its first line, blank the rest
        (so every other line keeps its number for warnings)."""
        if last > first:
            self.lines[first] = " ".join(self.lines[k].strip() for k in range(first, last + 1))
            for k in range(first + 1, last + 1):
                self.lines[k] = ""

    def _fallback(self, sections, order, story_at, claimed, start) -> None:
        """Give an unfound story the unclaimed capitalised heading sharing a word with it,
        with the capitalised lines around it when a PDF wrapped that heading."""
        for n, key in enumerate(order):
            if story_at[key] is not None:
                continue
            entry = sections[key[0]].stories[key[1]]
            before = [story_at[k] for k in order[:n] if story_at[k] is not None]
            after = [story_at[k] for k in order[n + 1 :] if story_at[k] is not None]
            low = max(before, default=start)
            high = min(after, default=len(self.lines))
            for i in range(low + 1, high):
                text = self.lines[i]
                if i not in claimed and _is_caps_heading(text) and _share(entry.title, text) > 0:
                    first = i
                    while first - 1 > low and first - 1 not in claimed:
                        above = self.lines[first - 1].strip()
                        if not (_is_caps_heading(above.rstrip(",:;")) and above.upper() == above):
                            break
                        first -= 1
                    last = i
                    while last + 1 < high and last + 1 not in claimed:
                        if not _continues(text, self.lines[last + 1].strip(), entry.title):
                            break
                        last += 1
                    self._merge(first, last)
                    story_at[key] = first
                    claimed.add(first)
                    break
            else:
                self.warn(entry.line, f"story '{entry.title}' of the INDEX not found in the text")

    def story(self, title: str, index_title: str, begin: int, stop: int) -> Story:
        key = f"{title} {index_title}".lower()
        lines = self.lines
        if title.strip().lower() in UPCOMING_HEADINGS or index_title.lower() in UPCOMING_HEADINGS:
            return Story(title, kind="upcoming")
        has_policies = any(blocks.policy_item(lines[i]) for i in range(begin, stop))
        if has_policies and "polic" in key:
            return Story(title, kind="policy_corner")
        return blocks.story_body(lines, title, begin, stop, self.warn)


def import_text(text: str) -> Issue:
    """Parse the text of a newsletter issue; unplaceable lines become warnings with line numbers."""
    parser = _Parser(text)
    lines = parser.lines
    foreword_at = parser.find({"foreword"})
    index_at = parser.find({"index", "in this issue"}, foreword_at or 0)
    head_stop = foreword_at if foreword_at is not None else (index_at or min(len(lines), 40))
    number, month, title, masthead = parser.masthead(head_stop)
    foreword = Foreword()
    if foreword_at is not None:
        foreword = parser.foreword(foreword_at + 1, index_at or len(lines))
    if index_at is None:
        raise IssueImportError("no INDEX: the importer needs the INDEX page to find the sections")
    entries, body_start = parser.index(index_at)
    if not entries:
        raise IssueImportError(f"the INDEX (line {index_at + 1}) lists no 'PAGE N: SECTION' lines")
    section_at, story_at = parser.locate(entries, body_start)
    starts = sorted(
        {i for i in [*section_at.values(), *story_at.values()] if i is not None} | {len(lines)}
    )
    first = starts[0]
    for i in range(body_start, first):
        if lines[i].strip():
            parser.warn(i, "text before the first section, not placed")
    issue = Issue(number=number, month=month, title=title, masthead=masthead, foreword=foreword)
    for s_no, entry in enumerate(entries):
        section = Section(entry.title)
        for t_no, story_entry in enumerate(entry.stories):
            at = story_at[(s_no, t_no)]
            if at is None:
                continue
            stop = next(i for i in starts if i > at)
            story = parser.story(lines[at].strip(), story_entry.title, at + 1, stop)
            if story.kind == "policy_corner":
                intro, policies = blocks.policy_corner(lines, at + 1, stop, parser.warn)
                story.paragraphs = intro
                issue.policies += policies
            elif story.kind == "upcoming":
                issue.upcoming += blocks.upcoming_list(lines, at + 1, stop, parser.warn)
            else:
                issue.events += story_events(story, month)
            section.stories.append(story)
        issue.sections.append(section)
    issue.warnings = sorted(parser.warnings, key=lambda w: int(w.split(":")[0].split()[1]))
    finish(issue, issue.warnings.append)
    log.info("imported issue %s (%s): %s", number, month, issue.summary())
    return issue


def import_bytes(data: bytes) -> Issue:
    """Decode an uploaded text file (UTF-8, UTF-16 or GBK) and import it."""
    return import_text(decode_bytes(data))
