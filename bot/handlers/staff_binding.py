"""`BIND-XXXXXXXX`: a staff member proves this WeChat is theirs (see console/wechat_binding)."""

from __future__ import annotations

from bot.console import wechat_binding
from bot.webhook.replies import TextReply
from bot.webhook.router import router
from bot.webhook.texts import render_text


@router.prefix(wechat_binding.PREFIX)
def bind_staff_wechat(message, ctx) -> TextReply:
    name = wechat_binding.bind(ctx.redis, message.content, ctx.openid)
    if name is None:
        return TextReply(render_text("staff_bind_unknown", ctx.lang))
    return TextReply(render_text("staff_bound", ctx.lang, staff=name))
