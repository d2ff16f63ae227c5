"""Followers' messages kept for staff: long questions no command answers, images.

Keys: `follower:msg:<id>` (a hash: openid, kind, text, pic_url, at, state, reply, replied_at,
replied_by), `follower:msgs:open` (a sorted set of ids waiting for a person, by time),
`follower:msgs:done` (the last answered ones). Staff reply from the console through the
customer-service API while WeChat allows it (5 messages within 48 hours of the follower's
last message; bot/wechat/service_window.py counts them).
"""

from __future__ import annotations

import logging
import time

import redis

from bot.followers import records, sending
from bot.webhook.replies import TextReply

log = logging.getLogger(__name__)

OPEN = "follower:msgs:open"
DONE = "follower:msgs:done"
KEEP_DONE = 200
MAX_TEXT = 4000
MAX_REPLY_BYTES = 2000  # what a customer-service text may carry, with room to spare
WAITING = "waiting"
REPLIED = "replied"


class ReplyError(ValueError):
    """A reply that cannot go out; the message is one line for the staff member."""


def message_key(message_id: str) -> str:
    return f"follower:msg:{message_id}"


def keep(r: redis.Redis, message, text: str, now: float | None = None) -> str:
    """Keep a follower's message for staff (idempotent per WeChat message id); returns its id."""
    now = time.time() if now is None else now
    message_id = str(getattr(message, "msg_id", "") or f"{message.from_user}-{int(now)}")
    fields = {
        "id": message_id,
        "openid": message.from_user,
        "kind": message.msg_type,
        "text": (text or "")[:MAX_TEXT],
        "pic_url": getattr(message, "pic_url", "") or "",
        "at": now,
        "state": WAITING,
    }
    pipe = r.pipeline()
    pipe.hset(message_key(message_id), mapping=fields)
    pipe.zadd(OPEN, {message_id: now}, nx=True)
    pipe.execute()
    log.info("follower %s: message %s kept for staff", message.from_user, message_id)
    return message_id


def _read(r: redis.Redis, ids: list[str]) -> list[dict]:
    pipe = r.pipeline(transaction=False)
    for message_id in ids:
        pipe.hgetall(message_key(message_id))
    return [m for m in pipe.execute() if m]


def waiting(r: redis.Redis, limit: int = 100) -> list[dict]:
    """Messages waiting for a person, oldest first."""
    return _read(r, r.zrange(OPEN, 0, limit - 1))


def answered(r: redis.Redis, limit: int = 20) -> list[dict]:
    """The last messages staff answered, newest first."""
    return _read(r, r.zrevrange(DONE, 0, limit - 1))


def get(r: redis.Redis, message_id: str) -> dict | None:
    return r.hgetall(message_key(message_id)) or None


def messages_left(r: redis.Redis, openid: str, now: float | None = None) -> int:
    """How many customer-service messages WeChat still lets the account send the follower
    (0 when it would refuse; the window rules are bot/wechat/service_window.py's)."""
    from bot.wechat import service_window

    follower = records.get(r, openid)
    if follower is None or not follower.active:
        return 0
    return service_window.remaining(r, openid, now)


def reply(r: redis.Redis, client, message_id: str, text: str, by: str) -> dict:
    """Send staff's reply through the customer-service API and mark the message answered."""
    message = get(r, message_id)
    if message is None:
        raise ReplyError("No such message.")
    text = (text or "").strip()
    if not text:
        raise ReplyError("The reply is empty.")
    if len(text.encode()) > MAX_REPLY_BYTES:
        raise ReplyError(f"The reply is too long (at most {MAX_REPLY_BYTES} bytes).")
    if message.get("state") == REPLIED:
        raise ReplyError("This message was answered already.")
    if messages_left(r, message["openid"]) <= 0:
        raise ReplyError(
            "WeChat no longer lets us write to this follower (more than 48 hours since their "
            "last message, or its messages used up). The answer can go out after they write again."
        )
    try:
        sending.send(client, message["openid"], TextReply(text))
    except sending.NotSent as refused:
        error = refused.error
        raise ReplyError(f"WeChat refused the reply: {error.errmsg} ({error.hint})") from None
    now = time.time()
    pipe = r.pipeline()
    pipe.hset(
        message_key(message_id),
        mapping={"state": REPLIED, "reply": text, "replied_at": now, "replied_by": by},
    )
    pipe.zrem(OPEN, message_id)
    pipe.zadd(DONE, {message_id: now})
    pipe.zremrangebyrank(DONE, 0, -KEEP_DONE - 1)
    pipe.execute()
    log.info("message %s answered by %s", message_id, by)
    return get(r, message_id)
