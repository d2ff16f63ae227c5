"""The one table of what followers ask for: intent name -> answer, and menu keys -> intents.

Handler modules in bot/handlers/ register each answer by intent name, with the menu buttons
that ask for it:

    @intent("latest", menu="LATEST_ISSUE")
    def latest(message, ctx): ...

An answer is `answer(message, ctx) -> Reply | None`; ctx.intent holds what understand() read
(names, numbers, periods), ctx.click whether a menu button asked. `respond()` is the only way
in, for text, voice and clicks alike. Every answer goes through `finish()`, which adds
reminders WeChat would not let us send earlier, writes Traditional characters for followers who
read them, and cuts long texts into pages.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from opencc import OpenCC

from bot.followers import reminders, texts
from bot.followers.keywords import Intent
from bot.newsletter.dates import MONTH_NAMES
from bot.webhook import content_cache
from bot.webhook.replies import NewsReply, Reply, TextReply

log = logging.getLogger(__name__)

Answer = Callable[..., Reply | None]


@dataclass(frozen=True)
class Entry:
    """One row of the table: the answer and the menu keys that ask for it."""

    name: str
    answer: Answer
    menu: tuple[str, ...] = ()


INTENTS: dict[str, Entry] = {}
MENU: dict[str, str] = {}
# Answers that are the same for every follower of a language: made from the issues' content,
# the intent's arguments and the date alone. Each is made once per index version, language,
# intent and quarter of an hour (local midnights fall on a quarter of an hour in every time
# zone) and kept with the content's reads; one that sent Redis anything but such reads is not
# kept. What differs per follower (held reminders, Traditional characters, pages for MORE) is
# added by finish() to every answer, kept or not.
SHARED = frozenset(
    {
        "latest",
        "issue",
        "archive",
        "help",
        "about",
        "events",
        "past_events",
        "events_filter",
        "event",
        "next_issue",
        "greeting",
        "thanks",
        "emoji",
        "unsubscribe_help",
        "too_short",
        "empty",
        "voice_unclear",
        "text_only",
    }
)
SHARED_SPAN = 900


def intent(*names: str, menu: str | tuple[str, ...] = ()):
    """Register the answer(message, ctx) for these intent names and menu keys."""
    keys = (menu,) if isinstance(menu, str) else tuple(menu)

    def register(fn: Answer) -> Answer:
        for name in names:
            if name in INTENTS and INTENTS[name].answer is not fn:
                raise ValueError(f"intent {name!r} already has an answer")
            INTENTS[name] = Entry(name, fn, keys if name == names[0] else ())
        for key in keys:
            if key in MENU and MENU[key] != names[0]:
                raise ValueError(f"menu key {key!r} already asks for {MENU[key]!r}")
            MENU[key] = names[0]
        return fn

    return register


def respond(message, ctx, wanted: Intent, click: bool = False) -> Reply | None:
    """The finished answer to an intent (the search answers anything no other intent claims)."""
    entry = INTENTS.get(wanted.name) or INTENTS["search"]
    ctx.intent = wanted
    ctx.click = click
    return finish(ctx, _answer(entry, message, ctx))


def _answer(entry: Entry, message, ctx) -> Reply | None:
    """The entry's answer; a shared one comes from the answers kept for the index version."""
    reads = ctx.redis
    if entry.name not in SHARED or not isinstance(reads, content_cache.ContentReads):
        return entry.answer(message, ctx)
    wanted = ctx.intent
    key = (
        "answer",
        entry.name,
        wanted.number,
        wanted.period,
        wanted.topic,
        ctx.lang,
        ctx.click,
        int(time.time() // SHARED_SPAN),
    )
    kept = reads.cache.get(key)
    if kept is not None:
        return kept
    before = reads.outside
    reply = entry.answer(message, ctx)
    if reply is not None and reads.outside == before:
        content_cache.keep(reads.cache, key, reply)
    return reply


def for_menu_key(key: str) -> Intent | None:
    """The intent a menu button asks for, None for a key the table does not know."""
    name = MENU.get(key)
    return Intent(name) if name else None


class FullText(TextReply):
    """A text answer not cut into pages yet; finish() cuts it (one Redis round trip in all)."""


class NextPage(TextReply):
    """A page of an earlier long answer (MORE): sent as it is, the other pages kept."""


def text(ctx, name: str, **values) -> FullText:
    """A text reply from a template in the follower's language (finish() pages it)."""
    return FullText(texts.say(name, ctx.lang, **values))


_TO_TRADITIONAL = OpenCC("s2t")
# Runs of Chinese with their punctuation: converted one run at a time, each run once per process
# (most come from the templates), since converting a whole page character by character costs
# milliseconds.
_CHINESE_RUN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]+")


@functools.lru_cache(maxsize=4096)
def _traditional_run(run: str) -> str:
    return _TO_TRADITIONAL.convert(run)


def traditional(text: str) -> str:
    """The text with its Chinese written in Traditional characters."""
    return _CHINESE_RUN.sub(lambda m: _traditional_run(m.group(0)), text)


def finish(ctx, reply: Reply | None) -> Reply | None:
    """Deliver held reminders with a text answer (a news card cannot carry them: they wait for
    the next text or the job), write Traditional for its readers, cut a long text into pages.

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
    if text is None:
        return reply
    # Only what goes out now is written in Traditional: the pages kept for MORE are converted
    # when they go out (converting a long listing whole would cost more than answering it).
    hant = ctx.traditional and ctx.lang == "zh"
    if isinstance(reply, NextPage):
        return NextPage(traditional(text) if hant else text)
    first, rest = texts.split(text, ctx.lang)
    openid = ctx.openid
    ctx.write_later(lambda pipe: texts.store_pages(pipe, openid, rest))
    return TextReply(traditional(first) if hant else first)


# Labels in both languages -------------------------------------------------------------------


def month_label(month: str, lang: str) -> str:
    """ "2021-06" as "June 2021" or "2021年6月"."""
    if not month or len(month) < 7:
        return month or ""
    year, number = int(month[:4]), int(month[5:7])
    return f"{year}年{number}月" if lang == "zh" else f"{MONTH_NAMES[number - 1]} {year}"


def period_label(start: str, end: str, lang: str, fallback: str = "") -> str:
    """A planned period of months: "July 2021", "July – August 2021", "2021年7月–8月"."""
    if not start:
        return fallback
    if not end or end == start:
        return month_label(start, lang)
    if start[:4] == end[:4]:
        if lang == "zh":
            return f"{month_label(start, lang)}–{int(end[5:7])}月"
        return f"{MONTH_NAMES[int(start[5:7]) - 1]} – {month_label(end, lang)}"
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
    last = f"{d2} {MONTH_NAMES[m2 - 1]} {y2}"
    if (y1, m1, d1) == (y2, m2, d2):
        return last
    if (y1, m1) == (y2, m2):
        return f"{d1}–{last}"
    if y1 == y2:
        return f"{d1} {MONTH_NAMES[m1 - 1]} – {last}"
    return f"{d1} {MONTH_NAMES[m1 - 1]} {y1} – {last}"
