"""Photos of a PDF put in the stories they stand in, found by the paragraphs printed around them.

The reader knows the text printed just before and just after each photo; the imported issue
knows which story each paragraph, quote and title belongs to. A photo goes to the story of the
text before it (after that paragraph), else of the text after it (before that paragraph); one
that stands beside no story's text (the masthead, the foreword) is a warning, not a guess.
"""

from __future__ import annotations

import re

from bot.newsletter.images import PreparedPhoto
from bot.newsletter.model import Issue, Photo, Story
from bot.newsletter.pdf_layout import PlacedFigure

_MIN_MATCH = 12


def _norm(text: str) -> str:
    text = re.sub(r"^[-•·▪*–]\s+", "", text.strip())
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def _same(printed: str, stored: str) -> bool:
    """True when a printed paragraph (or line of it) is the stored text or a part of it."""
    a, b = _norm(printed), _norm(stored)
    if not a or not b:
        return False
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) >= _MIN_MATCH and short in long


def _position(story: Story, issue: Issue, text: str, before: bool) -> int | None:
    """Where in the story a photo printed after (before=True) or before `text` goes, if the
    text is the story's: the number of paragraphs above it."""
    for index, paragraph in enumerate(story.paragraphs):
        for line in [paragraph, *paragraph.split("\n")]:
            if _same(text, line):
                return index + 1 if before else index
    if _same(text, story.title):
        return 0
    for quote in story.quotes:
        if _same(text, quote.text) or text.strip() == quote.speaker or _same(text, quote.role):
            return quote.after
    if story.kind == "policy_corner":
        for policy in issue.policies:
            texts = [policy.title, *policy.bullets, *policy.paragraphs, policy.url]
            if any(_same(text, t) or text.strip("<>") == policy.url for t in texts if t):
                return len(story.paragraphs)
    if story.kind == "upcoming" and any(_same(text, u.title) for u in issue.upcoming):
        return len(story.paragraphs)
    return None


def _story_for(issue: Issue, placed: PlacedFigure) -> tuple[Story, int] | None:
    for text, before in ((placed.before, True), (placed.after, False)):
        if not text:
            continue
        for story in issue.stories:
            where = _position(story, issue, text, before)
            if where is not None:
                return story, where
    return None


def place_photos(
    issue: Issue, placed: list[PlacedFigure], prepared: dict[tuple[int, int], PreparedPhoto]
) -> None:
    """Add each extracted photo to its story with its caption; warn about the ones not placed."""
    for item in placed:
        figure = item.figure
        photo = prepared.get((figure.page, figure.index))
        if photo is None:
            continue
        found = _story_for(issue, item)
        caption = f' ("{figure.caption[:40]}")' if figure.caption else ""
        label = f"page {figure.page + 1}{caption}"
        if found is None:
            issue.warnings.append(f"a photo on {label} stands beside no story; left out")
            continue
        story, after = found
        key = f"p{figure.page + 1}-{figure.index + 1}"
        story.photos.append(
            Photo(
                key=key,
                hash=photo.hash,
                width=photo.width,
                height=photo.height,
                caption=figure.caption,
                after=min(after, len(story.paragraphs)),
                mime=photo.mime,
            )
        )
        issue.photo_data[photo.hash] = photo.data
