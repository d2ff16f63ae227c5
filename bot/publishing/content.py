"""The issue as the articles of one WeChat message (newsletter part), and what got published."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import redis

from config import Settings


class ContentError(ValueError):
    """The issue cannot be pushed as it is (missing, or failing the pre-flight check)."""


@dataclass
class Article:
    """One article ready for upload: draft/add fields, its cover, its images by placeholder."""

    title: str
    author: str
    digest: str
    content: str
    content_source_url: str
    cover_image: bytes  # uploaded as a permanent image material: thumb_media_id and cover URL
    images: dict[str, bytes] = field(default_factory=dict)
    need_open_comment: int = 0
    only_fans_can_comment: int = 0


def load_articles(
    r: redis.Redis, number: int, settings: Settings, version: int | None = None
) -> list[Article]:
    """Render the stored issue (the given version, else the current one) and run the pre-flight
    check; ContentError names what is wrong."""
    from bot.newsletter import store
    from bot.newsletter.images import issue_photo_bytes

    issue = store.get_issue(r, number, int(version) if version else None)
    if issue is None:
        raise ContentError(f"there is no issue {number} (import it with mmsp-bot ingest)")
    return _render(issue, settings, issue_photo_bytes(r, issue))


def _render(issue, settings: Settings, photos=None) -> list[Article]:
    from bot.newsletter import preflight, render

    rendered = render.render_for_publishing(issue, settings, photos)
    problems = preflight.check(rendered)
    if problems:
        raise ContentError("pre-flight check failed: " + "; ".join(str(p) for p in problems[:5]))
    return [_article(a) for a in rendered]


def _article(a) -> Article:
    return Article(
        title=a.title,
        author=a.author,
        digest=a.digest,
        content=a.content,
        content_source_url=a.content_source_url,
        cover_image=a.cover,
        images=dict(a.images),
        need_open_comment=a.need_open_comment,
        only_fans_can_comment=a.only_fans_can_comment,
    )


# draft/add refuses content of 20,000 characters or more, or of 1 MB or more (45002).
CONTENT_CHARS = 20000
CONTENT_BYTES = 1024 * 1024


def draft_articles(articles: list[Article], covers: list[dict], images: dict[str, str]) -> list:
    """The draft/add payload: every field, covers as image media ids (the lead with its crops),
    placeholders as mmbiz URLs; ContentError when the HTML sent would be too long."""
    from bot.newsletter.render import swap_images
    from bot.publishing.uploads import CROPS, crop

    payload = []
    for index, (article, cover) in enumerate(zip(articles, covers, strict=True)):
        html = swap_images(article.content, images)
        # Measured on what is sent: the image URLs are longer than the placeholders.
        if len(html) >= CONTENT_CHARS or len(html.encode("utf-8")) >= CONTENT_BYTES:
            raise ContentError(
                f"article {index + 1} ({article.title!r}) is {len(html)} characters with its "
                f"image addresses; WeChat takes fewer than {CONTENT_CHARS}: shorten it"
            )
        item = {
            "article_type": "news",
            "title": article.title,
            "author": article.author,
            "digest": article.digest,
            "content": html,
            "content_source_url": article.content_source_url,
            "thumb_media_id": cover["media_id"],
            "need_open_comment": article.need_open_comment,
            "only_fans_can_comment": article.only_fans_can_comment,
        }
        if index == 0:
            for name, ratio in CROPS.items():
                item[name] = crop(cover.get("width", 0), cover.get("height", 0), ratio)
        payload.append(item)
    return payload


def json_list(value) -> list:
    if not value:
        return []
    return json.loads(value) if isinstance(value, str) else list(value)


def published_key(number: int) -> str:
    return f"push:published:{number}"


def store_published(r: redis.Redis, push, urls: list[str]) -> None:
    """Keep each article's title, digest, URL and cover URL with the issue's number."""
    meta = push["articles_meta"] or []
    items = [
        {**m, "url": url}
        for m, url in zip(meta, urls + [""] * (len(meta) - len(urls)), strict=False)
    ]
    r.set(published_key(push.number), json.dumps(items, ensure_ascii=False))


def published_articles(r: redis.Redis, number: int) -> list[dict]:
    """The published articles of issue `number` (title, digest, url, cover_url); [] if none yet."""
    raw = r.get(published_key(number))
    return [a for a in json.loads(raw) if a.get("url")] if raw else []
