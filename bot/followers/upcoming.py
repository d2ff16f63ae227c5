"""What is coming that a follower can hear of: the announced events, numbered as "remind N"
counts them, the details of one whose QR code they scanned, and the next issue.

Several handlers and the reminder delivery use these, so they live here rather than in one
handler that the others would import.
"""

from __future__ import annotations

from datetime import datetime

import redis

from bot.followers import answers, event_codes, reminders
from bot.newsletter import store


def _this_month(ctx) -> str:
    """Today's month (YYYY-MM) in the account's time zone."""
    return datetime.now(ctx.settings.tz).strftime("%Y-%m")


def announcement_row(item: dict, number: int, lang: str) -> dict:
    """An announced item as the answers' templates show it, with its "remind N" number."""
    start, end = item.get("start", ""), item.get("end", "")
    period = answers.period_label(start, end, lang, item.get("period", ""))
    return {**item, "number": number, "title": item["title"], "period": period}


def upcoming_rows(ctx) -> list[dict]:
    """Announced items of every issue whose period has not ended this month, numbered from 1
    (what "remind N" asks for)."""
    items = store.announcements_ending_from(ctx.redis, _this_month(ctx))
    return [announcement_row(item, i, ctx.lang) for i, item in enumerate(items, 1)]


def newest_announcements(ctx) -> list[dict]:
    """The newest issue's announcements with their dates, even when they have passed."""
    items = store.newest_announcements(ctx.redis)
    return [announcement_row(item, 0, ctx.lang) for item in items]


def scanned_event(ctx, scene: str) -> str | None:
    """What a follower reads after scanning an event's code, or None for another scene."""
    found = event_codes.parse_scene(scene)
    if found is None:
        return None
    number, index = found
    items = store.upcoming_items(ctx.redis, number)
    if not 1 <= index <= len(items):
        return answers.text(ctx, "event_scanned_missing").content
    item = items[index - 1]
    # The number "remind N" asks for, while the event has not ended.
    remind = next(
        (row["number"] for row in upcoming_rows(ctx) if (row["issue"], row["index"]) == found),
        None,
    )
    period = answers.period_label(item.get("start", ""), item.get("end", ""), ctx.lang)
    values = {"title": item["title"], "period": period or item.get("period", ""), "issue": number}
    return answers.text(ctx, "event_scanned", remind=remind, **values).content


def remind_of_next_issue(r: redis.Redis, openid: str, after: int | None = None) -> bool:
    """Have the follower hear of the issue after `after` (the latest one when None); False when
    they already asked for it."""
    number = (store.latest_number(r) or 0) if after is None else after
    reminder = reminders.Reminder(id=f"issue:{number}", kind="issue", issue=number)
    return reminders.request(r, openid, reminder)[1]
