"""Language: "中文", "English please", "说中文" and the menu button choose every answer's
language; without a choice the answer follows the script of the follower's message."""

from __future__ import annotations

from bot.followers import answers, language, records
from bot.followers.answers import intent


def _switch(ctx, lang: str, traditional: bool | None = None):
    records.set_language(ctx.redis, ctx.openid, lang)
    ctx.lang = lang
    if traditional is not None:
        ctx.redis.hset(records.record_key(ctx.openid), records.TRADITIONAL, int(traditional))
        ctx.traditional = traditional
    return answers.text(ctx, "language_set")


@intent("lang_zh")
def to_chinese(message, ctx):
    return _switch(ctx, language.CHINESE, traditional=False)


@intent("lang_zh_hant")
def to_traditional_chinese(message, ctx):
    return _switch(ctx, language.CHINESE, traditional=True)


@intent("lang_en")
def to_english(message, ctx):
    return _switch(ctx, language.ENGLISH)


@intent("language", menu="LANGUAGE")
def toggle(message, ctx):
    return _switch(ctx, language.other(ctx.lang))
