"""Dated activities a story reports: dates, place and format read from its text."""

from __future__ import annotations

import re
from datetime import date

from bot.newsletter.dates import MONTH_WORD, DateSpan, find_dates, month_number
from bot.newsletter.model import Event, Story

# Stories report what happened in the period an issue covers; older dates are history.
WINDOW_MONTHS = 24

_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+(?=[A-Z\"“(])")
_PLACE_RE = re.compile(
    r"\b(?:in|to|at)\s+(?P<place>[A-Z][\w'’-]*(?:(?:,\s*|\s+and\s+|\s+)[A-Z][\w'’-]*)*)"
)
_NOT_PLACE_WORDS = {"The", "This", "These", "Its", "Their"}
_HYBRID = re.compile(r"\bhybrid\b|\bmixed in-person and online\b", re.IGNORECASE)
_ONLINE = re.compile(
    r"\bwebinars?\b|\bonline\b|\bvirtual(?:ly)?\b|\bvideo ?conferenc\w*", re.IGNORECASE
)
_ORDINAL = r"\d{1,2}(?:st|nd|rd|th)?"
# A day next to a month name: a date a reader sees, whether or not find_dates can read it.
_DAY_MENTION = re.compile(
    rf"\b{_ORDINAL}(?:\s*(?:-|–|to)\s*{_ORDINAL})?\s+(?:of\s+)?{MONTH_WORD}(?:,?\s+\d{{4}})?\b"
    rf"|\b{MONTH_WORD}\s+{_ORDINAL}\b(?:,?\s+\d{{4}})?"
)
_IN_PERSON = re.compile(r"\bin[- ]person\b|\bon-site\b|\bface[- ]to[- ]face\b", re.IGNORECASE)


def dateline_place(text: str) -> tuple[DateSpan, str] | None:
    """A dateline such as "11 May 2021, Beijing": its dates and place, or None."""
    if len(text) > 120:
        return None
    spans = find_dates(text)
    if not spans:
        return None
    last = spans[-1]
    rest = text[last.stop :]
    match = re.match(r"^\s*,\s*([A-Z\u4e00-\u9fff][^.;:!?]{1,60})$", rest)
    return (last, match.group(1).strip()) if match else None


def event_format(text: str) -> str:
    """ "hybrid", "online" or "in person" when the text says so, else ""."""
    online = bool(_ONLINE.search(text))
    in_person = bool(_IN_PERSON.search(text))
    if _HYBRID.search(text) or (online and in_person):
        return "hybrid"
    if online:
        return "online"
    return "in person" if in_person else ""


def _clean_place(place: str) -> str:
    words = place.split()
    while words and (month_number(words[-1].strip(",")) or words[-1].isupper()):
        words.pop()
    place = " ".join(words).rstrip(", ")
    if place.endswith(" and"):
        place = place[: -len(" and")]
    return place


def _sentence_place(paragraph: str, span: DateSpan) -> str:
    """The place named nearest to the date in the same sentence ("in", "to" or "at" + Name)."""
    begin = 0
    for part in _SENTENCE_END.split(paragraph):
        stop = begin + len(part)
        if begin <= span.begin < stop + 1:
            best, distance = "", None
            for match in _PLACE_RE.finditer(part):
                words = match["place"].split()
                if words[0] in _NOT_PLACE_WORDS or words[0].isupper() or month_number(words[0]):
                    continue
                at, end = begin + match.start(), begin + match.end()
                gap = max(at - span.stop, span.begin - end, 0)
                if distance is None or gap < distance:
                    best, distance = _clean_place(match["place"]), gap
            return best
        begin = stop + 1
        while begin < len(paragraph) and paragraph[begin].isspace():
            begin += 1
    return ""


def _window(month: str) -> tuple[date, date]:
    year, mon = (int(part) for part in month.split("-"))
    last = date(year + (mon == 12), mon % 12 + 1, 1)
    first_index = year * 12 + (mon - 1) - WINDOW_MONTHS
    first = date(first_index // 12, first_index % 12 + 1, 1)
    return first, last


def story_events(story: Story, issue_month: str) -> list[Event]:
    """One event per distinct day or day range the story reports within the issue's window."""
    first, after_last = _window(issue_month)
    fmt = event_format(" ".join(story.paragraphs))
    found: dict[tuple[str, str], Event] = {}
    for paragraph in story.paragraphs:
        dateline = dateline_place(paragraph)
        for span in find_dates(paragraph):
            if not (first <= span.start < after_last):
                continue
            if dateline and dateline[0] == span:
                place = dateline[1]
            else:
                place = _sentence_place(paragraph, span)
            key = span.iso
            if key in found:
                if not found[key].place or (dateline and dateline[0] == span):
                    found[key].place = place or found[key].place
                continue
            found[key] = Event(story.title, key[0], key[1], place, fmt, story.title)
    return list(found.values())


def unread_dates(story: Story) -> list[str]:
    """Days the story's text names that find_dates cannot read (no year, "11th May", 31 June)."""
    found: list[str] = []
    for paragraph in story.paragraphs:
        if paragraph.startswith("|"):
            continue
        spans = find_dates(paragraph)
        for match in _DAY_MENTION.finditer(paragraph):
            if not any(s.begin < match.end() and match.start() < s.stop for s in spans):
                found.append(match.group(0))
    return found
