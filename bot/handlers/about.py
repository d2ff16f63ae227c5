"""About MMSP II: the menu button and "about" / "关于"."""

from __future__ import annotations

from bot.followers import answers
from bot.followers.answers import intent


@intent("about", menu="ABOUT")
def about(message, ctx):
    return answers.text(ctx, "about")
