"""Follower records in Redis: who follows, since when, in which language, last seen when.

Keys: `follower:<openid>` (a hash), `follower:<openid>:topics` (a set),
`follower:seen` (a sorted set: openid scored by the time of their last interaction; the
reminder job reads it to find who is inside WeChat's 48-hour customer-service window; it is
where an active follower's last-seen time is kept, the record holds it once they leave).
Counts the console shows are kept as followers come and go, never counted by scanning:
`follower:counts` (a hash: `active`, `gone`, `lang:<code>` of active followers) and
`follower:changes` (a hash: hour number since the epoch -> followers gained minus lost then).
Each change of a record and its counts is one Lua script, so they never disagree.
What a follower is told is done (a follow, a chosen language, a topic) is confirmed by a replica
before the function returns (confirm_writes), so that a fail-over cannot drop it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import redis

from bot.followers import language
from bot.redisdb import confirm_writes

log = logging.getLogger(__name__)

SEEN_KEY = "follower:seen"
COUNTS_KEY = "follower:counts"
CHANGES_KEY = "follower:changes"
HOUR = 3600
ACTIVE = "active"
GONE = "gone"
# Where a follower's language came from; an explicit choice is never overridden by a guess.
SOURCE_DEFAULT = "default"
SOURCE_WECHAT = "wechat"
SOURCE_SCRIPT = "script"
SOURCE_CHOICE = "choice"
# The language of the script the follower last wrote in (bot/handlers/follower_context.py writes
# it).
SCRIPT_LANGUAGE = "script_language"
# "1" when the follower reads Traditional characters (they wrote or chose them), else Simplified.
TRADITIONAL = "traditional"


# A follow, or (mode "touch") any interaction: a follower never seen before is recorded as one
# who follows, a known one only gets their last-seen time. Returns {new, HGETALL, SMEMBERS topics}.
# Counts start out exact when the first follower is recorded into an empty directory; older
# data are counted once by the console (follower_stats.ensure_counts).
# ARGV[9] and ARGV[10], when given, are the script of the follower's message ("zh" or "en") and
# whether its Chinese is Traditional ("1", "0"; "" when it reads the same in both): unless the
# follower chose a language, they are remembered for clicks and emoji (the record is returned
# as it was before, for the answer to compare with).
_SEEN = """
local rec, seen, counts, changes = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local openid, now, hour, mode = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local function remember()
  local script = ARGV[9] or ''
  if script == '' or redis.call('HGET', rec, 'language_source') == 'choice' then return end
  if redis.call('HGET', rec, 'script_language') ~= script then
    redis.call('HSET', rec, 'script_language', script)
  end
  local hant = ARGV[10] or ''
  local was = redis.call('HGET', rec, 'traditional') == '1'
  if script == 'zh' and hant ~= '' and was ~= (hant == '1') then
    redis.call('HSET', rec, 'traditional', hant)
  end
end
if redis.call('EXISTS', counts) == 0 and redis.call('ZCARD', seen) == 0 then
  redis.call('HSET', counts, 'exact', 1)
end
local status = redis.call('HGET', rec, 'status')
redis.call('ZADD', seen, now, openid)
if mode == 'touch' and status then
  local record = redis.call('HGETALL', rec)
  remember()
  return {0, record, {}}
end
local old = redis.call('HGET', rec, 'language')
local source = redis.call('HGET', rec, 'language_source')
local lang = old
redis.call('HSET', rec, 'status', 'active', 'subscribed_at', ARGV[8])
redis.call('HDEL', rec, 'unsubscribed_at', 'last_seen')
if ARGV[5] ~= '' then redis.call('HSET', rec, 'scene', ARGV[5]) end
if ARGV[6] ~= '' and source ~= 'choice' then
  lang = ARGV[6]
  redis.call('HSET', rec, 'language', lang, 'language_source', 'wechat')
elseif not old then
  -- No language_source: the default one (a small record, times 100,000).
  lang = ARGV[7]
  redis.call('HSET', rec, 'language', lang)
end
if status ~= 'active' then
  redis.call('HINCRBY', counts, 'active', 1)
  if status == 'gone' then redis.call('HINCRBY', counts, 'gone', -1) end
  redis.call('HINCRBY', counts, 'lang:' .. lang, 1)
  redis.call('HINCRBY', changes, hour, 1)
elseif old ~= lang then
  if old then redis.call('HINCRBY', counts, 'lang:' .. old, -1) end
  redis.call('HINCRBY', counts, 'lang:' .. lang, 1)
end
local new = 0
if not status then new = 1 end
local record = redis.call('HGETALL', rec)
if mode == 'touch' then remember() end
return {new, record, redis.call('SMEMBERS', KEYS[5])}
"""
_UNSUBSCRIBE = """
local rec, seen, counts, changes = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local status = redis.call('HGET', rec, 'status')
if status == 'active' then
  redis.call('HINCRBY', counts, 'active', -1)
  redis.call('HINCRBY', counts, 'lang:' .. (redis.call('HGET', rec, 'language') or ''), -1)
  redis.call('HINCRBY', changes, ARGV[3], -1)
end
if status ~= 'gone' then redis.call('HINCRBY', counts, 'gone', 1) end
redis.call('HSET', rec, 'status', 'gone', 'unsubscribed_at', ARGV[2])
local last = redis.call('ZSCORE', seen, ARGV[1])
if last then redis.call('HSET', rec, 'last_seen', last) end
redis.call('ZREM', seen, ARGV[1])
return 0
"""
# Write fields of a record (ARGV: field, value, ...), moving the language count when it changes.
_UPDATE = """
local status = redis.call('HGET', KEYS[1], 'status')
local old = redis.call('HGET', KEYS[1], 'language')
redis.call('HSET', KEYS[1], unpack(ARGV))
local new = redis.call('HGET', KEYS[1], 'language')
if status == 'active' and old ~= new then
  if old then redis.call('HINCRBY', KEYS[2], 'lang:' .. old, -1) end
  redis.call('HINCRBY', KEYS[2], 'lang:' .. new, 1)
end
return 0
"""


def record_key(openid: str) -> str:
    return f"follower:{openid}"


def topics_key(openid: str) -> str:
    return f"follower:{openid}:topics"


@dataclass
class Follower:
    """What we keep about one follower."""

    openid: str
    status: str = ACTIVE
    language: str = language.DEFAULT
    language_source: str = SOURCE_DEFAULT
    scene: str = ""
    subscribed_at: float = 0.0
    unsubscribed_at: float = 0.0
    last_seen: float = 0.0
    topics: set[str] = field(default_factory=set)

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    @classmethod
    def from_hash(cls, openid: str, data: dict[str, str], topics: set[str]) -> Follower:
        return cls(
            openid=openid,
            status=data.get("status", ACTIVE),
            language=language.valid(
                # The script they last wrote in, unless they chose a language.
                data.get(SCRIPT_LANGUAGE)
                if data.get(SCRIPT_LANGUAGE) and data.get("language_source") != SOURCE_CHOICE
                else data.get("language")
            ),
            language_source=data.get("language_source", SOURCE_DEFAULT),
            scene=data.get("scene", ""),
            subscribed_at=float(data.get("subscribed_at") or 0),
            unsubscribed_at=float(data.get("unsubscribed_at") or 0),
            last_seen=float(data.get("last_seen") or 0),
            topics=set(topics),
        )


def get(r: redis.Redis, openid: str) -> Follower | None:
    """The follower's record, or None when we never saw them."""
    pipe = r.pipeline(transaction=False)
    pipe.hgetall(record_key(openid))
    pipe.smembers(topics_key(openid))
    pipe.zscore(SEEN_KEY, openid)
    data, topics, last_seen = pipe.execute()
    if not data:
        return None
    follower = Follower.from_hash(openid, data, topics)
    follower.last_seen = last_seen or follower.last_seen
    return follower


def queue_seen(
    pipe,
    openid: str,
    now: float,
    *,
    follow: bool = False,
    scene: str = "",
    lang: str = "",
    script: tuple[str, bool | None] | None = None,
) -> None:
    """Queue on a pipeline the script that records a follow (follow=True) or an interaction:
    a follower never seen before is recorded, counted and answered in one round trip; the
    script of their message (language.script_of) is remembered unless they chose a language.
    Its result goes to seen_result()."""
    keys = (record_key(openid), SEEN_KEY, COUNTS_KEY, CHANGES_KEY, topics_key(openid))
    mode = "follow" if follow else "touch"
    # Whole seconds where a second is precise enough: a record stays small (100,000 of them).
    args = (
        openid,
        repr(float(now)),
        int(now // HOUR),
        mode,
        scene,
        lang,
        language.DEFAULT,
        int(now),
    )
    if script is not None:
        script_lang, hant = script
        args += (script_lang, "" if hant is None else str(int(hant)))
    pipe.eval(_SEEN, len(keys), *keys, *args)


def seen_result(openid: str, result) -> tuple[Follower, bool, dict[str, str]]:
    """The follower, whether they are new, and their raw record, from queue_seen's result."""
    new, flat, topics = result
    data = _pairs(flat)
    return Follower.from_hash(openid, data, topics), bool(new), data


def _pairs(flat: list) -> dict[str, str]:
    it = iter(flat)
    return {_text(k): _text(v) for k, v in zip(it, it, strict=True)}


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value


def subscribe(
    r: redis.Redis,
    openid: str,
    *,
    scene: str = "",
    lang: str | None = None,
    now: float | None = None,
) -> Follower:
    """Record a follow; a returning follower keeps their language and topics."""
    now = time.time() if now is None else now
    pipe = r.pipeline(transaction=False)
    queue_seen(pipe, openid, now, follow=True, scene=scene, lang=lang or "")
    follower, new, _ = seen_result(openid, pipe.execute()[0])
    follower.last_seen = now
    confirm_writes(r)
    log.info("follower %s subscribed (scene=%r, returning=%s)", openid, scene, not new)
    return follower


def unsubscribe(r: redis.Redis, openid: str, now: float | None = None) -> None:
    """Mark the follower gone; their settings stay for a return, their reminders do not."""
    from bot.followers import reminders

    now = time.time() if now is None else now
    keys = (record_key(openid), SEEN_KEY, COUNTS_KEY, CHANGES_KEY)
    r.eval(_UNSUBSCRIBE, len(keys), *keys, openid, repr(float(now)), int(now // HOUR))
    cancelled = reminders.cancel_all(r, openid)
    log.info("follower %s unsubscribed; %d reminder(s) cancelled", openid, cancelled)


def queue_update(pipe, openid: str, fields: dict) -> None:
    """Queue writing fields of a record; a change of language moves the language counts."""
    flat = [str(x) for pair in fields.items() for x in pair]
    pipe.eval(_UPDATE, 2, record_key(openid), COUNTS_KEY, *flat)


def touch(r: redis.Redis, openid: str, now: float | None = None) -> None:
    """Note an interaction (message, click, scan): it opens the 48-hour window again."""
    now = time.time() if now is None else now
    pipe = r.pipeline(transaction=False)
    queue_touch(pipe, openid, now)
    pipe.execute()


def queue_touch(pipe, openid: str, now: float) -> None:
    """Queue the writes of an interaction on a pipeline (see touch)."""
    pipe.zadd(SEEN_KEY, {openid: now})


def from_record(openid: str, data: dict[str, str]) -> Follower | None:
    """The follower a `follower:<openid>` hash describes (None when it is not a record)."""
    return Follower.from_hash(openid, data, set()) if data.get("status") else None


def set_language(r: redis.Redis, openid: str, lang: str, source: str = SOURCE_CHOICE) -> None:
    mapping = {"language": language.valid(lang), "language_source": source}
    pipe = r.pipeline(transaction=False)
    queue_update(pipe, openid, mapping)
    pipe.execute()
    if source == SOURCE_CHOICE:
        confirm_writes(r)


def guess_language_from_text(r: redis.Redis, follower: Follower | None, text: str) -> str:
    """The language to answer in; the first message's script decides when nothing else has."""
    # A language taken from WeChat's user info (zh_CN for everyone nowadays) is no knowledge.
    if follower is not None and follower.language_source not in (SOURCE_DEFAULT, SOURCE_WECHAT):
        return follower.language
    lang = language.from_script(text)
    if follower is not None:
        set_language(r, follower.openid, lang, SOURCE_SCRIPT)
        follower.language, follower.language_source = lang, SOURCE_SCRIPT
    return lang


def follow_topic(r: redis.Redis, openid: str, topic: str) -> None:
    r.sadd(topics_key(openid), topic)
    confirm_writes(r)


def unfollow_topic(r: redis.Redis, openid: str, topic: str) -> bool:
    removed = bool(r.srem(topics_key(openid), topic))
    confirm_writes(r)
    return removed


def seen_since(r: redis.Redis, since: float) -> set[str]:
    """Openids of followers who interacted at or after `since`."""
    return set(r.zrangebyscore(SEEN_KEY, since, "+inf"))
