"""Ask WeChat what a lost call did: the draft it added, the publication it made."""

from __future__ import annotations

import redis

from bot.wechat import BotWeChatClient

# Drafts and publications recorded by some push; a lost call's result is one not among them.
KNOWN_DRAFTS = "push:known:drafts"
KNOWN_ARTICLES = "push:known:articles"
# WeChat's clock and ours may differ by this much.
CLOCK_SLACK = 300


def _titles(item: dict) -> list[str]:
    return [n.get("title", "") for n in (item.get("content") or {}).get("news_item", [])]


def find_draft(client: BotWeChatClient, r: redis.Redis, titles: list[str], since: float) -> str:
    """The media_id of a draft with these titles, added since `since`, that no push recorded."""
    known = r.smembers(KNOWN_DRAFTS)
    found, newest = "", -1
    for item in client.draft.batchget(0, 20, 1).get("item", []):
        updated = int(item.get("update_time") or 0)
        if item.get("media_id") in known or _titles(item) != titles:
            continue
        if updated >= since - CLOCK_SLACK and updated > newest:
            found, newest = item["media_id"], updated
    return found


def find_publication(
    client: BotWeChatClient, r: redis.Redis, titles: list[str], since: float
) -> tuple[str, list[str]] | None:
    """(article_id, article URLs) of a publication with these titles, made since `since`, that
    no push recorded (the list holds mass-sent articles too: an older broadcast is not it)."""
    known = r.smembers(KNOWN_ARTICLES)
    for item in client.freepublish.batchget(0, 20, 1).get("item", []):
        if item.get("article_id") in known or _titles(item) != titles:
            continue
        if int(item.get("update_time") or 0) < since - CLOCK_SLACK:
            continue
        news = item["content"]["news_item"]
        if all(n.get("is_deleted") for n in news):
            continue
        return item["article_id"], [n.get("url", "") for n in news]
    return None
