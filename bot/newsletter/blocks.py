"""Line-level reading of extracted text: blocks, wrapped paragraphs, lists, quotes, policy items."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.newsletter.dates import parse_day, parse_period
from bot.newsletter.model import Person, Policy, Quote, Story, Upcoming
from bot.newsletter.story_events import dateline_place

Warn = Callable[[int, str], None]

_BULLET_RE = re.compile(r"^(?P<indent>\s*)[-•·▪*–]\s+(?P<text>\S.*)$")
_URL_ONLY_RE = re.compile(r"^<?(?P<url>https?://\S+?)>?$")
_POLICY_RE = re.compile(r"^(?P<title>[^a-z]*[A-Z][^a-z]*?)\s*\((?P<date>[^()]*\d{4})\)$")
_NAME_WORD = r"(?:[A-Z][A-Za-z'’\-.]+|van|von|de|der|da|di|del|la|le|dos|du)"
_NAME_RE = re.compile(rf"^[A-Z][A-Za-z'’\-.]+(?:\s+{_NAME_WORD}){{1,3}}$")
# Words that make a short capitalised line an organisation or place rather than a person.
_NOT_NAME = {
    "IOM", "EU", "UN", "China", "Embassy", "Ministry", "Office", "Agency", "Project",
    "Organization", "University", "Department", "Administration", "Newsletter",
}  # fmt: skip
_TERMINAL = (".", "!", "?", ";", ":", "。", "！", "？", "”", '"')
_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_UPCOMING_ITEM_RE = re.compile(r"^(?P<title>.*?)\s*\((?P<period>[^()]*)\)\s*[.;]?$")
WRAP_WIDTH = 50


def is_bullet(text: str) -> bool:
    """True for a list item line ("- item", "• item", indented for nesting)."""
    return bool(_BULLET_RE.match(text))


def bullet_text(text: str) -> str:
    """The text of a list item line without its marker."""
    match = _BULLET_RE.match(text)
    return match["text"].strip() if match else text.strip()


def url_only(text: str) -> str | None:
    """The URL when the line is nothing but a bare or bracketed URL."""
    match = _URL_ONLY_RE.match(text.strip())
    return match["url"] if match else None


def policy_item(text: str) -> re.Match | None:
    """A policy corner title: capitals ending in a bracketed date, "TITLE (22 Jan 2021)"."""
    return _POLICY_RE.match(text.strip())


def is_cjk_line(text: str) -> bool:
    """True when at least a third of the line's visible characters are Chinese."""
    visible = [c for c in text if not c.isspace()]
    return bool(visible) and len(_CJK_RE.findall(text)) * 3 >= len(visible)


def split_blocks(lines: list[str], start: int, stop: int) -> list[list[int]]:
    """Runs of non-blank lines (as line indexes) between start and stop."""
    groups: list[list[int]] = []
    current: list[int] = []
    for i in range(start, stop):
        if lines[i].strip():
            current.append(i)
        elif current:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def _wraps_into(previous: str, line: str) -> bool:
    """True when `line` continues `previous` (a PDF wrapped the paragraph), not a new one."""
    previous, line = previous.strip(), line.strip()
    return (
        len(previous) >= WRAP_WIDTH
        and not previous.endswith(_TERMINAL)
        and not is_cjk_line(previous)
        and not is_cjk_line(line)
        and not url_only(line)
        and dateline_place(line) is None
    )


def paragraphs(lines: list[str], group: list[int]) -> list[tuple[int, str]]:
    """A block's paragraphs (first line index, text); a list is one paragraph of "- " lines."""
    out: list[list] = []  # [first index, list of lines, is_list, last physical line]
    for i in group:
        raw = lines[i]
        bullet = _BULLET_RE.match(raw)
        if bullet:
            level = (len(bullet["indent"].replace("\t", "  ")) + 1) // 2
            item = "  " * level + "- " + bullet["text"].strip()
            if out and out[-1][2]:
                out[-1][1].append(item)
            else:
                out.append([i, [item], True])
            out[-1].append(raw)
            continue
        text = raw.strip()
        if out and _wraps_into(out[-1][-1], raw):
            out[-1][1][-1] += " " + text
            out[-1][-1] = raw
            continue
        out.append([i, [text], False, raw])
    return [(entry[0], "\n".join(entry[1])) for entry in out]


def signature(lines: list[str], group: list[int]) -> Person | None:
    """A name line followed by role lines (a quote's speaker or the foreword's signatory)."""
    texts = [lines[i].strip() for i in group]
    if not 1 <= len(texts) <= 5 or not _NAME_RE.match(texts[0]):
        return None
    if set(texts[0].split()) & _NOT_NAME:
        return None
    for text in texts:
        if len(text) > 80 or text.endswith(_TERMINAL) or is_bullet(text) or url_only(text):
            return None
        if dateline_place(text) or is_cjk_line(text):
            return None
    return Person(texts[0], ", ".join(texts[1:]))


def _caps_heading(text: str) -> bool:
    letters = re.findall(r"[A-Za-z]{2,}", text)
    return len(letters) >= 2 and text.upper() == text and len(text) <= 220


def story_body(lines: list[str], title: str, begin: int, stop: int, warn: Warn) -> Story:
    """A news story: paragraphs in order, each quote placed after the paragraphs before it."""
    story = Story(title)
    for group in split_blocks(lines, begin, stop):
        person = signature(lines, group) if len(group) >= 2 else None
        if person:
            if story.paragraphs and not story.paragraphs[-1].lstrip().startswith("- "):
                text = story.paragraphs.pop()
                story.quotes.append(Quote(text, person.name, person.role, len(story.paragraphs)))
            else:
                warn(
                    group[0], f"name and role '{person.name}' with no quote before it, kept as text"
                )
                story.paragraphs += [lines[i].strip() for i in group]
            continue
        for i, text in paragraphs(lines, group):
            if "\n" not in text and _caps_heading(text) and not policy_item(text):
                warn(i, f"heading '{text}' is not in the INDEX; kept as a paragraph of '{title}'")
            story.paragraphs.append(text)
    return story


def policy_corner(
    lines: list[str], begin: int, stop: int, warn: Warn
) -> tuple[list[str], list[Policy]]:
    """The policy corner's introduction and its items (title, date, bullets, text, source URL)."""
    intro: list[str] = []
    policies: list[Policy] = []
    for group in split_blocks(lines, begin, stop):
        pending: list[int] = []

        def flush(pending=pending) -> None:
            for _, text in paragraphs(lines, pending):
                if not policies:
                    intro.append(text)
                elif text.startswith("- "):
                    policies[-1].bullets += [bullet_text(b) for b in text.split("\n")]
                else:
                    policies[-1].paragraphs.append(text)
            pending.clear()

        for i in group:
            text = lines[i].strip()
            item = policy_item(text)
            url = url_only(text)
            if item:
                flush()
                day = parse_day(item["date"])
                if day is None:
                    warn(i, f"policy date '({item['date']})' not understood; left empty")
                policies.append(Policy(item["title"].strip(), day or ""))
            elif url and policies and not policies[-1].url:
                flush()
                policies[-1].url = url
            else:
                pending.append(i)
        flush()
    return intro, policies


def upcoming_list(lines: list[str], begin: int, stop: int, warn: Warn) -> list[Upcoming]:
    """The COMING SOON items, "- Title (planned period)", each period read as YYYY-MM months."""
    items: list[tuple[int, str]] = []
    for i in range(begin, stop):
        text = lines[i].strip()
        if not text:
            continue
        if is_bullet(text):
            items.append((i, bullet_text(text)))
        elif items and lines[i - 1].strip() and not items[-1][1].endswith(")"):
            items[-1] = (items[-1][0], items[-1][1] + " " + text)
        else:
            warn(i, f"'{text[:60]}' is not an item of the COMING SOON list; left out")
    upcoming: list[Upcoming] = []
    for i, text in items:
        match = _UPCOMING_ITEM_RE.match(text)
        if not match:
            warn(i, f"upcoming item '{text[:60]}' has no planned period in brackets")
            upcoming.append(Upcoming(text))
            continue
        period = parse_period(match["period"])
        if period is None:
            warn(i, f"planned period '{match['period']}' not understood; kept as text")
        start, end = period or ("", "")
        upcoming.append(Upcoming(match["title"].strip(), start, end, match["period"].strip()))
    return upcoming
