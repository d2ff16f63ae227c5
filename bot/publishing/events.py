"""WeChat's job-finished events, as the webhook hands them over: recorded, then the push resumes."""

from __future__ import annotations

import json
import logging

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
    """Record a PUBLISHJOBFINISH event; returns the id of the push waiting for it, if any."""
    values = {
        "publish_status": event.publish_status,
        "article_id": event.article_id,
        "article_urls": json.dumps(_urls(event)),
        "fail_idx": json.dumps(list(event.fail_idx)),
    }
    return _record(
        r, publish_event_key(event.publish_id), values, f"push:by_publish:{event.publish_id}"
    )


def on_mass_send_job_finish(r: redis.Redis, event) -> str | None:
    """Record a MASSSENDJOBFINISH event; returns the id of the push waiting for it, if any."""
    values = {
        "status": event.status,
        "total_count": event.total_count,
        "filter_count": event.filter_count,
        "sent_count": event.sent_count,
        "error_count": event.error_count,
        "article_urls": json.dumps(_urls(event)),
    }
    return _record(r, mass_event_key(event.msg_id), values, f"push:by_msg:{event.msg_id}")


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
