"""Archive: the list of issues ("archive", "往期", menu) and one issue ("issue 9", "第9期", "9")."""

from __future__ import annotations

from bot.followers import answers, cards
from bot.followers.answers import intent
from bot.newsletter import store


@intent("archive", menu="ARCHIVE")
def archive(message, ctx):
    issues = store.list_issues(ctx.redis)
    if not issues:
        return answers.text(ctx, "no_issue")
    rows = [{**s, "month": answers.month_label(s["month"], ctx.lang)} for s in issues]
    return answers.text(ctx, "archive", issues=rows)


@intent("issue")
def one_issue(message, ctx):
    return cards.issue_answer(ctx, ctx.intent.number, ctx.click)
