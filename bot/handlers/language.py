"""Language: "中文" / "English" and the menu button switch every answer's language."""

from __future__ import annotations

from bot.followers import answers, language, records
from bot.followers.answers import answering, intent
from bot.followers.keywords import KEYWORDS, Intent
from bot.webhook.router import router


def _switch(ctx, lang: str):
    records.set_language(ctx.redis, ctx.openid, lang)
    ctx.lang = lang
    return answers.text(ctx, "language_set")


@intent("lang_zh")
def to_chinese(ctx, wanted: Intent | None = None, click: bool = False):
    return _switch(ctx, language.CHINESE)


@intent("lang_en")
def to_english(ctx, wanted: Intent | None = None, click: bool = False):
    return _switch(ctx, language.ENGLISH)


@intent("language")
def toggle(ctx, wanted: Intent | None = None, click: bool = False):
    return _switch(ctx, language.other(ctx.lang))


@router.click("LANGUAGE")
@answering
def language_click(message, ctx):
    return toggle(ctx, click=True)


@router.keyword(*KEYWORDS["lang_zh"])
@answering
def chinese_keyword(message, ctx):
    return to_chinese(ctx)


@router.keyword(*KEYWORDS["lang_en"])
@answering
def english_keyword(message, ctx):
    return to_english(ctx)


@router.keyword(*KEYWORDS["language"])
@answering
def language_keyword(message, ctx):
    return toggle(ctx)
