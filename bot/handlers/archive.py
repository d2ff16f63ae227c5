"""Archive: the list of issues ("archive", "往期", menu) and one issue ("issue 9", "第9期", "9")."""

from __future__ import annotations

from bot.followers import answers, cards
from bot.followers.answers import answering, intent
from bot.followers.keywords import KEYWORDS, Intent
from bot.newsletter import store
from bot.webhook.router import router


@intent("archive")
def archive(ctx, wanted: Intent | None = None, click: bool = False):
    issues = store.list_issues(ctx.redis)
    if not issues:
        return answers.text(ctx, "no_issue")
    rows = [{**s, "month": answers.month_label(s["month"], ctx.lang)} for s in issues]
    return answers.text(ctx, "archive", issues=rows)


@intent("issue")
def one_issue(ctx, wanted: Intent, click: bool = False):
    return cards.issue_answer(ctx, wanted.number, click)


@router.click("ARCHIVE")
@answering
def archive_click(message, ctx):
    return archive(ctx, click=True)


@router.keyword(*KEYWORDS["archive"])
@answering
def archive_keyword(message, ctx):
    return archive(ctx)
