"""Markdown written by hand (or made from a Word file), read as the text import reads an issue.

Front matter is optional (`number`, `month`, `title`); without it, the number and month come
from the masthead lines before the first section ("9TH ISSUE", "JUNE 2021") or from a title
such as "# MMSP II Newsletter, 9th issue, June 2021". `# Foreword` starts the foreword (its last
block may be the signatory's name and role lines), `# Section` and `## Story` structure the
rest; a `# Index` and its lines are skipped (the headings are the index). In stories: paragraphs,
"- " lists, pipe tables, photos as `![caption](file)` lines, quotes as "> " blocks or a
paragraph followed by a name and role block; events come from the stories' text, the coming
soon list from "- Title (period)" lines and the policy corner from "TITLE (date)" items.
Whatever cannot be placed is a warning "line N: ...".
"""

from __future__ import annotations

import re

from bot.newsletter import blocks, tables
from bot.newsletter.dates import month_number
from bot.newsletter.decode import IssueImportError
from bot.newsletter.importing import PhotoPlacer, finish
from bot.newsletter.markdown_io import IMAGE_RE, ImageFiles, parse_quote
from bot.newsletter.model import STORY_KINDS, Foreword, Issue, ModelError, Quote, Section, Story
from bot.newsletter.story_events import story_events
from bot.newsletter.text_import import UPCOMING_HEADINGS, _Parser

_HEADING_RE = re.compile(r"^(?P<marks>#{1,6})\s+(?P<text>.*?)\s*#*\s*$")
_KIND_RE = re.compile(r"^(?P<title>.*?)\s*\{kind=(?P<kind>\w+)\}$")
_LINK_RE = re.compile(r"(?<!!)\[(?P<text>[^\]]*)\]\((?P<url>[^)\s]+)\)")
_INLINE_IMAGE_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_EMPHASIS = [
    (re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"), r"\1"),
    (re.compile(r"__(?=\S)(.+?)(?<=\S)__"), r"\1"),
    (re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])"), r"\1"),
    (re.compile(r"`([^`]+)`"), r"\1"),
]
_LIST_RE = re.compile(r"^(?P<indent>\s*)(?:[*+]|\d{1,2}[.)])\s+(?P<text>\S.*)$")
_NUMBER_RE = re.compile(
    r"\b(?:(?P<a>\d{1,3})\s*(?:st|nd|rd|th)\s+issue|issue\s+(?:no\.?\s*)?(?P<b>\d{1,3})"
    r"|no\.\s*(?P<c>\d{1,3}))\b",
    re.I,
)
_MONTH_RE = re.compile(r"\b(?P<m>[A-Za-z]{3,9})\.?,?\s+(?P<y>(?:19|20)\d{2})\b")
_FOREWORD = {"foreword"}
_INDEX = {"index", "in this issue", "contents", "table of contents"}


def _plain(line: str) -> str:
    """A line of Markdown as the text import's plain text: lists as "- ", no emphasis marks,
    links as "text <url>"."""
    listed = _LIST_RE.match(line)
    if listed:
        line = f"{listed['indent']}- {listed['text']}"
    line = _LINK_RE.sub(
        lambda m: f"<{m['url']}>" if m["text"] in ("", m["url"]) else f"{m['text']} <{m['url']}>",
        line,
    )
    for pattern, replacement in _EMPHASIS:
        line = pattern.sub(replacement, line)
    return line.rstrip().rstrip("\\").rstrip()


class _Reader:
    def __init__(self, text: str, front: dict, first_line: int, images: ImageFiles) -> None:
        self.raw = text.split("\n")
        self.lines = ["" if i < first_line else line.rstrip() for i, line in enumerate(self.raw)]
        self.front = front
        self.images = images
        self.warnings: list[str] = []

    def warn(self, index: int, message: str) -> None:
        self.warnings.append(f"line {index + 1}: {message}")

    def prepare(self) -> list[tuple[int, int, str]]:
        """Headings found (line, level, text); other lines made plain, inline images warned."""
        headings = []
        for i, line in enumerate(self.lines):
            if line.startswith("\\"):
                self.lines[i] = line[1:].strip()  # escaped: the text as it is, no markup
                continue
            heading = _HEADING_RE.match(line)
            if heading:
                headings.append((i, len(heading["marks"]), heading["text"]))
                self.lines[i] = ""
                continue
            if line.startswith(">") or IMAGE_RE.match(line.strip()) or line.startswith("|"):
                self.lines[i] = line.strip() if not line.startswith(">") else line
                continue
            if _INLINE_IMAGE_RE.search(line):
                self.warn(i, "a photo inside a paragraph is left out; put it on a line of its own")
                line = _INLINE_IMAGE_RE.sub("", line)
            self.lines[i] = _plain(line)
        return headings

    # Masthead and foreword ----------------------------------------------------------------

    def head(self, stop: int, headings: list) -> tuple[int, str, str, list[str], Foreword]:
        lines = self.lines[:stop]
        for i, _level, text in headings:
            if i >= stop:
                break
            lines[i] = "FOREWORD" if text.strip().lower() in _FOREWORD else text
            if text.strip().lower() in _INDEX:
                following = [h for h, _, _ in headings if h > i] + [stop]
                for k in range(i, min(following[0], stop)):
                    lines[k] = ""
        for i, line in enumerate(lines):
            if IMAGE_RE.match(line):
                self.warn(i, "a photo before the first section is left out (no story holds it)")
                lines[i] = ""
        parser = _Parser("\n".join(lines))
        foreword_at = parser.find(_FOREWORD)
        head_stop = foreword_at if foreword_at is not None else stop
        number, month = self.front.get("number"), self.front.get("month")
        try:
            found_number, found_month, title, masthead = parser.masthead(head_stop)
        except IssueImportError:
            found_number, found_month = self._search(lines[:head_stop])
            title, masthead = "", [line.strip() for line in lines[:head_stop] if line.strip()]
        number = number if number is not None else found_number
        month = month if month is not None else found_month
        if number is None or month is None:
            missing = (
                "issue number (e.g. '9TH ISSUE')" if number is None else "month (e.g. 'JUNE 2021')"
            )
            raise IssueImportError(
                f"no {missing} before the first section: write it in a masthead line, in the "
                "title, or in front matter (number: 9, month: 2021-06)"
            )
        foreword = Foreword()
        if foreword_at is not None:
            # An INDEX written as plain lines (not a heading) ends the foreword.
            index_at = parser.find(_INDEX, foreword_at)
            foreword = parser.foreword(foreword_at + 1, stop if index_at is None else index_at)
            self.warnings += parser.warnings
        return number, str(month), title, masthead, foreword

    @staticmethod
    def _search(lines: list[str]) -> tuple[int | None, str | None]:
        text = " ".join(lines)
        number = _NUMBER_RE.search(text)
        month = next(
            (m for m in _MONTH_RE.finditer(text) if month_number(m["m"])),
            None,
        )
        return (
            int(next(g for g in number.groups() if g)) if number else None,
            f"{month['y']}-{month_number(month['m']):02d}" if month else None,
        )

    # Stories --------------------------------------------------------------------------------

    def story(self, title: str, kind: str, begin: int, stop: int, issue: Issue, placer) -> Story:
        lines = self.lines
        story = Story(title, kind=kind)
        photo_lines = [i for i in range(begin, stop) if IMAGE_RE.match(lines[i])]
        if kind == "story":
            self._story_body(story, begin, stop, placer)
            issue.events += story_events(story, issue.month)
            return story
        saved = {i: lines[i] for i in photo_lines}
        for i in photo_lines:
            lines[i] = ""
        table_lines = [i for i in range(begin, stop) if lines[i].startswith("|")]
        if table_lines:
            where = "policy corner" if kind == "policy_corner" else "coming soon list"
            self.warn(table_lines[0], f"a table in the {where} is left out; put it in a story")
            for i in table_lines:
                lines[i] = ""
        if kind == "policy_corner":
            intro, policies = blocks.policy_corner(lines, begin, stop, self.warn)
            story.paragraphs = intro
            issue.policies += policies
        else:
            issue.upcoming += blocks.upcoming_list(lines, begin, stop, self.warn)
        for i, line in saved.items():
            self._photo(story, i, line, placer)
        return story

    def _photo(self, story: Story, i: int, line: str, placer: PhotoPlacer) -> None:
        image = IMAGE_RE.match(line)
        caption = re.sub(r"\\(.)", r"\1", image["title"] or image["alt"]).strip()
        data = self.images.read(image["src"])
        placer.warn = lambda message, i=i: self.warn(i, message)
        placer.add(
            story, len(story.paragraphs), data, caption, image["src"].rpartition("/")[2][:60]
        )

    def _story_body(self, story: Story, begin: int, stop: int, placer: PhotoPlacer) -> None:
        lines = self.lines
        for group in blocks.split_blocks(lines, begin, stop):
            first = lines[group[0]]
            if first.startswith(">"):
                quote = parse_quote("\n".join(lines[i] for i in group))
                quote.after = len(story.paragraphs)
                story.quotes.append(quote)
                continue
            if all(lines[i].startswith("|") for i in group):
                cells = [
                    [c.strip() for c in lines[i].strip().strip("|").split("|")]
                    for i in group
                    if not re.fullmatch(r"[\s|:\-]+", lines[i])
                ]
                story.paragraphs.append(tables.to_paragraph(cells))
                continue
            rest = []
            for i in group:
                if IMAGE_RE.match(lines[i]):
                    self._photo(story, i, lines[i], placer)
                else:
                    rest.append(i)
            if not rest:
                continue
            person = blocks.signature(lines, rest) if len(rest) >= 2 else None
            if person:
                if story.paragraphs and not story.paragraphs[-1].lstrip().startswith("- "):
                    text = story.paragraphs.pop()
                    story.quotes.append(
                        Quote(text, person.name, person.role, len(story.paragraphs))
                    )
                else:
                    self.warn(
                        rest[0],
                        f"name and role '{person.name}' with no quote before it, kept as text",
                    )
                    story.paragraphs += [lines[i].strip() for i in rest]
                continue
            story.paragraphs += [text for _, text in blocks.paragraphs(lines, rest)]


def _kind(title: str, lines: list[str], begin: int, stop: int) -> str:
    if title.strip().lower() in UPCOMING_HEADINGS:
        return "upcoming"
    if "polic" in title.lower() and any(blocks.policy_item(lines[i]) for i in range(begin, stop)):
        return "policy_corner"
    return "story"


def read_hand_written(text: str, front: dict, first_line: int, images: ImageFiles) -> Issue:
    """An issue from Markdown without the canonical front matter (see the module's docstring)."""
    # HTML comments are notes to the editor; the newlines stay so that line numbers do too.
    text = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    reader = _Reader(text, front, first_line, images)
    headings = reader.prepare()
    sections = [
        (i, t)
        for i, level, t in headings
        if level == 1 and t.strip().lower() not in _FOREWORD | _INDEX and not _is_title(t)
    ]
    body_start = sections[0][0] if sections else len(reader.lines)
    for i, level, heading in headings:
        name = heading.strip().lower()
        if i < body_start and level == 2 and name not in _FOREWORD | _INDEX:
            raise IssueImportError(f"line {i + 1}: story '{heading}' comes before any '# Section'")
    number, month, title, masthead, foreword = reader.head(body_start, headings)
    try:
        Issue.from_dict({"number": number, "month": month})
    except ModelError as exc:  # the front matter's number or month of the wrong shape
        raise IssueImportError(f"front matter: {exc}") from None
    issue = Issue(
        number=number,
        month=month,
        title=str(reader.front.get("title") or title),
        masthead=masthead,
        foreword=foreword,
    )
    placer = PhotoPlacer(issue, lambda message: None)
    marks = []
    # Stories are the level under the sections that the file uses: "##", or "###" when a file
    # (or a Word document with Heading 3) skips the second level.
    below = sorted({level for i, level, _ in headings if i >= body_start and level > 1})
    story_level = below[0] if below else 2
    for i, level, heading in headings:
        if i < body_start:
            continue
        if level == 1 or level == story_level:
            marks.append((i, min(level, 2), heading))
        else:
            reader.warn(i, f"heading '{heading[:60]}' (level {level}) kept as a paragraph")
            reader.lines[i] = heading
    for n, (i, level, heading) in enumerate(marks):
        stop = marks[n + 1][0] if n + 1 < len(marks) else len(reader.lines)
        if level == 1:
            issue.sections.append(Section(heading))
            _orphans(reader, i + 1, stop, "after a section heading, before any story")
            continue
        if not issue.sections:
            raise IssueImportError(f"line {i + 1}: story '{heading}' comes before any '# Section'")
        match = _KIND_RE.match(heading)
        title_text, kind = (match["title"], match["kind"]) if match else (heading, None)
        if kind is not None and kind not in STORY_KINDS:
            raise IssueImportError(
                f"line {i + 1}: story kind must be one of {', '.join(STORY_KINDS)}"
            )
        kind = kind or _kind(title_text, reader.lines, i + 1, stop)
        story = reader.story(title_text, kind, i + 1, stop, issue, placer)
        issue.sections[-1].stories.append(story)
    issue.warnings = sorted(reader.warnings, key=lambda w: int(w.split(":")[0].split()[1]))
    return finish(issue, issue.warnings.append)


def _is_title(text: str) -> bool:
    """A level-1 heading naming the issue ("MMSP II Newsletter, 9th issue, June 2021")."""
    return bool(_NUMBER_RE.search(text)) and "newsletter" in text.lower()


def _orphans(reader: _Reader, begin: int, stop: int, where: str) -> None:
    for i in range(begin, stop):
        if reader.lines[i].strip():
            reader.warn(i, f"text {where}, not placed: '{reader.lines[i].strip()[:60]}'")
            return
