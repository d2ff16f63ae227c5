"""Messages: followers' messages no command answered (long questions, pictures), and staff's
replies through the customer-service API while WeChat allows them."""

from __future__ import annotations

import logging
import time

from flask import flash, g, redirect, render_template, request, url_for

from bot.console import bp
from bot.console.auth_views import note
from bot.console.security import access
from bot.followers import messages
from bot.redisdb import get_redis

log = logging.getLogger(__name__)


@bp.get("/messages")
@access("editor")
def followers_messages():
    r = get_redis()
    now = time.time()
    waiting = [
        {**m, "left": messages.messages_left(r, m["openid"], now)} for m in messages.waiting(r)
    ]
    from bot.console.pushing import recipient_names

    return render_template(
        "console/messages.html",
        waiting=waiting,
        answered=messages.answered(r),
        names=recipient_names(r, [m["openid"] for m in waiting]),
    )


@bp.post("/messages/<message_id>/reply")
@access("editor")
def reply_to_message(message_id: str):
    from bot.wechat import get_client

    try:
        messages.reply(
            get_redis(), get_client(), message_id, request.form.get("text", ""), g.staff.name
        )
    except messages.ReplyError as exc:
        flash(str(exc), "error")
        return redirect(url_for("console.followers_messages"))
    except Exception as exc:  # network, configuration: one line, never a stack trace
        log.warning("reply to message %s failed: %s", message_id, type(exc).__name__)
        flash(f"WeChat could not be reached ({type(exc).__name__}); try again.", "error")
        return redirect(url_for("console.followers_messages"))
    note("replied to a follower", f"message {message_id}")
    flash("The reply is sent.", "info")
    return redirect(url_for("console.followers_messages"))
