"""Reminders a follower asked for, and their delivery exactly once (at most once on a crash).

Keys:
- `follower:<openid>:reminders`: hash, reminder id -> JSON (what, when, state).
- `reminders:due`: sorted set of "<openid>|<id>" by the time it is due (upcoming events).
- `reminders:next_issue`: sorted set of "<openid>|<id>" by the issue number current when asked;
  due once a later issue is published.
- `follower:<openid>:held`: list of reminder texts WeChat would not let us send (the follower was
  outside the 48-hour window); they ride along with the next answer the follower gets.
- `reminders:held`: set of openids that have held reminders.

A reminder leaves its sorted set by ZREM, which only one process can win: that claim is what
makes a reminder go out once, also with several workers.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass

import redis

from bot.redisdb import confirm_writes

log = logging.getLogger(__name__)

DUE_KEY = "reminders:due"
NEXT_ISSUE_KEY = "reminders:next_issue"
HELD_SET = "reminders:held"

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
HELD = "held"
DELIVERED = "delivered"


def reminders_key(openid: str) -> str:
    return f"follower:{openid}:reminders"


def held_key(openid: str) -> str:
    return f"follower:{openid}:held"


@dataclass
class Reminder:
    """One reminder: an upcoming event (`event:<issue>:<n>`) or the next issue (`issue:<n>`)."""

    id: str
    kind: str  # "event" or "issue"
    issue: int
    title: str = ""
    period: str = ""
    index: int = 0
    due: float = 0.0
    created: float = 0.0
    state: str = PENDING

    def member(self, openid: str) -> str:
        return f"{openid}|{self.id}"


def _save(r: redis.Redis | redis.client.Pipeline, openid: str, reminder: Reminder) -> None:
    r.hset(reminders_key(openid), reminder.id, json.dumps(asdict(reminder), ensure_ascii=False))


def get_all(r: redis.Redis, openid: str) -> list[Reminder]:
    raw = r.hgetall(reminders_key(openid))
    found = [Reminder(**json.loads(v)) for v in raw.values()]
    return sorted(found, key=lambda x: (x.due or float("inf"), x.id))


def get(r: redis.Redis, openid: str, reminder_id: str) -> Reminder | None:
    raw = r.hget(reminders_key(openid), reminder_id)
    return Reminder(**json.loads(raw)) if raw else None


def request(r: redis.Redis, openid: str, reminder: Reminder) -> tuple[Reminder, bool]:
    """Keep a reminder; returns it and False when the same one was already asked for."""
    existing = get(r, openid, reminder.id)
    if existing and existing.state != "cancelled":
        return existing, False
    reminder.created = reminder.created or time.time()
    reminder.state = PENDING
    pipe = r.pipeline()
    _save(pipe, openid, reminder)
    if reminder.kind == "issue":
        pipe.zadd(NEXT_ISSUE_KEY, {reminder.member(openid): reminder.issue})
    else:
        pipe.zadd(DUE_KEY, {reminder.member(openid): reminder.due})
    pipe.execute()
    confirm_writes(r)
    log.info("follower %s asked for reminder %s (due %s)", openid, reminder.id, reminder.due)
    return reminder, True


def cancel_all(r: redis.Redis, openid: str) -> int:
    """Stop every reminder of a follower (on unsubscribe, or when they ask); returns how many."""
    waiting = [x for x in get_all(r, openid) if x.state in (PENDING, HELD)]
    pipe = r.pipeline()
    for reminder in waiting:
        pipe.zrem(DUE_KEY, reminder.member(openid))
        pipe.zrem(NEXT_ISSUE_KEY, reminder.member(openid))
        reminder.state = "cancelled"
        _save(pipe, openid, reminder)
    pipe.delete(held_key(openid))
    pipe.srem(HELD_SET, openid)
    pipe.execute()
    confirm_writes(r)
    return len(waiting)


def claim_due(r: redis.Redis, now: float) -> list[tuple[str, str]]:
    """(openid, id) of event reminders due by `now`, each claimed by this caller only."""
    return _claim(r, DUE_KEY, now)


def claim_next_issue(r: redis.Redis, published_number: int) -> list[tuple[str, str]]:
    """(openid, id) of next-issue reminders asked before issue `published_number` came out."""
    return _claim(r, NEXT_ISSUE_KEY, published_number - 1)


def _claim(r: redis.Redis, key: str, upto: float) -> list[tuple[str, str]]:
    claimed = []
    for member in r.zrangebyscore(key, "-inf", upto, start=0, num=500):
        if r.zrem(key, member):
            openid, _, reminder_id = member.partition("|")
            claimed.append((openid, reminder_id))
    return claimed


def mark(r: redis.Redis, openid: str, reminder_id: str, state: str) -> Reminder | None:
    """Record a reminder's new state (sending, sent, held, delivered)."""
    reminder = get(r, openid, reminder_id)
    if reminder is None:
        return None
    reminder.state = state
    _save(r, openid, reminder)
    if state == SENDING:
        # Recorded so that a sent reminder is never sent again: a fail-over must not drop it.
        confirm_writes(r)
    return reminder


def hold(r: redis.Redis, openid: str, reminder_id: str, text: str) -> None:
    """Keep a reminder WeChat would not take now, for the follower's next answer."""
    pipe = r.pipeline()
    pipe.rpush(held_key(openid), json.dumps({"id": reminder_id, "text": text}, ensure_ascii=False))
    pipe.sadd(HELD_SET, openid)
    pipe.execute()
    mark(r, openid, reminder_id, HELD)
    log.info("reminder %s of follower %s held for their next answer", reminder_id, openid)


# Take the whole held list at once, so the answer path and the job never both deliver one.
_TAKE = """
local items = redis.call('LRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return items
"""


def take_held(r: redis.Redis, openid: str) -> list[dict]:
    """Held reminders of a follower (id and text), removed so that nobody delivers them again."""
    items = r.eval(_TAKE, 2, held_key(openid), HELD_SET, openid)
    return [json.loads(item) for item in items]


def has_held(r: redis.Redis, openid: str) -> bool:
    return bool(r.sismember(HELD_SET, openid))


def held_followers(r: redis.Redis) -> set[str]:
    return set(r.smembers(HELD_SET))


def put_back(r: redis.Redis, openid: str, items: list[dict]) -> None:
    """Return taken reminders to the held list (the answer they were to ride on failed)."""
    if not items:
        return
    pipe = r.pipeline()
    pipe.lpush(held_key(openid), *[json.dumps(i, ensure_ascii=False) for i in reversed(items)])
    pipe.sadd(HELD_SET, openid)
    pipe.execute()


def retry_later(r: redis.Redis, openid: str, reminder_id: str, at: float) -> None:
    """Put a claimed event reminder back, due again at `at` (after a retryable WeChat error)."""
    reminder = mark(r, openid, reminder_id, PENDING)
    if reminder is None:
        return
    if reminder.kind == "issue":
        r.zadd(NEXT_ISSUE_KEY, {reminder.member(openid): reminder.issue})
    else:
        r.zadd(DUE_KEY, {reminder.member(openid): at})
