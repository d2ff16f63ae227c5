"""`help` / `帮助` / `?`: what the account can do, in English or Chinese."""

from __future__ import annotations

from bot.followers.answers import answering
from bot.webhook.replies import TextReply
from bot.webhook.router import router
from bot.webhook.texts import render_text


@router.keyword("help", "?")
@answering  # held reminders ride along with the answer
def help_reply(message, ctx) -> TextReply:
    # "?" says nothing about the language, so it follows the follower's; "help" asks in English.
    lang = ctx.lang if message.content.strip() in {"?", "？"} else "en"
    return TextReply(render_text("help", lang))


@router.keyword("帮助")
@answering
def help_reply_zh(message, ctx) -> TextReply:
    return TextReply(render_text("help", "zh"))
