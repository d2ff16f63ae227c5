"""Latest issue: the menu button and "latest" / "最新" (news cards, or contents until published)."""

from __future__ import annotations

from bot.followers import answers, cards
from bot.followers.answers import intent
from bot.newsletter import store


@intent("latest", menu="LATEST_ISSUE")
def latest(message, ctx):
    number = store.latest_number(ctx.redis)
    if number is None:
        return answers.text(ctx, "no_issue")
    return cards.issue_answer(ctx, number, ctx.click)
