"""Who is writing: the follower's record before every handler, and unfollowing.

The context step records a new follower (WeChat no longer tells their language), notes each
interaction (last seen; the customer-service window is kept by bot.wechat.service_window), and
sets ctx.lang.
"""

from __future__ import annotations

import functools
import logging
import time

from bot.followers import language, records, reminders
from bot.followers.upcoming import remind_of_next_issue
from bot.redisdb import confirm_writes
from bot.webhook.messages import (
    ClickEvent,
    LocationEvent,
    ScanEvent,
    SubscribeEvent,
    TextMessage,
    UnsubscribeEvent,
    ViewEvent,
)
from bot.webhook.router import router

log = logging.getLogger(__name__)

SCRIPT_LANGUAGE = records.SCRIPT_LANGUAGE
FOLLOWER_EVENTS = (SubscribeEvent, ScanEvent, ClickEvent, ViewEvent, LocationEvent)


def _from_a_follower(message) -> bool:
    """Messages and the events a person causes; job reports (mass send, publish) are not."""
    return not message.is_event or isinstance(message, FOLLOWER_EVENTS)


@router.prefetch
def follower_reads(message, pipe) -> None:
    """Queue the follower's record on the webhook's claim: one script records a follow, or
    notes an interaction and records a follower never seen before, and returns the record;
    with it, whether reminders wait for the follower's next answer (no round trip of its own).
    """
    if isinstance(message, UnsubscribeEvent) or not _from_a_follower(message):
        return
    now = time.time()
    if isinstance(message, SubscribeEvent):
        records.queue_seen(pipe, message.from_user, now, follow=True, scene=message.scene)
        return
    said = _said(message)
    script = _script_of(said) if said else None
    records.queue_seen(pipe, message.from_user, now, script=script)
    pipe.sismember(reminders.HELD_SET, message.from_user)


def _said(message) -> str:
    """What a text or voice message says (WeChat's recognition of a voice), else ""."""
    said = message.content if isinstance(message, TextMessage) else ""
    return said or (getattr(message, "recognition", "") or "")


@functools.lru_cache(maxsize=256)
def _script_of(said: str) -> tuple[str, bool | None] | None:
    # Asked twice per message (the claim remembers it, the answer follows it): once is enough.
    return language.script_of(said)


@router.context_step
def follower_context(message, ctx) -> None:
    """Record or touch the follower and answer in their language."""
    if isinstance(message, UnsubscribeEvent) or not _from_a_follower(message):
        return
    # The record came with the webhook's claim (read it here when it did not).
    prefetched = ctx.prefetched.get("follower_reads")
    if prefetched is None:
        pipe = ctx.redis.pipeline(transaction=False)
        follower_reads(message, pipe)
        prefetched = pipe.execute()
    follower, new, data = records.seen_result(ctx.openid, prefetched[0])
    ctx.lang = follower.language
    ctx.traditional = data.get(records.TRADITIONAL) == "1"
    if isinstance(message, SubscribeEvent):
        # WeChat's user/info no longer tells a follower's language (it says zh_CN for everyone),
        # so nothing is asked: the script of their messages decides. A follow is confirmed by
        # the replicas (no cost without any) before the welcome says it is done.
        confirm_writes(ctx.redis)
        log.info(
            "follower %s subscribed (scene=%r, returning=%s)", ctx.openid, message.scene, not new
        )
        if follower.topics:
            # A returning follower's topics are settings: they hear of the next issue again.
            remind_of_next_issue(ctx.redis, ctx.openid)
        return
    ctx.has_held = bool(prefetched[1])
    if new:
        # Followed before the bot kept records (or the follow was lost): counted in from now on.
        # Not a line per message at INFO: after a data loss, every follower's next message is
        # one (the console's counts show them).
        log.debug("follower %s recorded on their first message", ctx.openid)
    if follower.language_source != records.SOURCE_CHOICE and data.get(SCRIPT_LANGUAGE):
        ctx.lang = language.valid(data[SCRIPT_LANGUAGE])
    said = _said(message)
    if said:
        _follow_the_script(ctx, follower, said)


def _follow_the_script(ctx, follower, said: str) -> None:
    """Answer in the script of the message unless the follower chose a language (and
    characters): Chinese for Han characters (Traditional when they wrote Traditional), English
    for Latin letters; a message with neither (emoji, digits) keeps the last language. The
    claim's script remembered it for clicks and emoji (records.queue_seen), in its own fields
    (`script_language`, `traditional`), so that it never undoes a choice of language."""
    script = _script_of(said)
    if script is None or follower.language_source == records.SOURCE_CHOICE:
        return
    lang, traditional = script
    ctx.lang = lang
    if lang == language.CHINESE and traditional is not None:
        ctx.traditional = traditional


@router.event("unsubscribe")
def unsubscribe(message, ctx) -> None:
    """Mark the follower gone and stop their reminders (WeChat shows them nothing)."""
    records.unsubscribe(ctx.redis, ctx.openid)
    return None
