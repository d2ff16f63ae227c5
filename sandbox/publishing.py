"""What the platform does when a publish or a mass send comes due: the articles become public
pages, a send lands in its recipients' chats, and the job's event is made.

The jobs that finish them and the API groups that start them (freepublish, mass) all use these,
so they live here rather than in a route module that the jobs would import back.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.inbox import add_to_inbox, news_card
from sandbox.state import SandboxState, key

# WeChat counts days and months in China's time.
CHINA = ZoneInfo("Asia/Shanghai")
# A service account's follower receives at most 4 mass messages a month (the others are
# filtered out of a send).
PER_FOLLOWER_MONTH = 4


def china_period(st: SandboxState, unit: str) -> str:
    """Today ("day") or this month ("month") on the sandbox's clock, as WeChat counts them."""
    moment = datetime.fromtimestamp(st.now(), CHINA)
    return moment.strftime("%Y-%m-%d" if unit == "day" else "%Y-%m")


def article_url(st: SandboxState, article_id: str, idx: int) -> str:
    """The public link of one published article (idx counts from 1, as WeChat's do)."""
    return f"{st.public_url()}/sandbox/s/{article_id}/{idx}"


def publish_articles(
    st: SandboxState, articles: list[dict], via: str, **source: Any
) -> tuple[str, list[dict]]:
    """Store articles as published pages; returns the article_id and the stored news items."""
    article_id = secrets.token_urlsafe(32)
    items = [
        {**article, "url": article_url(st, article_id, idx), "is_deleted": False}
        for idx, article in enumerate(articles, start=1)
    ]
    record = {"news_item": items, "update_time": int(st.now()), "via": via, **source}
    st.put("articles", article_id, record)
    return article_id, items


def mass_entry(record: dict[str, Any], urls: list[str]) -> dict[str, Any]:
    """The message a follower's chat shows for a mass send or a preview."""
    if record["msgtype"] == "text":
        return {"type": "text", "content": record["content"]}
    if record["msgtype"] == "image":
        return {"type": "image", "url": record["url"]}
    cards = [news_card(a, url) for a, url in zip(record["articles"], urls, strict=True)]
    return {"type": "news", "articles": cards}


def _eligible(st: SandboxState, recipients: list[str]) -> list[str]:
    """The recipients a service account's send reaches: those with fewer than 4 this month."""
    if st.config()["account_type"] != "service":
        return list(recipients)
    received = key("mass_received", china_period(st, "month"))
    counts = st.r.hmget(received, recipients) if recipients else []
    return [o for o, n in zip(recipients, counts, strict=True) if int(n or 0) < PER_FOLLOWER_MONTH]


def fail_mass_send(st: SandboxState, msg_id: str, record: dict[str, Any], status: str) -> dict:
    """End a send with WeChat's failure `status`; returns the MASSSENDJOBFINISH event fields."""
    total = len(record["recipients"])
    record.update(msg_status="SEND_FAIL", finish_status=status, sent_count=0, error_count=0)
    st.put("mass", msg_id, record)
    return _mass_event(msg_id, status, total, 0, 0, [])


def complete_mass_send(st: SandboxState, msg_id: str, record: dict[str, Any]) -> dict[str, Any]:
    """Put the message in each recipient's inbox; returns the MASSSENDJOBFINISH event fields."""
    if record.get("outcome", "send success") != "send success":
        return fail_mass_send(st, msg_id, record, record["outcome"])
    urls: list[str] = []
    if record["msgtype"] == "mpnews":
        article_id, items = publish_articles(st, record["articles"], "mass", msg_id=msg_id)
        record["article_id"] = article_id
        urls = [item["url"] for item in items]
    entry = mass_entry(record, urls)
    eligible = _eligible(st, record["recipients"])
    received = key("mass_received", china_period(st, "month"))
    sent = 0
    for openid in eligible:
        follower = st.follower(openid)
        if follower and follower["subscribe"]:
            add_to_inbox(st, openid, entry, sender="account", via="mass")
            st.r.hincrby(received, openid, 1)
            sent += 1
    st.r.expire(received, 40 * 86400)
    total = len(record["recipients"])
    record.update(msg_status="SEND_SUCCESS", finish_status="send success", sent_count=sent)
    record.update(filter_count=len(eligible), error_count=len(eligible) - sent)
    record["article_urls"] = urls
    st.put("mass", msg_id, record)
    return _mass_event(msg_id, "send success", total, len(eligible), sent, urls)


def _mass_event(msg_id, status: str, total: int, eligible: int, sent: int, urls: list[str]) -> dict:
    url_items = [{"ArticleIdx": i, "ArticleUrl": u} for i, u in enumerate(urls, start=1)]
    return {
        "Event": "MASSSENDJOBFINISH",
        "MsgID": int(msg_id),
        "Status": status,
        "TotalCount": total,
        # After filtering (followers who got 4 this month): FilterCount = SentCount + ErrorCount.
        "FilterCount": eligible,
        "SentCount": sent,
        "ErrorCount": eligible - sent,
        "CopyrightCheckResult": {"Count": 0, "ResultList": {}, "CheckState": 1},
        "ArticleUrlResult": {"Count": len(url_items), "ResultList": {"item": url_items}},
    }
