"""Reminders: "remind 2" / "提醒 2" (an upcoming item), "remind next" (the next issue), the menu
button (what can be reminded), "stop reminders" / "取消提醒"."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from bot.followers import answers, reminders
from bot.followers.answers import intent
from bot.followers.upcoming import remind_of_next_issue, upcoming_rows
from bot.newsletter import store

# A reminder of a planned activity goes out a week before its first month begins, at 09:00.
LEAD_TIME = timedelta(days=7)


def event_due(start_month: str, tz) -> float:
    year, month = int(start_month[:4]), int(start_month[5:7])
    return (datetime(year, month, 1, 9, 0, tzinfo=tz) - LEAD_TIME).timestamp()


def _mine(ctx) -> list[dict]:
    waiting = (reminders.PENDING, reminders.HELD)
    return [
        {"title": x.title or f"No. {x.issue + 1}", "kind": x.kind, "period": x.period}
        for x in reminders.get_all(ctx.redis, ctx.openid)
        if x.state in waiting
    ]


@intent("remind", menu="REMIND")
def remind(message, ctx):
    rows = upcoming_rows(ctx)
    wanted = ctx.intent
    if wanted is None or wanted.number is None:
        return answers.text(ctx, "remind_menu", items=rows, mine=_mine(ctx))
    if not 1 <= wanted.number <= len(rows):
        return answers.text(ctx, "remind_missing", number=wanted.number, items=rows)
    item = rows[wanted.number - 1]
    if not item.get("start"):
        return answers.text(ctx, "remind_undated", item=item)
    reminder, new = reminders.request(
        ctx.redis,
        ctx.openid,
        reminders.Reminder(
            id=f"event:{item['issue']}:{item['index']}",
            kind="event",
            issue=item["issue"],
            index=item["index"],
            title=item["title"],
            period=item["start"] + "/" + (item.get("end") or item["start"]),
            due=event_due(item["start"], ctx.settings.tz),
        ),
    )
    due = datetime.fromtimestamp(reminder.due, ctx.settings.tz)
    # A plan whose date has passed (an old issue) is reminded of at the job's next run.
    when = due.date().isoformat() if reminder.due > time.time() else ""
    return answers.text(ctx, "remind_ok" if new else "remind_already", item=item, when=when)


@intent("remind_next")
def remind_next(message, ctx):
    number = store.latest_number(ctx.redis) or 0
    new = remind_of_next_issue(ctx.redis, ctx.openid, after=number)
    return answers.text(ctx, "remind_next_ok" if new else "remind_next_already", after=number)


@intent("stop_reminders")
def stop(message, ctx):
    count = reminders.cancel_all(ctx.redis, ctx.openid)
    return answers.text(ctx, "reminders_stopped", count=count)
