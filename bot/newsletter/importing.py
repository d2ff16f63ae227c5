"""What the Word and Markdown importers share: archives read safely, photos placed in stories,
and the last pass over an imported issue (items found twice, tables too wide for a phone).

Nothing is dropped silently: a photo or table that cannot be used, and a repeated item left
out, each become a line of `Issue.warnings`.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from bot.newsletter import tables
from bot.newsletter.decode import IssueImportError
from bot.newsletter.images import PhotoError, prepare_photo
from bot.newsletter.model import Issue, Photo, Story
from bot.newsletter.story_events import unread_dates

# A photo narrower or lower than this looks like an icon or a thumbnail in an article.
MIN_PHOTO_SIDE = 200
# A photo file larger than this is not decoded (a camera original is 5-15 MB).
MAX_PHOTO_BYTES = 25 * 1024 * 1024
# Archives (.docx is one, and a Markdown .zip): entries and unpacked bytes read at most.
MAX_ARCHIVE_ENTRIES = 2000
MAX_ARCHIVE_BYTES = 200 * 1024 * 1024
MAX_ARCHIVE_RATIO = 200

Warn = Callable[[str], None]


def open_archive(data: bytes, what: str) -> zipfile.ZipFile:
    """A zip archive whose entries were checked against the limits before anything is unpacked:
    a damaged file or a decompression bomb is refused in one line."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise IssueImportError(f"this {what} cannot be opened as a zip archive ({exc})") from None
    if len(entries) > MAX_ARCHIVE_ENTRIES:
        raise IssueImportError(f"this {what} holds {len(entries)} files; the limit is 2000")
    unpacked = sum(info.file_size for info in entries)
    if unpacked > MAX_ARCHIVE_BYTES or unpacked > MAX_ARCHIVE_RATIO * max(len(data), 1) + 10**6:
        raise IssueImportError(
            f"this {what} unpacks to {unpacked / 1048576:.0f} MB from {len(data) / 1048576:.1f} MB"
            " (a decompression bomb?); refused"
        )
    return archive


def read_entry(archive: zipfile.ZipFile, name: str) -> bytes:
    """One entry's bytes, read no further than its declared size (a lying header stops there)."""
    info = archive.getinfo(name)
    with archive.open(info) as handle:
        data = handle.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise IssueImportError(f"{name} in the archive is larger than it declares; refused")
    return data


class PhotoPlacer:
    """Adds photos to the stories of one import: each checked, made WeChat-ready, kept once."""

    def __init__(self, issue: Issue, warn: Warn) -> None:
        self.issue = issue
        self.warn = warn
        self.count = 0

    def add(self, story: Story, after: int, data: bytes, caption: str, name: str) -> Photo | None:
        """Place the photo after the story's first `after` paragraphs, or warn why it is not."""
        label = f"photo {name}" + (f" ('{caption[:40]}')" if caption else "")
        where = f"in '{story.title[:60]}'"
        if len(data) > MAX_PHOTO_BYTES:
            size = len(data) / 1048576
            self.warn(f"{label} {where} is {size:.0f} MB, too large to read; left out")
            return None
        try:
            prepared = prepare_photo(data)
        except PhotoError as exc:
            self.warn(f"{label} {where}: {exc}; left out")
            return None
        if min(prepared.width, prepared.height) < MIN_PHOTO_SIDE:
            self.warn(
                f"{label} {where} is {prepared.width}×{prepared.height} pixels, too small for an "
                f"article (at least {MIN_PHOTO_SIDE} on each side); left out"
            )
            return None
        digest = prepared.hash
        first = next(
            (s for s in self.issue.stories if any(p.hash == digest for p in s.photos)), None
        )
        if first is None and any(p.hash == digest for p in story.photos):
            first = story
        if first is not None:
            self.warn(f"{label} {where} appears twice (first in '{first.title[:60]}'); kept once")
            return None
        taken = {p.key for p in self.issue.photos}
        self.count += 1
        while f"photo-{self.count}" in taken:
            self.count += 1
        photo = Photo(
            key=f"photo-{self.count}",
            hash=digest,
            width=prepared.width,
            height=prepared.height,
            caption=caption,
            after=after,
            mime=prepared.mime,
        )
        story.photos.append(photo)
        self.issue.photo_data[digest] = prepared.data
        return photo


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def finish(issue: Issue, warn: Warn) -> Issue:
    """Keep each story, event, upcoming and policy item once (warning about a repeat) and warn
    about tables too wide for a phone."""
    seen_stories: dict[tuple, str] = {}
    for section in issue.sections:
        kept = []
        for story in section.stories:
            key = (_fold(story.title), tuple(_fold(p) for p in story.paragraphs))
            if key in seen_stories and (story.paragraphs or story.kind != "story"):
                warn(f"story '{story.title[:60]}' appears twice; kept once")
                continue
            seen_stories[key] = section.title
            kept.append(story)
        section.stories = kept
    for name, items, key in (
        ("event", issue.events, lambda e: (_fold(e.title), e.start, e.end)),
        ("upcoming item", issue.upcoming, lambda u: _fold(u.title)),
        ("policy item", issue.policies, lambda p: _fold(p.title)),
    ):
        seen: set = set()
        kept = []
        for item in items:
            if key(item) in seen:
                warn(f"{name} '{item.title[:60]}' appears twice; kept once")
                continue
            seen.add(key(item))
            kept.append(item)
        items[:] = kept
    for story in issue.stories:
        if story.kind == "story":
            for text in unread_dates(story):
                warn(
                    f"story '{story.title[:60]}': the date '{text}' is not understood (a day "
                    "without a year, or no such day); no event made from it"
                )
        for paragraph in story.paragraphs:
            if tables.is_table(paragraph):
                why = tables.too_wide(paragraph)
                if why:
                    warn(f"a table in '{story.title[:60]}' is too wide for a phone: {why}")
    return issue
