"""The welcome a new follower gets, also when they followed by scanning a parametric QR code."""

from __future__ import annotations

import logging

from bot.followers.answers import traditional
from bot.followers.texts import render_text
from bot.followers.upcoming import scanned_event
from bot.webhook.replies import TextReply
from bot.webhook.router import router

log = logging.getLogger(__name__)


@router.event("subscribe")
def welcome(message, ctx) -> TextReply:
    if message.scene:
        # The scene tells which poster or event brought the follower; worth a line in the log.
        log.info("new follower %s via QR scene %s", ctx.openid, message.scene)
    text = render_text("welcome", ctx.lang, scene=message.scene)
    # Followed by scanning an event's poster: what they scanned for comes with the welcome.
    event = scanned_event(ctx, message.scene) if message.scene else None
    if event:
        text = f"{text}\n\n{event}"
    return TextReply(traditional(text) if ctx.traditional and ctx.lang == "zh" else text)
