"""Who is writing: the follower's record before every handler, and unfollowing.

The context step records a new follower (language from WeChat's user info when it gives one),
notes each interaction (it reopens the 48-hour customer-service window), and sets ctx.lang.
"""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from flask import current_app

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

# The webhook has 5 seconds in all; the user-info look-up (with a token fetch, when due) may
# take a small part of them, after which the welcome goes out in the default language.
USER_INFO_TIMEOUT = (0.5, 1.5)
USER_INFO_DEADLINE = 1.5
# The follower's record fields: answers in Traditional characters ("1") or Simplified; the
# language of the script they last wrote in (for clicks and emoji, unless they chose one).
TRADITIONAL = "traditional"
SCRIPT_LANGUAGE = "script_language"
FOLLOWER_EVENTS = (SubscribeEvent, ScanEvent, ClickEvent, ViewEvent, LocationEvent)


_pool: tuple[int, ThreadPoolExecutor] | None = None


def _executor() -> ThreadPoolExecutor:
    """A small pool per process (gunicorn forks workers; threads do not survive a fork)."""
    global _pool
    if _pool is None or _pool[0] != os.getpid():
        _pool = (os.getpid(), ThreadPoolExecutor(max_workers=4, thread_name_prefix="user-info"))
    return _pool[1]


def _look_up(app, openid: str) -> str | None:
    from bot.wechat import get_client

    with app.app_context():
        info = get_client().get(
            "user/info", params={"openid": openid, "lang": "zh_CN"}, timeout=USER_INFO_TIMEOUT
        )
    # The official docs say this field is no longer returned; use it when it is.
    return info.get("language") or None


def wechat_language(openid: str) -> str | None:
    """The follower's language code from user/info (zh_CN, zh_TW, en), None when WeChat does
    not say in time."""
    future = _executor().submit(_look_up, current_app._get_current_object(), openid)
    try:
        return future.result(timeout=USER_INFO_DEADLINE)
    except FutureTimeout:
        log.info(
            "user/info for %s took over %ss; welcoming in the default", openid, USER_INFO_DEADLINE
        )
    except Exception as exc:  # noqa: BLE001 - any failure means "unknown", never a failed welcome
        log.info("user/info for %s gave no language: %s", openid, exc)
    return None


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
        known = records.get(ctx.redis, ctx.openid)
        code = None
        if known is None or known.language_source != records.SOURCE_CHOICE:
            code = wechat_language(ctx.openid)
        lang = language.from_wechat(code)
        follower = records.subscribe(ctx.redis, ctx.openid, scene=message.scene, lang=lang)
        if code:
            ctx.traditional = language.is_traditional_code(code)
            ctx.redis.hset(records.record_key(ctx.openid), TRADITIONAL, int(ctx.traditional))
        else:
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
    if follower.language_source != records.SOURCE_CHOICE and data.get(SCRIPT_LANGUAGE):
        ctx.lang = language.valid(data[SCRIPT_LANGUAGE])
    ctx.traditional = data.get(TRADITIONAL) == "1"
    said = message.content if isinstance(message, TextMessage) else ""
    said = said or (getattr(message, "recognition", "") or "")
    if said:
        _follow_the_script(ctx, follower, said, data)


def known_traditional(r, openid: str) -> bool:
    return r.hget(records.record_key(openid), TRADITIONAL) == "1"


def _follow_the_script(ctx, follower, said: str, record: dict) -> None:
    """Answer in the script of the message unless the follower chose a language: Chinese for
    Han characters (Traditional when they wrote Traditional), English for Latin letters; a
    message with neither (emoji, digits) keeps the last language. The script is remembered
    for clicks, with the reply's caching."""
    script = language.script_of(said)
    if script is None:
        return
    lang, traditional = script
    if follower.language_source != records.SOURCE_CHOICE:
        ctx.lang = lang
    if lang == language.CHINESE and traditional is not None:
        ctx.traditional = traditional
    remembered = {}
    if follower.language_source != records.SOURCE_CHOICE and lang != record.get(SCRIPT_LANGUAGE):
        # Its own field: this write lands after the answer, and must never undo a choice of
        # language made meanwhile (which writes `language` and `language_source`).
        remembered[SCRIPT_LANGUAGE] = lang
    if (
        lang == language.CHINESE
        and traditional is not None
        and traditional != (record.get(TRADITIONAL) == "1")
    ):
        remembered[TRADITIONAL] = int(traditional)
    # Written after the answer, unless the answer is a choice of language (answers.respond).
    ctx.remember = remembered


@router.event("unsubscribe")
def unsubscribe(message, ctx) -> None:
    """Mark the follower gone and stop their reminders (WeChat shows them nothing)."""
    records.unsubscribe(ctx.redis, ctx.openid)
    return None
