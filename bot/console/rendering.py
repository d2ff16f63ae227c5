"""The issue's articles as a follower's phone will show them, from the newsletter renderer."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass

from flask import Response, current_app, render_template

from bot.newsletter.model import Issue

log = logging.getLogger(__name__)

# Rendered issues by content hash: the preview page and its frames and covers render once.
_CACHE: OrderedDict[str, Rendered] = OrderedDict()
_CACHE_SIZE = 8


@dataclass
class Rendered:
    articles: list
    findings: list[str]


def render(issue: Issue) -> Rendered:
    """The rendered articles of an issue and the pre-flight check's findings (cached)."""
    from bot.newsletter import preflight
    from bot.newsletter import render as renderer

    settings = current_app.extensions["settings"]
    key = hashlib.sha256(
        json.dumps([issue.to_dict(), settings.ISSUE_SOURCE_URL], sort_keys=True).encode()
    ).hexdigest()
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    from bot.newsletter.images import issue_photo_bytes
    from bot.redisdb import get_redis

    photos = issue_photo_bytes(get_redis(), issue)
    articles = renderer.render_issue(issue, settings, photos=photos)
    findings = [str(problem) for problem in preflight.check(articles)]
    rendered = _CACHE[key] = Rendered(list(articles), findings)
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return rendered


def _data_uri(data: bytes) -> str:
    kind = "image/png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def article_page(article) -> Response:
    """A whole HTML page of one article, its image placeholders shown with the images."""
    content = article.content
    for placeholder, data in dict(getattr(article, "images", {}) or {}).items():
        content = content.replace(placeholder, _data_uri(data))
    html = render_template("console/article_frame.html", article=article, content=content)
    return Response(html, mimetype="text/html")


def cover_image(rendered: Rendered, index: int) -> tuple[bytes, str]:
    article = rendered.articles[index]
    data = getattr(article, "cover", None) or article.thumb
    kind = "image/png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"
    return data, kind
