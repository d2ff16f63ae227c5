"""Who is writing: the follower's record before every handler, and unfollowing.

The context step records a new follower (WeChat no longer tells their language), notes each
interaction (last seen; the customer-service window is kept by bot.wechat.service_window), and
sets ctx.lang.
"""

from __future__ import annotations

import logging
import time

from bot.followers import language, records, reminders
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

# The follower's record fields: answers in Traditional characters ("1") or Simplified; the
# language of the script they last wrote in (for clicks and emoji, unless they chose one).
TRADITIONAL = "traditional"
SCRIPT_LANGUAGE = records.SCRIPT_LANGUAGE
FOLLOWER_EVENTS = (SubscribeEvent, ScanEvent, ClickEvent, ViewEvent, LocationEvent)


def _from_a_follower(message) -> bool:
    """Messages and the events a person causes; job reports (mass send, publish) are not."""
    return not message.is_event or isinstance(message, FOLLOWER_EVENTS)


@router.prefetch
def follower_reads(message, pipe) -> None:
    """Queue the record and the held-reminder flag on the webhook's claim (no round trip)."""
    if isinstance(message, UnsubscribeEvent | SubscribeEvent) or not _from_a_follower(message):
        return
    pipe.hgetall(records.record_key(message.from_user))
    pipe.sismember(reminders.HELD_SET, message.from_user)


@router.context_step
def follower_context(message, ctx) -> None:
    """Record or touch the follower and answer in their language."""
    if isinstance(message, UnsubscribeEvent) or not _from_a_follower(message):
        return
    if isinstance(message, SubscribeEvent):
        # WeChat's user/info no longer tells a follower's language (it says zh_CN for everyone),
        # so nothing is asked: the script of their messages decides.
        follower = records.subscribe(ctx.redis, ctx.openid, scene=message.scene)
        ctx.traditional = known_traditional(ctx.redis, ctx.openid)
        if follower.topics:
            # A returning follower's topics are settings: they hear of the next issue again.
            from bot.handlers.topics import watch_next_issue

            watch_next_issue(ctx.redis, ctx.openid)
        ctx.lang = follower.language
        return
    # The record and whether reminders wait for this follower's next answer came with the
    # webhook's claim (read them here when they did not); the interaction itself is written
    # with the reply's caching.
    now = time.time()
    prefetched = ctx.prefetched.get("follower_reads")
    if prefetched is None:
        pipe = ctx.redis.pipeline(transaction=False)
        follower_reads(message, pipe)
        prefetched = pipe.execute()
    data, ctx.has_held = prefetched
    openid = ctx.openid
    ctx.write_later(lambda later: records.queue_touch(later, openid, now))
    follower = records.from_record(ctx.openid, data)
    if follower is None:
        # Followed before the bot kept records: count them in from now on.
        follower = records.subscribe(ctx.redis, ctx.openid)
    ctx.lang = follower.language
    ctx.traditional = data.get(TRADITIONAL) == "1"
    said = message.content if isinstance(message, TextMessage) else ""
    said = said or (getattr(message, "recognition", "") or "")
    if said:
        _follow_the_script(ctx, follower, said, data)


def known_traditional(r, openid: str) -> bool:
    return r.hget(records.record_key(openid), TRADITIONAL) == "1"


def _follow_the_script(ctx, follower, said: str, record: dict) -> None:
    """Answer in the script of the message unless the follower chose a language (and
    characters): Chinese for Han characters (Traditional when they wrote Traditional), English
    for Latin letters; a message with neither (emoji, digits) keeps the last language. The
    script is remembered for clicks and emoji (answers.respond writes it)."""
    script = language.script_of(said)
    if script is None:
        return
    lang, traditional = script
    if follower.language_source == records.SOURCE_CHOICE:
        return
    ctx.lang = lang
    if lang == language.CHINESE and traditional is not None:
        ctx.traditional = traditional
    remembered = {}
    if lang != record.get(SCRIPT_LANGUAGE):
        # Its own field, so that it never undoes a choice of language (which writes
        # `language` and `language_source`).
        remembered[SCRIPT_LANGUAGE] = lang
    if (
        lang == language.CHINESE
        and traditional is not None
        and traditional != (record.get(TRADITIONAL) == "1")
    ):
        remembered[TRADITIONAL] = int(traditional)
    # Written by answers.respond, unless the answer is a choice of language.
    ctx.remember = remembered


@router.event("unsubscribe")
def unsubscribe(message, ctx) -> None:
    """Mark the follower gone and stop their reminders (WeChat shows them nothing)."""
    records.unsubscribe(ctx.redis, ctx.openid)
    return None
