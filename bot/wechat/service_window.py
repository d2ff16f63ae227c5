"""WeChat's customer-service window per follower, counted the way WeChat counts it (2023 rules).

A follower's message lets the account send 5 customer-service messages within 48 hours; a
follow, a QR-code scan or a menu click (click and scan-code buttons) lets it send 3 within one
minute; VIEW and LOCATION events open nothing. A new action of the same kind starts its quota
afresh (quotas do not add up). When both kinds are open a send counts against both: WeChat does
not document which one it uses, and counting twice never lets the bot send what WeChat refuses.

Key: `follower:<openid>:window`, a hash of `message_at`/`message_used` and `event_at`/`event_used`.
The webhook opens windows (queued on its claim's round trip); every customer-service send of the
client reserves a slot first, so replies and reminders share one count across processes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import redis

MESSAGE = "message"
EVENT = "event"

# What WeChat allows: (seconds, messages) per kind of follower action.
MESSAGE_QUOTA = (48 * 3600, 5)
EVENT_QUOTA = (60, 3)
# The bot stops this much earlier, so that a message in flight does not arrive after WeChat
# closed the window (the follower's action reached WeChat a moment before it reached us).
MESSAGE_MARGIN = 300
EVENT_MARGIN = 5

OUTSIDE = 45015  # no window open
USED_UP = 45047  # windows open, their messages used up

# Events that open the short window; every other event opens nothing.
OPENING_EVENTS = frozenset({"subscribe", "scan", "click", "scancode_push", "scancode_waitmsg"})
TTL = MESSAGE_QUOTA[0] + 3600


def window_key(openid: str) -> str:
    return f"follower:{openid}:window"


def kind_of(msg_type: str, event: str = "") -> str | None:
    """Which window a push from a follower opens: MESSAGE, EVENT or None."""
    if msg_type != "event":
        return MESSAGE if msg_type else None
    return EVENT if event.lower() in OPENING_EVENTS else None


# Only a newer action restarts a quota: a later one, or another push of the same second
# (WeChat's retries of one push carry the same time and the same identity).
_OPEN = """
local at = tonumber(ARGV[2])
local before = tonumber(redis.call('HGET', KEYS[1], ARGV[1] .. '_at') or '0')
local by = redis.call('HGET', KEYS[1], ARGV[1] .. '_by')
if at > before or (at == before and by ~= ARGV[4]) then
  local k = ARGV[1]
  redis.call('HSET', KEYS[1], k .. '_at', ARGV[2], k .. '_used', 0, k .. '_by', ARGV[4])
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 0
"""

# Reserve one send: 0, or the errcode WeChat would give. Counts against every open window.
_RESERVE = """
local w = redis.call('HMGET', KEYS[1], 'message_at', 'message_used', 'event_at', 'event_used')
local now = tonumber(ARGV[1])
local m_open = w[1] and now - tonumber(w[1]) < tonumber(ARGV[2])
local e_open = w[3] and now - tonumber(w[3]) < tonumber(ARGV[4])
if not m_open and not e_open then return 45015 end
local m_left = m_open and tonumber(w[2] or '0') < tonumber(ARGV[3])
local e_left = e_open and tonumber(w[4] or '0') < tonumber(ARGV[5])
if not m_left and not e_left then return 45047 end
if m_open then redis.call('HINCRBY', KEYS[1], 'message_used', 1) end
if e_open then redis.call('HINCRBY', KEYS[1], 'event_used', 1) end
return 0
"""


def queue_opened(pipe, openid: str, kind: str, at: float, push: str) -> None:
    """Queue on a pipeline: the follower's push `push` (its dedup key) opens a `kind` window
    at `at`."""
    pipe.eval(_OPEN, 1, window_key(openid), kind, repr(float(at)), TTL, push)


def _spans() -> tuple[int, int, int, int]:
    return (
        MESSAGE_QUOTA[0] - MESSAGE_MARGIN,
        MESSAGE_QUOTA[1],
        EVENT_QUOTA[0] - EVENT_MARGIN,
        EVENT_QUOTA[1],
    )


def reserve(r: redis.Redis, openid: str, now: float | None = None) -> int:
    """Take one message of the follower's window: 0, else 45015 (none open) or 45047 (used up)."""
    now = time.time() if now is None else now
    return int(r.eval(_RESERVE, 1, window_key(openid), repr(float(now)), *_spans()))


def remaining(r: redis.Redis, openid: str, now: float | None = None) -> int:
    """How many customer-service messages the follower's open windows still allow."""
    now = time.time() if now is None else now
    fields = r.hmget(window_key(openid), "message_at", "message_used", "event_at", "event_used")
    message_span, message_cap, event_span, event_cap = _spans()
    left = 0
    for at, used, span, cap in (
        (fields[0], fields[1], message_span, message_cap),
        (fields[2], fields[3], event_span, event_cap),
    ):
        if at is not None and now - float(at) < span:
            left = max(left, cap - int(used or 0))
    return left


def seconds_left(r: redis.Redis, openid: str, now: float | None = None) -> float:
    """Seconds until the follower's open windows with messages left close (0: none is)."""
    now = time.time() if now is None else now
    fields = r.hmget(window_key(openid), "message_at", "message_used", "event_at", "event_used")
    message_span, message_cap, event_span, event_cap = _spans()
    left = 0.0
    for at, used, span, cap in (
        (fields[0], fields[1], message_span, message_cap),
        (fields[2], fields[3], event_span, event_cap),
    ):
        if at is not None and now - float(at) < span and int(used or 0) < cap:
            left = max(left, float(at) + span - now)
    return left


def close(r: redis.Redis, openid: str, errcode: int) -> None:
    """WeChat refused a send (45015/45047): nothing more goes out until the follower acts."""
    if errcode == OUTSIDE:
        r.delete(window_key(openid))
        return
    pipe = r.pipeline(transaction=False)
    pipe.hset(
        window_key(openid),
        mapping={"message_used": MESSAGE_QUOTA[1], "event_used": EVENT_QUOTA[1]},
    )
    pipe.expire(window_key(openid), TTL)
    pipe.execute()


def with_opening(message, reads: Callable[[Any], None] | None) -> Callable[[Any], None] | None:
    """The webhook's claim-time reads plus the window this push opens, if any.

    Queued on the claim, before any handler runs, so that an answer deferred to a task finds
    the window open; after the reads, so that their results keep their places.
    """
    kind = kind_of(message.msg_type, getattr(message, "event", "") or "")
    if kind is None:
        return reads
    # The follower acted at CreateTime (a retry arrives later); never later than our clock.
    now = time.time()
    at = min(float(message.create_time or now), now)

    def queue(pipe) -> None:
        if reads is not None:
            reads(pipe)
        queue_opened(pipe, message.from_user, kind, at, message.dedup_key)

    return queue
