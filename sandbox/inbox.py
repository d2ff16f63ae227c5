"""Each follower's chat: what they sent and what reached them (replies, mass and service sends)."""

from __future__ import annotations

import json
from typing import Any

from sandbox.state import SandboxState, key

INBOX_LENGTH = 500


def add_to_inbox(
    state: SandboxState,
    openid: str,
    entry: dict[str, Any],
    sender: str = "account",
    via: str = "reply",
) -> dict[str, Any]:
    """Append one entry (`type` plus its fields) to a follower's chat; returns it with id and time.

    sender is "follower", "account" (the bot's replies, mass sends, customer-service messages)
    or "sandbox" (notes such as "no reply" and delivery errors); via says how it came: "reply",
    "custom" or "mass". A news entry carries `articles`: title, description, pic_url, url.
    """
    record = {
        "id": state.r.incr(key("inbox_seq", openid)),
        "at": int(state.now()),
        "sender": sender,
        "via": via,
        **entry,
    }
    pipe = state.r.pipeline()
    pipe.rpush(key("inbox", openid), json.dumps(record, ensure_ascii=False))
    pipe.ltrim(key("inbox", openid), -INBOX_LENGTH, -1)
    pipe.execute()
    return record


def news_card(article: dict[str, Any], url: str) -> dict[str, Any]:
    """A stored article as the news card a follower's chat shows (title, digest, cover, link)."""
    return {
        "title": article["title"],
        "description": article.get("digest", ""),
        "pic_url": article.get("thumb_url", ""),
        "url": url,
    }


def inbox(state: SandboxState, openid: str, after: int = 0) -> list[dict[str, Any]]:
    """A follower's chat, oldest first; `after` keeps only entries with a larger id."""
    entries = [json.loads(row) for row in state.r.lrange(key("inbox", openid), 0, -1)]
    return [e for e in entries if e["id"] > after]
