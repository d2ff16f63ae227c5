"""About MMSP II: the menu button and "about" / "关于"."""

from __future__ import annotations

from bot.followers import answers
from bot.followers.answers import answering, intent
from bot.followers.keywords import KEYWORDS, Intent
from bot.webhook.router import router


@intent("about")
def about(ctx, wanted: Intent | None = None, click: bool = False):
    return answers.text(ctx, "about")


@router.click("ABOUT")
@answering
def about_click(message, ctx):
    return about(ctx, click=True)


@router.keyword(*KEYWORDS["about"])
@answering
def about_keyword(message, ctx):
    return about(ctx)
