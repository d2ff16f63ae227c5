"""The followers' directory for staff: a paged, searchable list with names, topics and reminders.

WeChat stopped giving nicknames in 2021, so a follower's name is the remark staff gave them in
WeChat (`user/info` answers it); the console reads missing names in one `user/info/batchget`
for the page it shows and keeps them in `follower:names` (openid -> name), which is also what a
search by name reads. Listing follows `follower:seen` (latest activity first), so a page costs
the same with 100 followers or 100,000.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import redis

from bot.followers import records, reminders

log = logging.getLogger(__name__)

NAMES_KEY = "follower:names"
# Openids whose remark WeChat was asked for (empty or not): not asked again on every page view.
NAMES_ASKED_KEY = "follower:names:asked"
PAGE_SIZE = 50
# WeChat's user/info/batchget takes at most 100 openids a call.
BATCH_MAX = 100


@dataclass
class Row:
    """One follower as the console lists them."""

    openid: str
    name: str = ""
    language: str = ""
    last_seen: float = 0.0
    subscribed_at: float = 0.0
    topics: list[str] = field(default_factory=list)
    reminders: int = 0


@dataclass
class Page:
    rows: list[Row]
    total: int
    offset: int
    query: str = ""

    @property
    def next_offset(self) -> int | None:
        return self.offset + PAGE_SIZE if self.offset + PAGE_SIZE < self.total else None

    @property
    def previous_offset(self) -> int | None:
        return max(self.offset - PAGE_SIZE, 0) if self.offset > 0 else None


def _matching(r: redis.Redis, query: str) -> list[str]:
    """Active followers whose name contains the query, or whose openid starts with it."""
    needle = query.casefold()
    found = {openid for openid, name in r.hscan_iter(NAMES_KEY) if needle in name.casefold()}
    if len(query) >= 4:
        found.update(openid for openid, _ in r.zscan_iter(records.SEEN_KEY, match=f"{query}*"))
    if not found:
        return []
    pipe = r.pipeline(transaction=False)
    ordered = sorted(found)
    for openid in ordered:
        pipe.zscore(records.SEEN_KEY, openid)
    seen = [(score, openid) for openid, score in zip(ordered, pipe.execute(), strict=True) if score]
    return [openid for _, openid in sorted(seen, reverse=True)]


def page(r: redis.Redis, query: str = "", offset: int = 0) -> Page:
    """Active followers, the latest active first; a query filters by name or openid."""
    query, offset = query.strip(), max(offset, 0)
    if query:
        openids = _matching(r, query)
        total, chosen = len(openids), openids[offset : offset + PAGE_SIZE]
    else:
        total = r.zcard(records.SEEN_KEY)
        chosen = r.zrevrange(records.SEEN_KEY, offset, offset + PAGE_SIZE - 1)
    return Page(rows=_rows(r, chosen), total=total, offset=offset, query=query)


def _rows(r: redis.Redis, openids: list[str]) -> list[Row]:
    pipe = r.pipeline(transaction=False)
    for openid in openids:
        pipe.hmget(records.record_key(openid), "language", "last_seen", "subscribed_at")
        pipe.smembers(records.topics_key(openid))
        pipe.hlen(reminders.reminders_key(openid))
    if not openids:
        return []
    pipe.hmget(NAMES_KEY, openids)
    answers = pipe.execute()
    names = answers.pop()
    rows = []
    for i, openid in enumerate(openids):
        (lang, last_seen, joined), topics, count = answers[3 * i : 3 * i + 3]
        rows.append(
            Row(
                openid=openid,
                name=names[i] or "",
                language=lang or "",
                last_seen=float(last_seen or 0),
                subscribed_at=float(joined or 0),
                topics=sorted(topics),
                reminders=int(count or 0),
            )
        )
    return rows


def remember_name(r: redis.Redis, openid: str, name: str) -> None:
    """Keep a follower's name (their remark in WeChat); an empty one removes it."""
    pipe = r.pipeline(transaction=False)
    if name:
        pipe.hset(NAMES_KEY, openid, name)
    else:
        pipe.hdel(NAMES_KEY, openid)
    pipe.sadd(NAMES_ASKED_KEY, openid)
    pipe.execute()


def fill_missing_names(r: redis.Redis, client, rows: list[Row]) -> None:
    """Ask WeChat once for the remarks of rows whose name was never asked for."""
    pipe = r.pipeline(transaction=False)
    for row in rows:
        pipe.sismember(NAMES_ASKED_KEY, row.openid)
    unknown = [row for row, asked in zip(rows, pipe.execute(), strict=True) if not asked]
    for start in range(0, len(unknown), BATCH_MAX):
        batch = unknown[start : start + BATCH_MAX]
        infos = client.user.get_batch([{"openid": row.openid} for row in batch])
        remarks = {info.get("openid"): info.get("remark") or "" for info in infos or []}
        for row in batch:
            row.name = remarks.get(row.openid, "")
            remember_name(r, row.openid, row.name)
