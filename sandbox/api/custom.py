"""`message/custom/send`: customer-service messages, only within 48 hours of an interaction."""

from __future__ import annotations

from typing import Any

from sandbox.api import ApiError, body, bp, ok, state
from sandbox.api.draft import draft_url, find_draft, news_card
from sandbox.api.freepublish import find_published
from sandbox.api.material import find_material
from sandbox.api.media import file_url
from sandbox.inbox import add_to_inbox
from sandbox.state import SandboxState, key

WINDOW_SECONDS = 48 * 3600
# Sends allowed without a new interaction from the follower (45047 beyond).
SENDS_PER_INTERACTION = 20
NEWS_ARTICLES = 1


def _news(part: dict[str, Any]) -> dict[str, Any]:
    articles = part.get("articles")
    if not isinstance(articles, list) or not articles:
        raise ApiError(44003, "empty news data")
    if len(articles) > NEWS_ARTICLES:
        raise ApiError(45008, "article size out of limit")
    cards = []
    for article in articles:
        if not isinstance(article, dict) or not article.get("title"):
            raise ApiError(47001, "data format error, an article needs a title")
        cards.append(
            {
                "title": str(article["title"]),
                "description": str(article.get("description") or ""),
                "pic_url": str(article.get("picurl") or ""),
                "url": str(article.get("url") or ""),
            }
        )
    return {"type": "news", "articles": cards}


def _published_card(st: SandboxState, part: dict[str, Any]) -> dict[str, Any]:
    record = find_published(st, part.get("article_id"))
    cards = [
        news_card(item, item["url"]) for item in record["news_item"] if not item.get("is_deleted")
    ]
    if not cards:
        raise ApiError(53600, "invalid article id, the article was deleted")
    return {"type": "news", "articles": cards}


def _entry(st: SandboxState, data: dict[str, Any]) -> dict[str, Any]:
    """The inbox entry this message becomes, or the ApiError WeChat gives for bad content."""
    msgtype = data.get("msgtype")
    part = data.get(msgtype) if isinstance(msgtype, str) else None
    if msgtype not in {"text", "news", "mpnewsarticle", "mpnews", "image"}:
        raise ApiError(40008, "invalid message type")
    if not isinstance(part, dict):
        raise ApiError(47001, f"data format error, missing {msgtype}")
    if msgtype == "text":
        content = part.get("content")
        if not isinstance(content, str) or not content.strip():
            raise ApiError(44004, "empty content")
        return {"type": "text", "content": content}
    if msgtype == "news":
        return _news(part)
    if msgtype == "mpnewsarticle":
        return _published_card(st, part)
    media_id = part.get("media_id")
    if msgtype == "mpnews":
        draft = find_draft(st, media_id)
        cards = [news_card(a, draft_url(st, media_id, i)) for i, a in enumerate(draft["articles"])]
        return {"type": "news", "articles": cards}
    material = find_material(st, media_id) if isinstance(media_id, str) else None
    if material is None:
        raise ApiError(40007, "invalid media_id")
    return {"type": "image", "url": material["url"] or file_url(st, material["file_id"])}


@bp.route("/message/custom/send", methods=["POST"])
def custom_send():
    st = state()
    data = body()
    openid = data.get("touser")
    follower = st.follower(openid) if isinstance(openid, str) and openid else None
    if follower is None:
        raise ApiError(40003, "invalid openid")
    entry = _entry(st, data)
    if not follower["subscribe"]:
        raise ApiError(43004, "require subscribe")
    if st.now() - follower["last_interaction"] > WINDOW_SECONDS:
        raise ApiError(45015, "response out of time limit or subscription is canceled")
    if st.r.hincrby(key("custom_sends"), openid, 1) > SENDS_PER_INTERACTION:
        raise ApiError(45047, "out of response count limit")
    add_to_inbox(st, openid, entry, sender="account", via="custom")
    return ok()
