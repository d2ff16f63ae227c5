"""WeChat's job-finished events, as the webhook hands them over: hints that wake the push.

A PUBLISHJOBFINISH only says "ask now": the outcome and URLs come from freepublish/get. No API
returns a mass send's URLs, so a MASSSENDJOBFINISH is taken at its word only when it arrived
encrypted (safe mode: it comes from WeChat) and its MsgID is a send this bot waits for; any
other one just wakes the push, which then asks mass/get.
"""

from __future__ import annotations

import json
import logging
import time

import redis

log = logging.getLogger(__name__)

EVENT_TTL = 7 * 86400


def publish_event_key(publish_id: str) -> str:
    return f"push:event:publish:{publish_id}"


def mass_event_key(msg_id: str) -> str:
    return f"push:event:mass:{msg_id}"


def _urls(event) -> list[str]:
    return [a.url for a in sorted(event.article_urls, key=lambda a: a.idx)]


def on_publish_job_finish(r: redis.Redis, event) -> str | None:
    """Note a PUBLISHJOBFINISH; returns the id of the push waiting for it, if any."""
    values = {"received_at": time.time()}
    return _record(
        r, publish_event_key(event.publish_id), values, f"push:by_publish:{event.publish_id}"
    )


def on_mass_send_job_finish(r: redis.Redis, event, encrypted: bool) -> str | None:
    """Record a MASSSENDJOBFINISH; returns the id of the push waiting for that send, if any."""
    index = f"push:by_msg:{event.msg_id}"
    if not event.msg_id:
        return None
    if not encrypted:
        # Kept only as a wake-up for a push that waits for this send.
        if not r.exists(index):
            log.info("unencrypted MASSSENDJOBFINISH %s for no waiting push", event.msg_id)
            return None
        log.warning("MASSSENDJOBFINISH %s arrived unencrypted: only a hint", event.msg_id)
        return _record(r, mass_event_key(event.msg_id), {"received_at": time.time()}, index)
    # Kept even before the push has recorded its msg_id (the event may beat sendall's answer);
    # a push reads only the event of its own msg_id.
    values = {
        "trusted": 1,
        "status": event.status,
        "total_count": event.total_count,
        "filter_count": event.filter_count,
        "sent_count": event.sent_count,
        "error_count": event.error_count,
        "article_urls": json.dumps(_urls(event)),
    }
    return _record(r, mass_event_key(event.msg_id), values, index)


def _record(r: redis.Redis, key: str, values: dict, index: str) -> str | None:
    pipe = r.pipeline()
    pipe.hset(key, mapping={k: str(v) for k, v in values.items()})
    pipe.expire(key, EVENT_TTL)
    pipe.get(index)
    push_id = pipe.execute()[-1]
    log.info("event %s recorded (push %s)", key, push_id or "unknown")
    return push_id


def resume(push_id: str | None) -> None:
    """Hand the push waiting for an event to a worker now, instead of at its next poll."""
    if push_id:
        from bot.jobs import enqueue

        enqueue("publishing.advance", push_id)
