"""The welcome a new follower gets, also when they followed by scanning a parametric QR code."""

from __future__ import annotations

import logging

from bot.followers.answers import traditional
from bot.webhook.replies import TextReply
from bot.webhook.router import router
from bot.webhook.texts import render_text

log = logging.getLogger(__name__)


@router.event("subscribe")
def welcome(message, ctx) -> TextReply:
    if message.scene:
        # The scene tells which poster or event brought the follower; worth a line in the log.
        log.info("new follower %s via QR scene %s", ctx.openid, message.scene)
    text = render_text("welcome", ctx.lang, scene=message.scene)
    return TextReply(traditional(text) if ctx.traditional and ctx.lang == "zh" else text)
