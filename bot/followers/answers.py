"""What handler modules share: the intent table, labels in both languages, the last touches.

Handlers in bot/handlers/ register answers by intent name (`@intent("latest")`); the router's
keyword, click and fallback entries all end in `answer(ctx, intent)`. Every answer goes
through `finish()`, which adds reminders WeChat would not let us send earlier and cuts long
texts into pages.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from bot.followers import reminders, texts
from bot.followers.keywords import Intent
from bot.webhook.replies import NewsReply, Reply, TextReply

log = logging.getLogger(__name__)

Answer = Callable[..., Reply | None]
INTENTS: dict[str, Answer] = {}

MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def intent(*names: str):
    """Register the answer for these intent names: answer(ctx, intent, click=False)."""

    def register(fn: Answer) -> Answer:
        for name in names:
            if name in INTENTS and INTENTS[name] is not fn:
                raise ValueError(f"intent {name!r} already has an answer")
            INTENTS[name] = fn
        return fn

    return register


def answer(ctx, wanted: Intent, click: bool = False) -> Reply | None:
    """The answer to an intent (the search answers anything no other intent claims)."""
    fn = INTENTS.get(wanted.name) or INTENTS["search"]
    return fn(ctx, wanted, click=click)


class FullText(TextReply):
    """A text answer not cut into pages yet; finish() cuts it (one Redis round trip in all)."""


class NextPage(TextReply):
    """A page of an earlier long answer (MORE): sent as it is, the other pages kept."""


def text(ctx, name: str, **values) -> FullText:
    """A text reply from a template in the follower's language (finish() pages it)."""
    return FullText(texts.say(name, ctx.lang, **values))


def finish(ctx, reply: Reply | None) -> Reply | None:
    """Deliver held reminders with a text answer (a news card cannot carry them: they wait for
    the next text or the job), and cut a long text into pages.

    The context step already asked Redis whether reminders are held (ctx.has_held), and the
    pages are written with the reply's caching (ctx.write_later): no round trip of its own.
    """
    has_held = getattr(ctx, "has_held", None)
    if has_held is None:
        has_held = reminders.has_held(ctx.redis, ctx.openid)
    text = reply.content if isinstance(reply, TextReply) else None
    if has_held and not isinstance(reply, NewsReply):
        held = reminders.take_held(ctx.redis, ctx.openid)
        for item in held:
            reminders.mark(ctx.redis, ctx.openid, item["id"], reminders.DELIVERED)
        if held:
            log.info("follower %s: %d held reminder(s) go with the answer", ctx.openid, len(held))
            text = "\n\n".join([item["text"] for item in held] + ([text] if text else []))
            if reply is None or isinstance(reply, NextPage):
                reply = NextPage(text)
            else:
                reply = FullText(text)
    if isinstance(reply, NextPage) or text is None:
        return reply
    first, rest = texts.split(text, ctx.lang)
    openid = ctx.openid
    ctx.write_later(lambda pipe: texts.store_pages(pipe, openid, rest))
    return TextReply(first)


def answering(handler):
    """Wrap a router handler so that its answer goes through finish()."""

    @functools.wraps(handler)
    def wrapped(message, ctx):
        return finish(ctx, handler(message, ctx))

    return wrapped


# Labels in both languages -------------------------------------------------------------------


def month_label(month: str, lang: str) -> str:
    """ "2021-06" as "June 2021" or "2021年6月"."""
    if not month or len(month) < 7:
        return month or ""
    year, number = int(month[:4]), int(month[5:7])
    return f"{year}年{number}月" if lang == "zh" else f"{MONTHS_EN[number - 1]} {year}"


def period_label(start: str, end: str, lang: str, fallback: str = "") -> str:
    """A planned period of months: "July 2021", "July – August 2021", "2021年7月–8月"."""
    if not start:
        return fallback
    if not end or end == start:
        return month_label(start, lang)
    if start[:4] == end[:4]:
        if lang == "zh":
            return f"{month_label(start, lang)}–{int(end[5:7])}月"
        return f"{MONTHS_EN[int(start[5:7]) - 1]} – {month_label(end, lang)}"
    return f"{month_label(start, lang)} – {month_label(end, lang)}"


def date_label(start: str, end: str, lang: str) -> str:
    """Event dates: "10–11 December 2020", "28 October – 1 November 2020", "2020年12月10日–11日"."""
    if not start:
        return ""
    y1, m1, d1 = (int(x) for x in start.split("-"))
    y2, m2, d2 = (int(x) for x in (end or start).split("-"))
    if lang == "zh":
        first = f"{y1}年{m1}月{d1}日"
        if (y1, m1, d1) == (y2, m2, d2):
            return first
        if (y1, m1) == (y2, m2):
            return f"{first}–{d2}日"
        return f"{first}–{'' if y1 == y2 else f'{y2}年'}{m2}月{d2}日"
    last = f"{d2} {MONTHS_EN[m2 - 1]} {y2}"
    if (y1, m1, d1) == (y2, m2, d2):
        return last
    if (y1, m1) == (y2, m2):
        return f"{d1}–{last}"
    if y1 == y2:
        return f"{d1} {MONTHS_EN[m1 - 1]} – {last}"
    return f"{d1} {MONTHS_EN[m1 - 1]} {y1} – {last}"
