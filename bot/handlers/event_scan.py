"""A follower scans an upcoming event's QR code (a poster, a slide): its details and a reminder.

The code's scene is `event:<issue>:<n>` (bot/followers/event_codes.py). A follower who scans it
gets a SCAN event; someone who follows by scanning it gets the welcome with the same details.
"""

from __future__ import annotations

from bot.followers import answers
from bot.followers.upcoming import scanned_event
from bot.webhook.router import router


@router.event("SCAN")
def scanned(message, ctx):
    details = scanned_event(ctx, message.scene)
    return answers.finish(ctx, answers.FullText(details)) if details else None
