"""Follower records in Redis: who follows, since when, in which language, last seen when.

Keys: `follower:<openid>` (a hash), `follower:<openid>:topics` (a set),
`follower:seen` (a sorted set: openid scored by the time of their last interaction; the
reminder job reads it to find who is inside WeChat's 48-hour customer-service window).
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
ACTIVE = "active"
GONE = "gone"
# Where a follower's language came from; an explicit choice is never overridden by a guess.
SOURCE_DEFAULT = "default"
SOURCE_WECHAT = "wechat"
SOURCE_SCRIPT = "script"
SOURCE_CHOICE = "choice"
# The language of the script the follower last wrote in (bot/handlers/followers.py writes it).
SCRIPT_LANGUAGE = "script_language"


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
    data, topics = pipe.execute()
    if not data:
        return None
    return Follower.from_hash(openid, data, topics)


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
    key = record_key(openid)
    mapping = {
        "openid": openid,
        "status": ACTIVE,
        "subscribed_at": now,
        "last_seen": now,
        "unsubscribed_at": 0,
    }
    if scene:
        mapping["scene"] = scene
    existing = r.hgetall(key)
    chosen = existing.get("language_source") == SOURCE_CHOICE
    if lang and not chosen:
        mapping["language"] = lang
        mapping["language_source"] = SOURCE_WECHAT
    elif not existing:
        mapping["language"] = language.DEFAULT
        mapping["language_source"] = SOURCE_DEFAULT
    pipe = r.pipeline()
    pipe.hset(key, mapping=mapping)
    pipe.zadd(SEEN_KEY, {openid: now})
    pipe.execute()
    confirm_writes(r)
    log.info("follower %s subscribed (scene=%r, returning=%s)", openid, scene, bool(existing))
    return get(r, openid)


def unsubscribe(r: redis.Redis, openid: str, now: float | None = None) -> None:
    """Mark the follower gone; their settings stay for a return, their reminders do not."""
    from bot.followers import reminders

    now = time.time() if now is None else now
    pipe = r.pipeline()
    gone = {"openid": openid, "status": GONE, "unsubscribed_at": now}
    pipe.hset(record_key(openid), mapping=gone)
    pipe.zrem(SEEN_KEY, openid)
    pipe.execute()
    cancelled = reminders.cancel_all(r, openid)
    log.info("follower %s unsubscribed; %d reminder(s) cancelled", openid, cancelled)


def touch(r: redis.Redis, openid: str, now: float | None = None) -> None:
    """Note an interaction (message, click, scan): it opens the 48-hour window again."""
    now = time.time() if now is None else now
    pipe = r.pipeline(transaction=False)
    queue_touch(pipe, openid, now)
    pipe.execute()


def queue_touch(pipe, openid: str, now: float) -> None:
    """Queue the writes of an interaction on a pipeline (see touch)."""
    pipe.hset(record_key(openid), mapping={"openid": openid, "last_seen": now})
    pipe.zadd(SEEN_KEY, {openid: now})


def from_record(openid: str, data: dict[str, str]) -> Follower | None:
    """The follower a `follower:<openid>` hash describes (None when it is not a record)."""
    return Follower.from_hash(openid, data, set()) if data.get("status") else None


def set_language(r: redis.Redis, openid: str, lang: str, source: str = SOURCE_CHOICE) -> None:
    mapping = {"language": language.valid(lang), "language_source": source}
    r.hset(record_key(openid), mapping=mapping)
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
