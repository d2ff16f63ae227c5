"""`message/custom/send`: customer-service messages, only inside a window the follower opened.

WeChat's rules since 2023: a message from the follower allows 5 messages within 48 hours; a
follow, a QR-code scan or a menu click allows 3 within one minute; VIEW and LOCATION open
nothing; a new action restarts its own quota. With both kinds open a send counts against both
(WeChat does not say which it uses: the strict reading).
"""

from __future__ import annotations

from typing import Any

from sandbox.api.calls import body, bp, ok, state
from sandbox.api.draft import draft_url, find_draft
from sandbox.api.freepublish import find_published
from sandbox.api.material import find_material
from sandbox.api.media import file_url
from sandbox.errors import ApiError
from sandbox.inbox import add_to_inbox, news_card
from sandbox.state import SandboxState, key

# Per kind of follower action: (seconds, messages); 45015 outside every window, 45047 beyond.
QUOTAS = {"message": (48 * 3600, 5), "event": (60, 3)}
NEWS_ARTICLES = 1

# Check and count in one step, so that concurrent sends cannot pass the quota together.
_TAKE = """
local now = tonumber(ARGV[1])
local open, left = {}, false
for i, kind in ipairs({'message', 'event'}) do
  local at = tonumber(redis.call('HGET', KEYS[1], kind .. '_at') or '0')
  if at > 0 and now - at <= tonumber(ARGV[2 * i]) then
    table.insert(open, kind)
    local used = tonumber(redis.call('HGET', KEYS[1], kind .. '_sends') or '0')
    if used < tonumber(ARGV[2 * i + 1]) then left = true end
  end
end
if #open == 0 then return 45015 end
if not left then return 45047 end
for _, kind in ipairs(open) do redis.call('HINCRBY', KEYS[1], kind .. '_sends', 1) end
return 0
"""


def take_window_slot(st: SandboxState, openid: str) -> None:
    """Count one message against the follower's open windows, or raise 45015 / 45047."""
    quotas = [*QUOTAS["message"], *QUOTAS["event"]]
    refused = int(st.r.eval(_TAKE, 1, key("follower", openid), repr(st.now()), *quotas))
    if refused == 45015:
        raise ApiError(45015, "response out of time limit or subscription is canceled")
    if refused == 45047:
        raise ApiError(45047, "out of response count limit")


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
    take_window_slot(st, openid)
    add_to_inbox(st, openid, entry, sender="account", via="custom")
    return ok()
