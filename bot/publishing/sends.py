"""The permanent record of each broadcast, per issue and audience (`push:sends:` keys).

WeChat remembers a clientmsgid for 24 hours only, so the bot keeps its own record of what it
sent: every send of an issue to an audience (push, clientmsgid, msg_id, time, result). A second
broadcast of the same issue to the same audience is refused unless staff force it (`again`);
a send known to have failed does not count, and the next one uses a new clientmsgid.
"""

from __future__ import annotations

import json
import time
from datetime import UTC

import redis

from bot.clock import people_time
from bot.publishing.state import PushError

# A send's result: "sending" until WeChat's outcome is known, then "sent" or "failed".
FAILED = "failed"
FAILED_MSG_IDS = "push:sends:failed_msg_ids"


def audience(tag_id: int | None) -> str:
    return "all" if tag_id is None else f"tag{tag_id}"


def audience_text(tag_id: int | None) -> str:
    return "all followers" if tag_id is None else f"tag {tag_id}"


def sends_key(number: int, tag_id: int | None) -> str:
    return f"push:sends:{number}:{audience(tag_id)}"


def base_clientmsgid(number: int, tag_id: int | None) -> str:
    return f"mmsp-issue{number}-{audience(tag_id)}"


def history(r: redis.Redis, number: int, tag_id: int | None) -> list[dict]:
    """Every send of issue `number` to this audience, oldest first."""
    return [json.loads(x) for x in r.lrange(sends_key(number, tag_id), 0, -1)]


def _describe(send: dict) -> str:
    when = people_time(send["at"], UTC, seconds=False) + " UTC"
    msg = f", msg_id {send['msg_id']}" if send.get("msg_id") else ""
    return f"{send['result']} {when} (push {send['push']}{msg})"


def refuse_repeat(r: redis.Redis, number: int, tag_id: int | None, again: bool) -> None:
    """PushError when the issue already went (or is going) to this audience and not `again`."""
    if again:
        return
    counted = [s for s in history(r, number, tag_id) if s["result"] != FAILED]
    if counted:
        raise PushError(
            f"issue {number} was already broadcast to {audience_text(tag_id)}: "
            f"{_describe(counted[-1])}; to send it again, push with --again"
        )


def claim(r: redis.Redis, push_id: str, number: int, tag_id: int | None, again: bool) -> dict:
    """The send this push makes: its own earlier claim (a rerun), or a new one.

    A new one gets the plain clientmsgid the first time and a numbered one after any earlier
    send (failed or forced), since WeChat keeps refusing an id it saw within 24 hours.
    Raises PushError when another push's send counts and this push is not `again`.
    """
    key = sends_key(number, tag_id)

    def change(pipe, sends: list[dict]) -> dict:
        own = [s for s in sends if s["push"] == push_id]
        if own:
            pipe.unwatch()
            return own[-1]
        refuse_repeat(r, number, tag_id, again)
        base = base_clientmsgid(number, tag_id)
        send = {
            "push": push_id,
            "clientmsgid": f"{base}-{len(sends) + 1}" if sends else base,
            "msg_id": "",
            "at": time.time(),
            "result": "sending",
        }
        pipe.multi()
        pipe.rpush(key, json.dumps(send))
        pipe.execute()
        return send

    return _while_watching(r, key, change)


def update(r: redis.Redis, push_id: str, number: int, tag_id: int | None, **values) -> None:
    """Record the msg_id or result of this push's send."""
    key = sends_key(number, tag_id)

    def change(pipe, sends: list[dict]) -> None:
        index = max((i for i, s in enumerate(sends) if s["push"] == push_id), default=-1)
        if index < 0:
            pipe.unwatch()
            return
        send = {**sends[index], **values}
        pipe.multi()
        pipe.lset(key, index, json.dumps(send))
        if values.get("result") == FAILED and send.get("msg_id"):
            pipe.sadd(FAILED_MSG_IDS, str(send["msg_id"]))
        pipe.execute()

    _while_watching(r, key, change)


def _while_watching(r: redis.Redis, key: str, change):
    """change(pipe, sends) with `key` watched, again from a fresh read whenever another writer
    changed the list in between (optimistic locking: no send is claimed or recorded twice)."""
    with r.pipeline() as pipe:
        while True:
            try:
                pipe.watch(key)
                return change(pipe, [json.loads(x) for x in pipe.lrange(key, 0, -1)])
            except redis.WatchError:
                continue


def is_failed_msg_id(r: redis.Redis, msg_id) -> bool:
    return bool(msg_id) and bool(r.sismember(FAILED_MSG_IDS, str(msg_id)))
