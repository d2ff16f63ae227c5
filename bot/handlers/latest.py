"""Latest issue: the menu button and "latest" / "最新" (news cards, or contents until published)."""

from __future__ import annotations

from bot.followers import answers, cards
from bot.followers.answers import answering, intent
from bot.followers.keywords import KEYWORDS, Intent
from bot.newsletter import store
from bot.webhook.router import router


@intent("latest")
def latest(ctx, wanted: Intent | None = None, click: bool = False):
    number = store.latest_number(ctx.redis)
    if number is None:
        return answers.text(ctx, "no_issue")
    return cards.issue_answer(ctx, number, click)


@router.click("LATEST_ISSUE")
@answering
def latest_click(message, ctx):
    return latest(ctx, click=True)


@router.keyword(*KEYWORDS["latest"])
@answering
def latest_keyword(message, ctx):
    return latest(ctx)
