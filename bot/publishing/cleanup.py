"""Drafts nobody needs any more are deleted from WeChat's draft box (`push:drafts:cleanup`).

A push that only previews leaves its draft for PREVIEW_KEEP seconds (the previews on staff
phones open it); a failed push's draft goes at once. A draft WeChat took (published or
mass-sent) is gone already: draft/delete's 40007 then just ends the job.
"""

from __future__ import annotations

import logging
import time

import redis

from bot.wechat import BotWeChatClient, WeChatAPIError

log = logging.getLogger(__name__)

DUE = "push:drafts:cleanup"  # draft media_id -> when it may be deleted
PREVIEW_KEEP = 24 * 3600


def delete_later(r: redis.Redis, media_id: str, after: float) -> None:
    r.zadd(DUE, {media_id: time.time() + after})


def _delete(r: redis.Redis, client: BotWeChatClient, media_id: str) -> bool:
    """Delete one draft; True when it is gone (deleted now or before)."""
    try:
        client.draft.delete(media_id)
    except WeChatAPIError as exc:
        if exc.errcode != 40007:
            log.warning("draft %s: draft/delete failed: %s", media_id, exc)
            return False
    r.zrem(DUE, media_id)
    return True


def delete_now(r: redis.Redis, client: BotWeChatClient, media_id: str, push_id: str) -> None:
    """Delete a failed push's draft now; if WeChat cannot be reached, the next tick does."""
    r.zadd(DUE, {media_id: time.time()})
    if _delete(r, client, media_id):
        log.info("push %s: deleted its draft %s", push_id, media_id)


def delete_due(r: redis.Redis, client: BotWeChatClient, now: float) -> list[str]:
    """Delete every draft whose time has come; returns the ones now gone."""
    return [m for m in r.zrangebyscore(DUE, 0, now) if _delete(r, client, m)]
