"""The newsletter issue as data: dataclasses with plain-dict (JSON) forms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# Kinds of story: ordinary news, the policy corner (renders the issue's policies) and the
# "coming soon" list (renders the issue's upcoming items).
STORY_KINDS = ("story", "policy_corner", "upcoming")

URL_RE = re.compile(r"https?://[^\s<>\"'\]\)]+")
_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_DAY_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
_HASH_RE = re.compile(r"^[0-9a-f]{64}$")
PHOTO_MIMES = ("image/jpeg", "image/png")


class ModelError(ValueError):
    """A dict does not describe a valid issue; the message is one line naming the field."""


def _str(data: dict, key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise ModelError(f"{key} must be text, got {type(value).__name__}")
    return value


def _strs(data: dict, key: str) -> list[str]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ModelError(f"{key} must be a list of text")
    return list(value)


def _items(data: dict, key: str) -> list[dict]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ModelError(f"{key} must be a list of mappings")
    return value


def _check(pattern: re.Pattern, value: str, what: str) -> str:
    if value and not pattern.match(value):
        shape = "YYYY-MM" if pattern is _MONTH_RE else "YYYY-MM-DD"
        raise ModelError(f"{what} must look like {shape}, got {value!r}")
    return value


@dataclass
class Person:
    """A named person with the role printed under the name."""

    name: str
    role: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role}

    @classmethod
    def from_dict(cls, data: dict) -> Person:
        return cls(name=_str(data, "name"), role=_str(data, "role", ""))


@dataclass
class Quote:
    """A quote or testimonial, placed after the first `after` paragraphs of its story."""

    text: str
    speaker: str = ""
    role: str = ""
    after: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "speaker": self.speaker, "role": self.role, "after": self.after}

    @classmethod
    def from_dict(cls, data: dict) -> Quote:
        after = data.get("after", 0)
        if not isinstance(after, int) or after < 0:
            raise ModelError("quote.after must be a non-negative integer")
        return cls(
            text=_str(data, "text"),
            speaker=_str(data, "speaker", ""),
            role=_str(data, "role", ""),
            after=after,
        )


@dataclass
class Photo:
    """A photo of a story, placed after its first `after` paragraphs; bytes stored by hash.

    `hash` is the SHA-256 (hex) of the stored JPEG or PNG bytes (bot/newsletter/images.py keeps
    them where every process reaches them); `key` names the photo within its issue.
    """

    key: str
    hash: str
    width: int
    height: int
    caption: str = ""
    after: int = 0
    mime: str = "image/jpeg"

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "hash": self.hash,
            "width": self.width,
            "height": self.height,
            "caption": self.caption,
            "after": self.after,
            "mime": self.mime,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Photo:
        digest = _str(data, "hash")
        if not _HASH_RE.match(digest):
            raise ModelError(f"photo.hash must be 64 hex digits, got {digest[:20]!r}")
        mime = _str(data, "mime", "image/jpeg")
        if mime not in PHOTO_MIMES:
            raise ModelError(f"photo.mime must be one of {', '.join(PHOTO_MIMES)}, got {mime!r}")
        numbers = {}
        for name in ("width", "height", "after"):
            value = data.get(name, 0)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ModelError(f"photo.{name} must be a non-negative integer")
            numbers[name] = value
        return cls(
            key=_str(data, "key"),
            hash=digest,
            caption=_str(data, "caption", ""),
            mime=mime,
            **numbers,
        )


@dataclass
class Story:
    """A story: title and paragraphs (a list paragraph is lines starting with "- ") plus quotes."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    kind: str = "story"
    photos: list[Photo] = field(default_factory=list)

    @property
    def links(self) -> list[str]:
        """Every URL in the story's text, in order, without repeats."""
        found: list[str] = []
        for text in [*self.paragraphs, *(q.text for q in self.quotes)]:
            for url in URL_RE.findall(text):
                if url not in found:
                    found.append(url)
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "kind": self.kind,
            "paragraphs": list(self.paragraphs),
            "quotes": [q.to_dict() for q in self.quotes],
            "photos": [p.to_dict() for p in self.photos],
            "links": self.links,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Story:
        kind = _str(data, "kind", "story")
        if kind not in STORY_KINDS:
            raise ModelError(f"story kind must be one of {', '.join(STORY_KINDS)}, got {kind!r}")
        return cls(
            title=_str(data, "title"),
            paragraphs=_strs(data, "paragraphs"),
            quotes=[Quote.from_dict(q) for q in _items(data, "quotes")],
            kind=kind,
            photos=[Photo.from_dict(p) for p in _items(data, "photos")],
        )


@dataclass
class Section:
    """A section of the issue (a heading of the INDEX) with its stories in order."""

    title: str
    stories: list[Story] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "stories": [s.to_dict() for s in self.stories]}

    @classmethod
    def from_dict(cls, data: dict) -> Section:
        return cls(
            title=_str(data, "title"),
            stories=[Story.from_dict(s) for s in _items(data, "stories")],
        )


@dataclass
class Event:
    """An activity a story reports: dates as YYYY-MM-DD, place and format when stated."""

    title: str
    start: str
    end: str
    place: str = ""
    format: str = ""
    story: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "start": self.start,
            "end": self.end,
            "place": self.place,
            "format": self.format,
            "story": self.story,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Event:
        return cls(
            title=_str(data, "title"),
            start=_check(_DAY_RE, _str(data, "start"), "event.start"),
            end=_check(_DAY_RE, _str(data, "end"), "event.end"),
            place=_str(data, "place", ""),
            format=_str(data, "format", ""),
            story=_str(data, "story", ""),
        )


@dataclass
class Upcoming:
    """An item of the COMING SOON list with its planned period as YYYY-MM months."""

    title: str
    start: str = ""
    end: str = ""
    period: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "start": self.start, "end": self.end, "period": self.period}

    @classmethod
    def from_dict(cls, data: dict) -> Upcoming:
        return cls(
            title=_str(data, "title"),
            start=_check(_MONTH_RE, _str(data, "start", ""), "upcoming.start"),
            end=_check(_MONTH_RE, _str(data, "end", ""), "upcoming.end"),
            period=_str(data, "period", ""),
        )


@dataclass
class Policy:
    """An item of the policy corner: title, date, bullet points, other text and source URL."""

    title: str
    date: str = ""
    bullets: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    url: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "date": self.date,
            "bullets": list(self.bullets),
            "paragraphs": list(self.paragraphs),
            "url": self.url,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Policy:
        return cls(
            title=_str(data, "title"),
            date=_check(_DAY_RE, _str(data, "date", ""), "policy.date"),
            bullets=_strs(data, "bullets"),
            paragraphs=_strs(data, "paragraphs"),
            url=_str(data, "url", ""),
        )


@dataclass
class Foreword:
    """The foreword's paragraphs and the person who signed it."""

    paragraphs: list[str] = field(default_factory=list)
    signatory: Person | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "paragraphs": list(self.paragraphs),
            "signatory": self.signatory.to_dict() if self.signatory else None,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Foreword:
        signatory = data.get("signatory")
        if signatory is not None and not isinstance(signatory, dict):
            raise ModelError("foreword.signatory must be a mapping")
        return cls(
            paragraphs=_strs(data, "paragraphs"),
            signatory=Person.from_dict(signatory) if signatory else None,
        )


# An issue number fits the newsletter's numbering (a few a year) and a month is a real one:
# a number like 99999999999999999999999 would at once become followers' "latest".
MAX_ISSUE_NUMBER = 999
FIRST_YEAR, LAST_YEAR = 1990, 2100


def check_identity(number: object, month: object) -> None:
    """Refuse an issue number outside 1-999 or a month that does not exist, in one line."""
    if isinstance(number, bool) or not isinstance(number, int):
        raise ModelError(f"the issue number must be a whole number, got {str(number)[:30]!r}")
    if not 1 <= number <= MAX_ISSUE_NUMBER:
        shown = str(number) if len(str(number)) <= 12 else str(number)[:12] + "..."
        raise ModelError(f"issue number {shown} is out of range (1-{MAX_ISSUE_NUMBER})")
    text = str(month)
    if not _MONTH_RE.match(text) or not FIRST_YEAR <= int(text[:4]) <= LAST_YEAR:
        raise ModelError(
            f"month {text[:20]!r} does not exist (a month like 2021-06, {FIRST_YEAR}-{LAST_YEAR})"
        )


@dataclass
class Issue:
    """One newsletter issue: masthead facts, foreword, sections, events, upcoming, policies."""

    number: int
    month: str
    title: str = ""
    masthead: list[str] = field(default_factory=list)
    foreword: Foreword = field(default_factory=Foreword)
    sections: list[Section] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    upcoming: list[Upcoming] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # The bytes of new photos by hash, from an importer until the store keeps them (not in JSON).
    photo_data: dict[str, bytes] = field(default_factory=dict, repr=False, compare=False)

    @property
    def photos(self) -> list[Photo]:
        """Every photo of every story, in reading order."""
        return [photo for story in self.stories for photo in story.photos]

    @property
    def stories(self) -> list[Story]:
        """Every story of every section, in reading order."""
        return [story for section in self.sections for story in section.stories]

    @property
    def people(self) -> list[Person]:
        """The foreword's signatory and every quoted speaker, once each, in reading order."""
        found: list[Person] = []
        seen: set[str] = set()
        candidates = [self.foreword.signatory] if self.foreword.signatory else []
        for story in self.stories:
            candidates += [Person(q.speaker, q.role) for q in story.quotes if q.speaker]
        for person in candidates:
            key = person.name.casefold()
            if key not in seen:
                seen.add(key)
                found.append(person)
        return found

    def summary(self) -> dict[str, Any]:
        """Counts a person checks after an import."""
        return {
            "number": self.number,
            "month": self.month,
            "title": self.title,
            "sections": len(self.sections),
            "stories": len(self.stories),
            "events": len(self.events),
            "upcoming": len(self.upcoming),
            "policies": len(self.policies),
            "people": len(self.people),
            "photos": len(self.photos),
            "warnings": len(self.warnings),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "month": self.month,
            "title": self.title,
            "masthead": list(self.masthead),
            "foreword": self.foreword.to_dict(),
            "sections": [s.to_dict() for s in self.sections],
            "events": [e.to_dict() for e in self.events],
            "upcoming": [u.to_dict() for u in self.upcoming],
            "policies": [p.to_dict() for p in self.policies],
            "people": [p.to_dict() for p in self.people],
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Issue:
        if not isinstance(data, dict):
            raise ModelError("an issue must be a mapping")
        number = data.get("number")
        if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
            raise ModelError("number must be a positive integer")
        month = _str(data, "month")
        if not _MONTH_RE.match(month):
            raise ModelError("month must look like YYYY-MM")
        foreword = data.get("foreword") or {}
        if not isinstance(foreword, dict):
            raise ModelError("foreword must be a mapping")
        return cls(
            number=number,
            month=month,
            title=_str(data, "title", ""),
            masthead=_strs(data, "masthead"),
            foreword=Foreword.from_dict(foreword),
            sections=[Section.from_dict(s) for s in _items(data, "sections")],
            events=[Event.from_dict(e) for e in _items(data, "events")],
            upcoming=[Upcoming.from_dict(u) for u in _items(data, "upcoming")],
            policies=[Policy.from_dict(p) for p in _items(data, "policies")],
            warnings=_strs(data, "warnings"),
        )
