"""A follower scans an upcoming event's QR code (a poster, a slide): its details and a reminder.

The code's scene is `event:<issue>:<n>` (bot/followers/event_codes.py). A follower who scans it
gets a SCAN event; someone who follows by scanning it gets the welcome with the same details.
"""

from __future__ import annotations

from bot.followers import answers, event_codes
from bot.handlers.events import upcoming_rows
from bot.newsletter import store
from bot.webhook.router import router


def event_details(ctx, scene: str) -> str | None:
    """What a follower reads after scanning the event's code, or None for another scene."""
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


@router.event("SCAN")
def scanned(message, ctx):
    details = event_details(ctx, message.scene)
    return answers.finish(ctx, answers.FullText(details)) if details else None
