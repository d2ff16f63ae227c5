"""`help` / `帮助` / `?`: what the account can do, in the language of the asking."""

from __future__ import annotations

from bot.followers import answers
from bot.followers.answers import intent


@intent("help")
def help_answer(message, ctx):
    return answers.text(ctx, "help")
