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
    cover: bytes  # the thumb (JPEG within 64 KB) that becomes thumb_media_id
    cover_image: bytes  # the full cover, for the cover URL of the followers' "latest" card
    images: dict[str, bytes] = field(default_factory=dict)
    need_open_comment: int = 0
    only_fans_can_comment: int = 0


def load_articles(r: redis.Redis, number: int, settings: Settings) -> list[Article]:
    """Render the stored issue and run the pre-flight check; ContentError names what is wrong."""
    from bot.newsletter import store
    from bot.newsletter.images import issue_photo_bytes

    issue = store.get_issue(r, number)
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
        cover=a.thumb,
        cover_image=a.cover,
        images=dict(a.images),
        need_open_comment=a.need_open_comment,
        only_fans_can_comment=a.only_fans_can_comment,
    )


def draft_articles(articles: list[Article], thumbs: list[dict], images: dict[str, str]) -> list:
    """The draft/add payload: every field, covers as thumb media ids, placeholders as mmbiz URLs."""
    from bot.newsletter.render import swap_images

    payload = []
    for article, thumb in zip(articles, thumbs, strict=True):
        html = swap_images(article.content, images)
        payload.append(
            {
                "article_type": "news",
                "title": article.title,
                "author": article.author,
                "digest": article.digest,
                "content": html,
                "content_source_url": article.content_source_url,
                "thumb_media_id": thumb["media_id"],
                "need_open_comment": article.need_open_comment,
                "only_fans_can_comment": article.only_fans_can_comment,
            }
        )
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
