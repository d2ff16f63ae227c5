"""The followers' directory for staff: a paged, searchable list with names, topics and reminders.

WeChat stopped giving nicknames in 2021, so a follower's name is the remark staff gave them in
WeChat (`user/info` answers it); the console reads missing names in one `user/info/batchget`
for the page it shows and keeps them in `follower:names` (openid -> name), which is also what a
search by name reads. Listing follows `follower:seen` (latest activity first), so a page costs
the same with 100 followers or 100,000.
"""

from __future__ import annotations

import logging
import re
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
_OPENID_START = re.compile(r"o[A-Za-z0-9_-]{7,27}")
# Active followers (openid, last seen) whose name holds ARGV[1] (letters compared in lower
# case; Chinese as written), and with ARGV[3], those whose openid starts with ARGV[2] (found by
# their records' keys, which begin with ARGV[4]).
_MATCHING = """
local found = {}
local names = redis.call('HGETALL', KEYS[1])
for i = 1, #names, 2 do
  if string.find(string.lower(names[i + 1]), ARGV[1], 1, true) then
    local seen = redis.call('ZSCORE', KEYS[2], names[i])
    if seen then found[#found + 1] = names[i]; found[#found + 1] = seen end
  end
end
local exact = redis.call('ZSCORE', KEYS[2], ARGV[2])
if exact then
  -- A whole openid (pasted from a log): no other openid starts with it.
  found[#found + 1] = ARGV[2]; found[#found + 1] = exact
elseif ARGV[3] ~= '' then
  -- The records' keys that start so, matched by Redis itself (SCAN's MATCH runs in C and
  -- returns only the matches): reading every openid into the script took most of a second.
  local skip, listed = #ARGV[4], {}
  local cursor = '0'
  repeat
    local page = redis.call('SCAN', cursor, 'MATCH', ARGV[4] .. ARGV[2] .. '*', 'COUNT', 10000)
    cursor = page[1]
    for _, key in ipairs(page[2]) do
      local openid = string.sub(key, skip + 1)
      -- A follower's other keys (topics, window) go on after the openid; SCAN may repeat one.
      if not string.find(openid, ':', 1, true) and not listed[openid] then
        listed[openid] = true
        local seen = redis.call('ZSCORE', KEYS[2], openid)
        if seen then found[#found + 1] = openid; found[#found + 1] = seen end
      end
    end
  until cursor == '0'
end
return found
"""


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
    """Active followers whose name contains the query, or whose openid starts with it (a
    query of 8 characters or more that can begin an openid)."""
    needle = "".join(c.lower() if c.isascii() else c for c in query)
    # Matched inside Redis: reading 100,000 names or openids out (or HSCAN/ZSCAN, slower
    # still per entry) takes most of a second; a script returns only what matches.
    # Scanning every openid is for a query that can be the start of one (WeChat's openids
    # are 28 letters, digits, - and _ beginning with o): a name never costs that scan.
    by_openid = "1" if _OPENID_START.fullmatch(query) else ""
    prefix = records.record_key("")
    flat = r.eval(_MATCHING, 2, NAMES_KEY, records.SEEN_KEY, needle, query, by_openid, prefix)
    seen = {(float(score), openid) for openid, score in zip(flat[::2], flat[1::2], strict=True)}
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
        pipe.hmget(records.record_key(openid), "language", "subscribed_at")
        pipe.zscore(records.SEEN_KEY, openid)
        pipe.smembers(records.topics_key(openid))
        pipe.hlen(reminders.reminders_key(openid))
    if not openids:
        return []
    pipe.hmget(NAMES_KEY, openids)
    answers = pipe.execute()
    names = answers.pop()
    rows = []
    for i, openid in enumerate(openids):
        (lang, joined), last_seen, topics, count = answers[4 * i : 4 * i + 4]
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
