"""What followers did with the account's articles, counted as WeChat's `datacube` APIs report it.

A follower opening an article (the chat page's card, `mmsp-bot sandbox read URL --as NAME`)
counts a read, `--share` a share; follows and unfollows are counted by SandboxState. Every day
is a Beijing day of the sandbox's clock. The article APIs (getarticlesummary, getarticletotal)
count mass-sent articles only, as WeChat's do ("仅包括群发的文章"); getuserread and getusershare
count every article of the account.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from sandbox.state import BEIJING, SandboxState, key

ACTIONS = key("stats", "actions")
# share_scene of getusershare: 1 friend (好友转发), 2 Moments (朋友圈), 255 other.
SHARE_SCENES = {"friend": 1, "moments": 2, "other": 255}
# user_source of getuserread: 0 the account's chat (会话), 99999999 all sources (全部).
FROM_CHAT, ALL_SOURCES = 0, 99999999
# getarticlesummary leaves out an article whose day adds up to less than this (WeChat's note:
# 中间页阅读人数+原文页阅读人数+分享转发人数+分享转发次数+收藏次数 >= 3).
SUMMARY_THRESHOLD = 3
# getarticletotal counts at most this many days from the send (发表日后7天).
TOTAL_DAYS = 7


class StatisticsError(ValueError):
    """A read or share the sandbox cannot count (no such article); one line for people."""


def beijing_day(ts: float) -> date:
    return datetime.fromtimestamp(ts, BEIJING).date()


def article_of(st: SandboxState, url: str) -> tuple[str, int, dict[str, Any]]:
    """The (article_id, idx, record) of a published article's URL (…/sandbox/s/<id>/<idx>)."""
    parts = urlparse(url or "").path.strip("/").split("/")
    if len(parts) < 4 or parts[-4:-2] != ["sandbox", "s"] or not parts[-1].isdigit():
        raise StatisticsError(f"{url!r} is not the address of a published article")
    article_id, idx = parts[-2], int(parts[-1])
    record = st.get("articles", article_id)
    if record is None or not 1 <= idx <= len(record["news_item"]):
        raise StatisticsError(f"no published article at {url}")
    if record["news_item"][idx - 1].get("is_deleted"):
        raise StatisticsError(f"the article at {url} was deleted")
    return article_id, idx, record


def record(st: SandboxState, openid: str, url: str, share: str = "") -> dict[str, Any]:
    """Count a read of the article at `url` by `openid`, and a share when `share` names a scene."""
    if share and share not in SHARE_SCENES:
        raise StatisticsError(f"share must be one of {', '.join(SHARE_SCENES)}")
    article_id, idx, _ = article_of(st, url)
    now = st.now()
    base = {"openid": openid, "article_id": article_id, "idx": idx, "at": now}
    entries = [{**base, "action": "read"}]
    if share:
        entries.append({**base, "action": "share", "scene": SHARE_SCENES[share]})
    st.r.rpush(ACTIONS, *(json.dumps(e) for e in entries))
    return {"article_id": article_id, "idx": idx, "day": beijing_day(now).isoformat()}


def _actions(st: SandboxState) -> list[dict[str, Any]]:
    out = []
    for raw in st.r.lrange(ACTIONS, 0, -1):
        entry = json.loads(raw)
        entry["day"] = beijing_day(entry["at"])
        out.append(entry)
    return out


def _mass_article(st: SandboxState, article_id: str, cache: dict) -> dict[str, Any] | None:
    """The mass send behind a published article: msg_data_id, its day, whom it reached."""
    if article_id not in cache:
        published = st.get("articles", article_id) or {}
        send = st.get("mass", published.get("msg_id")) if published.get("via") == "mass" else None
        cache[article_id] = (
            None
            if not send
            else {
                "msg_data_id": send["msg_data_id"],
                "day": beijing_day(send["create_time"]),
                "target_user": int(send.get("sent_count") or 0),
                "titles": [a.get("title", "") for a in published["news_item"]],
            }
        )
    return cache[article_id]


def _counts(entries: list[dict[str, Any]]) -> dict[str, int]:
    """The read and share fields of WeChat's article statistics for these actions."""
    reads = [e for e in entries if e["action"] == "read"]
    shares = [e for e in entries if e["action"] == "share"]
    return {
        "int_page_read_user": len({e["openid"] for e in reads}),
        "int_page_read_count": len(reads),
        # No "read more" page (原文页) and no favourites in the sandbox.
        "ori_page_read_user": 0,
        "ori_page_read_count": 0,
        "share_user": len({e["openid"] for e in shares}),
        "share_count": len(shares),
        "add_to_fav_user": 0,
        "add_to_fav_count": 0,
    }


def _days(begin: date, end: date) -> list[date]:
    return [begin + timedelta(days=n) for n in range((end - begin).days + 1)]


def article_summary(st: SandboxState, begin: date, end: date) -> list[dict[str, Any]]:
    """getarticlesummary: each mass-sent article's reads and shares of each day."""
    cache: dict = {}
    groups: dict[tuple[date, str, int], list] = defaultdict(list)
    for entry in _actions(st):
        if begin <= entry["day"] <= end and _mass_article(st, entry["article_id"], cache):
            groups[(entry["day"], entry["article_id"], entry["idx"])].append(entry)
    rows = []
    for (day, article_id, idx), entries in sorted(groups.items()):
        sent = _mass_article(st, article_id, cache)
        counts = _counts(entries)
        weight = counts["int_page_read_user"] + counts["share_user"] + counts["share_count"]
        if weight < SUMMARY_THRESHOLD:
            continue
        rows.append(
            {
                "ref_date": day.isoformat(),
                "msgid": f"{sent['msg_data_id']}_{idx}",
                "title": sent["titles"][idx - 1],
                "user_source": 0,
                **counts,
            }
        )
    return rows


def article_total(st: SandboxState, begin: date, end: date, today: date) -> list[dict[str, Any]]:
    """getarticletotal: each article mass-sent on these days, with its totals at the end of
    each day from the send on (at most 7 days, and not today)."""
    cache: dict = {}
    actions = _actions(st)
    rows = []
    for article_id, published in sorted(st.all("articles").items()):
        sent = _mass_article(st, article_id, cache)
        if not sent or not begin <= sent["day"] <= end:
            continue
        last = min(sent["day"] + timedelta(days=TOTAL_DAYS - 1), today - timedelta(days=1))
        for idx, title in enumerate(sent["titles"], start=1):
            mine = [a for a in actions if a["article_id"] == article_id and a["idx"] == idx]
            details = []
            for day in _days(sent["day"], last):
                upto = [a for a in mine if a["day"] <= day]
                counts = _counts(upto)
                details.append(
                    {
                        "stat_date": day.isoformat(),
                        "target_user": sent["target_user"],
                        **counts,
                        # Every sandbox read starts in the account's chat (公众号会话).
                        "int_page_from_session_read_user": counts["int_page_read_user"],
                        "int_page_from_session_read_count": counts["int_page_read_count"],
                    }
                )
            rows.append(
                {
                    "ref_date": sent["day"].isoformat(),
                    "msgid": f"{sent['msg_data_id']}_{idx}",
                    "title": title,
                    "url": published["news_item"][idx - 1].get("url", ""),
                    "user_source": 0,
                    "details": details,
                }
            )
    return rows


def user_read(st: SandboxState, begin: date, end: date) -> list[dict[str, Any]]:
    """getuserread: all the account's article reads and shares of each day (a row from the
    chat, user_source 0, and a row of all sources, 99999999)."""
    by_day: dict[date, list] = defaultdict(list)
    for entry in _actions(st):
        if begin <= entry["day"] <= end:
            by_day[entry["day"]].append(entry)
    rows = []
    for day in sorted(by_day):
        counts = _counts(by_day[day])
        for source in (FROM_CHAT, ALL_SOURCES):
            rows.append({"ref_date": day.isoformat(), "user_source": source, **counts})
    return rows


def user_share(st: SandboxState, begin: date, end: date) -> list[dict[str, Any]]:
    """getusershare: shares of each day, by scene."""
    groups: dict[tuple[date, int], list] = defaultdict(list)
    for entry in _actions(st):
        if entry["action"] == "share" and begin <= entry["day"] <= end:
            groups[(entry["day"], entry["scene"])].append(entry)
    return [
        {
            "ref_date": day.isoformat(),
            "share_scene": scene,
            "share_count": len(entries),
            "share_user": len({e["openid"] for e in entries}),
        }
        for (day, scene), entries in sorted(groups.items())
    ]


def _growth(st: SandboxState) -> dict[date, dict[str, int]]:
    out: dict[date, dict[str, int]] = defaultdict(lambda: {"new_user": 0, "cancel_user": 0})
    for field, value in st.r.hgetall(key("stats", "growth")).items():
        day, _, name = field.partition("|")
        out[date.fromisoformat(day)][name] = int(value)
    return out


def user_summary(st: SandboxState, begin: date, end: date) -> list[dict[str, Any]]:
    """getusersummary: follows and unfollows of each day that had any."""
    growth = _growth(st)
    return [
        {"ref_date": day.isoformat(), "user_source": 0, **growth[day]}
        for day in sorted(growth)
        if begin <= day <= end
    ]


def user_cumulate(st: SandboxState, begin: date, end: date) -> list[dict[str, Any]]:
    """getusercumulate: the number of followers at the end of each day."""
    growth = _growth(st)
    now_count = len(st.follower_openids())
    rows = []
    for day in _days(begin, end):
        later = [g for d, g in growth.items() if d > day]
        count = now_count - sum(g["new_user"] - g["cancel_user"] for g in later)
        rows.append({"ref_date": day.isoformat(), "user_source": 0, "cumulate_user": max(count, 0)})
    return rows
